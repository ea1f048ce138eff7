#include "mykey/base/result.h"

#include <string>

#include "mykey/testing/catch.h"

namespace mykey {
namespace {

Result<int> Half(int v) {
  if (v % 2 != 0) return Fail(ErrorCode::kInvalidArgument, "odd");
  return v / 2;
}

Result<int> Quarter(int v) {
  MYKEY_ASSIGN_OR_RETURN(int half, Half(v));
  MYKEY_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

Status CheckEven(int v) {
  MYKEY_TRY(Half(v));
  return Ok();
}

TEST_CASE("MYKEY_ASSIGN_OR_RETURN passes values and propagates the first error") {
  CHECK(Quarter(8).value() == 2);
  auto r = Quarter(6);
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == ErrorCode::kInvalidArgument);
  CHECK(std::string(r.error().message()) == "odd");
}

TEST_CASE("MYKEY_TRY propagates errors from a Status function") {
  CHECK(CheckEven(4));
  CHECK_FALSE(CheckEven(3));
}

TEST_CASE("errors are trivially copyable and print their domain detail") {
  static_assert(std::is_trivially_copyable_v<Error>);
  Error e(ErrorCode::kPermissionDenied, "security status not satisfied", ErrorDomain::kCardStatus,
          0x6982);
  CHECK(e.ToString() == "permission denied: security status not satisfied [card SW 6982]");
  CHECK(e.Is(ErrorDomain::kCardStatus, 0x6982));
  const Error glyph(ErrorCode::kInvalidArgument, "no glyph", ErrorDomain::kCodePoint, 0x1F363);
  CHECK(glyph.ToString() == "invalid argument: no glyph [U+1F363]");
  CHECK(
      Error(ErrorCode::kInvalidArgument, "no glyph", ErrorDomain::kCodePoint, 0x3042).ToString() ==
      "invalid argument: no glyph [U+3042]");
}

}  // namespace
}  // namespace mykey
