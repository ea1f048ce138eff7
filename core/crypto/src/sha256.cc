#include "mykey/crypto/sha256.h"

#include <mbedtls/sha256.h>

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
  Bytes out(std::begin(kDigestInfoPrefix), std::end(kDigestInfoPrefix));
  out.insert(out.end(), digest.begin(), digest.end());
  return out;
}

ByteView Sha256DigestInfoPrefix() {
  return ByteView(kDigestInfoPrefix, sizeof(kDigestInfoPrefix));
}

}  // namespace mykey::crypto
