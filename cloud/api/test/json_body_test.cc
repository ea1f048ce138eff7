#include "mykey/api/json_body.h"

#include "mykey/testing/catch.h"

namespace mykey::cloud {
namespace {

constexpr StringRule kSixDigits{6, 6, &IsAsciiDigit, "digits"};

TEST_CASE("Malformed JSON is invalid_json") {
  for (const char* body : {"", "{", "{\"a\":}", "nul", "{\"a\":1}x"}) {
    auto parsed = JsonObject::Parse(body);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code() == ApiErrorCode::kInvalidJson);
  }
}

TEST_CASE("A body that is not an object is invalid_json") {
  for (const char* body : {"[]", "1", "\"s\"", "null"}) {
    auto parsed = JsonObject::Parse(body);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code() == ApiErrorCode::kInvalidJson);
  }
}

TEST_CASE("A body nested deeper than the limit is invalid_json before parsing") {
  const std::string deep = "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  auto parsed = JsonObject::Parse(deep);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().code() == ApiErrorCode::kInvalidJson);
  // Brackets inside strings do not count.
  CHECK(JsonObject::Parse("{\"a\":\"" + std::string(100, '[') + "\"}"));
}

TEST_CASE("Known fields of the right types pass") {
  auto body = JsonObject::Parse(R"({"code":"131016","name":"Chiyoda","n":5,"flag":true})");
  REQUIRE(body);
  CHECK(body->String("code", kSixDigits) == "131016");
  CHECK(body->String("name") == "Chiyoda");
  CHECK(body->Integer("n", 0, 10) == 5);
  CHECK(body->Boolean("flag"));
  CHECK_FALSE(body->OptionalString("note").has_value());
  CHECK_FALSE(body->Finish().has_value());
}

TEST_CASE("A field the route does not read is unknown_field naming it") {
  auto body = JsonObject::Parse(R"({"code":"131016","nmae":"typo"})");
  REQUIRE(body);
  (void)body->String("code", kSixDigits);
  (void)body->String("name");  // missing, but the unknown field is reported first
  auto error = body->Finish();
  REQUIRE(error);
  CHECK(error->code() == ApiErrorCode::kUnknownField);
  CHECK(error->field() == "nmae");
}

TEST_CASE("Missing, mistyped and out-of-range fields are invalid_field naming the field") {
  auto check = [](const char* text, const char* field) {
    auto body = JsonObject::Parse(text);
    REQUIRE(body);
    (void)body->String("code", kSixDigits);
    (void)body->OptionalInteger("n", 0, 10);
    (void)body->OptionalBoolean("flag");
    auto error = body->Finish();
    REQUIRE(error);
    CHECK(error->code() == ApiErrorCode::kInvalidField);
    CHECK(error->field() == field);
  };
  check(R"({})", "code");
  check(R"({"code":131016})", "code");
  check(R"({"code":"13101"})", "code");
  check(R"({"code":"13101x"})", "code");
  check(R"({"code":"131016","n":11})", "n");
  check(R"({"code":"131016","n":1.0})", "n");
  check(R"({"code":"131016","n":"1"})", "n");
  check(R"({"code":"131016","n":18446744073709551615})", "n");
  check(R"({"code":"131016","flag":1})", "flag");
}

TEST_CASE("Null counts as absent for optional fields and as missing for required ones") {
  auto body = JsonObject::Parse(R"({"a":null,"b":null})");
  REQUIRE(body);
  CHECK_FALSE(body->OptionalString("a").has_value());
  (void)body->String("b");
  auto error = body->Finish();
  REQUIRE(error);
  CHECK(error->field() == "b");
}

}  // namespace
}  // namespace mykey::cloud
