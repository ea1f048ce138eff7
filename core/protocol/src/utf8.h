#pragma once

// One UTF-8 character at a time, for the typed-text parsers of this module.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mykey::protocol::internal {

/// The code point at text[at] (at < text.size()) and its length in bytes;
/// length 0 when the bytes there are not a valid, shortest-form UTF-8 sequence.
inline char32_t DecodeUtf8At(std::string_view text, size_t at, size_t& length) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[at + i]); };
  const uint8_t lead = byte(0);
  length = 0;
  size_t need = 0;
  char32_t c = 0;
  if (lead < 0x80) {
    length = 1;
    return lead;
  }
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
    return 0;
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

}  // namespace mykey::protocol::internal
