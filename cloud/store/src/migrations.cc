#include "mykey/store/migrations.h"

#include <chrono>

namespace mykey::cloud {

namespace {

constexpr std::string_view kMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " component {{text}} NOT NULL,"
    " version {{int}} NOT NULL,"
    " name {{text}} NOT NULL,"
    " applied_at_ms {{int}} NOT NULL,"
    " PRIMARY KEY (component, version)){{strict}}";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<bool> MigrationsTableExists(Transaction& tx) {
  const std::string_view sql =
      tx.dialect() == SqlDialect::kSqlite
          ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1"
          : "SELECT count(*) FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_name = $1";
  MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow(sql, {"schema_migrations"}));
  return row && row->Int(0) > 0;
}

Result<int> CurrentVersion(Transaction& tx, std::string_view component) {
  MYKEY_ASSIGN_OR_RETURN(bool exists, MigrationsTableExists(tx));
  if (!exists) return 0;
  MYKEY_ASSIGN_OR_RETURN(auto row,
                         tx.QueryRow("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"
                                     " WHERE component = $1",
                                     {std::string(component)}));
  return row ? static_cast<int>(row->Int(0)) : 0;
}

}  // namespace

Result<int> SchemaVersion(Store& store) {
  return SchemaVersion(store, kCoreSchema);
}

Result<MigrationReport> Migrate(Store& store, std::span<const Migration> migrations) {
  return Migrate(store, kCoreSchema, migrations);
}

Result<int> SchemaVersion(Store& store, std::string_view component) {
  int version = 0;
  const Status status =
      store.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
        MYKEY_ASSIGN_OR_RETURN(version, CurrentVersion(tx, component));
        return Ok();
      });
  if (!status) return Fail(status.error());
  return version;
}

Result<MigrationReport> Migrate(Store& store, std::string_view component,
                                std::span<const Migration> migrations) {
  if (component.empty())
    return Fail(ErrorCode::kInvalidArgument, "a schema component needs a name");
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return Fail(ErrorCode::kInvalidArgument, "migrations must be numbered 1..N without gaps");
    }
  }
  const int latest = static_cast<int>(migrations.size());
  MigrationReport report;
  MYKEY_ASSIGN_OR_RETURN(report.from_version, SchemaVersion(store, component));
  if (report.from_version > latest) {
    return Fail(ErrorCode::kFailedPrecondition,
                "the store's schema is newer than this program: upgrade mykey-cloud");
  }
  report.to_version = report.from_version;
  for (const Migration& migration : migrations) {
    if (migration.version <= report.to_version) continue;
    bool applied = false;
    const auto apply = [&](Transaction& tx) -> Status {
      applied = false;
      MYKEY_TRY(tx.ExecuteScript(kMigrationsTable));
      // Re-read inside the write transaction: another process may have
      // migrated meanwhile.
      MYKEY_ASSIGN_OR_RETURN(const int current, CurrentVersion(tx, component));
      if (current > latest) {
        return Fail(ErrorCode::kFailedPrecondition,
                    "the store's schema is newer than this program: upgrade mykey-cloud");
      }
      if (current >= migration.version) return Ok();
      if (current != migration.version - 1) {
        return Fail(ErrorCode::kInternal, "schema_migrations has a gap");
      }
      MYKEY_TRY(tx.ExecuteScript(migration.sql));
      MYKEY_TRY(
          tx.Execute("INSERT INTO schema_migrations (component, version, name, applied_at_ms)"
                     " VALUES ($1, $2, $3, $4)",
                     {std::string(component), migration.version, migration.name, NowMs()}));
      applied = true;
      return Ok();
    };
    const Status status = store.WithTransaction(TransactionMode::kReadWrite, apply);
    if (!status) return Fail(status.error());
    report.to_version = migration.version;
    if (applied) ++report.applied;
  }
  return report;
}

}  // namespace mykey::cloud
