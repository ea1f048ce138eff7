// VoucherService on a real SQLite store: issue with proof of print, void,
// reprint, redemption once, expiry by policy, sold vouchers, who may do what,
// and the reconciliation with the voucher liability.
#include "mykey/ledger/voucher_service.h"

#include <chrono>

#include "mykey/protocol/voucher_token.h"
#include "voucher_fixture.h"

namespace mykey::cloud {
namespace {

using namespace voucher_testing;  // NOLINT(google-build-using-namespace): test fixture

VoucherReason ReasonOf(const Error& error) {
  return VoucherReasonOf(error);
}

TEST_CASE("A points voucher is issued pending print from the soonest-expiring lots and signed") {
  VoucherFixture f;
  f.Grant("g-late", f.health, 500, 60);
  f.Grant("g-soon", f.health, 300, 10);
  const Voucher v = f.IssuePoints("v1", 400);
  CHECK(v.state == VoucherState::kPendingPrint);
  CHECK(v.kind == "granted");
  CHECK(v.amount == 400);
  CHECK(v.issued_on == "2026-04-01");
  CHECK(v.expires_on == "2026-06-30");
  CHECK(v.mykey_id == kHolder);
  CHECK(f.Balance(f.health) == 400);
  // The soon lot (300) went first, then 100 from the late one.
  auto balances = f.ledger->Balances(Admin(), kHolder);
  REQUIRE(balances);
  REQUIRE(balances->front().lots.size() == 1);
  CHECK(balances->front().lots.front().remaining == 400);

  protocol::VoucherKeyRing ring;
  REQUIRE(ring.Add(*f.public_key));
  auto token = protocol::DecodeAndVerifyVoucherToken(
      v.token, ring, std::chrono::sys_seconds(std::chrono::seconds(kStartMs / 1000)));
  REQUIRE(token);
  CHECK(token->fields.serial.ToString() == v.serial);
  CHECK(token->fields.amount == 400);
  CHECK(token->fields.programme.municipality_code == 131016);
  CHECK(token->fields.programme.number == 0);
  CHECK(token->fields.kind == protocol::VoucherKind::kGranted);

  auto report = f.vouchers->Reconcile();
  REQUIRE(report);
  CHECK(report->ok());
  CHECK(report->outstanding == 400);
  CHECK(report->ledger.issued == 800);
  CHECK(report->ledger.holder_balances == 400);
}

TEST_CASE("Issuing again with the same key answers the same voucher: another request is refused") {
  VoucherFixture f;
  f.Grant("g", f.health, 1000);
  const Voucher first = f.IssuePoints("v1", 300);
  const Voucher again = f.IssuePoints("v1", 300);
  CHECK(again.replayed);
  CHECK(again.serial == first.serial);
  CHECK(again.token == first.token);
  CHECK(f.Balance(f.health) == 700);
  VoucherIssueRequest other{"v1", false, kHolder, f.health, 200, "2026-06-30"};
  auto reused = f.vouchers->Issue(Terminal(f.kiosk, "kiosk-1"), other);
  REQUIRE_FALSE(reused);
  CHECK(LedgerReasonOf(reused.error()) == LedgerReason::kIdempotencyKeyReuse);
  f.RequireReconciled();
}

TEST_CASE("A voucher above the balance is refused and moves nothing") {
  VoucherFixture f;
  f.Grant("g", f.health, 100);
  VoucherIssueRequest request{"v1", false, kHolder, f.health, 101, "2026-06-30"};
  auto refused = f.vouchers->Issue(Terminal(f.kiosk, "kiosk-1"), request);
  REQUIRE_FALSE(refused);
  CHECK(LedgerReasonOf(refused.error()) == LedgerReason::kInsufficientBalance);
  CHECK(f.Balance(f.health) == 100);
  auto summary = f.vouchers->Summary(Admin(), "131016");
  REQUIRE(summary);
  CHECK(summary->front().pending_count == 0);
  f.RequireReconciled();
}

TEST_CASE("A voucher counts as issued only once its print is confirmed") {
  VoucherFixture f;
  f.Grant("g", f.health, 1000);
  const Voucher v = f.IssuePoints("v1", 300);
  auto before = f.vouchers->Summary(Operator("131016"), "131016");
  REQUIRE(before);
  CHECK(before->front().issued_count == 0);
  CHECK(before->front().pending_count == 1);
  const Voucher confirmed = f.Confirm(v, "c1");
  CHECK(confirmed.state == VoucherState::kIssued);
  REQUIRE(confirmed.printed_at_ms);
  // A second confirmation (another key) changes nothing.
  const Voucher twice = f.Confirm(v, "c2");
  CHECK(twice.state == VoucherState::kIssued);
  CHECK(*twice.printed_at_ms == *confirmed.printed_at_ms);
  auto after = f.vouchers->Summary(Operator("131016"), "131016");
  REQUIRE(after);
  CHECK(after->front().issued_count == 1);
  CHECK(after->front().issued_points == 300);
  CHECK(after->front().pending_count == 0);
  f.RequireReconciled();
}

TEST_CASE("Voiding a voucher whose print failed returns the points to their lots and once") {
  VoucherFixture f;
  f.Grant("g", f.health, 1000);
  const Voucher v = f.IssuePoints("v1", 300);
  const Caller kiosk = Terminal(f.kiosk, "kiosk-1");
  auto voided = f.vouchers->Void(kiosk, "x1", v.serial);
  REQUIRE(voided);
  CHECK(voided->state == VoucherState::kVoided);
  CHECK(f.Balance(f.health) == 1000);
  auto balances = f.ledger->Balances(Admin(), kHolder);
  REQUIRE(balances);
  CHECK(balances->front().lots.size() == 1);  // the very lot, no new one
  auto again = f.vouchers->Void(kiosk, "x2", v.serial);
  REQUIRE(again);
  CHECK(f.Balance(f.health) == 1000);
  auto confirm = f.vouchers->ConfirmPrinted(kiosk, "c1", v.serial);
  REQUIRE_FALSE(confirm);
  CHECK(ReasonOf(confirm.error()) == VoucherReason::kAlreadyVoided);
  auto reprint = f.vouchers->Reprint(kiosk, "r1", v.serial);
  REQUIRE_FALSE(reprint);
  CHECK(ReasonOf(reprint.error()) == VoucherReason::kAlreadyVoided);
  f.RequireReconciled();
}

TEST_CASE("A confirmed voucher cannot be voided: it is in circulation") {
  VoucherFixture f;
  f.Grant("g", f.health, 1000);
  const Voucher v = f.Confirm(f.IssuePoints("v1", 300), "c1");
  auto voided = f.vouchers->Void(Terminal(f.kiosk, "kiosk-1"), "x1", v.serial);
  REQUIRE_FALSE(voided);
  CHECK(voided.error().code() == ErrorCode::kFailedPrecondition);
  CHECK(ReasonOf(voided.error()) == VoucherReason::kAlreadyIssued);
  CHECK(f.Balance(f.health) == 700);
}

TEST_CASE("Voiding after the voucher's lot expired puts the points in a new lot") {
  VoucherOptions options;
  options.return_grace = std::chrono::hours(24 * 7);
  VoucherFixture f(options);
  f.Grant("g", f.health, 500, 2);
  const Voucher v = f.IssuePoints("v1", 200, "2026-04-01");
  f.now += 3 * kDayMs;
  auto voided = f.vouchers->Void(Terminal(f.kiosk, "kiosk-1"), "x1", v.serial);
  REQUIRE(voided);
  auto balances = f.ledger->Balances(Admin(), kHolder);
  REQUIRE(balances);
  REQUIRE(balances->front().lots.size() == 1);
  CHECK(balances->front().lots.front().source == "refund");
  CHECK(balances->front().lots.front().remaining == 200);
  CHECK(balances->front().lots.front().expires_at_ms == f.now.load() + 7 * kDayMs);
  REQUIRE(f.ledger->SweepExpiredLots());
  f.RequireReconciled();
}

TEST_CASE("A reprint is the same serial and token and marked duplicate and and never moves value") {
  VoucherFixture f;
  f.Grant("g", f.health, 1000);
  const Voucher v = f.IssuePoints("v1", 300);
  const Caller kiosk = Terminal(f.kiosk, "kiosk-1");
  auto first = f.vouchers->Reprint(kiosk, "r1", v.serial);
  REQUIRE(first);
  CHECK(first->duplicate);
  CHECK(first->reprints == 1);
  CHECK(first->serial == v.serial);
  CHECK(first->token == v.token);
  CHECK(first->state == VoucherState::kPendingPrint);
  auto replay = f.vouchers->Reprint(kiosk, "r1", v.serial);
  REQUIRE(replay);
  CHECK(replay->replayed);
  CHECK(replay->reprints == 1);
  auto second = f.vouchers->Reprint(kiosk, "r2", v.serial);
  REQUIRE(second);
  CHECK(second->reprints == 2);
  CHECK(f.Balance(f.health) == 700);
  f.Confirm(v, "c1");
  f.RequireReconciled();
}

TEST_CASE("A voucher is redeemed once: a second redemption is already_redeemed") {
  VoucherFixture f;
  f.Grant("g", f.health, 1000);
  const Voucher v = f.Confirm(f.IssuePoints("v1", 300), "c1");
  const Caller shop = Terminal(f.shop, "till-1");
  auto redeemed = f.vouchers->Redeem(shop, "rd1", v.serial);
  REQUIRE(redeemed);
  CHECK(redeemed->state == VoucherState::kRedeemed);
  REQUIRE(redeemed->redeemed_merchant_id);
  CHECK(*redeemed->redeemed_merchant_id == f.shop);
  auto replay = f.vouchers->Redeem(shop, "rd1", v.serial);
  REQUIRE(replay);
  CHECK(replay->replayed);
  auto second = f.vouchers->Redeem(shop, "rd2", v.serial);
  REQUIRE_FALSE(second);
  CHECK(second.error().code() == ErrorCode::kFailedPrecondition);
  CHECK(ReasonOf(second.error()) == VoucherReason::kAlreadyRedeemed);
  auto elsewhere = f.vouchers->Redeem(Terminal(f.shop, "till-2"), "rd3", v.serial);
  REQUIRE_FALSE(elsewhere);
  CHECK(ReasonOf(elsewhere.error()) == VoucherReason::kAlreadyRedeemed);
  auto report = f.vouchers->Reconcile();
  REQUIRE(report);
  CHECK(report->ok());
  CHECK(report->outstanding == 0);
  CHECK(report->redeemed_unsettled == 300);
}

TEST_CASE("A typed serial in lower case with spaces redeems the same voucher") {
  VoucherFixture f;
  f.Grant("g", f.health, 1000);
  const Voucher v = f.Confirm(f.IssuePoints("v1", 300), "c1");
  std::string typed;
  for (char c : v.serial) typed += c == '-' ? ' ' : static_cast<char>(std::tolower(c));
  auto redeemed = f.vouchers->Redeem(Terminal(f.shop, "till-1"), "rd1", typed);
  REQUIRE(redeemed);
  CHECK(redeemed->serial == v.serial);
}

TEST_CASE("A serial typed with a Japanese IME (full-width, ideographic dashes, CR/LF) redeems") {
  VoucherFixture f;
  f.Grant("g", f.health, 1000);
  const Voucher v = f.Confirm(f.IssuePoints("v1", 300), "c1");
  std::string typed;
  for (char c : v.serial) {
    if (c == '-') {
      typed += "ー";  // the katakana prolonged sound mark an IME gives for '-'
    } else {          // the full-width form, U+FF01 + (c - '!')
      const char32_t wide = 0xFF01 + static_cast<char32_t>(c - '!');
      typed += static_cast<char>(0xE0 | (wide >> 12));
      typed += static_cast<char>(0x80 | ((wide >> 6) & 0x3F));
      typed += static_cast<char>(0x80 | (wide & 0x3F));
    }
  }
  auto found = f.vouchers->Find(Terminal(f.kiosk, "kiosk-1"), "\u3000" + typed + "\r\n");
  REQUIRE(found);
  CHECK(found->serial == v.serial);
  auto redeemed = f.vouchers->Redeem(Terminal(f.shop, "till-1"), "rd1", typed + "\n");
  REQUIRE(redeemed);
  CHECK(redeemed->serial == v.serial);
}

TEST_CASE("A voucher whose print was never confirmed is not redeemable") {
  VoucherFixture f;
  f.Grant("g", f.health, 1000);
  const Voucher v = f.IssuePoints("v1", 300);
  auto refused = f.vouchers->Redeem(Terminal(f.shop, "till-1"), "rd1", v.serial);
  REQUIRE_FALSE(refused);
  CHECK(ReasonOf(refused.error()) == VoucherReason::kNotIssued);
}

TEST_CASE(
    "Redemption follows the merchant's programmes and its status and cross-municipality use") {
  VoucherFixture f;
  f.Grant("g", f.health, 1000);
  const Voucher v = f.Confirm(f.IssuePoints("v1", 300), "c1");
  auto stand = f.vouchers->Redeem(Terminal(f.stand, "t2"), "a", v.serial);
  REQUIRE_FALSE(stand);
  CHECK(LedgerReasonOf(stand.error()) == LedgerReason::kProgrammeNotAccepted);
  auto closed = f.vouchers->Redeem(Terminal(f.suspended, "t5"), "b", v.serial);
  REQUIRE_FALSE(closed);
  CHECK(LedgerReasonOf(closed.error()) == LedgerReason::kMerchantSuspended);
  auto osaka = f.vouchers->Redeem(Terminal(f.osaka_shop, "t3"), "c", v.serial);
  REQUIRE_FALSE(osaka);
  CHECK(osaka.error().code() == ErrorCode::kPermissionDenied);
  CHECK(LedgerReasonOf(osaka.error()) == LedgerReason::kCrossMunicipalityRefused);
  auto unknown = f.vouchers->Redeem(Terminal(99, "t9"), "d", v.serial);
  REQUIRE_FALSE(unknown);
  CHECK(LedgerReasonOf(unknown.error()) == LedgerReason::kUnknownMerchant);
  REQUIRE(f.Sql("UPDATE municipalities SET cross_municipality_use = 1 WHERE code = '131016'"));
  auto allowed = f.vouchers->Redeem(Terminal(f.osaka_shop, "t3"), "c", v.serial);
  REQUIRE(allowed);
  CHECK(allowed->state == VoucherState::kRedeemed);
  f.RequireReconciled();
}

TEST_CASE("A voucher redeems through the end of its expiry day in Japan and not after") {
  VoucherFixture f;
  f.Grant("g", f.health, 1000);
  const Voucher a = f.Confirm(f.IssuePoints("v1", 100, "2026-04-02"), "c1");
  const Voucher b = f.Confirm(f.IssuePoints("v2", 100, "2026-04-02"), "c2");
  // 2026-04-02 23:59:59.999 JST is 2026-04-02 14:59:59.999 UTC.
  auto end = JapanDayEndMs("2026-04-02");
  REQUIRE(end);
  f.now = *end - 1;
  REQUIRE(f.vouchers->Redeem(Terminal(f.shop, "till-1"), "r1", a.serial));
  f.now = *end;
  auto late = f.vouchers->Redeem(Terminal(f.shop, "till-1"), "r2", b.serial);
  REQUIRE_FALSE(late);
  CHECK(ReasonOf(late.error()) == VoucherReason::kVoucherExpired);
}

TEST_CASE("Expired vouchers go to the sink and or back to the holder under the return policy") {
  VoucherFixture f;
  f.Grant("g", f.health, 1000, 200);
  f.Grant("g2", f.festival, 1000, 200);
  const Voucher sunk = f.Confirm(f.IssuePoints("v1", 100, "2026-04-30"), "c1");
  const Voucher returned = f.Confirm(f.IssuePoints("v2", 200, "2026-04-30", f.festival), "c2");
  const Voucher pending = f.IssuePoints("v3", 50, "2026-04-30");
  REQUIRE(
      f.vouchers->SetExpiryPolicy(Operator("131016"), f.festival, VoucherExpiryPolicy::kReturn));
  f.now += 40 * kDayMs;
  auto swept = f.vouchers->SweepExpiredVouchers();
  REQUIRE(swept);
  CHECK(swept->items == 3);
  CHECK(swept->points == 350);
  auto again = f.vouchers->SweepExpiredVouchers();
  REQUIRE(again);
  CHECK(again->items == 0);
  CHECK(f.vouchers->Find(Admin(), sunk.serial)->state == VoucherState::kExpired);
  CHECK(f.vouchers->Find(Admin(), returned.serial)->state == VoucherState::kExpired);
  CHECK(f.vouchers->Find(Admin(), pending.serial)->state == VoucherState::kVoided);
  CHECK(f.Balance(f.festival) == 1000);      // 800 left + 200 returned
  CHECK(f.Balance(f.health) == 1000 - 100);  // the pending one came back
  auto report = f.vouchers->Reconcile();
  REQUIRE(report);
  CHECK(report->ok());
  CHECK(report->ledger.expired == 100);
  CHECK(report->outstanding == 0);
  auto redeem = f.vouchers->Redeem(Terminal(f.shop, "till-1"), "r1", sunk.serial);
  REQUIRE_FALSE(redeem);
  CHECK(ReasonOf(redeem.error()) == VoucherReason::kVoucherExpired);
}

TEST_CASE(
    "A sold voucher expires within 6 months of its issue day, and its void cancels the sale") {
  VoucherFixture f;
  const Caller kiosk = Terminal(f.kiosk, "kiosk-1");
  VoucherIssueRequest sold{"s1", true, "", f.health, 1000, ""};
  auto issued = f.vouchers->Issue(kiosk, sold);
  REQUIRE(issued);
  CHECK(issued->kind == "sold");
  CHECK(issued->issued_on == "2026-04-01");
  CHECK(issued->expires_on == "2026-09-30");  // LatestSoldVoucherExpiry(2026-04-01)
  CHECK(issued->mykey_id.empty());
  VoucherIssueRequest too_long{"s2", true, "", f.health, 1000, "2026-10-01"};
  auto refused = f.vouchers->Issue(kiosk, too_long);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == ErrorCode::kInvalidArgument);
  CHECK(ReasonOf(refused.error()) == VoucherReason::kSoldTermTooLong);
  VoucherIssueRequest within{"s3", true, "", f.health, 500, "2026-09-30"};
  REQUIRE(f.vouchers->Issue(kiosk, within));
  auto report = f.vouchers->Reconcile();
  REQUIRE(report);
  CHECK(report->ok());
  CHECK(report->ledger.issued == 1500);
  CHECK(report->outstanding == 1500);
  REQUIRE(f.vouchers->Void(kiosk, "x1", issued->serial));
  report = f.vouchers->Reconcile();
  REQUIRE(report);
  CHECK(report->ok());
  CHECK(report->ledger.issued == 500);
  CHECK(report->outstanding == 500);
}

TEST_CASE(
    "Only a site's terminal issues and and only the issuing site confirms and voids or reprints") {
  VoucherFixture f;
  f.Grant("g", f.health, 1000);
  VoucherIssueRequest request{"v1", false, kHolder, f.health, 100, "2026-06-30"};
  auto by_operator = f.vouchers->Issue(Operator("131016"), request);
  REQUIRE_FALSE(by_operator);
  CHECK(LedgerReasonOf(by_operator.error()) == LedgerReason::kNotAllowed);
  auto osaka_site = f.vouchers->Issue(Terminal(f.osaka_shop, "t3"), request);
  REQUIRE_FALSE(osaka_site);
  CHECK(LedgerReasonOf(osaka_site.error()) == LedgerReason::kCrossMunicipalityRefused);
  auto closed = f.vouchers->Issue(Terminal(f.suspended, "t5"), request);
  REQUIRE_FALSE(closed);
  CHECK(LedgerReasonOf(closed.error()) == LedgerReason::kMerchantSuspended);
  VoucherIssueRequest unknown_programme{"v9", false, kHolder, 77, 100, "2026-06-30"};
  auto unknown = f.vouchers->Issue(Terminal(f.kiosk, "kiosk-1"), unknown_programme);
  REQUIRE_FALSE(unknown);
  CHECK(LedgerReasonOf(unknown.error()) == LedgerReason::kUnknownProgramme);

  const Voucher v = f.IssuePoints("v2", 100);
  const Caller other_site = Terminal(f.shop, "till-1");
  for (auto result : {f.vouchers->ConfirmPrinted(other_site, "k1", v.serial),
                      f.vouchers->Void(other_site, "k2", v.serial),
                      f.vouchers->Reprint(other_site, "k3", v.serial)}) {
    REQUIRE_FALSE(result);
    CHECK(result.error().code() == ErrorCode::kNotFound);
    CHECK(ReasonOf(result.error()) == VoucherReason::kUnknownVoucher);
  }
  // Another terminal of the same site may finish the job (a kiosk restarted).
  auto confirmed = f.vouchers->ConfirmPrinted(Terminal(f.kiosk, "kiosk-2"), "k4", v.serial);
  REQUIRE(confirmed);
}

TEST_CASE("Operators read their own municipality's vouchers: terminals those of their site") {
  VoucherFixture f;
  f.Grant("g", f.health, 1000);
  const Voucher v = f.Confirm(f.IssuePoints("v1", 100), "c1");
  CHECK(f.vouchers->Find(Operator("131016"), v.serial));
  CHECK(f.vouchers->Find(Terminal(f.kiosk, "kiosk-2"), v.serial));
  auto osaka = f.vouchers->Find(Operator("271004"), v.serial);
  REQUIRE_FALSE(osaka);
  CHECK(ReasonOf(osaka.error()) == VoucherReason::kUnknownVoucher);
  auto shop = f.vouchers->Find(Terminal(f.shop, "till-1"), v.serial);
  REQUIRE_FALSE(shop);
  REQUIRE(f.vouchers->Redeem(Terminal(f.shop, "till-1"), "r1", v.serial));
  CHECK(f.vouchers->Find(Terminal(f.shop, "till-1"), v.serial));
  auto summary = f.vouchers->Summary(Operator("271004"), "131016");
  REQUIRE_FALSE(summary);
  CHECK(LedgerReasonOf(summary.error()) == LedgerReason::kNotAllowed);
  auto policy =
      f.vouchers->SetExpiryPolicy(Operator("271004"), f.health, VoucherExpiryPolicy::kReturn);
  REQUIRE_FALSE(policy);
  CHECK(LedgerReasonOf(policy.error()) == LedgerReason::kNotAllowed);
  auto malformed = f.vouchers->Find(Admin(), "not-a-serial");
  REQUIRE_FALSE(malformed);
  CHECK(malformed.error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("Vouchers left pending past the timeout are voided by the sweep") {
  VoucherOptions options;
  options.pending_timeout = std::chrono::minutes(30);
  VoucherFixture f(options);
  f.Grant("g", f.health, 1000);
  const Voucher v = f.IssuePoints("v1", 300);
  f.now += 29 * 60'000;
  auto early = f.vouchers->SweepPendingVouchers();
  REQUIRE(early);
  CHECK(early->items == 0);
  f.now += 60'000;
  auto swept = f.vouchers->SweepPendingVouchers();
  REQUIRE(swept);
  CHECK(swept->items == 1);
  CHECK(swept->points == 300);
  CHECK(f.Balance(f.health) == 1000);
  CHECK(f.vouchers->Find(Admin(), v.serial)->state == VoucherState::kVoided);
  f.RequireReconciled();
}

TEST_CASE("The voucher settlement owes each merchant its redeemed vouchers per Japan day") {
  VoucherFixture f;
  f.Grant("g", f.health, 1000);
  const Voucher a = f.Confirm(f.IssuePoints("v1", 300), "c1");
  const Voucher b = f.Confirm(f.IssuePoints("v2", 200), "c2");
  const Voucher c = f.Confirm(f.IssuePoints("v3", 100), "c3");
  REQUIRE(f.vouchers->Redeem(Terminal(f.shop, "till-1"), "r1", a.serial));
  REQUIRE(f.vouchers->Redeem(Terminal(f.shop, "till-1"), "r2", b.serial));
  f.now += kDayMs;
  REQUIRE(f.vouchers->Redeem(Terminal(f.shop, "till-1"), "r3", c.serial));
  auto csv = f.vouchers->SettlementCsv(Operator("131016"), f.shop, "2026-04-01", "2026-04-30");
  REQUIRE(csv);
  CHECK(*csv ==
        "date,merchant_id,programme_id,programme_code,vouchers,points\n"
        "2026-04-01,1,1,health,2,500\n"
        "2026-04-02,1,1,health,1,100\n");
  auto first_day = f.vouchers->SettlementCsv(Admin(), f.shop, "2026-04-01", "2026-04-01");
  REQUIRE(first_day);
  CHECK(first_day->find("2026-04-02") == std::string::npos);
  auto osaka = f.vouchers->SettlementCsv(Operator("271004"), f.shop, "2026-04-01", "2026-04-30");
  REQUIRE(osaka);
  CHECK(*osaka == "date,merchant_id,programme_id,programme_code,vouchers,points\n");
  auto reversed = f.vouchers->SettlementCsv(Admin(), f.shop, "2026-04-30", "2026-04-01");
  REQUIRE_FALSE(reversed);
  CHECK(reversed.error().code() == ErrorCode::kInvalidArgument);
  auto unknown = f.vouchers->SettlementCsv(Admin(), 99, "2026-04-01", "2026-04-30");
  REQUIRE_FALSE(unknown);
  CHECK(LedgerReasonOf(unknown.error()) == LedgerReason::kUnknownMerchant);
  auto terminal =
      f.vouchers->SettlementCsv(Terminal(f.shop, "t"), f.shop, "2026-04-01", "2026-04-30");
  REQUIRE_FALSE(terminal);
  CHECK(LedgerReasonOf(terminal.error()) == LedgerReason::kNotAllowed);
}

TEST_CASE("The published keys name the current voucher key") {
  VoucherFixture f;
  auto keys = f.vouchers->PublicKeys();
  REQUIRE(keys);
  REQUIRE(keys->size() == 1);
  CHECK(keys->front().current);
  CHECK(keys->front().key_id == ToHex(f.public_key->KeyId()));
  const auto& point = f.public_key->point();
  CHECK(keys->front().public_key == Bytes(point.begin(), point.end()));
}

TEST_CASE("Reconciliation finds a voucher liability that does not match the vouchers") {
  VoucherFixture f;
  f.Grant("g", f.health, 1000);
  const Voucher v = f.IssuePoints("v1", 300);
  REQUIRE(f.Sql("UPDATE vouchers SET state = 'voided' WHERE serial = '" + v.serial + "'"));
  auto report = f.vouchers->Reconcile();
  REQUIRE(report);
  CHECK_FALSE(report->ok());
}

}  // namespace
}  // namespace mykey::cloud
