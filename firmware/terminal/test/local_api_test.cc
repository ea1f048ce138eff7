#include "mykey/terminal/local_api.h"

#include "gated_executor.h"
#include "mykey/http_testing/raw_http_client.h"
#include "mykey/json/json.h"
#include "mykey/testing/catch.h"

namespace mykey::terminal {
namespace {

using http::testing::RawHttpClient;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kToken = "pos-token-0123456789abcdef";

// The local API on a loopback port over a desk with a gated executor.
struct ApiRig {
  testing::GatedExecutor executor;
  OperationDesk desk{executor};
  LocalApi api;
  std::unique_ptr<http::HttpServer> server;

  explicit ApiRig(Mode mode = Mode::kShop, bool healthy = true,
                  std::optional<int64_t> offline_outstanding = std::nullopt)
      : api(desk, ConfigFor(mode), kToken, [healthy, offline_outstanding] {
          HealthReport report{healthy, healthy ? "" : "revocation sync failed"};
          report.offline_outstanding = offline_outstanding;
          report.offline_outstanding_points = offline_outstanding.value_or(0) * 250;
          return report;
        }) {
    http::HttpServerOptions options;
    options.threads = 4;
    auto started = http::HttpServer::Start(api, options);
    REQUIRE(started.has_value());
    server = std::move(*started);
  }
  ~ApiRig() {
    executor.Release();
    (void)server->Shutdown();
  }

  static TerminalConfig ConfigFor(Mode mode) {
    TerminalConfig config;
    config.mode = mode;
    return config;
  }

  http::testing::RawResponse Call(std::string_view method, std::string_view target,
                                  std::string_view body = {}, bool with_token = true) {
    auto client = RawHttpClient::Connect(server->port());
    REQUIRE(client.has_value());
    Headers headers;
    if (with_token) headers.emplace_back("Authorization", std::string("Bearer ") + kToken);
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    auto response = client->RoundTrip(method, target, body, headers);
    REQUIRE(response.has_value());
    return *response;
  }
};

json::Json Body(const http::testing::RawResponse& response) {
  auto parsed = json::ParseJson(response.body);
  REQUIRE(parsed.has_value());
  return *parsed;
}

TEST_CASE("every operation route needs the bearer token") {
  ApiRig rig;
  CHECK(rig.Call("POST", "/v1/operations", R"({"kind":"redeem","amount":500})", false).status ==
        401);
  auto client = RawHttpClient::Connect(rig.server->port());
  REQUIRE(client);
  auto wrong = client->RoundTrip("GET", "/v1/operations/op-1", {},
                                 {{"Authorization", "Bearer pos-token-0123456789abcdeX"}});
  REQUIRE(wrong);
  CHECK(wrong->status == 401);
  CHECK(wrong->headers.Get("WWW-Authenticate") == "Bearer");
}

TEST_CASE("an operation is accepted, followed by long-poll, and ends with its result") {
  ApiRig rig;
  auto started =
      rig.Call("POST", "/v1/operations", R"({"kind":"redeem","amount":500,"reference":"POS-17"})");
  REQUIRE(started.status == 202);
  auto body = Body(started);
  std::string id = body["id"].get<std::string>();
  CHECK(started.headers.Get("Location") == "/v1/operations/" + id);
  CHECK(body["kind"] == "redeem");
  CHECK(body["reference"] == "POS-17");

  auto progress = Body(rig.Call("GET", "/v1/operations/" + id + "?after=0&wait=30"));
  REQUIRE(progress["events"].size() >= 1);
  CHECK(progress["events"][0]["name"] == "waiting_for_card");
  CHECK(progress["events"][0]["kind"] == "stage");

  rig.executor.Release();
  auto final = Body(rig.Call("GET", "/v1/operations/" + id + "?after=1&wait=30"));
  CHECK(final["state"] == "done");
  CHECK(final["result"]["state"] == "done");
  CHECK(final["result"]["print"] == "none");
}

TEST_CASE("a second operation while one runs gets 409 busy naming the current one") {
  ApiRig rig;
  auto first = rig.Call("POST", "/v1/operations", R"({"kind":"redeem","amount":500})");
  REQUIRE(first.status == 202);
  rig.executor.WaitStarted(1);
  auto second = rig.Call("POST", "/v1/operations", R"({"kind":"who_is_this"})");
  CHECK(second.status == 409);
  auto body = Body(second);
  CHECK(body["error"] == "busy");
  CHECK(body["current"] == Body(first)["id"]);
}

TEST_CASE("a cancelled operation ends cancelled, and a second cancel is 409") {
  ApiRig rig;
  auto started = Body(rig.Call("POST", "/v1/operations", R"({"kind":"redeem","amount":500})"));
  std::string id = started["id"].get<std::string>();
  rig.executor.WaitStarted(1);
  CHECK(rig.Call("POST", "/v1/operations/" + id + "/cancel").status == 202);
  auto final = rig.desk.WaitForFinal(id);
  REQUIRE(final);
  CHECK(final->state == OperationState::kCancelled);
  auto shown = Body(rig.Call("GET", "/v1/operations/" + id));
  CHECK(shown["state"] == "cancelled");
  CHECK(shown["result"]["reason"] == "cancelled");
  auto again = rig.Call("POST", "/v1/operations/" + id + "/cancel");
  CHECK(again.status == 409);
  CHECK(Body(again)["operation"]["state"] == "cancelled");
}

TEST_CASE("an unknown operation is 404 for GET and cancel") {
  ApiRig rig;
  CHECK(rig.Call("GET", "/v1/operations/op-9-deadbeef").status == 404);
  CHECK(rig.Call("POST", "/v1/operations/op-9-deadbeef/cancel").status == 404);
  CHECK(rig.Call("GET", "/v1/elsewhere").status == 404);
}

TEST_CASE("a malformed request is 400 naming the field") {
  ApiRig rig;
  auto unknown = rig.Call("POST", "/v1/operations", R"({"kind":"redeem","amunt":500})");
  CHECK(unknown.status == 400);
  CHECK(Body(unknown)["field"] == "amunt");
  auto negative = rig.Call("POST", "/v1/operations", R"({"kind":"redeem","amount":-5})");
  CHECK(Body(negative)["field"] == "amount");
  auto not_json = rig.Call("POST", "/v1/operations", "redeem 500");
  CHECK(not_json.status == 400);
  CHECK(rig.Call("GET", "/v1/operations/x?wait=31").status == 400);
}

TEST_CASE("an operation the mode does not offer is 422") {
  ApiRig rig(Mode::kLibrary);
  auto response = rig.Call("POST", "/v1/operations", R"({"kind":"redeem","amount":500})");
  CHECK(response.status == 422);
  CHECK(Body(response)["error"] == "not_allowed_in_mode");
}

TEST_CASE("the health check needs no token and reports the mode") {
  ApiRig rig(Mode::kLibrary);
  auto response = rig.Call("GET", "/healthz", {}, false);
  CHECK(response.status == 200);
  auto body = Body(response);
  CHECK(body["status"] == "ok");
  CHECK(body["mode"] == "library");
  CHECK(body["busy"] == false);
}

TEST_CASE("the health check shows the offline journal's outstanding entries when offline is on") {
  ApiRig off(Mode::kShop);
  CHECK_FALSE(Body(off.Call("GET", "/healthz", {}, false)).contains("offline"));
  ApiRig on(Mode::kShop, true, 2);
  auto body = Body(on.Call("GET", "/healthz", {}, false));
  CHECK(body["status"] == "ok");
  CHECK(body["offline"]["outstanding"] == 2);
  CHECK(body["offline"]["outstanding_points"] == 500);
}

TEST_CASE("the health check is 503 when a daily job is failing") {
  ApiRig rig(Mode::kShop, false);
  auto response = rig.Call("GET", "/healthz", {}, false);
  CHECK(response.status == 503);
  CHECK(Body(response)["detail"] == "revocation sync failed");
}

TEST_CASE("an operation request is read field by field") {
  std::string field;
  auto request = ParseOperationRequest(
      R"({"kind":"link_service","service_id":"789","card_timeout_ms":5000,"reference":"r"})",
      field);
  REQUIRE(request.has_value());
  CHECK(request->kind == OperationKind::kLinkService);
  CHECK(request->service_id == "789");
  CHECK(request->card_timeout == std::chrono::milliseconds(5000));
  CHECK_FALSE(ParseOperationRequest(R"({"amount":5})", field).has_value());
  CHECK(field == "kind");
  CHECK_FALSE(ParseOperationRequest(R"({"kind":"redeem","amount":1.5})", field).has_value());
  CHECK(field == "amount");
  CHECK_FALSE(ParseOperationRequest(R"({"kind":"redeem","amount":18446744073709551615})", field)
                  .has_value());
  CHECK_FALSE(ParseOperationRequest(R"({"kind":"fly"})", field).has_value());
  CHECK(field == "kind");
  CHECK_FALSE(ParseOperationRequest(R"({"kind":"redeem","reference":"a\nb"})", field).has_value());
  CHECK(field == "reference");
  CHECK_FALSE(ParseOperationRequest("[1]", field).has_value());
}

}  // namespace
}  // namespace mykey::terminal
