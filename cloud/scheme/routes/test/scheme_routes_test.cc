// The scheme routes over the real CloudApi and HttpServer on an ephemeral
// loopback port, a real SQLite store and the test authenticator.
#include "mykey/scheme_routes/scheme_routes.h"

#include "mykey/api/cloud_api.h"
#include "mykey/auth_testing/fake_authenticator.h"
#include "mykey/cloud_testing/temp_dir.h"
#include "mykey/http_server/http_server.h"
#include "mykey/http_testing/raw_http_client.h"
#include "mykey/json/json.h"
#include "mykey/scheme/municipalities.h"
#include "mykey/scheme/parties.h"
#include "mykey/sqlite_store/sqlite_store.h"
#include "mykey/store/migrations.h"
#include "mykey/testing/catch.h"

namespace mykey::cloud {
namespace {

using http::testing::RawHttpClient;
using http::testing::RawResponse;

constexpr const char* kAdmin = "operator:admin";
constexpr const char* kChiyoda = "operator:municipality:131016";
constexpr const char* kOsaka = "operator:municipality:271004";

struct SchemeServer {
  testing::TempDir dir;
  std::unique_ptr<SqliteStore> store;
  auth_testing::FakeAuthenticator authenticator;
  RequestLog log{[](std::string_view) {}};
  std::unique_ptr<CloudApi> api;
  std::unique_ptr<http::HttpServer> server;

  SchemeServer() {
    SqliteStoreOptions options;
    options.path = dir.File("cloud.db");
    auto opened = SqliteStore::Open(options);
    REQUIRE(opened);
    store = std::move(*opened);
    REQUIRE(Migrate(*store, CloudMigrations()));
    MunicipalityDirectory municipalities(*store);
    REQUIRE(municipalities.Add({"131016", "千代田区", false, 0}));
    REQUIRE(municipalities.Add({"271004", "大阪市", false, 0}));
    api = std::make_unique<CloudApi>(*store, log);
    REQUIRE(RegisterSchemeRoutes(api->router(), *store, authenticator));
    auto started = http::HttpServer::Start(*api, http::HttpServerOptions{});
    REQUIRE(started);
    server = std::move(*started);
  }

  RawResponse Call(const std::string& who, const std::string& method, const std::string& target,
                   const std::string& body = {}) {
    auto client = RawHttpClient::Connect(server->port());
    REQUIRE(client);
    std::vector<std::pair<std::string, std::string>> headers = {
        {std::string(auth_testing::kTestCallerHeader), who}};
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    auto response = client->RoundTrip(method, target, body, headers);
    REQUIRE(response);
    return std::move(*response);
  }
};

json::Json BodyOf(const RawResponse& response) {
  auto body = json::ParseJson(response.body);
  REQUIRE(body);
  return *body;
}

void CheckError(const RawResponse& response, int status, const std::string& code) {
  INFO(response.body);
  CHECK(response.status == status);
  const json::Json body = BodyOf(response);
  REQUIRE(body.contains("error"));
  CHECK(body["error"]["code"] == code);
}

TEST_CASE("A municipality creates its programmes and merchants and sees only its own") {
  SchemeServer s;
  auto programme = s.Call(kChiyoda, "POST", "/v1/municipalities/131016/programmes",
                          R"({"code":"health","name":"健康ポイント"})");
  INFO(programme.body);
  REQUIRE(programme.status == 201);
  CHECK(BodyOf(programme)["kind"] == "points");
  const int64_t programme_id = BodyOf(programme)["id"];
  auto shop = s.Call(kChiyoda, "POST", "/v1/municipalities/131016/merchants",
                     R"({"name":"神田書店","kind":"shop"})");
  REQUIRE(shop.status == 201);
  const int64_t shop_id = BodyOf(shop)["id"];

  auto accept = s.Call(
      kChiyoda, "PUT",
      "/v1/merchants/" + std::to_string(shop_id) + "/programmes/" + std::to_string(programme_id));
  INFO(accept.body);
  REQUIRE(accept.status == 200);
  auto merchant = s.Call(kChiyoda, "GET", "/v1/merchants/" + std::to_string(shop_id));
  REQUIRE(merchant.status == 200);
  CHECK(BodyOf(merchant)["programme_ids"] == json::Json::array({programme_id}));

  auto list = s.Call(kChiyoda, "GET", "/v1/municipalities/131016/programmes");
  REQUIRE(list.status == 200);
  CHECK(BodyOf(list)["programmes"].size() == 1);

  // Osaka sees none of it: 404, not 403, so existence does not leak.
  CheckError(s.Call(kOsaka, "GET", "/v1/municipalities/131016/programmes"), 404, "not_found");
  CheckError(s.Call(kOsaka, "GET", "/v1/merchants/" + std::to_string(shop_id)), 404, "not_found");
  CheckError(s.Call(kOsaka, "PUT",
                    "/v1/merchants/" + std::to_string(shop_id) + "/programmes/" +
                        std::to_string(programme_id)),
             404, "not_found");
  auto municipalities = s.Call(kOsaka, "GET", "/v1/municipalities");
  REQUIRE(municipalities.status == 200);
  REQUIRE(BodyOf(municipalities)["municipalities"].size() == 1);
  CHECK(BodyOf(municipalities)["municipalities"][0]["code"] == "271004");
}

TEST_CASE("A merchant's own terminal reads it and only operators suspend it") {
  SchemeServer s;
  auto shop = s.Call(kChiyoda, "POST", "/v1/municipalities/131016/merchants",
                     R"({"name":"Shop","kind":"shop"})");
  REQUIRE(shop.status == 201);
  const std::string id = std::to_string(BodyOf(shop)["id"].get<int64_t>());
  const std::string own = "terminal:T1:merchant:" + id + ":p1:131016";
  const std::string other = "terminal:T2:merchant:999:p1:131016";
  CHECK(s.Call(own, "GET", "/v1/merchants/" + id).status == 200);
  CheckError(s.Call(other, "GET", "/v1/merchants/" + id), 404, "not_found");
  CheckError(s.Call(own, "PUT", "/v1/merchants/" + id + "/suspension"), 403, "forbidden");
  auto suspended = s.Call(kChiyoda, "PUT", "/v1/merchants/" + id + "/suspension");
  REQUIRE(suspended.status == 200);
  CHECK(BodyOf(suspended)["status"] == "suspended");
  auto resumed = s.Call(kChiyoda, "DELETE", "/v1/merchants/" + id + "/suspension");
  REQUIRE(resumed.status == 200);
  CHECK(BodyOf(resumed)["status"] == "active");
}

TEST_CASE("Scheme routes refuse bad input with a specific error") {
  SchemeServer s;
  CheckError(s.Call(kChiyoda, "POST", "/v1/municipalities/131016/programmes",
                    R"({"code":"Health!","name":"x"})"),
             400, "invalid_field");
  CheckError(s.Call(kChiyoda, "POST", "/v1/municipalities/131016/programmes",
                    R"({"code":"h","name":"x","kind":"cash"})"),
             400, "invalid_field");
  CheckError(s.Call(kChiyoda, "POST", "/v1/municipalities/131016/programmes",
                    R"({"code":"h","name":"x","colour":"red"})"),
             400, "unknown_field");
  CheckError(s.Call(kChiyoda, "POST", "/v1/municipalities/131016/merchants", R"({"name":"x")"), 400,
             "invalid_json");
  CheckError(s.Call(kChiyoda, "GET", "/v1/municipalities/131017/programmes"), 400,
             "invalid_parameter");
  CheckError(s.Call(kChiyoda, "GET", "/v1/merchants/abc"), 400, "invalid_parameter");
  CheckError(s.Call("", "GET", "/v1/municipalities"), 401, "unauthenticated");
  REQUIRE(
      s.Call(kChiyoda, "POST", "/v1/municipalities/131016/programmes", R"({"code":"h","name":"x"})")
          .status == 201);
  CheckError(s.Call(kChiyoda, "POST", "/v1/municipalities/131016/programmes",
                    R"({"code":"h","name":"again"})"),
             409, "conflict");
}

TEST_CASE("Only the scheme operator adds municipalities and providers") {
  SchemeServer s;
  CheckError(s.Call(kChiyoda, "POST", "/v1/municipalities", R"({"code":"011002","name":"札幌市"})"),
             403, "forbidden");
  auto added = s.Call(kAdmin, "POST", "/v1/municipalities", R"({"code":"011002","name":"札幌市"})");
  INFO(added.body);
  REQUIRE(added.status == 201);
  CHECK(BodyOf(added)["cross_municipality_use"] == false);
  CheckError(s.Call(kAdmin, "POST", "/v1/municipalities", R"({"code":"011003","name":"x"})"), 400,
             "invalid_field");
  auto provider =
      s.Call(kAdmin, "POST", "/v1/providers", R"({"code":"chiyoda-library","name":"図書館"})");
  REQUIRE(provider.status == 201);
  const int64_t provider_id = BodyOf(provider)["id"];
  CheckError(s.Call(kChiyoda, "GET", "/v1/providers"), 403, "forbidden");
  auto self =
      s.Call("operator:provider:" + std::to_string(provider_id), "GET", "/v1/providers/self");
  REQUIRE(self.status == 200);
  CHECK(BodyOf(self)["code"] == "chiyoda-library");
}

TEST_CASE("A municipality switches its cross-municipality policy, nobody else's") {
  SchemeServer s;
  auto set = s.Call(kChiyoda, "PUT", "/v1/municipalities/131016/policy",
                    R"({"cross_municipality_use":true})");
  REQUIRE(set.status == 200);
  CHECK(BodyOf(set)["cross_municipality_use"] == true);
  CheckError(s.Call(kOsaka, "PUT", "/v1/municipalities/131016/policy",
                    R"({"cross_municipality_use":true})"),
             404, "not_found");
  CheckError(s.Call(kChiyoda, "PUT", "/v1/municipalities/131016/policy", R"({})"), 400,
             "invalid_field");
}

}  // namespace
}  // namespace mykey::cloud
