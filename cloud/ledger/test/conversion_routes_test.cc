// The conversion, coupon, premium and donation routes over the real
// CloudApi and HttpServer on an ephemeral loopback port, a real SQLite
// store, a test authenticator and a test card-session check.
#include "mykey/ledger/conversion_routes.h"

#include "conversion_fixture.h"
#include "mykey/api/cloud_api.h"
#include "mykey/http_server/http_server.h"
#include "mykey/http_testing/raw_http_client.h"
#include "mykey/json/json.h"

namespace mykey::cloud {
namespace {

using namespace conversion_testing;  // NOLINT(google-build-using-namespace): test fixture
using http::testing::RawHttpClient;
using http::testing::RawResponse;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kHolder = "AB23CD45";
constexpr const char* kSession = "SESSION-AB23CD45";

struct ConversionServer {
  ConversionFixture f;
  TestAuthenticator authenticator;
  RequestLog log{[](std::string_view) {}};
  std::unique_ptr<CloudApi> api;
  std::unique_ptr<http::HttpServer> server;

  ConversionServer() {
    authenticator.Add("chiyoda", Operator("131016"));
    authenticator.Add("osaka", Operator("271004"));
    authenticator.Add("admin", Admin());
    authenticator.Add("airline", PartnerOperator("airline"));
    authenticator.Add("rail", PartnerOperator("rail"));
    authenticator.Add("kiosk", Kiosk("k1"));
    authenticator.Add("kiosk2", Kiosk("k2"));
    // One live card session of AB23CD45, opened at kiosk k1.
    auto sessions = [](std::string_view terminal, std::string_view token) -> Result<std::string> {
      if (token != kSession) return Fail(ErrorCode::kUnauthenticated, "no such card session");
      if (terminal != "k1") return Fail(ErrorCode::kPermissionDenied, "another terminal's");
      return std::string(kHolder);
    };
    api = std::make_unique<CloudApi>(*f.store, log);
    REQUIRE(
        RegisterLedgerRoutes(api->router(), *f.ledger, authenticator, &api->metrics(), sessions));
    REQUIRE(RegisterConversionRoutes(api->router(), *f.conversions, authenticator, sessions,
                                     &api->metrics()));
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

  RawResponse Convert(const std::string& partner, const std::string& key, int64_t points) {
    return Call(partner, "POST", "/v1/conversions",
                R"({"mykey_id":"AB23CD45","partner_points":)" + std::to_string(points) + "}",
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

TEST_CASE("POST /v1/conversions converts for a partner, replays, and refuses key reuse") {
  ConversionServer s;
  CheckError(s.Convert("rail", "c1", 10), 409, "conflict", "no_default_municipality");
  REQUIRE(s.Call("admin", "PUT", "/v1/holders/AB23CD45/default-municipality",
                 R"({"municipality_code":"131016"})")
              .status == 200);
  const RawResponse first = s.Convert("airline", "c1", 1001);
  INFO(first.body);
  REQUIRE(first.status == 201);
  const json::Json body = BodyOf(first);
  CHECK(body["operation"] == "conversion");
  CHECK(body["points"] == 500);
  CHECK(body["state"] == "pending");
  CHECK(body["lands_at_ms"] == kStartMs + 14 * kDayMs);
  const RawResponse replay = s.Convert("airline", "c1", 1001);
  CHECK(replay.status == 201);
  CHECK(replay.body == first.body);
  CHECK(replay.headers.Get("Idempotent-Replayed") == "true");
  CheckError(s.Convert("airline", "c1", 1002), 422, "idempotency_key_reuse");
  CheckError(s.Convert("airline", "", 5), 400, "invalid_field");
  CheckError(s.Convert("airline", "c2", 1), 400, "invalid_field", "conversion_too_small");
  CheckError(s.Convert("chiyoda", "c3", 10), 403, "forbidden", "not_allowed");
  CheckError(s.Convert("kiosk", "c3", 10), 403, "forbidden", "not_allowed");
  CheckError(s.Convert("nobody", "c3", 10), 401, "unauthenticated");
  CheckError(s.Call("rail", "POST", "/v1/conversions",
                    R"({"mykey_id":"AB23CD45","partner_points":5,"extra":1})",
                    {{"Idempotency-Key", "c4"}}),
             400, "unknown_field");

  // Partner isolation and the admin sweep.
  const std::string id = std::to_string(body["conversion_id"].get<int64_t>());
  CHECK(s.Call("airline", "GET", "/v1/conversions/" + id).status == 200);
  CheckError(s.Call("rail", "GET", "/v1/conversions/" + id), 404, "not_found",
             "unknown_conversion");
  CheckError(s.Call("airline", "GET", "/v1/conversions/x"), 400, "invalid_parameter");
  CheckError(s.Call("airline", "POST", "/v1/ledger/sweeps/conversions"), 403, "forbidden");
  // The operation is found by its key, by its partner only.
  CHECK(s.Call("airline", "GET", "/v1/operations/c1").status == 200);
  CheckError(s.Call("rail", "GET", "/v1/operations/c1"), 404, "not_found");
  s.f.now += 14 * kDayMs;
  const RawResponse sweep = s.Call("admin", "POST", "/v1/ledger/sweeps/conversions");
  REQUIRE(sweep.status == 200);
  CHECK(BodyOf(sweep)["items"] == 1);
  CHECK(BodyOf(s.Call("airline", "GET", "/v1/conversions/" + id))["state"] == "landed");
  const RawResponse reconciled = s.Call("admin", "GET", "/v1/ledger/reconciliation");
  CHECK(BodyOf(reconciled)["ok"] == true);
  CHECK(BodyOf(reconciled)["conversion_pending"] == 0);
}

TEST_CASE("Coupons: a partner issues them, a kiosk converts one with the card session") {
  ConversionServer s;
  REQUIRE(s.Call("admin", "PUT", "/v1/holders/AB23CD45/default-municipality",
                 R"({"municipality_code":"131016"})")
              .status == 200);
  const RawResponse issued = s.Call("rail", "POST", "/v1/coupons",
                                    R"({"amount":300,"expires_on":"2026-12-31","count":2})");
  INFO(issued.body);
  REQUIRE(issued.status == 201);
  CHECK(issued.headers.Get("Cache-Control") == "no-store");
  const json::Json coupons = BodyOf(issued)["coupons"];
  REQUIRE(coupons.size() == 2);
  const std::string code = coupons[0]["code"];
  CheckError(s.Call("rail", "POST", "/v1/coupons", R"({"amount":300,"expires_on":"2020-01-01"})"),
             400, "invalid_field");
  CheckError(s.Call("rail", "POST", "/v1/coupons",
                    R"({"amount":300,"expires_on":"2026-12-31","partner_id":"airline"})"),
             403, "forbidden");
  CheckError(s.Call("chiyoda", "POST", "/v1/coupons", R"({"amount":3,"expires_on":"2026-12-31"})"),
             403, "forbidden");

  auto redeem = [&](const std::string& who, const std::string& key, const std::string& typed,
                    const std::string& session = kSession) {
    return s.Call(who, "POST", "/v1/coupon-conversions",
                  R"({"session":")" + session + R"(","code":")" + typed + R"("})",
                  {{"Idempotency-Key", key}});
  };
  const RawResponse converted = redeem("kiosk", "k-1", code);
  INFO(converted.body);
  REQUIRE(converted.status == 201);
  CHECK(BodyOf(converted)["channel"] == "coupon");
  CHECK(BodyOf(converted)["points"] == 300);
  CHECK(BodyOf(converted)["mykey_id"] == kHolder);
  CHECK(redeem("kiosk", "k-1", code).headers.Get("Idempotent-Replayed") == "true");
  CheckError(redeem("kiosk", "k-2", code), 409, "conflict", "coupon_used");
  CheckError(redeem("kiosk", "k-3", "AAAA-BBBB"), 400, "invalid_field", "coupon_malformed");
  std::string unknown(15, '2');
  for (char c : kCouponAlphabet) {
    if (NormaliseCouponCode(unknown + c)) {
      unknown += c;
      break;
    }
  }
  CheckError(redeem("kiosk", "k-4", unknown), 404, "not_found", "coupon_unknown");
  // The card session decides who gets the points: a forged or foreign one is refused.
  const std::string second = coupons[1]["code"];
  CheckError(redeem("kiosk", "k-5", second, "FORGED"), 401, "unauthenticated");
  CheckError(redeem("kiosk2", "k-5", second), 403, "forbidden");
  CheckError(redeem("rail", "k-5", second), 403, "forbidden");
  s.f.now += 365 * kDayMs;
  CheckError(redeem("kiosk", "k-6", second), 409, "conflict", "coupon_expired");
}

TEST_CASE("Too many wrong coupon codes lock the terminal out with a specific reason") {
  ConversionServer s;
  REQUIRE(s.Call("admin", "PUT", "/v1/holders/AB23CD45/default-municipality",
                 R"({"municipality_code":"131016"})")
              .status == 200);
  const json::Json coupons =
      BodyOf(s.Call("rail", "POST", "/v1/coupons",
                    R"({"amount":1,"expires_on":"2026-12-31","count":2})"))["coupons"];
  const std::string used = coupons[0]["code"];
  auto redeem = [&](const std::string& key, const std::string& typed) {
    return s.Call("kiosk", "POST", "/v1/coupon-conversions",
                  R"({"session":")" + std::string(kSession) + R"(","code":")" + typed + R"("})",
                  {{"Idempotency-Key", key}});
  };
  REQUIRE(redeem("first", used).status == 201);
  for (int i = 0; i < 5; ++i) {
    CheckError(redeem("again-" + std::to_string(i), used), 409, "conflict", "coupon_used");
  }
  CheckError(redeem("right", coupons[1]["code"]), 403, "forbidden", "too_many_attempts");
}

TEST_CASE("Default municipality: the holder at a kiosk with their card session, or admin") {
  ConversionServer s;
  const std::string body = R"({"session":"SESSION-AB23CD45","municipality_code":"271004"})";
  CHECK(s.Call("kiosk", "PUT", "/v1/holders/AB23CD45/default-municipality", body).status == 200);
  CheckError(s.Call("kiosk", "PUT", "/v1/holders/ZZ23CD45/default-municipality", body), 403,
             "forbidden", "session_other_holder");
  CheckError(s.Call("kiosk", "PUT", "/v1/holders/AB23CD45/default-municipality",
                    R"({"municipality_code":"271004"})"),
             400, "invalid_field");
  CheckError(s.Call("kiosk2", "PUT", "/v1/holders/AB23CD45/default-municipality", body), 403,
             "forbidden");
  CheckError(s.Call("rail", "PUT", "/v1/holders/AB23CD45/default-municipality",
                    R"({"municipality_code":"271004"})"),
             403, "forbidden", "not_allowed");
  CheckError(s.Call("admin", "PUT", "/v1/holders/AB23CD45/default-municipality",
                    R"({"municipality_code":"999999"})"),
             404, "not_found", "unknown_municipality");
  CheckError(s.Call("admin", "PUT", "/v1/holders/AB12CD45/default-municipality",
                    R"({"municipality_code":"131016"})"),
             400, "invalid_parameter");
  CHECK(BodyOf(s.Convert("rail", "c1", 5))["programme_id"] == s.f.osaka);
}

TEST_CASE("Landing programme and premium routes belong to the municipality") {
  ConversionServer s;
  CHECK(s.Call("chiyoda", "PUT", "/v1/municipalities/131016/landing-programme",
               R"({"programme_id":2})")
            .status == 200);
  CheckError(s.Call("osaka", "PUT", "/v1/municipalities/131016/landing-programme",
                    R"({"programme_id":2})"),
             403, "forbidden", "not_allowed");
  CHECK(s.Call("chiyoda", "PUT", "/v1/programmes/2/premium", R"({"bonus_percent":10})").status ==
        200);
  CheckError(s.Call("chiyoda", "PUT", "/v1/programmes/1/premium", R"({"bonus_percent":10})"), 409,
             "conflict", "not_an_event");
  CheckError(s.Call("osaka", "PUT", "/v1/programmes/2/premium", R"({"bonus_percent":10})"), 404,
             "not_found", "unknown_programme");
  CheckError(s.Call("chiyoda", "PUT", "/v1/programmes/2/premium", R"({"bonus_percent":101})"), 400,
             "invalid_field");
  const RawResponse grant =
      s.Call("chiyoda", "POST", "/v1/grants",
             R"({"mykey_id":"AB23CD45","programme_id":2,"amount":100,"expires_on":"2026-06-30",)"
             R"("department":"Events","reason":"fair"})",
             {{"Idempotency-Key", "g1"}});
  REQUIRE(grant.status == 201);
  CHECK(BodyOf(grant)["balance"] == 110);
}

TEST_CASE("POST /v1/donations gives points with the card session; operators read donors") {
  ConversionServer s;
  s.f.GrantPoints("g1", kHolder, s.f.health, 100);
  auto donate = [&](const std::string& who, const std::string& key, int64_t amount,
                    const std::string& extra = {}) {
    return s.Call(who, "POST", "/v1/donations",
                  R"({"session":"SESSION-AB23CD45","programme_id":1,"project_id":4,"amount":)" +
                      std::to_string(amount) + extra + "}",
                  {{"Idempotency-Key", key}});
  };
  const RawResponse first = donate("kiosk", "d1", 40, R"(,"display_name":"Hanako")");
  INFO(first.body);
  REQUIRE(first.status == 201);
  CHECK(BodyOf(first)["balance"] == 60);
  CHECK(BodyOf(first)["mykey_id"] == kHolder);
  const RawResponse replay = donate("kiosk", "d1", 40, R"(,"display_name":"Hanako")");
  CHECK(replay.body == first.body);
  CHECK(replay.headers.Get("Idempotent-Replayed") == "true");
  CheckError(donate("kiosk", "d1", 41), 422, "idempotency_key_reuse");
  CheckError(donate("kiosk", "d2", 61), 409, "conflict", "insufficient_balance");
  CheckError(donate("kiosk2", "d2", 1), 403, "forbidden");
  CheckError(donate("chiyoda", "d2", 1), 403, "forbidden");
  CheckError(donate("kiosk", "d2", 1, R"(,"colour":"red")"), 400, "unknown_field");
  CheckError(s.Call("kiosk", "POST", "/v1/donations",
                    R"({"session":"SESSION-AB23CD45","programme_id":1,"project_id":2,"amount":1})",
                    {{"Idempotency-Key", "d3"}}),
             409, "conflict", "not_a_project");

  const RawResponse donors = s.Call("chiyoda", "GET", "/v1/projects/4/donors");
  INFO(donors.body);
  REQUIRE(donors.status == 200);
  const json::Json list = BodyOf(donors);
  CHECK(list["total"] == 40);
  REQUIRE(list["donors"].size() == 1);
  CHECK(list["donors"][0]["donor"] == "******45");
  CHECK(list["donors"][0]["display_name"] == "Hanako");
  CHECK(donors.body.find(kHolder) == std::string::npos);
  CheckError(s.Call("osaka", "GET", "/v1/projects/4/donors"), 404, "not_found",
             "unknown_programme");
  CheckError(s.Call("rail", "GET", "/v1/projects/4/donors"), 403, "forbidden");
  CheckError(s.Call("kiosk", "GET", "/v1/projects/4/donors"), 403, "forbidden");
  CHECK(s.Call("admin", "GET", "/v1/projects/4/donors").status == 200);
  const RawResponse reconciled = s.Call("admin", "GET", "/v1/ledger/reconciliation");
  CHECK(BodyOf(reconciled)["ok"] == true);
  CHECK(BodyOf(reconciled)["donated"] == 40);
}

TEST_CASE("POST /v1/partners registers a partner (admin only)") {
  ConversionServer s;
  const std::string body = R"({"id":"bank","name":"Bank","rate_numerator":3,"rate_denominator":2})";
  CheckError(s.Call("chiyoda", "POST", "/v1/partners", body), 403, "forbidden");
  CHECK(s.Call("admin", "POST", "/v1/partners", body).status == 201);
  CheckError(s.Call("admin", "POST", "/v1/partners", body), 409, "conflict");
  CheckError(s.Call("admin", "POST", "/v1/partners", R"({"id":"x","name":"X","rate_numerator":0})"),
             400, "invalid_field");
}

}  // namespace
}  // namespace mykey::cloud
