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
  /// Connections for read-only transactions; one holds a connection from
  /// BEGIN to its end. WAL lets them run beside the writer, which has one
  /// more connection of its own.
  unsigned connections = 4;
  /// Group commit: at most this many read-write transactions share one
  /// COMMIT (1: every transaction commits alone).
  unsigned max_group_transactions = 64;
  /// A group that has been open this long commits with the next member to
  /// finish, even while more writers wait.
  std::chrono::milliseconds max_group_delay{10};
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
/// Read-write transactions are committed in groups: concurrent writers take
/// turns on one writer connection, each running its function inside its own
/// SAVEPOINT of one `BEGIN IMMEDIATE` transaction, and one COMMIT (one fsync)
/// makes the whole group durable. WithTransaction() returns Ok only after
/// the COMMIT holding the caller's work succeeded. A function that fails
/// rolls back its own savepoint only; a failed COMMIT fails every member of
/// the group with its error (kAborted ones are retried as usual). Members
/// whose group SQLite itself rolled back (I/O error, disk full) because of
/// another member get kAborted and are retried.
///
/// Thread safety: safe from any thread (see Store).
class SqliteStore final : public Store {
 public:
  /// Opens (or creates) the database and sets its pragmas.
  /// @returns kInvalidArgument for an empty path, zero connections or a
  ///          zero max_group_transactions;
  ///          kUnavailable (domain kSqlite) when the file cannot be opened or
  ///          WAL cannot be enabled; kDataLoss when it is not a database.
  static Result<std::unique_ptr<SqliteStore>> Open(const SqliteStoreOptions& options);
  ~SqliteStore() override;

  const std::string& path() const;

 private:
  using Pool = internal::SqliteConnectionPool;
  explicit SqliteStore(std::unique_ptr<Pool> pool);

  /// kReadWrite: group commit (see the class comment); kReadOnly: the plain
  /// attempt on a pooled connection.
  Attempt DoAttempt(TransactionMode mode, const TransactionFunction& fn) override;
  /// Read-only transactions only (writers go through DoAttempt()).
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
