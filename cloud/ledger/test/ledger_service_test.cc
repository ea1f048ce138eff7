// LedgerService over each real store (SQLite, PostgreSQL): every rule and every
// refusal.
#include "mykey/ledger/ledger_service.h"

#include "mykey/ledger/idempotency_purge.h"

#include "ledger_fixture.h"

namespace mykey::cloud {
namespace {

using namespace ledger_testing;  // NOLINT(google-build-using-namespace): test fixture

constexpr const char* kHolder = "AB23CD45";
constexpr const char* kOther = "ZZ99YY88";

RedemptionRequest Redeem(const std::string& key, int64_t programme, int64_t amount,
                         bool hold = false, const std::string& mykey_id = kHolder) {
  return RedemptionRequest{key, mykey_id, programme, amount, hold};
}

LedgerReason ReasonOf(const Error& error) {
  return LedgerReasonOf(error);
}

std::vector<LotBalance> LotsOf(LedgerFixture& f, const std::string& mykey_id, int64_t programme) {
  auto balances = f.ledger->Balances(Admin(), mykey_id);
  REQUIRE(balances);
  for (const ProgrammeBalance& b : *balances) {
    if (b.programme_id == programme) return b.lots;
  }
  return {};
}

int64_t IdempotencyRecords(LedgerFixture& f) {
  int64_t count = -1;
  REQUIRE(f.store->WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
    MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow("SELECT count(*) FROM idempotency_records"));
    count = row->Int(0);
    return Ok();
  }));
  return count;
}

MYKEY_LEDGER_TEST("A grant creates a lot with its expiry and raises the holder's balance") {
  LedgerFixture f(FreshStore<TestType>());
  const GrantResult grant = f.GrantPoints("g-1", kHolder, f.health, 500, 30);
  CHECK(grant.amount == 500);
  CHECK(grant.balance == 500);
  CHECK(grant.lot_id > 0);
  CHECK_FALSE(grant.replayed);
  auto balances = f.ledger->Balances(Terminal(f.shop, "t1"), kHolder);
  REQUIRE(balances);
  REQUIRE(balances->size() == 1);
  CHECK((*balances)[0].programme_code == "health");
  CHECK((*balances)[0].municipality_code == "131016");
  CHECK((*balances)[0].balance == 500);
  CHECK((*balances)[0].held == 0);
  REQUIRE((*balances)[0].lots.size() == 1);
  CHECK((*balances)[0].lots[0].source == "grant");
  CHECK((*balances)[0].lots[0].expires_at_ms == kStartMs + 30 * kDayMs);
  f.RequireReconciled();
}

MYKEY_LEDGER_TEST("The same grant key with the same request returns the original result once") {
  LedgerFixture f(FreshStore<TestType>());
  const GrantResult first = f.GrantPoints("g-1", kHolder, f.health, 500);
  f.now += kMinuteMs;
  GrantRequest again{"g-1",         kHolder,  f.health, 500, kStartMs + 30 * kDayMs,
                     "Health dept", "checkup"};
  auto replay = f.ledger->Grant(Operator("131016"), again);
  REQUIRE(replay);
  CHECK(replay->replayed);
  CHECK(replay->transfer_id == first.transfer_id);
  CHECK(replay->lot_id == first.lot_id);
  CHECK(replay->created_at_ms == first.created_at_ms);
  CHECK(f.BalanceOf(kHolder, f.health) == 500);
  f.RequireReconciled();
}

MYKEY_LEDGER_TEST("The same key with a different request is refused as key reuse") {
  LedgerFixture f(FreshStore<TestType>());
  f.GrantPoints("g-1", kHolder, f.health, 500);
  GrantRequest different{"g-1",         kHolder,  f.health, 501, kStartMs + 30 * kDayMs,
                         "Health dept", "checkup"};
  auto reuse = f.ledger->Grant(Operator("131016"), different);
  REQUIRE_FALSE(reuse);
  CHECK(reuse.error().code() == ErrorCode::kFailedPrecondition);
  CHECK(ReasonOf(reuse.error()) == LedgerReason::kIdempotencyKeyReuse);
  CHECK(f.BalanceOf(kHolder, f.health) == 500);
}

MYKEY_LEDGER_TEST("Idempotency keys are scoped per caller") {
  LedgerFixture f(FreshStore<TestType>());
  f.GrantPoints("k", kHolder, f.health, 500);
  // The admin's "k" is another operation than Chiyoda's "k".
  GrantRequest request{"k", kHolder, f.health, 100, kStartMs + kDayMs, "Admin", "fix"};
  auto admin = f.ledger->Grant(Admin(), request);
  REQUIRE(admin);
  CHECK_FALSE(admin->replayed);
  CHECK(f.BalanceOf(kHolder, f.health) == 600);
}

MYKEY_LEDGER_TEST(
    "A replay is answered after the holder's balance changed, with the original figures") {
  LedgerFixture f(FreshStore<TestType>());
  f.GrantPoints("g-1", kHolder, f.health, 500);
  auto first = f.ledger->Redeem(Terminal(f.shop, "t1"), Redeem("r-1", f.health, 200));
  REQUIRE(first);
  f.GrantPoints("g-2", kHolder, f.health, 1000);
  auto replay = f.ledger->Redeem(Terminal(f.shop, "t1"), Redeem("r-1", f.health, 200));
  REQUIRE(replay);
  CHECK(replay->replayed);
  CHECK(replay->redemption_id == first->redemption_id);
  CHECK(replay->balance == 300);
  CHECK(f.BalanceOf(kHolder, f.health) == 1300);
}

MYKEY_LEDGER_TEST("An idempotency key older than the window may be used again") {
  LedgerOptions options;
  options.idempotency_window = std::chrono::hours(24);
  LedgerFixture f(FreshStore<TestType>(), options);
  f.GrantPoints("g-1", kHolder, f.health, 500, 60);
  f.now += 25 * 3'600'000;
  GrantRequest different{"g-1", kHolder, f.health, 7, f.now + kDayMs, "Health dept", "again"};
  auto again = f.ledger->Grant(Operator("131016"), different);
  REQUIRE(again);
  CHECK_FALSE(again->replayed);
  CHECK(f.BalanceOf(kHolder, f.health) == 507);
}

MYKEY_LEDGER_TEST("Grants are refused to terminals, other municipalities and bad requests") {
  LedgerFixture f(FreshStore<TestType>());
  const int64_t expiry = kStartMs + kDayMs;
  GrantRequest ok{"g", kHolder, f.health, 10, expiry, "Dept", "why"};
  CHECK(ReasonOf(f.ledger->Grant(Terminal(f.shop, "t1"), ok).error()) == LedgerReason::kNotAllowed);
  CHECK(ReasonOf(f.ledger->Grant(Operator("271004"), ok).error()) == LedgerReason::kNotAllowed);
  GrantRequest unknown = ok;
  unknown.programme_id = 99;
  auto missing = f.ledger->Grant(Operator("131016"), unknown);
  CHECK(missing.error().code() == ErrorCode::kNotFound);
  CHECK(ReasonOf(missing.error()) == LedgerReason::kUnknownProgramme);
  GrantRequest past = ok;
  past.expires_at_ms = kStartMs;
  CHECK(f.ledger->Grant(Operator("131016"), past).error().code() == ErrorCode::kInvalidArgument);
  GrantRequest bad_id = ok;
  bad_id.mykey_id = "AB12CD3";
  CHECK(f.ledger->Grant(Operator("131016"), bad_id).error().code() == ErrorCode::kInvalidArgument);
  GrantRequest zero = ok;
  zero.amount = 0;
  CHECK(f.ledger->Grant(Operator("131016"), zero).error().code() == ErrorCode::kInvalidArgument);
  GrantRequest no_key = ok;
  no_key.idempotency_key = "";
  CHECK(f.ledger->Grant(Operator("131016"), no_key).error().code() == ErrorCode::kInvalidArgument);
  auto balances = f.ledger->Balances(Admin(), kHolder);
  REQUIRE(balances);
  CHECK(balances->empty());
}

MYKEY_LEDGER_TEST("A redemption spends the soonest-expiring lots first, then the lowest lot id") {
  LedgerFixture f(FreshStore<TestType>());
  const GrantResult late = f.GrantPoints("g-late", kHolder, f.health, 100, 90);
  const GrantResult soon_a = f.GrantPoints("g-soon-a", kHolder, f.health, 100, 10);
  const GrantResult soon_b = f.GrantPoints("g-soon-b", kHolder, f.health, 100, 10);
  const GrantResult middle = f.GrantPoints("g-middle", kHolder, f.health, 100, 30);
  auto redeemed = f.ledger->Redeem(Terminal(f.shop, "t1"), Redeem("r-1", f.health, 250));
  REQUIRE(redeemed);
  CHECK(redeemed->state == RedemptionState::kCaptured);
  CHECK(redeemed->balance == 150);
  const auto lots = LotsOf(f, kHolder, f.health);
  REQUIRE(lots.size() == 2);
  CHECK(lots[0].lot_id == middle.lot_id);
  CHECK(lots[0].remaining == 50);
  CHECK(lots[1].lot_id == late.lot_id);
  CHECK(lots[1].remaining == 100);
  (void)soon_a;
  (void)soon_b;
  f.RequireReconciled();
}

MYKEY_LEDGER_TEST("A redemption above the balance is refused and changes nothing") {
  LedgerFixture f(FreshStore<TestType>());
  f.GrantPoints("g-1", kHolder, f.health, 100);
  auto over = f.ledger->Redeem(Terminal(f.shop, "t1"), Redeem("r-1", f.health, 101));
  REQUIRE_FALSE(over);
  CHECK(over.error().code() == ErrorCode::kFailedPrecondition);
  CHECK(ReasonOf(over.error()) == LedgerReason::kInsufficientBalance);
  CHECK(f.BalanceOf(kHolder, f.health) == 100);
  // A refused request leaves no record: the key runs afresh later.
  CHECK(f.ledger->FindOperation(Terminal(f.shop, "t1"), "r-1").error().code() ==
        ErrorCode::kNotFound);
  auto exact = f.ledger->Redeem(Terminal(f.shop, "t1"), Redeem("r-1", f.health, 100));
  REQUIRE(exact);
  CHECK(exact->balance == 0);
  auto nothing = f.ledger->Redeem(Terminal(f.shop, "t1"), Redeem("r-2", f.health, 1));
  CHECK(ReasonOf(nothing.error()) == LedgerReason::kInsufficientBalance);
  auto stranger =
      f.ledger->Redeem(Terminal(f.shop, "t1"), Redeem("r-3", f.health, 1, false, kOther));
  CHECK(ReasonOf(stranger.error()) == LedgerReason::kInsufficientBalance);
  f.RequireReconciled();
}

MYKEY_LEDGER_TEST("A merchant cannot redeem a programme it does not accept") {
  LedgerFixture f(FreshStore<TestType>());
  f.GrantPoints("g-1", kHolder, f.health, 100);
  auto refused = f.ledger->Redeem(Terminal(f.festival_shop, "t2"), Redeem("r-1", f.health, 10));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == ErrorCode::kPermissionDenied);
  CHECK(ReasonOf(refused.error()) == LedgerReason::kProgrammeNotAccepted);
  auto unknown = f.ledger->Redeem(Terminal(f.shop, "t1"), Redeem("r-2", 99, 10));
  CHECK(ReasonOf(unknown.error()) == LedgerReason::kUnknownProgramme);
  auto no_merchant = f.ledger->Redeem(Terminal(42, "t9"), Redeem("r-3", f.health, 10));
  CHECK(ReasonOf(no_merchant.error()) == LedgerReason::kUnknownMerchant);
  auto operator_call = f.ledger->Redeem(Operator("131016"), Redeem("r-4", f.health, 10));
  CHECK(ReasonOf(operator_call.error()) == LedgerReason::kNotAllowed);
  CHECK(f.BalanceOf(kHolder, f.health) == 100);
}

MYKEY_LEDGER_TEST("Points of one municipality are spent in another only where its policy allows") {
  LedgerFixture f(FreshStore<TestType>());
  f.GrantPoints("g-1", kHolder, f.health, 100);
  // Shop 3 (Osaka) accepts Chiyoda's health points, but Chiyoda's policy is off.
  auto refused = f.ledger->Redeem(Terminal(f.osaka_shop, "t3"), Redeem("r-1", f.health, 10));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == ErrorCode::kPermissionDenied);
  CHECK(ReasonOf(refused.error()) == LedgerReason::kCrossMunicipalityRefused);
  REQUIRE(f.Sql("UPDATE municipalities SET cross_municipality_use = 1 WHERE code = '131016'"));
  auto allowed = f.ledger->Redeem(Terminal(f.osaka_shop, "t3"), Redeem("r-1", f.health, 10));
  REQUIRE(allowed);
  CHECK(allowed->balance == 90);
}

MYKEY_LEDGER_TEST("A suspended merchant cannot redeem") {
  LedgerFixture f(FreshStore<TestType>());
  f.GrantPoints("g-1", kHolder, f.health, 100);
  REQUIRE(f.Sql("UPDATE merchants SET status = 'suspended' WHERE id = 1"));
  auto refused = f.ledger->Redeem(Terminal(f.shop, "t1"), Redeem("r-1", f.health, 10));
  CHECK(ReasonOf(refused.error()) == LedgerReason::kMerchantSuspended);
}

MYKEY_LEDGER_TEST("A hold reserves points; capturing it twice pays the merchant once") {
  LedgerFixture f(FreshStore<TestType>());
  f.GrantPoints("g-1", kHolder, f.health, 100);
  const Caller t1 = Terminal(f.shop, "t1");
  auto held = f.ledger->Redeem(t1, Redeem("h-1", f.health, 40, true));
  REQUIRE(held);
  CHECK(held->state == RedemptionState::kHeld);
  CHECK(held->hold_expires_at_ms == kStartMs + 10 * kMinuteMs);
  CHECK(held->balance == 60);
  auto balances = f.ledger->Balances(t1, kHolder);
  REQUIRE(balances);
  CHECK((*balances)[0].held == 40);

  auto captured = f.ledger->Capture(t1, "c-1", held->redemption_id);
  REQUIRE(captured);
  CHECK(captured->state == RedemptionState::kCaptured);
  CHECK(captured->operation == "capture");
  auto again = f.ledger->Capture(t1, "c-2", held->redemption_id);
  REQUIRE(again);
  CHECK_FALSE(again->replayed);
  CHECK(again->state == RedemptionState::kCaptured);
  auto void_after = f.ledger->Void(t1, "v-1", held->redemption_id);
  CHECK(ReasonOf(void_after.error()) == LedgerReason::kAlreadyCaptured);

  auto report = f.ledger->Reconcile();
  REQUIRE(report);
  CHECK(report->ok());
  CHECK(report->spent == 40);
  CHECK(report->held == 0);
  CHECK(report->holder_balances == 60);
}

MYKEY_LEDGER_TEST("Voiding a hold returns the points to the same lots, once") {
  LedgerFixture f(FreshStore<TestType>());
  const GrantResult soon = f.GrantPoints("g-1", kHolder, f.health, 30, 5);
  const GrantResult late = f.GrantPoints("g-2", kHolder, f.health, 100, 50);
  const Caller t1 = Terminal(f.shop, "t1");
  auto held = f.ledger->Redeem(t1, Redeem("h-1", f.health, 50, true));
  REQUIRE(held);
  auto voided = f.ledger->Void(t1, "v-1", held->redemption_id);
  REQUIRE(voided);
  CHECK(voided->state == RedemptionState::kVoided);
  CHECK(voided->balance == 130);
  auto twice = f.ledger->Void(t1, "v-2", held->redemption_id);
  REQUIRE(twice);
  CHECK(twice->state == RedemptionState::kVoided);
  CHECK(twice->balance == 130);
  auto capture_after = f.ledger->Capture(t1, "c-1", held->redemption_id);
  CHECK(ReasonOf(capture_after.error()) == LedgerReason::kAlreadyVoided);
  const auto lots = LotsOf(f, kHolder, f.health);
  REQUIRE(lots.size() == 2);
  CHECK(lots[0].lot_id == soon.lot_id);
  CHECK(lots[0].remaining == 30);
  CHECK(lots[1].lot_id == late.lot_id);
  CHECK(lots[1].remaining == 100);
  f.RequireReconciled();
}

MYKEY_LEDGER_TEST("Another merchant's redemption reads as not found") {
  LedgerFixture f(FreshStore<TestType>());
  f.GrantPoints("g-1", kHolder, f.health, 100);
  auto held = f.ledger->Redeem(Terminal(f.shop, "t1"), Redeem("h-1", f.health, 10, true));
  REQUIRE(held);
  auto other = f.ledger->Capture(Terminal(f.festival_shop, "t2"), "c-1", held->redemption_id);
  CHECK(other.error().code() == ErrorCode::kNotFound);
  CHECK(ReasonOf(other.error()) == LedgerReason::kUnknownRedemption);
  CHECK(ReasonOf(f.ledger->Void(Terminal(f.shop, "t1"), "v", 999).error()) ==
        LedgerReason::kUnknownRedemption);
}

MYKEY_LEDGER_TEST("A hold past its timeout cannot be captured and is released by the sweep") {
  LedgerOptions options;
  options.hold_timeout = std::chrono::minutes(10);
  LedgerFixture f(FreshStore<TestType>(), options);
  f.GrantPoints("g-1", kHolder, f.health, 100);
  const Caller t1 = Terminal(f.shop, "t1");
  auto held = f.ledger->Redeem(t1, Redeem("h-1", f.health, 70, true));
  REQUIRE(held);
  f.now += 10 * kMinuteMs;
  auto late = f.ledger->Capture(t1, "c-1", held->redemption_id);
  CHECK(ReasonOf(late.error()) == LedgerReason::kHoldExpired);

  auto swept = f.ledger->SweepExpiredHolds();
  REQUIRE(swept);
  CHECK(swept->items == 1);
  CHECK(swept->points == 70);
  auto again = f.ledger->SweepExpiredHolds();
  REQUIRE(again);
  CHECK(again->items == 0);
  CHECK(f.BalanceOf(kHolder, f.health) == 100);
  auto voided = f.ledger->Void(t1, "v-1", held->redemption_id);
  REQUIRE(voided);
  CHECK(voided->state == RedemptionState::kExpired);
  CHECK(voided->balance == 100);
  f.RequireReconciled();
}

MYKEY_LEDGER_TEST("A timed-out hold is released lazily when touched") {
  LedgerFixture f(FreshStore<TestType>());
  f.GrantPoints("g-1", kHolder, f.health, 100);
  const Caller t1 = Terminal(f.shop, "t1");
  auto first = f.ledger->Redeem(t1, Redeem("h-1", f.health, 80, true));
  auto second = f.ledger->Redeem(t1, Redeem("h-2", f.health, 80, true));
  REQUIRE(first);
  CHECK(ReasonOf(second.error()) == LedgerReason::kInsufficientBalance);
  f.now += 11 * kMinuteMs;
  // The new redemption first releases the timed-out hold of this holder.
  auto third = f.ledger->Redeem(t1, Redeem("h-3", f.health, 80, true));
  REQUIRE(third);
  CHECK(third->balance == 20);
  // Voiding the timed-out one answers its final state.
  auto voided = f.ledger->Void(t1, "v-1", first->redemption_id);
  REQUIRE(voided);
  CHECK(voided->state == RedemptionState::kExpired);
  f.RequireReconciled();
}

MYKEY_LEDGER_TEST(
    "A refund returns points to the original lots, latest-expiring first, up to the amount") {
  LedgerFixture f(FreshStore<TestType>());
  const GrantResult soon = f.GrantPoints("g-1", kHolder, f.health, 50, 10);
  const GrantResult late = f.GrantPoints("g-2", kHolder, f.health, 50, 40);
  const Caller t1 = Terminal(f.shop, "t1");
  auto redeemed = f.ledger->Redeem(t1, Redeem("r-1", f.health, 80));
  REQUIRE(redeemed);
  auto refund = f.ledger->Refund(t1, {"rf-1", redeemed->redemption_id, 20});
  REQUIRE(refund);
  CHECK(refund->refunded_total == 20);
  CHECK(refund->balance == 40);
  auto lots = LotsOf(f, kHolder, f.health);
  REQUIRE(lots.size() == 1);
  CHECK(lots[0].lot_id == late.lot_id);
  CHECK(lots[0].remaining == 40);  // 30 spent from the late lot; 20 came back to it

  auto replay = f.ledger->Refund(t1, {"rf-1", redeemed->redemption_id, 20});
  REQUIRE(replay);
  CHECK(replay->replayed);
  CHECK(replay->transfer_id == refund->transfer_id);

  auto over = f.ledger->Refund(t1, {"rf-2", redeemed->redemption_id, 61});
  CHECK(ReasonOf(over.error()) == LedgerReason::kRefundExceedsCaptured);
  auto rest = f.ledger->Refund(t1, {"rf-3", redeemed->redemption_id, 60});
  REQUIRE(rest);
  CHECK(rest->refunded_total == 80);
  lots = LotsOf(f, kHolder, f.health);
  REQUIRE(lots.size() == 2);
  CHECK(lots[0].lot_id == soon.lot_id);
  CHECK(lots[0].remaining == 50);
  CHECK(lots[1].remaining == 50);
  auto more = f.ledger->Refund(t1, {"rf-4", redeemed->redemption_id, 1});
  CHECK(ReasonOf(more.error()) == LedgerReason::kRefundExceedsCaptured);
  auto other =
      f.ledger->Refund(Terminal(f.festival_shop, "t2"), {"rf", redeemed->redemption_id, 1});
  CHECK(ReasonOf(other.error()) == LedgerReason::kUnknownRedemption);
  f.RequireReconciled();
}

MYKEY_LEDGER_TEST("Refunded points of a lot that has expired go to a new refund lot") {
  LedgerOptions options;
  options.refund_grace = std::chrono::hours(24 * 30);
  LedgerFixture f(FreshStore<TestType>(), options);
  f.GrantPoints("g-1", kHolder, f.health, 50, 2);
  const Caller t1 = Terminal(f.shop, "t1");
  auto redeemed = f.ledger->Redeem(t1, Redeem("r-1", f.health, 50));
  REQUIRE(redeemed);
  f.now += 3 * kDayMs;
  auto refund = f.ledger->Refund(t1, {"rf-1", redeemed->redemption_id, 30});
  REQUIRE(refund);
  CHECK(refund->balance == 30);
  const auto lots = LotsOf(f, kHolder, f.health);
  REQUIRE(lots.size() == 1);
  CHECK(lots[0].source == "refund");
  CHECK(lots[0].remaining == 30);
  CHECK(lots[0].expires_at_ms == f.now + 30 * kDayMs);
  f.RequireReconciled();
}

MYKEY_LEDGER_TEST("A held redemption cannot be refunded") {
  LedgerFixture f(FreshStore<TestType>());
  f.GrantPoints("g-1", kHolder, f.health, 50);
  const Caller t1 = Terminal(f.shop, "t1");
  auto held = f.ledger->Redeem(t1, Redeem("h-1", f.health, 20, true));
  REQUIRE(held);
  CHECK(ReasonOf(f.ledger->Refund(t1, {"rf-1", held->redemption_id, 5}).error()) ==
        LedgerReason::kNotCaptured);
}

MYKEY_LEDGER_TEST("The expiry sweep moves expired lots to the expiry sink, once") {
  LedgerFixture f(FreshStore<TestType>());
  f.GrantPoints("g-1", kHolder, f.health, 100, 1);
  f.GrantPoints("g-2", kHolder, f.health, 40, 5);
  f.GrantPoints("g-3", kOther, f.health, 7, 1);
  auto redeemed = f.ledger->Redeem(Terminal(f.shop, "t1"), Redeem("r-1", f.health, 30));
  REQUIRE(redeemed);
  f.now += kDayMs;  // the 1-day lots expire exactly now
  auto swept = f.ledger->SweepExpiredLots();
  REQUIRE(swept);
  CHECK(swept->items == 2);
  CHECK(swept->points == 77);
  auto again = f.ledger->SweepExpiredLots();
  REQUIRE(again);
  CHECK(again->items == 0);
  CHECK(f.BalanceOf(kHolder, f.health) == 40);
  CHECK(f.BalanceOf(kOther, f.health) == 0);
  auto report = f.ledger->Reconcile();
  REQUIRE(report);
  CHECK(report->ok());
  CHECK(report->issued == 147);
  CHECK(report->expired == 77);
  CHECK(report->spent == 30);
  CHECK(report->holder_balances == 40);
}

MYKEY_LEDGER_TEST("A sweep in small batches expires every lot") {
  LedgerOptions options;
  options.sweep_batch = 2;
  LedgerFixture f(FreshStore<TestType>(), options);
  for (int i = 0; i < 5; ++i) f.GrantPoints("g-" + std::to_string(i), kHolder, f.health, 10, 1);
  f.now += 2 * kDayMs;
  auto swept = f.ledger->SweepExpiredLots();
  REQUIRE(swept);
  CHECK(swept->items == 5);
  CHECK(swept->points == 50);
  f.RequireReconciled();
}

MYKEY_LEDGER_TEST("A redemption never spends an expired lot and expires it on the way") {
  LedgerFixture f(FreshStore<TestType>());
  f.GrantPoints("g-1", kHolder, f.health, 100, 1);
  f.GrantPoints("g-2", kHolder, f.health, 20, 10);
  f.now += kDayMs;
  auto over = f.ledger->Redeem(Terminal(f.shop, "t1"), Redeem("r-1", f.health, 50));
  CHECK(ReasonOf(over.error()) == LedgerReason::kInsufficientBalance);
  auto ok = f.ledger->Redeem(Terminal(f.shop, "t1"), Redeem("r-2", f.health, 20));
  REQUIRE(ok);
  auto report = f.ledger->Reconcile();
  REQUIRE(report);
  CHECK(report->ok());
  CHECK(report->expired == 100);
  CHECK(report->spent == 20);
}

MYKEY_LEDGER_TEST("An operation is found by its key, only by the caller who made it") {
  LedgerFixture f(FreshStore<TestType>());
  f.GrantPoints("g-1", kHolder, f.health, 100);
  auto redeemed = f.ledger->Redeem(Terminal(f.shop, "t1"), Redeem("r-1", f.health, 10));
  REQUIRE(redeemed);
  auto record = f.ledger->FindOperation(Terminal(f.shop, "t1"), "r-1");
  REQUIRE(record);
  CHECK(record->status_code == 201);
  CHECK(record->result_json.find("\"redemption_id\":" + std::to_string(redeemed->redemption_id)) !=
        std::string::npos);
  CHECK(record->expires_at_ms == record->created_at_ms + 24 * 3'600'000);
  CHECK(f.ledger->FindOperation(Terminal(f.shop, "t2"), "r-1").error().code() ==
        ErrorCode::kNotFound);
  CHECK(f.ledger->FindOperation(Terminal(f.shop, "t1"), "r-2").error().code() ==
        ErrorCode::kNotFound);
}

MYKEY_LEDGER_TEST("Balances show operators only their municipality's programmes") {
  LedgerFixture f(FreshStore<TestType>());
  f.GrantPoints("g-1", kHolder, f.health, 100);
  GrantRequest osaka{"g-2", kHolder, f.osaka, 5, kStartMs + kDayMs, "Dept", "why"};
  REQUIRE(f.ledger->Grant(Operator("271004"), osaka));
  auto chiyoda = f.ledger->Balances(Operator("131016"), kHolder);
  REQUIRE(chiyoda);
  REQUIRE(chiyoda->size() == 1);
  CHECK((*chiyoda)[0].programme_code == "health");
  auto terminal = f.ledger->Balances(Terminal(f.shop, "t1"), kHolder);
  REQUIRE(terminal);
  CHECK(terminal->size() == 2);
  Caller provider;
  provider.kind = CallerKind::kOperator;
  provider.scope = OperatorScope::kProvider;
  provider.scope_id = "A1";
  CHECK(ReasonOf(f.ledger->Balances(provider, kHolder).error()) == LedgerReason::kNotAllowed);
  CHECK(f.ledger->Balances(Admin(), "bad").error().code() == ErrorCode::kInvalidArgument);
}

MYKEY_LEDGER_TEST("The settlement CSV nets redemptions and refunds per programme and Japan day") {
  LedgerFixture f(FreshStore<TestType>());
  REQUIRE(f.Sql("UPDATE municipalities SET cross_municipality_use = 1 WHERE code = '271004'"));
  f.GrantPoints("g-1", kHolder, f.health, 1000);
  GrantRequest osaka{"g-2", kHolder, f.osaka, 500, kStartMs + 30 * kDayMs, "Dept", "why"};
  REQUIRE(f.ledger->Grant(Operator("271004"), osaka));
  const Caller t1 = Terminal(f.shop, "t1");
  auto a = f.ledger->Redeem(t1, Redeem("r-1", f.health, 300));
  REQUIRE(a);
  auto b = f.ledger->Redeem(t1, Redeem("r-2", f.osaka, 50));
  REQUIRE(b);
  auto held = f.ledger->Redeem(t1, Redeem("h-1", f.health, 100, true));
  REQUIRE(held);
  REQUIRE(f.ledger->Capture(t1, "c-1", held->redemption_id));
  auto voided = f.ledger->Redeem(t1, Redeem("h-2", f.health, 5, true));
  REQUIRE(voided);
  REQUIRE(f.ledger->Void(t1, "v-1", voided->redemption_id));
  // 2026-04-02 23:59 in Japan: still the 2nd; a refund of day 1's redemption.
  f.now = kStartMs + kDayMs + 14 * 3'600'000 - kMinuteMs;
  REQUIRE(f.ledger->Refund(t1, {"rf-1", a->redemption_id, 120}));
  REQUIRE(f.ledger->Redeem(t1, Redeem("r-3", f.health, 7)));
  // 2026-04-03 00:00 in Japan: the 3rd.
  f.now = kStartMs + 2 * kDayMs - 10 * 3'600'000;
  REQUIRE(f.ledger->Redeem(t1, Redeem("r-4", f.health, 11)));

  auto admin = f.ledger->SettlementCsv(Admin(), f.shop, "2026-04-01", "2026-04-03");
  REQUIRE(admin);
  CHECK(*admin ==
        "date,merchant_id,programme_id,programme_code,redeemed,refunded,net\n"
        "2026-04-01,1,1,health,400,0,400\n"
        "2026-04-01,1,3,osaka,50,0,50\n"
        "2026-04-02,1,1,health,7,120,-113\n"
        "2026-04-03,1,1,health,11,0,11\n");
  auto chiyoda = f.ledger->SettlementCsv(Operator("131016"), f.shop, "2026-04-02", "2026-04-02");
  REQUIRE(chiyoda);
  CHECK(*chiyoda ==
        "date,merchant_id,programme_id,programme_code,redeemed,refunded,net\n"
        "2026-04-02,1,1,health,7,120,-113\n");
  auto osaka_view = f.ledger->SettlementCsv(Operator("271004"), f.shop, "2026-04-01", "2026-04-30");
  REQUIRE(osaka_view);
  CHECK(*osaka_view ==
        "date,merchant_id,programme_id,programme_code,redeemed,refunded,net\n"
        "2026-04-01,1,3,osaka,50,0,50\n");
  CHECK(f.ledger->SettlementCsv(Admin(), f.shop, "2026-04-03", "2026-04-01").error().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(f.ledger->SettlementCsv(Admin(), f.shop, "2026-4-1", "2026-04-03").error().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(ReasonOf(f.ledger->SettlementCsv(Admin(), 77, "2026-04-01", "2026-04-01").error()) ==
        LedgerReason::kUnknownMerchant);
  CHECK(ReasonOf(f.ledger->SettlementCsv(t1, f.shop, "2026-04-01", "2026-04-01").error()) ==
        LedgerReason::kNotAllowed);
}

MYKEY_LEDGER_TEST("The unused-balance CSV counts unexpired lots at the end of the day") {
  LedgerFixture f(FreshStore<TestType>());
  // kHolder: 100 valid through 2026-04-02, 50 for 30 days; kOther: 10.
  REQUIRE(f.ledger->Grant(Operator("131016"),
                          {"g-1", kHolder, f.health, 100, *JapanDayEndMs("2026-04-02"), "D", "r"}));
  f.GrantPoints("g-2", kHolder, f.health, 50, 30);
  f.GrantPoints("g-3", kOther, f.health, 10, 30);
  REQUIRE(f.ledger->Redeem(Terminal(f.shop, "t1"), Redeem("r-1", f.health, 30)));
  f.now += 2 * kDayMs;  // the 3rd: spend 5 more of the 50
  REQUIRE(f.ledger->Redeem(Terminal(f.shop, "t1"), Redeem("r-2", f.health, 5)));

  auto day1 = f.ledger->UnusedBalanceCsv(Operator("131016"), "131016", "2026-04-01");
  REQUIRE(day1);
  CHECK(*day1 ==
        "programme_id,programme_code,holders,unused\n"
        "1,health,2,130\n"
        "2,festival,0,0\n");
  // The first lot is valid through the 2nd: its 70 are still unused then.
  auto day2 = f.ledger->UnusedBalanceCsv(Admin(), "131016", "2026-04-02");
  REQUIRE(day2);
  CHECK(*day2 ==
        "programme_id,programme_code,holders,unused\n"
        "1,health,2,130\n"
        "2,festival,0,0\n");
  // On the 3rd it has expired, and 5 more were spent.
  auto day3 = f.ledger->UnusedBalanceCsv(Admin(), "131016", "2026-04-03");
  REQUIRE(day3);
  CHECK(*day3 ==
        "programme_id,programme_code,holders,unused\n"
        "1,health,2,55\n"
        "2,festival,0,0\n");
  CHECK(ReasonOf(f.ledger->UnusedBalanceCsv(Operator("271004"), "131016", "2026-04-01").error()) ==
        LedgerReason::kNotAllowed);
}

MYKEY_LEDGER_TEST("Reconcile finds a lot changed behind the ledger's back") {
  LedgerFixture f(FreshStore<TestType>());
  f.GrantPoints("g-1", kHolder, f.health, 100);
  f.RequireReconciled();
  REQUIRE(f.Sql("UPDATE ledger_lots SET remaining = remaining + 5"));
  auto report = f.ledger->Reconcile();
  REQUIRE(report);
  CHECK_FALSE(report->ok());
  REQUIRE_FALSE(report->problems.empty());
  REQUIRE(f.Sql("UPDATE ledger_lots SET remaining = remaining - 5"));
  REQUIRE(
      f.Sql("INSERT INTO ledger_postings (transfer_id, account_id, amount)"
            " SELECT id, (SELECT MIN(id) FROM ledger_accounts), 3 FROM ledger_transfers"));
  report = f.ledger->Reconcile();
  REQUIRE(report);
  CHECK_FALSE(report->ok());
  CHECK(report->postings_sum == 3);
}

MYKEY_LEDGER_TEST("Idempotency records past their window are purged in batches, live ones stay") {
  LedgerOptions options;
  options.idempotency_window = std::chrono::hours(1);
  LedgerFixture f(FreshStore<TestType>(), options);
  for (int i = 0; i < 5; ++i) f.GrantPoints("old-" + std::to_string(i), kHolder, f.health, 10);
  f.now += 30 * kMinuteMs;
  const GrantRequest live_request{"live",        kHolder,  f.health, 7, kStartMs + 30 * kDayMs,
                                  "Health dept", "checkup"};
  auto live = f.ledger->Grant(Operator("131016"), live_request);
  REQUIRE(live);
  f.now += 45 * kMinuteMs;  // the five old keys' window ended, "live" has 15 minutes left
  REQUIRE(IdempotencyRecords(f) == 6);

  auto purged = PurgeExpiredIdempotencyRecords(*f.store, f.now.load(), /*batch=*/2);
  REQUIRE(purged);
  CHECK(purged->records == 5);
  CHECK(purged->transactions == 3);
  CHECK(IdempotencyRecords(f) == 1);
  // The live key still answers with its original result.
  auto replay = f.ledger->Grant(Operator("131016"), live_request);
  REQUIRE(replay);
  CHECK(replay->replayed);
  CHECK(replay->lot_id == live->lot_id);
  // Nothing left to purge; a batch below 1 is refused.
  auto again = PurgeExpiredIdempotencyRecords(*f.store, f.now.load());
  REQUIRE(again);
  CHECK(again->records == 0);
  auto refused = PurgeExpiredIdempotencyRecords(*f.store, f.now.load(), 0);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == ErrorCode::kInvalidArgument);
  f.RequireReconciled();
}
}  // namespace
}  // namespace mykey::cloud
