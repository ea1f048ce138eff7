#include "mykey/api/api_error.h"

#include "mykey/json/json.h"

namespace mykey::cloud {

const char* ApiErrorCodeName(ApiErrorCode code) noexcept {
  switch (code) {
    case ApiErrorCode::kInvalidJson: return "invalid_json";
    case ApiErrorCode::kUnknownField: return "unknown_field";
    case ApiErrorCode::kInvalidField: return "invalid_field";
    case ApiErrorCode::kInvalidParameter: return "invalid_parameter";
    case ApiErrorCode::kUnauthenticated: return "unauthenticated";
    case ApiErrorCode::kForbidden: return "forbidden";
    case ApiErrorCode::kNotFound: return "not_found";
    case ApiErrorCode::kMethodNotAllowed: return "method_not_allowed";
    case ApiErrorCode::kConflict: return "conflict";
    case ApiErrorCode::kIdempotencyKeyReuse: return "idempotency_key_reuse";
    case ApiErrorCode::kBodyTooLarge: return "body_too_large";
    case ApiErrorCode::kUnsupportedMediaType: return "unsupported_media_type";
    case ApiErrorCode::kUnavailable: return "unavailable";
    case ApiErrorCode::kInternal: return "internal";
  }
  return "internal";
}

int HttpStatusOf(ApiErrorCode code) noexcept {
  switch (code) {
    case ApiErrorCode::kInvalidJson:
    case ApiErrorCode::kUnknownField:
    case ApiErrorCode::kInvalidField:
    case ApiErrorCode::kInvalidParameter: return 400;
    case ApiErrorCode::kUnauthenticated: return 401;
    case ApiErrorCode::kForbidden: return 403;
    case ApiErrorCode::kNotFound: return 404;
    case ApiErrorCode::kMethodNotAllowed: return 405;
    case ApiErrorCode::kConflict: return 409;
    case ApiErrorCode::kBodyTooLarge: return 413;
    case ApiErrorCode::kUnsupportedMediaType: return 415;
    case ApiErrorCode::kIdempotencyKeyReuse: return 422;
    case ApiErrorCode::kUnavailable: return 503;
    case ApiErrorCode::kInternal: return 500;
  }
  return 500;
}

ApiError ApiError::UnknownField(std::string field) {
  // The name comes from the client: keep the echo short.
  if (field.size() > 64) field.resize(64);
  std::string message = "unknown field \"" + field + "\"";
  return {ApiErrorCode::kUnknownField, std::move(message), std::move(field)};
}

ApiError ApiError::InvalidField(std::string field, std::string_view problem) {
  std::string message = "field \"" + field + "\" " + std::string(problem);
  return {ApiErrorCode::kInvalidField, std::move(message), std::move(field)};
}

ApiError ApiError::MethodNotAllowed(std::vector<std::string> allow) {
  ApiError error(ApiErrorCode::kMethodNotAllowed, "method not allowed on this route");
  error.allow_ = std::move(allow);
  return error;
}

std::string ApiError::ToJson(std::string_view request_id) const {
  json::OrderedJson inner = json::OrderedJson::object();
  inner["code"] = code_name();
  inner["message"] = message_;
  inner["request_id"] = std::string(request_id);
  if (!field_.empty()) inner["field"] = field_;
  if (!reason_.empty()) inner["reason"] = reason_;
  json::OrderedJson body = json::OrderedJson::object();
  body["error"] = std::move(inner);
  return json::Dump(body);
}

ApiError ApiErrorFrom(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kFailedPrecondition: return {ApiErrorCode::kConflict, error.message()};
    case ErrorCode::kNotFound: return {ApiErrorCode::kNotFound, error.message()};
    case ErrorCode::kPermissionDenied: return {ApiErrorCode::kForbidden, error.message()};
    case ErrorCode::kUnauthenticated: return {ApiErrorCode::kUnauthenticated, error.message()};
    case ErrorCode::kInvalidArgument: return {ApiErrorCode::kInvalidField, error.message()};
    case ErrorCode::kAborted:
    case ErrorCode::kUnavailable:
    case ErrorCode::kResourceExhausted:
    case ErrorCode::kDeadlineExceeded:
      return {ApiErrorCode::kUnavailable, "the store is busy or unavailable; retry later"};
    default: return ApiError::Internal();
  }
}

}  // namespace mykey::cloud
