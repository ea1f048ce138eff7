// The Store contract: one suite, run against every backend (SQLite in a
// temporary directory; PostgreSQL in a fresh database on the fixture's server).
// A new backend adds a type to the TEMPLATE_TEST_CASE lists and passes this.
#include <array>
#include <atomic>
#include <limits>
#include <thread>
#include <vector>

#include "mykey/store/migrations.h"
#include "mykey/store/store.h"
#include "mykey/store_testing/scratch_store.h"
#include "mykey/testing/catch.h"

namespace mykey::cloud {
namespace {

using testing::PostgresBackend;
using testing::ScratchStore;
using testing::SqliteBackend;

template <typename Backend>
std::unique_ptr<ScratchStore> Fresh(unsigned connections = 4) {
  auto scratch = Backend::Make(connections);
  if (!scratch) FAIL(std::string(Backend::kName) + ": " + scratch.error().ToString());
  return std::move(*scratch);
}

Status Exec(Store& store, std::string_view sql, std::initializer_list<SqlValue> params = {}) {
  return store.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
    MYKEY_TRY(tx.Execute(sql, params));
    return Ok();
  });
}

Status Script(Store& store, std::string_view sql) {
  return store.WithTransaction(TransactionMode::kReadWrite,
                               [&](Transaction& tx) { return tx.ExecuteScript(sql); });
}

std::vector<Row> Rows(Store& store, std::string_view sql,
                      std::initializer_list<SqlValue> params = {}) {
  std::vector<Row> rows;
  const Status status =
      store.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
        MYKEY_ASSIGN_OR_RETURN(rows, tx.Query(sql, params));
        return Ok();
      });
  if (!status) FAIL(status.error().ToString());
  return rows;
}

int64_t Count(Store& store, std::string_view table) {
  const auto rows = Rows(store, "SELECT count(*) FROM " + std::string(table));
  REQUIRE(rows.size() == 1);
  return rows[0].Int(0);
}

constexpr std::string_view kItems =
    "CREATE TABLE items (id {{id}}, name {{text}} NOT NULL UNIQUE, n {{int}},"
    " data {{blob}}, CHECK (n IS NULL OR n <> 13)){{strict}};"
    "CREATE TABLE refs (item_id {{int}} NOT NULL REFERENCES items (id)){{strict}}";

#define STORE_TEST(name) TEMPLATE_TEST_CASE(name, "[store]", SqliteBackend, PostgresBackend)

STORE_TEST("A fresh store answers and names its backend") {
  auto scratch = Fresh<TestType>();
  CHECK(scratch->store().backend_name() == TestType::kName);
  CHECK(scratch->store().Check());
  CHECK_FALSE(scratch->store().BackupTo("/nonexistent/dir/backup"));
}

STORE_TEST("Values of every type round-trip through $N parameters") {
  auto scratch = Fresh<TestType>();
  Store& store = scratch->store();
  REQUIRE(Script(store, kItems));
  const Bytes binary = {0x00, 0xFF, 0x00, 0x5C, 0x78, 0x27, 0x00};
  const std::string text = "千代田区 'quoted' \\x00 $1";
  REQUIRE(store.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
    MYKEY_ASSIGN_OR_RETURN(int64_t changed,
                           tx.Execute("INSERT INTO items (name, n, data) VALUES ($1, $2, $3)",
                                      {text, std::numeric_limits<int64_t>::max(), binary}));
    CHECK(changed == 1);
    MYKEY_TRY(tx.Execute("INSERT INTO items (name, n, data) VALUES ($1, $2, $3)",
                         {"min", std::numeric_limits<int64_t>::min(), Bytes{}}));
    MYKEY_TRY(tx.Execute("INSERT INTO items (name, n, data) VALUES ($1, $2, $3)",
                         {"", std::nullopt, std::nullopt}));
    return Ok();
  }));
  const auto rows = Rows(store, "SELECT name, n, data FROM items WHERE name = $1", {text});
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].Text(0) == text);
  CHECK(rows[0].Int(1) == std::numeric_limits<int64_t>::max());
  CHECK(rows[0].Blob(2) == binary);
  const auto min = Rows(store, "SELECT n, data FROM items WHERE name = $1", {"min"});
  REQUIRE(min.size() == 1);
  CHECK(min[0].Int(0) == std::numeric_limits<int64_t>::min());
  CHECK(min[0].at(1).is_bytes());
  CHECK(min[0].Blob(1).empty());
  const auto nulls = Rows(store, "SELECT n, data, name FROM items WHERE name = $1", {""});
  REQUIRE(nulls.size() == 1);
  CHECK(nulls[0].IsNull(0));
  CHECK(nulls[0].IsNull(1));
  CHECK(nulls[0].OptionalText(2) == std::optional<std::string>(""));
  // $1 used twice binds once; an integer parameter compares with an integer column.
  CHECK(Rows(store, "SELECT name FROM items WHERE name = $1 OR name || 'x' = $1 || 'x'", {"min"})
            .size() == 1);
  CHECK(Rows(store, "SELECT name FROM items WHERE n > $1", {0}).size() == 1);
}

STORE_TEST("Auto-assigned ids come back from RETURNING and aggregates read as integers") {
  auto scratch = Fresh<TestType>();
  Store& store = scratch->store();
  REQUIRE(Script(store, kItems));
  std::vector<int64_t> ids;
  REQUIRE(store.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
    ids.clear();
    for (const char* name : {"a", "b", "c"}) {
      MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow("INSERT INTO items (name, n) VALUES ($1, $2)"
                                                   " RETURNING id",
                                                   {name, 5}));
      ids.push_back(row->Int(0));
    }
    return Ok();
  }));
  REQUIRE(ids.size() == 3);
  CHECK(ids[0] > 0);
  CHECK(ids[1] > ids[0]);
  CHECK(ids[2] > ids[1]);
  const auto sums = Rows(store, "SELECT SUM(n), COUNT(*), MAX(id), MIN(name) FROM items");
  REQUIRE(sums.size() == 1);
  CHECK(sums[0].Int(0) == 15);
  CHECK(sums[0].Int(1) == 3);
  CHECK(sums[0].Int(2) == ids[2]);
  CHECK(sums[0].Text(3) == "a");
}

STORE_TEST("INSERT ... ON CONFLICT DO NOTHING reports no change for a duplicate") {
  auto scratch = Fresh<TestType>();
  Store& store = scratch->store();
  REQUIRE(Script(store, kItems));
  for (int64_t expected : {1, 0}) {
    REQUIRE(store.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
      MYKEY_ASSIGN_OR_RETURN(
          int64_t changed,
          tx.Execute("INSERT INTO items (name) VALUES ($1) ON CONFLICT (name) DO NOTHING", {"k"}));
      CHECK(changed == expected);
      return Ok();
    }));
  }
  CHECK(Count(store, "items") == 1);
}

STORE_TEST("Constraint and SQL errors map to the same codes on every backend") {
  auto scratch = Fresh<TestType>();
  Store& store = scratch->store();
  REQUIRE(Script(store, kItems));
  REQUIRE(Exec(store, "INSERT INTO items (name) VALUES ($1)", {"dup"}));
  const auto code = [&](std::string_view sql, std::initializer_list<SqlValue> params) {
    const Status s = Exec(store, sql, params);
    return s ? std::optional<ErrorCode>() : std::optional<ErrorCode>(s.error().code());
  };
  CHECK(code("INSERT INTO items (name) VALUES ($1)", {"dup"}) == ErrorCode::kAlreadyExists);
  CHECK(code("INSERT INTO refs (item_id) VALUES ($1)", {999}) == ErrorCode::kFailedPrecondition);
  CHECK(code("INSERT INTO items (name, n) VALUES ($1, $2)", {"x", 13}) ==
        ErrorCode::kFailedPrecondition);
  CHECK(code("INSERT INTO items (name) VALUES ($1)", {std::nullopt}) ==
        ErrorCode::kFailedPrecondition);
  CHECK(code("INSERT INTO nowhere VALUES ($1)", {1}) == ErrorCode::kInvalidArgument);
  CHECK(code("INSERT INTO items (name) VALUS ($1)", {"y"}) == ErrorCode::kInvalidArgument);
  CHECK(code("INSERT INTO items (name) VALUES ($1)", {"a", "b"}) == ErrorCode::kInvalidArgument);
  CHECK(code("INSERT INTO items (name, n) VALUES ($1, $2)", {"a"}) == ErrorCode::kInvalidArgument);
  CHECK(code("DELETE FROM refs; DELETE FROM items", {}) == ErrorCode::kInvalidArgument);
  CHECK(Count(store, "items") == 1);
  // Every one of those was a transaction that failed with a store error.
  CHECK(store.stats().errors == 9);
  CHECK(store.stats().retries == 0);
}

STORE_TEST("A transaction that fails leaves nothing behind") {
  auto scratch = Fresh<TestType>();
  Store& store = scratch->store();
  REQUIRE(Script(store, kItems));
  SECTION("when the function returns an error") {
    const Status s =
        store.WithTransaction(TransactionMode::kReadWrite, [](Transaction& tx) -> Status {
          MYKEY_TRY(tx.Execute("INSERT INTO items (name) VALUES ($1)", {"gone"}));
          return Fail(ErrorCode::kFailedPrecondition, "changed my mind");
        });
    REQUIRE_FALSE(s);
    CHECK(s.error().code() == ErrorCode::kFailedPrecondition);
    CHECK(store.stats().errors == 0);  // not a store error
  }
  SECTION("when a later statement fails") {
    const Status s =
        store.WithTransaction(TransactionMode::kReadWrite, [](Transaction& tx) -> Status {
          MYKEY_TRY(tx.Execute("INSERT INTO items (name) VALUES ($1)", {"gone"}));
          MYKEY_TRY(tx.Execute("INSERT INTO items (name) VALUES ($1)", {"gone"}));
          return Ok();
        });
    REQUIRE_FALSE(s);
    CHECK(s.error().code() == ErrorCode::kAlreadyExists);
    CHECK(store.stats().errors == 1);
  }
  SECTION("with DDL in it") {
    const Status s =
        store.WithTransaction(TransactionMode::kReadWrite, [](Transaction& tx) -> Status {
          MYKEY_TRY(tx.ExecuteScript("CREATE TABLE later (x {{int}}){{strict}}"));
          MYKEY_TRY(tx.Execute("INSERT INTO items (name) VALUES ($1)", {"gone"}));
          return Fail(ErrorCode::kAborted, "not a store error: no retry");
        });
    REQUIRE_FALSE(s);
    CHECK(Exec(store, "INSERT INTO later (x) VALUES (1)").error().code() ==
          ErrorCode::kInvalidArgument);
  }
  CHECK(store.stats().rollbacks >= 1);
  CHECK(store.stats().commits == 1);  // the CREATE TABLE
  CHECK(Count(store, "items") == 0);
}

STORE_TEST("Committed data is there for a second store on the same data") {
  auto scratch = Fresh<TestType>();
  REQUIRE(Script(scratch->store(), kItems));
  REQUIRE(Exec(scratch->store(), "INSERT INTO items (name) VALUES ($1)", {"kept"}));
  scratch->Close();
  auto reopened = scratch->OpenAgain();
  REQUIRE(reopened);
  CHECK(Count(**reopened, "items") == 1);
}

STORE_TEST("Concurrent read-modify-write transactions on one row are retried, none lost") {
  auto scratch = Fresh<TestType>(/*connections=*/4);
  Store& store = scratch->store();
  REQUIRE(Script(store, "CREATE TABLE counter (n {{int}} NOT NULL){{strict}}"));
  REQUIRE(Exec(store, "INSERT INTO counter (n) VALUES (0)"));
  constexpr int kThreads = 4;
  constexpr int kIncrements = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        const Status s = store.WithTransaction(
            TransactionMode::kReadWrite,
            [](Transaction& tx) -> Status {
              MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow("SELECT n FROM counter"));
              MYKEY_TRY(tx.Execute("UPDATE counter SET n = $1", {row->Int(0) + 1}));
              return Ok();
            },
            /*max_attempts=*/100);
        if (!s) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures == 0);
  const auto rows = Rows(store, "SELECT n FROM counter");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].Int(0) == kThreads * kIncrements);
  const StoreStats stats = store.stats();
  INFO("retries " << stats.retries);
  CHECK(stats.commits == 2 + kThreads * kIncrements + 1);
}

constexpr std::array<Migration, 2> kTwo = {{
    {1, "one", "CREATE TABLE a (x {{int}}){{strict}}"},
    {2, "two", "CREATE TABLE b (y {{text}}){{strict}}; INSERT INTO b (y) VALUES ('seed')"},
}};

STORE_TEST("Migrations of each component apply once, in order") {
  auto scratch = Fresh<TestType>();
  Store& store = scratch->store();
  CHECK(SchemaVersion(store) == 0);
  REQUIRE(Migrate(store, std::span(kTwo).first(1)));
  auto report = Migrate(store, kTwo);
  REQUIRE(report);
  CHECK(report->from_version == 1);
  CHECK(report->to_version == 2);
  CHECK(report->applied == 1);
  CHECK(Migrate(store, kTwo)->applied == 0);
  CHECK(Count(store, "b") == 1);  // the seed row, once

  constexpr std::array<Migration, 1> kLedger = {{
      {1, "ledger", "CREATE TABLE ledger_t (z {{int}} REFERENCES a (x)){{strict}}"},
  }};
  // A component's tables may refer to the core's: a needs a key for that.
  REQUIRE(Script(store, "CREATE UNIQUE INDEX a_x ON a (x)"));
  auto ledger = Migrate(store, "ledger", kLedger);
  REQUIRE(ledger);
  CHECK(ledger->applied == 1);
  CHECK(SchemaVersion(store, "ledger") == 1);
  CHECK(SchemaVersion(store) == 2);
  CHECK(Migrate(store, "ledger", kLedger)->applied == 0);
}

STORE_TEST("A schema newer than the program is refused") {
  auto scratch = Fresh<TestType>();
  Store& store = scratch->store();
  REQUIRE(Migrate(store, kTwo));
  auto older_binary = Migrate(store, std::span(kTwo).first(1));
  REQUIRE_FALSE(older_binary);
  CHECK(older_binary.error().code() == ErrorCode::kFailedPrecondition);
  CHECK(SchemaVersion(store) == 2);
}

STORE_TEST("A failing migration leaves the store at the previous version") {
  auto scratch = Fresh<TestType>();
  Store& store = scratch->store();
  constexpr std::array<Migration, 2> kBroken = {{
      {1, "one", "CREATE TABLE a (x {{int}}){{strict}}"},
      {2, "broken", "CREATE TABLE c (z {{int}}){{strict}}; INSERT INTO nowhere VALUES (1)"},
  }};
  auto report = Migrate(store, kBroken);
  REQUIRE_FALSE(report);
  CHECK(report.error().code() == ErrorCode::kInvalidArgument);
  CHECK(SchemaVersion(store) == 1);
  CHECK(Exec(store, "INSERT INTO c (z) VALUES (1)").error().code() == ErrorCode::kInvalidArgument);
}

STORE_TEST("The cloud schema applies and enforces its rules") {
  auto scratch = Fresh<TestType>();
  Store& store = scratch->store();
  auto report = Migrate(store, CloudMigrations());
  REQUIRE(report);
  CHECK(report->to_version == CloudSchemaVersion());
  CHECK(Migrate(store, CloudMigrations())->applied == 0);
  const auto code = [&](std::string_view sql, std::initializer_list<SqlValue> params) {
    const Status s = Exec(store, sql, params);
    return s ? std::optional<ErrorCode>() : std::optional<ErrorCode>(s.error().code());
  };
  const char* kAddMunicipality =
      "INSERT INTO municipalities (code, name, created_at_ms) VALUES ($1, $2, $3)";
  REQUIRE(Exec(store, kAddMunicipality, {"131016", "千代田区", 1}));
  CHECK(code(kAddMunicipality, {"131016", "again", 1}) == ErrorCode::kAlreadyExists);
  CHECK(code(kAddMunicipality, {"1310", "short code", 1}) == ErrorCode::kFailedPrecondition);
  const char* kAddMerchant =
      "INSERT INTO merchants (municipality_code, name, kind, created_at_ms)"
      " VALUES ($1, $2, $3, $4)";
  REQUIRE(Exec(store, kAddMerchant, {"131016", "Shop A1", "shop", 1}));
  CHECK(code(kAddMerchant, {"999999", "Nowhere", "shop", 1}) == ErrorCode::kFailedPrecondition);
  CHECK(code(kAddMerchant, {"131016", "Odd", "casino", 1}) == ErrorCode::kFailedPrecondition);
  const char* kAddToken =
      "INSERT INTO api_tokens (token_hash, name, scope, scope_ref, created_at_ms)"
      " VALUES ($1, $2, $3, $4, $5)";
  REQUIRE(Exec(store, kAddToken, {Bytes(32, 1), "root", "admin", std::nullopt, 1}));
  CHECK(code(kAddToken, {Bytes(32, 2), "city", "municipality", std::nullopt, 1}) ==
        ErrorCode::kFailedPrecondition);
  CHECK(code(kAddToken, {Bytes(31, 2), "short", "admin", std::nullopt, 1}) ==
        ErrorCode::kFailedPrecondition);
  REQUIRE(Exec(store, kAddToken, {Bytes(32, 3), "city", "municipality", "131016", 1}));
  const auto merchants = Rows(store, "SELECT id, status FROM merchants");
  REQUIRE(merchants.size() == 1);
  CHECK(merchants[0].Text(1) == "active");
  const char* kRecord =
      "INSERT INTO idempotency_records (caller, idempotency_key, request_hash, status_code,"
      " response_body, created_at_ms, expires_at_ms) VALUES ($1, $2, $3, 200, '{}', 1, 2)";
  REQUIRE(Exec(store, kRecord, {"terminal:1", "k1", Bytes(32, 0)}));
  REQUIRE(Exec(store, kRecord, {"terminal:2", "k1", Bytes(32, 0)}));
  CHECK(code(kRecord, {"terminal:1", "k1", Bytes(32, 0)}) == ErrorCode::kAlreadyExists);
}

STORE_TEST("Read-only transactions see what was committed before they began") {
  auto scratch = Fresh<TestType>();
  Store& store = scratch->store();
  REQUIRE(Script(store, kItems));
  REQUIRE(Exec(store, "INSERT INTO items (name, n) VALUES ($1, $2)", {"a", 1}));
  const auto rows = Rows(store, "SELECT name, n FROM items ORDER BY name");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].Int(1) == 1);
  CHECK(store.stats().commits == 3);
}

}  // namespace
}  // namespace mykey::cloud
