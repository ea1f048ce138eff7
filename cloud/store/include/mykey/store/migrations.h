#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "mykey/base/result.h"
#include "mykey/store/store.h"

namespace mykey::cloud {

/// One numbered schema change. `sql` is portable DDL with the tokens of
/// ExpandDialect(), several statements separated by ';'.
struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

/// What Migrate() did.
struct MigrationReport {
  int from_version = 0;  ///< schema version found (0: an empty store)
  int to_version = 0;    ///< schema version now
  int applied = 0;       ///< migrations applied by this call
};

/// Brings the store's schema up to the last of `migrations` (numbered 1, 2,
/// ... without gaps). Each migration runs in its own transaction together
/// with its row in `schema_migrations`, so a failed one leaves no trace;
/// running again applies nothing (idempotent), also when two processes race.
/// @returns kFailedPrecondition if the store's schema is newer than the
///          newest migration known here (an older binary must not touch it);
///          kInvalidArgument if `migrations` is not numbered 1..N; a store
///          error if a migration fails.
Result<MigrationReport> Migrate(Store& store, std::span<const Migration> migrations);

/// The store's schema version (0 for an empty store). @returns store errors.
Result<int> SchemaVersion(Store& store);

/// The cloud's schema, in order (see cloud/README.md).
std::span<const Migration> CloudMigrations();

/// The version CloudMigrations() brings a store to.
int CloudSchemaVersion();

}  // namespace mykey::cloud
