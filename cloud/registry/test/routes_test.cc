// The registry's routes over the real CloudApi and HttpServer on an
// ephemeral loopback port, each real store (SQLite, PostgreSQL), cards of the
// test JPKI, and FakeAuthenticator for the callers.
#include "mykey/registry/routes.h"

#include <atomic>
#include <mutex>
#include <regex>
#include <thread>

#include "mykey/api/cloud_api.h"
#include "mykey/auth_testing/fake_authenticator.h"
#include "mykey/base/base64.h"
#include "mykey/base/log.h"
#include "mykey/crypto/sha256.h"
#include "mykey/crypto/x509.h"
#include "mykey/http_server/http_server.h"
#include "mykey/http_testing/raw_http_client.h"
#include "mykey/json/json.h"
#include "mykey/registry/mykey_id.h"
#include "mykey/testing/catch.h"
#include "registry_world.h"

namespace mykey::cloud {
namespace {

using http::testing::RawHttpClient;
using http::testing::RawResponse;
using protocol::CardAuthPurpose;
using testing::Card;
using testing::CardSpec;
using testjpki::CardValidity;

constexpr const char* kShop = "terminal:shop-t1:merchant:M1:A1:131016";
constexpr const char* kShopTerminalId = "shop-t1";
constexpr const char* kLibrary = "terminal:lib-t1:library:L1:city-library:131016";
constexpr const char* kLibraryTerminalId = "lib-t1";
constexpr const char* kOtherShop = "terminal:shop-b1:merchant:M2:B2:131016";
constexpr const char* kOtherShopTerminalId = "shop-b1";
constexpr const char* kKiosk = "terminal:kiosk-t1:kiosk:K1:scheme:131016";
constexpr const char* kKioskTerminalId = "kiosk-t1";
constexpr const char* kAdmin = "operator:admin";
constexpr const char* kMunicipality = "operator:municipality:131016";
constexpr const char* kProviderOperator = "operator:provider:A1";

struct Reply {
  int status = 0;
  json::Json body;
};

/// The registry's routes on a real server.
struct Server {
  testing::RegistryWorld world;
  std::mutex log_mu;
  std::vector<std::string> log_lines;
  RequestLog request_log{[this](std::string_view line) {
    std::lock_guard lock(log_mu);
    log_lines.emplace_back(line);
  }};
  auth_testing::FakeAuthenticator authenticator;
  std::unique_ptr<CloudApi> api;
  std::unique_ptr<http::HttpServer> server;

  explicit Server(std::unique_ptr<testing::ScratchStore> store) : world(std::move(store)) {
    api = std::make_unique<CloudApi>(world.store(), request_log);
    REQUIRE(RegisterRegistryRoutes(api->router(), *world.registry, authenticator, &api->metrics()));
    auto started = http::HttpServer::Start(*api, http::HttpServerOptions{});
    REQUIRE(started);
    server = std::move(*started);
  }

  Reply Call(std::string_view method, std::string_view target, const char* caller,
             const std::string& body = {}) {
    auto client = RawHttpClient::Connect(server->port());
    REQUIRE(client);
    std::vector<std::pair<std::string, std::string>> headers;
    if (caller != nullptr) headers.emplace_back(auth_testing::kTestCallerHeader, caller);
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    auto response = client->RoundTrip(method, target, body, headers);
    REQUIRE(response);
    Reply reply;
    reply.status = response->status;
    if (!response->body.empty()) {
      auto parsed = json::ParseJson(response->body);
      REQUIRE(parsed);
      reply.body = std::move(*parsed);
    }
    return reply;
  }

  /// Challenge, card SIGN, session: the whole card authentication over HTTP.
  Reply Authenticate(const testing::TestCard& card, const char* caller, const char* terminal_id,
                     CardAuthPurpose purpose) {
    const Reply challenge = Call("POST", "/v1/card-auth/challenges", caller);
    REQUIRE(challenge.status == 201);
    auto bytes = Base64Decode(challenge.body["challenge"].get<std::string>());
    REQUIRE(bytes);
    json::Json request = json::Json::object();
    request["challenge_id"] = challenge.body["challenge_id"];
    request["certificate"] = Base64Encode(card.certificate.der());
    request["signature"] = Base64Encode(card.Sign(*bytes, terminal_id, purpose));
    request["purpose"] = std::string(protocol::CardAuthPurposeName(purpose));
    return Call("POST", "/v1/card-auth/sessions", caller, json::Dump(request));
  }

  std::string Session(const testing::TestCard& card, const char* caller, const char* terminal_id,
                      CardAuthPurpose purpose) {
    const Reply reply = Authenticate(card, caller, terminal_id, purpose);
    REQUIRE(reply.status == 201);
    return reply.body["session"].get<std::string>();
  }

  std::string GiveMyKeyId(const testing::TestCard& card) {
    const std::string session =
        Session(card, kKiosk, kKioskTerminalId, CardAuthPurpose::kCreateMyKeyId);
    const Reply created =
        Call("POST", "/v1/mykey-ids", kKiosk, json::Dump(json::Json{{"session", session}}));
    REQUIRE(created.status == 201);
    return created.body["mykey_id"].get<std::string>();
  }

  std::vector<std::string> Log() {
    std::lock_guard lock(log_mu);
    return log_lines;
  }
};

/// The error model: code, reason, request id.
void CheckRefusal(const Reply& reply, int status, const char* code, const char* reason) {
  CHECK(reply.status == status);
  REQUIRE(reply.body.contains("error"));
  CHECK(reply.body["error"]["code"] == code);
  CHECK(reply.body["error"]["request_id"].is_string());
  if (reason != nullptr) {
    CHECK(reply.body["error"]["reason"] == reason);
  } else {
    CHECK_FALSE(reply.body["error"].contains("reason"));
  }
}

MYKEY_REGISTRY_TEST(
    "over HTTP a holder authenticates, gets a MyKey ID and links services; each provider "
    "reads only its own ID") {
  const log::Level saved_level = log::GetLevel();
  log::SetLevel(log::Level::kInfo);
  Server server(testing::FreshStore<TestType>());
  const testing::TestCard& card = Card(100);

  const Reply challenge = server.Call("POST", "/v1/card-auth/challenges", kKiosk);
  REQUIRE(challenge.status == 201);
  CHECK(std::regex_match(challenge.body["challenge_id"].get<std::string>(),
                         std::regex("[0-9A-F]{32}")));
  CHECK(Base64Decode(challenge.body["challenge"].get<std::string>())->size() == 32);
  CHECK(challenge.body["expires_at"] == "2024-06-01T03:02:00.000Z");

  const Reply first = server.Authenticate(card, kKiosk, kKioskTerminalId, CardAuthPurpose::kLogin);
  REQUIRE(first.status == 201);
  CHECK(first.body.size() == 3);  // the session, its expiry, the MyKey ID: nothing else
  CHECK(first.body["mykey_id"].is_null());
  CHECK(first.body["expires_at"] == "2024-06-01T03:05:00.000Z");

  const std::string id = server.GiveMyKeyId(card);
  CHECK(IsValidMyKeyId(id));
  const Reply again = server.Authenticate(card, kShop, kShopTerminalId, CardAuthPurpose::kLogin);
  CHECK(again.body["mykey_id"] == id);

  const std::string at_shop =
      server.Session(card, kShop, kShopTerminalId, CardAuthPurpose::kLinkService);
  const Reply linked =
      server.Call("PUT", "/v1/service-links", kShop,
                  json::Dump(json::Json{{"session", at_shop}, {"service_id", "789"}}));
  REQUIRE(linked.status == 200);
  CHECK(linked.body["provider_id"] == "A1");
  const std::string at_library =
      server.Session(card, kLibrary, kLibraryTerminalId, CardAuthPurpose::kLinkService);
  REQUIRE(server
              .Call("PUT", "/v1/service-links", kLibrary,
                    json::Dump(json::Json{{"session", at_library}, {"service_id", "280212"}}))
              .status == 200);

  const Reply shop_lookup = server.Call("GET", "/v1/service-links/self?session=" + at_shop, kShop);
  REQUIRE(shop_lookup.status == 200);
  CHECK(shop_lookup.body["service_id"] == "789");
  CHECK(shop_lookup.body.size() == 2);
  const Reply library_lookup =
      server.Call("GET", "/v1/service-links/self?session=" + at_library, kLibrary);
  CHECK(library_lookup.body["service_id"] == "280212");

  // Provider B2 has no link; it never sees A1's or the library's.
  const std::string at_other =
      server.Session(card, kOtherShop, kOtherShopTerminalId, CardAuthPurpose::kLogin);
  CheckRefusal(server.Call("GET", "/v1/service-links/self?session=" + at_other, kOtherShop), 404,
               "not_found", "no_service_link");
  // Nor can it use shop A1's session.
  CheckRefusal(server.Call("GET", "/v1/service-links/self?session=" + at_shop, kOtherShop), 403,
               "forbidden", "session_other_terminal");

  const Reply unlinked = server.Call("DELETE", "/v1/service-links/self?session=" + at_shop, kShop);
  CHECK(unlinked.status == 200);
  CheckRefusal(server.Call("GET", "/v1/service-links/self?session=" + at_shop, kShop), 404,
               "not_found", "no_service_link");

  // The request log names identifiers only masked.
  const std::string serial = card.certificate.SerialHex();
  bool masked_id_seen = false;
  for (const std::string& line : server.Log()) {
    CHECK(line.find(id) == std::string::npos);
    CHECK(line.find(serial) == std::string::npos);
    CHECK(line.find(at_shop) == std::string::npos);
    if (line.find("\"mykey_id\":\"******" + id.substr(6) + "\"") != std::string::npos) {
      masked_id_seen = true;
    }
  }
  CHECK(masked_id_seen);
  log::SetLevel(saved_level);
}

MYKEY_REGISTRY_TEST("refusals of card authentication answer with a code, a status and a reason") {
  Server server(testing::FreshStore<TestType>());
  const testing::TestCard& card = Card(101);

  const Reply expired = server.Authenticate(Card(CardSpec{102, 0, CardValidity::kExpired}), kShop,
                                            kShopTerminalId, CardAuthPurpose::kLogin);
  CheckRefusal(expired, 403, "forbidden", "certificate_expired");

  // Signed for another terminal's id.
  const Reply challenge = server.Call("POST", "/v1/card-auth/challenges", kShop);
  auto bytes = Base64Decode(challenge.body["challenge"].get<std::string>());
  REQUIRE(bytes);
  json::Json request = json::Json::object();
  request["challenge_id"] = challenge.body["challenge_id"];
  request["certificate"] = Base64Encode(card.certificate.der());
  request["signature"] =
      Base64Encode(card.Sign(*bytes, kLibraryTerminalId, CardAuthPurpose::kLogin));
  request["purpose"] = "login";
  CheckRefusal(server.Call("POST", "/v1/card-auth/sessions", kShop, json::Dump(request)), 401,
               "unauthenticated", "signature_invalid");
  // The same challenge again: used.
  request["signature"] = Base64Encode(card.Sign(*bytes, kShopTerminalId, CardAuthPurpose::kLogin));
  CheckRefusal(server.Call("POST", "/v1/card-auth/sessions", kShop, json::Dump(request)), 409,
               "conflict", "challenge_used");

  // A challenge presented by another terminal.
  const Reply library_challenge = server.Call("POST", "/v1/card-auth/challenges", kLibrary);
  request["challenge_id"] = library_challenge.body["challenge_id"];
  CheckRefusal(server.Call("POST", "/v1/card-auth/sessions", kShop, json::Dump(request)), 403,
               "forbidden", "challenge_other_terminal");

  // Revoked after a CRL import; suspended after an operator's stop.
  const testing::TestCard& revoked = Card(103);
  testjpki::CrlOptions crl;
  crl.this_update = std::chrono::sys_seconds(testing::Today());
  crl.serials = {revoked.certificate.serial()};
  REQUIRE(server.world.registry->ImportCrl(*testing::Pki().MakeCrl(crl)));
  CheckRefusal(server.Authenticate(revoked, kShop, kShopTerminalId, CardAuthPurpose::kLogin), 403,
               "forbidden", "certificate_revoked");

  const std::string id = server.GiveMyKeyId(card);
  REQUIRE(server
              .Call("POST", "/v1/registry/suspensions", kMunicipality,
                    json::Dump(json::Json{{"mykey_id", id}}))
              .status == 200);
  CheckRefusal(server.Authenticate(card, kShop, kShopTerminalId, CardAuthPurpose::kLogin), 403,
               "forbidden", "card_suspended");
  REQUIRE(server.Call("DELETE", "/v1/registry/suspensions/" + id, kAdmin).status == 200);
  CHECK(server.Authenticate(card, kShop, kShopTerminalId, CardAuthPurpose::kLogin).status == 201);
  CheckRefusal(server.Call("DELETE", "/v1/registry/suspensions/" + id, kAdmin), 409, "conflict",
               "not_suspended");

  const std::string metrics = [&] {
    auto client = RawHttpClient::Connect(server.server->port());
    REQUIRE(client);
    auto response = client->RoundTrip("GET", "/metrics");
    REQUIRE(response);
    return response->body;
  }();
  CHECK(metrics.find("mykey_registry_card_auth_total{result=\"ok\"}") != std::string::npos);
  CHECK(metrics.find("mykey_registry_card_auth_total{result=\"challenge_used\"} 1") !=
        std::string::npos);
}

MYKEY_REGISTRY_TEST("registry request bodies and parameters are strictly validated") {
  Server server(testing::FreshStore<TestType>());
  CheckRefusal(server.Call("POST", "/v1/card-auth/challenges", kShop, R"({"extra":1})"), 400,
               "unknown_field", nullptr);
  const Reply challenge = server.Call("POST", "/v1/card-auth/challenges", kShop);
  json::Json request = json::Json::object();
  request["challenge_id"] = challenge.body["challenge_id"];
  request["certificate"] = Base64Encode(Card(101).certificate.der());
  request["signature"] = "AAAA";
  request["purpose"] = "shopping";
  const Reply bad_purpose =
      server.Call("POST", "/v1/card-auth/sessions", kShop, json::Dump(request));
  CheckRefusal(bad_purpose, 400, "invalid_field", nullptr);
  CHECK(bad_purpose.body["error"]["field"] == "purpose");
  request["purpose"] = "login";
  request["certificate"] = "AAAA";
  const Reply bad_certificate =
      server.Call("POST", "/v1/card-auth/sessions", kShop, json::Dump(request));
  CheckRefusal(bad_certificate, 400, "invalid_field", nullptr);
  CHECK(bad_certificate.body["error"]["field"] == "certificate");

  CheckRefusal(server.Call("GET", "/v1/service-links/self", kShop), 400, "invalid_parameter",
               nullptr);
  CheckRefusal(server.Call("GET", "/v1/service-links/self?session=abc", kShop), 400,
               "invalid_parameter", nullptr);
  CheckRefusal(server.Call("GET", "/v1/revocations?since=-1", kShop), 400, "invalid_parameter",
               nullptr);
  CheckRefusal(server.Call("GET", "/v1/revocations?limit=0", kShop), 400, "invalid_parameter",
               nullptr);
  CheckRefusal(server.Call("GET", "/v1/revocations?limit=10001", kShop), 400, "invalid_parameter",
               nullptr);
  CheckRefusal(server.Call("POST", "/v1/mykey-ids", kKiosk,
                           json::Dump(json::Json{{"session", std::string(64, 'A')},
                                                 {"mykey_id", "ABCDEFG0"}})),
               400, "invalid_field", nullptr);
  CheckRefusal(server.Call("POST", "/v1/mykey-ids", kKiosk,
                           json::Dump(json::Json{{"session", std::string(64, 'A')}})),
               401, "unauthenticated", "session_unknown");
}

MYKEY_REGISTRY_TEST("any caller reads the trusted JPKI auth CAs, each whole and with its digest") {
  Server server(testing::FreshStore<TestType>());
  CheckRefusal(server.Call("GET", "/v1/jpki/auth-cas", nullptr), 401, "unauthenticated", nullptr);
  const Reply reply = server.Call("GET", "/v1/jpki/auth-cas", kShop);
  REQUIRE(reply.status == 200);
  const auto& listed = reply.body.at("certificates");
  const auto& trusted = server.world.registry->AuthCaCertificates();
  REQUIRE(listed.size() == trusted.size());
  REQUIRE_FALSE(trusted.empty());
  for (size_t i = 0; i < trusted.size(); ++i) {
    auto der = Base64Decode(listed.at(i).at("der").get<std::string>());
    REQUIRE(der);
    CHECK(*der == trusted[i]);
    CHECK(listed.at(i).at("sha256") == ToHex(crypto::Sha256(trusted[i])));
    auto certificate = crypto::Certificate::FromDer(*der);
    REQUIRE(certificate);
    CHECK(certificate->is_ca());
  }
  CHECK(server.Call("GET", "/v1/jpki/auth-cas", kAdmin).status == 200);
}

MYKEY_REGISTRY_TEST("each registry route admits only its callers") {
  Server server(testing::FreshStore<TestType>());
  CheckRefusal(server.Call("POST", "/v1/card-auth/challenges", nullptr), 401, "unauthenticated",
               nullptr);
  CheckRefusal(server.Call("POST", "/v1/card-auth/challenges", "denied"), 403, "forbidden",
               nullptr);
  CheckRefusal(server.Call("POST", "/v1/card-auth/challenges", kAdmin), 403, "forbidden", nullptr);
  CheckRefusal(
      server.Call("GET", "/v1/service-links/self?session=" + std::string(64, 'A'), kMunicipality),
      403, "forbidden", nullptr);

  const std::string id = server.GiveMyKeyId(Card(104));
  const std::string body = json::Dump(json::Json{{"mykey_id", id}});
  CheckRefusal(server.Call("POST", "/v1/registry/suspensions", kShop, body), 403, "forbidden",
               nullptr);
  CheckRefusal(server.Call("POST", "/v1/registry/suspensions", kProviderOperator, body), 403,
               "forbidden", nullptr);
  CheckRefusal(server.Call("POST", "/v1/registry/suspensions", kAdmin,
                           json::Dump(json::Json{{"mykey_id", "ZZZZZZZZ"}})),
               404, "not_found", "mykey_id_unknown");
  CHECK(server.Call("POST", "/v1/registry/suspensions", kAdmin, body).status == 200);
  CheckRefusal(server.Call("DELETE", "/v1/registry/suspensions/" + id, kShop), 403, "forbidden",
               nullptr);
  CHECK(server.Call("DELETE", "/v1/registry/suspensions/" + id, kMunicipality).status == 200);

  const std::string link = json::Dump(json::Json{{"old_serial", "0A0B"}, {"new_serial", "0C0D"}});
  CheckRefusal(server.Call("POST", "/v1/registry/renewal-links", kMunicipality, link), 403,
               "forbidden", nullptr);
  CHECK(server.Call("POST", "/v1/registry/renewal-links", kAdmin, link).status == 201);
  CHECK(server.Call("POST", "/v1/registry/renewal-links", kAdmin, link).status == 200);
  CheckRefusal(server.Call("POST", "/v1/registry/renewal-links", kAdmin,
                           json::Dump(json::Json{{"old_serial", "0E"}, {"new_serial", "0C0D"}})),
               409, "conflict", "renewal_link_conflict");

  // The feed is for terminals and operators alike.
  CHECK(server.Call("GET", "/v1/revocations", kShop).status == 200);
  CHECK(server.Call("GET", "/v1/revocations", kMunicipality).status == 200);
  CheckRefusal(server.Call("GET", "/v1/revocations", nullptr), 401, "unauthenticated", nullptr);
}

MYKEY_REGISTRY_TEST("over HTTP a renewed card takes over the MyKey ID with the holder's consent") {
  Server server(testing::FreshStore<TestType>());
  const testing::TestCard& old_card = Card(CardSpec{105, 0, CardValidity::kNormal, 400});
  const testing::TestCard& new_card = Card(105);
  const std::string id = server.GiveMyKeyId(old_card);
  REQUIRE(server
              .Call("POST", "/v1/registry/renewal-links", kAdmin,
                    json::Dump(json::Json{{"old_serial", old_card.certificate.SerialHex()},
                                          {"new_serial", new_card.certificate.SerialHex()}}))
              .status == 201);
  const std::string login =
      server.Session(new_card, kKiosk, kKioskTerminalId, CardAuthPurpose::kLogin);
  CheckRefusal(
      server.Call("POST", "/v1/mykey-ids/move", kKiosk, json::Dump(json::Json{{"session", login}})),
      403, "forbidden", "session_purpose");
  const std::string consent =
      server.Session(new_card, kKiosk, kKioskTerminalId, CardAuthPurpose::kMoveMyKeyId);
  const Reply moved = server.Call("POST", "/v1/mykey-ids/move", kKiosk,
                                  json::Dump(json::Json{{"session", consent}}));
  REQUIRE(moved.status == 200);
  CHECK(moved.body["mykey_id"] == id);
  CHECK(server.Authenticate(new_card, kShop, kShopTerminalId, CardAuthPurpose::kLogin)
            .body["mykey_id"] == id);

  // Change it, then report the card lost: the feed shows the stop.
  const std::string manage =
      server.Session(new_card, kKiosk, kKioskTerminalId, CardAuthPurpose::kCreateMyKeyId);
  const Reply changed =
      server.Call("POST", "/v1/mykey-ids/change", kKiosk,
                  json::Dump(json::Json{{"session", manage}, {"mykey_id", "newkd234"}}));
  REQUIRE(changed.status == 200);
  CHECK(changed.body["mykey_id"] == "NEWKD234");
  const std::string report =
      server.Session(new_card, kKiosk, kKioskTerminalId, CardAuthPurpose::kReportLost);
  const Reply lost = server.Call("POST", "/v1/mykey-ids/report-lost", kKiosk,
                                 json::Dump(json::Json{{"session", report}}));
  REQUIRE(lost.status == 200);
  const Reply feed = server.Call("GET", "/v1/revocations?since=0&limit=5", kShop);
  REQUIRE(feed.status == 200);
  REQUIRE(feed.body["entries"].size() == 1);
  const json::Json& entry = feed.body["entries"][0];
  CHECK(entry["kind"] == "suspension");
  CHECK(entry["action"] == "added");
  CHECK(entry["mykey_id_hash"] == ToHex(MyKeyIdHash("NEWKD234")));
  CHECK(feed.body["next"] == entry["seq"]);
  CHECK(feed.body["more"] == false);
}

MYKEY_REGISTRY_TEST("of racing answers to one challenge exactly one opens a session") {
  testing::RegistryWorld world(testing::FreshStore<TestType>());
  const testing::TestCard& card = Card(106);
  auto challenge = world.registry->IssueChallenge(kShopTerminalId);
  REQUIRE(challenge);
  CardAuthentication authentication;
  authentication.challenge_id = challenge->id;
  authentication.certificate.assign(card.certificate.der().begin(), card.certificate.der().end());
  authentication.signature =
      card.Sign(challenge->challenge, kShopTerminalId, CardAuthPurpose::kLogin);
  std::atomic<int> opened{0};
  std::atomic<int> used{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto session = world.registry->OpenSession(kShopTerminalId, authentication);
      if (session) {
        ++opened;
      } else if (RefusalOf(session.error()) == RegistryRefusal::kChallengeUsed) {
        ++used;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(opened == 1);
  CHECK(used == 7);
}

}  // namespace
}  // namespace mykey::cloud
