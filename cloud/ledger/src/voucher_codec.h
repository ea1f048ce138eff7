#pragma once

// The JSON form of a Voucher: stored with the idempotency key and sent as the
// response body, so a replay answers the original bytes (members in a fixed
// order).

#include <string>
#include <string_view>

#include "mykey/base/result.h"
#include "mykey/ledger/voucher_service.h"

namespace mykey::cloud::voucher_codec {

std::string Encode(const Voucher& voucher);

/// @returns kDataLoss if a stored result does not decode (a bug or corruption).
Result<Voucher> Decode(std::string_view json);

/// Parses VoucherStateName() text. @returns kDataLoss for anything else.
Result<VoucherState> ParseState(std::string_view name);

}  // namespace mykey::cloud::voucher_codec
