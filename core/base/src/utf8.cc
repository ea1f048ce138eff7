#include "mykey/base/utf8.h"

#include <cstdint>

namespace mykey {

char32_t DecodeUtf8At(std::string_view text, size_t at, size_t& length) noexcept {
  length = 0;
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[at + i]); };
  const uint8_t lead = byte(0);
  if (lead < 0x80) {
    length = 1;
    return lead;
  }
  size_t need = 0;
  char32_t c = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    need = 1;
    c = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    need = 2;
    c = lead & 0x0Fu;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    need = 3;
    c = lead & 0x07u;
  } else {
    return 0;  // a continuation byte, or a lead byte that only starts overlong or too large forms
  }
  if (at + need >= text.size()) return 0;
  for (size_t i = 1; i <= need; ++i) {
    if ((byte(i) & 0xC0u) != 0x80u) return 0;
    c = (c << 6) | (byte(i) & 0x3Fu);
  }
  const char32_t shortest = need == 1 ? 0x80 : need == 2 ? 0x800 : 0x10000;
  if (c < shortest || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
  length = need + 1;
  return c;
}

void AppendUtf8(std::string& out, char32_t c) {
  if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) c = 0xFFFD;
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

}  // namespace mykey
