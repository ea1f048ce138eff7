// The one place glibc's iconv is used: it builds the Shift_JIS (JIS X 0208) and single-byte
// code page tables once.
#include <iconv.h>

#include <array>
#include <cstddef>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "mykey/receipt/text.h"

namespace mykey::receipt {

namespace {

// Converts `in` with an open iconv descriptor to one UTF-32 code point, or nothing.
std::optional<char32_t> DecodeOne(iconv_t cd, const char* in, size_t in_len) {
  iconv(cd, nullptr, nullptr, nullptr, nullptr);
  std::array<char, 8> inbuf{};
  for (size_t i = 0; i < in_len; ++i) inbuf[i] = in[i];
  std::array<char, 16> outbuf{};
  char* in_ptr = inbuf.data();
  char* out_ptr = outbuf.data();
  size_t in_left = in_len;
  size_t out_left = outbuf.size();
  if (iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left) == static_cast<size_t>(-1)) {
    return std::nullopt;
  }
  if (in_left != 0 || outbuf.size() - out_left != 4) return std::nullopt;  // exactly one char
  const auto* u = reinterpret_cast<const unsigned char*>(outbuf.data());
  return static_cast<char32_t>(u[0] | (u[1] << 8) | (u[2] << 16) | (u[3] << 24));
}

struct Tables {
  std::unordered_map<char32_t, uint16_t> sjis_of;
  std::unordered_map<uint16_t, char32_t> char_of_sjis;
  std::array<char32_t, 256> pc437{};  // 0 = unmapped
};

void AddCells(Tables& t, iconv_t cd, bool primary) {
  // JIS X 0208 rows 1-84: Shift_JIS lead bytes 0x81-0x9F and 0xE0-0xEA.
  for (int lead = 0x81; lead <= 0xEA; ++lead) {
    if (lead > 0x9F && lead < 0xE0) continue;
    for (int trail = 0x40; trail <= 0xFC; ++trail) {
      if (trail == 0x7F) continue;
      const auto code = static_cast<uint16_t>((lead << 8) | trail);
      // Microsoft's mapping is only an alias for cells glibc's SHIFT_JIS (JIS X 0208) assigns:
      // that keeps out NEC row 13 and the IBM extensions, which plain kanji printers lack.
      if (!primary && !t.char_of_sjis.contains(code)) continue;
      const std::array<char, 2> bytes = {static_cast<char>(lead), static_cast<char>(trail)};
      const std::optional<char32_t> c = DecodeOne(cd, bytes.data(), bytes.size());
      if (!c) continue;
      if (primary) t.char_of_sjis.emplace(code, *c);
      t.sjis_of.emplace(*c, code);  // emplace keeps the SHIFT_JIS mapping when both exist
    }
  }
}

const Tables& GetTables() {
  static Tables tables;
  static std::once_flag once;
  std::call_once(once, [] {
    if (iconv_t cd = iconv_open("UTF-32LE", "SHIFT_JIS"); cd != reinterpret_cast<iconv_t>(-1)) {
      AddCells(tables, cd, true);
      iconv_close(cd);
    }
    if (iconv_t cd = iconv_open("UTF-32LE", "CP932"); cd != reinterpret_cast<iconv_t>(-1)) {
      AddCells(tables, cd, false);
      iconv_close(cd);
    }
    if (iconv_t cd = iconv_open("UTF-32LE", "CP437"); cd != reinterpret_cast<iconv_t>(-1)) {
      for (int b = 0x80; b <= 0xFF; ++b) {
        const char byte = static_cast<char>(b);
        if (std::optional<char32_t> c = DecodeOne(cd, &byte, 1)) {
          tables.pc437[static_cast<size_t>(b)] = *c;
        }
      }
      iconv_close(cd);
    }
  });
  return tables;
}

}  // namespace

std::optional<uint16_t> ShiftJisOf(char32_t c) {
  // Characters JIS X 0208 lacks whose full-width cell prints the same sign.
  if (c == 0x00A5) return 0x818F;  // ¥ -> ￥
  if (c == 0x2014) return 0x815C;  // EM DASH -> the JIS dash (glibc maps it to U+2015)
  const Tables& t = GetTables();
  if (auto it = t.sjis_of.find(c); it != t.sjis_of.end()) return it->second;
  return std::nullopt;
}

std::optional<char32_t> CharOfShiftJis(uint16_t code) {
  const Tables& t = GetTables();
  if (auto it = t.char_of_sjis.find(code); it != t.char_of_sjis.end()) return it->second;
  return std::nullopt;
}

std::optional<uint8_t> CodePageByteOf(char32_t c, CodePage page) {
  if (c >= 0x20 && c <= 0x7E) return static_cast<uint8_t>(c);
  switch (page) {
    case CodePage::kAsciiOnly: return std::nullopt;
    case CodePage::kKatakana:
      if (c >= 0xFF61 && c <= 0xFF9F) return static_cast<uint8_t>(c - 0xFF61 + 0xA1);
      return std::nullopt;
    case CodePage::kPc437: {
      const Tables& t = GetTables();
      // Only letters and signs: the box-drawing half of CP437 is not text.
      for (size_t b = 0x80; b <= 0xAF; ++b) {
        if (t.pc437[b] == c) return static_cast<uint8_t>(b);
      }
      if (c == 0x00B0) return 0xF8;  // °
      if (c == 0x00B1) return 0xF1;  // ±
      if (c == 0x00B5) return 0xE6;  // µ
      if (c == 0x00DF) return 0xE1;  // ß
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::optional<char32_t> CharOfCodePageByte(uint8_t byte, CodePage page) {
  if (byte >= 0x20 && byte <= 0x7E) return byte;
  switch (page) {
    case CodePage::kAsciiOnly: return std::nullopt;
    case CodePage::kKatakana:
      if (byte >= 0xA1 && byte <= 0xDF) return static_cast<char32_t>(0xFF61 + (byte - 0xA1));
      return std::nullopt;
    case CodePage::kPc437: {
      if (byte < 0x80) return std::nullopt;
      const char32_t c = GetTables().pc437[byte];
      if (c == 0) return std::nullopt;
      return c;
    }
  }
  return std::nullopt;
}

}  // namespace mykey::receipt
