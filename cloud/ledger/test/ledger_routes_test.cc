// The ledger's routes over the real CloudApi and HttpServer on an ephemeral
// loopback port, each real store (SQLite, PostgreSQL) and a test
// authenticator.
#include "mykey/ledger/ledger_routes.h"

#include "ledger_fixture.h"
#include "mykey/api/cloud_api.h"
#include "mykey/http_server/http_server.h"
#include "mykey/http_testing/raw_http_client.h"
#include "mykey/json/json.h"

namespace mykey::cloud {
namespace {

using namespace ledger_testing;  // NOLINT(google-build-using-namespace): test fixture
using http::testing::RawHttpClient;
using http::testing::RawResponse;
using Headers = std::vector<std::pair<std::string, std::string>>;

struct LedgerServer {
  LedgerFixture f;
  TestAuthenticator authenticator;
  RequestLog log{[](std::string_view) {}};
  std::unique_ptr<CloudApi> api;
  std::unique_ptr<http::HttpServer> server;

  explicit LedgerServer(std::unique_ptr<testing::ScratchStore> store) : f(std::move(store)) {
    authenticator.Add("chiyoda", Operator("131016"));
    authenticator.Add("osaka", Operator("271004"));
    authenticator.Add("admin", Admin());
    authenticator.Add("shop", Terminal(f.shop, "t1"));
    authenticator.Add("stand", Terminal(f.festival_shop, "t2"));
    Caller revoked = Operator("131016");
    revoked.token_id = "revoked";
    authenticator.Add("revoked", revoked);
    api = std::make_unique<CloudApi>(*f.store, log);
    // Card sessions as the registry would check them: one live session of
    // AB23CD45 at terminal t1.
    auto sessions = [](std::string_view terminal, std::string_view token) -> Result<std::string> {
      if (token != "SESSION-AB23CD45") return Fail(ErrorCode::kUnauthenticated, "no such session");
      if (terminal != "t1") return Fail(ErrorCode::kPermissionDenied, "another terminal's session");
      return std::string("AB23CD45");
    };
    REQUIRE(
        RegisterLedgerRoutes(api->router(), *f.ledger, authenticator, &api->metrics(), sessions));
    auto started = http::HttpServer::Start(*api, http::HttpServerOptions{});
    REQUIRE(started);
    server = std::move(*started);
  }

  RawResponse Call(const std::string& who, const std::string& method, const std::string& target,
                   const std::string& body = {}, Headers extra = {}) {
    auto client = RawHttpClient::Connect(server->port());
    REQUIRE(client);
    Headers headers = {{"Authorization", "Test " + who}};
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    for (auto& header : extra) headers.push_back(std::move(header));
    auto response = client->RoundTrip(method, target, body, headers);
    REQUIRE(response);
    return std::move(*response);
  }

  RawResponse Grant(const std::string& key, int64_t amount, const std::string& expires_on) {
    return Call("chiyoda", "POST", "/v1/grants",
                R"({"mykey_id":"AB23CD45","programme_id":1,"amount":)" + std::to_string(amount) +
                    R"(,"expires_on":")" + expires_on +
                    R"(","department":"健康福祉部","reason":"health checkup"})",
                {{"Idempotency-Key", key}});
  }
};

json::Json BodyOf(const RawResponse& response) {
  auto body = json::ParseJson(response.body);
  REQUIRE(body);
  return *body;
}

void CheckError(const RawResponse& response, int status, const std::string& code,
                const std::string& reason = {}) {
  INFO(response.body);
  CHECK(response.status == status);
  const json::Json body = BodyOf(response);
  REQUIRE(body.contains("error"));
  CHECK(body["error"]["code"] == code);
  if (!reason.empty()) CHECK(body["error"]["reason"] == reason);
}

MYKEY_LEDGER_TEST(
    "POST /v1/grants grants points and replays the original answer for the same key") {
  LedgerServer s(FreshStore<TestType>());
  const RawResponse first = s.Grant("grant-1", 500, "2026-06-30");
  INFO(first.body);
  REQUIRE(first.status == 201);
  const json::Json body = BodyOf(first);
  CHECK(body["operation"] == "grant");
  CHECK(body["amount"] == 500);
  CHECK(body["balance"] == 500);
  CHECK(body["expires_at_ms"] == *JapanDayEndMs("2026-06-30"));
  CHECK_FALSE(first.headers.Has("Idempotent-Replayed"));

  const RawResponse replay = s.Grant("grant-1", 500, "2026-06-30");
  CHECK(replay.status == 201);
  CHECK(replay.body == first.body);
  CHECK(replay.headers.Get("Idempotent-Replayed") == "true");

  CheckError(s.Grant("grant-1", 501, "2026-06-30"), 422, "idempotency_key_reuse");
  CHECK(s.f.BalanceOf("AB23CD45", s.f.health) == 500);
}

MYKEY_LEDGER_TEST("POST /v1/grants validates its body strictly") {
  LedgerServer s(FreshStore<TestType>());
  CheckError(s.Grant("", 5, "2026-06-30"), 400, "invalid_field");
  CheckError(
      s.Call("chiyoda", "POST", "/v1/grants",
             R"({"mykey_id":"AB23CD45","programme_id":1,"amount":5,"expires_on":"2026-06-30",)"
             R"("department":"d","reason":"r","colour":"red"})",
             {{"Idempotency-Key", "k"}}),
      400, "unknown_field");
  CheckError(s.Grant("k", 0, "2026-06-30"), 400, "invalid_field");
  CheckError(s.Grant("k", 5, "2026-02-30"), 400, "invalid_field");
  CheckError(s.Grant("k", 5, "2020-01-01"), 400, "invalid_field");
  // A MyKey ID with a look-alike (1) is named as the bad field, not the expiry.
  const RawResponse lookalike =
      s.Call("chiyoda", "POST", "/v1/grants",
             R"({"mykey_id":"AB12CD34","programme_id":1,"amount":5,"expires_on":"2099-06-30",)"
             R"("department":"d","reason":"r"})",
             {{"Idempotency-Key", "k2"}});
  CheckError(lookalike, 400, "invalid_field");
  CHECK(BodyOf(lookalike)["error"]["field"] == "mykey_id");
  CheckError(s.Call("chiyoda", "POST", "/v1/grants", "{not json", {{"Idempotency-Key", "k"}}), 400,
             "invalid_json");
  CheckError(s.Call("chiyoda", "POST", "/v1/grants",
                    R"({"idempotency_key":"a","mykey_id":"AB23CD45","programme_id":1,"amount":5,)"
                    R"("expires_on":"2026-06-30","department":"d","reason":"r"})",
                    {{"Idempotency-Key", "b"}}),
             400, "invalid_field");
}

MYKEY_LEDGER_TEST("Ledger routes refuse missing credentials, other scopes and terminals granting") {
  LedgerServer s(FreshStore<TestType>());
  CheckError(s.Call("nobody", "GET", "/v1/holders/AB23CD45/balances"), 401, "unauthenticated");
  CheckError(s.Call("revoked", "GET", "/v1/holders/AB23CD45/balances"), 403, "forbidden");
  CheckError(
      s.Call("shop", "POST", "/v1/grants",
             R"({"mykey_id":"AB23CD45","programme_id":1,"amount":5,"expires_on":"2026-06-30",)"
             R"("department":"d","reason":"r"})",
             {{"Idempotency-Key", "k"}}),
      403, "forbidden");
  CheckError(
      s.Call("osaka", "POST", "/v1/grants",
             R"({"mykey_id":"AB23CD45","programme_id":1,"amount":5,"expires_on":"2026-06-30",)"
             R"("department":"d","reason":"r"})",
             {{"Idempotency-Key", "k"}}),
      403, "forbidden");
  CheckError(s.Call("chiyoda", "POST", "/v1/ledger/sweeps/expired-lots"), 403, "forbidden");
  CheckError(s.Call("chiyoda", "GET", "/v1/ledger/reconciliation"), 403, "forbidden");
}

MYKEY_LEDGER_TEST("A terminal redeems, holds, captures, voids and refunds over HTTP") {
  LedgerServer s(FreshStore<TestType>());
  REQUIRE(s.Grant("g", 1000, "2026-06-30").status == 201);
  const RawResponse redeemed = s.Call("shop", "POST", "/v1/redemptions",
                                      R"({"mykey_id":"AB23CD45","programme_id":1,"amount":300})",
                                      {{"Idempotency-Key", "r1"}});
  INFO(redeemed.body);
  REQUIRE(redeemed.status == 201);
  const json::Json r = BodyOf(redeemed);
  CHECK(r["state"] == "captured");
  CHECK(r["balance"] == 700);
  CHECK(r["hold_expires_at_ms"].is_null());
  const std::string id = std::to_string(r["redemption_id"].get<int64_t>());

  const RawResponse held = s.Call(
      "shop", "POST", "/v1/redemptions",
      R"({"mykey_id":"AB23CD45","programme_id":1,"amount":100,"hold":true,"idempotency_key":"h1"})");
  REQUIRE(held.status == 201);
  const std::string hold_id = std::to_string(BodyOf(held)["redemption_id"].get<int64_t>());
  CHECK(BodyOf(held)["state"] == "held");

  const RawResponse captured = s.Call("shop", "POST", "/v1/redemptions/" + hold_id + "/capture", "",
                                      {{"Idempotency-Key", "c1"}});
  REQUIRE(captured.status == 200);
  CHECK(BodyOf(captured)["state"] == "captured");
  const RawResponse void_after = s.Call("shop", "POST", "/v1/redemptions/" + hold_id + "/void",
                                        "{}", {{"Idempotency-Key", "v1"}});
  CheckError(void_after, 409, "conflict", "already_captured");
  CHECK(BodyOf(void_after)["error"]["message"] == "the redemption is captured: refund it instead");

  const RawResponse refund = s.Call("shop", "POST", "/v1/redemptions/" + id + "/refunds",
                                    R"({"amount":50})", {{"Idempotency-Key", "f1"}});
  REQUIRE(refund.status == 201);
  CHECK(BodyOf(refund)["refunded_total"] == 50);
  CHECK(BodyOf(refund)["balance"] == 650);
  CheckError(s.Call("shop", "POST", "/v1/redemptions/" + id + "/refunds", R"({"amount":251})",
                    {{"Idempotency-Key", "f2"}}),
             409, "conflict", "refund_exceeds_captured");
  CheckError(s.Call("stand", "POST", "/v1/redemptions/" + id + "/refunds", R"({"amount":1})",
                    {{"Idempotency-Key", "f3"}}),
             404, "not_found", "unknown_redemption");
  CheckError(s.Call("shop", "POST", "/v1/redemptions/abc/capture", "", {{"Idempotency-Key", "c"}}),
             400, "invalid_parameter");
  CheckError(s.Call("shop", "POST", "/v1/redemptions/" + hold_id + "/capture"), 400,
             "invalid_field");
}

MYKEY_LEDGER_TEST("Redemption refusals map to the API's error codes") {
  LedgerServer s(FreshStore<TestType>());
  REQUIRE(s.Grant("g", 100, "2026-06-30").status == 201);
  CheckError(s.Call("shop", "POST", "/v1/redemptions",
                    R"({"mykey_id":"AB23CD45","programme_id":1,"amount":101})",
                    {{"Idempotency-Key", "r1"}}),
             409, "conflict", "insufficient_balance");
  CheckError(
      s.Call("stand", "POST", "/v1/redemptions",
             R"({"mykey_id":"AB23CD45","programme_id":1,"amount":1})", {{"Idempotency-Key", "r1"}}),
      403, "forbidden", "programme_not_accepted");
  CheckError(
      s.Call("shop", "POST", "/v1/redemptions",
             R"({"mykey_id":"AB23CD45","programme_id":9,"amount":1})", {{"Idempotency-Key", "r1"}}),
      404, "not_found", "unknown_programme");
  CheckError(
      s.Call("shop", "POST", "/v1/redemptions",
             R"({"mykey_id":"AB12CD3","programme_id":1,"amount":1})", {{"Idempotency-Key", "r1"}}),
      400, "invalid_field");
  CheckError(
      s.Call("chiyoda", "POST", "/v1/redemptions",
             R"({"mykey_id":"AB23CD45","programme_id":1,"amount":1})", {{"Idempotency-Key", "r1"}}),
      403, "forbidden");
  const std::string metrics = s.api->metrics().Render();
  CHECK(metrics.find("mykey_ledger_operations_total{operation=\"redemption\","
                     "outcome=\"insufficient_balance\"} 1") != std::string::npos);
}

MYKEY_LEDGER_TEST("GET /v1/operations/{key} answers a lost response for its caller only") {
  LedgerServer s(FreshStore<TestType>());
  REQUIRE(s.Grant("g", 100, "2026-06-30").status == 201);
  const RawResponse redeemed = s.Call("shop", "POST", "/v1/redemptions",
                                      R"({"mykey_id":"AB23CD45","programme_id":1,"amount":10})",
                                      {{"Idempotency-Key", "lost-1"}});
  REQUIRE(redeemed.status == 201);
  const RawResponse found = s.Call("shop", "GET", "/v1/operations/lost-1");
  INFO(found.body);
  REQUIRE(found.status == 200);
  const json::Json body = BodyOf(found);
  CHECK(body["idempotency_key"] == "lost-1");
  CHECK(body["state"] == "completed");
  CHECK(body["status"] == 201);
  CHECK(body["result"] == BodyOf(redeemed));
  CheckError(s.Call("stand", "GET", "/v1/operations/lost-1"), 404, "not_found");
  CheckError(s.Call("shop", "GET", "/v1/operations/never"), 404, "not_found");
}

MYKEY_LEDGER_TEST("GET balances lists the programmes with their lots") {
  LedgerServer s(FreshStore<TestType>());
  REQUIRE(s.Grant("g1", 100, "2026-06-30").status == 201);
  REQUIRE(s.Grant("g2", 40, "2026-05-31").status == 201);
  const RawResponse response =
      s.Call("shop", "GET", "/v1/holders/AB23CD45/balances?session=SESSION-AB23CD45");
  INFO(response.body);
  REQUIRE(response.status == 200);
  const json::Json body = BodyOf(response);
  REQUIRE(body["programmes"].size() == 1);
  const json::Json& programme = body["programmes"][0];
  CHECK(programme["programme_code"] == "health");
  CHECK(programme["balance"] == 140);
  CHECK(programme["held"] == 0);
  REQUIRE(programme["lots"].size() == 2);
  CHECK(programme["lots"][0]["remaining"] == 40);
  CHECK(programme["lots"][0]["expires_at_ms"] == *JapanDayEndMs("2026-05-31"));
  CheckError(s.Call("shop", "GET", "/v1/holders/short/balances"), 400, "invalid_parameter");
}

MYKEY_LEDGER_TEST(
    "A terminal reads balances only with that holder's card session at that terminal") {
  LedgerServer s(FreshStore<TestType>());
  REQUIRE(s.Grant("g1", 100, "2026-06-30").status == 201);
  CheckError(s.Call("shop", "GET", "/v1/holders/AB23CD45/balances"), 400, "invalid_parameter");
  CheckError(s.Call("shop", "GET", "/v1/holders/AB23CD45/balances?session=FORGED"), 401,
             "unauthenticated");
  CheckError(s.Call("stand", "GET", "/v1/holders/AB23CD45/balances?session=SESSION-AB23CD45"), 403,
             "forbidden");
  CheckError(s.Call("shop", "GET", "/v1/holders/ZZ23CD45/balances?session=SESSION-AB23CD45"), 403,
             "forbidden", "session_other_holder");
  // Operators need no card session.
  CHECK(s.Call("chiyoda", "GET", "/v1/holders/AB23CD45/balances").status == 200);
}

MYKEY_LEDGER_TEST("Reports come as CSV; sweeps and reconciliation are the admin's") {
  LedgerServer s(FreshStore<TestType>());
  REQUIRE(s.Grant("g", 100, "2026-06-30").status == 201);
  REQUIRE(s.Call("shop", "POST", "/v1/redemptions",
                 R"({"mykey_id":"AB23CD45","programme_id":1,"amount":30})",
                 {{"Idempotency-Key", "r1"}})
              .status == 201);
  const RawResponse settlement = s.Call(
      "chiyoda", "GET", "/v1/reports/settlement?merchant_id=1&from=2026-04-01&to=2026-04-30");
  REQUIRE(settlement.status == 200);
  CHECK(settlement.headers.Get("Content-Type") == "text/csv; charset=utf-8");
  CHECK(settlement.body ==
        "date,merchant_id,programme_id,programme_code,redeemed,refunded,net\n"
        "2026-04-01,1,1,health,30,0,30\n");
  CheckError(s.Call("chiyoda", "GET", "/v1/reports/settlement?merchant_id=1&from=2026-04-01"), 400,
             "invalid_parameter");
  CheckError(s.Call("chiyoda", "GET",
                    "/v1/reports/settlement?merchant_id=1&from=2026-04-31&to=2026-05-01"),
             400, "invalid_parameter");
  const RawResponse unused =
      s.Call("chiyoda", "GET", "/v1/reports/unused-balances?municipality=131016&on=2026-04-01");
  REQUIRE(unused.status == 200);
  CHECK(unused.body ==
        "programme_id,programme_code,holders,unused\n"
        "1,health,1,70\n"
        "2,festival,0,0\n");
  CheckError(
      s.Call("osaka", "GET", "/v1/reports/unused-balances?municipality=131016&on=2026-04-01"), 403,
      "forbidden");

  const RawResponse swept = s.Call("admin", "POST", "/v1/ledger/sweeps/expired-lots");
  REQUIRE(swept.status == 200);
  CHECK(BodyOf(swept)["items"] == 0);
  REQUIRE(s.Call("admin", "POST", "/v1/ledger/sweeps/expired-holds").status == 200);
  const RawResponse reconciled = s.Call("admin", "GET", "/v1/ledger/reconciliation");
  REQUIRE(reconciled.status == 200);
  const json::Json report = BodyOf(reconciled);
  CHECK(report["ok"] == true);
  CHECK(report["issued"] == 100);
  CHECK(report["spent"] == 30);
  CHECK(report["holder_balances"] == 70);
}

}  // namespace
}  // namespace mykey::cloud
