#pragma once

// Test support of cloud/auth's tests: a migrated SQLite store in a
// temporary directory, a settable clock, deterministic randomness and keys.

#include <atomic>
#include <memory>
#include <string>

#include "mykey/auth/auth_routes.h"
#include "mykey/auth/auth_schema.h"
#include "mykey/cloud_testing/temp_dir.h"
#include "mykey/crypto/ecdsa.h"
#include "mykey/crypto/random.h"
#include "mykey/sqlite_store/sqlite_store.h"
#include "mykey/store/migrations.h"
#include "mykey/testing/catch.h"

namespace mykey::cloud::auth_test {

/// 2023-11-14T22:13:20Z.
inline constexpr int64_t kStartMs = 1'700'000'000'000;

/// A clock the test moves.
struct TestClock {
  std::shared_ptr<std::atomic<int64_t>> now_ms = std::make_shared<std::atomic<int64_t>>(kStartMs);
  UnixMillisClock Function() const {
    return [now = now_ms] { return now->load(); };
  }
  int64_t seconds() const { return now_ms->load() / 1000; }
  void Advance(int64_t ms) { now_ms->fetch_add(ms); }
};

inline std::unique_ptr<crypto::RandomSource> TestRandom(std::string_view label) {
  auto random = crypto::DeterministicRandom::Create(ViewOf("auth-test"), ViewOf(label));
  REQUIRE(random);
  return std::move(*random);
}

inline crypto::EcdsaPrivateKey TerminalKey(std::string_view label) {
  auto random = TestRandom(label);
  auto key = crypto::EcdsaPrivateKey::Generate(*random);
  REQUIRE(key);
  return std::move(*key);
}

inline Site ShopA1() {
  return Site{SiteKind::kMerchant, "A1", "shopA", "131016"};
}

/// A store with the core and auth schemas.
struct AuthStore {
  testing::TempDir dir;
  std::unique_ptr<SqliteStore> store;
  AuthStore() {
    SqliteStoreOptions options;
    options.path = dir.File("cloud.db");
    auto opened = SqliteStore::Open(options);
    REQUIRE(opened);
    store = std::move(*opened);
    REQUIRE(Migrate(*store, CloudMigrations()));
    REQUIRE(MigrateAuth(*store));
  }

  int64_t Count(const std::string& sql) {
    int64_t count = -1;
    REQUIRE(store->WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
      MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow(sql));
      count = row ? row->Int(0) : -1;
      return Ok();
    }));
    return count;
  }
};

}  // namespace mykey::cloud::auth_test
