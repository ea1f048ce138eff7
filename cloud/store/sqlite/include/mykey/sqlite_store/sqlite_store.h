#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "mykey/base/result.h"
#include "mykey/store/store.h"

namespace mykey::cloud {

namespace internal {
struct SqliteConnectionPool;
}  // namespace internal

/// How to open a SQLite store.
struct SqliteStoreOptions {
  std::string path;  ///< the database file
  /// Connections in the pool; a transaction holds one from BEGIN to its end.
  /// WAL lets readers run beside the one writer.
  unsigned connections = 4;
  /// How long a writer waits for the write lock before kAborted.
  std::chrono::milliseconds busy_timeout{5000};
  /// Create the file if it does not exist.
  bool create = true;
};

/// The embedded store: one SQLite file in WAL mode with `synchronous=FULL`
/// (a commit is on disk when it returns), foreign keys on, a busy timeout,
/// a small pool of connections with prepared statements cached per
/// connection, and online backup.
///
/// Thread safety: safe from any thread (see Store).
class SqliteStore final : public Store {
 public:
  /// Opens (or creates) the database and sets its pragmas.
  /// @returns kInvalidArgument for an empty path or zero connections;
  ///          kUnavailable (domain kSqlite) when the file cannot be opened or
  ///          WAL cannot be enabled; kDataLoss when it is not a database.
  static Result<std::unique_ptr<SqliteStore>> Open(const SqliteStoreOptions& options);
  ~SqliteStore() override;

  const std::string& path() const;

 private:
  using Pool = internal::SqliteConnectionPool;
  explicit SqliteStore(std::unique_ptr<Pool> pool);

  Result<std::unique_ptr<Transaction>> DoBegin(TransactionMode mode) override;
  Status DoCommit(Transaction& transaction) override;
  void DoRollback(Transaction& transaction) override;
  /// Online backup (sqlite3_backup in one step over a read snapshot: writers
  /// go on meanwhile); written to `path.partial`, synced, then renamed, so
  /// `path` is either the old file or a complete backup. The copy is in
  /// rollback-journal mode: one self-contained file.
  Status DoBackupTo(const std::string& path) override;
  SqlDialect DoDialect() const override { return SqlDialect::kSqlite; }

  std::unique_ptr<Pool> pool_;
};

/// Restores a backup made by BackupTo() into `store_path` (created if
/// missing, replaced otherwise). Offline: stop the server first.
/// @returns kNotFound if the backup is missing; kDataLoss if it fails its
///          integrity check or is not a database; kUnavailable on I/O errors.
Status RestoreSqliteBackup(const std::string& backup_path, const std::string& store_path);

}  // namespace mykey::cloud
