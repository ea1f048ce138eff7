// cloud/auth over the real HTTP server and a SQLite store: enrollment,
// signed requests, replay refusal and operator token scopes, end to end.
#include <chrono>

#include "auth_fixture.h"
#include "mykey/api/cloud_api.h"
#include "mykey/base/base64.h"
#include "mykey/http_server/http_server.h"
#include "mykey/http_testing/raw_http_client.h"
#include "mykey/json/json.h"
#include "mykey/protocol/request_signature.h"

namespace mykey::cloud {
namespace {

using http::testing::RawHttpClient;
using http::testing::RawResponse;
using Headers = std::vector<std::pair<std::string, std::string>>;

struct Cloud {
  auth_test::AuthStore db;
  RequestLog request_log{[](std::string_view) {}};
  std::unique_ptr<CloudApi> api;
  std::unique_ptr<CloudAuth> auth;
  std::unique_ptr<http::HttpServer> server;

  Cloud() {
    api = std::make_unique<CloudApi>(*db.store, request_log);
    auto created = CloudAuth::Create(*db.store, &api->metrics());
    REQUIRE(created);
    auth = std::move(*created);
    REQUIRE(RegisterAuthRoutes(api->router(), *auth));
    // A route of another module: who is calling, with the query it got.
    REQUIRE(api->router().Add("GET", "/v1/test/whoami", [this](RouteContext& context) -> ApiReply {
      MYKEY_API_ASSIGN_OR_RETURN(const Caller caller,
                                 AuthenticateRoute(auth->authenticator(), context));
      json::OrderedJson out = json::OrderedJson::object();
      out["kind"] = caller.kind == CallerKind::kTerminal ? "terminal" : "operator";
      out["terminal_id"] = caller.terminal_id;
      out["scope_id"] = caller.scope_id;
      out["q"] = std::string(context.request.QueryValue("q").value_or(""));
      return ApiReply::Json(200, json::Dump(out));
    }));
    auto started = http::HttpServer::Start(*api, http::HttpServerOptions{});
    REQUIRE(started);
    server = std::move(*started);
  }

  RawHttpClient Connect() {
    auto client = RawHttpClient::Connect(server->port());
    REQUIRE(client);
    return std::move(*client);
  }

  std::string IssueCode(const Site& site = auth_test::ShopA1()) {
    auto code = auth->enrollment().IssueCode(site, std::chrono::hours(1));
    REQUIRE(code);
    return code->code;
  }
};

json::Json BodyOf(const RawResponse& response) {
  auto body = json::ParseJson(response.body);
  REQUIRE(body);
  return *body;
}

std::string ErrorCodeOf(const RawResponse& response) {
  const json::Json body = BodyOf(response);
  REQUIRE(body.contains("error"));
  return body["error"]["code"].get<std::string>();
}

std::string EnrollBody(std::string_view code, const crypto::EcdsaPrivateKey& key) {
  json::Json body = json::Json::object();
  body["enrollment_code"] = std::string(code);
  body["public_key"] = Base64Encode(key.PublicKey().ToDer());
  body["name"] = "Till 1";
  return json::Dump(body);
}

const Headers kJson = {{"Content-Type", "application/json"}};

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// The headers of a signed request for `target` (already canonical).
Headers SignedHeaders(const crypto::EcdsaPrivateKey& key, const std::string& terminal_id,
                      std::string_view method, std::string_view target, std::string_view body,
                      std::string_view nonce) {
  auto signed_headers =
      protocol::SignRequest(key, terminal_id, method, target, body, NowSeconds(), nonce);
  REQUIRE(signed_headers);
  return {{"X-Mykey-Terminal", signed_headers->terminal},
          {"X-Mykey-Timestamp", signed_headers->timestamp},
          {"X-Mykey-Nonce", signed_headers->nonce},
          {"X-Mykey-Signature", signed_headers->signature}};
}

TEST_CASE("a terminal enrolls, makes signed requests, and a replay is refused") {
  Cloud cloud;
  RawHttpClient client = cloud.Connect();
  const crypto::EcdsaPrivateKey key = auth_test::TerminalKey("till-1");

  auto enrolled =
      client.RoundTrip("POST", "/v1/terminals/enroll", EnrollBody(cloud.IssueCode(), key), kJson);
  REQUIRE(enrolled);
  REQUIRE(enrolled->status == 201);
  const json::Json body = BodyOf(*enrolled);
  const std::string terminal_id = body["terminal_id"];
  CHECK(body["site"]["kind"] == "merchant");
  CHECK(body["site"]["id"] == "A1");
  CHECK(body["site"]["provider_id"] == "shopA");
  CHECK(body["site"]["municipality_code"] == "131016");
  CHECK(body["config"]["signature_scheme"] == "MYKEY-REQ-1");
  CHECK(body["config"]["timestamp_window_s"] == 300);

  const Headers self =
      SignedHeaders(key, terminal_id, "GET", "/v1/terminals/self", "", "first-nonce-0000001");
  auto first = client.RoundTrip("GET", "/v1/terminals/self", "", self);
  REQUIRE(first);
  CHECK(first->status == 200);
  CHECK(BodyOf(*first)["terminal_id"] == terminal_id);
  CHECK(BodyOf(*first)["site"]["id"] == "A1");

  auto replay = client.RoundTrip("GET", "/v1/terminals/self", "", self);
  REQUIRE(replay);
  CHECK(replay->status == 401);
  CHECK(ErrorCodeOf(*replay) == "unauthenticated");

  // Another module's route, with a query that needs percent-encoding.
  const std::vector<std::pair<std::string, std::string>> query = {{"q", "a b/名"}};
  const std::string target = protocol::CanonicalRequestTarget("/v1/test/whoami", query);
  auto whoami = client.RoundTrip(
      "GET", target, "", SignedHeaders(key, terminal_id, "GET", target, "", "second-nonce-000001"));
  REQUIRE(whoami);
  CHECK(whoami->status == 200);
  CHECK(BodyOf(*whoami)["kind"] == "terminal");
  CHECK(BodyOf(*whoami)["terminal_id"] == terminal_id);
  CHECK(BodyOf(*whoami)["q"] == "a b/名");

  auto metrics = client.RoundTrip("GET", "/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("mykey_auth_failures_total{reason=\"replayed_nonce\"} 1") !=
        std::string::npos);
  CHECK(metrics->body.find("mykey_auth_requests_total{kind=\"terminal\"} 2") != std::string::npos);
}

TEST_CASE("an enrollment code works once over HTTP and a wrong one is unauthenticated") {
  Cloud cloud;
  RawHttpClient client = cloud.Connect();
  const std::string code = cloud.IssueCode();
  auto first = client.RoundTrip("POST", "/v1/terminals/enroll",
                                EnrollBody(code, auth_test::TerminalKey("a")), kJson);
  REQUIRE(first);
  CHECK(first->status == 201);
  auto second = client.RoundTrip("POST", "/v1/terminals/enroll",
                                 EnrollBody(code, auth_test::TerminalKey("b")), kJson);
  REQUIRE(second);
  CHECK(second->status == 409);
  CHECK(ErrorCodeOf(*second) == "conflict");
  auto wrong = client.RoundTrip(
      "POST", "/v1/terminals/enroll",
      EnrollBody("0000-0000-0000-0000-0000-0000", auth_test::TerminalKey("c")), kJson);
  REQUIRE(wrong);
  CHECK(wrong->status == 401);
  CHECK(ErrorCodeOf(*wrong) == "unauthenticated");
}

TEST_CASE("enrollment refuses a bad public key and unknown members") {
  Cloud cloud;
  RawHttpClient client = cloud.Connect();
  auto bad_key = client.RoundTrip(
      "POST", "/v1/terminals/enroll",
      R"({"enrollment_code":")" + cloud.IssueCode() + R"(","public_key":"AAAA","name":"x"})",
      kJson);
  REQUIRE(bad_key);
  CHECK(bad_key->status == 400);
  CHECK(ErrorCodeOf(*bad_key) == "invalid_field");
  CHECK(BodyOf(*bad_key)["error"]["field"] == "public_key");
  auto unknown = client.RoundTrip(
      "POST", "/v1/terminals/enroll",
      R"({"enrollment_code":"x","public_key":"AAAA","name":"x","admin":true})", kJson);
  REQUIRE(unknown);
  CHECK(ErrorCodeOf(*unknown) == "unknown_field");
}

TEST_CASE("a suspended terminal is forbidden over HTTP") {
  Cloud cloud;
  RawHttpClient client = cloud.Connect();
  const crypto::EcdsaPrivateKey key = auth_test::TerminalKey("till-1");
  auto enrolled = cloud.auth->enrollment().Enroll(cloud.IssueCode(), key.PublicKey().ToDer(), "T");
  REQUIRE(enrolled);
  REQUIRE(cloud.auth->terminals().SetStatus(enrolled->terminal_id, TerminalStatus::kSuspended));
  auto response = client.RoundTrip("GET", "/v1/terminals/self", "",
                                   SignedHeaders(key, enrolled->terminal_id, "GET",
                                                 "/v1/terminals/self", "", "nonce-suspend-01"));
  REQUIRE(response);
  CHECK(response->status == 403);
  CHECK(ErrorCodeOf(*response) == "forbidden");
}

TEST_CASE("operator tokens issue enrollment codes only within their scope") {
  Cloud cloud;
  RawHttpClient client = cloud.Connect();
  auto provider = cloud.auth->tokens().Issue({OperatorScope::kProvider, "shopA"}, "shop A");
  auto municipality =
      cloud.auth->tokens().Issue({OperatorScope::kMunicipality, "131016"}, "Chiyoda");
  auto partner = cloud.auth->tokens().Issue({OperatorScope::kPartner, "miles"}, "miles");
  REQUIRE(provider);
  REQUIRE(municipality);
  REQUIRE(partner);
  const auto as = [&](const IssuedApiToken& token) {
    return Headers{{"Content-Type", "application/json"},
                   {"Authorization", "Bearer " + token.token}};
  };
  const std::string shop_a =
      R"({"site_kind":"merchant","site_id":"A1","provider_id":"shopA","municipality_code":"131016"})";
  const std::string shop_b =
      R"({"site_kind":"merchant","site_id":"B1","provider_id":"shopB","municipality_code":"011002"})";

  auto own = client.RoundTrip("POST", "/v1/enrollment-codes", shop_a, as(*provider));
  REQUIRE(own);
  REQUIRE(own->status == 201);
  const std::string code = BodyOf(*own)["enrollment_code"];
  auto other = client.RoundTrip("POST", "/v1/enrollment-codes", shop_b, as(*provider));
  REQUIRE(other);
  CHECK(other->status == 403);
  auto by_municipality =
      client.RoundTrip("POST", "/v1/enrollment-codes", shop_a, as(*municipality));
  REQUIRE(by_municipality);
  CHECK(by_municipality->status == 201);
  auto other_municipality =
      client.RoundTrip("POST", "/v1/enrollment-codes", shop_b, as(*municipality));
  REQUIRE(other_municipality);
  CHECK(other_municipality->status == 403);
  auto by_partner = client.RoundTrip("POST", "/v1/enrollment-codes", shop_a, as(*partner));
  REQUIRE(by_partner);
  CHECK(by_partner->status == 403);
  auto anonymous = client.RoundTrip("POST", "/v1/enrollment-codes", shop_a, kJson);
  REQUIRE(anonymous);
  CHECK(anonymous->status == 401);

  // The code issued over the API enrolls a terminal for shop A's site.
  auto enrolled = client.RoundTrip("POST", "/v1/terminals/enroll",
                                   EnrollBody(code, auth_test::TerminalKey("api")), kJson);
  REQUIRE(enrolled);
  CHECK(enrolled->status == 201);
  CHECK(BodyOf(*enrolled)["site"]["provider_id"] == "shopA");

  // A token sees itself on another module's route; a revoked one is forbidden.
  auto whoami = client.RoundTrip("GET", "/v1/test/whoami", "",
                                 {{"Authorization", "Bearer " + municipality->token}});
  REQUIRE(whoami);
  CHECK(whoami->status == 200);
  CHECK(BodyOf(*whoami)["scope_id"] == "131016");
  REQUIRE(cloud.auth->tokens().Revoke(municipality->record.id));
  auto revoked = client.RoundTrip("GET", "/v1/test/whoami", "",
                                  {{"Authorization", "Bearer " + municipality->token}});
  REQUIRE(revoked);
  CHECK(revoked->status == 403);
}

}  // namespace
}  // namespace mykey::cloud
