#include "mykey/revocation/revocation_set.h"

#include "mykey/testing/catch.h"

namespace mykey::revocation {
namespace {

RevocationSet::Hash HashOf(std::string_view id) {
  return crypto::Sha256(ByteView(reinterpret_cast<const uint8_t*>(id.data()), id.size()));
}

TEST_CASE("A sealed set finds the serials added to it and no others") {
  RevocationSet set;
  REQUIRE(set.AddSerial(Bytes{0x01, 0x02, 0x03}));
  REQUIRE(set.AddSerial(Bytes{0x7F}));
  set.Seal();
  CHECK(set.IsRevoked(Bytes{0x01, 0x02, 0x03}));
  CHECK(set.IsRevoked(Bytes{0x7F}));
  CHECK_FALSE(set.IsRevoked(Bytes{0x01, 0x02, 0x04}));
  CHECK_FALSE(set.IsRevoked(Bytes{}));
  CHECK(set.revoked_count() == 2);
}

TEST_CASE("Leading zero octets do not change a serial") {
  RevocationSet set;
  REQUIRE(set.AddSerial(Bytes{0x00, 0x00, 0x9A}));
  set.Seal();
  CHECK(set.IsRevoked(Bytes{0x9A}));
  CHECK(set.IsRevoked(Bytes{0x00, 0x9A}));
}

TEST_CASE("Serials longer than 8 octets are kept and found; over 20 are refused") {
  RevocationSet set;
  const Bytes twelve{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  REQUIRE(set.AddSerial(twelve));
  CHECK_FALSE(set.AddSerial(Bytes(21, 0x11)));
  set.Seal();
  CHECK(set.IsRevoked(twelve));
  CHECK_FALSE(set.IsRevoked(Bytes{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13}));
  CHECK(set.revoked_count() == 1);
}

TEST_CASE("Adding a serial twice keeps one copy") {
  RevocationSet set;
  REQUIRE(set.AddSerial(Bytes{0x05}));
  set.Seal();
  REQUIRE(set.AddSerial(Bytes{0x05}));
  REQUIRE(set.AddSerial(Bytes{0x04}));
  set.Seal();
  CHECK(set.revoked_count() == 2);
  CHECK(set.IsRevoked(Bytes{0x04}));
  CHECK(set.IsRevoked(Bytes{0x05}));
}

TEST_CASE("A suspension can be added and lifted, by hash or by MyKey ID") {
  RevocationSet set;
  set.AddSuspension(HashOf("ABCD2345"));
  CHECK(set.IsMyKeyIdSuspended("ABCD2345"));
  CHECK(set.IsSuspended(HashOf("ABCD2345")));
  CHECK_FALSE(set.IsMyKeyIdSuspended("ABCD2346"));
  set.RemoveSuspension(HashOf("ABCD2345"));
  CHECK_FALSE(set.IsMyKeyIdSuspended("ABCD2345"));
  CHECK(set.suspended_count() == 0);
}

}  // namespace
}  // namespace mykey::revocation
