#include "mykey/crypto/sha256.h"

#include <mbedtls/sha256.h>

#include <cstring>

namespace mykey::crypto {

namespace {
constexpr uint8_t kDigestInfoPrefix[19] = {0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60,
                                           0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                           0x01, 0x05, 0x00, 0x04, 0x20};
}  // namespace

Sha256Digest Sha256(ByteView data) {
  Sha256Digest out{};
  // The software implementation cannot fail with valid pointers.
  (void)mbedtls_sha256_ret(data.data(), data.size(), out.data(), 0);
  return out;
}

Bytes Sha256DigestInfo(const Sha256Digest& digest) {
  // Sized once and filled with memcpy: GCC 12 at -O3 reports a false
  // -Warray-bounds for vector::insert of a std::array here.
  Bytes out(sizeof(kDigestInfoPrefix) + digest.size());
  std::memcpy(out.data(), kDigestInfoPrefix, sizeof(kDigestInfoPrefix));
  std::memcpy(out.data() + sizeof(kDigestInfoPrefix), digest.data(), digest.size());
  return out;
}

ByteView Sha256DigestInfoPrefix() {
  return ByteView(kDigestInfoPrefix, sizeof(kDigestInfoPrefix));
}

}  // namespace mykey::crypto
