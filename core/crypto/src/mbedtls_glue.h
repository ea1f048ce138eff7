#pragma once

// Internal to core/crypto: the one mapping from mbedTLS return codes to
// mykey::Error, and the adapter that lets mbedTLS draw from a RandomSource.

#include <cstddef>

#include "mykey/base/error.h"
#include "mykey/crypto/random.h"

namespace mykey::crypto::internal {

/// Maps a (negative) mbedTLS return code to an Error in ErrorDomain::kMbedTls
/// whose detail is the raw code. `message` must be a string literal.
Error MbedTlsError(int ret, const char* message);

/// mbedTLS f_rng callback drawing from the RandomSource passed as `p_rng`.
int DrawRandom(void* p_rng, unsigned char* out, size_t len);

}  // namespace mykey::crypto::internal
