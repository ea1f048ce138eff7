#pragma once

// What people type or paste at a counter, made plain before it is parsed: a
// Japanese input method (IME) gives full-width letters and digits, an
// ideographic space and a dozen dash look-alikes; a paste brings a trailing
// CR/LF. Used by VoucherSerial::Parse(), the voucher token decoder and the
// receipts' operation numbers.

#include <string>
#include <string_view>

namespace mykey::protocol {

/// The plain ASCII character a typed character stands for: full-width ASCII
/// (U+FF01..U+FF5E) becomes its ASCII form; the ideographic space U+3000 a
/// space; the dash look-alikes ‐ ‑ ‒ – — ― − ー ｰ (U+2010..U+2015, U+2212,
/// U+30FC, U+FF70) and the full-width －  a '-'. Any other character is
/// returned as it is (letters are not case-folded).
///
/// Thread safety: a pure function.
char32_t FoldTypedCharacter(char32_t c) noexcept;

/// `text` without ASCII whitespace (space, tab, CR, LF, VT, FF) at either end;
/// whitespace inside is kept.
///
/// Thread safety: a pure function.
std::string_view TrimAsciiWhitespace(std::string_view text) noexcept;

/// TrimAsciiWhitespace() of `text` with every UTF-8 character folded by
/// FoldTypedCharacter() (an ideographic space at either end is trimmed as
/// well). Bytes that are not valid UTF-8 are kept as they are, for the parser
/// to refuse.
///
/// Thread safety: a pure function.
std::string NormalizeTypedText(std::string_view text);

}  // namespace mykey::protocol
