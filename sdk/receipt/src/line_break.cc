// Line breaking for receipts: a simplified JIS X 4051 (Japanese text layout) / UAX #14.
#include <algorithm>
#include <array>

#include "mykey/receipt/text.h"

namespace mykey::receipt {

namespace {

constexpr char32_t kSpace = U' ';
constexpr char32_t kZeroWidthSpace = 0x200B;
constexpr char32_t kZeroWidthJoiner = 0x200D;

// Characters that must not start a line (JIS X 4051 classes 2-7 and postfix signs), sorted.
constexpr std::array<char32_t, 83> kNoBreakBefore = {
    U'!',   U'%',   U')',   U',',   U'.',   U':',   U';',   U'?',   U']',   U'}',   0x00A2, 0x00B0,
    0x2019, 0x201D, 0x2032, 0x2033, 0x203C, 0x2047, 0x2048, 0x2049, 0x2103, 0x3001, 0x3002, 0x3005,
    0x3009, 0x300B, 0x300D, 0x300F, 0x3011, 0x3015, 0x3017, 0x3019, 0x301B, 0x301C, 0x303B, 0x3041,
    0x3043, 0x3045, 0x3047, 0x3049, 0x3063, 0x3083, 0x3085, 0x3087, 0x308E, 0x3095, 0x3096, 0x309B,
    0x309C, 0x309D, 0x309E, 0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9, 0x30C3, 0x30E3, 0x30E5, 0x30E7,
    0x30EE, 0x30F5, 0x30F6, 0x30FB, 0x30FC, 0x30FD, 0x30FE, 0xFF01, 0xFF05, 0xFF09, 0xFF0C, 0xFF0E,
    0xFF1A, 0xFF1B, 0xFF1F, 0xFF3D, 0xFF5D, 0xFF5E, 0xFF60, 0xFF61, 0xFF63, 0xFF64, 0xFF65,
};

// Characters that must not end a line (opening brackets and quotes, prefix signs), sorted.
constexpr std::array<char32_t, 29> kNoBreakAfter = {
    U'#',   U'$',   U'(',   U'[',   U'{',   0x00A3, 0x00A5, 0x2018, 0x201C, 0x20AC,
    0x2116, 0x3008, 0x300A, 0x300C, 0x300E, 0x3010, 0x3014, 0x3016, 0x3018, 0x301A,
    0xFF03, 0xFF04, 0xFF08, 0xFF3B, 0xFF5B, 0xFF5F, 0xFF62, 0xFFE1, 0xFFE5,
};

bool NoBreakBefore(char32_t c) {
  // Small half-width katakana ｧ-ｯ, the half-width prolonged sound mark and voicing marks.
  if ((c >= 0xFF67 && c <= 0xFF6F) || c == 0xFF70 || c == 0xFF9E || c == 0xFF9F) return true;
  // Small katakana extensions ㇰ-ㇿ (Ainu).
  if (c >= 0x31F0 && c <= 0x31FF) return true;
  return std::binary_search(kNoBreakBefore.begin(), kNoBreakBefore.end(), c);
}

bool NoBreakAfter(char32_t c) {
  return std::binary_search(kNoBreakAfter.begin(), kNoBreakAfter.end(), c);
}

// Ideographic for line breaking: wide characters and half-width katakana.
bool BreaksAround(char32_t c) {
  return EastAsianWidth(c) == 2 || (c >= 0xFF61 && c <= 0xFF9F);
}

// Combining marks, joiners and variation selectors attach to the character before them.
bool Attaches(char32_t c) {
  return EastAsianWidth(c) == 0 && c != kZeroWidthSpace;
}

// May the line break between text[i - 1] and text[i]?
bool BreakAllowedAt(std::u32string_view text, size_t i) {
  if (i == 0 || i >= text.size()) return false;
  const char32_t after = text[i];
  if (Attaches(after) || text[i - 1] == kZeroWidthJoiner) return false;
  size_t j = i;
  while (j > 0 && Attaches(text[j - 1])) --j;
  if (j == 0) return false;
  return IsLineBreakAllowed(text[j - 1], after);
}

}  // namespace

bool IsLineBreakAllowed(char32_t before, char32_t after) {
  if (after == kSpace || NoBreakBefore(after)) return false;
  if (before == kSpace || before == kZeroWidthSpace) return true;
  if (NoBreakAfter(before)) return false;
  return BreaksAround(before) || BreaksAround(after);
}

std::vector<LineSpan> WrapParagraph(std::u32string_view text, std::span<const int> widths,
                                    int columns) {
  const size_t n = std::min(text.size(), widths.size());
  std::vector<LineSpan> lines;
  size_t start = 0;
  while (true) {
    if (!lines.empty()) {
      while (start < n && text[start] == kSpace) ++start;  // no space starts a wrapped line
      if (start == n) break;
    }
    size_t end = n;
    size_t latest = 0;  // the latest break opportunity in this line; 0 = none yet
    bool content = false;
    int used = 0;
    for (size_t i = start; i < n; ++i) {
      // An opportunity counts once the line has something to print before it.
      if (content && BreakAllowedAt(text, i)) latest = i;
      if (text[i] != kSpace) {
        if (i > start && used + widths[i] > columns) {
          end = latest != 0 ? latest : i;
          break;
        }
        content = true;
      }
      used += widths[i];
    }
    LineSpan line{start, end};
    while (line.end > line.begin && text[line.end - 1] == kSpace) --line.end;
    lines.push_back(line);
    if (end >= n) break;
    start = end;
  }
  return lines;
}

}  // namespace mykey::receipt
