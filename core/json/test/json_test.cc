#include "mykey/json/json.h"

#include "mykey/testing/catch.h"

namespace mykey::json {
namespace {

TEST_CASE("malformed JSON is an invalid-argument error, not an exception") {
  auto bad = ParseJson("{\"a\": ");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code() == ErrorCode::kInvalidArgument);
  auto good = ParseJson("{\"a\": [1, 2]}");
  REQUIRE(good);
  CHECK((*good)["a"][1] == 2);
}

TEST_CASE("dumping replaces invalid UTF-8 instead of throwing") {
  Json v = std::string("\xff");
  CHECK(Dump(v) == "\"\xEF\xBF\xBD\"");
}

}  // namespace
}  // namespace mykey::json
