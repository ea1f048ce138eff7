// CloudApi served by the real HttpServer over a real SQLite store.
#include <condition_variable>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "mykey/api/cloud_api.h"
#include "mykey/api/json_body.h"
#include "mykey/base/log.h"
#include "mykey/cloud_testing/temp_dir.h"
#include "mykey/http_server/http_server.h"
#include "mykey/http_testing/raw_http_client.h"
#include "mykey/json/json.h"
#include "mykey/sqlite_store/sqlite_store.h"
#include "mykey/store/migrations.h"
#include "mykey/testing/catch.h"

namespace mykey::cloud {
namespace {

using http::testing::RawHttpClient;
using http::testing::RawResponse;

/// Holds requests to the test-only slow route until released.
class Gate {
 public:
  void Enter() {
    std::unique_lock lock(mu_);
    entered_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
  }
  void WaitUntilEntered() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return entered_; });
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool entered_ = false;
  bool open_ = false;
};

/// A store, the API with test routes, and a server on 127.0.0.1:<ephemeral>.
struct Cloud {
  testing::TempDir dir;
  std::unique_ptr<SqliteStore> store;
  std::vector<std::string> log_lines;
  std::mutex log_mu;
  RequestLog request_log{[this](std::string_view line) {
    std::lock_guard lock(log_mu);
    log_lines.emplace_back(line);
  }};
  std::unique_ptr<CloudApi> api;
  Gate gate;
  std::unique_ptr<http::HttpServer> server;

  explicit Cloud(size_t max_body_bytes = 1024) {
    SqliteStoreOptions options;
    options.path = dir.File("cloud.db");
    auto opened = SqliteStore::Open(options);
    REQUIRE(opened);
    store = std::move(*opened);
    REQUIRE(Migrate(*store, CloudMigrations()));
    api = std::make_unique<CloudApi>(*store, request_log);
    REQUIRE(api->router().Add("POST", "/v1/test/echo", [](RouteContext& context) -> ApiReply {
      MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(context.request.body));
      const std::string name = body.String("name", {1, 20});
      const int64_t count = body.Integer("count", 0, 10);
      if (auto error = body.Finish()) return *error;
      json::OrderedJson out = json::OrderedJson::object();
      out["name"] = name;
      out["count"] = count;
      return ApiReply::Json(201, json::Dump(out));
    }));
    REQUIRE(api->router().Add("GET", "/v1/test/slow", [this](RouteContext&) {
      gate.Enter();
      return ApiReply::Json(200, "{\"slow\":true}");
    }));
    REQUIRE(api->router().Add("GET", "/v1/test/ids/{mykey_id}", [](RouteContext& context) {
      context.log_identifiers.emplace_back("mykey_id", std::string(context.Param("mykey_id")));
      return ApiReply::Json(200, "{}");
    }));
    http::HttpServerOptions server_options;
    server_options.max_body_bytes = max_body_bytes;
    auto started = http::HttpServer::Start(*api, server_options);
    REQUIRE(started);
    server = std::move(*started);
  }

  RawHttpClient Connect() {
    auto client = RawHttpClient::Connect(server->port());
    REQUIRE(client);
    return std::move(*client);
  }
};

json::Json ErrorOf(const RawResponse& response) {
  auto body = json::ParseJson(response.body);
  REQUIRE(body);
  REQUIRE(body->contains("error"));
  return (*body)["error"];
}

/// The error body's request id equals the X-Request-Id header.
void CheckError(const RawResponse& response, int status, const char* code) {
  CHECK(response.status == status);
  CHECK(response.headers.Get("Content-Type") == "application/json");
  const json::Json error = ErrorOf(response);
  CHECK(error["code"] == code);
  CHECK(error["message"].is_string());
  REQUIRE(response.headers.Get("X-Request-Id"));
  CHECK(error["request_id"] == std::string(*response.headers.Get("X-Request-Id")));
}

const std::vector<std::pair<std::string, std::string>> kJson = {
    {"Content-Type", "application/json"}};

TEST_CASE("healthz answers ok after checking the store, with a fresh request id each time") {
  Cloud cloud;
  RawHttpClient client = cloud.Connect();
  std::set<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto response = client.RoundTrip("GET", "/healthz");
    REQUIRE(response);
    CHECK(response->status == 200);
    auto body = json::ParseJson(response->body);
    REQUIRE(body);
    CHECK((*body)["status"] == "ok");
    CHECK((*body)["store"] == "sqlite");
    auto id = response->headers.Get("X-Request-Id");
    REQUIRE(id);
    CHECK(std::regex_match(std::string(*id), std::regex("[0-9a-f]{24}")));
    ids.emplace(*id);
  }
  CHECK(ids.size() == 3);
  CHECK(cloud.store->stats().commits >= 3);
}

TEST_CASE("metrics are Prometheus text with request counts and latency by route") {
  Cloud cloud;
  RawHttpClient client = cloud.Connect();
  REQUIRE(client.RoundTrip("GET", "/healthz"));
  REQUIRE(client.RoundTrip("GET", "/nowhere"));
  auto response = client.RoundTrip("GET", "/metrics");
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(response->headers.Get("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = response->body;
  CHECK(text.find(
            "mykey_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 1\n") !=
        std::string::npos);
  CHECK(text.find(
            "mykey_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("mykey_http_request_duration_seconds_bucket{route=\"/healthz\",method=\"GET\","
                  "le=\"+Inf\"} 1\n") != std::string::npos);
  CHECK(text.find("mykey_http_requests_in_flight 1\n") != std::string::npos);  // this request
  CHECK(text.find("mykey_store_errors_total 0\n") != std::string::npos);
  // Every line is a comment or `name{labels} value`.
  const std::regex sample(R"(^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+$)");
  size_t start = 0;
  int samples = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    REQUIRE(end != std::string::npos);  // the exposition ends with a newline
    const std::string line = text.substr(start, end - start);
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      // fine
    } else {
      INFO(line);
      CHECK(std::regex_match(line, sample));
      ++samples;
    }
    start = end + 1;
  }
  CHECK(samples > 10);
}

TEST_CASE("An unknown route is not_found and a wrong method is method_not_allowed with Allow") {
  Cloud cloud;
  RawHttpClient client = cloud.Connect();
  auto missing = client.RoundTrip("GET", "/v1/nothing/here");
  REQUIRE(missing);
  CheckError(*missing, 404, "not_found");
  auto wrong = client.RoundTrip("DELETE", "/healthz");
  REQUIRE(wrong);
  CheckError(*wrong, 405, "method_not_allowed");
  CHECK(wrong->headers.Get("Allow") == "GET, HEAD");
}

TEST_CASE("A body over the limit is body_too_large with a request id, before it is sent") {
  Cloud cloud(/*max_body_bytes=*/256);
  RawHttpClient client = cloud.Connect();
  REQUIRE(
      client.Send("POST /v1/test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                  "\r\nContent-Length: 100000\r\n\r\n"));
  auto response = client.ReadResponse();
  REQUIRE(response);
  CheckError(*response, 413, "body_too_large");
  CHECK(client.WaitForClose());
}

TEST_CASE("Request bodies are validated strictly") {
  Cloud cloud;
  RawHttpClient client = cloud.Connect();
  SECTION("a valid body passes") {
    auto response = client.RoundTrip("POST", "/v1/test/echo", R"({"name":"a","count":2})", kJson);
    REQUIRE(response);
    CHECK(response->status == 201);
    CHECK(response->body == R"({"name":"a","count":2})");
  }
  SECTION("malformed JSON is invalid_json") {
    auto response = client.RoundTrip("POST", "/v1/test/echo", R"({"name":)", kJson);
    REQUIRE(response);
    CheckError(*response, 400, "invalid_json");
  }
  SECTION("an unknown member is unknown_field naming it") {
    auto response =
        client.RoundTrip("POST", "/v1/test/echo", R"({"name":"a","count":2,"colour":1})", kJson);
    REQUIRE(response);
    CheckError(*response, 400, "unknown_field");
    CHECK(ErrorOf(*response)["field"] == "colour");
  }
  SECTION("a missing or mistyped member is invalid_field naming it") {
    auto missing = client.RoundTrip("POST", "/v1/test/echo", R"({"name":"a"})", kJson);
    REQUIRE(missing);
    CheckError(*missing, 400, "invalid_field");
    CHECK(ErrorOf(*missing)["field"] == "count");
    auto mistyped = client.RoundTrip("POST", "/v1/test/echo", R"({"name":"a","count":"2"})", kJson);
    REQUIRE(mistyped);
    CheckError(*mistyped, 400, "invalid_field");
  }
  SECTION("a body that is not declared JSON is unsupported_media_type") {
    auto response = client.RoundTrip("POST", "/v1/test/echo", R"({"name":"a","count":2})",
                                     {{"Content-Type", "text/plain"}});
    REQUIRE(response);
    CheckError(*response, 415, "unsupported_media_type");
  }
}

TEST_CASE("The request log has one masked JSON line per request, with route not path") {
  const mykey::log::Level saved = mykey::log::GetLevel();
  mykey::log::SetLevel(mykey::log::Level::kInfo);
  Cloud cloud;
  RawHttpClient client = cloud.Connect();
  auto response = client.RoundTrip("GET", "/v1/test/ids/AB12CD34");
  REQUIRE(response);
  auto missing = client.RoundTrip("GET", "/v1/registry/AB12CD34");
  REQUIRE(missing);
  mykey::log::SetLevel(saved);
  std::lock_guard lock(cloud.log_mu);
  REQUIRE(cloud.log_lines.size() == 2);
  for (const std::string& line : cloud.log_lines) {
    CHECK(line.find("AB12CD34") == std::string::npos);
  }
  auto first = json::ParseJson(cloud.log_lines[0]);
  REQUIRE(first);
  CHECK((*first)["route"] == "/v1/test/ids/{mykey_id}");
  CHECK((*first)["ids"]["mykey_id"] == "******34");
  CHECK((*first)["request_id"] == std::string(*response->headers.Get("X-Request-Id")));
  CHECK((*first)["remote"] == "127.0.0.1");
  auto second = json::ParseJson(cloud.log_lines[1]);
  REQUIRE(second);
  CHECK((*second)["route"] == "unmatched");
  CHECK((*second)["error"] == "not_found");
}

TEST_CASE("Graceful shutdown finishes the request in flight") {
  Cloud cloud;
  RawHttpClient client = cloud.Connect();
  REQUIRE(client.Send(http::testing::FormatRequest("GET", "/v1/test/slow")));
  cloud.gate.WaitUntilEntered();
  Status stopped = Ok();
  std::thread stopper([&] { stopped = cloud.server->Shutdown(); });
  // Once the listener is closed, new connections are refused...
  for (;;) {
    if (!RawHttpClient::Connect(cloud.server->port())) break;
  }
  // ...and the request in flight still gets its answer.
  cloud.gate.Open();
  auto response = client.ReadResponse();
  stopper.join();
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(response->body == "{\"slow\":true}");
  CHECK(stopped.has_value());
}

TEST_CASE("A backup taken while serving restores to a store the cloud serves") {
  Cloud cloud;
  RawHttpClient client = cloud.Connect();
  REQUIRE(cloud.store->WithTransaction(TransactionMode::kReadWrite, [](Transaction& tx) -> Status {
    MYKEY_TRY(tx.Execute(
        "INSERT INTO municipalities (code, name, created_at_ms) VALUES ('131016', 'Chiyoda', 1)"));
    return Ok();
  }));
  REQUIRE(client.RoundTrip("GET", "/healthz")->status == 200);
  REQUIRE(cloud.store->BackupTo(cloud.dir.File("backup.db")));
  REQUIRE(client.RoundTrip("GET", "/healthz")->status == 200);
  REQUIRE(RestoreSqliteBackup(cloud.dir.File("backup.db"), cloud.dir.File("restored.db")));
  SqliteStoreOptions options;
  options.path = cloud.dir.File("restored.db");
  auto restored = SqliteStore::Open(options);
  REQUIRE(restored);
  CHECK(SchemaVersion(**restored) == CloudSchemaVersion());
  REQUIRE((*restored)->WithTransaction(TransactionMode::kReadOnly, [](Transaction& tx) -> Status {
    MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow("SELECT name FROM municipalities"));
    REQUIRE(row);
    CHECK(row->Text(0) == "Chiyoda");
    return Ok();
  }));
}

/// A store that cannot begin transactions (the database is gone).
class UnreachableStore final : public Store {
  Result<std::unique_ptr<Transaction>> DoBegin(TransactionMode) override {
    return Fail(ErrorCode::kUnavailable, "database unreachable");
  }
  Status DoCommit(Transaction&) override { return Ok(); }
  void DoRollback(Transaction&) override {}
  Status DoBackupTo(const std::string&) override {
    return Fail(ErrorCode::kUnimplemented, "no backup");
  }
  SqlDialect DoDialect() const override { return SqlDialect::kPostgres; }
};

TEST_CASE("healthz is unavailable when the store does not answer, and store errors are counted") {
  UnreachableStore store;
  const RequestLog log([](std::string_view) {});
  CloudApi api(store, log);
  auto server = http::HttpServer::Start(api, {});
  REQUIRE(server);
  auto client = RawHttpClient::Connect((*server)->port());
  REQUIRE(client);
  auto health = client->RoundTrip("GET", "/healthz");
  REQUIRE(health);
  CheckError(*health, 503, "unavailable");
  auto metrics = client->RoundTrip("GET", "/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("mykey_store_errors_total 1\n") != std::string::npos);
}

}  // namespace
}  // namespace mykey::cloud
