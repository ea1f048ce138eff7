#include "mykey/receipt/text.h"

#include "mykey/testing/catch.h"

namespace mykey::receipt {
namespace {

TEST_CASE("有効期限 converts to the Shift_JIS bytes 97 4C 8C F8 8A FA 8C C0") {
  auto chars = DecodeUtf8("有効期限");
  REQUIRE(chars);
  std::vector<uint16_t> codes;
  for (char32_t c : *chars) {
    auto code = ShiftJisOf(c);
    REQUIRE(code);
    codes.push_back(*code);
  }
  CHECK(codes == std::vector<uint16_t>{0x974C, 0x8CF8, 0x8AFA, 0x8CC0});
}

TEST_CASE("Characters outside JIS X 0208 have no Shift_JIS code") {
  CHECK_FALSE(ShiftJisOf(U'\U00020BB7'));  // 𠮷
  CHECK_FALSE(ShiftJisOf(U'髙'));          // IBM extension in CP932
  CHECK_FALSE(ShiftJisOf(U'﨑'));          // IBM extension in CP932
  CHECK_FALSE(ShiftJisOf(U'①'));           // NEC row 13
  CHECK_FALSE(ShiftJisOf(U'\U0001F600'));  // emoji
  CHECK_FALSE(ShiftJisOf(U'A'));           // ASCII goes through the code page
}

TEST_CASE("Microsoft's mapping of JIS X 0208 cells is accepted as an alias") {
  CHECK(ShiftJisOf(U'\uFF5E') == uint16_t{0x8160});  // FULLWIDTH TILDE
  CHECK(ShiftJisOf(U'\u301C') == uint16_t{0x8160});  // WAVE DASH
  CHECK(ShiftJisOf(U'\uFF0D') == uint16_t{0x817C});  // FULLWIDTH HYPHEN-MINUS
  CHECK(CharOfShiftJis(0x8160) == U'\u301C');
}

TEST_CASE("¥ and the em dash print as their full-width JIS X 0208 cells") {
  CHECK(ShiftJisOf(U'¥') == uint16_t{0x818F});
  CHECK(ShiftJisOf(U'\uFFE5') == uint16_t{0x818F});
  CHECK(ShiftJisOf(U'\u2014') == uint16_t{0x815C});
  CHECK(CharOfShiftJis(0x818F) == U'\uFFE5');
}

TEST_CASE("Shift_JIS lead bytes are 81-9F and E0-FC") {
  CHECK_FALSE(IsShiftJisLeadByte(0x80));
  CHECK(IsShiftJisLeadByte(0x81));
  CHECK(IsShiftJisLeadByte(0x9F));
  CHECK_FALSE(IsShiftJisLeadByte(0xA0));
  CHECK_FALSE(IsShiftJisLeadByte(0xDF));  // half-width katakana
  CHECK(IsShiftJisLeadByte(0xE0));
  CHECK(IsShiftJisLeadByte(0xFC));
  CHECK_FALSE(IsShiftJisLeadByte(0xFD));
  CHECK_FALSE(IsShiftJisLeadByte('A'));
}

TEST_CASE("Shift_JIS codes decode back to their characters") {
  CHECK(CharOfShiftJis(0x974C) == U'有');
  CHECK(CharOfShiftJis(0x82A0) == U'あ');
  CHECK_FALSE(CharOfShiftJis(0x8740));  // ① is not JIS X 0208
  CHECK_FALSE(CharOfShiftJis(0xFBFC));  // 髙 in CP932
}

TEST_CASE("East Asian width: kanji and kana 2, ASCII and half-width katakana 1, marks 0") {
  CHECK(EastAsianWidth(U'A') == 1);
  CHECK(EastAsianWidth(U'有') == 2);
  CHECK(EastAsianWidth(U'ア') == 2);
  CHECK(EastAsianWidth(U'ｱ') == 1);
  CHECK(EastAsianWidth(U'\U00020BB7') == 2);
  CHECK(EastAsianWidth(U'\U0001F600') == 2);
  CHECK(EastAsianWidth(U'\uFE0F') == 0);
  CHECK(EastAsianWidth(U'\u3099') == 0);
}

TEST_CASE("Malformed UTF-8 is refused with the offset of the bad byte") {
  auto bad = DecodeUtf8("ab\xE6\x9C");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code() == ErrorCode::kInvalidArgument);
  CHECK(bad.error().Is(ErrorDomain::kParse, 2));
  CHECK_FALSE(DecodeUtf8("\xC0\xAF"));      // overlong
  CHECK_FALSE(DecodeUtf8("\xED\xA0\x80"));  // surrogate
  CHECK(EncodeUtf8(*DecodeUtf8("𠮷野家")) == "𠮷野家");
}

TEST_CASE("Code pages: ASCII everywhere, ¥ in PC437, half-width katakana in page 1") {
  CHECK(CodePageByteOf(U'A', CodePage::kAsciiOnly) == uint8_t{'A'});
  CHECK(CodePageByteOf(U'¥', CodePage::kPc437) == uint8_t{0x9D});
  CHECK(CodePageByteOf(U'é', CodePage::kPc437) == uint8_t{0x82});
  CHECK_FALSE(CodePageByteOf(U'¥', CodePage::kAsciiOnly));
  CHECK(CodePageByteOf(U'ｱ', CodePage::kKatakana) == uint8_t{0xB1});
  CHECK_FALSE(CodePageByteOf(U'ｱ', CodePage::kPc437));
  CHECK(CharOfCodePageByte(0x9D, CodePage::kPc437) == U'¥');
  CHECK(CharOfCodePageByte(0xB1, CodePage::kKatakana) == U'ｱ');
  CHECK_FALSE(CharOfCodePageByte(0x1B, CodePage::kPc437));
}

}  // namespace
}  // namespace mykey::receipt
