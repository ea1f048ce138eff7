#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "mykey/base/result.h"
#include "mykey/postgres_store/postgres_store.h"
#include "mykey/store/store.h"

namespace mykey::cloud::testing {

/// A fresh, empty store for one test: a SQLite file in a new temporary
/// directory, or a new PostgreSQL database `t_<random>` on the test server.
/// Destroying it closes the store and removes the file or drops the database.
///
/// Thread safety: store() is a Store (safe from any thread); the ScratchStore
/// itself is created and destroyed by one thread.
class ScratchStore {
 public:
  using Opener = std::function<Result<std::unique_ptr<Store>>(unsigned connections)>;

  /// @param open    opens another store on the same file or database
  /// @param cleanup removes the file or database (after the stores closed)
  ScratchStore(std::unique_ptr<Store> store, Opener open, std::function<void()> cleanup,
               std::string where);
  ScratchStore(const ScratchStore&) = delete;
  ScratchStore& operator=(const ScratchStore&) = delete;
  ~ScratchStore();

  Store& store() { return *store_; }
  Store* operator->() { return store_.get(); }
  Store& operator*() { return *store_; }

  /// Opens a second store on the same data, as another process would (a
  /// restart, a second cloud process). Close it before this object goes.
  /// @returns the backend's Open() errors.
  Result<std::unique_ptr<Store>> OpenAgain(unsigned connections = 2) const {
    return open_(connections);
  }

  /// Closes the store (for tests of reopening): store() is invalid after.
  void Close() { store_.reset(); }

  /// The file or database name, for messages.
  const std::string& where() const { return where_; }

 private:
  std::unique_ptr<Store> store_;
  Opener open_;
  std::function<void()> cleanup_;
  std::string where_;
};

/// The test PostgreSQL server. Read from the file named by
/// MYKEY_POSTGRES_CONNECTION (written by tests/system/postgres_fixture.sh:
/// host=, port=, tcp_host=, user= lines), or else from MYKEY_POSTGRES_HOST,
/// MYKEY_POSTGRES_PORT and MYKEY_POSTGRES_USER (a server of your own).
/// `dbname` is the maintenance database "postgres".
/// @param tcp connect over TCP (tcp_host) instead of the Unix socket
/// @returns kUnavailable (with a hint) when neither is set or the file is
///          unreadable; kInvalidArgument for a malformed file.
Result<PostgresStoreOptions> TestPostgresServer(bool tcp = false);

/// A fresh SQLite store (WAL, durable commits) in a new temporary directory.
/// @returns SqliteStore::Open() errors.
Result<std::unique_ptr<ScratchStore>> MakeSqliteStore(unsigned connections = 4);

/// A fresh database on the test server and a PostgresStore on it.
/// @returns TestPostgresServer() errors; kUnavailable if the server is not
///          there; CreatePostgresDatabase() and PostgresStore::Open() errors.
Result<std::unique_ptr<ScratchStore>> MakePostgresStore(unsigned connections = 4);

/// The backends as types, for Catch2's TEMPLATE_TEST_CASE: one suite, run
/// against every backend (test names end in " - SqliteBackend" /
/// " - PostgresBackend", which CTest registration filters on).
struct SqliteBackend {
  static constexpr std::string_view kName = "sqlite";
  static Result<std::unique_ptr<ScratchStore>> Make(unsigned connections = 4) {
    return MakeSqliteStore(connections);
  }
};

struct PostgresBackend {
  static constexpr std::string_view kName = "postgres";
  static Result<std::unique_ptr<ScratchStore>> Make(unsigned connections = 4) {
    return MakePostgresStore(connections);
  }
};

}  // namespace mykey::cloud::testing
