// PostgresStore against a real server (the "postgres" CTest fixture): what is
// specific to PostgreSQL. What every backend does is in
// tests/contract/store_contract_test.cc.
#include <atomic>
#include <thread>
#include <vector>

#include "mykey/postgres_store/postgres_store.h"
#include "mykey/store_testing/scratch_store.h"
#include "mykey/testing/catch.h"

namespace mykey::cloud {
namespace {

using testing::ScratchStore;

std::unique_ptr<ScratchStore> Fresh(unsigned connections = 4) {
  auto scratch = testing::MakePostgresStore(connections);
  if (!scratch) FAIL(scratch.error().ToString());
  return std::move(*scratch);
}

Status Exec(Store& store, std::string_view sql, std::initializer_list<SqlValue> params = {}) {
  return store.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
    MYKEY_TRY(tx.Execute(sql, params));
    return Ok();
  });
}

Result<Row> One(Store& store, std::string_view sql, std::initializer_list<SqlValue> params = {}) {
  std::optional<Row> row;
  const Status status =
      store.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
        MYKEY_ASSIGN_OR_RETURN(row, tx.QueryRow(sql, params));
        return Ok();
      });
  if (!status) return Fail(status.error());
  if (!row) return Fail(ErrorCode::kNotFound, "no row");
  return std::move(*row);
}

TEST_CASE("Transactions run repeatable read, read-only ones refuse writes") {
  auto scratch = Fresh();
  Store& store = scratch->store();
  CHECK(store.backend_name() == "postgres");
  REQUIRE(Exec(store, "CREATE TABLE t (x BIGINT)"));
  REQUIRE(store.WithTransaction(TransactionMode::kReadWrite, [](Transaction& tx) -> Status {
    MYKEY_ASSIGN_OR_RETURN(auto level, tx.QueryRow("SHOW transaction_isolation"));
    CHECK(level->Text(0) == "repeatable read");
    MYKEY_ASSIGN_OR_RETURN(auto read_only, tx.QueryRow("SHOW transaction_read_only"));
    CHECK(read_only->Text(0) == "off");
    return Ok();
  }));
  const Status write =
      store.WithTransaction(TransactionMode::kReadOnly, [](Transaction& tx) -> Status {
        MYKEY_ASSIGN_OR_RETURN(auto level, tx.QueryRow("SHOW transaction_isolation"));
        CHECK(level->Text(0) == "repeatable read");
        MYKEY_TRY(tx.Execute("INSERT INTO t (x) VALUES ($1)", {1}));
        return Ok();
      });
  REQUIRE_FALSE(write);
  CHECK(write.error().code() == ErrorCode::kInvalidArgument);
  CHECK(PostgresSqlState(write.error()) == "25006");
}

TEST_CASE("Errors keep their SQLSTATE") {
  auto scratch = Fresh();
  Store& store = scratch->store();
  REQUIRE(Exec(store, "CREATE TABLE t (x BIGINT PRIMARY KEY CHECK (x > 0))"));
  REQUIRE(Exec(store, "INSERT INTO t (x) VALUES ($1)", {1}));
  const Status duplicate = Exec(store, "INSERT INTO t (x) VALUES ($1)", {1});
  CHECK(PostgresSqlState(duplicate.error()) == "23505");
  CHECK(duplicate.error().domain() == ErrorDomain::kPostgres);
  CHECK(PostgresSqlState(Exec(store, "INSERT INTO t (x) VALUES ($1)", {-1}).error()) == "23514");
  CHECK(PostgresSqlState(Exec(store, "SELEC 1").error()) == "42601");
  CHECK(PostgresSqlState(Exec(store, "SELECT * FROM nowhere").error()) == "42P01");
}

TEST_CASE("A failed statement poisons the rest of its transaction with its own error") {
  auto scratch = Fresh();
  Store& store = scratch->store();
  REQUIRE(Exec(store, "CREATE TABLE t (x BIGINT PRIMARY KEY)"));
  REQUIRE(Exec(store, "INSERT INTO t (x) VALUES (1)"));
  int calls = 0;
  const Status status =
      store.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
        ++calls;
        MYKEY_TRY(tx.Execute("INSERT INTO t (x) VALUES (2)"));
        auto duplicate = tx.Execute("INSERT INTO t (x) VALUES (1)");
        CHECK(duplicate.error().code() == ErrorCode::kAlreadyExists);
        auto after = tx.Query("SELECT x FROM t");
        REQUIRE_FALSE(after);
        CHECK(after.error().code() == ErrorCode::kAlreadyExists);
        CHECK(PostgresSqlState(after.error()) == "25P02");
        return Ok();  // swallowed: the commit must still refuse
      });
  REQUIRE_FALSE(status);
  CHECK(status.error().code() == ErrorCode::kAlreadyExists);
  // A unique violation is tried once more (it may be a concurrent insert the
  // snapshot did not show); a real duplicate fails the same way again.
  CHECK(calls == 2);
  CHECK(One(store, "SELECT count(*) FROM t")->Int(0) == 1);
}

TEST_CASE("A serialization failure between two transactions is retried and both apply") {
  auto scratch = Fresh();
  Store& store = scratch->store();
  REQUIRE(Exec(store, "CREATE TABLE counter (n BIGINT NOT NULL)"));
  REQUIRE(Exec(store, "INSERT INTO counter (n) VALUES (0)"));
  int attempts = 0;
  // The outer transaction reads, then another transaction (another pool
  // connection) updates the row and commits, then the outer one writes: under
  // SERIALIZABLE its first attempt must fail (40001) and be retried.
  const Status status =
      store.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
        ++attempts;
        MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow("SELECT n FROM counter"));
        if (attempts == 1) {
          REQUIRE(Exec(store, "UPDATE counter SET n = n + 1"));
        }
        MYKEY_TRY(tx.Execute("UPDATE counter SET n = $1", {row->Int(0) + 1}));
        return Ok();
      });
  REQUIRE(status);
  CHECK(attempts == 2);
  CHECK(store.stats().retries == 1);
  CHECK(One(store, "SELECT n FROM counter")->Int(0) == 2);
}

TEST_CASE("A check-then-insert that raced a concurrent insert runs again and finds the row") {
  auto scratch = Fresh();
  Store& store = scratch->store();
  REQUIRE(Exec(store, "CREATE TABLE ids (card TEXT PRIMARY KEY, id TEXT NOT NULL)"));
  int attempts = 0;
  std::string answer;
  // The outer transaction checks that the card has no id, then another
  // transaction gives it one and commits, then the outer one inserts: the
  // unique violation runs the outer transaction again, whose check now finds
  // the other's id (as SERIALIZABLE's 40001 and retry did).
  const Status status =
      store.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
        ++attempts;
        MYKEY_ASSIGN_OR_RETURN(auto found, tx.QueryRow("SELECT id FROM ids WHERE card = 'c1'"));
        if (found) {
          answer = found->Text(0);
          return Ok();
        }
        if (attempts == 1)
          REQUIRE(Exec(store, "INSERT INTO ids (card, id) VALUES ('c1', 'other')"));
        MYKEY_TRY(tx.Execute("INSERT INTO ids (card, id) VALUES ('c1', 'mine')"));
        answer = "mine";
        return Ok();
      });
  REQUIRE(status);
  CHECK(attempts == 2);
  CHECK(answer == "other");
  CHECK(One(store, "SELECT id FROM ids WHERE card = 'c1'")->Text(0) == "other");
}

TEST_CASE("Two transactions locking the same row run one after the other") {
  auto scratch = Fresh();
  Store& store = scratch->store();
  REQUIRE(Exec(store, "CREATE TABLE account (id BIGINT PRIMARY KEY, balance BIGINT NOT NULL)"));
  REQUIRE(Exec(store, "INSERT INTO account (id, balance) VALUES (1, 10)"));
  // Each reads the balance under FOR UPDATE and spends 7 if it can: one
  // spends, the other (retried after the first commits) sees 3 and refuses.
  std::atomic<int> spent{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      bool did = false;
      const Status status =
          store.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
            did = false;
            MYKEY_ASSIGN_OR_RETURN(
                auto row, tx.QueryRow("SELECT balance FROM account WHERE id = 1 FOR UPDATE"));
            if (row->Int(0) < 7) return Ok();
            MYKEY_TRY(tx.Execute("UPDATE account SET balance = balance - 7 WHERE id = 1"));
            did = true;
            return Ok();
          });
      if (status && did) ++spent;
      if (status && !did) ++refused;
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(spent == 1);
  CHECK(refused == 1);
  CHECK(One(store, "SELECT balance FROM account WHERE id = 1")->Int(0) == 3);
}

TEST_CASE("A connection the server dropped is reopened by the next transaction") {
  auto scratch = Fresh(/*connections=*/1);
  Store& store = scratch->store();
  auto pid = One(store, "SELECT pg_backend_pid()");
  REQUIRE(pid);
  auto admin = scratch->OpenAgain(1);
  REQUIRE(admin);
  // Waits (up to 10 s) until the backend is gone.
  auto terminated =
      One(**admin, "SELECT pg_terminate_backend(CAST($1 AS integer), 10000)", {pid->Int(0)});
  REQUIRE(terminated);
  REQUIRE(terminated->Int(0) == 1);
  auto again = One(store, "SELECT pg_backend_pid()");
  REQUIRE(again);
  CHECK(again->Int(0) != pid->Int(0));
  CHECK(store.Check());
}

TEST_CASE("The pool opens connections on demand, up to its size") {
  auto scratch = Fresh(/*connections=*/3);
  auto& store = static_cast<PostgresStore&>(scratch->store());
  CHECK(store.open_connections() == 1);
  CHECK(store.Check());
  CHECK(store.open_connections() == 1);
  std::atomic<int> inside{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  // Eight transactions at once on three connections: each waits for a free one.
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      const Status s =
          store.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
            const int now = ++inside;
            if (now > 3) ++failures;
            MYKEY_TRY(tx.Query("SELECT pg_sleep(0.02)"));
            --inside;
            return Ok();
          });
      if (!s) ++failures;
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures == 0);
  CHECK(store.open_connections() <= 3);
  CHECK(store.open_connections() >= 2);
}

TEST_CASE("The store connects over TCP as well as the Unix socket") {
  auto scratch = Fresh();
  auto tcp = testing::TestPostgresServer(/*tcp=*/true);
  REQUIRE(tcp);
  CHECK(tcp->host == "127.0.0.1");
  tcp->dbname = scratch->where();
  auto store = PostgresStore::Open(*tcp);
  REQUIRE(store);
  auto row = One(**store, "SELECT inet_server_addr() IS NOT NULL");
  REQUIRE(row);
  CHECK(row->Int(0) == 1);
}

TEST_CASE("Creating a database twice, or opening a missing one, fails with its code") {
  auto server = testing::TestPostgresServer();
  REQUIRE(server);
  const std::string name = "t_create_twice";
  (void)DropPostgresDatabase(*server, name);
  REQUIRE(CreatePostgresDatabase(*server, name));
  CHECK(CreatePostgresDatabase(*server, name).error().code() == ErrorCode::kAlreadyExists);
  REQUIRE(DropPostgresDatabase(*server, name));
  REQUIRE(DropPostgresDatabase(*server, name));  // IF EXISTS
  PostgresStoreOptions missing = *server;
  missing.dbname = name;
  CHECK(PostgresStore::Open(missing).error().code() == ErrorCode::kUnavailable);
}

TEST_CASE("PostgreSQL-typed results read as the store's values") {
  auto scratch = Fresh();
  Store& store = scratch->store();
  REQUIRE(Exec(store, "CREATE TABLE t (n BIGINT, b BOOLEAN, s SMALLINT)"));
  REQUIRE(Exec(store, "INSERT INTO t VALUES (9000000000000000000, true, 7), (5, false, 1)"));
  auto row = One(store, "SELECT SUM(n), bool_and(b), bool_or(b), SUM(s), AVG(s) FROM t");
  REQUIRE(row);
  CHECK(row->Int(0) == 9000000000000000005);  // numeric, exactly
  CHECK(row->Int(1) == 0);
  CHECK(row->Int(2) == 1);
  CHECK(row->Int(3) == 8);
  CHECK(row->Int(4) == 4);  // numeric 4.0000, by its integer part
  auto text = One(store, "SELECT 'x'::varchar, now() IS NOT NULL, $1::text", {"ü"});
  REQUIRE(text);
  CHECK(text->Text(0) == "x");
  CHECK(text->Text(2) == "ü");
}

TEST_CASE("Text with a NUL byte is refused rather than cut short") {
  auto scratch = Fresh();
  Store& store = scratch->store();
  REQUIRE(Exec(store, "CREATE TABLE t (s TEXT)"));
  const Status s = Exec(store, "INSERT INTO t (s) VALUES ($1)", {std::string("a\0b", 3)});
  REQUIRE_FALSE(s);
  CHECK(s.error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("Placeholders in literals, quoted names and comments are not parameters") {
  auto scratch = Fresh();
  Store& store = scratch->store();
  auto row = One(store,
                 "SELECT '$2' || $1, \"$3\" FROM (SELECT 1 AS \"$3\") q -- $4\n"
                 " /* $5 */ WHERE $$ $6 $$ <> ''",
                 {"x"});
  REQUIRE(row);
  CHECK(row->Text(0) == "$2x");
  CHECK(row->Int(1) == 1);
  // The same SQL with other parameter types is another prepared statement.
  auto typed = One(store, "SELECT $1", {42});
  REQUIRE(typed);
  CHECK(typed->Int(0) == 42);
  auto text = One(store, "SELECT $1", {"42"});
  REQUIRE(text);
  CHECK(text->Text(0) == "42");
  auto null = One(store, "SELECT $1", {std::nullopt});
  REQUIRE(null);
  CHECK(null->IsNull(0));
}

}  // namespace
}  // namespace mykey::cloud
