#include "mykey/api/api_error.h"

#include "mykey/json/json.h"
#include "mykey/testing/catch.h"

namespace mykey::cloud {
namespace {

TEST_CASE("Every error code has a stable name and status") {
  struct Expected {
    ApiErrorCode code;
    const char* name;
    int status;
  };
  const Expected table[] = {
      {ApiErrorCode::kInvalidJson, "invalid_json", 400},
      {ApiErrorCode::kUnknownField, "unknown_field", 400},
      {ApiErrorCode::kInvalidField, "invalid_field", 400},
      {ApiErrorCode::kInvalidParameter, "invalid_parameter", 400},
      {ApiErrorCode::kUnauthenticated, "unauthenticated", 401},
      {ApiErrorCode::kForbidden, "forbidden", 403},
      {ApiErrorCode::kNotFound, "not_found", 404},
      {ApiErrorCode::kMethodNotAllowed, "method_not_allowed", 405},
      {ApiErrorCode::kConflict, "conflict", 409},
      {ApiErrorCode::kBodyTooLarge, "body_too_large", 413},
      {ApiErrorCode::kUnsupportedMediaType, "unsupported_media_type", 415},
      {ApiErrorCode::kIdempotencyKeyReuse, "idempotency_key_reuse", 422},
      {ApiErrorCode::kInternal, "internal", 500},
      {ApiErrorCode::kUnavailable, "unavailable", 503},
  };
  for (const Expected& e : table) {
    CHECK(std::string_view(ApiErrorCodeName(e.code)) == e.name);
    CHECK(HttpStatusOf(e.code) == e.status);
  }
}

TEST_CASE("An error body carries code, message, request id and field") {
  const ApiError error = ApiError::UnknownField("colour");
  auto body = json::ParseJson(error.ToJson("req-1"));
  REQUIRE(body);
  const auto& inner = (*body)["error"];
  CHECK(inner["code"] == "unknown_field");
  CHECK(inner["message"] == "unknown field \"colour\"");
  CHECK(inner["request_id"] == "req-1");
  CHECK(inner["field"] == "colour");
  CHECK(body->size() == 1);
}

TEST_CASE("An unknown field name echoed back is cut to 64 characters") {
  const ApiError error = ApiError::UnknownField(std::string(1000, 'x'));
  CHECK(error.field().size() == 64);
}

TEST_CASE("Store and domain errors map to API errors without leaking detail") {
  CHECK(ApiErrorFrom(Error(ErrorCode::kAlreadyExists, "exists")).code() == ApiErrorCode::kConflict);
  CHECK(ApiErrorFrom(Error(ErrorCode::kNotFound, "no")).code() == ApiErrorCode::kNotFound);
  CHECK(ApiErrorFrom(Error(ErrorCode::kAborted, "busy")).code() == ApiErrorCode::kUnavailable);
  CHECK(ApiErrorFrom(Error(ErrorCode::kUnavailable, "gone")).status() == 503);
  CHECK(ApiErrorFrom(Error(ErrorCode::kPermissionDenied, "no")).status() == 403);
  const ApiError internal = ApiErrorFrom(Error(ErrorCode::kDataLoss, "page 7 corrupt"));
  CHECK(internal.code() == ApiErrorCode::kInternal);
  CHECK(internal.message() == "internal error");
}

TEST_CASE("A method-not-allowed error lists the allowed methods") {
  const ApiError error = ApiError::MethodNotAllowed({"GET", "POST"});
  CHECK(error.status() == 405);
  CHECK(error.allow() == std::vector<std::string>{"GET", "POST"});
}

}  // namespace
}  // namespace mykey::cloud
