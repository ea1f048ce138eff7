// Group commit of SqliteStore: concurrent writers share COMMITs, each keeps
// its own effects and failures, and an acknowledged transaction survives the
// process being killed.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

#include "mykey/cloud_testing/temp_dir.h"
#include "mykey/sqlite_store/sqlite_store.h"
#include "mykey/testing/catch.h"

namespace mykey::cloud {
namespace {

using testing::TempDir;

std::unique_ptr<SqliteStore> OpenStore(const std::string& path, unsigned max_group = 64) {
  SqliteStoreOptions options;
  options.path = path;
  options.connections = 2;
  options.max_group_transactions = max_group;
  auto store = SqliteStore::Open(options);
  REQUIRE(store);
  return std::move(*store);
}

Status CreateTable(Store& store) {
  return store.WithTransaction(TransactionMode::kReadWrite, [](Transaction& tx) {
    return tx.ExecuteScript(
        "CREATE TABLE items (name {{text}} PRIMARY KEY, writer {{int}}){{strict}}");
  });
}

std::set<std::string> Names(Store& store) {
  std::set<std::string> names;
  REQUIRE(store.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
    MYKEY_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT name FROM items"));
    for (const Row& row : rows) names.insert(row.Text(0));
    return Ok();
  }));
  return names;
}

std::string Name(int writer, int i) {
  return "w" + std::to_string(writer) + "-" + std::to_string(i);
}

TEST_CASE("A SQLite store refuses commit groups of zero transactions") {
  TempDir dir;
  SqliteStoreOptions options;
  options.path = dir.File("cloud.db");
  options.max_group_transactions = 0;
  auto store = SqliteStore::Open(options);
  REQUIRE_FALSE(store);
  CHECK(store.error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("Concurrent writers each see their own effects and only their own failures roll back") {
  TempDir dir;
  auto store = OpenStore(dir.File("cloud.db"), /*max_group=*/8);
  REQUIRE(CreateTable(*store));
  REQUIRE(store->WithTransaction(TransactionMode::kReadWrite, [](Transaction& tx) -> Status {
    MYKEY_TRY(tx.Execute("INSERT INTO items (name, writer) VALUES ('taken', -1)"));
    return Ok();
  }));

  constexpr int kWriters = 8;
  constexpr int kEach = 40;
  std::atomic<int> wrong_answers{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        // i % 4: 0 commits; 1 fails by its own choice after writing; 2 fails
        // on a UNIQUE violation after writing; 3 commits.
        const int kind = i % 4;
        const Status status =
            store->WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
              MYKEY_TRY(
                  tx.Execute("INSERT INTO items (name, writer) VALUES ($1, $2)", {Name(w, i), w}));
              MYKEY_ASSIGN_OR_RETURN(auto own, tx.QueryRow("SELECT count(*) FROM items WHERE "
                                                           "writer = $1 AND name = $2",
                                                           {w, Name(w, i)}));
              if (own->Int(0) != 1) wrong_answers.fetch_add(1);
              if (kind == 1) return Fail(ErrorCode::kCancelled, "the function gave up");
              if (kind == 2) {
                MYKEY_TRY(tx.Execute("INSERT INTO items (name, writer) VALUES ('taken', $1)", {w}));
              }
              return Ok();
            });
        const bool right = kind == 1 ? !status && status.error().code() == ErrorCode::kCancelled
                           : kind == 2
                               ? !status && status.error().code() == ErrorCode::kAlreadyExists
                               : static_cast<bool>(status);
        if (!right) wrong_answers.fetch_add(1);
      }
    });
  }
  for (auto& t : writers) t.join();
  CHECK(wrong_answers.load() == 0);

  std::set<std::string> expected = {"taken"};
  for (int w = 0; w < kWriters; ++w) {
    for (int i = 0; i < kEach; ++i) {
      if (i % 4 == 0 || i % 4 == 3) expected.insert(Name(w, i));
    }
  }
  CHECK(Names(*store) == expected);
  const StoreStats stats = store->stats();
  // Three more commits: the table, the 'taken' row and the read of Names().
  CHECK(stats.commits == 3 + kWriters * kEach / 2);
  CHECK(stats.rollbacks == kWriters * kEach / 2);
}

TEST_CASE("Work of an open commit group is invisible to readers until its COMMIT") {
  TempDir dir;
  auto store = OpenStore(dir.File("cloud.db"));
  REQUIRE(CreateTable(*store));
  std::atomic<bool> inserted{false};
  std::atomic<bool> may_finish{false};
  std::thread writer([&] {
    CHECK(store->WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
      MYKEY_TRY(tx.Execute("INSERT INTO items (name, writer) VALUES ('pending', 1)"));
      inserted.store(true);
      inserted.notify_one();
      may_finish.wait(false);
      return Ok();
    }));
  });
  inserted.wait(false);
  CHECK(Names(*store).empty());
  may_finish.store(true);
  may_finish.notify_one();
  writer.join();
  CHECK(Names(*store) == std::set<std::string>{"pending"});
}

TEST_CASE("Transactions acknowledged before the process is killed are in the store") {
  TempDir dir;
  const std::string path = dir.File("cloud.db");
  {
    auto store = OpenStore(path);
    REQUIRE(CreateTable(*store));
  }
  int acknowledgements[2];
  REQUIRE(pipe(acknowledgements) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The child writes until it is killed, reporting each transaction whose
    // WithTransaction() returned Ok.
    close(acknowledgements[0]);
    SqliteStoreOptions options;
    options.path = path;
    auto store = SqliteStore::Open(options);
    if (!store) _exit(2);
    std::vector<std::thread> writers;
    for (int w = 0; w < 6; ++w) {
      writers.emplace_back([&, w] {
        for (int i = 0;; ++i) {
          const Status status = (*store)->WithTransaction(
              TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
                MYKEY_TRY(tx.Execute("INSERT INTO items (name, writer) VALUES ($1, $2)",
                                     {Name(w, i), w}));
                return Ok();
              });
          if (!status) _exit(3);
          int32_t record[2] = {w, i};
          if (write(acknowledgements[1], record, sizeof record) != sizeof record) _exit(4);
        }
      });
    }
    for (auto& t : writers) t.join();
    _exit(0);
  }
  close(acknowledgements[1]);
  std::set<std::string> acknowledged;
  while (acknowledged.size() < 300) {
    int32_t record[2];
    const ssize_t got = read(acknowledgements[0], record, sizeof record);
    REQUIRE(got == static_cast<ssize_t>(sizeof record));
    acknowledged.insert(Name(record[0], record[1]));
  }
  REQUIRE(kill(child, SIGKILL) == 0);
  // Acknowledgements already in the pipe when the child died count too.
  for (;;) {
    int32_t record[2];
    const ssize_t got = read(acknowledgements[0], record, sizeof record);
    if (got != static_cast<ssize_t>(sizeof record)) break;
    acknowledged.insert(Name(record[0], record[1]));
  }
  close(acknowledgements[0]);
  int wstatus = 0;
  REQUIRE(waitpid(child, &wstatus, 0) == child);
  REQUIRE(WIFSIGNALED(wstatus));
  CHECK(WTERMSIG(wstatus) == SIGKILL);

  auto store = OpenStore(path);
  const std::set<std::string> stored = Names(*store);
  std::vector<std::string> lost;
  for (const std::string& name : acknowledged) {
    if (!stored.contains(name)) lost.push_back(name);
  }
  CHECK(lost.empty());
  CHECK(stored.size() >= acknowledged.size());
}

}  // namespace
}  // namespace mykey::cloud
