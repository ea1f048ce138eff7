#pragma once

// Vouchers over a real store (SQLite in a temporary directory by default, or
// any backend of mykey::store_testing: PostgreSQL in a fresh database): the ledger's
// parties (Chiyoda 131016 with "health" and "festival", Osaka 271004 with
// "osaka"), a kiosk that issues, shops that redeem, an injected clock, a
// generated voucher key, and the callers the tests act as.

#include <atomic>
#include <memory>
#include <string>

#include "mykey/auth/caller.h"
#include "mykey/crypto/ecdsa.h"
#include "mykey/crypto/random.h"
#include "mykey/ledger/ledger_schema.h"
#include "mykey/ledger/ledger_service.h"
#include "mykey/ledger/voucher_service.h"
#include "mykey/store/migrations.h"
#include "mykey/store_testing/scratch_store.h"
#include "mykey/testing/catch.h"

namespace mykey::cloud::voucher_testing {

/// 2026-04-01 10:00 in Japan.
inline constexpr int64_t kStartMs = 1775005200000;
inline constexpr int64_t kDayMs = 86'400'000;
inline constexpr const char* kHolder = "AB23CD45";

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

inline Caller Terminal(int64_t site, const std::string& terminal_id) {
  Caller c;
  c.kind = CallerKind::kTerminal;
  c.terminal_id = terminal_id;
  c.site_id = std::to_string(site);
  return c;
}

/// Sites: 1 shop (Chiyoda: health, osaka), 2 stand (Chiyoda: festival), 3
/// Osaka shop (health), 4 kiosk (Chiyoda, issues, accepts nothing), 5
/// suspended shop (Chiyoda: health).
struct VoucherFixture {
  std::unique_ptr<testing::ScratchStore> scratch;
  Store* store = nullptr;
  std::atomic<int64_t> now{kStartMs};
  std::unique_ptr<LedgerService> ledger;
  std::unique_ptr<VoucherService> vouchers;
  std::unique_ptr<crypto::EcdsaPublicKey> public_key;
  int64_t health = 1, festival = 2, osaka = 3;
  int64_t shop = 1, stand = 2, osaka_shop = 3, kiosk = 4, suspended = 5;

  /// On a fresh SQLite store.
  explicit VoucherFixture(VoucherOptions options = {})
      : VoucherFixture(Fresh<testing::SqliteBackend>(), std::move(options)) {}

  /// On the store `fresh` (Fresh<testing::PostgresBackend>(8), ...).
  VoucherFixture(std::unique_ptr<testing::ScratchStore> fresh, VoucherOptions options)
      : scratch(std::move(fresh)), store(&scratch->store()) {
    REQUIRE(Migrate(*store, CloudMigrations()));
    REQUIRE(Migrate(*store, kLedgerSchema, LedgerMigrations()));
    REQUIRE(Migrate(*store, kVoucherSchema, VoucherMigrations()));
    REQUIRE(
        Sql("INSERT INTO municipalities (code, name, created_at_ms) VALUES"
            " ('131016', 'Chiyoda', 0), ('271004', 'Osaka', 0)"));
    REQUIRE(
        Sql("INSERT INTO programmes (id, municipality_code, code, name, kind, created_at_ms)"
            " VALUES (1, '131016', 'health', 'Health points', 'points', 0),"
            " (2, '131016', 'festival', 'Festival', 'event', 0),"
            " (3, '271004', 'osaka', 'Osaka points', 'points', 0)"));
    REQUIRE(
        Sql("INSERT INTO merchants (id, municipality_code, name, kind, status, created_at_ms)"
            " VALUES (1, '131016', 'Shop', 'shop', 'active', 0),"
            " (2, '131016', 'Festival stand', 'shop', 'active', 0),"
            " (3, '271004', 'Osaka shop', 'shop', 'active', 0),"
            " (4, '131016', 'Kiosk', 'kiosk', 'active', 0),"
            " (5, '131016', 'Closed shop', 'shop', 'suspended', 0)"));
    REQUIRE(
        Sql("INSERT INTO merchant_programmes (merchant_id, programme_id) VALUES"
            " (1, 1), (1, 3), (2, 2), (3, 1), (5, 1)"));
    LedgerOptions ledger_options;
    ledger_options.clock = [this] { return now.load(); };
    ledger = std::make_unique<LedgerService>(*store, ledger_options);
    auto random = crypto::SystemRandom::Create();
    REQUIRE(random);
    auto key = crypto::EcdsaPrivateKey::Generate(**random);
    REQUIRE(key);
    public_key = std::make_unique<crypto::EcdsaPublicKey>(key->PublicKey());
    options.clock = [this] { return now.load(); };
    auto created = VoucherService::Create(*store, *ledger, std::move(*key), options);
    REQUIRE(created);
    vouchers = std::move(*created);
  }

  /// A fresh, empty store of `Backend` (testing::SqliteBackend, testing::PostgresBackend).
  template <typename Backend>
  static std::unique_ptr<testing::ScratchStore> Fresh(unsigned connections = 4) {
    auto made = Backend::Make(connections);
    if (!made) FAIL(std::string(Backend::kName) + ": " + made.error().ToString());
    return std::move(*made);
  }

  Status Sql(const std::string& sql) {
    return store->WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
      MYKEY_TRY(tx.Execute(sql));
      return Ok();
    });
  }

  /// Grants `amount` of `programme` to the holder, expiring `days` after now.
  void Grant(const std::string& key, int64_t programme, int64_t amount, int64_t days = 30) {
    GrantRequest request{key,           kHolder,  programme, amount, now.load() + days * kDayMs,
                         "Health dept", "checkup"};
    Caller op = Admin();
    REQUIRE(ledger->Grant(op, request));
  }

  int64_t Balance(int64_t programme) {
    auto balances = ledger->Balances(Admin(), kHolder);
    REQUIRE(balances);
    for (const ProgrammeBalance& b : *balances) {
      if (b.programme_id == programme) return b.balance;
    }
    return 0;
  }

  /// A points voucher of the health programme issued at the kiosk.
  Voucher IssuePoints(const std::string& key, int64_t amount,
                      const std::string& expires_on = "2026-06-30", int64_t programme = 1) {
    VoucherIssueRequest request;
    request.idempotency_key = key;
    request.mykey_id = kHolder;
    request.programme_id = programme;
    request.amount = amount;
    request.expires_on = expires_on;
    auto issued = vouchers->Issue(Terminal(kiosk, "kiosk-1"), request);
    REQUIRE(issued);
    return *issued;
  }

  Voucher Confirm(const Voucher& v, const std::string& key) {
    auto confirmed = vouchers->ConfirmPrinted(Terminal(kiosk, "kiosk-1"), key, v.serial);
    REQUIRE(confirmed);
    return *confirmed;
  }

  void RequireReconciled() {
    auto report = vouchers->Reconcile();
    REQUIRE(report);
    for (const std::string& problem : report->problems) UNSCOPED_INFO(problem);
    REQUIRE(report->ok());
  }
};

}  // namespace mykey::cloud::voucher_testing
