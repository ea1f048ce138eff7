// The card-session check with the real registry: RegistryService::
// SessionMyKeyId() passed to the ledger's routes as their CardSessionCheck,
// a test-JPKI card authenticated at a kiosk, then balances and a donation
// over HTTP.
#include "mykey/api/cloud_api.h"
#include "mykey/http_server/http_server.h"
#include "mykey/http_testing/raw_http_client.h"
#include "mykey/json/json.h"
#include "mykey/ledger/conversion_routes.h"
#include "mykey/ledger/conversion_schema.h"
#include "mykey/ledger/ledger_routes.h"
#include "mykey/ledger/ledger_schema.h"
#include "registry_world.h"

namespace mykey::cloud {
namespace {

using protocol::CardAuthPurpose;
using testing::Card;
using testing::RefusalOfResult;
using testing::RegistryWorld;

Caller KioskCaller(const std::string& id) {
  Caller c;
  c.kind = CallerKind::kTerminal;
  c.terminal_id = id;
  c.site_kind = SiteKind::kKiosk;
  c.site_id = "kiosk";
  return c;
}

Caller Chiyoda() {
  Caller c;
  c.kind = CallerKind::kOperator;
  c.scope = OperatorScope::kMunicipality;
  c.scope_id = "131016";
  return c;
}

/// Answers every request as the caller named by `Authorization: Test <name>`.
class NamedCallers final : public RequestAuthenticator {
 public:
  std::map<std::string, Caller> callers;

 private:
  Result<Caller> DoAuthenticate(const http::HttpRequest& request) override {
    const auto header = request.headers.Get("Authorization");
    if (!header || header->substr(0, 5) != "Test ") return Fail(ErrorCode::kUnauthenticated, "no");
    auto it = callers.find(std::string(header->substr(5)));
    if (it == callers.end()) return Fail(ErrorCode::kUnauthenticated, "unknown");
    return it->second;
  }
};

TEST_CASE("SessionMyKeyId answers the holder of a live session at its own terminal only") {
  RegistryWorld world;
  const std::string id = world.GiveMyKeyId(Card(41));
  const CardSession session = world.Session(Card(41), "k1", CardAuthPurpose::kLogin);
  auto holder = world.registry->SessionMyKeyId({"k1", session.token});
  REQUIRE(holder);
  CHECK(*holder == id);
  CHECK(RefusalOfResult(world.registry->SessionMyKeyId({"k2", session.token})) ==
        RegistryRefusal::kSessionOtherTerminal);
  CHECK(RefusalOfResult(world.registry->SessionMyKeyId({"k1", std::string(64, 'A')})) ==
        RegistryRefusal::kSessionUnknown);
  // A card without a MyKey ID has none to answer.
  const CardSession fresh = world.Session(Card(42), "k1", CardAuthPurpose::kLogin);
  CHECK(RefusalOfResult(world.registry->SessionMyKeyId({"k1", fresh.token})) ==
        RegistryRefusal::kNoMyKeyId);
  // A stopped MyKey ID ends its sessions at once.
  REQUIRE(world.registry->Suspend(id, StopReporter::kOperator));
  CHECK(RefusalOfResult(world.registry->SessionMyKeyId({"k1", session.token})) ==
        RegistryRefusal::kCardSuspended);
}

TEST_CASE("SessionMyKeyId refuses an expired session") {
  RegistryWorld world;
  world.GiveMyKeyId(Card(41));
  const CardSession session = world.Session(Card(41), "k1", CardAuthPurpose::kLogin);
  world.clock.Advance(std::chrono::seconds(301));
  CHECK(RefusalOfResult(world.registry->SessionMyKeyId({"k1", session.token})) ==
        RegistryRefusal::kSessionExpired);
}

TEST_CASE("With a real card session a kiosk reads the balance and donates, for that holder") {
  RegistryWorld world;
  Store& store = world.store();
  REQUIRE(Migrate(store, kLedgerSchema, LedgerMigrations()));
  REQUIRE(Migrate(store, kConversionsSchema, ConversionMigrations()));
  REQUIRE(store.WithTransaction(TransactionMode::kReadWrite, [](Transaction& tx) -> Status {
    MYKEY_TRY(
        tx.Execute("INSERT INTO municipalities (code, name, created_at_ms)"
                   " VALUES ('131016', 'Chiyoda', 0)"));
    MYKEY_TRY(
        tx.Execute("INSERT INTO programmes (id, municipality_code, code, name, kind, created_at_ms)"
                   " VALUES (1, '131016', 'health', 'Health', 'points', 0),"
                   " (4, '131016', 'trees', 'Trees', 'project', 0)"));
    return Ok();
  }));
  const std::string id = world.GiveMyKeyId(Card(41));
  const std::string other = world.GiveMyKeyId(Card(43));
  LedgerService ledger(store);
  ConversionService conversions(store);
  REQUIRE(ledger.Grant(Chiyoda(), {"g1", id, 1, 100, ledger.NowMs() + 86'400'000, "d", "r"}));

  NamedCallers authenticator;
  authenticator.callers["kiosk"] = KioskCaller("k1");
  authenticator.callers["kiosk2"] = KioskCaller("k2");
  CardSessionCheck check = [&world](std::string_view terminal, std::string_view token) {
    return world.registry->SessionMyKeyId({terminal, token});
  };
  RequestLog log{[](std::string_view) {}};
  CloudApi api(store, log);
  REQUIRE(RegisterLedgerRoutes(api.router(), ledger, authenticator, nullptr, check));
  REQUIRE(RegisterConversionRoutes(api.router(), conversions, authenticator, check));
  auto server = http::HttpServer::Start(api, http::HttpServerOptions{});
  REQUIRE(server);
  auto call = [&](const std::string& who, const std::string& method, const std::string& target,
                  const std::string& body = {}) {
    auto client = http::testing::RawHttpClient::Connect((*server)->port());
    REQUIRE(client);
    std::vector<std::pair<std::string, std::string>> headers = {{"Authorization", "Test " + who},
                                                                {"Idempotency-Key", "key-1"}};
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    auto response = client->RoundTrip(method, target, body, headers);
    REQUIRE(response);
    return std::move(*response);
  };

  const CardSession session = world.Session(Card(41), "k1", CardAuthPurpose::kLogin);
  const auto balances =
      call("kiosk", "GET", "/v1/holders/" + id + "/balances?session=" + session.token);
  INFO(balances.body);
  REQUIRE(balances.status == 200);
  CHECK(balances.body.find("\"balance\":100") != std::string::npos);
  // Not another holder's balance, not at another kiosk.
  CHECK(
      call("kiosk", "GET", "/v1/holders/" + other + "/balances?session=" + session.token).status ==
      403);
  const auto elsewhere =
      call("kiosk2", "GET", "/v1/holders/" + id + "/balances?session=" + session.token);
  CHECK(elsewhere.status == 403);
  CHECK(elsewhere.body.find("session_other_terminal") != std::string::npos);

  const auto donated =
      call("kiosk", "POST", "/v1/donations",
           R"({"session":")" + session.token + R"(","programme_id":1,"project_id":4,"amount":30})");
  INFO(donated.body);
  REQUIRE(donated.status == 201);
  CHECK(donated.body.find(id) != std::string::npos);
  auto report = ledger.Reconcile();
  REQUIRE(report);
  CHECK(report->ok());
  CHECK(report->donated == 30);
}

}  // namespace
}  // namespace mykey::cloud

namespace mykey::cloud {
namespace {

TEST_CASE("A changed MyKey ID keeps its points, its home municipality and its donations") {
  testing::RegistryWorld world(
      testing::FreshStore<testing::SqliteBackend>(), testing::AuthAnchors(testing::Pki()),
      [](Transaction& tx, std::string_view old_id, std::string_view new_id) -> Status {
        MYKEY_TRY(MoveHolderAccounts(tx, old_id, new_id));
        return MoveConversionHolder(tx, old_id, new_id);
      });
  Store& store = world.store();
  REQUIRE(Migrate(store, kLedgerSchema, LedgerMigrations()));
  REQUIRE(Migrate(store, kConversionsSchema, ConversionMigrations()));
  REQUIRE(store.WithTransaction(TransactionMode::kReadWrite, [](Transaction& tx) -> Status {
    MYKEY_TRY(
        tx.Execute("INSERT INTO municipalities (code, name, created_at_ms)"
                   " VALUES ('131016', 'Chiyoda', 0)"));
    MYKEY_TRY(
        tx.Execute("INSERT INTO programmes (id, municipality_code, code, name, kind, created_at_ms)"
                   " VALUES (1, '131016', 'health', 'Health', 'points', 0)"));
    return Ok();
  }));
  const std::string old_id = world.GiveMyKeyId(Card(41), "CHANGE22");
  LedgerService ledger(store);
  ConversionService conversions(store);
  REQUIRE(ledger.Grant(Chiyoda(), {"g1", old_id, 1, 700, ledger.NowMs() + 86'400'000, "d", "r"}));
  Caller admin;
  admin.kind = CallerKind::kOperator;
  admin.scope = OperatorScope::kAdmin;
  REQUIRE(conversions.SetDefaultMunicipality(admin, old_id, "131016"));

  const CardSession session = world.Session(Card(41), "kiosk-1", CardAuthPurpose::kCreateMyKeyId);
  auto new_id = world.registry->ChangeMyKeyId({"kiosk-1", session.token}, "CHANGE33");
  REQUIRE(new_id);
  REQUIRE(*new_id == "CHANGE33");

  auto moved = ledger.Balances(Chiyoda(), *new_id);
  REQUIRE(moved);
  REQUIRE(moved->size() == 1);
  CHECK((*moved)[0].balance == 700);
  auto left = ledger.Balances(Chiyoda(), old_id);
  REQUIRE(left);
  CHECK(left->empty());
  auto home = store.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
    MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow("SELECT municipality_code FROM"
                                                 " conversion_holder_municipalities"
                                                 " WHERE mykey_id = $1",
                                                 {*new_id}));
    if (!row || row->Text(0) != "131016") return Fail(ErrorCode::kNotFound, "home not moved");
    return Ok();
  });
  CHECK(home);
  auto report = ledger.Reconcile();
  REQUIRE(report);
  CHECK(report->ok());
}

TEST_CASE("A MyKey ID change that the ledger refuses leaves the registry unchanged") {
  testing::RegistryWorld world(
      testing::FreshStore<testing::SqliteBackend>(), testing::AuthAnchors(testing::Pki()),
      [](Transaction&, std::string_view, std::string_view) -> Status {
        return Fail(ErrorCode::kAlreadyExists, "the new MyKey ID has ledger accounts");
      });
  const std::string old_id = world.GiveMyKeyId(Card(41), "KEEPME22");
  const CardSession session = world.Session(Card(41), "kiosk-1", CardAuthPurpose::kCreateMyKeyId);
  CHECK_FALSE(world.registry->ChangeMyKeyId({"kiosk-1", session.token}, "OTHER333"));
  const CardSession again = world.Session(Card(41), "kiosk-1", CardAuthPurpose::kLogin);
  auto holder = world.registry->SessionMyKeyId({"kiosk-1", again.token});
  REQUIRE(holder);
  CHECK(*holder == old_id);
}

}  // namespace
}  // namespace mykey::cloud
