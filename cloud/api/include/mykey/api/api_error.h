#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "mykey/base/error.h"
#include "mykey/base/result.h"

namespace mykey::cloud {

/// The cloud API's error codes. Each has a stable snake_case name (the
/// `code` of the JSON error body) and one HTTP status. Clients branch on the
/// name, never on the message.
enum class ApiErrorCode : uint8_t {
  kInvalidJson,           ///< 400 the body is not JSON, nests too deep, or is not an object
  kUnknownField,          ///< 400 the body has a member the route does not know
  kInvalidField,          ///< 400 a member is missing, of the wrong type or out of range
  kInvalidParameter,      ///< 400 a path or query parameter is malformed
  kUnauthenticated,       ///< 401 no or bad credentials
  kForbidden,             ///< 403 the caller may not do this
  kNotFound,              ///< 404 no such route or resource
  kMethodNotAllowed,      ///< 405 the route exists, not with this method (see Allow)
  kConflict,              ///< 409 the resource exists or is in another state
  kIdempotencyKeyReuse,   ///< 422 the idempotency key was used with another request
  kBodyTooLarge,          ///< 413 the body exceeds the size limit
  kUnsupportedMediaType,  ///< 415 a body that is not application/json
  kUnavailable,           ///< 503 the store is unavailable or busy; retry later
  kInternal,              ///< 500 a bug; the request id finds it in the logs
};

/// The stable name ("invalid_json").
const char* ApiErrorCodeName(ApiErrorCode code) noexcept;
/// The HTTP status of a code (400, 404, ...).
int HttpStatusOf(ApiErrorCode code) noexcept;

/// One API error: code, message for humans (never secrets, PINs or full
/// identifiers), the field it concerns (if any) and, for 405, the allowed
/// methods.
///
/// Thread safety: a value type; not synchronised.
class ApiError {
 public:
  ApiError(ApiErrorCode code, std::string message, std::string field = {})
      : code_(code), message_(std::move(message)), field_(std::move(field)) {}

  static ApiError InvalidJson(std::string message) {
    return {ApiErrorCode::kInvalidJson, std::move(message)};
  }
  static ApiError UnknownField(std::string field);
  static ApiError InvalidField(std::string field, std::string_view problem);
  static ApiError NotFound(std::string message = "no such resource") {
    return {ApiErrorCode::kNotFound, std::move(message)};
  }
  static ApiError MethodNotAllowed(std::vector<std::string> allow);
  static ApiError Internal() { return {ApiErrorCode::kInternal, "internal error"}; }

  ApiErrorCode code() const { return code_; }
  const char* code_name() const { return ApiErrorCodeName(code_); }
  int status() const { return HttpStatusOf(code_); }
  const std::string& message() const { return message_; }
  const std::string& field() const { return field_; }
  const std::vector<std::string>& allow() const { return allow_; }
  /// A finer, stable snake_case reason under the code (e.g. "certificate_expired" under
  /// "forbidden"), for clients that need to tell refusals apart; empty if none.
  const std::string& reason() const { return reason_; }
  /// Sets reason(): the JSON error body then has a `"reason"` member.
  ApiError& set_reason(std::string reason) {
    reason_ = std::move(reason);
    return *this;
  }

  /// `{"error":{"code":..,"message":..,"request_id":..[,"field":..][,"reason":..]}}`
  std::string ToJson(std::string_view request_id) const;

 private:
  ApiErrorCode code_;
  std::string message_;
  std::string field_;
  std::vector<std::string> allow_;
  std::string reason_;
};

/// Turns a store or domain mykey::Error into the API error a client gets:
/// kAlreadyExists -> conflict, kNotFound -> not_found, kFailedPrecondition ->
/// conflict, kPermissionDenied -> forbidden, kUnauthenticated ->
/// unauthenticated, kAborted / kUnavailable / kResourceExhausted /
/// kDeadlineExceeded -> unavailable, kInvalidArgument -> invalid_field
/// (a domain check), anything else -> internal. The message is the error's
/// static message, except for internal (no detail leaks).
ApiError ApiErrorFrom(const Error& error);

/// A value of T or an ApiError.
///
/// Thread safety: a value type; not synchronised.
template <typename T>
class [[nodiscard]] ApiResult {
 public:
  ApiResult(T value) : v_(std::move(value)) {}
  ApiResult(ApiError error) : v_(std::move(error)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& operator*() { return std::get<0>(v_); }
  const T& operator*() const { return std::get<0>(v_); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  const ApiError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, ApiError> v_;
};

}  // namespace mykey::cloud

/// `MYKEY_API_ASSIGN_OR_RETURN(auto x, ReadSomething());` in a function that
/// returns something constructible from ApiError (ApiReply, ApiResult<U>).
#define MYKEY_API_ASSIGN_OR_RETURN(lhs, expr) \
  MYKEY_API_ASSIGN_OR_RETURN_IMPL(MYKEY_CONCAT(mykey_api_result_, __LINE__), lhs, expr)
#define MYKEY_API_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                    \
  if (!tmp) return tmp.error();                         \
  lhs = std::move(*tmp)
