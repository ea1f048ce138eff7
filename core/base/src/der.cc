#include "mykey/base/der.h"

#include <cstdint>

namespace mykey {

Result<size_t> DerElementSize(ByteView prefix) {
  if (prefix.size() < 2) return Fail(ErrorCode::kOutOfRange, "DER header truncated");
  if ((prefix[0] & 0x1F) == 0x1F) {
    return Fail(ErrorCode::kDataLoss, "DER multi-byte tag not supported", ErrorDomain::kParse, 0);
  }
  const uint8_t first = prefix[1];
  if (first < 0x80) return size_t{2} + first;
  if (first == 0x80) {
    return Fail(ErrorCode::kDataLoss, "indefinite length is not DER", ErrorDomain::kParse, 1);
  }
  const size_t octets = first & 0x7F;
  if (octets > 4) {
    return Fail(ErrorCode::kDataLoss, "DER length too long", ErrorDomain::kParse, 1);
  }
  if (prefix.size() < 2 + octets) return Fail(ErrorCode::kOutOfRange, "DER header truncated");
  if (prefix[2] == 0) {
    return Fail(ErrorCode::kDataLoss, "DER length not minimal", ErrorDomain::kParse, 2);
  }
  uint64_t length = 0;
  for (size_t i = 0; i < octets; ++i) length = (length << 8) | prefix[2 + i];
  if (octets == 1 && length < 0x80) {
    return Fail(ErrorCode::kDataLoss, "DER length not minimal", ErrorDomain::kParse, 2);
  }
  return static_cast<size_t>(2 + octets + length);
}

}  // namespace mykey
