#pragma once

// The ledger fixture plus the "conversions" component: two partners, a
// project programme in Chiyoda and one in Osaka, and a ConversionService on
// the same injected clock.

#include <memory>
#include <string>

#include "ledger_fixture.h"
#include "mykey/ledger/conversion_schema.h"
#include "mykey/ledger/conversion_service.h"

namespace mykey::cloud::conversion_testing {

using namespace ledger_testing;  // NOLINT(google-build-using-namespace): test fixture

inline Caller PartnerOperator(const std::string& partner) {
  Caller c;
  c.kind = CallerKind::kOperator;
  c.scope = OperatorScope::kPartner;
  c.scope_id = partner;
  c.token_id = "token-" + partner;
  return c;
}

inline Caller Kiosk(const std::string& terminal_id) {
  Caller c;
  c.kind = CallerKind::kTerminal;
  c.terminal_id = terminal_id;
  c.site_kind = SiteKind::kKiosk;
  c.site_id = "kiosk";
  c.municipality_code = "131016";
  return c;
}

/// Chiyoda (131016): health (points, 1), festival (event, 2), trees
/// (project, 4); Osaka (271004): osaka (points, 3), bridge (project, 5).
/// Partners: "airline" (1 partner point = 1/2 point), "rail" (1:1).
struct ConversionFixture : LedgerFixture {
  std::unique_ptr<ConversionService> conversions;
  int64_t trees = 4, bridge = 5;

  /// On SQLite.
  explicit ConversionFixture(ConversionOptions options = {}) { SetUp(std::move(options)); }
  /// On the store `fresh` (FreshStore<SqliteBackend or PostgresBackend>()).
  explicit ConversionFixture(std::unique_ptr<testing::ScratchStore> fresh,
                             ConversionOptions options = {})
      : LedgerFixture(std::move(fresh)) {
    SetUp(std::move(options));
  }

  void SetUp(ConversionOptions options) {
    REQUIRE(Migrate(*store, kConversionsSchema, ConversionMigrations()));
    REQUIRE(
        Sql("INSERT INTO programmes (id, municipality_code, code, name, kind, created_at_ms)"
            " VALUES (4, '131016', 'trees', 'Plant trees', 'project', 0),"
            " (5, '271004', 'bridge', 'Mend the bridge', 'project', 0)"));
    options.clock = [this] { return now.load(); };
    conversions = std::make_unique<ConversionService>(*store, options);
    REQUIRE(conversions->AddPartner(Admin(), Partner{"airline", "Sky Air", 1, 2, true, 0}));
    REQUIRE(conversions->AddPartner(Admin(), Partner{"rail", "Rail Co", 1, 1, true, 0}));
  }

  void SetHome(const std::string& mykey_id, const std::string& municipality = "131016") {
    REQUIRE(conversions->SetDefaultMunicipality(Admin(), mykey_id, municipality));
  }

  Conversion ConvertOnline(const std::string& partner, const std::string& key,
                           const std::string& mykey_id, int64_t partner_points) {
    auto result = conversions->Convert(PartnerOperator(partner), {key, mykey_id, partner_points});
    INFO((result ? std::string() : result.error().message()));
    REQUIRE(result);
    return *result;
  }

  std::vector<IssuedCoupon> Coupons(const std::string& partner, int64_t amount, int count = 1,
                                    int64_t days = 30) {
    CouponIssueRequest request;
    request.amount = amount;
    request.expires_at_ms = now.load() + days * kDayMs;
    request.count = count;
    auto issued = conversions->IssueCoupons(PartnerOperator(partner), request);
    REQUIRE(issued);
    return *issued;
  }
};

/// The refusal name of a failed result ("" if it succeeded).
template <typename T>
std::string ReasonOf(const Result<T>& result) {
  if (result) return "";
  if (PointsReasonOf(result.error()) != PointsReason::kNone) {
    return PointsReasonName(PointsReasonOf(result.error()));
  }
  return LedgerReasonName(LedgerReasonOf(result.error()));
}

}  // namespace mykey::cloud::conversion_testing
