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

/// The component of the cloud's own schema (CloudMigrations()).
inline constexpr std::string_view kCoreSchema = "core";

/// Brings the schema of one `component` up to the last of `migrations`.
/// Each domain module (the registry, the ledger, ...) owns its tables and
/// numbers its migrations 1..N on its own, so modules evolve independently;
/// `schema_migrations` keeps (component, version). A module's migrations may
/// refer to the core schema's tables: migrate "core" first.
/// Errors as Migrate() below; kInvalidArgument for an empty component name.
Result<MigrationReport> Migrate(Store& store, std::string_view component,
                                std::span<const Migration> migrations);

/// The schema version of `component` (0 if it has none yet).
Result<int> SchemaVersion(Store& store, std::string_view component);

/// Migrate(store, kCoreSchema, migrations): brings the store's schema up to the last of
/// `migrations` (numbered 1, 2,
/// ... without gaps). Each migration runs in its own transaction together
/// with its row in `schema_migrations`, so a failed one leaves no trace;
/// running again applies nothing (idempotent), also when two processes race.
/// @returns kFailedPrecondition if the store's schema is newer than the
///          newest migration known here (an older binary must not touch it);
///          kInvalidArgument if `migrations` is not numbered 1..N; a store
///          error if a migration fails.
Result<MigrationReport> Migrate(Store& store, std::span<const Migration> migrations);

/// The core schema's version (0 for an empty store). @returns store errors.
Result<int> SchemaVersion(Store& store);

/// The cloud's schema, in order (see cloud/README.md).
std::span<const Migration> CloudMigrations();

/// The version CloudMigrations() brings a store to.
int CloudSchemaVersion();

}  // namespace mykey::cloud
