#include "mykey/protocol/typed_text.h"

#include <cstdint>

#include "mykey/base/utf8.h"

namespace mykey::protocol {

namespace {

bool IsAsciiWhitespace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

}  // namespace

char32_t FoldTypedCharacter(char32_t c) noexcept {
  if (c == 0xFF0D) return U'-';  // full-width hyphen-minus: a dash, before the general rule
  if (c >= 0xFF01 && c <= 0xFF5E) return c - 0xFF01 + 0x21;
  if (c == 0x3000) return U' ';
  if ((c >= 0x2010 && c <= 0x2015) || c == 0x2212 || c == 0x30FC || c == 0xFF70) return U'-';
  return c;
}

std::string_view TrimAsciiWhitespace(std::string_view text) noexcept {
  while (!text.empty() && IsAsciiWhitespace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsAsciiWhitespace(text.back())) text.remove_suffix(1);
  return text;
}

std::string NormalizeTypedText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t at = 0; at < text.size();) {
    size_t length = 0;
    const char32_t c = DecodeUtf8At(text, at, length);
    if (length == 0) {
      out.push_back(text[at]);
      ++at;
      continue;
    }
    AppendUtf8(out, FoldTypedCharacter(c));
    at += length;
  }
  return std::string(TrimAsciiWhitespace(out));
}

}  // namespace mykey::protocol
