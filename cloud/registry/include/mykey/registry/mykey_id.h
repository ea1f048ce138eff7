#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mykey/base/result.h"
#include "mykey/crypto/random.h"
#include "mykey/crypto/sha256.h"

namespace mykey::cloud {

/// A MyKey ID (jpki-card.md §7) has exactly 8 symbols from this alphabet: the
/// digits and capital letters without the look-alikes 0 and O, 1 and I, and U
/// (U/V), the same 31 symbols as voucher serials, so that people read and type
/// them without mistakes. 31^8 is about 8.5e11 (2^39.6) IDs: for 100 million
/// holders a random draw is taken about once in 8,500 and drawn again.
inline constexpr std::string_view kMyKeyIdAlphabet = "23456789ABCDEFGHJKLMNPQRSTVWXYZ";
/// Symbols in a MyKey ID.
inline constexpr size_t kMyKeyIdLength = 8;

/// True for exactly kMyKeyIdLength symbols of kMyKeyIdAlphabet (upper case).
bool IsValidMyKeyId(std::string_view id) noexcept;

/// The ID as typed by a holder, in canonical form: ASCII letters upper-cased,
/// nothing else changed.
/// @returns the canonical ID, or nullopt if it is then not a valid MyKey ID
///          (wrong length, a look-alike 0/O/1/I/U, another character).
std::optional<std::string> NormaliseMyKeyId(std::string_view typed);

/// A uniformly random MyKey ID (rejection sampling over random bytes).
/// @returns kInternal if `random` fails.
Result<std::string> GenerateMyKeyId(crypto::RandomSource& random);

/// The hash terminals key suspensions on in the revocation feed: SHA-256 of
/// the ID's 8 ASCII symbols. (A pseudonymous cache key, not a secret: the ID
/// space is small enough to enumerate.)
crypto::Sha256Digest MyKeyIdHash(std::string_view id);

}  // namespace mykey::cloud
