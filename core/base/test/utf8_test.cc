#include "mykey/base/utf8.h"

#include <string>

#include "mykey/testing/catch.h"

namespace mykey {
namespace {

// Every code point of `text` and the byte length of each, or {0, 0} at the first invalid byte.
std::u32string Decode(std::string_view text) {
  std::u32string out;
  for (size_t at = 0; at < text.size();) {
    size_t length = 0;
    const char32_t c = DecodeUtf8At(text, at, length);
    if (length == 0) return out + U'\0';
    out.push_back(c);
    at += length;
  }
  return out;
}

TEST_CASE("UTF-8 decodes one to four byte forms") {
  CHECK(Decode("A\xC3\xA9\xE6\x9C\x89\xF0\xA0\xAE\xB7") == U"A\u00E9\u6709\U00020BB7");
  size_t length = 0;
  CHECK(DecodeUtf8At("\xE3\x83\xBC", 0, length) == U'\u30FC');
  CHECK(length == 3);
}

TEST_CASE("UTF-8 refuses invalid, overlong, truncated and surrogate forms") {
  for (std::string_view bad :
       {"\x80", "\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xF0\x80\x80\xAF", "\xED\xA0\x80",
        "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xE6\x9C", "\xC3", "\xC3\x41", "\xFF"}) {
    INFO(std::string(bad).size());
    size_t length = 99;
    CHECK(DecodeUtf8At(bad, 0, length) == 0);
    CHECK(length == 0);
  }
}

TEST_CASE("UTF-8 encodes every form and replaces what is not a character") {
  std::string out;
  for (char32_t c : {U'A', U'\u00E9', U'\u6709', U'\U00020BB7'}) AppendUtf8(out, c);
  CHECK(out == "A\xC3\xA9\xE6\x9C\x89\xF0\xA0\xAE\xB7");
  out.clear();
  AppendUtf8(out, static_cast<char32_t>(0xD800));
  AppendUtf8(out, static_cast<char32_t>(0x110000));
  CHECK(out == "\xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
}  // namespace mykey
