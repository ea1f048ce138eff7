#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"

namespace mykey {

/// The 45 characters of Base45 (RFC 9285 §4), in value order: exactly the QR
/// code alphanumeric-mode character set, so a Base45 text fills a QR symbol at
/// 5.5 bits per character.
inline constexpr std::string_view kBase45Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// Base45 (RFC 9285): every 2 bytes become 3 characters, a final single byte
/// 2 characters. Never fails.
std::string Base45Encode(ByteView data);

/// The length of Base45Encode() of `size` bytes: 3 * (size / 2) + 2 * (size % 2).
constexpr size_t Base45EncodedSize(size_t size) {
  return 3 * (size / 2) + 2 * (size % 2);
}

/// Decodes Base45 strictly: no whitespace skipping (space is a Base45
/// character), no lower case, no padding.
/// @returns the bytes, or kInvalidArgument (domain kParse, detail = offset of
/// the offending character or group) when a character is outside the
/// alphabet, the length is 1 modulo 3, a 3-character group is above 65535, or
/// a final 2-character group is above 255.
Result<Bytes> Base45Decode(std::string_view text);

}  // namespace mykey
