// ConversionService on a real SQLite store with an injected clock: partner
// conversions online and by coupon, the hold-then-land sweep, premiums,
// donations, who may see what, and reconciliation.
#include "mykey/ledger/conversion_service.h"

#include <set>

#include "conversion_fixture.h"

namespace mykey::cloud {
namespace {

using namespace conversion_testing;  // NOLINT(google-build-using-namespace): test fixture

constexpr const char* kHolder = "AB23CD45";
constexpr const char* kOther = "ZZ23CD45";

int64_t LotsOf(ConversionFixture& f, const std::string& mykey_id, int64_t programme,
               const std::string& source) {
  auto balances = f.ledger->Balances(Admin(), mykey_id);
  REQUIRE(balances);
  int64_t sum = 0;
  for (const ProgrammeBalance& b : *balances) {
    if (b.programme_id != programme) continue;
    for (const LotBalance& lot : b.lots) {
      if (lot.source == source) sum += lot.remaining;
    }
  }
  return sum;
}

TEST_CASE("An online conversion waits 14 days, then lands as a conversion lot at home") {
  ConversionFixture f;
  f.SetHome(kHolder);
  // 1 airline point = 1/2 point: 1001 -> 500 (rounded down).
  const Conversion pending = f.ConvertOnline("airline", "c1", kHolder, 1001);
  CHECK(pending.points == 500);
  CHECK(pending.partner_points == 1001);
  CHECK(pending.state == "pending");
  CHECK(pending.channel == "online");
  CHECK(pending.programme_id == f.health);
  CHECK(pending.lands_at_ms == kStartMs + 14 * kDayMs);
  CHECK(f.BalanceOf(kHolder, f.health) == 0);
  f.RequireReconciled();

  f.now += 14 * kDayMs - 1;
  auto early = f.conversions->SweepDueConversions();
  REQUIRE(early);
  CHECK(early->items == 0);
  CHECK(f.BalanceOf(kHolder, f.health) == 0);

  f.now += 1;
  auto landed = f.conversions->SweepDueConversions();
  REQUIRE(landed);
  CHECK(landed->items == 1);
  CHECK(landed->points == 500);
  CHECK(f.BalanceOf(kHolder, f.health) == 500);
  CHECK(LotsOf(f, kHolder, f.health, "conversion") == 500);
  auto read = f.conversions->GetConversion(PartnerOperator("airline"), pending.conversion_id);
  REQUIRE(read);
  CHECK(read->state == "landed");
  // A second sweep lands nothing twice.
  auto again = f.conversions->SweepDueConversions();
  REQUIRE(again);
  CHECK(again->items == 0);
  CHECK(f.BalanceOf(kHolder, f.health) == 500);
  f.RequireReconciled();
}

TEST_CASE("The hold period is configurable") {
  ConversionOptions options;
  options.hold_period = std::chrono::hours(24);
  ConversionFixture f(options);
  f.SetHome(kHolder);
  f.ConvertOnline("rail", "c1", kHolder, 70);
  f.now += kDayMs;
  REQUIRE(f.conversions->SweepDueConversions());
  CHECK(f.BalanceOf(kHolder, f.health) == 70);
}

TEST_CASE("Conversions land in the default municipality's chosen programme") {
  ConversionFixture f;
  f.SetHome(kHolder, "271004");
  CHECK(f.ConvertOnline("rail", "c1", kHolder, 10).programme_id == f.osaka);
  // Chiyoda chooses its festival programme; Osaka may not choose for Chiyoda.
  CHECK(ReasonOf(f.conversions->SetLandingProgramme(Operator("271004"), "131016", f.festival)) ==
        "not_allowed");
  CHECK(ReasonOf(f.conversions->SetLandingProgramme(Operator("131016"), "131016", f.osaka)) ==
        "unknown_programme");
  REQUIRE(f.conversions->SetLandingProgramme(Operator("131016"), "131016", f.festival));
  f.SetHome(kHolder, "131016");
  CHECK(f.ConvertOnline("rail", "c2", kHolder, 10).programme_id == f.festival);
  CHECK(ReasonOf(f.conversions->SetDefaultMunicipality(Admin(), kHolder, "999999")) ==
        "unknown_municipality");
  CHECK(ReasonOf(f.conversions->SetDefaultMunicipality(PartnerOperator("rail"), kHolder,
                                                       "131016")) == "not_allowed");
}

TEST_CASE("A conversion is refused, leaving nothing, without a default municipality") {
  ConversionFixture f;
  auto refused = f.conversions->Convert(PartnerOperator("rail"), {"c1", kHolder, 10});
  CHECK(ReasonOf(refused) == "no_default_municipality");
  CHECK(refused.error().code() == ErrorCode::kFailedPrecondition);
  // Refused: no record, so the key runs afresh once the holder has chosen.
  f.SetHome(kHolder);
  CHECK(f.ConvertOnline("rail", "c1", kHolder, 10).points == 10);
  f.RequireReconciled();
}

TEST_CASE("The same key and request replay a conversion; another request with it is refused") {
  ConversionFixture f;
  f.SetHome(kHolder);
  const Conversion first = f.ConvertOnline("rail", "c1", kHolder, 10);
  CHECK_FALSE(first.replayed);
  const Conversion replay = f.ConvertOnline("rail", "c1", kHolder, 10);
  CHECK(replay.replayed);
  CHECK(replay.conversion_id == first.conversion_id);
  auto reuse = f.conversions->Convert(PartnerOperator("rail"), {"c1", kHolder, 11});
  CHECK(ReasonOf(reuse) == "idempotency_key_reuse");
  // Keys are per partner: the airline's "c1" is its own.
  CHECK_FALSE(f.ConvertOnline("airline", "c1", kHolder, 10).replayed);
  f.now += 14 * kDayMs;
  REQUIRE(f.conversions->SweepDueConversions());
  CHECK(f.BalanceOf(kHolder, f.health) == 15);
  f.RequireReconciled();
}

TEST_CASE("A partner sees only its own conversions") {
  ConversionFixture f;
  f.SetHome(kHolder);
  const Conversion rail = f.ConvertOnline("rail", "c1", kHolder, 10);
  CHECK(ReasonOf(f.conversions->GetConversion(PartnerOperator("airline"), rail.conversion_id)) ==
        "unknown_conversion");
  CHECK(f.conversions->GetConversion(PartnerOperator("rail"), rail.conversion_id));
  CHECK(f.conversions->GetConversion(Admin(), rail.conversion_id));
  CHECK(ReasonOf(f.conversions->GetConversion(Operator("131016"), rail.conversion_id)) ==
        "not_allowed");
  CHECK(ReasonOf(f.conversions->GetConversion(PartnerOperator("rail"), 999)) ==
        "unknown_conversion");
}

TEST_CASE("Only registered, active partners convert, and not below one point") {
  ConversionFixture f;
  f.SetHome(kHolder);
  CHECK(ReasonOf(f.conversions->Convert(PartnerOperator("ghost"), {"c", kHolder, 10})) ==
        "unknown_partner");
  CHECK(ReasonOf(f.conversions->Convert(Operator("131016"), {"c", kHolder, 10})) == "not_allowed");
  CHECK(ReasonOf(f.conversions->Convert(Kiosk("k1"), {"c", kHolder, 10})) == "not_allowed");
  CHECK(ReasonOf(f.conversions->Convert(PartnerOperator("airline"), {"c", kHolder, 1})) ==
        "conversion_too_small");
  CHECK(ReasonOf(f.conversions->Convert(PartnerOperator("airline"), {"c", "short", 10})) ==
        "invalid_request");
  REQUIRE(f.conversions->AddPartner(Admin(), Partner{"gone", "Gone Co", 1, 1, false, 0}));
  CHECK(ReasonOf(f.conversions->Convert(PartnerOperator("gone"), {"c", kHolder, 10})) ==
        "partner_suspended");
  CHECK(
      f.conversions->AddPartner(Admin(), Partner{"rail", "Again", 1, 1, true, 0}).error().code() ==
      ErrorCode::kAlreadyExists);
  CHECK(ReasonOf(f.conversions->AddPartner(Operator("131016"), Partner{"x", "X", 1, 1, true, 0})) ==
        "not_allowed");
  auto partners = f.conversions->ListPartners(Admin());
  REQUIRE(partners);
  CHECK(partners->size() == 3);
}

TEST_CASE("Coupon codes have 16 symbols with a check symbol, typed in any case and grouping") {
  ConversionFixture f;
  const auto coupons = f.Coupons("rail", 300, 20);
  std::set<std::string> distinct;
  for (const IssuedCoupon& coupon : coupons) {
    REQUIRE(coupon.code.size() == 19);
    CHECK(coupon.code[4] == '-');
    distinct.insert(coupon.code);
    auto normal = NormaliseCouponCode(coupon.code);
    REQUIRE(normal);
    CHECK(normal->size() == 16);
    std::string lower;
    for (char c : coupon.code) lower += static_cast<char>(c == '-' ? ' ' : std::tolower(c));
    CHECK(NormaliseCouponCode(lower).value_or("") == *normal);
  }
  CHECK(distinct.size() == coupons.size());
  // Any one symbol changed, or two neighbours swapped, fails the check.
  const std::string code = *NormaliseCouponCode(coupons[0].code);
  for (size_t i = 0; i < code.size(); ++i) {
    for (char c : kCouponAlphabet) {
      if (c == code[i]) continue;
      std::string typo = code;
      typo[i] = c;
      CHECK(ReasonOf(NormaliseCouponCode(typo)) == "coupon_malformed");
    }
    if (i + 1 < code.size() && code[i] != code[i + 1]) {
      std::string swapped = code;
      std::swap(swapped[i], swapped[i + 1]);
      CHECK(ReasonOf(NormaliseCouponCode(swapped)) == "coupon_malformed");
    }
  }
  CHECK(ReasonOf(NormaliseCouponCode("ABCD")) == "coupon_malformed");
  CHECK(ReasonOf(NormaliseCouponCode(code + "2")) == "coupon_malformed");
  CHECK(ReasonOf(NormaliseCouponCode("O" + code.substr(1))) == "coupon_malformed");
}

TEST_CASE("A coupon typed at a kiosk converts once into a pending conversion") {
  ConversionFixture f;
  f.SetHome(kHolder);
  const auto coupon = f.Coupons("rail", 300)[0];
  auto converted = f.conversions->RedeemCoupon(Kiosk("k1"), {"k-1", kHolder, coupon.code});
  REQUIRE(converted);
  CHECK(converted->channel == "coupon");
  CHECK(converted->partner_id == "rail");
  CHECK(converted->points == 300);
  CHECK(converted->state == "pending");
  // The same key and code replay; the code again under another key is used.
  auto replay = f.conversions->RedeemCoupon(Kiosk("k1"), {"k-1", kHolder, coupon.code});
  REQUIRE(replay);
  CHECK(replay->replayed);
  CHECK(replay->conversion_id == converted->conversion_id);
  auto used = f.conversions->RedeemCoupon(Kiosk("k1"), {"k-2", kOther, coupon.code});
  CHECK(ReasonOf(used) == "coupon_used");
  CHECK(used.error().code() == ErrorCode::kFailedPrecondition);
  f.now += 14 * kDayMs;
  REQUIRE(f.conversions->SweepDueConversions());
  CHECK(f.BalanceOf(kHolder, f.health) == 300);
  CHECK(f.BalanceOf(kOther, f.health) == 0);
  // The partner reads it; another partner does not.
  CHECK(f.conversions->GetConversion(PartnerOperator("rail"), converted->conversion_id));
  CHECK(ReasonOf(f.conversions->GetConversion(PartnerOperator("airline"),
                                              converted->conversion_id)) == "unknown_conversion");
  f.RequireReconciled();
}

TEST_CASE("Wrong, expired and refused coupons burn nothing") {
  ConversionFixture f;
  const auto coupons = f.Coupons("rail", 300, 2, 1);
  // Without a default municipality: refused, the coupon stays usable.
  CHECK(ReasonOf(f.conversions->RedeemCoupon(Kiosk("k1"), {"k-1", kHolder, coupons[0].code})) ==
        "no_default_municipality");
  f.SetHome(kHolder);
  // A code of valid form that nobody issued.
  std::string fake(15, '2');
  for (char c : kCouponAlphabet) {
    if (NormaliseCouponCode(fake + c)) {
      fake += c;
      break;
    }
  }
  REQUIRE(fake.size() == 16);
  CHECK(ReasonOf(f.conversions->RedeemCoupon(Kiosk("k1"), {"k-2", kHolder, fake})) ==
        "coupon_unknown");
  CHECK(ReasonOf(f.conversions->RedeemCoupon(Kiosk("k1"), {"k-3", kHolder, "2222"})) ==
        "coupon_malformed");
  CHECK(f.conversions->RedeemCoupon(Kiosk("k1"), {"k-1", kHolder, coupons[0].code}));
  f.now += kDayMs;
  CHECK(ReasonOf(f.conversions->RedeemCoupon(Kiosk("k1"), {"k-4", kHolder, coupons[1].code})) ==
        "coupon_expired");
  CHECK(ReasonOf(f.conversions->RedeemCoupon(PartnerOperator("rail"),
                                             {"k-5", kHolder, coupons[1].code})) == "not_allowed");
  f.RequireReconciled();
}

TEST_CASE("A terminal is locked after five wrong coupon codes, others are not") {
  ConversionOptions options;
  options.coupon_failures_allowed = 5;
  options.coupon_lockout = std::chrono::minutes(15);
  ConversionFixture f(options);
  f.SetHome(kHolder);
  f.SetHome(kOther);
  const auto coupon = f.Coupons("rail", 300)[0];
  // Wrong codes of valid form: each coupon of another batch, then used ones.
  const auto decoys = f.Coupons("rail", 1, 5);
  for (size_t i = 0; i < 5; ++i) {
    REQUIRE(f.conversions->RedeemCoupon(Kiosk("k2"),
                                        {"d-" + std::to_string(i), kOther, decoys[i].code}));
  }
  for (size_t i = 0; i < 4; ++i) {
    CHECK(ReasonOf(f.conversions->RedeemCoupon(
              Kiosk("k1"), {"x-" + std::to_string(i), kHolder, decoys[i].code})) == "coupon_used");
  }
  CHECK(ReasonOf(f.conversions->RedeemCoupon(Kiosk("k1"), {"x-4", kHolder, decoys[4].code})) ==
        "coupon_used");
  // Locked: even the right code is refused and not burnt.
  auto locked = f.conversions->RedeemCoupon(Kiosk("k1"), {"right", kHolder, coupon.code});
  CHECK(ReasonOf(locked) == "too_many_attempts");
  CHECK(locked.error().code() == ErrorCode::kPermissionDenied);
  // Another terminal is not locked; after the lockout k1 may try again.
  const auto other = f.Coupons("rail", 5)[0];
  CHECK(f.conversions->RedeemCoupon(Kiosk("k3"), {"o", kOther, other.code}));
  f.now += 15 * kMinuteMs;
  CHECK(f.conversions->RedeemCoupon(Kiosk("k1"), {"right", kHolder, coupon.code}));
}

TEST_CASE("Failures outside the attempt window do not add up") {
  ConversionFixture f;
  f.SetHome(kHolder);
  f.SetHome(kOther);
  const auto decoys = f.Coupons("rail", 1, 1);
  REQUIRE(f.conversions->RedeemCoupon(Kiosk("k2"), {"d", kOther, decoys[0].code}));
  for (int i = 0; i < 12; ++i) {
    CHECK(ReasonOf(f.conversions->RedeemCoupon(
              Kiosk("k1"), {"x-" + std::to_string(i), kHolder, decoys[0].code})) == "coupon_used");
    f.now += 4 * kMinuteMs;  // 4 failures per 15-minute window at most
  }
}

TEST_CASE("Coupons are issued by their partner or by admin naming the partner") {
  ConversionFixture f;
  CouponIssueRequest request;
  request.amount = 10;
  request.expires_at_ms = f.now.load() + kDayMs;
  CHECK(ReasonOf(f.conversions->IssueCoupons(Operator("131016"), request)) == "not_allowed");
  request.partner_id = "airline";
  CHECK(ReasonOf(f.conversions->IssueCoupons(PartnerOperator("rail"), request)) == "not_allowed");
  CHECK(f.conversions->IssueCoupons(Admin(), request));
  request.partner_id = "ghost";
  CHECK(ReasonOf(f.conversions->IssueCoupons(Admin(), request)) == "unknown_partner");
  request.partner_id.clear();
  request.count = 1001;
  CHECK(ReasonOf(f.conversions->IssueCoupons(PartnerOperator("rail"), request)) ==
        "invalid_request");
  request.count = 1;
  request.expires_at_ms = f.now.load();
  CHECK(ReasonOf(f.conversions->IssueCoupons(PartnerOperator("rail"), request)) ==
        "invalid_request");
}

TEST_CASE("An event's bonus adds a premium lot to grants, rounded down") {
  ConversionFixture f;
  CHECK(ReasonOf(f.conversions->SetPremium(Operator("131016"), f.health, 10)) == "not_an_event");
  CHECK(ReasonOf(f.conversions->SetPremium(Operator("271004"), f.festival, 10)) ==
        "unknown_programme");
  CHECK(ReasonOf(f.conversions->SetPremium(Operator("131016"), f.festival, 101)) ==
        "invalid_request");
  REQUIRE(f.conversions->SetPremium(Operator("131016"), f.festival, 15));
  // 15% of 1001 = 150.15 -> 150.
  auto grant = f.ledger->Grant(Operator("131016"), {"g1", kHolder, f.festival, 1001,
                                                    f.now.load() + 30 * kDayMs, "Events", "fair"});
  REQUIRE(grant);
  CHECK(grant->balance == 1151);
  CHECK(LotsOf(f, kHolder, f.festival, "premium") == 150);
  CHECK(LotsOf(f, kHolder, f.festival, "grant") == 1001);
  // 15% of 6 = 0.9 -> no premium lot.
  REQUIRE(f.ledger->Grant(Operator("131016"), {"g2", kHolder, f.festival, 6,
                                               f.now.load() + 30 * kDayMs, "Events", "fair"}));
  CHECK(LotsOf(f, kHolder, f.festival, "premium") == 150);
  // A replayed grant adds no second premium.
  REQUIRE(f.ledger->Grant(Operator("131016"), {"g1", kHolder, f.festival, 1001,
                                               f.now.load() + 30 * kDayMs, "Events", "fair"}));
  CHECK(f.BalanceOf(kHolder, f.festival) == 1157);
  // Removed: no premium.
  REQUIRE(f.conversions->SetPremium(Admin(), f.festival, 0));
  REQUIRE(f.ledger->Grant(Operator("131016"), {"g3", kHolder, f.festival, 100,
                                               f.now.load() + 30 * kDayMs, "Events", "fair"}));
  CHECK(f.BalanceOf(kHolder, f.festival) == 1257);
  // Points programmes never get one.
  REQUIRE(f.ledger->Grant(Operator("131016"), {"g4", kHolder, f.health, 100,
                                               f.now.load() + 30 * kDayMs, "Health", "walk"}));
  CHECK(f.BalanceOf(kHolder, f.health) == 100);
  f.RequireReconciled();
}

TEST_CASE("A conversion landing in an event programme gets its premium") {
  ConversionFixture f;
  REQUIRE(f.conversions->SetLandingProgramme(Operator("131016"), "131016", f.festival));
  REQUIRE(f.conversions->SetPremium(Operator("131016"), f.festival, 10));
  f.SetHome(kHolder);
  f.ConvertOnline("rail", "c1", kHolder, 255);
  f.now += 14 * kDayMs;
  auto landed = f.conversions->SweepDueConversions();
  REQUIRE(landed);
  CHECK(landed->points == 280);  // 255 + 25 (10% rounded down)
  CHECK(LotsOf(f, kHolder, f.festival, "conversion") == 255);
  CHECK(LotsOf(f, kHolder, f.festival, "premium") == 25);
  f.RequireReconciled();
}

TEST_CASE("A donation gives the soonest-expiring points to a project and names the donor") {
  ConversionFixture f;
  f.GrantPoints("g1", kHolder, f.health, 100, 60);
  f.GrantPoints("g2", kHolder, f.health, 50, 10);
  auto donated = f.conversions->Donate(
      Kiosk("k1"), {"d1", kHolder, f.health, f.trees, 70, std::string("Hanako")});
  REQUIRE(donated);
  CHECK(donated->amount == 70);
  CHECK(donated->balance == 80);
  // The 10-day lot went first: what is left expires in 60 days.
  auto balances = f.ledger->Balances(Admin(), kHolder);
  REQUIRE(balances);
  REQUIRE((*balances)[0].lots.size() == 1);
  CHECK((*balances)[0].lots[0].remaining == 80);
  CHECK((*balances)[0].lots[0].expires_at_ms == kStartMs + 60 * kDayMs);

  // Replay and key reuse.
  auto replay = f.conversions->Donate(
      Kiosk("k1"), {"d1", kHolder, f.health, f.trees, 70, std::string("Hanako")});
  REQUIRE(replay);
  CHECK(replay->replayed);
  CHECK(replay->donation_id == donated->donation_id);
  CHECK(ReasonOf(f.conversions->Donate(Kiosk("k1"), {"d1", kHolder, f.health, f.trees, 70,
                                                     std::nullopt})) == "idempotency_key_reuse");

  f.GrantPoints("g3", kOther, f.health, 30);
  REQUIRE(f.conversions->Donate(Kiosk("k1"), {"d2", kOther, f.health, f.trees, 20, std::nullopt}));
  REQUIRE(f.conversions->Donate(Kiosk("k1"), {"d3", kHolder, f.health, f.trees, 5, std::nullopt}));

  auto donors = f.conversions->Donors(Operator("131016"), f.trees);
  REQUIRE(donors);
  CHECK(donors->total == 95);
  REQUIRE(donors->donors.size() == 2);
  CHECK(donors->donors[0].donor == "******45");
  CHECK(donors->donors[0].amount == 75);
  CHECK(donors->donors[0].donations == 2);
  // The latest donation withdrew the name.
  CHECK_FALSE(donors->donors[0].display_name.has_value());
  CHECK(donors->donors[1].amount == 20);
  for (const Donor& donor : donors->donors) CHECK(donor.donor.find("23CD") == std::string::npos);

  auto report = f.ledger->Reconcile();
  REQUIRE(report);
  CHECK(report->donated == 95);
  f.RequireReconciled();
}

TEST_CASE("A donor list with an opted-in name shows it") {
  ConversionFixture f;
  f.GrantPoints("g1", kHolder, f.health, 100);
  REQUIRE(f.conversions->Donate(Kiosk("k1"),
                                {"d1", kHolder, f.health, f.trees, 10, std::string("Hanako")}));
  auto donors = f.conversions->Donors(Admin(), f.trees);
  REQUIRE(donors);
  REQUIRE(donors->donors.size() == 1);
  CHECK(donors->donors[0].display_name == "Hanako");
}

TEST_CASE("Donations are refused beyond the balance, to non-projects and across municipalities") {
  ConversionFixture f;
  f.GrantPoints("g1", kHolder, f.health, 100, 1);
  CHECK(ReasonOf(f.conversions->Donate(Kiosk("k1"), {"d", kHolder, f.health, f.trees, 101,
                                                     std::nullopt})) == "insufficient_balance");
  CHECK(ReasonOf(f.conversions->Donate(Kiosk("k1"), {"d", kOther, f.health, f.trees, 1,
                                                     std::nullopt})) == "insufficient_balance");
  CHECK(ReasonOf(f.conversions->Donate(Kiosk("k1"), {"d", kHolder, f.health, f.festival, 1,
                                                     std::nullopt})) == "not_a_project");
  CHECK(ReasonOf(f.conversions->Donate(Kiosk("k1"),
                                       {"d", kHolder, f.health, f.bridge, 1, std::nullopt})) ==
        "cross_municipality_refused");
  CHECK(ReasonOf(f.conversions->Donate(
            Kiosk("k1"), {"d", kHolder, f.health, 99, 1, std::nullopt})) == "unknown_programme");
  CHECK(ReasonOf(f.conversions->Donate(Operator("131016"), {"d", kHolder, f.health, f.trees, 1,
                                                            std::nullopt})) == "not_allowed");
  CHECK(ReasonOf(f.conversions->Donate(Kiosk("k1"), {"d", kHolder, f.health, f.trees, 1,
                                                     std::string("")})) == "invalid_request");
  // Expired points cannot be given.
  f.now += kDayMs;
  CHECK(ReasonOf(f.conversions->Donate(Kiosk("k1"), {"d", kHolder, f.health, f.trees, 1,
                                                     std::nullopt})) == "insufficient_balance");
  // Cross-municipality use allowed by Chiyoda: the Osaka project may receive.
  f.GrantPoints("g2", kHolder, f.health, 10);
  REQUIRE(f.Sql("UPDATE municipalities SET cross_municipality_use = 1 WHERE code = '131016'"));
  CHECK(f.conversions->Donate(Kiosk("k1"), {"d", kHolder, f.health, f.bridge, 10, std::nullopt}));
  f.RequireReconciled();
}

TEST_CASE("A municipality reads only its own projects' donor lists") {
  ConversionFixture f;
  CHECK(f.conversions->Donors(Operator("131016"), f.trees));
  CHECK(ReasonOf(f.conversions->Donors(Operator("271004"), f.trees)) == "unknown_programme");
  CHECK(ReasonOf(f.conversions->Donors(PartnerOperator("rail"), f.trees)) == "not_allowed");
  CHECK(ReasonOf(f.conversions->Donors(Kiosk("k1"), f.trees)) == "not_allowed");
  CHECK(ReasonOf(f.conversions->Donors(Operator("131016"), f.health)) == "not_a_project");
  CHECK(f.conversions->Donors(Operator("271004"), f.bridge));
}

TEST_CASE("Reconciliation counts pending conversions and donations and finds tampering") {
  ConversionFixture f;
  f.SetHome(kHolder);
  f.ConvertOnline("rail", "c1", kHolder, 40);
  f.GrantPoints("g1", kHolder, f.health, 100);
  REQUIRE(f.conversions->Donate(Kiosk("k1"), {"d1", kHolder, f.health, f.trees, 30, std::nullopt}));
  auto report = f.ledger->Reconcile();
  REQUIRE(report);
  CHECK(report->ok());
  CHECK(report->conversion_pending == 40);
  CHECK(report->donated == 30);
  CHECK(report->issued == 140);
  CHECK(report->holder_balances == 70);

  SECTION("a donor row without its transfer") {
    REQUIRE(
        f.Sql("INSERT INTO donations (project_id, source_programme_id, mykey_id, amount,"
              " transfer_id, created_at_ms) SELECT 4, 1, 'AB23CD45', 5, MIN(id), 0"
              " FROM ledger_transfers"));
    auto broken = f.ledger->Reconcile();
    REQUIRE(broken);
    CHECK_FALSE(broken->ok());
  }
  SECTION("a pending conversion marked landed without its lot") {
    REQUIRE(f.Sql("UPDATE conversions SET state = 'landed'"));
    auto broken = f.ledger->Reconcile();
    REQUIRE(broken);
    CHECK(broken->problems.size() == 2);
  }
}

}  // namespace
}  // namespace mykey::cloud
