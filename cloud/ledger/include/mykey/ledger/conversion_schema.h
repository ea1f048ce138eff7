#pragma once

#include <span>
#include <string_view>

#include "mykey/store/migrations.h"

namespace mykey::cloud {

/// The schema component of partner conversions, coupons, premiums, holders'
/// default municipalities and donations (see cloud/ledger/README.md).
inline constexpr std::string_view kConversionsSchema = "conversions";

/// The migrations of component kConversionsSchema. Migrate "core" and
/// "ledger" first:
///
///     MYKEY_TRY(Migrate(store, kConversionsSchema, ConversionMigrations()));
std::span<const Migration> ConversionMigrations();

}  // namespace mykey::cloud
