#pragma once

#include <array>
#include <cstdint>

#include "mykey/base/bytes.h"

namespace mykey::crypto {

using Sha256Digest = std::array<uint8_t, 32>;

/// SHA-256 of `data`.
Sha256Digest Sha256(ByteView data);

/// The DER DigestInfo for a SHA-256 digest (51 bytes: the 19-byte
/// AlgorithmIdentifier prefix + the hash), as the JPKI SIGN command takes it.
Bytes Sha256DigestInfo(const Sha256Digest& digest);

/// The 19-byte DER prefix of a SHA-256 DigestInfo.
ByteView Sha256DigestInfoPrefix();

}  // namespace mykey::crypto
