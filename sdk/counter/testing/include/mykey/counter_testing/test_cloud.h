#pragma once

// Test support for the counter's tests (header-only): the real cloud (auth,
// registry and ledger routes over CloudApi + HttpServer, SQLite in a temp
// dir) on an ephemeral loopback port, an enrolled CloudClient, a loopback
// proxy that loses answers (mykey/testing/lossy_proxy.h), and emulated JPKI
// cards of the test JPKI.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mykey/api/cloud_api.h"
#include "mykey/auth/auth_routes.h"
#include "mykey/auth/auth_schema.h"
#include "mykey/cloud_client/cloud_client.h"
#include "mykey/cloud_testing/temp_dir.h"
#include "mykey/crypto/ecdsa.h"
#include "mykey/crypto/random.h"
#include "mykey/http_client/curl_http_transport.h"
#include "mykey/http_server/http_server.h"
#include "mykey/jpki_emulator/jpki_card_emulator.h"
#include "mykey/json/json.h"
#include "mykey/ledger/conversion_routes.h"
#include "mykey/ledger/conversion_schema.h"
#include "mykey/ledger/conversion_service.h"
#include "mykey/ledger/ledger_routes.h"
#include "mykey/ledger/ledger_schema.h"
#include "mykey/ledger/ledger_service.h"
#include "mykey/ledger/voucher_routes.h"
#include "mykey/ledger/voucher_service.h"
#include "mykey/registry/registry.h"
#include "mykey/registry/routes.h"
#include "mykey/registry/schema.h"
#include "mykey/sqlite_store/sqlite_store.h"
#include "mykey/store/migrations.h"
#include "mykey/testing/catch.h"
#include "mykey/testing/lossy_proxy.h"
#include "mykey/testjpki/test_pki.h"

namespace mykey::counter::testing {

/// The test JPKI, made once per test program (RSA key generation is slow).
inline const testjpki::TestPki& Pki() {
  static testjpki::TestPki pki = std::move(*testjpki::TestPki::Create("counter-test"));
  return pki;
}

/// An emulated My Number Card of the test JPKI, issued today.
/// @param index        which holder (a different certificate and key per index)
/// @param tries_left   the auth PIN's tries left
/// @param token        the token type (a phone token needs the PIN for its certificate)
inline std::unique_ptr<jpki::JpkiCardEmulator> IssueCard(
    uint32_t index, int tries_left = 3, std::string pin = "1234",
    jpki::TokenType token = jpki::TokenType::kPlasticCard) {
  testjpki::CardOptions options;
  options.index = index;
  options.now = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  options.auth_pin = std::move(pin);
  options.auth_pin_tries_left = tries_left;
  options.token_type = token;
  auto card = Pki().IssueCard(options);
  REQUIRE(card);
  auto emulator = jpki::JpkiCardEmulator::Create(std::move(card->personalisation));
  REQUIRE(emulator);
  return std::move(*emulator);
}

using mykey::testing::LossyProxy;

/// The cloud: core, auth, registry, ledger and conversions schemas on
/// SQLite; Chiyoda (131016) with points programme 1, accepted by merchant 1,
/// and project programme 4 ("trees"); partner "rail" (rate 1:1); terminals
/// enrol as merchant 1 of provider "shopA".
struct TestCloud {
  cloud::testing::TempDir dir;
  std::unique_ptr<cloud::SqliteStore> store;
  cloud::RequestLog log{[](std::string_view) {}};
  std::unique_ptr<cloud::CloudApi> api;
  std::unique_ptr<cloud::CloudAuth> auth;
  std::unique_ptr<cloud::LedgerService> ledger;
  std::unique_ptr<cloud::RegistryService> registry;
  std::unique_ptr<cloud::ConversionService> conversions;
  std::unique_ptr<cloud::VoucherService> vouchers;
  std::unique_ptr<http::HttpServer> server;
  std::unique_ptr<http_client::CurlHttpTransport> transport;

  TestCloud() {
    cloud::SqliteStoreOptions options;
    options.path = dir.File("cloud.db");
    auto opened = cloud::SqliteStore::Open(options);
    REQUIRE(opened);
    store = std::move(*opened);
    REQUIRE(cloud::Migrate(*store, cloud::CloudMigrations()));
    REQUIRE(cloud::MigrateAuth(*store));
    REQUIRE(cloud::Migrate(*store, cloud::kLedgerSchema, cloud::LedgerMigrations()));
    REQUIRE(cloud::Migrate(*store, cloud::kRegistrySchema, cloud::RegistryMigrations()));
    REQUIRE(cloud::Migrate(*store, cloud::kConversionsSchema, cloud::ConversionMigrations()));
    REQUIRE(cloud::Migrate(*store, cloud::kVoucherSchema, cloud::VoucherMigrations()));
    REQUIRE(store->WithTransaction(
        cloud::TransactionMode::kReadWrite, [](cloud::Transaction& tx) -> Status {
          MYKEY_TRY(
              tx.Execute("INSERT INTO municipalities (code, name, created_at_ms) "
                         "VALUES ('131016', 'Chiyoda', 0)"));
          MYKEY_TRY(
              tx.Execute("INSERT INTO programmes (id, municipality_code, code, name, kind, "
                         "created_at_ms) VALUES (1, '131016', 'health', 'Health points', "
                         "'points', 0)"));
          MYKEY_TRY(
              tx.Execute("INSERT INTO merchants (id, municipality_code, name, kind, "
                         "created_at_ms) VALUES (1, '131016', 'Shop', 'shop', 0)"));
          MYKEY_TRY(
              tx.Execute("INSERT INTO merchant_programmes (merchant_id, programme_id) "
                         "VALUES (1, 1)"));
          MYKEY_TRY(
              tx.Execute("INSERT INTO programmes (id, municipality_code, code, name, kind, "
                         "created_at_ms) VALUES (4, '131016', 'trees', 'Plant trees', "
                         "'project', 0)"));
          return Ok();
        }));
    api = std::make_unique<cloud::CloudApi>(*store, log);
    auto created = cloud::CloudAuth::Create(*store, &api->metrics());
    REQUIRE(created);
    auth = std::move(*created);
    REQUIRE(cloud::RegisterAuthRoutes(api->router(), *auth));
    cloud::RegistryConfig config;
    for (const crypto::Certificate& ca : Pki().CaCertificates(testjpki::CaKind::kAuth)) {
      config.auth_ca_certificates.emplace_back(ca.der().begin(), ca.der().end());
    }
    auto made_registry = cloud::RegistryService::Create(*store, std::move(config));
    REQUIRE(made_registry);
    registry = std::move(*made_registry);
    REQUIRE(cloud::RegisterRegistryRoutes(api->router(), *registry, auth->authenticator(),
                                          &api->metrics()));
    // Terminals read balances only with the holder's live card session.
    ledger = std::make_unique<cloud::LedgerService>(*store, cloud::LedgerOptions{});
    cloud::RegistryService* sessions = registry.get();
    REQUIRE(cloud::RegisterLedgerRoutes(
        api->router(), *ledger, auth->authenticator(), &api->metrics(),
        [sessions](std::string_view terminal_id, std::string_view token) {
          return sessions->SessionMyKeyId({terminal_id, token});
        }));
    conversions = std::make_unique<cloud::ConversionService>(*store);
    REQUIRE(
        conversions->AddPartner(AdminCaller(), cloud::Partner{"rail", "Rail Co", 1, 1, true, 0}));
    REQUIRE(cloud::RegisterConversionRoutes(
        api->router(), *conversions, auth->authenticator(),
        [sessions](std::string_view terminal_id, std::string_view token) {
          return sessions->SessionMyKeyId({terminal_id, token});
        },
        &api->metrics()));
    // Paper vouchers: a terminal issues against a holder's points only with
    // that holder's card session.
    auto random = crypto::SystemRandom::Create();
    REQUIRE(random);
    auto voucher_key = crypto::EcdsaPrivateKey::Generate(**random);
    REQUIRE(voucher_key);
    auto made_vouchers = cloud::VoucherService::Create(*store, *ledger, std::move(*voucher_key));
    REQUIRE(made_vouchers);
    vouchers = std::move(*made_vouchers);
    REQUIRE(cloud::RegisterVoucherRoutes(
        api->router(), *vouchers, auth->authenticator(), &api->metrics(),
        [sessions](std::string_view terminal_id, std::string_view token) {
          return sessions->SessionMyKeyId({terminal_id, token});
        }));
    auto started = http::HttpServer::Start(*api, http::HttpServerOptions{});
    REQUIRE(started);
    server = std::move(*started);
    auto made = http_client::CurlHttpTransport::Create({});
    REQUIRE(made);
    transport = std::move(*made);
  }

  std::string Url() const { return "http://127.0.0.1:" + std::to_string(server->port()); }

  std::string Token(cloud::OperatorScope scope, const std::string& scope_id) {
    auto issued = auth->tokens().Issue(cloud::TokenScope{scope, scope_id}, "test");
    REQUIRE(issued);
    return issued->token;
  }

  /// An operator's call, as the cloud's admin tools make it.
  json::Json Operator(const std::string& token, const std::string& path, const std::string& body,
                      const std::string& key = {}) {
    http_client::HttpRequest request;
    request.method = "POST";
    request.url = Url() + path;
    request.body = body;
    request.headers = {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
    if (!key.empty()) request.headers.emplace_back("Idempotency-Key", key);
    auto response = transport->RoundTrip(request);
    REQUIRE(response);
    INFO(response->body);
    REQUIRE(response->status == 201);
    auto parsed = json::ParseJson(response->body);
    REQUIRE(parsed);
    return *parsed;
  }

  std::string EnrollmentCode() {
    const json::Json code =
        Operator(Token(cloud::OperatorScope::kAdmin, ""), "/v1/enrollment-codes",
                 R"({"site_kind":"merchant","site_id":"1",)"
                 R"("provider_id":"shopA","municipality_code":"131016"})");
    return code["enrollment_code"].get<std::string>();
  }

  /// A municipal grant of `amount` points of programme 1, valid to the end of next year.
  void Grant(const std::string& mykey_id, int64_t amount) {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    const std::string expires_on = std::to_string(utc.tm_year + 1900 + 1) + "-12-31";
    Operator(Token(cloud::OperatorScope::kMunicipality, "131016"), "/v1/grants",
             R"({"mykey_id":")" + mykey_id + R"(","programme_id":1,"amount":)" +
                 std::to_string(amount) + R"(,"expires_on":")" + expires_on +
                 R"(","department":"Health","reason":"checkup"})",
             "grant-" + mykey_id);
  }

  static cloud::Caller AdminCaller() {
    cloud::Caller caller;
    caller.kind = cloud::CallerKind::kOperator;
    caller.scope = cloud::OperatorScope::kAdmin;
    caller.token_id = "token-admin";
    return caller;
  }

  /// A coupon code of partner "rail" worth `amount` points, valid 30 days.
  std::string Coupon(int64_t amount) {
    cloud::Caller rail;
    rail.kind = cloud::CallerKind::kOperator;
    rail.scope = cloud::OperatorScope::kPartner;
    rail.scope_id = "rail";
    rail.token_id = "token-rail";
    cloud::CouponIssueRequest request;
    request.amount = amount;
    request.expires_at_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(
            (std::chrono::system_clock::now() + std::chrono::days(30)).time_since_epoch())
            .count();
    auto issued = conversions->IssueCoupons(rail, request);
    REQUIRE(issued);
    REQUIRE(issued->size() == 1);
    return (*issued)[0].code;
  }

  /// A new terminal key.
  static crypto::EcdsaPrivateKey NewKey() {
    auto random = crypto::SystemRandom::Create();
    REQUIRE(random);
    auto key = crypto::EcdsaPrivateKey::Generate(**random);
    REQUIRE(key);
    return std::move(*key);
  }

  /// A client of this cloud, not enrolled yet, reaching it at `base_url`.
  std::unique_ptr<cloud_client::CloudClient> NewClient(const std::string& base_url,
                                                       int max_attempts = 3) {
    cloud_client::CloudClientOptions options;
    options.base_url = base_url;
    options.max_attempts = max_attempts;
    options.retry_backoff = std::chrono::milliseconds(0);
    auto client = cloud_client::CloudClient::Create(*transport, options, std::nullopt);
    REQUIRE(client);
    return std::move(*client);
  }

  cloud_client::TerminalIdentityFiles IdentityFiles() const {
    return {dir.File("terminal.key.pem"), dir.File("terminal.id")};
  }

  /// An enrolled client reaching the cloud at `base_url` (the cloud or a proxy).
  std::unique_ptr<cloud_client::CloudClient> EnrolledClient(const std::string& base_url,
                                                            int max_attempts = 3) {
    auto enrolling = NewClient(Url());
    auto enrolled = enrolling->Enroll(EnrollmentCode(), "Till 1", NewKey(), IdentityFiles());
    INFO(cloud_client::LastCloudError().message);
    REQUIRE(enrolled);
    auto identity = cloud_client::LoadTerminalIdentity(IdentityFiles());
    REQUIRE(identity);
    cloud_client::CloudClientOptions options;
    options.base_url = base_url;
    options.max_attempts = max_attempts;
    options.retry_backoff = std::chrono::milliseconds(0);
    auto client = cloud_client::CloudClient::Create(*transport, options, std::move(*identity));
    REQUIRE(client);
    return std::move(*client);
  }
};

}  // namespace mykey::counter::testing
