// Migrations and the cloud schema, on the SQLite backend.
#include "mykey/store/migrations.h"

#include <array>

#include "mykey/cloud_testing/temp_dir.h"
#include "mykey/sqlite_store/sqlite_store.h"
#include "mykey/testing/catch.h"

namespace mykey::cloud {
namespace {

using testing::TempDir;

std::unique_ptr<SqliteStore> OpenStore(const std::string& path) {
  SqliteStoreOptions options;
  options.path = path;
  auto store = SqliteStore::Open(options);
  REQUIRE(store);
  return std::move(*store);
}

constexpr std::array<Migration, 2> kTwo = {{
    {1, "one", "CREATE TABLE a (x {{int}}){{strict}}"},
    {2, "two", "CREATE TABLE b (y {{text}}){{strict}}; INSERT INTO b (y) VALUES ('seed')"},
}};

TEST_CASE("An empty store migrates to the last version, once") {
  TempDir dir;
  auto store = OpenStore(dir.File("cloud.db"));
  CHECK(SchemaVersion(*store) == 0);
  auto first = Migrate(*store, kTwo);
  REQUIRE(first);
  CHECK(first->from_version == 0);
  CHECK(first->to_version == 2);
  CHECK(first->applied == 2);
  auto again = Migrate(*store, kTwo);
  REQUIRE(again);
  CHECK(again->applied == 0);
  CHECK(again->to_version == 2);
  CHECK(SchemaVersion(*store) == 2);
}

TEST_CASE("Each schema component is numbered and migrated on its own") {
  TempDir dir;
  auto store = OpenStore(dir.File("cloud.db"));
  constexpr std::array<Migration, 1> kLedger = {{
      {1, "ledger", "CREATE TABLE ledger_t (z {{int}}){{strict}}"},
  }};
  REQUIRE(Migrate(*store, kTwo));
  auto ledger = Migrate(*store, "ledger", kLedger);
  REQUIRE(ledger);
  CHECK(ledger->from_version == 0);
  CHECK(ledger->to_version == 1);
  CHECK(SchemaVersion(*store, "ledger") == 1);
  CHECK(SchemaVersion(*store) == 2);  // the core component is untouched
  // A newer core schema does not make the ledger's look newer, and vice versa.
  CHECK(Migrate(*store, "ledger", kLedger)->applied == 0);
  CHECK(Migrate(*store, "", kLedger).error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("A store at an older version gets only the missing migrations") {
  TempDir dir;
  auto store = OpenStore(dir.File("cloud.db"));
  REQUIRE(Migrate(*store, std::span(kTwo).first(1)));
  auto report = Migrate(*store, kTwo);
  REQUIRE(report);
  CHECK(report->from_version == 1);
  CHECK(report->applied == 1);
}

TEST_CASE("A store with a newer schema is refused") {
  TempDir dir;
  auto store = OpenStore(dir.File("cloud.db"));
  REQUIRE(Migrate(*store, kTwo));
  auto older_binary = Migrate(*store, std::span(kTwo).first(1));
  REQUIRE_FALSE(older_binary);
  CHECK(older_binary.error().code() == ErrorCode::kFailedPrecondition);
}

TEST_CASE("A failing migration leaves the store at the previous version") {
  TempDir dir;
  auto store = OpenStore(dir.File("cloud.db"));
  constexpr std::array<Migration, 2> kBroken = {{
      {1, "one", "CREATE TABLE a (x {{int}}){{strict}}"},
      {2, "broken", "CREATE TABLE c (z {{int}}){{strict}}; INSERT INTO nowhere VALUES (1)"},
  }};
  auto report = Migrate(*store, kBroken);
  REQUIRE_FALSE(report);
  CHECK(report.error().code() == ErrorCode::kInvalidArgument);
  CHECK(SchemaVersion(*store) == 1);
  // Table c of the failed migration was rolled back with it.
  REQUIRE(store->WithTransaction(TransactionMode::kReadOnly, [](Transaction& tx) -> Status {
    MYKEY_ASSIGN_OR_RETURN(auto row,
                           tx.QueryRow("SELECT count(*) FROM sqlite_master WHERE name = 'c'"));
    CHECK(row->Int(0) == 0);
    return Ok();
  }));
}

TEST_CASE("Migrations must be numbered from one without gaps") {
  TempDir dir;
  auto store = OpenStore(dir.File("cloud.db"));
  constexpr std::array<Migration, 2> kGap = {{{1, "one", "SELECT 1"}, {3, "three", "SELECT 1"}}};
  CHECK(Migrate(*store, kGap).error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("The cloud schema applies and enforces its rules") {
  TempDir dir;
  auto store = OpenStore(dir.File("cloud.db"));
  auto report = Migrate(*store, CloudMigrations());
  REQUIRE(report);
  CHECK(report->to_version == CloudSchemaVersion());
  auto exec = [&](std::string_view sql, std::initializer_list<SqlValue> params) {
    return store->WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
      MYKEY_TRY(tx.Execute(sql, params));
      return Ok();
    });
  };
  const char* kAddMunicipality =
      "INSERT INTO municipalities (code, name, created_at_ms) VALUES ($1, $2, $3)";
  REQUIRE(exec(kAddMunicipality, {"131016", "Chiyoda", 1}));
  CHECK(exec(kAddMunicipality, {"131016", "again", 1}).error().code() == ErrorCode::kAlreadyExists);
  CHECK(exec(kAddMunicipality, {"1310", "short code", 1}).error().code() ==
        ErrorCode::kFailedPrecondition);
  const char* kAddMerchant =
      "INSERT INTO merchants (municipality_code, name, kind, created_at_ms) VALUES ($1, $2, $3, "
      "$4)";
  REQUIRE(exec(kAddMerchant, {"131016", "Shop A1", "shop", 1}));
  CHECK(exec(kAddMerchant, {"999999", "Nowhere", "shop", 1}).error().code() ==
        ErrorCode::kFailedPrecondition);
  CHECK(exec(kAddMerchant, {"131016", "Odd", "casino", 1}).error().code() ==
        ErrorCode::kFailedPrecondition);
  // An admin token has no scope reference; a municipality token must have one.
  const char* kAddToken =
      "INSERT INTO api_tokens (token_hash, name, scope, scope_ref, created_at_ms) VALUES ($1, $2, "
      "$3, $4, $5)";
  REQUIRE(exec(kAddToken, {Bytes(32, 1), "root", "admin", std::nullopt, 1}));
  CHECK_FALSE(exec(kAddToken, {Bytes(32, 2), "city", "municipality", std::nullopt, 1}));
  REQUIRE(exec(kAddToken, {Bytes(32, 3), "city", "municipality", "131016", 1}));
  // Idempotency records are unique per caller and key.
  const char* kRecord =
      "INSERT INTO idempotency_records (caller, idempotency_key, request_hash, status_code,"
      " response_body, created_at_ms, expires_at_ms) VALUES ($1, $2, $3, 200, '{}', 1, 2)";
  REQUIRE(exec(kRecord, {"terminal:1", "k1", Bytes(32, 0)}));
  REQUIRE(exec(kRecord, {"terminal:2", "k1", Bytes(32, 0)}));
  CHECK(exec(kRecord, {"terminal:1", "k1", Bytes(32, 0)}).error().code() ==
        ErrorCode::kAlreadyExists);
}

}  // namespace
}  // namespace mykey::cloud
