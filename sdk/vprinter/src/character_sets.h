#pragma once

// The single-byte characters of the virtual printer: `ESC R` international
// character sets over ASCII and `ESC t` code pages above 0x7F. Pure code.

#include <cstdint>
#include <optional>

namespace mykey::vprinter {

/// True for the `ESC R n` sets drawn: 0 (USA) and 8 (Japan: 0x5C is the yen
/// sign, 0x7E the overline).
bool IsSupportedInternationalSet(int n);

/// True for the `ESC t n` code pages drawn: 0 (PC437), 1 (katakana), 16 (WPC1252).
bool IsSupportedCodePage(int n);

/// The character `byte` (0x20-0xFF) prints as with set `international_set`
/// and code page `code_page` (both supported ones).
/// @returns std::nullopt for a byte the page leaves empty.
std::optional<char32_t> CharOfByte(uint8_t byte, int international_set, int code_page);

}  // namespace mykey::vprinter
