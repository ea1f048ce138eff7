#pragma once

// Event premiums: a grant or a landing conversion into an event programme
// with a bonus percentage adds a `premium` lot. Used inside a store
// transaction by LedgerService::Grant and ConversionService.

#include <cstdint>

#include "mykey/base/result.h"
#include "mykey/store/store.h"

namespace mykey::cloud::premium {

/// True once the schema component "conversions" is migrated (its tables
/// exist); a ledger without it has no premiums, conversions or donations.
Result<bool> ConversionsMigrated(Transaction& tx);

/// Adds the premium of `amount` points arriving in `programme_id` for the
/// holder account: floor(amount * bonus_percent / 100) points, from the
/// programme's issuance account, as one `premium` transfer into a new
/// `premium` lot expiring with the lot it rewards. Nothing when the
/// programme has no bonus or the premium rounds to 0.
/// @returns the premium points (0 for none); store errors.
Result<int64_t> AddPremium(Transaction& tx, int64_t programme_id, int64_t holder_account,
                           int64_t amount, int64_t expires_at_ms, int64_t now);

}  // namespace mykey::cloud::premium
