#pragma once

// A ledger over a real store (SQLite in a temporary directory by default, or
// any backend of mykey::store_testing: PostgreSQL in a fresh database), with a
// municipality or two, programmes, merchants, an injected clock and the
// callers the tests act as.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "mykey/auth/caller.h"
#include "mykey/ledger/ledger_schema.h"
#include "mykey/ledger/ledger_service.h"
#include "mykey/store/migrations.h"
#include "mykey/store_testing/scratch_store.h"
#include "mykey/testing/catch.h"

namespace mykey::cloud::ledger_testing {

/// 2026-04-01 10:00 in Japan.
inline constexpr int64_t kStartMs = 1775005200000;
inline constexpr int64_t kMinuteMs = 60'000;
inline constexpr int64_t kDayMs = 86'400'000;

inline Caller Operator(const std::string& municipality) {
  Caller c;
  c.kind = CallerKind::kOperator;
  c.scope = OperatorScope::kMunicipality;
  c.scope_id = municipality;
  c.token_id = "token-" + municipality;
  return c;
}

inline Caller Admin() {
  Caller c;
  c.kind = CallerKind::kOperator;
  c.scope = OperatorScope::kAdmin;
  c.token_id = "token-admin";
  return c;
}

inline Caller Terminal(int64_t merchant_id, const std::string& terminal_id) {
  Caller c;
  c.kind = CallerKind::kTerminal;
  c.terminal_id = terminal_id;
  c.site_id = std::to_string(merchant_id);
  c.municipality_code = "131016";
  return c;
}

/// A fresh, empty store of `Backend` (testing::SqliteBackend or
/// testing::PostgresBackend) for a LedgerFixture.
template <typename Backend>
std::unique_ptr<testing::ScratchStore> FreshStore(unsigned connections = 4) {
  auto scratch = Backend::Make(connections);
  if (!scratch) FAIL(std::string(Backend::kName) + ": " + scratch.error().ToString());
  return std::move(*scratch);
}

/// A test case run once on each store backend (names end in " - SqliteBackend"
/// and " - PostgresBackend"); `TestType` is the backend, for FreshStore().
#define MYKEY_LEDGER_TEST(name) \
  TEMPLATE_TEST_CASE(name, "[ledger]", testing::SqliteBackend, testing::PostgresBackend)

/// The parties: Chiyoda (131016) with programmes "health" and "festival",
/// Osaka (271004) with "osaka"; shop 1 (Chiyoda) accepts health and osaka,
/// shop 2 (Chiyoda) accepts festival, shop 3 (Osaka) accepts health.
struct LedgerFixture {
  std::unique_ptr<testing::ScratchStore> scratch;
  Store* store = nullptr;
  std::atomic<int64_t> now{kStartMs};
  std::unique_ptr<LedgerService> ledger;
  int64_t health = 0, festival = 0, osaka = 0;
  int64_t shop = 1, festival_shop = 2, osaka_shop = 3;

  /// On SQLite.
  explicit LedgerFixture(LedgerOptions options = {}, unsigned connections = 4)
      : LedgerFixture(FreshStore<testing::SqliteBackend>(connections), std::move(options)) {}

  /// On the store `fresh` (see FreshStore()).
  explicit LedgerFixture(std::unique_ptr<testing::ScratchStore> fresh, LedgerOptions options = {})
      : scratch(std::move(fresh)), store(&scratch->store()) {
    REQUIRE(Migrate(*store, CloudMigrations()));
    REQUIRE(Migrate(*store, kLedgerSchema, LedgerMigrations()));
    REQUIRE(
        Sql("INSERT INTO municipalities (code, name, created_at_ms) VALUES"
            " ('131016', 'Chiyoda', 0), ('271004', 'Osaka', 0)"));
    REQUIRE(
        Sql("INSERT INTO programmes (id, municipality_code, code, name, kind, created_at_ms)"
            " VALUES (1, '131016', 'health', 'Health points', 'points', 0),"
            " (2, '131016', 'festival', 'Festival', 'event', 0),"
            " (3, '271004', 'osaka', 'Osaka points', 'points', 0)"));
    health = 1;
    festival = 2;
    osaka = 3;
    REQUIRE(
        Sql("INSERT INTO merchants (id, municipality_code, name, kind, created_at_ms) VALUES"
            " (1, '131016', 'Shop', 'shop', 0), (2, '131016', 'Festival stand', 'shop', 0),"
            " (3, '271004', 'Osaka shop', 'shop', 0)"));
    REQUIRE(
        Sql("INSERT INTO merchant_programmes (merchant_id, programme_id) VALUES"
            " (1, 1), (1, 3), (2, 2), (3, 1)"));
    options.clock = [this] { return now.load(); };
    ledger = std::make_unique<LedgerService>(*store, options);
  }

  Status Sql(const std::string& sql) {
    return store->WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
      MYKEY_TRY(tx.Execute(sql));
      return Ok();
    });
  }

  /// Grants `amount` of `programme` to `mykey_id`, expiring `days` after now.
  GrantResult GrantPoints(const std::string& key, const std::string& mykey_id, int64_t programme,
                          int64_t amount, int64_t days = 30) {
    GrantRequest request{key,           mykey_id, programme, amount, now.load() + days * kDayMs,
                         "Health dept", "checkup"};
    auto result = ledger->Grant(Operator("131016"), request);
    REQUIRE(result);
    return *result;
  }

  int64_t BalanceOf(const std::string& mykey_id, int64_t programme) {
    auto balances = ledger->Balances(Admin(), mykey_id);
    REQUIRE(balances);
    for (const ProgrammeBalance& b : *balances) {
      if (b.programme_id == programme) return b.balance;
    }
    return 0;
  }

  void RequireReconciled() {
    auto report = ledger->Reconcile();
    REQUIRE(report);
    for (const std::string& problem : report->problems) UNSCOPED_INFO(problem);
    REQUIRE(report->ok());
  }
};

/// A RequestAuthenticator for tests: `Authorization: Test <name>` names a
/// caller registered with Add().
class TestAuthenticator final : public RequestAuthenticator {
 public:
  void Add(const std::string& name, Caller caller) {
    std::lock_guard lock(mu_);
    callers_[name] = std::move(caller);
  }

 private:
  Result<Caller> DoAuthenticate(const http::HttpRequest& request) override {
    const auto header = request.headers.Get("Authorization");
    if (!header || header->substr(0, 5) != "Test ") {
      return Fail(ErrorCode::kUnauthenticated, "no credentials");
    }
    std::lock_guard lock(mu_);
    auto it = callers_.find(std::string(header->substr(5)));
    if (it == callers_.end()) return Fail(ErrorCode::kUnauthenticated, "unknown test caller");
    if (it->second.token_id == "revoked") return Fail(ErrorCode::kPermissionDenied, "revoked");
    return it->second;
  }

  std::mutex mu_;
  std::map<std::string, Caller> callers_;
};

}  // namespace mykey::cloud::ledger_testing
