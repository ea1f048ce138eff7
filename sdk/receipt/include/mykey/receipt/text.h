#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/base/result.h"

namespace mykey::receipt {

/// Decodes UTF-8 into code points.
/// @returns kInvalidArgument (domain kParse, detail = byte offset) for malformed UTF-8,
///          overlong forms, surrogates or code points above U+10FFFF.
Result<std::u32string> DecodeUtf8(std::string_view utf8);

/// Encodes code points as UTF-8 (invalid code points become U+FFFD).
std::string EncodeUtf8(std::u32string_view text);

/// Display width in half-width columns following East Asian Width: 2 for Wide and Fullwidth
/// characters (CJK, kana, full-width forms, emoji), 0 for combining marks, variation selectors
/// and zero-width joiners, 1 otherwise.
int EastAsianWidth(char32_t c);

/// True if a line may break between `before` and `after`: a simplified JIS X 4051 / UAX #14
/// rule for Japanese receipts. A break is allowed after a space or U+200B and between two
/// characters either of which is wide (CJK, kana, full-width forms, half-width katakana), except
/// before a character that must not start a line (closing brackets and quotes, 、。，．・：；？！,
/// ー ～ 〜, small kana, iteration marks 々ゝゞヽヾ, their half-width forms, ASCII ) ] } . , ; : !
/// ?
/// %, and postfix signs ％ ° ℃ ¢) and after one that must not end a line (opening brackets and
/// quotes, ASCII ( [ {, and prefix signs ¥ ￥ $ ＄ £ ￡ € # ＃ №). Never before a space.
/// Thread safety: safe from any thread.
bool IsLineBreakAllowed(char32_t before, char32_t after);

/// One line of a wrapped paragraph: the characters [begin, end) of its text.
struct LineSpan {
  size_t begin = 0;
  size_t end = 0;
  friend bool operator==(const LineSpan&, const LineSpan&) = default;
};

/// Wraps a paragraph into lines of at most `columns`, breaking at the latest opportunity that
/// IsLineBreakAllowed() gives (zero-width characters stay with the character before them, none
/// follows a zero-width joiner); where a line has none, before the character that overflows.
/// Spaces never overflow a line: a wrapped line starts with no space and no line ends with
/// one (they are left out of the spans). Leading spaces of the paragraph are kept.
/// @param text    the paragraph, without '\n'
/// @param widths  the columns each character takes as printed (2 for a kanji, 0 for a combining
///                mark); as many as `text` has characters
/// @param columns the width of a line, at least 2
/// @returns the lines, at least one (an empty paragraph is one empty line).
/// Thread safety: safe from any thread.
std::vector<LineSpan> WrapParagraph(std::u32string_view text, std::span<const int> widths,
                                    int columns);

/// The Shift_JIS code of a character of JIS X 0208 (rows 1-84), as printed in a receipt
/// printer's kanji mode, e.g. U+6709 '有' -> 0x974C. Microsoft's variant mappings of the same
/// cells (U+FF5E -> 0x8160, U+FF0D -> 0x817C, ...) are accepted, and so are U+00A5 '¥' (JIS X
/// 0208 has only the full-width ￥, 0x818F) and U+2014 EM DASH (0x815C, the JIS dash); NEC and
/// IBM extensions (①, 髙, 﨑) and characters outside JIS X 0208 (𠮷) are not.
/// @returns std::nullopt if the character is not in JIS X 0208.
/// Thread safety: safe from any thread (the table is built once, on first use, from glibc's
/// iconv "SHIFT_JIS" and "CP932").
std::optional<uint16_t> ShiftJisOf(char32_t c);

/// The character of a two-byte Shift_JIS code of JIS X 0208 (the reverse of ShiftJisOf()), for
/// decoding what a printer receives in kanji mode.
/// @returns std::nullopt for a code outside JIS X 0208 or an unassigned cell.
/// Thread safety: safe from any thread.
std::optional<char32_t> CharOfShiftJis(uint16_t code);

/// True for a Shift_JIS lead byte (0x81-0x9F, 0xE0-0xFC). A Japanese printer with Shift_JIS
/// selected (`FS C 1`) reads such a byte and the next one as a kanji whether or not kanji mode
/// (`FS &`) is on, so text for it never contains one as a single byte.
/// Thread safety: safe from any thread.
constexpr bool IsShiftJisLeadByte(uint8_t byte) {
  return (byte >= 0x81 && byte <= 0x9F) || (byte >= 0xE0 && byte <= 0xFC);
}

/// Single-byte code pages selectable with `ESC t n` (the value is n).
enum class CodePage : uint8_t {
  kPc437 = 0,         ///< USA, standard Europe; ASCII plus Latin letters, ¢ £ ¥ ° ±
  kKatakana = 1,      ///< ASCII plus half-width katakana at 0xA1-0xDF (JIS X 0201); the
                      ///< default of Japanese models and the page of the kanji presets
  kAsciiOnly = 0xFF,  ///< printable ASCII only; no `ESC t` is sent (raster-only printers)
};

/// The byte a character prints as in `page` (with international character set USA, `ESC R 0`).
/// Printable ASCII (0x20-0x7E) maps to itself in every page.
/// @returns std::nullopt if the page has no such character.
/// Thread safety: safe from any thread.
std::optional<uint8_t> CodePageByteOf(char32_t c, CodePage page);

/// The character printed for `byte` in `page` (the reverse of CodePageByteOf()).
/// @returns std::nullopt for control bytes and unmapped bytes.
/// Thread safety: safe from any thread.
std::optional<char32_t> CharOfCodePageByte(uint8_t byte, CodePage page);

}  // namespace mykey::receipt
