#include "mykey/cloud_client/cloud_error.h"

#include <array>
#include <utility>

namespace mykey::cloud_client {
namespace {

// detail = kTag << 40 | http_status << 8 | code
constexpr int64_t kTag = 0x4d4b43;  // "MKC"

thread_local CloudError last_error;

struct Name {
  CloudErrorCode code;
  std::string_view name;
};
constexpr std::array<Name, 21> kNames = {{
    {CloudErrorCode::kNone, "none"},
    {CloudErrorCode::kInvalidJson, "invalid_json"},
    {CloudErrorCode::kUnknownField, "unknown_field"},
    {CloudErrorCode::kInvalidField, "invalid_field"},
    {CloudErrorCode::kInvalidParameter, "invalid_parameter"},
    {CloudErrorCode::kUnauthenticated, "unauthenticated"},
    {CloudErrorCode::kForbidden, "forbidden"},
    {CloudErrorCode::kNotFound, "not_found"},
    {CloudErrorCode::kMethodNotAllowed, "method_not_allowed"},
    {CloudErrorCode::kConflict, "conflict"},
    {CloudErrorCode::kBodyTooLarge, "body_too_large"},
    {CloudErrorCode::kUnsupportedMediaType, "unsupported_media_type"},
    {CloudErrorCode::kIdempotencyKeyReuse, "idempotency_key_reuse"},
    {CloudErrorCode::kCloudInternal, "internal"},
    {CloudErrorCode::kCloudUnavailable, "unavailable"},
    {CloudErrorCode::kUnknownCloudError, "unknown_cloud_error"},
    {CloudErrorCode::kBadResponse, "bad_response"},
    {CloudErrorCode::kUnreachable, "unreachable"},
    {CloudErrorCode::kOutcomeUnknown, "outcome_unknown"},
    {CloudErrorCode::kTransport, "transport"},
    {CloudErrorCode::kTls, "tls"},
}};

}  // namespace

std::string_view CloudErrorCodeName(CloudErrorCode code) noexcept {
  for (const Name& name : kNames) {
    if (name.code == code) return name.name;
  }
  return "none";
}

CloudErrorCode CloudErrorCodeFromApi(std::string_view api_code) noexcept {
  for (const Name& name : kNames) {
    if (name.code >= CloudErrorCode::kInvalidJson &&
        name.code <= CloudErrorCode::kCloudUnavailable && name.name == api_code) {
      return name.code;
    }
  }
  return CloudErrorCode::kUnknownCloudError;
}

Error MakeCloudError(const CloudError& error) noexcept {
  const int64_t detail = (kTag << 40) | (static_cast<int64_t>(error.http_status & 0xffff) << 8) |
                         static_cast<int64_t>(error.code);
  auto make = [&](ErrorCode code, const char* message) {
    return Error(code, message, ErrorDomain::kNone, detail);
  };
  switch (error.code) {
    case CloudErrorCode::kNone: return make(ErrorCode::kInternal, "cloud: no error recorded");
    case CloudErrorCode::kInvalidJson:
    case CloudErrorCode::kUnknownField:
    case CloudErrorCode::kInvalidField:
    case CloudErrorCode::kInvalidParameter:
    case CloudErrorCode::kBodyTooLarge:
    case CloudErrorCode::kUnsupportedMediaType:
    case CloudErrorCode::kMethodNotAllowed:
      return make(ErrorCode::kInvalidArgument, "cloud refused the request's form");
    case CloudErrorCode::kUnauthenticated:
      return make(ErrorCode::kUnauthenticated, "cloud: not authenticated");
    case CloudErrorCode::kForbidden: return make(ErrorCode::kPermissionDenied, "cloud: forbidden");
    case CloudErrorCode::kNotFound: return make(ErrorCode::kNotFound, "cloud: not found");
    case CloudErrorCode::kConflict:
      return make(ErrorCode::kFailedPrecondition, "cloud: conflict with the current state");
    case CloudErrorCode::kIdempotencyKeyReuse:
      return make(ErrorCode::kAlreadyExists, "cloud: idempotency key used for another request");
    case CloudErrorCode::kCloudInternal: return make(ErrorCode::kInternal, "cloud: internal error");
    case CloudErrorCode::kCloudUnavailable:
      return make(ErrorCode::kUnavailable, "cloud: unavailable");
    case CloudErrorCode::kUnknownCloudError:
      return make(ErrorCode::kInternal, "cloud: unknown error answer");
    case CloudErrorCode::kBadResponse:
      return make(ErrorCode::kDataLoss, "cloud: unexpected answer");
    case CloudErrorCode::kUnreachable:
      return make(ErrorCode::kUnavailable, "cloud unreachable: nothing was sent");
    case CloudErrorCode::kOutcomeUnknown:
      return make(ErrorCode::kAborted, "cloud: outcome unknown, recover by idempotency key");
    case CloudErrorCode::kTransport:
      return make(ErrorCode::kInternal, "cloud: the exchange failed");
    case CloudErrorCode::kTls:
      return make(ErrorCode::kUnauthenticated, "cloud: TLS failed (certificate not trusted)");
  }
  return make(ErrorCode::kInternal, "cloud: error");
}

CloudErrorCode CloudErrorCodeOf(const Error& error) noexcept {
  if (error.domain() != ErrorDomain::kNone || (error.detail() >> 40) != kTag) {
    return CloudErrorCode::kNone;
  }
  return static_cast<CloudErrorCode>(error.detail() & 0xff);
}

int HttpStatusOf(const Error& error) noexcept {
  if (CloudErrorCodeOf(error) == CloudErrorCode::kNone) return 0;
  return static_cast<int>((error.detail() >> 8) & 0xffff);
}

const CloudError& LastCloudError() noexcept {
  return last_error;
}

namespace internal {
Error RecordCloudError(CloudError error) {
  last_error = std::move(error);
  return MakeCloudError(last_error);
}
void ClearCloudError() {
  last_error = CloudError{};
}
}  // namespace internal

}  // namespace mykey::cloud_client
