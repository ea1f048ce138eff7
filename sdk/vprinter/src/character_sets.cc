#include "character_sets.h"

#include "mykey/receipt/text.h"

namespace mykey::vprinter {
namespace {

constexpr int kJapan = 8;
constexpr int kWpc1252 = 16;

// Windows-1252 at 0x80-0x9F (0 = empty); 0xA0-0xFF are Latin-1.
constexpr char16_t kWpc1252High[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

}  // namespace

bool IsSupportedInternationalSet(int n) {
  return n == 0 || n == kJapan;
}

bool IsSupportedCodePage(int n) {
  return n == 0 || n == 1 || n == kWpc1252;
}

std::optional<char32_t> CharOfByte(uint8_t byte, int international_set, int code_page) {
  if (byte < 0x80) {
    if (international_set == kJapan && byte == 0x5C) return U'\u00A5';  // ¥
    if (international_set == kJapan && byte == 0x7E) return U'\u203E';  // ‾
    return receipt::CharOfCodePageByte(byte, receipt::CodePage::kPc437);
  }
  if (code_page == kWpc1252) {
    if (byte >= 0xA0) return static_cast<char32_t>(byte);
    const char16_t c = kWpc1252High[byte - 0x80];
    if (c == 0) return std::nullopt;
    return static_cast<char32_t>(c);
  }
  return receipt::CharOfCodePageByte(
      byte, code_page == 1 ? receipt::CodePage::kKatakana : receipt::CodePage::kPc437);
}

}  // namespace mykey::vprinter
