#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "mykey/base/error.h"
#include "mykey/base/result.h"
#include "mykey/store/store.h"

namespace mykey::cloud {

namespace internal {
struct PostgresConnectionPool;
}  // namespace internal

/// Where a PostgreSQL store is and how to connect to it. Empty fields take
/// libpq's defaults (its environment variables PGHOST, PGPORT, ... included).
struct PostgresStoreOptions {
  /// A host name or address, or a Unix socket directory (starts with '/').
  std::string host;
  uint16_t port = 0;  ///< 0: libpq's default (5432)
  std::string dbname;
  std::string user;
  std::string password;  ///< never logged; empty for peer/trust authentication
  std::string application_name = "mykey-cloud";
  /// The most connections the pool opens (one per concurrent transaction);
  /// a transaction waits for a free one beyond that. Opened on demand.
  unsigned connections = 8;
  std::chrono::seconds connect_timeout{5};
};

/// The PostgreSQL store: a pool of libpq connections opened on demand,
/// transactions at REPEATABLE READ (READ ONLY for kReadOnly; see
/// docs/decisions/0005-postgres-repeatable-read.md: the modules take row
/// locks where a read decides a write; a write to a row another transaction
/// changed since the snapshot fails 40001 and is retried), statements
/// prepared once per connection (by SQL text and parameter types) with typed
/// binary parameters (int8, text, bytea; NULL untyped). A connection the
/// server dropped (restart, pg_terminate_backend) is reopened when the next
/// transaction begins on it.
///
/// Unlike SQLite, PostgreSQL aborts the whole transaction when one statement
/// fails: after a failed statement every later statement of the same
/// transaction fails at once with the first error's code (so a swallowed
/// kAborted still leads to a retry), and the transaction cannot commit.
///
/// Errors: domain ErrorDomain::kPostgres, detail = the SQLSTATE (see
/// PostgresSqlState()), code by PostgresErrorCode().
///
/// Thread safety: safe from any thread (see Store).
class PostgresStore final : public Store {
 public:
  /// Connects once to check that the server answers.
  /// @returns kInvalidArgument for zero connections; kUnavailable when the
  ///          server cannot be reached or refuses the login (also a missing
  ///          database).
  static Result<std::unique_ptr<PostgresStore>> Open(const PostgresStoreOptions& options);
  ~PostgresStore() override;

  const PostgresStoreOptions& options() const;
  /// Connections open now (at most options().connections).
  unsigned open_connections() const;

 private:
  using Pool = internal::PostgresConnectionPool;
  explicit PostgresStore(std::unique_ptr<Pool> pool);

  /// One attempt; an attempt that failed on a UNIQUE constraint (23505) is
  /// made once more at once: under REPEATABLE READ the conflicting row may be
  /// a concurrent transaction's that this attempt's snapshot did not show.
  Attempt DoAttempt(TransactionMode mode, const TransactionFunction& fn) override;
  Result<std::unique_ptr<Transaction>> DoBegin(TransactionMode mode) override;
  Status DoCommit(Transaction& transaction) override;
  void DoRollback(Transaction& transaction) override;
  /// kUnimplemented: use pg_dump / pg_basebackup.
  Status DoBackupTo(const std::string& path) override;
  SqlDialect DoDialect() const override { return SqlDialect::kPostgres; }

  std::unique_ptr<Pool> pool_;
};

/// The one mapping from SQLSTATE codes to error codes (first match wins):
/// 40001 serialization failure, 40P01 deadlock, 55P03 lock not available ->
/// kAborted; 23505 unique -> kAlreadyExists; 23503 foreign key, 23514 check,
/// 23502 not null, the rest of class 23 -> kFailedPrecondition; 42P04
/// duplicate database -> kAlreadyExists; class 42 (syntax, unknown name, type
/// mismatch), class 22 (a value that does not fit) and 25006 (a write in a
/// READ ONLY transaction) -> kInvalidArgument; class 08 (connection), 57P01..03
/// (server shut the session down, or starting) and 53300 (too many
/// connections) -> kUnavailable; 53100 disk full, 53200 out of memory ->
/// kResourceExhausted; 57014 statement cancelled -> kDeadlineExceeded;
/// XX001/XX002 (corrupt data/index) -> kDataLoss; anything else kInternal.
/// @param sqlstate five characters
ErrorCode PostgresErrorCode(std::string_view sqlstate) noexcept;

/// The SQLSTATE kept in the detail of an error of domain kPostgres ("40001"),
/// or "" for an error of another domain.
std::string PostgresSqlState(const Error& error);

/// Creates database `name` on the server `server` connects to (its `dbname`
/// is the maintenance database, "postgres" if empty). Outside any
/// transaction, as CREATE DATABASE needs.
/// @param name lower-case letters, digits and '_', starting with a letter, at
///        most 63 characters
/// @returns kInvalidArgument for a bad name; kAlreadyExists if it exists;
///          kUnavailable when the server cannot be reached; other store errors.
Status CreatePostgresDatabase(const PostgresStoreOptions& server, std::string_view name);

/// Drops database `name` if it exists, closing its other sessions first
/// (DROP DATABASE ... WITH (FORCE)). @returns errors as CreatePostgresDatabase().
Status DropPostgresDatabase(const PostgresStoreOptions& server, std::string_view name);

}  // namespace mykey::cloud
