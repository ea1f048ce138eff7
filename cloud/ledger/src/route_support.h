#pragma once

// What the ledger's route files (ledger, conversion, voucher routes) share:
// the idempotency key of a request and the answer of a replayable operation.

#include <optional>
#include <string>

#include "mykey/api/router.h"

namespace mykey::cloud::route_support {

/// The operation's idempotency key: the `Idempotency-Key` header or the
/// body's `idempotency_key` (the same if both are given).
/// @returns invalid_field `idempotency_key` when missing, different or malformed.
ApiResult<std::string> IdempotencyKeyOf(const RouteContext& route,
                                        const std::optional<std::string>& in_body);

/// A JSON answer, marked `Idempotent-Replayed: true` when it is a stored one.
ApiReply ReplayableReply(int status, std::string body, bool replayed);

}  // namespace mykey::cloud::route_support
