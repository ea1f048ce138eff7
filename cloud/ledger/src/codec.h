#pragma once

// The JSON form of the ledger's operation results: stored with the
// idempotency key and sent as the response body, so a replay answers the
// original bytes (encoding is deterministic: members in a fixed order).

#include <string>
#include <string_view>

#include "mykey/base/result.h"
#include "mykey/ledger/ledger_service.h"

namespace mykey::cloud::ledger_codec {

std::string Encode(const GrantResult& result);
std::string Encode(const Redemption& result);
std::string Encode(const RefundResult& result);

/// @returns kDataLoss if a stored result does not decode (a bug or corruption).
Result<GrantResult> DecodeGrant(std::string_view json);
Result<Redemption> DecodeRedemption(std::string_view json);
Result<RefundResult> DecodeRefund(std::string_view json);

}  // namespace mykey::cloud::ledger_codec
