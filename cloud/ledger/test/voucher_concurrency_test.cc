// Two terminals redeeming one voucher at the same moment, on each real store
// (SQLite, then PostgreSQL): exactly one wins, the other is refused, the
// merchant is owed the voucher once and the ledger reconciles. And the
// redemption's own guard, without relying on isolation: a state change that
// finds the voucher already changed refuses the whole redemption.
#include <atomic>
#include <barrier>
#include <thread>
#include <vector>

#include "voucher_fixture.h"

namespace mykey::cloud {
namespace {

using namespace voucher_testing;  // NOLINT(google-build-using-namespace): test fixture

#define MYKEY_VOUCHER_TEST(name) \
  TEMPLATE_TEST_CASE(name, "[vouchers]", testing::SqliteBackend, testing::PostgresBackend)

/// The redemption transfers posted for the merchant, and their sum.
std::pair<int64_t, int64_t> RedemptionTransfers(VoucherFixture& f) {
  std::pair<int64_t, int64_t> found{0, 0};
  REQUIRE(f.store->WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
    MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow("SELECT COUNT(*), COALESCE(SUM(amount), 0)"
                                                 " FROM ledger_transfers"
                                                 " WHERE kind = 'voucher_redemption'"));
    found = {row->Int(0), row->Int(1)};
    return Ok();
  }));
  return found;
}

MYKEY_VOUCHER_TEST("Two terminals redeeming one voucher at once: one wins, the other is refused") {
  VoucherFixture f(VoucherFixture::Fresh<TestType>(/*connections=*/8), {});
  constexpr int kVouchers = 12;
  f.Grant("g", f.health, 100 * kVouchers);
  std::vector<Voucher> vouchers;
  for (int i = 0; i < kVouchers; ++i) {
    const std::string n = std::to_string(i);
    vouchers.push_back(f.Confirm(f.IssuePoints("v" + n, 100), "c" + n));
  }
  std::atomic<int> won{0}, already{0}, other{0};
  for (const Voucher& v : vouchers) {
    std::barrier start(2);
    auto redeem = [&](const std::string& till) {
      start.arrive_and_wait();
      auto r = f.vouchers->Redeem(Terminal(f.shop, till), "rd-" + v.serial, v.serial);
      // PostgreSQL may give up retrying a serialization failure (kAborted: nothing applied);
      // the terminal asks again with the same key.
      for (int i = 0; i < 20 && !r && r.error().code() == ErrorCode::kAborted; ++i) {
        r = f.vouchers->Redeem(Terminal(f.shop, till), "rd-" + v.serial, v.serial);
      }
      if (r) {
        ++won;
      } else if (VoucherReasonOf(r.error()) == VoucherReason::kAlreadyRedeemed) {
        ++already;
      } else {
        UNSCOPED_INFO(r.error().ToString());
        ++other;
      }
    };
    std::thread a(redeem, "till-a");
    std::thread b(redeem, "till-b");
    a.join();
    b.join();
  }
  CHECK(won == kVouchers);
  CHECK(already == kVouchers);
  CHECK(other == 0);
  const auto [transfers, total] = RedemptionTransfers(f);
  CHECK(transfers == kVouchers);  // the merchant is owed each voucher once
  CHECK(total == 100 * kVouchers);
  f.RequireReconciled();
}

/// Makes every change of a voucher to 'redeemed' change no row, as a second
/// redemption that lost the race sees it: the state moved under it.
Status SkipRedeemedUpdates(VoucherFixture& f, std::string_view backend) {
  if (backend == testing::SqliteBackend::kName) {
    return f.Sql(
        "CREATE TRIGGER skip_redeemed BEFORE UPDATE OF state ON vouchers"
        " WHEN NEW.state = 'redeemed' BEGIN SELECT RAISE(IGNORE); END");
  }
  MYKEY_TRY(
      f.Sql("CREATE FUNCTION skip_row() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN RETURN NULL; END $$"));
  return f.Sql(
      "CREATE TRIGGER skip_redeemed BEFORE UPDATE ON vouchers FOR EACH ROW"
      " WHEN (NEW.state = 'redeemed') EXECUTE FUNCTION skip_row()");
}

MYKEY_VOUCHER_TEST("A redemption whose state change finds no row is refused and posts nothing") {
  VoucherFixture f(VoucherFixture::Fresh<TestType>(), {});
  f.Grant("g", f.health, 1000);
  const Voucher v = f.Confirm(f.IssuePoints("v1", 300), "c1");
  REQUIRE(SkipRedeemedUpdates(f, TestType::kName));
  auto refused = f.vouchers->Redeem(Terminal(f.shop, "till-1"), "rd1", v.serial);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == ErrorCode::kAborted);
  CHECK(RedemptionTransfers(f).first == 0);  // the transfer rolled back with it
  f.RequireReconciled();
}

}  // namespace
}  // namespace mykey::cloud
