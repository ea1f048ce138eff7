// Offline mode end to end against the real cloud (auth, registry and ledger
// routes over CloudApi + HttpServer, SQLite in a temp dir, on loopback): the
// terminal side runs in a child process (mykey_journal_child) that the test
// kills with SIGKILL while it approves and while it forwards; reopened, the
// journal has lost nothing, and the ledger applied each redemption once.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <set>

#include "mykey/api/cloud_api.h"
#include "mykey/auth/auth_routes.h"
#include "mykey/auth/auth_schema.h"
#include "mykey/cloud_client/cloud_client.h"
#include "mykey/cloud_testing/temp_dir.h"
#include "mykey/http_client/curl_http_transport.h"
#include "mykey/http_server/http_server.h"
#include "mykey/journal/journal.h"
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
#include "test_card.h"

extern char** environ;

namespace mykey::journal {
namespace {

using testing::Pki;
using testing::TestCard;

/// The cloud: core, auth, registry and ledger on SQLite; Chiyoda (131016)
/// with programme 1, accepted by merchant 1.
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
              tx.Execute("INSERT INTO programmes (id, municipality_code, code, name, kind, "
                         "created_at_ms) VALUES (1, '131016', 'health', 'Health points', "
                         "'points', 0)"));
          MYKEY_TRY(
              tx.Execute("INSERT INTO merchants (id, municipality_code, name, kind, "
                         "created_at_ms) VALUES (1, '131016', 'Shop', 'shop', 0)"));
          MYKEY_TRY(tx.Execute(
              "INSERT INTO merchant_programmes (merchant_id, programme_id) VALUES (1, 1)"));
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

  json::Json Operator(cloud::OperatorScope scope, const std::string& scope_id,
                      const std::string& path, const std::string& body, const std::string& key) {
    auto issued = auth->tokens().Issue(cloud::TokenScope{scope, scope_id}, "test");
    REQUIRE(issued);
    http_client::HttpRequest request;
    request.method = "POST";
    request.url = Url() + path;
    request.body = body;
    request.headers = {{"Authorization", "Bearer " + issued->token},
                       {"Content-Type", "application/json"}};
    if (!key.empty()) request.headers.emplace_back("Idempotency-Key", key);
    auto response = transport->RoundTrip(request);
    REQUIRE(response);
    INFO(response->body);
    REQUIRE(response->status == 201);
    auto parsed = json::ParseJson(response->body);
    REQUIRE(parsed);
    return *parsed;
  }

  void Grant(const std::string& mykey_id, int64_t amount) {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    const std::string expires_on = std::to_string(utc.tm_year + 1900 + 1) + "-12-31";
    Operator(cloud::OperatorScope::kMunicipality, "131016", "/v1/grants",
             R"({"mykey_id":")" + mykey_id + R"(","programme_id":1,"amount":)" +
                 std::to_string(amount) + R"(,"expires_on":")" + expires_on +
                 R"(","department":"Health","reason":"checkup"})",
             "grant-" + mykey_id);
  }

  /// Enrols a terminal; its identity files go to `files`.
  void Enrol(const cloud_client::TerminalIdentityFiles& files) {
    const json::Json code = Operator(cloud::OperatorScope::kAdmin, "", "/v1/enrollment-codes",
                                     R"({"site_kind":"merchant","site_id":"1",)"
                                     R"("provider_id":"shopA","municipality_code":"131016"})",
                                     "");
    cloud_client::CloudClientOptions options;
    options.base_url = Url();
    auto client = cloud_client::CloudClient::Create(*transport, options, std::nullopt);
    REQUIRE(client);
    auto random = crypto::SystemRandom::Create();
    REQUIRE(random);
    auto key = crypto::EcdsaPrivateKey::Generate(**random);
    REQUIRE(key);
    REQUIRE((*client)->Enroll(code["enrollment_code"].get<std::string>(), "Till 1", std::move(*key),
                              files));
  }
};

/// A child process with its stdin and stdout on pipes.
class Child {
 public:
  explicit Child(std::vector<std::string> args) {
    int in[2];
    int out[2];
    REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    std::vector<char*> argv;
    args.insert(args.begin(), MYKEY_JOURNAL_CHILD);
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    REQUIRE(::posix_spawn(&pid_, MYKEY_JOURNAL_CHILD, &actions, nullptr, argv.data(), environ) ==
            0);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];
    stdout_ = ::fdopen(out[0], "r");
    REQUIRE(stdout_ != nullptr);
  }
  ~Child() {
    if (pid_ > 0) Kill();
    if (stdout_ != nullptr) std::fclose(stdout_);
    if (stdin_ >= 0) ::close(stdin_);
  }

  /// The next line it printed; empty at its end.
  std::string Line() {
    char buffer[512];
    if (std::fgets(buffer, sizeof buffer, stdout_) == nullptr) return {};
    std::string line(buffer);
    if (!line.empty() && line.back() == '\n') line.pop_back();
    return line;
  }
  /// Lines until one starts with `prefix` (which it returns); empty at the end.
  std::string LineStartingWith(const std::string& prefix) {
    while (true) {
      std::string line = Line();
      if (line.empty() || line.rfind(prefix, 0) == 0) return line;
    }
  }
  void Kill() {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  /// Waits for it to end; its exit code.
  int Wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  FILE* stdout_ = nullptr;
};

std::string After(const std::string& line, const std::string& prefix) {
  return line.substr(prefix.size());
}

/// The terminal's files: identity, anchors, the card.
struct Terminal {
  cloud::testing::TempDir dir;
  TestCard card{21};
  std::string mykey_id = "AB23CD45";

  explicit Terminal(Cloud& cloud) {
    cloud.Enrol({dir.File("terminal.key.pem"), dir.File("terminal.id")});
    const auto anchors = Pki().CaCertificates(testjpki::CaKind::kAuth);
    for (size_t i = 0; i < anchors.size(); ++i) {
      Write("ca-" + std::to_string(i) + ".der",
            Bytes(anchors[i].der().begin(), anchors[i].der().end()));
    }
    Write("card.der", card.certificate);
    const SecretBytes key = card.key->ToDer();
    Write("card.key", Bytes(key.view().begin(), key.view().end()));
  }
  void Write(const std::string& name, const Bytes& bytes) {
    FILE* file = std::fopen(dir.File(name).c_str(), "wb");
    REQUIRE(file != nullptr);
    REQUIRE(std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size());
    std::fclose(file);
  }
  std::vector<std::string> Args(const std::string& url, std::vector<std::string> rest) {
    rest.insert(rest.begin(), {dir.path(), url});
    return rest;
  }
};

constexpr const char* kCloudDown = "http://127.0.0.1:1";

/// The terminal's view of its journal, opened in this process (the child is gone).
struct Inspection {
  std::vector<JournalEntry> entries;

  explicit Inspection(Terminal& terminal) {
    struct NoFeed final : revocation::RevocationFeed {
      Result<cloud_client::RevocationFeedPage> Page(int64_t, int) override {
        return Fail(ErrorCode::kUnavailable, "not used");
      }
    } feed;
    revocation::RevocationCacheOptions cache_options;
    cache_options.path = terminal.dir.File("revocations.bin");
    auto cache = revocation::RevocationCache::Open(feed, cache_options);
    REQUIRE(cache);
    JournalOptions options;
    options.path = terminal.dir.File("journal.db");
    options.terminal_id = "inspection";
    auto journal = Journal::Open(options, {}, **cache);
    REQUIRE(journal);
    auto listed = (*journal)->List();
    REQUIRE(listed);
    entries = std::move(*listed);
  }
};

TEST_CASE("Offline redemptions survive kill -9 while approving and forwarding, and apply once") {
  Cloud cloud;
  Terminal terminal(cloud);
  cloud.Grant(terminal.mykey_id, 10000);

  {  // Online: the revocation set is synced from the real feed.
    Child sync(terminal.Args(cloud.Url(), {"sync"}));
    CHECK(sync.LineStartingWith("synced ").size() > 0);
    REQUIRE(sync.Wait() == 0);
  }

  // Cloud down: approvals go to the journal. Killed after the 5th approval.
  std::set<std::string> approved;
  {
    Child approving(terminal.Args(kCloudDown, {"approve", "40", "10", terminal.mykey_id}));
    for (int i = 0; i < 5; ++i) {
      const std::string line = approving.LineStartingWith("approved ");
      REQUIRE_FALSE(line.empty());
      approved.insert(After(line, "approved "));
    }
    approving.Kill();
  }
  size_t journalled = 0;
  {
    Inspection after_kill(terminal);
    journalled = after_kill.entries.size();
    std::set<std::string> keys;
    for (const JournalEntry& entry : after_kill.entries) {
      keys.insert(entry.idempotency_key);
      CHECK(entry.state == EntryState::kPending);
    }
    for (const std::string& key : approved) CHECK(keys.count(key) == 1);  // nothing lost
    CHECK(journalled >= approved.size());
  }
  {
    Child more(terminal.Args(kCloudDown, {"approve", "3", "10", terminal.mykey_id}));
    REQUIRE(more.Wait() == 0);
  }
  const size_t total = journalled + 3;

  // Cloud back. Killed after the 2nd request was marked sending, before it went out.
  {
    Child forwarding(terminal.Args(cloud.Url(), {"forward", "hold-before", "2"}));
    REQUIRE_FALSE(forwarding.LineStartingWith("sending ").empty());
    REQUIRE_FALSE(forwarding.LineStartingWith("sending ").empty());
    forwarding.Kill();
  }
  // Killed after the cloud applied a request, before the journal recorded it.
  std::string applied_unrecorded;
  {
    Child forwarding(terminal.Args(cloud.Url(), {"forward", "hold-after", "2"}));
    REQUIRE_FALSE(forwarding.LineStartingWith("sent ").empty());
    applied_unrecorded = After(forwarding.LineStartingWith("sent "), "sent ");
    REQUIRE_FALSE(applied_unrecorded.empty());
    forwarding.Kill();
  }
  {
    Inspection mid(terminal);
    bool found = false;
    for (const JournalEntry& entry : mid.entries) {
      if (entry.idempotency_key == applied_unrecorded) {
        found = true;
        CHECK(entry.state == EntryState::kSending);  // the cloud has it; the journal does not know
      }
    }
    CHECK(found);
  }
  {
    Child forwarding(terminal.Args(cloud.Url(), {"forward"}));
    const std::string done = forwarding.LineStartingWith("forwarded ");
    REQUIRE_FALSE(done.empty());
    CHECK(done.substr(done.rfind(' ') + 1) == "0");  // nothing remaining
    REQUIRE(forwarding.Wait() == 0);
  }

  // Each applied exactly once: all entries applied, one ledger operation per
  // key, and the balance moved by exactly the journalled total.
  Inspection final_state(terminal);
  REQUIRE(final_state.entries.size() == total);
  auto identity = cloud_client::LoadTerminalIdentity(
      {terminal.dir.File("terminal.key.pem"), terminal.dir.File("terminal.id")});
  REQUIRE(identity);
  cloud_client::CloudClientOptions options;
  options.base_url = cloud.Url();
  auto client = cloud_client::CloudClient::Create(*cloud.transport, options, std::move(*identity));
  REQUIRE(client);
  std::set<int64_t> redemptions;
  for (const JournalEntry& entry : final_state.entries) {
    CHECK(entry.state == EntryState::kApplied);
    auto operation = (*client)->RecoverRedemption(entry.idempotency_key);
    REQUIRE(operation);
    CHECK(operation->redemption_id == entry.redemption_id);
    redemptions.insert(entry.redemption_id);
  }
  CHECK(redemptions.size() == total);
  // (Read as the scheme operator: terminals need the holder's card session.)
  cloud::Caller admin;
  admin.kind = cloud::CallerKind::kOperator;
  admin.scope = cloud::OperatorScope::kAdmin;
  auto balances = cloud.ledger->Balances(admin, terminal.mykey_id);
  REQUIRE(balances);
  REQUIRE(balances->size() == 1);
  CHECK((*balances)[0].balance == 10000 - 10 * static_cast<int64_t>(total));
}

TEST_CASE("A redemption the cloud refuses when it comes back is final and the next still applies") {
  Cloud cloud;
  Terminal terminal(cloud);
  cloud.Grant(terminal.mykey_id, 15);
  {
    Child sync(terminal.Args(cloud.Url(), {"sync"}));
    REQUIRE(sync.Wait() == 0);
  }
  {
    Child approving(terminal.Args(kCloudDown, {"approve", "2", "10", terminal.mykey_id}));
    REQUIRE(approving.Wait() == 0);
  }
  {
    Child forwarding(terminal.Args(cloud.Url(), {"forward"}));
    CHECK(forwarding.LineStartingWith("forwarded ") == "forwarded 1 1 0");
    REQUIRE(forwarding.Wait() == 0);
  }
  Inspection state(terminal);
  REQUIRE(state.entries.size() == 2);
  CHECK(state.entries[0].state == EntryState::kApplied);
  CHECK(state.entries[1].state == EntryState::kRefused);
  CHECK(state.entries[1].reason == "insufficient_balance");
  {  // Forwarding again never retries the refused entry.
    Child forwarding(terminal.Args(cloud.Url(), {"forward"}));
    CHECK(forwarding.LineStartingWith("forwarded ") == "forwarded 0 0 0");
    REQUIRE(forwarding.Wait() == 0);
  }
}

TEST_CASE("A card revoked by an imported CRL is refused offline after the next sync") {
  Cloud cloud;
  Terminal terminal(cloud);
  testjpki::CrlOptions crl;
  crl.this_update = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) -
                    std::chrono::hours(1);
  crl.serials = {terminal.card.serial};
  auto der = Pki().MakeCrl(crl);
  REQUIRE(der);
  REQUIRE(cloud.registry->ImportCrl(*der));
  {
    Child sync(terminal.Args(cloud.Url(), {"sync"}));
    REQUIRE(sync.Wait() == 0);
  }
  Child approving(terminal.Args(kCloudDown, {"approve", "1", "10", terminal.mykey_id}));
  CHECK(approving.Wait() == 1);  // refused: certificate_revoked (the child prints it to stderr)
  Inspection state(terminal);
  CHECK(state.entries.empty());
}

}  // namespace
}  // namespace mykey::journal
