// CloudClient through CurlHttpTransport against the real cloud (auth and
// ledger routes over CloudApi + HttpServer, SQLite in a temp dir) on an
// ephemeral loopback port; a loopback TCP proxy loses answers on demand.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <mutex>
#include <thread>

#include "mykey/api/cloud_api.h"
#include "mykey/auth/auth_routes.h"
#include "mykey/auth/auth_schema.h"
#include "mykey/cloud_client/cloud_client.h"
#include "mykey/cloud_testing/temp_dir.h"
#include "mykey/http_client/curl_http_transport.h"
#include "mykey/http_server/http_server.h"
#include "mykey/json/json.h"
#include "mykey/ledger/ledger_routes.h"
#include "mykey/ledger/ledger_schema.h"
#include "mykey/ledger/ledger_service.h"
#include "mykey/registry/registry.h"
#include "mykey/registry/routes.h"
#include "mykey/registry/schema.h"
#include "mykey/sqlite_store/sqlite_store.h"
#include "mykey/store/migrations.h"
#include "mykey/testing/catch.h"
#include "mykey/testing/lossy_proxy.h"
#include "mykey/testjpki/test_pki.h"

namespace mykey::cloud_client {
namespace {

using mykey::testing::LossyProxy;

/// The test JPKI, made once per test program (RSA key generation is slow).
const testjpki::TestPki& Pki() {
  static testjpki::TestPki pki = std::move(*testjpki::TestPki::Create("cloud-client-test"));
  return pki;
}

/// A card of the test JPKI issued today: its certificate and the key its SIGN uses.
struct TestCard {
  Bytes certificate;
  std::unique_ptr<crypto::RsaPrivateKey> key;

  explicit TestCard(uint32_t index) {
    testjpki::CardOptions options;
    options.index = index;
    options.now = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
    auto card = Pki().IssueCard(options);
    REQUIRE(card);
    certificate.assign(card->auth_certificate.der().begin(), card->auth_certificate.der().end());
    auto parsed = crypto::RsaPrivateKey::FromDer(card->personalisation.auth_private_key.view());
    REQUIRE(parsed);
    key = std::make_unique<crypto::RsaPrivateKey>(std::move(*parsed));
  }

  /// Challenge, the card's SIGN of the DigestInfo, session: as a terminal does it.
  Result<CardSession> Authenticate(CloudClient& client, protocol::CardAuthPurpose purpose) const {
    MYKEY_ASSIGN_OR_RETURN(const CardChallenge challenge, client.CreateChallenge());
    auto signature = key->SignDigestInfo(
        protocol::CardAuthDigestInfo(challenge.challenge, client.terminal_id(), purpose));
    REQUIRE(signature);
    return client.CreateCardSession(challenge.challenge_id, certificate, *signature, purpose);
  }
};

/// The cloud: core, auth, registry and ledger schemas on SQLite; Chiyoda (131016) with
/// programme 1, accepted by merchant 1.
struct Cloud {
  cloud::testing::TempDir dir;
  std::unique_ptr<cloud::SqliteStore> store;
  cloud::RequestLog log{[](std::string_view) {}};
  std::unique_ptr<cloud::CloudApi> api;
  std::unique_ptr<cloud::CloudAuth> auth;
  std::unique_ptr<cloud::LedgerService> ledger;
  std::unique_ptr<cloud::RegistryService> registry;
  std::unique_ptr<http::HttpServer> server;
  std::unique_ptr<http_client::CurlHttpTransport> transport;

  Cloud() {
    cloud::SqliteStoreOptions options;
    options.path = dir.File("cloud.db");
    auto opened = cloud::SqliteStore::Open(options);
    REQUIRE(opened);
    store = std::move(*opened);
    REQUIRE(cloud::Migrate(*store, cloud::CloudMigrations()));
    REQUIRE(cloud::MigrateAuth(*store));
    REQUIRE(cloud::Migrate(*store, cloud::kLedgerSchema, cloud::LedgerMigrations()));
    REQUIRE(cloud::Migrate(*store, cloud::kRegistrySchema, cloud::RegistryMigrations()));
    REQUIRE(store->WithTransaction(
        cloud::TransactionMode::kReadWrite, [](cloud::Transaction& tx) -> Status {
          MYKEY_TRY(
              tx.Execute("INSERT INTO municipalities (code, name, created_at_ms) "
                         "VALUES ('131016', 'Chiyoda', 0)"));
          MYKEY_TRY(
              tx.Execute("INSERT INTO programmes (id, municipality_code, code, "
                         "name, kind, created_at_ms) VALUES (1, '131016', "
                         "'health', 'Health points', 'points', 0)"));
          MYKEY_TRY(
              tx.Execute("INSERT INTO merchants (id, municipality_code, name, "
                         "kind, created_at_ms) VALUES (1, '131016', 'Shop', "
                         "'shop', 0)"));
          MYKEY_TRY(
              tx.Execute("INSERT INTO merchant_programmes (merchant_id, "
                         "programme_id) VALUES (1, 1)"));
          return Ok();
        }));
    api = std::make_unique<cloud::CloudApi>(*store, log);
    auto created = cloud::CloudAuth::Create(*store, &api->metrics());
    REQUIRE(created);
    auth = std::move(*created);
    REQUIRE(cloud::RegisterAuthRoutes(api->router(), *auth));
    ledger = std::make_unique<cloud::LedgerService>(*store, cloud::LedgerOptions{});
    REQUIRE(cloud::RegisterLedgerRoutes(api->router(), *ledger, auth->authenticator(),
                                        &api->metrics()));
    cloud::RegistryConfig config;
    for (const crypto::Certificate& ca : Pki().CaCertificates(testjpki::CaKind::kAuth)) {
      config.auth_ca_certificates.emplace_back(ca.der().begin(), ca.der().end());
    }
    auto made_registry = cloud::RegistryService::Create(*store, std::move(config));
    REQUIRE(made_registry);
    registry = std::move(*made_registry);
    REQUIRE(cloud::RegisterRegistryRoutes(api->router(), *registry, auth->authenticator(),
                                          &api->metrics()));
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

  void Grant(const std::string& mykey_id, int64_t amount) {
    // Valid until the end of next year.
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

  /// The holder's balance as the scheme operator reads it (a terminal needs
  /// the holder's card session for that: see the counter's tests).
  int64_t BalanceOf(CloudClient& /*client*/, const std::string& mykey_id) {
    cloud::Caller admin;
    admin.kind = cloud::CallerKind::kOperator;
    admin.scope = cloud::OperatorScope::kAdmin;
    auto balances = ledger->Balances(admin, mykey_id);
    REQUIRE(balances);
    REQUIRE(balances->size() == 1);
    return (*balances)[0].balance;
  }
};

crypto::EcdsaPrivateKey NewKey() {
  auto random = crypto::SystemRandom::Create();
  REQUIRE(random);
  auto key = crypto::EcdsaPrivateKey::Generate(**random);
  REQUIRE(key);
  return std::move(*key);
}

/// An enrolled client of `cloud` reaching it at `base_url` (the cloud or a proxy).
std::unique_ptr<CloudClient> EnrolledClient(Cloud& cloud, const std::string& base_url,
                                            int max_attempts = 3) {
  const TerminalIdentityFiles files{cloud.dir.File("terminal.key.pem"),
                                    cloud.dir.File("terminal.id")};
  CloudClientOptions options;
  options.base_url = cloud.Url();
  options.retry_backoff = std::chrono::milliseconds(0);
  auto enrolling = CloudClient::Create(*cloud.transport, options, std::nullopt);
  REQUIRE(enrolling);
  auto enrolled = (*enrolling)->Enroll(cloud.EnrollmentCode(), "Till 1", NewKey(), files);
  INFO(LastCloudError().message);
  REQUIRE(enrolled);
  auto identity = LoadTerminalIdentity(files);
  REQUIRE(identity);
  options.base_url = base_url;
  options.max_attempts = max_attempts;
  auto client = CloudClient::Create(*cloud.transport, options, std::move(*identity));
  REQUIRE(client);
  return std::move(*client);
}

TEST_CASE("A terminal enrols, passes the connection test, and holds, captures and refunds") {
  Cloud cloud;
  const TerminalIdentityFiles files{cloud.dir.File("terminal.key.pem"),
                                    cloud.dir.File("terminal.id")};
  CloudClientOptions options;
  options.base_url = cloud.Url();
  auto made = CloudClient::Create(*cloud.transport, options, std::nullopt);
  REQUIRE(made);
  CloudClient& client = **made;

  auto enrolled = client.Enroll(cloud.EnrollmentCode(), "Till 1", NewKey(), files);
  INFO(LastCloudError().message);
  REQUIRE(enrolled);
  CHECK(enrolled->site.kind == "merchant");
  CHECK(enrolled->site.id == "1");
  CHECK(enrolled->signature_scheme == "MYKEY-REQ-1");
  CHECK(client.terminal_id() == enrolled->terminal_id);
  REQUIRE(LoadTerminalIdentity(files));

  auto test = client.ConnectionTest();
  REQUIRE(test);
  CHECK(test->terminal.terminal_id == enrolled->terminal_id);
  CHECK(test->clock_skew_s >= -1);
  CHECK(test->clock_skew_s <= 1);

  cloud.Grant("AB23CD45", 1000);
  CHECK(cloud.BalanceOf(client, "AB23CD45") == 1000);

  RedeemRequest hold{"AB23CD45", 1, 300, true, ""};
  auto held = client.Redeem(hold);
  REQUIRE(held);
  CHECK(held->state == "held");
  CHECK(held->balance == 700);
  CHECK_FALSE(held->replayed);

  hold.idempotency_key = held->idempotency_key;  // the same key again: the same answer
  auto replayed = client.Redeem(hold);
  REQUIRE(replayed);
  CHECK(replayed->replayed);
  CHECK(replayed->redemption_id == held->redemption_id);
  CHECK(cloud.BalanceOf(client, "AB23CD45") == 700);

  auto captured = client.Capture(held->redemption_id);
  REQUIRE(captured);
  CHECK(captured->state == "captured");

  auto voided = client.Void(held->redemption_id);
  REQUIRE_FALSE(voided);
  CHECK(CloudErrorCodeOf(voided.error()) == CloudErrorCode::kConflict);
  CHECK(LastCloudError().reason == "already_captured");
  CHECK(LastCloudError().request_id.size() == 24);

  auto refund = client.MakeRefund(held->redemption_id, 100);
  REQUIRE(refund);
  CHECK(refund->balance == 800);

  auto too_much = client.Redeem({"AB23CD45", 1, 5000, false, ""});
  REQUIRE_FALSE(too_much);
  CHECK(CloudErrorCodeOf(too_much.error()) == CloudErrorCode::kConflict);
  CHECK(LastCloudError().reason == "insufficient_balance");

  auto reuse = client.Redeem({"AB23CD45", 1, 1, false, held->idempotency_key});
  REQUIRE_FALSE(reuse);
  CHECK(CloudErrorCodeOf(reuse.error()) == CloudErrorCode::kIdempotencyKeyReuse);
}

TEST_CASE("A used enrollment code is refused and nothing is written") {
  Cloud cloud;
  const std::string code = cloud.EnrollmentCode();
  CloudClientOptions options;
  options.base_url = cloud.Url();
  auto client = CloudClient::Create(*cloud.transport, options, std::nullopt);
  REQUIRE(client);
  REQUIRE((*client)->Enroll(code, "Till 1", NewKey(),
                            {cloud.dir.File("a.pem"), cloud.dir.File("a.id")}));
  auto again = (*client)->Enroll(code, "Till 2", NewKey(),
                                 {cloud.dir.File("b.pem"), cloud.dir.File("b.id")});
  REQUIRE_FALSE(again);
  CHECK(CloudErrorCodeOf(again.error()) == CloudErrorCode::kConflict);
  CHECK(LoadTerminalIdentity({cloud.dir.File("b.pem"), cloud.dir.File("b.id")}).error().code() ==
        ErrorCode::kNotFound);
}

TEST_CASE("A lost answer is retried with the same key and the points move once") {
  Cloud cloud;
  LossyProxy proxy(cloud.server->port());
  auto client = EnrolledClient(cloud, "http://127.0.0.1:" + std::to_string(proxy.port()));
  cloud.Grant("AB23CD45", 1000);
  REQUIRE(cloud.BalanceOf(*client, "AB23CD45") == 1000);  // warms a kept-alive connection

  proxy.LoseNextAnswers(1);
  auto redeemed = client->Redeem({"AB23CD45", 1, 250, false, ""});
  INFO(LastCloudError().message);
  REQUIRE(redeemed);
  CHECK(proxy.lost() == 1);
  CHECK(redeemed->replayed);  // the second attempt found the first one's result
  CHECK(redeemed->balance == 750);
  CHECK(cloud.BalanceOf(*client, "AB23CD45") == 750);
}

TEST_CASE("When every answer is lost the outcome is unknown and GetOperation settles it") {
  Cloud cloud;
  LossyProxy proxy(cloud.server->port());
  auto client = EnrolledClient(cloud, "http://127.0.0.1:" + std::to_string(proxy.port()), 2);
  cloud.Grant("AB23CD45", 1000);

  proxy.LoseNextAnswers(2);
  auto redeemed = client->Redeem({"AB23CD45", 1, 400, true, ""});
  REQUIRE_FALSE(redeemed);
  CHECK(CloudErrorCodeOf(redeemed.error()) == CloudErrorCode::kOutcomeUnknown);
  const std::string key = LastCloudError().idempotency_key;
  REQUIRE_FALSE(key.empty());
  CHECK(proxy.lost() == 2);

  auto recovered = client->RecoverRedemption(key);
  REQUIRE(recovered);
  CHECK(recovered->state == "held");
  CHECK(recovered->amount == 400);
  CHECK(recovered->balance == 600);
  CHECK(cloud.BalanceOf(*client, "AB23CD45") == 600);

  auto operation = client->GetOperation(key);
  REQUIRE(operation);
  CHECK(operation->status == 201);

  auto unknown = client->GetOperation("never-used-key");
  REQUIRE_FALSE(unknown);
  CHECK(CloudErrorCodeOf(unknown.error()) == CloudErrorCode::kNotFound);
}

TEST_CASE("A card authenticates, gets a MyKey ID, links a service ID and reports the card lost") {
  Cloud cloud;
  auto client = EnrolledClient(cloud, cloud.Url());
  const TestCard card(7);
  using protocol::CardAuthPurpose;

  auto login = card.Authenticate(*client, CardAuthPurpose::kLogin);
  INFO(LastCloudError().reason);
  REQUIRE(login);
  CHECK_FALSE(login->mykey_id.has_value());

  auto create = card.Authenticate(*client, CardAuthPurpose::kCreateMyKeyId);
  REQUIRE(create);
  auto mykey_id = client->CreateMyKeyId(create->session);
  REQUIRE(mykey_id);
  CHECK(mykey_id->size() == 8);
  auto again = client->CreateMyKeyId(create->session);
  REQUIRE_FALSE(again);
  CHECK(CloudErrorCodeOf(again.error()) == CloudErrorCode::kConflict);
  CHECK(LastCloudError().reason == "has_mykey_id");
  auto changed = client->ChangeMyKeyId(create->session);
  REQUIRE(changed);
  CHECK(*changed != *mykey_id);

  auto wrong_purpose = client->LinkService(login->session, "LIB-0001");
  REQUIRE_FALSE(wrong_purpose);
  CHECK(CloudErrorCodeOf(wrong_purpose.error()) == CloudErrorCode::kForbidden);
  CHECK(LastCloudError().reason == "session_purpose");

  auto link = card.Authenticate(*client, CardAuthPurpose::kLinkService);
  REQUIRE(link);
  auto linked = client->LinkService(link->session, "LIB-0001");
  REQUIRE(linked);
  CHECK(linked->provider_id == "shopA");
  auto looked_up = client->GetServiceLink(login->session);
  REQUIRE(looked_up);
  CHECK(looked_up->service_id == "LIB-0001");

  auto lost = card.Authenticate(*client, CardAuthPurpose::kReportLost);
  REQUIRE(lost);
  REQUIRE(client->ReportLostCard(lost->session));
  auto stopped = card.Authenticate(*client, CardAuthPurpose::kLogin);
  REQUIRE_FALSE(stopped);
  CHECK(CloudErrorCodeOf(stopped.error()) == CloudErrorCode::kForbidden);
  CHECK(LastCloudError().reason == "card_suspended");
}

TEST_CASE("An enrolled terminal downloads the JPKI auth CAs the cloud trusts") {
  Cloud cloud;
  auto client = EnrolledClient(cloud, cloud.Url());
  auto cas = client->JpkiAuthCas();
  INFO(LastCloudError().message);
  REQUIRE(cas);
  const auto trusted = Pki().CaCertificates(testjpki::CaKind::kAuth);
  REQUIRE(cas->size() == trusted.size());
  for (size_t i = 0; i < trusted.size(); ++i) {
    CHECK(ToHex(cas->at(i).der()) == ToHex(trusted[i].der()));
    CHECK(cas->at(i).is_ca());
  }
  // A card issued under those CAs verifies against the downloaded anchors.
  const TestCard card(9);
  auto certificate = crypto::Certificate::FromDer(card.certificate);
  REQUIRE(certificate);
  bool verified = false;
  for (const crypto::Certificate& ca : *cas) {
    if (certificate->VerifySignedBy(ca)) verified = true;
  }
  CHECK(verified);
}

TEST_CASE("A signature over another purpose does not open a session") {
  Cloud cloud;
  auto client = EnrolledClient(cloud, cloud.Url());
  const TestCard card(8);
  auto challenge = client->CreateChallenge();
  REQUIRE(challenge);
  CHECK(challenge->challenge.size() == 32);
  auto signature = card.key->SignDigestInfo(protocol::CardAuthDigestInfo(
      challenge->challenge, client->terminal_id(), protocol::CardAuthPurpose::kLogin));
  REQUIRE(signature);
  auto session = client->CreateCardSession(challenge->challenge_id, card.certificate, *signature,
                                           protocol::CardAuthPurpose::kReportLost);
  REQUIRE_FALSE(session);
  CHECK(CloudErrorCodeOf(session.error()) == CloudErrorCode::kUnauthenticated);
  CHECK(LastCloudError().reason == "signature_invalid");
}

}  // namespace
}  // namespace mykey::cloud_client
