// The one place SQLite is used (architecture.md: SQLite and libpq in the
// cloud's stores).
#include "mykey/sqlite_store/sqlite_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "mykey/base/log.h"

namespace mykey::cloud {

namespace {

constexpr const char* kLogModule = "sqlite_store";

/// The one mapping from SQLite result codes to errors.
Error SqliteError(int rc, const char* message) {
  const int primary = rc & 0xff;
  ErrorCode code = ErrorCode::kInternal;
  switch (primary) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: code = ErrorCode::kAborted; break;
    case SQLITE_CONSTRAINT:
      code = (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
                 ? ErrorCode::kAlreadyExists
                 : ErrorCode::kFailedPrecondition;
      break;
    case SQLITE_ERROR:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG: code = ErrorCode::kInvalidArgument; break;
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_IOERR:
    case SQLITE_AUTH: code = ErrorCode::kUnavailable; break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: code = ErrorCode::kDataLoss; break;
    case SQLITE_FULL: code = ErrorCode::kResourceExhausted; break;
    default: break;
  }
  return Error(code, message, ErrorDomain::kSqlite, rc);
}

void LogSqlite(sqlite3* db, const char* what) {
  if (!log::Enabled(log::Level::kDebug)) return;
  std::string line = std::string(what) + ": " + (db != nullptr ? sqlite3_errmsg(db) : "no db");
  log::Write(log::Level::kDebug, kLogModule, line);
}

/// Fsyncs a file or directory; errors are reported.
Status SyncPath(const std::string& path, bool directory) {
  const int fd = open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
  if (fd < 0)
    return Fail(ErrorCode::kUnavailable, "cannot open for fsync", ErrorDomain::kOs, errno);
  const int rc = fsync(fd);
  const int err = errno;
  close(fd);
  if (rc != 0) return Fail(ErrorCode::kUnavailable, "fsync failed", ErrorDomain::kOs, err);
  return Ok();
}

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

/// One SQLite connection with its prepared-statement cache.
struct Connection {
  sqlite3* db = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> statements;

  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    for (auto& [sql, stmt] : statements) sqlite3_finalize(stmt);
    if (db != nullptr) sqlite3_close_v2(db);
  }

  Status Exec(const char* sql) {
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
      LogSqlite(db, sql);
      return Fail(SqliteError(sqlite3_extended_errcode(db), "SQLite statement failed"));
    }
    return Ok();
  }

  Result<sqlite3_stmt*> Prepare(std::string_view sql) {
    auto it = statements.find(std::string(sql));
    if (it != statements.end()) return it->second;
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
    if (rc != SQLITE_OK) {
      LogSqlite(db, "prepare");
      return Fail(SqliteError(sqlite3_extended_errcode(db), "SQL does not compile"));
    }
    if (stmt == nullptr) return Fail(ErrorCode::kInvalidArgument, "SQL holds no statement");
    for (const char* p = tail; p != nullptr && p < sql.data() + sql.size(); ++p) {
      if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r' && *p != ';') {
        sqlite3_finalize(stmt);
        return Fail(ErrorCode::kInvalidArgument, "one statement expected (use ExecuteScript)");
      }
    }
    statements.emplace(std::string(sql), stmt);
    return stmt;
  }

  /// Binds `$1`..`$n`, steps through all rows, resets.
  Status Run(std::string_view sql, SqlParams params, std::vector<Row>* rows, int64_t* changes) {
    MYKEY_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql));
    Status status = Bind(stmt, params);
    if (status) status = Step(stmt, rows);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    if (status && changes != nullptr) *changes = sqlite3_changes64(db);
    return status;
  }

  Status Bind(sqlite3_stmt* stmt, SqlParams params) {
    if (sqlite3_bind_parameter_count(stmt) != static_cast<int>(params.size())) {
      return Fail(ErrorCode::kInvalidArgument, "parameter count differs from the statement");
    }
    for (size_t i = 0; i < params.size(); ++i) {
      // snprintf, not "$" + std::to_string(): GCC 12 at -O3 warns (-Wrestrict)
      // about the inlined string concatenation.
      char name[24];
      std::snprintf(name, sizeof name, "$%zu", i + 1);
      const int index = sqlite3_bind_parameter_index(stmt, name);
      if (index == 0) return Fail(ErrorCode::kInvalidArgument, "statement lacks a $N parameter");
      const SqlValue& value = params[i];
      int rc = SQLITE_OK;
      if (value.is_null()) {
        rc = sqlite3_bind_null(stmt, index);
      } else if (value.is_int()) {
        rc = sqlite3_bind_int64(stmt, index, value.AsInt());
      } else if (value.is_text()) {
        const std::string& text = value.AsText();
        rc = sqlite3_bind_text64(stmt, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
      } else {
        const Bytes& bytes = value.AsBytes();
        rc = bytes.empty()
                 ? sqlite3_bind_zeroblob(stmt, index, 0)
                 : sqlite3_bind_blob64(stmt, index, bytes.data(), bytes.size(), SQLITE_STATIC);
      }
      if (rc != SQLITE_OK) return Fail(SqliteError(rc, "cannot bind a parameter"));
    }
    return Ok();
  }

  Status Step(sqlite3_stmt* stmt, std::vector<Row>* rows) {
    for (;;) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) return Ok();
      if (rc != SQLITE_ROW) {
        LogSqlite(db, "step");
        return Fail(SqliteError(sqlite3_extended_errcode(db), "SQLite statement failed"));
      }
      if (rows == nullptr) continue;
      const int columns = sqlite3_column_count(stmt);
      std::vector<SqlValue> values;
      values.reserve(static_cast<size_t>(columns));
      for (int c = 0; c < columns; ++c) {
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_INTEGER: values.emplace_back(int64_t{sqlite3_column_int64(stmt, c)}); break;
          case SQLITE_FLOAT:
            values.emplace_back(static_cast<int64_t>(sqlite3_column_double(stmt, c)));
            break;
          case SQLITE_TEXT: {
            const auto* text = sqlite3_column_text(stmt, c);
            const auto size = static_cast<size_t>(sqlite3_column_bytes(stmt, c));
            values.emplace_back(std::string(reinterpret_cast<const char*>(text), size));
            break;
          }
          case SQLITE_BLOB: {
            const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt, c));
            const auto size = static_cast<size_t>(sqlite3_column_bytes(stmt, c));
            values.emplace_back(data != nullptr ? Bytes(data, data + size) : Bytes());
            break;
          }
          default: values.emplace_back(); break;
        }
      }
      rows->emplace_back(std::move(values));
    }
  }
};

Result<std::unique_ptr<Connection>> OpenConnection(const std::string& path, bool create,
                                                   std::chrono::milliseconds busy_timeout) {
  auto connection = std::make_unique<Connection>();
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) |
                    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  const int rc = sqlite3_open_v2(path.c_str(), &connection->db, flags, nullptr);
  if (rc != SQLITE_OK) {
    LogSqlite(connection->db, "open");
    return Fail(SqliteError(rc, "cannot open the SQLite store"));
  }
  sqlite3_extended_result_codes(connection->db, 1);
  sqlite3_busy_timeout(connection->db, static_cast<int>(busy_timeout.count()));
  // journal_mode answers with a row: check that WAL really is on (it is not
  // possible on some file systems).
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(connection->db, "PRAGMA journal_mode=WAL", -1, &stmt, nullptr) !=
      SQLITE_OK) {
    return Fail(SqliteError(sqlite3_extended_errcode(connection->db), "not a SQLite database"));
  }
  const int step = sqlite3_step(stmt);
  const bool wal =
      step == SQLITE_ROW &&
      std::string_view(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))) == "wal";
  sqlite3_finalize(stmt);
  if (step != SQLITE_ROW) {
    return Fail(SqliteError(sqlite3_extended_errcode(connection->db), "not a SQLite database"));
  }
  if (!wal) return Fail(ErrorCode::kUnavailable, "WAL journal mode cannot be enabled");
  MYKEY_TRY(connection->Exec("PRAGMA synchronous=FULL"));
  MYKEY_TRY(connection->Exec("PRAGMA foreign_keys=ON"));
  return connection;
}

}  // namespace

namespace internal {

/// One group of writers' transactions under one BEGIN IMMEDIATE ... COMMIT.
struct CommitGroup {
  bool done = false;  // the COMMIT (or the rollback) has happened
  Status status;      // its outcome, for every member whose work succeeded
  std::condition_variable finished;
};

/// A writer waiting for its turn on the writer connection.
struct WriterTurn {
  bool granted = false;
  std::condition_variable wake;
};

struct SqliteConnectionPool {
  SqliteStoreOptions options;
  // Readers: any free connection of the pool.
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::unique_ptr<Connection>> all;
  std::vector<Connection*> free;

  // Writers (group commit, see README.md): one connection, used by one
  // writer at a time in arrival order; the writer whose turn it is runs its
  // function in a savepoint of the open group and either commits the group
  // or hands the turn on.
  std::unique_ptr<Connection> writer;
  std::mutex group_mu;
  bool writer_busy = false;
  std::deque<WriterTurn*> writers_waiting;
  std::shared_ptr<CommitGroup> open_group;  // begun on `writer`, not yet committed
  unsigned open_members = 0;
  std::chrono::steady_clock::time_point open_since;

  Connection* Acquire() {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return !free.empty(); });
    Connection* c = free.back();
    free.pop_back();
    return c;
  }
  void Release(Connection* c) {
    {
      std::lock_guard lock(mu);
      free.push_back(c);
    }
    cv.notify_one();
  }

  /// Waits for the writer connection (first come, first served).
  void AcquireWriter() {
    std::unique_lock lock(group_mu);
    if (!writer_busy && writers_waiting.empty()) {
      writer_busy = true;
      return;
    }
    WriterTurn turn;
    writers_waiting.push_back(&turn);
    turn.wake.wait(lock, [&] { return turn.granted; });
  }
  /// Hands the writer connection to the next writer in line, if any.
  /// Called with `group_mu` held.
  void ReleaseWriterLocked() {
    if (writers_waiting.empty()) {
      writer_busy = false;
      return;
    }
    WriterTurn* next = writers_waiting.front();
    writers_waiting.pop_front();
    next->granted = true;
    next->wake.notify_one();
  }
};
}  // namespace internal

using Pool = internal::SqliteConnectionPool;

namespace {

/// Statements on one connection inside a transaction someone else begins
/// and ends.
class ConnectionTransaction : public Transaction {
 public:
  explicit ConnectionTransaction(Connection& connection) : connection_(connection) {}

 protected:
  Connection& connection_;

 private:
  Result<int64_t> DoExecute(std::string_view sql, SqlParams params) override {
    int64_t changes = 0;
    MYKEY_TRY(connection_.Run(sql, params, nullptr, &changes));
    return changes;
  }
  Result<std::vector<Row>> DoQuery(std::string_view sql, SqlParams params) override {
    std::vector<Row> rows;
    MYKEY_TRY(connection_.Run(sql, params, &rows, nullptr));
    return rows;
  }
  Status DoExecuteScript(std::string_view sql) override {
    const std::string text(sql);
    return connection_.Exec(text.c_str());
  }
  SqlDialect DoDialect() const override { return SqlDialect::kSqlite; }
};

/// A read transaction on a leased connection of the pool; the lease ends
/// with the object (rolling back if neither committed nor rolled back).
class ReadTransaction final : public ConnectionTransaction {
 public:
  ReadTransaction(Pool& pool, Connection& connection)
      : ConnectionTransaction(connection), pool_(pool) {}
  ~ReadTransaction() override {
    if (open_) Rollback();
    pool_.Release(&connection_);
  }

  Status Begin() {
    MYKEY_TRY(connection_.Run("BEGIN", {}, nullptr, nullptr));
    open_ = true;
    return Ok();
  }
  Status Commit() {
    Status status = connection_.Run("COMMIT", {}, nullptr, nullptr);
    if (!status) {
      Rollback();
      return status;
    }
    open_ = false;
    return Ok();
  }
  void Rollback() {
    if (sqlite3_get_autocommit(connection_.db) == 0) {
      (void)connection_.Run("ROLLBACK", {}, nullptr, nullptr);
    }
    open_ = false;
  }

 private:
  Pool& pool_;
  bool open_ = false;
};

/// Copies database `from` into `to` with the backup API in one step.
Status CopyDatabase(sqlite3* from, sqlite3* to) {
  sqlite3_backup* backup = sqlite3_backup_init(to, "main", from, "main");
  if (backup == nullptr) {
    LogSqlite(to, "backup init");
    return Fail(SqliteError(sqlite3_extended_errcode(to), "cannot start the backup"));
  }
  int rc = SQLITE_OK;
  do {
    rc = sqlite3_backup_step(backup, -1);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(5);
  } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) {
    LogSqlite(to, "backup step");
    return Fail(SqliteError(rc, "backup failed"));
  }
  return Ok();
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteStoreOptions& options) {
  if (options.path.empty()) return Fail(ErrorCode::kInvalidArgument, "store path is empty");
  if (options.connections == 0) {
    return Fail(ErrorCode::kInvalidArgument, "a store needs at least one connection");
  }
  if (options.max_group_transactions == 0) {
    return Fail(ErrorCode::kInvalidArgument, "a commit group needs at least one transaction");
  }
  if (sqlite3_threadsafe() == 0) {
    return Fail(ErrorCode::kFailedPrecondition, "SQLite was built without thread support");
  }
  auto pool = std::make_unique<Pool>();
  pool->options = options;
  MYKEY_ASSIGN_OR_RETURN(pool->writer,
                         OpenConnection(options.path, options.create, options.busy_timeout));
  for (unsigned i = 0; i < options.connections; ++i) {
    MYKEY_ASSIGN_OR_RETURN(auto connection,
                           OpenConnection(options.path, options.create, options.busy_timeout));
    pool->free.push_back(connection.get());
    pool->all.push_back(std::move(connection));
  }
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(pool)));
}

SqliteStore::SqliteStore(std::unique_ptr<Pool> pool) : pool_(std::move(pool)) {}

SqliteStore::~SqliteStore() = default;

const std::string& SqliteStore::path() const {
  return pool_->options.path;
}

Store::Attempt SqliteStore::DoAttempt(TransactionMode mode, const TransactionFunction& fn) {
  if (mode == TransactionMode::kReadOnly) return RunAttempt(mode, fn);
  Pool& pool = *pool_;
  Connection& writer = *pool.writer;
  pool.AcquireWriter();
  // From here to ReleaseWriterLocked() this thread alone uses `writer` and
  // the open group's bookkeeping.
  std::shared_ptr<internal::CommitGroup> group;
  {
    std::lock_guard lock(pool.group_mu);
    group = pool.open_group;
  }

  // Ends the group without COMMIT: rolls back what is left and fails the
  // members waiting for it with `error`.
  auto abandon_group = [&](const Error& error) {
    if (sqlite3_get_autocommit(writer.db) == 0) {
      (void)writer.Run("ROLLBACK", {}, nullptr, nullptr);
    }
    std::lock_guard lock(pool.group_mu);
    group->done = true;
    group->status = Fail(error);
    group->finished.notify_all();
    pool.open_group = nullptr;
    pool.open_members = 0;
    pool.ReleaseWriterLocked();
  };

  Attempt attempt;
  if (!group) {
    Status begun = writer.Run("BEGIN IMMEDIATE", {}, nullptr, nullptr);
    if (!begun) {
      std::lock_guard lock(pool.group_mu);
      pool.ReleaseWriterLocked();
      attempt.status = std::move(begun);
      attempt.store_error = true;
      return attempt;
    }
    group = std::make_shared<internal::CommitGroup>();
    pool.open_members = 0;
    pool.open_since = std::chrono::steady_clock::now();
  }
  ++pool.open_members;

  Status opened = writer.Run("SAVEPOINT mykey_member", {}, nullptr, nullptr);
  if (!opened) {
    abandon_group(Error(ErrorCode::kAborted, "the commit group could not take a savepoint",
                        ErrorDomain::kSqlite, opened.error().detail()));
    attempt.status = std::move(opened);
    attempt.store_error = true;
    return attempt;
  }
  ConnectionTransaction member(writer);
  attempt.status = fn(member);
  attempt.store_error = StoreErrorSeen(member);
  if (sqlite3_get_autocommit(writer.db) != 0) {
    // SQLite rolled the whole transaction back (I/O error, disk full, ...):
    // the group's earlier work is gone too; those members are retried.
    const int64_t detail = attempt.status ? 0 : attempt.status.error().detail();
    abandon_group(Error(ErrorCode::kAborted,
                        "rolled back with another transaction of its commit group",
                        ErrorDomain::kSqlite, detail));
    if (attempt.status) {
      attempt.status = Fail(ErrorCode::kInternal, "SQLite rolled the transaction back");
    }
    attempt.store_error = true;
    return attempt;
  }
  Status ended = attempt.status ? writer.Run("RELEASE mykey_member", {}, nullptr, nullptr)
                                : writer.Run("ROLLBACK TO mykey_member", {}, nullptr, nullptr);
  if (ended && !attempt.status) ended = writer.Run("RELEASE mykey_member", {}, nullptr, nullptr);
  if (!ended) {
    abandon_group(Error(ErrorCode::kAborted, "the commit group could not end a savepoint",
                        ErrorDomain::kSqlite, ended.error().detail()));
    if (attempt.status) attempt.status = std::move(ended);
    attempt.store_error = true;
    return attempt;
  }

  {
    std::unique_lock lock(pool.group_mu);
    const bool commit_now =
        pool.writers_waiting.empty() || pool.open_members >= pool.options.max_group_transactions ||
        std::chrono::steady_clock::now() - pool.open_since >= pool.options.max_group_delay;
    if (!commit_now) {
      // The next writer joins this group; one of them commits it.
      pool.open_group = group;
      pool.ReleaseWriterLocked();
      if (!attempt.status) return attempt;
      group->finished.wait(lock, [&] { return group->done; });
      if (!group->status) {
        attempt.status = group->status;
        attempt.store_error = true;
        return attempt;
      }
      attempt.committed = true;
      return attempt;
    }
  }

  Status committed = writer.Run("COMMIT", {}, nullptr, nullptr);
  if (!committed && sqlite3_get_autocommit(writer.db) == 0) {
    (void)writer.Run("ROLLBACK", {}, nullptr, nullptr);
  }
  {
    std::lock_guard lock(pool.group_mu);
    group->done = true;
    group->status = committed;
    group->finished.notify_all();
    pool.open_group = nullptr;
    pool.open_members = 0;
    pool.ReleaseWriterLocked();
  }
  if (!attempt.status) return attempt;
  if (!committed) {
    attempt.status = std::move(committed);
    attempt.store_error = true;
    return attempt;
  }
  attempt.committed = true;
  return attempt;
}

Result<std::unique_ptr<Transaction>> SqliteStore::DoBegin(TransactionMode mode) {
  if (mode != TransactionMode::kReadOnly) {
    return Fail(ErrorCode::kInternal, "read-write transactions go through the commit group");
  }
  Connection* connection = pool_->Acquire();
  auto transaction = std::make_unique<ReadTransaction>(*pool_, *connection);
  MYKEY_TRY(transaction->Begin());
  return std::unique_ptr<Transaction>(std::move(transaction));
}

Status SqliteStore::DoCommit(Transaction& transaction) {
  return static_cast<ReadTransaction&>(transaction).Commit();
}

void SqliteStore::DoRollback(Transaction& transaction) {
  static_cast<ReadTransaction&>(transaction).Rollback();
}

Status SqliteStore::DoBackupTo(const std::string& path) {
  const std::string partial = path + ".partial";
  std::remove(partial.c_str());
  sqlite3* destination = nullptr;
  int rc = sqlite3_open_v2(partial.c_str(), &destination,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_close_v2(destination);
    return Fail(SqliteError(rc, "cannot create the backup file"));
  }
  Connection* source = pool_->Acquire();
  Status status = CopyDatabase(source->db, destination);
  pool_->Release(source);
  if (status) {
    rc = sqlite3_exec(destination, "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) status = Fail(SqliteError(rc, "cannot finish the backup file"));
  }
  sqlite3_close_v2(destination);
  if (status) status = SyncPath(partial, /*directory=*/false);
  if (status && std::rename(partial.c_str(), path.c_str()) != 0) {
    status = Fail(ErrorCode::kUnavailable, "cannot rename the backup", ErrorDomain::kOs, errno);
  }
  if (status) status = SyncPath(DirectoryOf(path), /*directory=*/true);
  if (!status) std::remove(partial.c_str());
  return status;
}

Status RestoreSqliteBackup(const std::string& backup_path, const std::string& store_path) {
  if (access(backup_path.c_str(), R_OK) != 0) {
    return Fail(ErrorCode::kNotFound, "backup file not found", ErrorDomain::kOs, errno);
  }
  sqlite3* source = nullptr;
  int rc = sqlite3_open_v2(backup_path.c_str(), &source, SQLITE_OPEN_READONLY, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_close_v2(source);
    return Fail(SqliteError(rc, "cannot open the backup"));
  }
  // The backup must be whole before it replaces anything.
  sqlite3_stmt* check = nullptr;
  rc = sqlite3_prepare_v2(source, "PRAGMA integrity_check", -1, &check, nullptr);
  bool intact = false;
  if (rc == SQLITE_OK && sqlite3_step(check) == SQLITE_ROW) {
    const auto* answer = reinterpret_cast<const char*>(sqlite3_column_text(check, 0));
    intact = answer != nullptr && std::string_view(answer) == "ok";
  }
  sqlite3_finalize(check);
  if (!intact) {
    sqlite3_close_v2(source);
    return Fail(ErrorCode::kDataLoss, "the backup fails its integrity check", ErrorDomain::kSqlite,
                rc);
  }
  auto destination = OpenConnection(store_path, /*create=*/true, std::chrono::milliseconds(5000));
  if (!destination) {
    sqlite3_close_v2(source);
    return Fail(destination.error());
  }
  Status status = CopyDatabase(source, (*destination)->db);
  sqlite3_close_v2(source);
  if (status) status = (*destination)->Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  return status;
}

}  // namespace mykey::cloud
