// The voucher routes over the real CloudApi and HttpServer on an ephemeral
// loopback port, a real SQLite store and a test authenticator.
#include "mykey/ledger/voucher_routes.h"

#include <map>
#include <mutex>

#include "mykey/api/cloud_api.h"
#include "mykey/http_server/http_server.h"
#include "mykey/http_testing/raw_http_client.h"
#include "mykey/json/json.h"
#include "voucher_fixture.h"

namespace mykey::cloud {
namespace {

using namespace voucher_testing;  // NOLINT(google-build-using-namespace): test fixture
using http::testing::RawHttpClient;
using http::testing::RawResponse;
using Headers = std::vector<std::pair<std::string, std::string>>;

/// `Authorization: Test <name>` names a caller.
class NamedAuthenticator final : public RequestAuthenticator {
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
    return it->second;
  }
  std::mutex mu_;
  std::map<std::string, Caller> callers_;
};

/// Card sessions: "s-holder" is AB23CD45's at kiosk-1, "s-other" is
/// ZX98WV76's at kiosk-1; anything else is unknown.
Result<std::string> TestSessions(std::string_view terminal, std::string_view token) {
  if (terminal == "kiosk-1" && token == "s-holder") return std::string(kHolder);
  if (terminal == "kiosk-1" && token == "s-other") return std::string("ZX98WV76");
  return Fail(ErrorCode::kUnauthenticated, "no such card session");
}

struct VoucherServer {
  VoucherFixture f;
  NamedAuthenticator authenticator;
  RequestLog log{[](std::string_view) {}};
  std::unique_ptr<CloudApi> api;
  std::unique_ptr<http::HttpServer> server;

  explicit VoucherServer(CardSessionCheck card_sessions = TestSessions) {
    authenticator.Add("kiosk", Terminal(f.kiosk, "kiosk-1"));
    authenticator.Add("shop", Terminal(f.shop, "till-1"));
    authenticator.Add("stand", Terminal(f.stand, "t2"));
    authenticator.Add("chiyoda", Operator("131016"));
    authenticator.Add("osaka", Operator("271004"));
    authenticator.Add("admin", Admin());
    api = std::make_unique<CloudApi>(*f.store, log);
    REQUIRE(RegisterVoucherRoutes(api->router(), *f.vouchers, authenticator, &api->metrics(),
                                  std::move(card_sessions)));
    auto started = http::HttpServer::Start(*api, http::HttpServerOptions{});
    REQUIRE(started);
    server = std::move(*started);
  }

  RawResponse Call(const std::string& who, const std::string& method, const std::string& target,
                   const std::string& body = {}, Headers extra = {}) {
    auto client = RawHttpClient::Connect(server->port());
    REQUIRE(client);
    Headers headers;
    if (!who.empty()) headers.emplace_back("Authorization", "Test " + who);
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    for (auto& header : extra) headers.push_back(std::move(header));
    auto response = client->RoundTrip(method, target, body, headers);
    REQUIRE(response);
    return std::move(*response);
  }

  RawResponse Issue(const std::string& key, int64_t amount) {
    return Call("kiosk", "POST", "/v1/vouchers",
                R"({"funding":"points","mykey_id":"AB23CD45","programme_id":1,"amount":)" +
                    std::to_string(amount) + R"(,"session":"s-holder","expires_on":"2026-06-30"})",
                {{"Idempotency-Key", key}});
  }

  RawResponse Step(const std::string& who, const std::string& serial, const std::string& step,
                   const std::string& key) {
    return Call(who, "POST", "/v1/vouchers/" + serial + "/" + step, {}, {{"Idempotency-Key", key}});
  }
};

json::Json Body(const RawResponse& response) {
  auto parsed = json::ParseJson(response.body);
  REQUIRE(parsed);
  return *parsed;
}

std::string ReasonOf(const RawResponse& response) {
  const json::Json body = Body(response);
  const auto& error = body.at("error");
  return error.contains("reason") ? error.at("reason").get<std::string>() : "";
}

TEST_CASE("Issue and confirm and redeem over HTTP: a second redemption is 409 already_redeemed") {
  VoucherServer s;
  s.f.Grant("g", s.f.health, 1000);
  const RawResponse issued = s.Issue("v1", 300);
  REQUIRE(issued.status == 201);
  const json::Json voucher = Body(issued);
  CHECK(voucher.at("state") == "pending_print");
  CHECK(voucher.at("token").get<std::string>().starts_with("MKV:"));
  const std::string serial = voucher.at("serial");
  const RawResponse replay = s.Issue("v1", 300);
  CHECK(replay.status == 201);
  CHECK(replay.body == issued.body);
  CHECK(replay.headers.Get("Idempotent-Replayed").value_or("") == "true");
  const RawResponse redeem_early = s.Step("shop", serial, "redeem", "r0");
  CHECK(redeem_early.status == 409);
  CHECK(ReasonOf(redeem_early) == "not_issued");
  const RawResponse confirmed = s.Step("kiosk", serial, "confirm-printed", "c1");
  REQUIRE(confirmed.status == 200);
  CHECK(Body(confirmed).at("state") == "issued");
  const RawResponse reprint = s.Step("kiosk", serial, "reprint", "p1");
  REQUIRE(reprint.status == 200);
  CHECK(Body(reprint).at("duplicate") == true);
  CHECK(Body(reprint).at("reprints") == 1);
  const RawResponse redeemed = s.Step("shop", serial, "redeem", "r1");
  REQUIRE(redeemed.status == 200);
  CHECK(Body(redeemed).at("state") == "redeemed");
  const RawResponse twice = s.Step("shop", serial, "redeem", "r2");
  CHECK(twice.status == 409);
  CHECK(Body(twice).at("error").at("code") == "conflict");
  CHECK(ReasonOf(twice) == "already_redeemed");
  const RawResponse void_after = s.Step("kiosk", serial, "void", "x1");
  CHECK(void_after.status == 409);
  CHECK(ReasonOf(void_after) == "already_redeemed");
  s.f.RequireReconciled();
}

std::string PointsBody(const std::string& session_member) {
  return R"({"funding":"points","mykey_id":"AB23CD45","programme_id":1,"amount":300,)" +
         session_member + R"("expires_on":"2026-06-30"})";
}

TEST_CASE("A terminal issues a points voucher only with that holder's card session at it") {
  VoucherServer s;
  s.f.Grant("g", s.f.health, 1000);
  const RawResponse none =
      s.Call("kiosk", "POST", "/v1/vouchers", PointsBody(""), {{"Idempotency-Key", "n1"}});
  CHECK(none.status == 400);
  CHECK(Body(none).at("error").at("field") == "session");
  const RawResponse unknown =
      s.Call("kiosk", "POST", "/v1/vouchers", PointsBody(R"("session":"s-forged",)"),
             {{"Idempotency-Key", "n2"}});
  CHECK(unknown.status == 401);
  const RawResponse other =
      s.Call("kiosk", "POST", "/v1/vouchers", PointsBody(R"("session":"s-other",)"),
             {{"Idempotency-Key", "n3"}});
  CHECK(other.status == 403);
  CHECK(ReasonOf(other) == "session_other_holder");
  // A session opened at another terminal is not this terminal's.
  const RawResponse elsewhere =
      s.Call("stand", "POST", "/v1/vouchers", PointsBody(R"("session":"s-holder",)"),
             {{"Idempotency-Key", "n4"}});
  CHECK(elsewhere.status == 401);
  // Nothing moved: the holder still has every point.
  CHECK(s.f.ledger->Balances(Operator("131016"), kHolder)->at(0).balance == 1000);
  const RawResponse issued =
      s.Call("kiosk", "POST", "/v1/vouchers", PointsBody(R"("session":"s-holder",)"),
             {{"Idempotency-Key", "n5"}});
  REQUIRE(issued.status == 201);
  CHECK(Body(issued).at("state") == "pending_print");
  CHECK(s.f.ledger->Balances(Operator("131016"), kHolder)->at(0).balance == 700);
  s.f.RequireReconciled();
}

TEST_CASE("A cloud that checks no card sessions lets no terminal spend points on a voucher") {
  VoucherServer s(CardSessionCheck{});
  s.f.Grant("g", s.f.health, 1000);
  const RawResponse refused =
      s.Call("kiosk", "POST", "/v1/vouchers", PointsBody(R"("session":"s-holder",)"),
             {{"Idempotency-Key", "u1"}});
  CHECK(refused.status == 403);
  CHECK(ReasonOf(refused) == "card_sessions_unavailable");
  CHECK(s.f.ledger->Balances(Operator("131016"), kHolder)->at(0).balance == 1000);
  // A voucher sold for cash spends no holder's points.
  const RawResponse sold =
      s.Call("kiosk", "POST", "/v1/vouchers", R"({"funding":"cash","programme_id":1,"amount":5})",
             {{"Idempotency-Key", "u2"}});
  CHECK(sold.status == 201);
  s.f.RequireReconciled();
}

TEST_CASE("Voucher routes refuse bad bodies and missing keys and strangers and other sites") {
  VoucherServer s;
  s.f.Grant("g", s.f.health, 1000);
  CHECK(s.Call("kiosk", "POST", "/v1/vouchers",
               R"({"funding":"points","mykey_id":"AB23CD45","programme_id":1,"amount":5,)"
               R"("expires_on":"2026-06-30"})")
            .status == 400);  // no idempotency key
  const RawResponse unknown_member =
      s.Call("kiosk", "POST", "/v1/vouchers",
             R"({"funding":"points","mykey_id":"AB23CD45","programme_id":1,"amount":5,)"
             R"("expires_on":"2026-06-30","colour":"red"})",
             {{"Idempotency-Key", "k"}});
  CHECK(unknown_member.status == 400);
  CHECK(Body(unknown_member).at("error").at("code") == "unknown_field");
  const RawResponse cash_holder =
      s.Call("kiosk", "POST", "/v1/vouchers",
             R"({"funding":"cash","mykey_id":"AB23CD45","programme_id":1,"amount":5})",
             {{"Idempotency-Key", "k"}});
  CHECK(cash_holder.status == 400);
  const RawResponse too_long =
      s.Call("kiosk", "POST", "/v1/vouchers",
             R"({"funding":"cash","programme_id":1,"amount":5,"expires_on":"2027-01-01"})",
             {{"Idempotency-Key", "k2"}});
  CHECK(too_long.status == 400);
  CHECK(ReasonOf(too_long) == "sold_term_too_long");
  const RawResponse poor = s.Issue("big", 5000);
  CHECK(poor.status == 409);
  CHECK(ReasonOf(poor) == "insufficient_balance");
  CHECK(s.Call("", "POST", "/v1/vouchers", "{}").status == 401);
  CHECK(s.Call("chiyoda", "POST", "/v1/vouchers",
               R"({"funding":"cash","programme_id":1,"amount":5})", {{"Idempotency-Key", "k3"}})
            .status == 403);
  const std::string serial = Body(s.Issue("v1", 100)).at("serial");
  const RawResponse other_site = s.Step("shop", serial, "confirm-printed", "c");
  CHECK(other_site.status == 404);
  CHECK(ReasonOf(other_site) == "unknown_voucher");
  CHECK(s.Step("kiosk", "NOT-A-SERIAL", "void", "x").status == 400);
  const RawResponse reuse = s.Call("kiosk", "POST", "/v1/vouchers",
                                   R"({"funding":"points","mykey_id":"AB23CD45",)"
                                   R"("programme_id":1,"amount":101,"session":"s-holder",)"
                                   R"("expires_on":"2026-06-30"})",
                                   {{"Idempotency-Key", "v1"}});
  CHECK(reuse.status == 422);
  REQUIRE(s.Step("kiosk", serial, "confirm-printed", "c1").status == 200);
  const RawResponse stand = s.Step("stand", serial, "redeem", "r");
  CHECK(stand.status == 403);
  CHECK(ReasonOf(stand) == "programme_not_accepted");
}

TEST_CASE("Keys are public: reports and policy and sweeps and reconciliation need their callers") {
  VoucherServer s;
  s.f.Grant("g", s.f.health, 1000);
  const RawResponse keys = s.Call("", "GET", "/v1/voucher-keys");
  REQUIRE(keys.status == 200);
  const json::Json key = Body(keys).at("keys").at(0);
  CHECK(key.at("current") == true);
  CHECK(key.at("key_id") == ToHex(s.f.public_key->KeyId()));
  const std::string serial = Body(s.Issue("v1", 100)).at("serial");
  CHECK(s.Call("chiyoda", "GET", "/v1/vouchers/" + serial).status == 200);
  CHECK(s.Call("osaka", "GET", "/v1/vouchers/" + serial).status == 404);
  const RawResponse report = s.Call("chiyoda", "GET", "/v1/reports/vouchers?municipality=131016");
  REQUIRE(report.status == 200);
  CHECK(Body(report).at("programmes").at(0).at("pending_print").at("points") == 100);
  CHECK(s.Call("osaka", "GET", "/v1/reports/vouchers?municipality=131016").status == 403);
  CHECK(s.Call("chiyoda", "GET", "/v1/reports/vouchers").status == 400);
  CHECK(s.Call("chiyoda", "PUT", "/v1/programmes/1/voucher-policy", R"({"expired":"return"})")
            .status == 200);
  CHECK(
      s.Call("chiyoda", "PUT", "/v1/programmes/1/voucher-policy", R"({"expired":"burn"})").status ==
      400);
  CHECK(s.Call("osaka", "PUT", "/v1/programmes/1/voucher-policy", R"({"expired":"sink"})").status ==
        403);
  const RawResponse settlement =
      s.Call("chiyoda", "GET",
             "/v1/reports/voucher-settlement?merchant_id=1&from=2026-04-01&to=2026-04-30");
  CHECK(settlement.status == 200);
  CHECK(settlement.body == "date,merchant_id,programme_id,programme_code,vouchers,points\n");
  CHECK(s.Call("chiyoda", "GET", "/v1/reports/voucher-settlement?merchant_id=1").status == 400);
  CHECK(s.Call("shop", "GET",
               "/v1/reports/voucher-settlement?merchant_id=1&from=2026-04-01&to=2026-04-30")
            .status == 403);
  CHECK(s.Call("chiyoda", "POST", "/v1/voucher-sweeps/expired").status == 403);
  const RawResponse sweep = s.Call("admin", "POST", "/v1/voucher-sweeps/pending");
  REQUIRE(sweep.status == 200);
  CHECK(Body(sweep).at("items") == 0);
  CHECK(s.Call("admin", "POST", "/v1/voucher-sweeps/expired").status == 200);
  const RawResponse reconciled = s.Call("admin", "GET", "/v1/voucher-reconciliation");
  REQUIRE(reconciled.status == 200);
  CHECK(Body(reconciled).at("ok") == true);
  CHECK(Body(reconciled).at("vouchers_outstanding") == 100);
  CHECK(s.Call("chiyoda", "GET", "/v1/voucher-reconciliation").status == 403);
}

}  // namespace
}  // namespace mykey::cloud
