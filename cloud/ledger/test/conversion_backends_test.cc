// The conversion flows on each store backend (SQLite, and PostgreSQL on the
// test server of the ctest fixture "postgres"): the SQL of conversions,
// coupons, premiums and donations runs on both.
#include <atomic>
#include <thread>
#include <vector>

#include "conversion_fixture.h"

namespace mykey::cloud {
namespace {

using namespace conversion_testing;  // NOLINT(google-build-using-namespace): test fixture

MYKEY_LEDGER_TEST("Conversions, coupons, premiums and donations reconcile on each backend") {
  ConversionFixture f(FreshStore<TestType>());
  const std::string holder = "AB23CD45";
  f.SetHome(holder);
  f.SetHome(holder);  // a second choice updates the row
  REQUIRE(f.conversions->SetLandingProgramme(Operator("131016"), "131016", f.festival));
  REQUIRE(f.conversions->SetPremium(Operator("131016"), f.festival, 10));

  const Conversion online = f.ConvertOnline("airline", "c1", holder, 1001);
  CHECK(online.points == 500);
  CHECK(f.ConvertOnline("airline", "c1", holder, 1001).replayed);
  CHECK(ReasonOf(f.conversions->Convert(PartnerOperator("airline"), {"c1", holder, 7})) ==
        "idempotency_key_reuse");
  CHECK(ReasonOf(f.conversions->GetConversion(PartnerOperator("rail"), online.conversion_id)) ==
        "unknown_conversion");

  const auto coupons = f.Coupons("rail", 200, 2);
  REQUIRE(f.conversions->RedeemCoupon(Kiosk("k1"), {"k-1", holder, coupons[0].code}));
  CHECK(ReasonOf(f.conversions->RedeemCoupon(Kiosk("k1"), {"k-2", holder, coupons[0].code})) ==
        "coupon_used");
  for (int i = 0; i < 4; ++i) {
    CHECK(ReasonOf(f.conversions->RedeemCoupon(
              Kiosk("k1"), {"x-" + std::to_string(i), holder, coupons[0].code})) == "coupon_used");
  }
  CHECK(ReasonOf(f.conversions->RedeemCoupon(Kiosk("k1"), {"k-3", holder, coupons[1].code})) ==
        "too_many_attempts");
  f.RequireReconciled();

  f.now += 14 * kDayMs;
  auto landed = f.conversions->SweepDueConversions();
  REQUIRE(landed);
  CHECK(landed->items == 2);
  CHECK(landed->points == 770);  // 500 + 50 premium, 200 + 20 premium
  CHECK(f.BalanceOf(holder, f.festival) == 770);

  f.GrantPoints("g1", holder, f.health, 100);
  REQUIRE(f.conversions->Donate(Kiosk("k1"),
                                {"d1", holder, f.health, f.trees, 60, std::string("Hanako")}));
  auto donors = f.conversions->Donors(Operator("131016"), f.trees);
  REQUIRE(donors);
  CHECK(donors->total == 60);
  REQUIRE(donors->donors.size() == 1);
  CHECK(donors->donors[0].display_name == "Hanako");
  auto report = f.ledger->Reconcile();
  REQUIRE(report);
  CHECK(report->ok());
  CHECK(report->donated == 60);
  CHECK(report->conversion_pending == 0);
}

MYKEY_LEDGER_TEST("One coupon typed at eight kiosks at once converts exactly once") {
  ConversionFixture f(FreshStore<TestType>());
  f.SetHome("AB23CD45");
  const auto coupon = f.Coupons("rail", 300)[0];
  std::atomic<int> converted{0};
  std::atomic<int> used{0};
  std::vector<std::thread> kiosks;
  for (int i = 0; i < 8; ++i) {
    kiosks.emplace_back([&, i] {
      const std::string kiosk = "k" + std::to_string(i);
      auto result = f.conversions->RedeemCoupon(Kiosk(kiosk), {"key", "AB23CD45", coupon.code});
      if (result) {
        converted += 1;
      } else if (ReasonOf(result) == "coupon_used") {
        used += 1;
      }
    });
  }
  for (std::thread& kiosk : kiosks) kiosk.join();
  CHECK(converted == 1);
  CHECK(used == 7);
  auto report = f.ledger->Reconcile();
  REQUIRE(report);
  CHECK(report->ok());
  CHECK(report->conversion_pending == 300);
}

}  // namespace
}  // namespace mykey::cloud
