// Fuzzes the cloud's request decoding: whole requests (method, path, query,
// headers, body) through CloudApi with the scheme and ledger routes on a real
// SQLite store, the caller named in a test header.
//
// Input: the first line is "METHOD TARGET" (TARGET may carry ?query);
// following lines up to an empty line are "name: value" headers; the rest is
// the body.
//
// Checks, for every input: the answer is never 500 (a decoding path that
// reaches "internal" is a bug); every status is one the error model names;
// every error body is {"error":{"code","message","request_id"}} with the
// X-Request-Id header's id; a 2xx body is JSON.
//
// Seeds (corpus/fuzz_cloud_request/): valid and broken requests of every
// scheme and ledger route (make_corpus.py).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "mykey/api/cloud_api.h"
#include "mykey/auth_testing/fake_authenticator.h"
#include "mykey/json/json.h"
#include "mykey/ledger/ledger_routes.h"
#include "mykey/ledger/ledger_schema.h"
#include "mykey/ledger/ledger_service.h"
#include "mykey/scheme/municipalities.h"
#include "mykey/scheme/parties.h"
#include "mykey/scheme_routes/scheme_routes.h"
#include "mykey/sqlite_store/sqlite_store.h"
#include "mykey/store/migrations.h"

namespace {

using namespace mykey::cloud;  // NOLINT(google-build-using-namespace): fuzz target

struct Cloud {
  std::unique_ptr<SqliteStore> store;
  auth_testing::FakeAuthenticator authenticator;
  RequestLog log{[](std::string_view) {}};
  std::unique_ptr<LedgerService> ledger;
  std::unique_ptr<CloudApi> api;
  std::string dir_path;

  Cloud() {
    SqliteStoreOptions options;
    char dir[] = "/tmp/mykey-fuzz-cloud-XXXXXX";
    if (mkdtemp(dir) == nullptr) std::abort();
    dir_path = dir;
    options.path = dir_path + "/cloud.db";
    options.connections = 1;
    auto opened = SqliteStore::Open(options);
    if (!opened) std::abort();
    store = std::move(*opened);
    if (!Migrate(*store, CloudMigrations()) ||
        !Migrate(*store, kLedgerSchema, LedgerMigrations())) {
      std::abort();
    }
    MunicipalityDirectory municipalities(*store);
    PartyDirectory parties(*store);
    if (!municipalities.Add({"131016", "千代田区", false, 0})) std::abort();
    auto programme = parties.AddProgramme({0, "131016", "health", "Health", "points", 0});
    auto shop = parties.AddMerchant({0, "131016", "Shop", "shop", "", {}, 0});
    if (!programme || !shop || !parties.SetAccepts(shop->id, programme->id, true)) std::abort();
    ledger = std::make_unique<LedgerService>(*store);
    api = std::make_unique<CloudApi>(*store, log);
    if (!RegisterSchemeRoutes(api->router(), *store, authenticator) ||
        !RegisterLedgerRoutes(api->router(), *ledger, authenticator)) {
      std::abort();
    }
  }
  ~Cloud() {
    api.reset();
    ledger.reset();
    store.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_path, ignored);
  }
};

Cloud& TheCloud() {
  static Cloud cloud;
  return cloud;
}

bool IsModelStatus(int status) {
  switch (status) {
    case 200:
    case 201:
    case 204:
    case 400:
    case 401:
    case 403:
    case 404:
    case 405:
    case 409:
    case 413:
    case 415:
    case 422:
    case 503: return true;
    default: return false;
  }
}

mykey::http::HttpRequest ParseInput(std::string_view text) {
  mykey::http::HttpRequest request;
  request.remote_address = "127.0.0.1";
  auto next_line = [&text]() {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    return line;
  };
  const std::string_view first = next_line();
  const size_t space = first.find(' ');
  request.method = std::string(first.substr(0, space));
  std::string_view target = space == std::string_view::npos ? "" : first.substr(space + 1);
  if (const size_t q = target.find('?'); q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    target = target.substr(0, q);
    while (!query.empty()) {
      const size_t amp = query.find('&');
      const std::string_view pair = query.substr(0, amp);
      query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
      const size_t eq = pair.find('=');
      request.query.emplace_back(
          std::string(pair.substr(0, eq)),
          eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1)));
    }
  }
  request.path = std::string(target);
  while (!text.empty()) {
    const std::string_view line = next_line();
    if (line.empty()) break;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    request.headers.Add(std::string(line.substr(0, colon)), std::string(value));
  }
  request.body = std::string(text);
  return request;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const mykey::http::HttpRequest request = ParseInput(text);
  const mykey::http::HttpResponse response = TheCloud().api->Handle(request);
  if (!IsModelStatus(response.status)) std::abort();
  const auto id = response.headers.Get("X-Request-Id");
  if (!id || id->size() != 24) std::abort();
  if (response.status == 204 || request.method == "HEAD") return 0;
  const auto body = mykey::json::ParseJson(response.body);
  if (response.status >= 300) {
    if (!body || !body->is_object() || !body->contains("error")) std::abort();
    const auto& error = (*body)["error"];
    if (!error.contains("code") || !error["code"].is_string() || !error.contains("message") ||
        !error.contains("request_id") || error["request_id"] != std::string(*id)) {
      std::abort();
    }
  } else if (!response.body.empty() && !body) {
    // Reports answer CSV; everything else answers JSON.
    const auto type = response.headers.Get("Content-Type");
    if (!type || type->find("text/csv") == std::string_view::npos) std::abort();
  }
  return 0;
}
