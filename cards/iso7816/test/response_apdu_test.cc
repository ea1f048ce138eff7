#include "mykey/iso7816/response_apdu.h"

#include "mykey/testing/catch.h"

namespace mykey::iso7816 {
namespace {

TEST_CASE("a response splits into data and status word", "[apdu]") {
  const Bytes raw = {0x01, 0x02, 0x03, 0x90, 0x00};
  auto response = ResponseApdu::Parse(raw);
  REQUIRE(response);
  CHECK(response->data() == Bytes{0x01, 0x02, 0x03});
  CHECK(response->sw() == 0x9000);
  CHECK(response->sw1() == 0x90);
  CHECK(response->sw2() == 0x00);
  CHECK(response->ok());
  CHECK(response->ToStatus());
}

TEST_CASE("a bare status word has no data", "[apdu]") {
  const Bytes raw = {0x6A, 0x82};
  auto response = ResponseApdu::Parse(raw);
  REQUIRE(response);
  CHECK(response->data().empty());
  CHECK_FALSE(response->ok());
  auto status = response->ToStatus();
  REQUIRE_FALSE(status);
  CHECK(status.error().code() == ErrorCode::kNotFound);
  CHECK(status.error().Is(ErrorDomain::kCardStatus, 0x6A82));
}

TEST_CASE("a response shorter than a status word is data loss", "[apdu]") {
  for (const Bytes& raw : {Bytes{}, Bytes{0x90}}) {
    auto response = ResponseApdu::Parse(raw);
    REQUIRE_FALSE(response);
    CHECK(response.error().code() == ErrorCode::kDataLoss);
  }
}

}  // namespace
}  // namespace mykey::iso7816
