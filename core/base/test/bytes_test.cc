#include "mykey/base/bytes.h"

#include "mykey/base/mask.h"
#include "mykey/testing/catch.h"

namespace mykey {
namespace {

TEST_CASE("hex round-trips and accepts separators") {
  auto bytes = FromHex("6a 82:90-00");
  REQUIRE(bytes);
  CHECK(*bytes == Bytes{0x6A, 0x82, 0x90, 0x00});
  CHECK(ToHex(*bytes) == "6A829000");
  CHECK(ToSpacedHex(*bytes) == "6A 82 90 00");
}

TEST_CASE("hex parsing rejects odd digit counts and non-hex characters") {
  CHECK(FromHex("abc").error().code() == ErrorCode::kInvalidArgument);
  CHECK(FromHex("zz").error().code() == ErrorCode::kInvalidArgument);
  CHECK(FromHex("a b").error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("secret bytes are wiped when cleared and cannot be copied implicitly") {
  static_assert(!std::is_copy_constructible_v<SecretBytes>);
  SecretBytes secret(ViewOf("1234"));
  CHECK(secret.size() == 4);
  SecretBytes moved = std::move(secret);
  CHECK(secret.empty());
  CHECK(moved.size() == 4);
  moved.Clear();
  CHECK(moved.empty());
}

TEST_CASE("constant-time comparison compares contents and lengths") {
  CHECK(ConstantTimeEqual(ViewOf("abcd"), ViewOf("abcd")));
  CHECK_FALSE(ConstantTimeEqual(ViewOf("abcd"), ViewOf("abce")));
  CHECK_FALSE(ConstantTimeEqual(ViewOf("abc"), ViewOf("abcd")));
}

TEST_CASE("identifiers are masked but for their last characters") {
  CHECK(MaskIdentifier("AB12CD34") == "******34");
  CHECK(MaskIdentifier("1234", 2) == "****");
  CHECK(MaskIdentifier("") == "");
}

}  // namespace
}  // namespace mykey
