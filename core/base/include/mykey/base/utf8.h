#pragma once

// UTF-8, one code point at a time: the one decoder and encoder of the project (typed serials,
// receipt text, console input).

#include <cstddef>
#include <string>
#include <string_view>

namespace mykey {

/// Decodes the code point at `text[at]` (`at < text.size()`).
/// @param length  set to its length in bytes, or 0 when the bytes there are not a valid,
///                shortest-form UTF-8 sequence (a stray continuation byte, a lead byte
///                without its continuations, an overlong form, a surrogate, above U+10FFFF)
/// @returns the code point (0 when length is 0).
/// Thread safety: safe from any thread.
char32_t DecodeUtf8At(std::string_view text, size_t at, size_t& length) noexcept;

/// Appends `c` as UTF-8 to `out`; a surrogate or a value above U+10FFFF becomes U+FFFD.
/// Thread safety: safe from any thread.
void AppendUtf8(std::string& out, char32_t c);

}  // namespace mykey
