#include "mykey/base/der.h"

#include "mykey/testing/catch.h"

namespace mykey {
namespace {

TEST_CASE("DER element size comes from the header alone") {
  // A certificate header: 30 82 04 D2 -> 4 + 0x04D2.
  CHECK(DerElementSize(Bytes{0x30, 0x82, 0x04, 0xD2}).value() == 4 + 0x04D2);
  CHECK(DerElementSize(Bytes{0x30, 0x81, 0x80}).value() == 3 + 0x80);
  CHECK(DerElementSize(Bytes{0x04, 0x05}).value() == 7);
}

TEST_CASE("DER header too short to read is out of range, not corrupt") {
  CHECK(DerElementSize(Bytes{0x30}).error().code() == ErrorCode::kOutOfRange);
  CHECK(DerElementSize(Bytes{0x30, 0x82, 0x04}).error().code() == ErrorCode::kOutOfRange);
}

TEST_CASE("non-DER length encodings are refused as data loss") {
  CHECK(DerElementSize(Bytes{0x30, 0x80}).error().code() == ErrorCode::kDataLoss);
  CHECK(DerElementSize(Bytes{0x30, 0x85, 1, 2, 3, 4, 5}).error().code() == ErrorCode::kDataLoss);
  CHECK(DerElementSize(Bytes{0x30, 0x82, 0x00, 0x10}).error().code() == ErrorCode::kDataLoss);
  CHECK(DerElementSize(Bytes{0x30, 0x81, 0x10}).error().code() == ErrorCode::kDataLoss);
  CHECK(DerElementSize(Bytes{0x1F, 0x01}).error().code() == ErrorCode::kDataLoss);
}

TEST_CASE("filled card files are never read as unknown DER (FF filler)") {
  // An EF that holds no certificate yet is all FF: tag FF is a multi-byte tag.
  CHECK(DerElementSize(Bytes{0xFF, 0xFF, 0xFF, 0xFF}).error().code() == ErrorCode::kDataLoss);
}

}  // namespace
}  // namespace mykey
