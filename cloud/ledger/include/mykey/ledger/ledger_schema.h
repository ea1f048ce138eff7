#pragma once

#include <span>
#include <string_view>

#include "mykey/store/migrations.h"

namespace mykey::cloud {

/// The schema component of the ledger's tables (see cloud/ledger/README.md).
inline constexpr std::string_view kLedgerSchema = "ledger";

/// The ledger's migrations, numbered 1..N for the "ledger" component. They
/// refer to the core schema's programmes, merchants and municipalities, so
/// migrate "core" first:
///
///     MYKEY_TRY(Migrate(store, CloudMigrations()));
///     MYKEY_TRY(Migrate(store, kLedgerSchema, LedgerMigrations()));
std::span<const Migration> LedgerMigrations();

}  // namespace mykey::cloud
