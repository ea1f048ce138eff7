#pragma once

// How the cloud's refusals and the exchange's failures reach the terminal:
// a mykey::Error whose detail packs a CloudErrorCode and the HTTP status
// (CloudErrorCodeOf(), HttpStatusOf()), and, for the strings (the cloud's
// reason, message and request id, the idempotency key), LastCloudError() of
// the calling thread.

#include <cstdint>
#include <string>
#include <string_view>

#include "mykey/base/error.h"

namespace mykey::cloud_client {

/// What went wrong, stable: branch on this (and on CloudError::reason for the
/// finer refusals the registry and the ledger name).
enum class CloudErrorCode : uint8_t {
  kNone = 0,              ///< not a cloud client error
  kInvalidJson,           ///< 400 invalid_json (a bug in the client)
  kUnknownField,          ///< 400 unknown_field
  kInvalidField,          ///< 400 invalid_field: a value the cloud refuses
  kInvalidParameter,      ///< 400 invalid_parameter
  kUnauthenticated,       ///< 401: bad signature, clock skew, unknown terminal or session
  kForbidden,             ///< 403: suspended terminal or card, scope, rule
  kNotFound,              ///< 404: no such resource (see reason)
  kMethodNotAllowed,      ///< 405
  kConflict,              ///< 409: exists already or in another state (see reason)
  kBodyTooLarge,          ///< 413
  kUnsupportedMediaType,  ///< 415
  kIdempotencyKeyReuse,   ///< 422: the key was used with another request
  kCloudInternal,         ///< 500 internal: find request_id in the cloud's log
  kCloudUnavailable,      ///< 503 (after the retries): the cloud's store is down
  kUnknownCloudError,     ///< an error status with a code this client does not know
  kBadResponse,           ///< an answer that is not the JSON this call expects
  kUnreachable,           ///< no answer; for value-moving calls: nothing reached the cloud
  kOutcomeUnknown,        ///< the answer was lost: GetOperation(idempotency_key)
  kTransport,             ///< another exchange failure (bad URL, body cap, libcurl)
  kTls,                   ///< TLS failed: the cloud's certificate did not verify
};

/// The stable name of a code ("conflict", "outcome_unknown").
std::string_view CloudErrorCodeName(CloudErrorCode code) noexcept;

/// The CloudErrorCode of an API error code text ("not_found"), or
/// kUnknownCloudError.
CloudErrorCode CloudErrorCodeFromApi(std::string_view api_code) noexcept;

/// Everything known about the last failure of a CloudClient call.
///
/// Thread safety: a value type; not synchronised.
struct CloudError {
  CloudErrorCode code = CloudErrorCode::kNone;
  int http_status = 0;          ///< 0 when no answer arrived
  std::string api_code;         ///< the cloud's "code" ("conflict"), empty without an answer
  std::string reason;           ///< the cloud's "reason" ("insufficient_balance"), often empty
  std::string message;          ///< the cloud's "message", for logs (never shown to holders)
  std::string request_id;       ///< the cloud's X-Request-Id / "request_id"
  std::string idempotency_key;  ///< the key of a value-moving call (to recover it)
};

/// The mykey::Error for `error`: its ErrorCode follows the HTTP meaning
/// (401 → kUnauthenticated, 403 → kPermissionDenied, 404 → kNotFound, 409 →
/// kFailedPrecondition, 422 → kAlreadyExists, 4xx fields → kInvalidArgument,
/// 5xx/unreachable → kUnavailable, outcome unknown → kAborted, TLS →
/// kUnauthenticated, other transport failures → kInternal, bad answer →
/// kDataLoss), domain kNone, and a detail that
/// CloudErrorCodeOf() and HttpStatusOf() read back.
Error MakeCloudError(const CloudError& error) noexcept;

/// The CloudErrorCode packed in an Error made by MakeCloudError(); kNone for
/// any other Error.
CloudErrorCode CloudErrorCodeOf(const Error& error) noexcept;

/// The HTTP status packed in an Error made by MakeCloudError(); 0 otherwise.
int HttpStatusOf(const Error& error) noexcept;

/// The details of the last failed CloudClient call on this thread (reset at
/// the start of every call; kNone after a success).
const CloudError& LastCloudError() noexcept;

namespace internal {
/// Records `error` as this thread's LastCloudError() and returns its Error.
Error RecordCloudError(CloudError error);
/// Resets this thread's LastCloudError().
void ClearCloudError();
}  // namespace internal

}  // namespace mykey::cloud_client
