#include "mykey/sqlite_store/sqlite_store.h"

#include <fstream>
#include <thread>
#include <vector>

#include "mykey/cloud_testing/temp_dir.h"
#include "mykey/store/migrations.h"
#include "mykey/testing/catch.h"

namespace mykey::cloud {
namespace {

using testing::TempDir;

std::unique_ptr<SqliteStore> OpenStore(const std::string& path, unsigned connections = 2) {
  SqliteStoreOptions options;
  options.path = path;
  options.connections = connections;
  auto store = SqliteStore::Open(options);
  REQUIRE(store);
  return std::move(*store);
}

Status CreateTable(Store& store) {
  return store.WithTransaction(TransactionMode::kReadWrite, [](Transaction& tx) {
    return tx.ExecuteScript(
        "CREATE TABLE items (id {{id}}, name {{text}} NOT NULL UNIQUE, n {{int}},"
        " data {{blob}}){{strict}};"
        "CREATE TABLE refs (item_id {{int}} NOT NULL REFERENCES items (id)){{strict}}");
  });
}

int64_t CountItems(Store& store) {
  int64_t count = -1;
  REQUIRE(store.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
    MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow("SELECT count(*) FROM items"));
    count = row->Int(0);
    return Ok();
  }));
  return count;
}

TEST_CASE("A SQLite store runs in WAL mode with full sync and foreign keys") {
  TempDir dir;
  auto store = OpenStore(dir.File("cloud.db"));
  CHECK(store->dialect() == SqlDialect::kSqlite);
  CHECK(store->backend_name() == "sqlite");
  REQUIRE(store->WithTransaction(TransactionMode::kReadOnly, [](Transaction& tx) -> Status {
    MYKEY_ASSIGN_OR_RETURN(auto mode, tx.QueryRow("PRAGMA journal_mode"));
    CHECK(mode->Text(0) == "wal");
    MYKEY_ASSIGN_OR_RETURN(auto sync, tx.QueryRow("PRAGMA synchronous"));
    CHECK(sync->Int(0) == 2);  // FULL
    MYKEY_ASSIGN_OR_RETURN(auto fk, tx.QueryRow("PRAGMA foreign_keys"));
    CHECK(fk->Int(0) == 1);
    return Ok();
  }));
  CHECK(store->Check());
}

TEST_CASE("Values of every type round-trip through $N parameters") {
  TempDir dir;
  auto store = OpenStore(dir.File("cloud.db"));
  REQUIRE(CreateTable(*store));
  REQUIRE(store->WithTransaction(TransactionMode::kReadWrite, [](Transaction& tx) -> Status {
    MYKEY_ASSIGN_OR_RETURN(int64_t changed,
                           tx.Execute("INSERT INTO items (name, n, data) VALUES ($1, $2, $3)",
                                      {"a", int64_t{1} << 40, Bytes{0, 1, 2}}));
    CHECK(changed == 1);
    MYKEY_TRY(tx.Execute("INSERT INTO items (name, n, data) VALUES ($1, $2, $3)",
                         {"b", std::nullopt, Bytes{}}));
    // $1 used twice binds once.
    MYKEY_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT name, n, data FROM items WHERE name = $1 OR "
                                               "name || 'x' = $1 || 'x' ORDER BY name",
                                               {"a"}));
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].Text(0) == "a");
    CHECK(rows[0].Int(1) == int64_t{1} << 40);
    CHECK(rows[0].Blob(2) == Bytes{0, 1, 2});
    MYKEY_ASSIGN_OR_RETURN(auto b, tx.QueryRow("SELECT n, data FROM items WHERE name = $1", {"b"}));
    CHECK(b->IsNull(0));
    CHECK(b->at(1).is_bytes());
    CHECK(b->Blob(1).empty());
    return Ok();
  }));
}

TEST_CASE("Store errors map to stable codes") {
  TempDir dir;
  auto store = OpenStore(dir.File("cloud.db"));
  REQUIRE(CreateTable(*store));
  auto run = [&](std::string_view sql, std::initializer_list<SqlValue> params) {
    return store->WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
      MYKEY_TRY(tx.Execute(sql, params));
      return Ok();
    });
  };
  REQUIRE(run("INSERT INTO items (name) VALUES ($1)", {"dup"}));
  SECTION("a unique violation is kAlreadyExists") {
    const Status s = run("INSERT INTO items (name) VALUES ($1)", {"dup"});
    REQUIRE_FALSE(s);
    CHECK(s.error().code() == ErrorCode::kAlreadyExists);
    CHECK(s.error().domain() == ErrorDomain::kSqlite);
  }
  SECTION("a foreign key violation is kFailedPrecondition") {
    const Status s = run("INSERT INTO refs (item_id) VALUES ($1)", {999});
    REQUIRE_FALSE(s);
    CHECK(s.error().code() == ErrorCode::kFailedPrecondition);
  }
  SECTION("a strict type mismatch is refused") {
    const Status s = run("INSERT INTO items (name, n) VALUES ($1, $2)", {"x", "not a number"});
    REQUIRE_FALSE(s);
    CHECK(s.error().code() == ErrorCode::kFailedPrecondition);
  }
  SECTION("SQL that does not compile is kInvalidArgument") {
    CHECK(run("INSERT INTO nowhere VALUES ($1)", {1}).error().code() ==
          ErrorCode::kInvalidArgument);
  }
  SECTION("a parameter count that differs is kInvalidArgument") {
    CHECK(run("INSERT INTO items (name) VALUES ($1)", {"a", "b"}).error().code() ==
          ErrorCode::kInvalidArgument);
  }
  SECTION("two statements in one Execute are refused") {
    CHECK(run("DELETE FROM items; DELETE FROM refs", {}).error().code() ==
          ErrorCode::kInvalidArgument);
    CHECK(CountItems(*store) == 1);
  }
  CHECK(store->stats().errors == 1);
}

TEST_CASE("A failed transaction function leaves no trace") {
  TempDir dir;
  auto store = OpenStore(dir.File("cloud.db"));
  REQUIRE(CreateTable(*store));
  const Status s =
      store->WithTransaction(TransactionMode::kReadWrite, [](Transaction& tx) -> Status {
        MYKEY_TRY(tx.Execute("INSERT INTO items (name) VALUES ($1)", {"gone"}));
        return Fail(ErrorCode::kFailedPrecondition, "changed my mind");
      });
  REQUIRE_FALSE(s);
  CHECK(CountItems(*store) == 0);
  CHECK(store->stats().rollbacks == 1);
}

TEST_CASE("Committed data is there after the store is reopened") {
  TempDir dir;
  {
    auto store = OpenStore(dir.File("cloud.db"));
    REQUIRE(CreateTable(*store));
    REQUIRE(store->WithTransaction(TransactionMode::kReadWrite, [](Transaction& tx) -> Status {
      MYKEY_TRY(tx.Execute("INSERT INTO items (name) VALUES ($1)", {"kept"}));
      return Ok();
    }));
  }
  auto reopened = OpenStore(dir.File("cloud.db"));
  CHECK(CountItems(*reopened) == 1);
}

TEST_CASE("Concurrent writers on several connections all commit, serialised") {
  TempDir dir;
  auto store = OpenStore(dir.File("cloud.db"), 4);
  REQUIRE(store->WithTransaction(TransactionMode::kReadWrite, [](Transaction& tx) -> Status {
    MYKEY_TRY(tx.ExecuteScript("CREATE TABLE counter (n {{int}} NOT NULL){{strict}}"));
    MYKEY_TRY(tx.Execute("INSERT INTO counter (n) VALUES (0)"));
    return Ok();
  }));
  constexpr int kThreads = 4;
  constexpr int kIncrements = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        const Status s =
            store->WithTransaction(TransactionMode::kReadWrite, [](Transaction& tx) -> Status {
              MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow("SELECT n FROM counter"));
              MYKEY_TRY(tx.Execute("UPDATE counter SET n = $1", {row->Int(0) + 1}));
              return Ok();
            });
        if (!s) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  REQUIRE(store->WithTransaction(TransactionMode::kReadOnly, [](Transaction& tx) -> Status {
    MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow("SELECT n FROM counter"));
    CHECK(row->Int(0) == kThreads * kIncrements);
    return Ok();
  }));
}

TEST_CASE("An online backup restores to the state at backup time") {
  TempDir dir;
  auto store = OpenStore(dir.File("cloud.db"));
  REQUIRE(CreateTable(*store));
  auto insert = [&](const char* name) {
    return store->WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
      MYKEY_TRY(tx.Execute("INSERT INTO items (name) VALUES ($1)", {name}));
      return Ok();
    });
  };
  REQUIRE(insert("before"));
  REQUIRE(store->BackupTo(dir.File("backup.db")));
  REQUIRE(insert("after"));
  CHECK(CountItems(*store) == 2);
  CHECK_FALSE(std::filesystem::exists(dir.File("backup.db.partial")));

  SECTION("into a new store") {
    REQUIRE(RestoreSqliteBackup(dir.File("backup.db"), dir.File("restored.db")));
    auto restored = OpenStore(dir.File("restored.db"));
    CHECK(CountItems(*restored) == 1);
  }
  SECTION("over the original store, once it is closed") {
    store.reset();
    REQUIRE(RestoreSqliteBackup(dir.File("backup.db"), dir.File("cloud.db")));
    auto restored = OpenStore(dir.File("cloud.db"));
    CHECK(CountItems(*restored) == 1);
    CHECK(restored->WithTransaction(TransactionMode::kReadWrite, [](Transaction& tx) -> Status {
      MYKEY_TRY(tx.Execute("INSERT INTO items (name) VALUES ($1)", {"after"}));
      return Ok();
    }));
  }
}

TEST_CASE("Restoring refuses a missing or damaged backup") {
  TempDir dir;
  CHECK(RestoreSqliteBackup(dir.File("none.db"), dir.File("cloud.db")).error().code() ==
        ErrorCode::kNotFound);
  std::ofstream(dir.File("junk.db")) << std::string(8192, 'x');
  CHECK(RestoreSqliteBackup(dir.File("junk.db"), dir.File("cloud.db")).error().code() ==
        ErrorCode::kDataLoss);
  CHECK_FALSE(std::filesystem::exists(dir.File("cloud.db")));
}

TEST_CASE("Opening a file that is not a database is data loss") {
  TempDir dir;
  std::ofstream(dir.File("junk.db")) << std::string(8192, 'x');
  SqliteStoreOptions options;
  options.path = dir.File("junk.db");
  auto store = SqliteStore::Open(options);
  REQUIRE_FALSE(store);
  CHECK(store.error().code() == ErrorCode::kDataLoss);
  options.path = dir.File("missing/dir/cloud.db");
  CHECK(SqliteStore::Open(options).error().code() == ErrorCode::kUnavailable);
  options.path = "";
  CHECK(SqliteStore::Open(options).error().code() == ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace mykey::cloud
