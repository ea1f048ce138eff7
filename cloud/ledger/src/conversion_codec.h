#pragma once

// The JSON form of conversion and donation results: stored with the
// idempotency key and sent as the response body (members in a fixed order,
// so a replay answers the original bytes).

#include <string>
#include <string_view>

#include "mykey/base/result.h"
#include "mykey/ledger/conversion_service.h"

namespace mykey::cloud::conversion_codec {

std::string Encode(const Conversion& conversion);
std::string Encode(const Donation& donation);

/// @returns kDataLoss if a stored result does not decode.
Result<Conversion> DecodeConversion(std::string_view json);
Result<Donation> DecodeDonation(std::string_view json);

}  // namespace mykey::cloud::conversion_codec
