#pragma once

#include <functional>
#include <span>
#include <string_view>

#include "mykey/base/result.h"
#include "mykey/store/migrations.h"
#include "mykey/store/store.h"

namespace mykey::cloud {

/// The schema component of cloud/auth (its own migrations 1..N, see
/// Migrate()): enrollment codes, terminals, used request nonces, operator
/// API tokens (README.md of cloud/auth lists the tables).
inline constexpr std::string_view kAuthSchema = "auth";

/// The migrations of the "auth" component, in order.
std::span<const Migration> AuthMigrations();

/// Migrate(store, kAuthSchema, AuthMigrations()).
/// @returns as Migrate(): kFailedPrecondition for a newer auth schema; store errors.
Result<MigrationReport> MigrateAuth(Store& store);

/// The wall clock the auth code reads: Unix time in milliseconds. Tests pass
/// a fixed or stepping clock.
using UnixMillisClock = std::function<int64_t()>;

/// The system clock (std::chrono::system_clock) in Unix milliseconds.
int64_t SystemUnixMillis();

}  // namespace mykey::cloud
