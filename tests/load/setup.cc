// mykey-load init (the store: parties, tokens, test-JPKI cards), serve (the
// cloud under load on either store) and enrol (terminals, MyKey IDs, grants
// over HTTP, as terminals and operators do it).
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "load.h"
#include "mykey/api/cloud_api.h"
#include "mykey/auth/auth_routes.h"
#include "mykey/base/log.h"
#include "mykey/cloud_client/cloud_client.h"
#include "mykey/crypto/ecdsa.h"
#include "mykey/crypto/random.h"
#include "mykey/crypto/rsa.h"
#include "mykey/http_client/curl_http_transport.h"
#include "mykey/http_server/http_server.h"
#include "mykey/json/json.h"
#include "mykey/ledger/ledger_routes.h"
#include "mykey/ledger/ledger_service.h"
#include "mykey/protocol/card_auth.h"
#include "mykey/registry/registry.h"
#include "mykey/registry/routes.h"
#include "mykey/testjpki/test_pki.h"

namespace mykey::load {
namespace {

using namespace std::string_view_literals;

bool WriteFile(const std::string& path, ByteView bytes, mode_t mode) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    if (!out) return false;
  }
  return ::chmod(path.c_str(), mode) == 0;
}

Result<Bytes> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kNotFound, "cannot read a state file");
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

int Report(std::ostream& err, std::string_view what, const Error& error) {
  err << "mykey-load: " << what << ": " << error.ToString() << "\n";
  return kExitFailure;
}

int Report(std::ostream& err, std::string_view what, ErrorCode code) {
  return Report(err, what, Error(code, "failed"));
}

}  // namespace

int InitCommand(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  Flags flags;
  constexpr std::string_view kValues[] = {"--store"sv, "--state"sv, "--holders"sv, "--seed"sv};
  if (!flags.Parse(args, kValues, {}, err)) return kExitUsage;
  double holders = 20;
  if (!flags.Number("--holders", 1, 100000, holders, err)) return kExitUsage;
  const std::string dir = flags.Value("--state");
  auto spec = ParseStoreSpec(flags.Value("--store"));
  if (dir.empty() || !spec) {
    err << "usage: mykey-load init --store sqlite:PATH|postgres:DB --state DIR [--holders M]\n";
    return kExitUsage;
  }
  std::error_code ec;
  for (const char* sub : {"", "/holders", "/terminals", "/jpki-auth-ca"}) {
    std::filesystem::create_directories(dir + sub, ec);
  }
  if (std::filesystem::exists(dir + "/state.json")) {
    err << "mykey-load: " << dir << " already holds a state\n";
    return kExitFailure;
  }

  auto store = OpenStore(*spec, 2, true);
  if (!store) return Report(err, "store", store.error());
  if (Status migrated = MigrateAll(**store); !migrated) {
    return Report(err, "migrate", migrated.error());
  }
  LoadState state;
  state.dir = dir;
  state.store = flags.Value("--store");
  // The parties: Chiyoda (131016) with one points programme accepted by one
  // shop. There are no HTTP routes for them yet (the admin tool's job).
  const Status parties = (*store)->WithTransaction(
      cloud::TransactionMode::kReadWrite, [](cloud::Transaction& tx) -> Status {
        MYKEY_TRY(
            tx.Execute("INSERT INTO municipalities (code, name, created_at_ms) VALUES ('131016', "
                       "'Chiyoda', 0)"));
        MYKEY_TRY(tx.Execute(
            "INSERT INTO programmes (id, municipality_code, code, name, kind, created_at_ms) "
            "VALUES (1, '131016', 'load', 'Load points', 'points', 0)"));
        MYKEY_TRY(tx.Execute(
            "INSERT INTO merchants (id, municipality_code, name, kind, created_at_ms) VALUES "
            "(1, '131016', 'Load shop', 'shop', 0)"));
        MYKEY_TRY(tx.Execute(
            "INSERT INTO merchant_programmes (merchant_id, programme_id) VALUES (1, 1)"));
        return Ok();
      });
  if (!parties) return Report(err, "parties", parties.error());
  auto auth = cloud::CloudAuth::Create(**store, nullptr);
  if (!auth) return Report(err, "auth", auth.error());
  auto admin = (*auth)->tokens().Issue({cloud::OperatorScope::kAdmin, ""}, "mykey-load admin");
  auto municipality = (*auth)->tokens().Issue({cloud::OperatorScope::kMunicipality, "131016"},
                                              "mykey-load municipality");
  if (!admin || !municipality) return Report(err, "tokens", ErrorCode::kInternal);
  state.admin_token = admin->token;
  state.municipality_token = municipality->token;

  // The test JPKI (one CA generation: the cards' key generation is the slow part).
  auto pki = testjpki::TestPki::Create("mykey-load", {2023});
  if (!pki) return Report(err, "test JPKI", pki.error());
  for (const crypto::Certificate& ca : pki->CaCertificates(testjpki::CaKind::kAuth)) {
    if (!WriteFile(dir + "/jpki-auth-ca/auth-ca.der", ca.der(), 0644)) {
      return Report(err, "CA file", ErrorCode::kUnavailable);
    }
  }
  const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  for (uint32_t i = 0; i < static_cast<uint32_t>(holders); ++i) {
    testjpki::CardOptions options;
    options.index = i;
    options.now = today;
    auto card = pki->IssueCard(options);
    if (!card) return Report(err, "card", card.error());
    char name[32];
    std::snprintf(name, sizeof name, "holders/%05u", i);
    HolderRecord holder;
    holder.index = i;
    holder.certificate_file = std::string(name) + ".cert.der";
    holder.key_file = std::string(name) + ".key.der";
    if (!WriteFile(state.Path(holder.certificate_file), card->auth_certificate.der(), 0644) ||
        !WriteFile(state.Path(holder.key_file), card->personalisation.auth_private_key.view(),
                   0600)) {
      return Report(err, "card files", ErrorCode::kUnavailable);
    }
    state.holders.push_back(std::move(holder));
  }
  if (Status written = WriteState(state); !written) return Report(err, "state", written.error());
  out << "store " << state.store << ": municipality 131016, programme 1, merchant 1; "
      << state.holders.size() << " test-JPKI cards in " << dir << "/holders\n";
  return kExitOk;
}

int ServeCommand(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  Flags flags;
  constexpr std::string_view kValues[] = {"--store"sv, "--port"sv, "--threads"sv,
                                          "--jpki-auth-ca"sv, "--event-loop"sv};
  if (!flags.Parse(args, kValues, {}, err)) return kExitUsage;
  double port = 0;
  double threads = 2;
  if (!flags.Number("--port", 0, 65535, port, err) ||
      !flags.Number("--threads", 1, 256, threads, err)) {
    return kExitUsage;
  }
  auto spec = ParseStoreSpec(flags.Value("--store"));
  if (!spec || !flags.Has("--jpki-auth-ca")) {
    err << "usage: mykey-load serve --store sqlite:PATH|postgres:DB --jpki-auth-ca DIR "
           "[--port N] [--threads N] [--event-loop poll|epoll]\n";
    return kExitUsage;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  log::SetLevel(log::Level::kWarning);

  auto store = OpenStore(*spec, static_cast<unsigned>(threads) + 2, false);
  if (!store) return Report(err, "store", store.error());
  const cloud::RequestLog request_log([](std::string_view) {});
  cloud::CloudApi api(**store, request_log);
  auto auth = cloud::CloudAuth::Create(**store, &api.metrics());
  if (!auth) return Report(err, "auth", auth.error());
  if (Status added = cloud::RegisterAuthRoutes(api.router(), **auth); !added) {
    return Report(err, "auth routes", added.error());
  }
  cloud::RegistryConfig registry_config;
  for (const auto& entry : std::filesystem::directory_iterator(flags.Value("--jpki-auth-ca"))) {
    auto der = ReadFile(entry.path().string());
    if (!der) return Report(err, "JPKI auth CA", der.error());
    registry_config.auth_ca_certificates.push_back(std::move(*der));
  }
  auto registry = cloud::RegistryService::Create(**store, std::move(registry_config));
  if (!registry) return Report(err, "registry", registry.error());
  if (Status added = cloud::RegisterRegistryRoutes(api.router(), **registry,
                                                   (*auth)->authenticator(), &api.metrics());
      !added) {
    return Report(err, "registry routes", added.error());
  }
  cloud::LedgerService ledger(**store);
  if (Status added = cloud::RegisterLedgerRoutes(api.router(), ledger, (*auth)->authenticator(),
                                                 &api.metrics());
      !added) {
    return Report(err, "ledger routes", added.error());
  }
  http::HttpServerOptions options;
  options.port = static_cast<uint16_t>(port);
  options.threads = static_cast<unsigned>(threads);
  options.event_loop =
      flags.Value("--event-loop") == "epoll" ? http::EventLoop::kEpoll : http::EventLoop::kPoll;
  options.max_body_bytes = 65536;
  auto server = http::HttpServer::Start(api, options);
  if (!server) return Report(err, "serve", server.error());
  out << "listening on 127.0.0.1:" << (*server)->port() << std::endl;
  int received = 0;
  sigwait(&signals, &received);
  if (Status stopped = (*server)->Shutdown(); !stopped) {
    return Report(err, "shutdown", stopped.error());
  }
  return kExitOk;
}

namespace {

/// An operator's POST (admin tool style) with a bearer token.
Result<json::Json> OperatorPost(http_client::HttpTransport& transport, const std::string& url,
                                const std::string& token, const std::string& body,
                                const std::string& key, std::ostream& err) {
  http_client::HttpRequest request;
  request.method = "POST";
  request.url = url;
  request.body = body;
  request.headers = {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
  if (!key.empty()) request.headers.emplace_back("Idempotency-Key", key);
  MYKEY_ASSIGN_OR_RETURN(http_client::HttpResponse response, transport.RoundTrip(request));
  if (response.status != 200 && response.status != 201) {
    err << "mykey-load: " << url << " answered " << response.status << ": " << response.body
        << "\n";
    return Fail(ErrorCode::kFailedPrecondition, "operator call refused");
  }
  auto parsed = json::ParseJson(response.body);
  if (!parsed || !parsed->is_object()) return Fail(ErrorCode::kDataLoss, "operator answer");
  return std::move(*parsed);
}

/// The expiry of granted points: the end of next year.
std::string NextYearEnd() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  return std::to_string(utc.tm_year + 1900 + 1) + "-12-31";
}

}  // namespace

Result<std::unique_ptr<cloud_client::CloudClient>> TerminalClient(
    const LoadState& state, size_t index, http_client::HttpTransport& transport,
    const std::string& url, int max_attempts) {
  const TerminalRecord& record = state.terminals[index];
  MYKEY_ASSIGN_OR_RETURN(auto identity,
                         cloud_client::LoadTerminalIdentity(
                             {state.Path(record.key_file), state.Path(record.id_file)}));
  cloud_client::CloudClientOptions options;
  options.base_url = url;
  options.max_attempts = max_attempts;
  options.retry_backoff = std::chrono::milliseconds(50);
  return cloud_client::CloudClient::Create(transport, options, std::move(identity));
}

int EnrolCommand(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  Flags flags;
  constexpr std::string_view kValues[] = {"--url"sv, "--state"sv, "--terminals"sv, "--points"sv};
  if (!flags.Parse(args, kValues, {}, err)) return kExitUsage;
  double terminals = 10;
  double points = 100000;
  if (!flags.Number("--terminals", 1, 100000, terminals, err) ||
      !flags.Number("--points", 1, 1e12, points, err)) {
    return kExitUsage;
  }
  const std::string url = flags.Value("--url");
  if (url.empty() || !flags.Has("--state")) {
    err << "usage: mykey-load enrol --url URL --state DIR [--terminals N] [--points P]\n";
    return kExitUsage;
  }
  auto state = ReadState(flags.Value("--state"));
  if (!state) return Report(err, "state", state.error());
  auto transport = http_client::CurlHttpTransport::Create({});
  auto random = crypto::SystemRandom::Create();
  if (!transport || !random) return Report(err, "setup", ErrorCode::kInternal);

  // Terminals: a one-time code from the admin API, a fresh ECDSA P-256 key each.
  size_t enrolled = 0;
  while (state->terminals.size() < static_cast<size_t>(terminals)) {
    const size_t index = state->terminals.size();
    auto code = OperatorPost(
        **transport, url + "/v1/enrollment-codes", state->admin_token,
        R"({"site_kind":"merchant","site_id":")" + std::to_string(state->merchant_id) +
            R"(","provider_id":"load","municipality_code":")" + state->municipality_code + R"("})",
        "", err);
    if (!code || !(*code)["enrollment_code"].is_string()) {
      return Report(err, "enrollment code", ErrorCode::kFailedPrecondition);
    }
    char name[32];
    std::snprintf(name, sizeof name, "terminals/%05zu", index);
    TerminalRecord record{"", std::string(name) + ".key.pem", std::string(name) + ".id"};
    cloud_client::CloudClientOptions options;
    options.base_url = url;
    auto client = cloud_client::CloudClient::Create(**transport, options, std::nullopt);
    auto key = crypto::EcdsaPrivateKey::Generate(**random);
    if (!client || !key) return Report(err, "terminal key", ErrorCode::kInternal);
    auto info = (*client)->Enroll((*code)["enrollment_code"].get<std::string>(),
                                  "Load till " + std::to_string(index), std::move(*key),
                                  {state->Path(record.key_file), state->Path(record.id_file)});
    if (!info) {
      err << "mykey-load: enrol: " << cloud_client::LastCloudError().message << "\n";
      return Report(err, "enrol", info.error());
    }
    record.terminal_id = info->terminal_id;
    state->terminals.push_back(std::move(record));
    ++enrolled;
  }
  if (Status written = WriteState(*state); !written) return Report(err, "state", written.error());

  // Holders: the card signs the challenge (MYKEY-CARD-AUTH-1), then the MyKey ID is made.
  auto till = TerminalClient(*state, 0, **transport, url, 3);
  if (!till) return Report(err, "terminal 0", till.error());
  cloud_client::CloudClient& client = **till;
  size_t made = 0;
  for (HolderRecord& holder : state->holders) {
    if (!holder.mykey_id.empty()) continue;
    auto certificate = ReadFile(state->Path(holder.certificate_file));
    auto key_der = ReadFile(state->Path(holder.key_file));
    if (!certificate || !key_der) return Report(err, "card files", ErrorCode::kNotFound);
    auto key = crypto::RsaPrivateKey::FromDer(*key_der);
    if (!key) return Report(err, "card key", key.error());
    auto challenge = client.CreateChallenge();
    if (!challenge) return Report(err, "challenge", challenge.error());
    auto signature = key->SignDigestInfo(protocol::CardAuthDigestInfo(
        challenge->challenge, client.terminal_id(), protocol::CardAuthPurpose::kCreateMyKeyId));
    if (!signature) return Report(err, "card signature", signature.error());
    auto session = client.CreateCardSession(challenge->challenge_id, *certificate, *signature,
                                            protocol::CardAuthPurpose::kCreateMyKeyId);
    if (!session) return Report(err, "card session", session.error());
    auto mykey_id = client.CreateMyKeyId(session->session);
    if (!mykey_id) return Report(err, "MyKey ID", mykey_id.error());
    holder.mykey_id = *mykey_id;
    ++made;
  }
  if (Status written = WriteState(*state); !written) return Report(err, "state", written.error());

  // Grants by the municipality's operator, one idempotent grant per holder.
  const std::string expires_on = NextYearEnd();
  size_t granted = 0;
  for (HolderRecord& holder : state->holders) {
    if (holder.granted != 0) continue;
    auto key_hex = client.NewIdempotencyKey();
    if (!key_hex) return Report(err, "key", key_hex.error());
    holder.grant_key = "grant-" + *key_hex;
    auto grant =
        OperatorPost(**transport, url + "/v1/grants", state->municipality_token,
                     R"({"mykey_id":")" + holder.mykey_id + R"(","programme_id":)" +
                         std::to_string(state->programme_id) + R"(,"amount":)" +
                         std::to_string(static_cast<int64_t>(points)) + R"(,"expires_on":")" +
                         expires_on + R"(","department":"Health","reason":"mykey-load"})",
                     holder.grant_key, err);
    if (!grant) return Report(err, "grant", grant.error());
    holder.granted = static_cast<int64_t>(points);
    ++granted;
  }
  if (Status written = WriteState(*state); !written) return Report(err, "state", written.error());
  out << "enrolled " << enrolled << " terminal(s) (" << state->terminals.size() << " in all), "
      << made << " MyKey ID(s) made with card signatures, " << granted << " grant(s) of "
      << static_cast<int64_t>(points) << " points\n";
  return kExitOk;
}

}  // namespace mykey::load
