#include "route_support.h"

#include "mykey/ledger/ledger_service.h"

namespace mykey::cloud::route_support {

ApiResult<std::string> IdempotencyKeyOf(const RouteContext& route,
                                        const std::optional<std::string>& in_body) {
  const auto header = route.request.headers.Get("Idempotency-Key");
  if (header && in_body && *header != *in_body) {
    return ApiError::InvalidField("idempotency_key", "differs from the Idempotency-Key header");
  }
  std::string key = header ? std::string(*header) : in_body.value_or("");
  if (key.empty()) {
    return ApiError::InvalidField("idempotency_key",
                                  "is required (header Idempotency-Key or this member)");
  }
  if (!IsValidIdempotencyKey(key)) {
    return ApiError::InvalidField("idempotency_key", "must be 1..255 printable ASCII characters");
  }
  return key;
}

ApiReply ReplayableReply(int status, std::string body, bool replayed) {
  ApiReply reply = ApiReply::Json(status, std::move(body));
  if (replayed) reply.headers().Set("Idempotent-Replayed", "true");
  return reply;
}

}  // namespace mykey::cloud::route_support
