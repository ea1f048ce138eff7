#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"

namespace mykey::cloud {

/// The SQL dialect of a store backend. Statements use `$1`, `$2`, ...
/// placeholders in both; DDL uses the tokens of ExpandDialect().
enum class SqlDialect : uint8_t { kSqlite, kPostgres };

/// A value bound to a statement or read from a row: NULL, a 64-bit integer,
/// text or bytes. (No floating point: amounts are integers.)
///
/// Thread safety: a value type; not synchronised.
class SqlValue {
 public:
  SqlValue() = default;
  SqlValue(std::nullopt_t) {}
  SqlValue(int64_t v) : value_(v) {}
  SqlValue(int v) : value_(int64_t{v}) {}
  SqlValue(unsigned v) : value_(int64_t{v}) {}
  SqlValue(bool v) : value_(int64_t{v ? 1 : 0}) {}
  SqlValue(std::string v) : value_(std::move(v)) {}
  SqlValue(std::string_view v) : value_(std::string(v)) {}
  SqlValue(const char* v) : value_(std::string(v)) {}
  SqlValue(Bytes v) : value_(std::move(v)) {}
  SqlValue(ByteView v) : value_(Bytes(v.begin(), v.end())) {}
  template <typename T>
  SqlValue(const std::optional<T>& v) {
    if (v) *this = SqlValue(*v);
  }

  bool is_null() const { return std::holds_alternative<std::monostate>(value_); }
  bool is_int() const { return std::holds_alternative<int64_t>(value_); }
  bool is_text() const { return std::holds_alternative<std::string>(value_); }
  bool is_bytes() const { return std::holds_alternative<Bytes>(value_); }
  /// The integer, or 0 if this is not an integer.
  int64_t AsInt() const;
  /// The text, or "" if this is not text.
  const std::string& AsText() const;
  /// The bytes, or empty if this is not bytes.
  const Bytes& AsBytes() const;

  friend bool operator==(const SqlValue&, const SqlValue&) = default;

 private:
  std::variant<std::monostate, int64_t, std::string, Bytes> value_;
};

/// One result row. Column accessors follow the SELECT list; a column of the
/// wrong type reads as 0 / "" / empty (a schema bug, not input).
///
/// Thread safety: a value type; not synchronised.
class Row {
 public:
  explicit Row(std::vector<SqlValue> values) : values_(std::move(values)) {}
  size_t size() const { return values_.size(); }
  const SqlValue& at(size_t column) const;
  bool IsNull(size_t column) const { return at(column).is_null(); }
  int64_t Int(size_t column) const { return at(column).AsInt(); }
  const std::string& Text(size_t column) const { return at(column).AsText(); }
  const Bytes& Blob(size_t column) const { return at(column).AsBytes(); }
  /// NULL reads as nullopt.
  std::optional<int64_t> OptionalInt(size_t column) const;
  std::optional<std::string> OptionalText(size_t column) const;

 private:
  std::vector<SqlValue> values_;
};

using SqlParams = std::span<const SqlValue>;

/// Error codes every backend maps its errors to (the raw code stays in the
/// error's domain/detail):
/// - kAborted: busy, locked, serialization failure or deadlock; retrying the
///   whole transaction may succeed (WithTransaction() does).
/// - kAlreadyExists: a UNIQUE or PRIMARY KEY constraint was violated.
/// - kFailedPrecondition: another constraint (FOREIGN KEY, CHECK, NOT NULL).
/// - kInvalidArgument: the SQL does not compile or a parameter is missing.
/// - kUnavailable: the database cannot be opened or reached.
/// - kDataLoss: the database is corrupt.
/// - kResourceExhausted: the disk or database is full.
/// - kInternal: anything else.

/// An open transaction. Statements run inside it; the store commits or rolls
/// it back. Prepared statements are cached per connection by SQL text.
///
/// Thread safety: not thread-safe; used by the one thread that runs the
/// transaction function.
class Transaction {
 public:
  Transaction() = default;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  virtual ~Transaction() = default;

  /// Runs a statement that returns no rows.
  /// @param sql    one statement with `$1`.. placeholders
  /// @param params bound in order to `$1`, `$2`, ...
  /// @returns the number of rows changed, or an error as listed above.
  Result<int64_t> Execute(std::string_view sql, SqlParams params = {}) {
    return Noted(DoExecute(sql, params));
  }
  Result<int64_t> Execute(std::string_view sql, std::initializer_list<SqlValue> params) {
    return Noted(DoExecute(sql, SqlParams(params.begin(), params.size())));
  }

  /// Runs a query. @returns its rows (possibly none), or an error as above.
  Result<std::vector<Row>> Query(std::string_view sql, SqlParams params = {}) {
    return Noted(DoQuery(sql, params));
  }
  Result<std::vector<Row>> Query(std::string_view sql, std::initializer_list<SqlValue> params) {
    return Noted(DoQuery(sql, SqlParams(params.begin(), params.size())));
  }

  /// Runs a query expected to return at most one row.
  /// @returns the row, nullopt for none; kInternal if there were several.
  Result<std::optional<Row>> QueryRow(std::string_view sql,
                                      std::initializer_list<SqlValue> params = {});

  /// Runs several statements without parameters (DDL of a migration); the
  /// text is first expanded with ExpandDialect(). @returns errors as above.
  Status ExecuteScript(std::string_view sql);

  SqlDialect dialect() const { return DoDialect(); }

 private:
  friend class Store;
  /// Remembers that a statement of this transaction failed in the store (for
  /// the error count of StoreStats), whatever the transaction function did
  /// with the error.
  template <typename T>
  T Noted(T result) {
    if (!result) store_error_seen_ = true;
    return result;
  }

  virtual Result<int64_t> DoExecute(std::string_view sql, SqlParams params) = 0;
  virtual Result<std::vector<Row>> DoQuery(std::string_view sql, SqlParams params) = 0;
  virtual Status DoExecuteScript(std::string_view sql) = 0;
  virtual SqlDialect DoDialect() const = 0;

  bool store_error_seen_ = false;
};

/// Whether a transaction writes. SQLite takes the write lock at BEGIN for
/// kReadWrite (BEGIN IMMEDIATE, so two writers never deadlock on upgrade);
/// PostgreSQL runs REPEATABLE READ, READ ONLY for kReadOnly (write skew is
/// the modules' to prevent with row locks: decision 0005).
enum class TransactionMode : uint8_t { kReadOnly, kReadWrite };

/// Counters of a store, for /metrics.
struct StoreStats {
  uint64_t transactions = 0;  ///< transaction attempts begun
  uint64_t commits = 0;
  uint64_t rollbacks = 0;
  uint64_t retries = 0;  ///< attempts repeated after kAborted
  uint64_t errors = 0;   ///< transactions that finally failed with a store error
};

/// The cloud's database: SQLite (embedded default) or PostgreSQL, one
/// interface. All access goes through WithTransaction().
///
/// Thread safety: all methods are safe to call from any thread; each
/// transaction gets a connection of its own.
class Store {
 public:
  using TransactionFunction = std::function<Status(Transaction&)>;

  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  virtual ~Store() = default;

  /// Runs `fn` in a transaction and commits if it returns Ok, rolls back
  /// otherwise. When a statement or the commit fails with kAborted (busy,
  /// serialization failure) the whole transaction is retried, up to
  /// `max_attempts` times, with a short randomised backoff; `fn` must
  /// therefore have no effects outside the transaction.
  /// @returns what `fn` returned, or the store error (see the list above);
  ///          kAborted when every attempt was aborted.
  Status WithTransaction(TransactionMode mode, const TransactionFunction& fn, int max_attempts = 8);

  /// Runs a trivial query: the store answers. @returns kUnavailable etc.
  Status Check();

  /// Copies the whole store to `path` while it stays online.
  /// @returns kUnimplemented where the backend has its own tool (PostgreSQL:
  ///          pg_dump); kUnavailable / kResourceExhausted on I/O errors.
  Status BackupTo(const std::string& path) { return DoBackupTo(path); }

  SqlDialect dialect() const { return DoDialect(); }
  /// "sqlite" or "postgres".
  std::string_view backend_name() const;
  StoreStats stats() const;

 protected:
  /// The outcome of one attempt at a transaction.
  struct Attempt {
    Status status;             ///< what the attempt returned
    bool committed = false;    ///< the work is committed (status is Ok)
    bool store_error = false;  ///< status is (or follows) an error of the store
  };

  /// One attempt the plain way: DoBegin(), `fn`, then DoCommit() or
  /// DoRollback(). The default of DoAttempt().
  Attempt RunAttempt(TransactionMode mode, const TransactionFunction& fn);

  /// Whether a statement of `transaction` failed in the store.
  static bool StoreErrorSeen(const Transaction& transaction) {
    return transaction.store_error_seen_;
  }

 private:
  /// One attempt at a transaction; WithTransaction() retries around it.
  /// Backends that run transactions their own way override it (SQLite
  /// commits concurrent writers in groups).
  virtual Attempt DoAttempt(TransactionMode mode, const TransactionFunction& fn) {
    return RunAttempt(mode, fn);
  }
  /// Opens a transaction on a free connection (BEGIN ...). @returns
  /// kAborted if busy; other store errors.
  virtual Result<std::unique_ptr<Transaction>> DoBegin(TransactionMode mode) = 0;
  /// Commits; on failure the backend has rolled back.
  virtual Status DoCommit(Transaction& transaction) = 0;
  virtual void DoRollback(Transaction& transaction) = 0;
  virtual Status DoBackupTo(const std::string& path) = 0;
  virtual SqlDialect DoDialect() const = 0;

  std::atomic<uint64_t> transactions_{0};
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> rollbacks_{0};
  std::atomic<uint64_t> retries_{0};
  std::atomic<uint64_t> errors_{0};
};

/// Expands the dialect tokens of portable DDL:
/// `{{id}}` an auto-assigned 64-bit primary key column type
///   (SQLite `INTEGER PRIMARY KEY`, PostgreSQL `BIGINT GENERATED BY DEFAULT AS
///   IDENTITY PRIMARY KEY`), `{{int}}` (INTEGER / BIGINT), `{{text}}` (TEXT),
/// `{{blob}}` (BLOB / BYTEA), `{{strict}}` after a table's closing parenthesis
/// (SQLite ` STRICT`, PostgreSQL nothing).
std::string ExpandDialect(std::string_view sql, SqlDialect dialect);

/// True for the store errors worth retrying a transaction for (kAborted).
bool IsRetryable(const Error& error) noexcept;

}  // namespace mykey::cloud
