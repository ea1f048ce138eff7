// The one place libpq is used (architecture.md: SQLite and libpq in the
// cloud's stores).
#include "mykey/postgres_store/postgres_store.h"

#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "mykey/base/log.h"

namespace mykey::cloud {

namespace {

constexpr const char* kLogModule = "postgres_store";

// Type OIDs (pg_type.dat); libpq-fe.h does not define them.
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;
constexpr Oid kOidOid = 26;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

/// The SQLSTATE -> error code table: the first rule whose prefix matches (five
/// characters for one condition, two for its class) decides.
struct SqlStateRule {
  std::string_view prefix;
  ErrorCode code;
  const char* message;
};

constexpr SqlStateRule kSqlStateRules[] = {
    {"40001", ErrorCode::kAborted, "PostgreSQL serialization failure: retry the transaction"},
    {"40P01", ErrorCode::kAborted, "PostgreSQL deadlock: retry the transaction"},
    {"55P03", ErrorCode::kAborted, "PostgreSQL lock not available"},
    {"23505", ErrorCode::kAlreadyExists, "unique constraint violated"},
    {"23503", ErrorCode::kFailedPrecondition, "foreign key constraint violated"},
    {"23514", ErrorCode::kFailedPrecondition, "check constraint violated"},
    {"23502", ErrorCode::kFailedPrecondition, "not-null constraint violated"},
    {"23", ErrorCode::kFailedPrecondition, "integrity constraint violated"},
    {"42P04", ErrorCode::kAlreadyExists, "the database exists already"},
    {"42", ErrorCode::kInvalidArgument, "SQL error (syntax, unknown name or type mismatch)"},
    {"22", ErrorCode::kInvalidArgument, "a value does not fit its type"},
    {"25006", ErrorCode::kInvalidArgument, "a write in a read-only transaction"},
    {"08", ErrorCode::kUnavailable, "the connection to PostgreSQL failed"},
    {"57P01", ErrorCode::kUnavailable, "PostgreSQL shut the session down"},
    {"57P02", ErrorCode::kUnavailable, "PostgreSQL shut the session down"},
    {"57P03", ErrorCode::kUnavailable, "PostgreSQL cannot take connections now"},
    {"53300", ErrorCode::kUnavailable, "PostgreSQL has too many connections"},
    {"53100", ErrorCode::kResourceExhausted, "PostgreSQL's disk is full"},
    {"53200", ErrorCode::kResourceExhausted, "PostgreSQL is out of memory"},
    {"57014", ErrorCode::kDeadlineExceeded, "PostgreSQL cancelled the statement"},
    {"XX001", ErrorCode::kDataLoss, "PostgreSQL found corrupted data"},
    {"XX002", ErrorCode::kDataLoss, "PostgreSQL found a corrupted index"},
};

const SqlStateRule* RuleFor(std::string_view sqlstate) noexcept {
  for (const SqlStateRule& rule : kSqlStateRules) {
    if (sqlstate.substr(0, rule.prefix.size()) == rule.prefix) return &rule;
  }
  return nullptr;
}

int64_t PackSqlState(std::string_view sqlstate) noexcept {
  int64_t packed = 0;
  for (size_t i = 0; i < 5; ++i) {
    const auto c = i < sqlstate.size() ? static_cast<unsigned char>(sqlstate[i]) : '0';
    packed = (packed << 8) | c;
  }
  return packed;
}

Error SqlStateError(std::string_view sqlstate) noexcept {
  const SqlStateRule* rule = RuleFor(sqlstate);
  if (rule == nullptr) {
    return Error(ErrorCode::kInternal, "PostgreSQL statement failed", ErrorDomain::kPostgres,
                 PackSqlState(sqlstate));
  }
  return Error(rule->code, rule->message, ErrorDomain::kPostgres, PackSqlState(sqlstate));
}

/// The error of a failed libpq call. Logs (at debug) the SQLSTATE and the
/// names of the constraint and table, never the message: PostgreSQL quotes
/// values (identifiers, serials) in its messages.
Error ResultError(PGconn* conn, const PGresult* result, const char* what) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string_view sqlstate = state != nullptr ? state : "";
  if (sqlstate.size() != 5) sqlstate = "";
  if (PQstatus(conn) == CONNECTION_BAD && (sqlstate.empty() || RuleFor(sqlstate) == nullptr ||
                                           RuleFor(sqlstate)->code != ErrorCode::kUnavailable)) {
    sqlstate = "08006";  // connection failure
  }
  if (sqlstate.empty()) sqlstate = "XX000";
  if (log::Enabled(log::Level::kDebug)) {
    std::string line = std::string(what) + ": SQLSTATE " + std::string(sqlstate);
    for (const auto& [field, name] :
         {std::pair{PG_DIAG_CONSTRAINT_NAME, " constraint "}, {PG_DIAG_TABLE_NAME, " table "}}) {
      const char* value = result != nullptr ? PQresultErrorField(result, field) : nullptr;
      if (value != nullptr) line += std::string(name) + value;
    }
    log::Write(log::Level::kDebug, kLogModule, line);
  }
  return SqlStateError(sqlstate);
}

/// The highest `$N` placeholder of a statement, outside string literals,
/// quoted identifiers, dollar-quoted strings and comments (0 if none).
size_t HighestPlaceholder(std::string_view sql) {
  size_t highest = 0;
  size_t i = 0;
  const auto is_word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           static_cast<unsigned char>(c) >= 0x80;
  };
  while (i < sql.size()) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {
      // '' and "" inside are escapes: the scan closes and reopens, same effect.
      const size_t end = sql.find(c, i + 1);
      i = end == std::string_view::npos ? sql.size() : end + 1;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      const size_t end = sql.find('\n', i);
      i = end == std::string_view::npos ? sql.size() : end + 1;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      const size_t end = sql.find("*/", i + 2);
      i = end == std::string_view::npos ? sql.size() : end + 2;
    } else if (c == '$' && (i == 0 || !is_word(sql[i - 1]))) {
      size_t j = i + 1;
      if (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') {
        size_t n = 0;
        while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') {
          n = n * 10 + static_cast<size_t>(sql[j] - '0');
          ++j;
        }
        highest = std::max(highest, n);
        i = j;
      } else {
        while (j < sql.size() && is_word(sql[j])) ++j;
        if (j < sql.size() && sql[j] == '$') {
          const std::string_view tag = sql.substr(i, j - i + 1);
          const size_t end = sql.find(tag, j + 1);
          i = end == std::string_view::npos ? sql.size() : end + tag.size();
        } else {
          i = j;
        }
      }
    } else {
      ++i;
    }
  }
  return highest;
}

/// A result column's text as a 64-bit integer: integers exactly, numeric by
/// its integer part, floating point truncated (as the SQLite backend does).
int64_t ParseInteger(const char* text, size_t size) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text, text + size, value);
  if (ec == std::errc() && (end == text + size || *end == '.')) return value;
  const double d = std::strtod(text, nullptr);
  if (!std::isfinite(d)) return 0;
  constexpr double kLimit = 9.2e18;
  return static_cast<int64_t>(std::clamp(d, -kLimit, kLimit));
}

SqlValue ColumnValue(const PGresult* result, int row, int column) {
  if (PQgetisnull(result, row, column) != 0) return SqlValue();
  const char* text = PQgetvalue(result, row, column);
  const auto size = static_cast<size_t>(PQgetlength(result, row, column));
  switch (PQftype(result, column)) {
    case kInt8Oid:
    case kInt4Oid:
    case kInt2Oid:
    case kOidOid:
    case kNumericOid:
    case kFloat4Oid:
    case kFloat8Oid: return SqlValue(ParseInteger(text, size));
    case kBoolOid: return SqlValue(int64_t{size > 0 && text[0] == 't' ? 1 : 0});
    case kByteaOid: {
      size_t length = 0;
      unsigned char* bytes = PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &length);
      if (bytes == nullptr) return SqlValue(Bytes());
      Bytes value(bytes, bytes + length);
      PQfreemem(bytes);
      return SqlValue(std::move(value));
    }
    default: return SqlValue(std::string(text, size));
  }
}

Oid ParameterType(const SqlValue& value) {
  if (value.is_int()) return kInt8Oid;
  if (value.is_text()) return kTextOid;
  if (value.is_bytes()) return kByteaOid;
  return 0;  // NULL: the server infers the type
}

char ParameterLetter(const SqlValue& value) {
  if (value.is_int()) return 'i';
  if (value.is_text()) return 't';
  if (value.is_bytes()) return 'b';
  return 'n';
}

/// Owns a PGresult.
struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

/// One libpq connection with its prepared-statement cache.
struct Connection {
  struct Prepared {
    std::string name;
  };

  PGconn* conn = nullptr;
  std::unordered_map<std::string, Prepared> statements;
  uint64_t next_statement = 0;

  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() { Close(); }

  void Close() {
    if (conn != nullptr) PQfinish(conn);
    conn = nullptr;
    statements.clear();
  }

  bool healthy() const { return conn != nullptr && PQstatus(conn) == CONNECTION_OK; }
  bool in_failed_transaction() const {
    return conn != nullptr && PQtransactionStatus(conn) == PQTRANS_INERROR;
  }
  bool idle() const { return conn != nullptr && PQtransactionStatus(conn) == PQTRANS_IDLE; }

  /// (Re)connects; the statement cache starts empty.
  Status Open(const PostgresStoreOptions& options, std::string_view dbname) {
    Close();
    const std::string port = options.port != 0 ? std::to_string(options.port) : "";
    const std::string timeout =
        std::to_string(std::max<int64_t>(options.connect_timeout.count(), 1));
    const std::string db(dbname);
    std::vector<const char*> keys;
    std::vector<const char*> values;
    const auto add = [&](const char* key, const std::string& value) {
      if (value.empty()) return;
      keys.push_back(key);
      values.push_back(value.c_str());
    };
    add("host", options.host);
    add("port", port);
    add("dbname", db);
    add("user", options.user);
    add("password", options.password);
    add("application_name", options.application_name);
    add("connect_timeout", timeout);
    keys.push_back("client_encoding");
    values.push_back("UTF8");
    keys.push_back(nullptr);
    values.push_back(nullptr);
    conn = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/0);
    if (conn == nullptr) return Fail(ErrorCode::kResourceExhausted, "libpq is out of memory");
    if (PQstatus(conn) != CONNECTION_OK) {
      if (log::Enabled(log::Level::kDebug)) {
        log::Write(log::Level::kDebug, kLogModule, std::string("connect: ") + PQerrorMessage(conn));
      }
      Close();
      return Fail(ErrorCode::kUnavailable, "cannot connect to PostgreSQL", ErrorDomain::kPostgres,
                  PackSqlState("08001"));
    }
    // Notices (e.g. "relation exists, skipping") would go to stderr.
    PQsetNoticeProcessor(
        conn, [](void*, const char*) {}, nullptr);
    return Ok();
  }

  /// Runs SQL without parameters through the simple query protocol (several
  /// statements allowed).
  Status Exec(const std::string& sql, const char* what, std::string_view expected_tag = {}) {
    if (conn == nullptr) return Fail(SqlStateError("08003"));
    ResultPtr result(PQexec(conn, sql.c_str()));
    const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
      return Fail(ResultError(conn, result.get(), what));
    }
    if (!expected_tag.empty() && std::string_view(PQcmdStatus(result.get())) != expected_tag) {
      return Fail(ErrorCode::kAborted, "PostgreSQL rolled the transaction back",
                  ErrorDomain::kPostgres, PackSqlState("40000"));
    }
    return Ok();
  }

  Result<const Prepared*> Prepare(std::string_view sql, SqlParams params) {
    std::string key;
    key.reserve(sql.size() + 1 + params.size());
    key.append(sql);
    key.push_back('\0');
    for (const SqlValue& value : params) key.push_back(ParameterLetter(value));
    if (auto it = statements.find(key); it != statements.end()) return &it->second;

    // PostgreSQL accepts typed parameters the SQL never uses: count them here,
    // as SQLite does, so a wrong count is an error on both.
    if (HighestPlaceholder(sql) != params.size()) {
      return Fail(ErrorCode::kInvalidArgument, "parameter count differs from the statement");
    }
    std::vector<Oid> types;
    types.reserve(params.size());
    for (const SqlValue& value : params) types.push_back(ParameterType(value));
    std::string name = "mykey_" + std::to_string(next_statement++);
    const std::string text(sql);
    ResultPtr result(
        PQprepare(conn, name.c_str(), text.c_str(), static_cast<int>(types.size()), types.data()));
    if (!result || PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
      return Fail(ResultError(conn, result.get(), "prepare"));
    }
    auto [it, inserted] = statements.emplace(std::move(key), Prepared{std::move(name)});
    return &it->second;
  }

  /// Binds `$1`..`$n` (binary: int8 big-endian, text, bytea), runs a
  /// prepared statement, collects rows (text results, converted by type).
  Status Run(std::string_view sql, SqlParams params, std::vector<Row>* rows, int64_t* changes) {
    if (!healthy()) return Fail(SqlStateError("08003"));
    MYKEY_ASSIGN_OR_RETURN(const Prepared* prepared, Prepare(sql, params));
    const size_t n = params.size();
    std::vector<const char*> values(n, nullptr);
    std::vector<int> lengths(n, 0);
    std::vector<int> formats(n, 1);
    std::vector<std::array<char, 8>> integers(n);
    static constexpr char kEmpty[1] = {};
    for (size_t i = 0; i < n; ++i) {
      const SqlValue& value = params[i];
      if (value.is_int()) {
        auto v = static_cast<uint64_t>(value.AsInt());
        for (int b = 7; b >= 0; --b) {
          integers[i][static_cast<size_t>(b)] = static_cast<char>(v & 0xFF);
          v >>= 8;
        }
        values[i] = integers[i].data();
        lengths[i] = 8;
      } else if (value.is_text()) {
        const std::string& text = value.AsText();
        values[i] = text.empty() ? kEmpty : text.data();
        lengths[i] = static_cast<int>(text.size());
      } else if (value.is_bytes()) {
        const Bytes& bytes = value.AsBytes();
        values[i] = bytes.empty() ? kEmpty : reinterpret_cast<const char*>(bytes.data());
        lengths[i] = static_cast<int>(bytes.size());
      }
    }
    ResultPtr result(PQexecPrepared(conn, prepared->name.c_str(), static_cast<int>(n),
                                    values.data(), lengths.data(), formats.data(),
                                    /*resultFormat=*/0));
    const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return Fail(ResultError(conn, result.get(), "statement"));
    }
    if (changes != nullptr) {
      const char* tuples = PQcmdTuples(result.get());
      *changes = tuples[0] != '\0' ? ParseInteger(tuples, std::strlen(tuples)) : 0;
    }
    if (rows != nullptr && status == PGRES_TUPLES_OK) {
      const int row_count = PQntuples(result.get());
      const int columns = PQnfields(result.get());
      rows->reserve(static_cast<size_t>(row_count));
      for (int r = 0; r < row_count; ++r) {
        std::vector<SqlValue> row;
        row.reserve(static_cast<size_t>(columns));
        for (int c = 0; c < columns; ++c) row.push_back(ColumnValue(result.get(), r, c));
        rows->emplace_back(std::move(row));
      }
    }
    return Ok();
  }
};

bool ValidDatabaseName(std::string_view name) {
  if (name.empty() || name.size() > 63 || name[0] < 'a' || name[0] > 'z') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

Status AdminExec(const PostgresStoreOptions& server, const std::string& sql) {
  Connection connection;
  MYKEY_TRY(connection.Open(server, server.dbname.empty() ? "postgres" : server.dbname));
  return connection.Exec(sql, "admin");
}

}  // namespace

namespace internal {
struct PostgresConnectionPool {
  PostgresStoreOptions options;
  mutable std::mutex mu;
  std::condition_variable cv;
  std::vector<std::unique_ptr<Connection>> all;
  std::vector<Connection*> free;
  unsigned opened = 0;  // connections open or being opened

  Result<Connection*> Acquire() {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return !free.empty() || opened < options.connections; });
    if (!free.empty()) {
      Connection* c = free.back();
      free.pop_back();
      return c;
    }
    ++opened;
    lock.unlock();
    auto connection = std::make_unique<Connection>();
    Status status = connection->Open(options, options.dbname);
    lock.lock();
    if (!status) {
      --opened;
      lock.unlock();
      cv.notify_one();
      return Fail(status.error());
    }
    Connection* c = connection.get();
    all.push_back(std::move(connection));
    return c;
  }

  void Release(Connection* c) {
    // A connection left inside a transaction (a failed ROLLBACK) is closed;
    // the next transaction on it reconnects.
    if (!c->idle()) c->Close();
    {
      std::lock_guard lock(mu);
      free.push_back(c);
    }
    cv.notify_one();
  }
};
}  // namespace internal

using Pool = internal::PostgresConnectionPool;

namespace {

/// Whether a statement of this thread's current transaction attempt failed
/// on a UNIQUE constraint (see PostgresStore::DoAttempt()). Transactions do
/// not nest, so one flag per thread is enough.
thread_local bool t_unique_violation = false;

/// A transaction on a leased connection; the lease ends with the object
/// (rolling back if neither committed nor rolled back).
class PostgresTransaction final : public Transaction {
 public:
  PostgresTransaction(Pool& pool, Connection& connection) : pool_(pool), connection_(connection) {}
  ~PostgresTransaction() override {
    if (open_) Rollback();
    pool_.Release(&connection_);
  }

  Connection& connection() { return connection_; }

  Status Begin(TransactionMode mode) {
    MYKEY_TRY(connection_.Exec(mode == TransactionMode::kReadWrite
                                   ? "BEGIN ISOLATION LEVEL REPEATABLE READ, READ WRITE"
                                   : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
                               "begin"));
    open_ = true;
    return Ok();
  }

  Status Commit() {
    if (failed_) {
      Rollback();
      return Fail(failed_->code(), "a statement of this transaction failed: it cannot commit",
                  ErrorDomain::kPostgres, failed_->detail());
    }
    // A COMMIT of a transaction PostgreSQL aborted answers ROLLBACK.
    Status status = connection_.Exec("COMMIT", "commit", "COMMIT");
    open_ = false;
    if (!status && !connection_.idle()) Rollback();
    return status;
  }

  void Rollback() {
    if (connection_.healthy() && !connection_.idle()) {
      (void)connection_.Exec("ROLLBACK", "rollback");
    }
    open_ = false;
  }

 private:
  /// PostgreSQL aborts the transaction at the first failed statement; later
  /// statements fail here with that error's code (a swallowed kAborted still
  /// retries) instead of the server's "current transaction is aborted".
  Status Guarded(std::string_view sql, SqlParams params, std::vector<Row>* rows, int64_t* changes) {
    if (failed_) {
      return Fail(failed_->code(),
                  "an earlier statement of this transaction failed (PostgreSQL aborted it)",
                  ErrorDomain::kPostgres, PackSqlState("25P02"));
    }
    Status status = connection_.Run(sql, params, rows, changes);
    if (!status && (connection_.in_failed_transaction() || !connection_.healthy())) {
      failed_ = status.error();
      if (PostgresSqlState(status.error()) == "23505") t_unique_violation = true;
    }
    return status;
  }

  Result<int64_t> DoExecute(std::string_view sql, SqlParams params) override {
    int64_t changes = 0;
    MYKEY_TRY(Guarded(sql, params, nullptr, &changes));
    return changes;
  }
  Result<std::vector<Row>> DoQuery(std::string_view sql, SqlParams params) override {
    std::vector<Row> rows;
    MYKEY_TRY(Guarded(sql, params, &rows, nullptr));
    return rows;
  }
  Status DoExecuteScript(std::string_view sql) override {
    if (failed_) return Guarded(sql, {}, nullptr, nullptr);
    Status status = connection_.Exec(std::string(sql), "script");
    if (!status) failed_ = status.error();
    return status;
  }
  SqlDialect DoDialect() const override { return SqlDialect::kPostgres; }

  Pool& pool_;
  Connection& connection_;
  bool open_ = false;
  std::optional<Error> failed_;
};

}  // namespace

ErrorCode PostgresErrorCode(std::string_view sqlstate) noexcept {
  const SqlStateRule* rule = RuleFor(sqlstate);
  return rule != nullptr ? rule->code : ErrorCode::kInternal;
}

std::string PostgresSqlState(const Error& error) {
  if (error.domain() != ErrorDomain::kPostgres) return "";
  std::string state(5, '0');
  for (size_t i = 0; i < 5; ++i) {
    state[i] = static_cast<char>((error.detail() >> (8 * (4 - i))) & 0xFF);
  }
  return state;
}

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(const PostgresStoreOptions& options) {
  if (options.connections == 0) {
    return Fail(ErrorCode::kInvalidArgument, "a store needs at least one connection");
  }
  auto pool = std::make_unique<Pool>();
  pool->options = options;
  auto first = std::make_unique<Connection>();
  MYKEY_TRY(first->Open(options, options.dbname));
  pool->free.push_back(first.get());
  pool->all.push_back(std::move(first));
  pool->opened = 1;
  return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(pool)));
}

PostgresStore::PostgresStore(std::unique_ptr<Pool> pool) : pool_(std::move(pool)) {}

PostgresStore::~PostgresStore() = default;

const PostgresStoreOptions& PostgresStore::options() const {
  return pool_->options;
}

unsigned PostgresStore::open_connections() const {
  std::lock_guard lock(pool_->mu);
  return pool_->opened;
}

Store::Attempt PostgresStore::DoAttempt(TransactionMode mode, const TransactionFunction& fn) {
  t_unique_violation = false;
  Attempt attempt = RunAttempt(mode, fn);
  if (attempt.committed || !t_unique_violation) return attempt;
  // Under REPEATABLE READ a key that a concurrent transaction inserted (and
  // committed while this one waited on it) is a unique violation, where
  // SERIALIZABLE answered a serialization failure after a check that did not
  // see the row. One more attempt, with a snapshot that sees it, answers as
  // running after that transaction would (the check finds the row); a real
  // duplicate fails again the same way.
  t_unique_violation = false;
  return RunAttempt(mode, fn);
}

Result<std::unique_ptr<Transaction>> PostgresStore::DoBegin(TransactionMode mode) {
  MYKEY_ASSIGN_OR_RETURN(Connection * connection, pool_->Acquire());
  auto transaction = std::make_unique<PostgresTransaction>(*pool_, *connection);
  if (!connection->healthy()) MYKEY_TRY(connection->Open(pool_->options, pool_->options.dbname));
  Status status = transaction->Begin(mode);
  if (!status && !connection->healthy()) {
    // The server dropped this idle connection (restart, terminated backend):
    // nothing has happened yet, so reconnect and begin again.
    MYKEY_TRY(connection->Open(pool_->options, pool_->options.dbname));
    status = transaction->Begin(mode);
  }
  MYKEY_TRY(status);
  return std::unique_ptr<Transaction>(std::move(transaction));
}

Status PostgresStore::DoCommit(Transaction& transaction) {
  return static_cast<PostgresTransaction&>(transaction).Commit();
}

void PostgresStore::DoRollback(Transaction& transaction) {
  static_cast<PostgresTransaction&>(transaction).Rollback();
}

Status PostgresStore::DoBackupTo(const std::string&) {
  return Fail(ErrorCode::kUnimplemented, "back PostgreSQL up with pg_dump or pg_basebackup");
}

Status CreatePostgresDatabase(const PostgresStoreOptions& server, std::string_view name) {
  if (!ValidDatabaseName(name)) return Fail(ErrorCode::kInvalidArgument, "bad database name");
  return AdminExec(server, "CREATE DATABASE \"" + std::string(name) + "\"");
}

Status DropPostgresDatabase(const PostgresStoreOptions& server, std::string_view name) {
  if (!ValidDatabaseName(name)) return Fail(ErrorCode::kInvalidArgument, "bad database name");
  return AdminExec(server, "DROP DATABASE IF EXISTS \"" + std::string(name) + "\" WITH (FORCE)");
}

}  // namespace mykey::cloud
