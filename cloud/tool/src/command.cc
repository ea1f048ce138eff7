#include "mykey/cloud_tool/command.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string_view>
#include <thread>
#include <vector>

#include "mykey/api/cloud_api.h"
#include "mykey/auth/auth_routes.h"
#include "mykey/auth/auth_schema.h"
#include "mykey/base/log.h"
#include "mykey/cloud_tool/auth_admin.h"
#include "mykey/cloud_tool/cloud_keys.h"
#include "mykey/cloud_tool/config.h"
#include "mykey/cloud_tool/points_admin.h"
#include "mykey/cloud_tool/scheme_admin.h"
#include "mykey/crypto/random.h"
#include "mykey/http_server/http_server.h"
#include "mykey/json/json.h"
#include "mykey/ledger/conversion_service.h"
#include "mykey/ledger/idempotency_purge.h"
#include "mykey/ledger/ledger_routes.h"
#include "mykey/ledger/ledger_schema.h"
#include "mykey/ledger/ledger_service.h"
#include "mykey/registry/registry.h"
#include "mykey/registry/routes.h"
#include "mykey/registry/schema.h"
#include "mykey/scheme/municipalities.h"
#include "mykey/scheme_routes/scheme_routes.h"
#include "mykey/sqlite_store/sqlite_store.h"
#include "mykey/store/migrations.h"
#include "options.h"
#include "points_serving.h"
#include "store_location.h"
#include "voucher_serving.h"

namespace mykey::cloud {

namespace {

constexpr std::string_view kUsage = R"(usage: mykey-cloud <command> [options]

The thin cloud of mykey: the MyKey registry and the municipal point ledger.

commands:
  init --store PATH [--keys-dir DIR]
        create the store (SQLite file), apply the schema migrations and create
        the cloud's ECDSA P-256 keys (voucher signing, terminal session);
        safe to run again: it migrates and keeps existing keys
  serve [--config FILE] [--listen ADDR:PORT] [--store PATH] [--threads N]
        [--log-level LEVEL] [--jpki-auth-ca DIR] [--keys-dir DIR]
        serve the HTTP API until SIGTERM or SIGINT, then finish the requests
        in flight and exit
  admin backup --store PATH --to FILE       online backup of the store
  admin restore --from FILE --store PATH    restore a backup (server stopped)
  admin municipality add --store PATH --code CODE --name NAME
        [--cross-municipality-use]
  admin municipality list --store PATH [--json]
  admin token create|list|revoke            operator API tokens
  admin enrollment-code create              one-time terminal enrollment codes
  admin terminal list|suspend|resume        enrolled terminals
  admin crl import --store PATH --jpki-auth-ca DIR --file CRL.der
        import the daily JPKI CRL (signature verified) into the registry
  admin programme|merchant|provider ...     the parties of the scheme
  admin grant ...                           grant points to a holder
  admin report settlement|unused-balances   CSV reports
  admin partner|coupon|premium ...          partner conversions, coupon codes, event premiums

PATH is a SQLite file, or postgresql://[user[:password]@][host][:port]/dbname
(?host=/socket/dir) for several mykey-cloud processes on one PostgreSQL 15
database (init then needs --keys-dir).

Every command takes --help. Admin commands take --config FILE instead of
--store to use the store of a serve config.

exit codes:
  0 ok   1 failure   2 usage or config error   3 store or port unavailable
  4 already exists   5 not found   6 store not initialised or newer schema
)";

constexpr std::string_view kServeUsage = R"(usage: mykey-cloud serve [options]

  --config FILE       JSON config: listen, store, keys_dir, threads,
                      connection_limit, connection_timeout_s, max_body_bytes,
                      shutdown_grace_ms, tls_certificate, tls_private_key,
                      allow_plain_http_off_loopback, log_level
  --listen ADDR:PORT  default 127.0.0.1:8080; port 0 picks a free port
  --store PATH        the store made by mykey-cloud init: a SQLite file, or
                      postgresql://user@host:port/dbname (several processes
                      may serve one PostgreSQL database)
  --keys-dir DIR      the cloud's key files (default PATH.keys; needed for
                      PostgreSQL)
  --threads N         HTTP worker threads (default 2)
  --log-level LEVEL   trace, debug, info (default: one JSON line per request
                      on stdout), warning, error, off

Prints "listening on ADDR:PORT" on stdout once serving. Plain HTTP is
served only on loopback unless TLS files are configured or
allow_plain_http_off_loopback is set.
)";

/// The store path from --store or the store of --config.
bool StorePathOf(const Options& options, std::string& path, std::ostream& err) {
  path = options.Value("--store");
  if (path.empty() && options.Has("--config")) {
    CloudConfig config;
    std::string error_text;
    if (!LoadConfigFile(options.Value("--config"), config, error_text)) {
      err << "mykey-cloud: " << error_text << "\n";
      return false;
    }
    path = config.store_path;
  }
  if (path.empty()) {
    err << "mykey-cloud: --store PATH is required\n";
    return false;
  }
  return true;
}

/// Brings every schema component up to date: the core schema first, then the
/// domain modules (each numbers its own migrations). @returns one line per
/// component ("core 1") and the migrations applied in all.
struct SchemaReport {
  std::string versions;  ///< "core 1, auth 1, registry 1, ledger 1"
  int applied = 0;
};

Result<SchemaReport> MigrateAllComponents(Store& store) {
  SchemaReport report;
  const auto add = [&](std::string_view component,
                       const Result<MigrationReport>& result) -> Status {
    if (!result) return Fail(result.error());
    if (!report.versions.empty()) report.versions += ", ";
    report.versions += std::string(component) + " " + std::to_string(result->to_version);
    report.applied += result->applied;
    return Ok();
  };
  MYKEY_TRY(add(kCoreSchema, Migrate(store, CloudMigrations())));
  MYKEY_TRY(add(kAuthSchema, MigrateAuth(store)));
  MYKEY_TRY(add(kRegistrySchema, Migrate(store, kRegistrySchema, RegistryMigrations())));
  MYKEY_TRY(add(kLedgerSchema, Migrate(store, kLedgerSchema, LedgerMigrations())));
  return report;
}

/// The JPKI user-authentication CA certificates (every generation in
/// service): each .der or .pem file in `dir` that holds a CA certificate.
Result<std::vector<Bytes>> LoadAuthCaCertificates(const std::string& dir, std::ostream& err) {
  std::vector<Bytes> anchors;
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".der" || ext == ".pem")) files.push_back(entry.path());
  }
  if (ec) {
    err << "mykey-cloud: cannot read the JPKI auth CA directory " << dir << "\n";
    return Fail(ErrorCode::kNotFound, "JPKI auth CA directory unreadable", ErrorDomain::kOs,
                ec.value());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream contents;
    contents << in.rdbuf();
    const std::string text = contents.str();
    auto cert = file.extension() == ".pem" ? crypto::Certificate::FromPem(text)
                                           : crypto::Certificate::FromDer(ViewOf(text));
    if (!cert) {
      err << "mykey-cloud: " << file.string() << " is not a certificate\n";
      return Fail(cert.error());
    }
    if (!cert->is_ca()) continue;
    const Bytes der(cert->der().begin(), cert->der().end());
    if (std::find(anchors.begin(), anchors.end(), der) == anchors.end()) anchors.push_back(der);
  }
  if (anchors.empty()) {
    err << "mykey-cloud: no CA certificate in " << dir << "\n";
    return Fail(ErrorCode::kNotFound, "no JPKI auth CA certificate");
  }
  return anchors;
}

/// Runs the ledger's sweeps (expired holds every minute, expired lots and
/// idempotency records past their window every five) until stopped.
class LedgerSweeper {
 public:
  LedgerSweeper(LedgerService& ledger, Store& store)
      : ledger_(ledger), store_(store), thread_([this] { Run(); }) {}
  ~LedgerSweeper() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  LedgerSweeper(const LedgerSweeper&) = delete;
  LedgerSweeper& operator=(const LedgerSweeper&) = delete;

 private:
  void Run() {
    std::unique_lock lock(mutex_);
    for (int minute = 0;; ++minute) {
      if (wake_.wait_for(lock, std::chrono::minutes(1), [this] { return stop_; })) return;
      lock.unlock();
      if (auto holds = ledger_.SweepExpiredHolds(); !holds) {
        log::Write(
            log::Level::kError, "ledger",
            "sweep of expired holds failed (retried next minute): " + holds.error().ToString());
      }
      if (minute % 5 == 4) {
        if (auto lots = ledger_.SweepExpiredLots(); !lots) {
          log::Write(
              log::Level::kError, "ledger",
              "sweep of expired lots failed (retried in five minutes): " + lots.error().ToString());
        }
        if (auto purged = PurgeExpiredIdempotencyRecords(store_, ledger_.NowMs()); !purged) {
          log::Write(log::Level::kError, "ledger",
                     "purge of expired idempotency records failed (retried in five minutes): " +
                         purged.error().ToString());
        }
      }
      lock.lock();
    }
  }

  LedgerService& ledger_;
  Store& store_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenInitialisedStore(const std::string& path, unsigned connections,
                                                    std::ostream& err) {
  auto store = OpenStoreAt(path, connections, /*create=*/false);
  if (!store) {
    err << "mykey-cloud: cannot open the store " << RedactLocation(path)
        << " (run mykey-cloud init?)\n";
    return Fail(store.error());
  }
  auto version = SchemaVersion(**store);
  if (!version) return Fail(version.error());
  if (*version == 0) {
    err << "mykey-cloud: the store is not initialised: run mykey-cloud init\n";
    return Fail(ErrorCode::kFailedPrecondition, "store not initialised");
  }
  auto migrated = MigrateAllComponents(**store);
  if (!migrated) {
    err << "mykey-cloud: cannot bring the store's schema up to date\n";
    return Fail(migrated.error());
  }
  return std::move(*store);
}

namespace {

int Init(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  Options options;
  if (!ParseOptions(args, {"--store", "--keys-dir"}, {}, options, err)) return kCloudExitUsage;
  if (options.help) {
    out << "usage: mykey-cloud init --store PATH [--keys-dir DIR]\n\n"
           "Creates the store, applies the schema migrations, creates the cloud's keys\n"
           "(PEM files, mode 0600, in DIR; default PATH.keys). Running it again migrates\n"
           "and keeps existing keys.\n";
    return kCloudExitOk;
  }
  CloudConfig config;
  config.store_path = options.Value("--store");
  config.keys_dir = options.Value("--keys-dir");
  if (config.store_path.empty()) {
    err << "mykey-cloud: init needs --store PATH\n";
    return kCloudExitUsage;
  }
  if (IsPostgresLocation(config.store_path) && config.keys_dir.empty()) {
    err << "mykey-cloud: init of a PostgreSQL store needs --keys-dir DIR\n";
    return kCloudExitUsage;
  }
  auto store = OpenStoreAt(config.store_path, 1, /*create=*/true);
  if (!store) return Report(err, "cannot create the store", store.error());
  auto report = MigrateAllComponents(**store);
  if (!report) return Report(err, "schema migration failed", report.error());
  out << "store " << RedactLocation(config.store_path) << ": schema " << report->versions << " ("
      << report->applied << " migration(s) applied)\n";
  auto random = crypto::SystemRandom::Create();
  if (!random) return Report(err, "no randomness", random.error());
  auto keys = EnsureCloudKeys(**store, config.KeysDir(), **random);
  if (!keys) return Report(err, "cannot create the cloud's keys", keys.error());
  for (const CloudKeyInfo& key : *keys) {
    out << "key " << CloudKeyPurposeName(key.purpose) << " " << key.key_id_hex << " "
        << (key.created ? "created" : "kept") << " " << key.file << "\n";
  }
  return kCloudExitOk;
}

int Serve(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  Options options;
  if (!ParseOptions(args,
                    {"--config", "--listen", "--store", "--threads", "--log-level",
                     "--jpki-auth-ca", "--keys-dir"},
                    {}, options, err)) {
    return kCloudExitUsage;
  }
  if (options.help) {
    out << kServeUsage;
    return kCloudExitOk;
  }
  CloudConfig config;
  std::string error_text;
  if (options.Has("--config") && !LoadConfigFile(options.Value("--config"), config, error_text)) {
    err << "mykey-cloud: " << error_text << "\n";
    return kCloudExitUsage;
  }
  if (options.Has("--listen") && !ParseListen(options.Value("--listen"), config)) {
    err << "mykey-cloud: --listen must be ADDR:PORT\n";
    return kCloudExitUsage;
  }
  if (options.Has("--store")) config.store_path = options.Value("--store");
  if (options.Has("--jpki-auth-ca")) config.jpki_auth_ca_dir = options.Value("--jpki-auth-ca");
  if (options.Has("--keys-dir")) config.keys_dir = options.Value("--keys-dir");
  if (options.Has("--threads")) {
    const std::string text = options.Value("--threads");
    unsigned threads = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), threads);
    if (ec != std::errc() || end != text.data() + text.size() || threads == 0 || threads > 256) {
      err << "mykey-cloud: --threads must be 1..256\n";
      return kCloudExitUsage;
    }
    config.threads = threads;
  }
  if (options.Has("--log-level") &&
      !log::ParseLevel(options.Value("--log-level"), config.log_level)) {
    err << "mykey-cloud: --log-level must be trace, debug, info, warning, error or off\n";
    return kCloudExitUsage;
  }
  if (config.store_path.empty()) {
    err << "mykey-cloud: serve needs a store (--store or \"store\" in the config)\n";
    return kCloudExitUsage;
  }

  // Block the signals before any thread starts, so that every thread
  // inherits the mask and sigwait() below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  log::SetLevel(config.log_level);
  auto store = OpenInitialisedStore(config.store_path, config.threads + 2, err);
  if (!store) return Report(err, "store", store.error());
  const RequestLog request_log;
  CloudApi api(**store, request_log);

  // The domain modules: who calls (auth), the MyKey registry, the ledger.
  auto auth = CloudAuth::Create(**store, &api.metrics());
  if (!auth) return Report(err, "auth", auth.error());
  if (auto added = RegisterAuthRoutes(api.router(), **auth); !added) {
    return Report(err, "auth routes", added.error());
  }
  if (auto added = RegisterSchemeRoutes(api.router(), **store, (*auth)->authenticator()); !added) {
    return Report(err, "scheme routes", added.error());
  }
  std::unique_ptr<RegistryService> registry;
  if (!config.jpki_auth_ca_dir.empty()) {
    auto anchors = LoadAuthCaCertificates(config.jpki_auth_ca_dir, err);
    if (!anchors) return Report(err, "JPKI auth CA", anchors.error());
    RegistryConfig registry_config;
    registry_config.auth_ca_certificates = std::move(*anchors);
    // A changed MyKey ID keeps its points: the ledger moves with it, atomically.
    registry_config.on_mykey_id_change = [](Transaction& tx, std::string_view old_id,
                                            std::string_view new_id) -> Status {
      MYKEY_TRY(MoveHolderAccounts(tx, old_id, new_id));
      return MoveConversionHolder(tx, old_id, new_id);
    };
    auto created = RegistryService::Create(**store, std::move(registry_config));
    if (!created) return Report(err, "registry", created.error());
    registry = std::move(*created);
    if (auto added = RegisterRegistryRoutes(api.router(), *registry, (*auth)->authenticator(),
                                            &api.metrics());
        !added) {
      return Report(err, "registry routes", added.error());
    }
  } else {
    err << "mykey-cloud: no JPKI auth CA configured (jpki_auth_ca_dir): card authentication "
           "and the MyKey registry routes are off\n";
  }
  LedgerService ledger(**store);
  if (auto added = RegisterLedgerRoutes(api.router(), ledger, (*auth)->authenticator(),
                                        &api.metrics(), CardSessionCheckOf(registry.get()));
      !added) {
    return Report(err, "ledger routes", added.error());
  }
  LedgerSweeper sweeper(ledger, **store);
  // Paper vouchers (cloud/ledger README, "Vouchers"): key, service, routes, sweeps.
  auto vouchers =
      StartVouchers(**store, ledger, config.KeysDir(), api.router(), (*auth)->authenticator(),
                    &api.metrics(), CardSessionCheckOf(registry.get()));
  if (!vouchers) return Report(err, "vouchers", vouchers.error());
  // Partner conversions, coupons, premiums, donations (cloud/ledger README).
  auto points =
      StartPoints(**store, registry.get(), api.router(), (*auth)->authenticator(), &api.metrics());
  if (!points) return Report(err, "points", points.error());

  http::HttpServerOptions server_options;
  server_options.listen_address = config.listen_address;
  server_options.port = config.listen_port;
  server_options.threads = config.threads;
  server_options.connection_limit = config.connection_limit;
  server_options.connection_timeout = config.connection_timeout;
  server_options.max_body_bytes = config.max_body_bytes;
  server_options.shutdown_grace = config.shutdown_grace;
  server_options.tls_certificate_file = config.tls_certificate_file;
  server_options.tls_private_key_file = config.tls_private_key_file;
  server_options.allow_plain_http_off_loopback = config.allow_plain_http_off_loopback;
  auto server = http::HttpServer::Start(api, server_options);
  if (!server) return Report(err, "cannot serve", server.error());
  http::HttpServer& running = **server;
  api.metrics().AddCallback("mykey_http_open_connections", "Open HTTP connections.", "gauge",
                            [&] { return static_cast<double>(running.stats().open_connections); });
  out << "listening on " << config.listen_address << ":" << running.port() << std::endl;

  int received = 0;
  sigwait(&signals, &received);
  log::Write(log::Level::kInfo, "mykey-cloud", "signal received: finishing requests in flight");
  const Status stopped = running.Shutdown();
  if (!stopped) return Report(err, "shutdown", stopped.error());
  return kCloudExitOk;
}

int AdminMunicipality(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  const std::string_view action = args.empty() ? "" : std::string_view(args[0]);
  if (action == "add") {
    Options options;
    if (!ParseOptions(args.subspan(1), {"--store", "--config", "--code", "--name"},
                      {"--cross-municipality-use"}, options, err)) {
      return kCloudExitUsage;
    }
    if (options.help) {
      out << "usage: mykey-cloud admin municipality add --store PATH --code CODE --name NAME\n"
             "       [--cross-municipality-use]\n\n"
             "CODE is the 6-digit local government code with its check digit (131016).\n";
      return kCloudExitOk;
    }
    std::string path;
    if (!StorePathOf(options, path, err)) return kCloudExitUsage;
    if (options.Value("--code").empty() || options.Value("--name").empty()) {
      err << "mykey-cloud: municipality add needs --code and --name\n";
      return kCloudExitUsage;
    }
    auto store = OpenInitialisedStore(path, 1, err);
    if (!store) return Report(err, "store", store.error());
    MunicipalityDirectory directory(**store);
    const Status added = directory.Add({options.Value("--code"), options.Value("--name"),
                                        options.Has("--cross-municipality-use"), 0});
    if (!added) return Report(err, "municipality add", added.error());
    out << "municipality " << options.Value("--code") << " added\n";
    return kCloudExitOk;
  }
  if (action == "list") {
    Options options;
    if (!ParseOptions(args.subspan(1), {"--store", "--config"}, {"--json"}, options, err)) {
      return kCloudExitUsage;
    }
    if (options.help) {
      out << "usage: mykey-cloud admin municipality list --store PATH [--json]\n";
      return kCloudExitOk;
    }
    std::string path;
    if (!StorePathOf(options, path, err)) return kCloudExitUsage;
    auto store = OpenInitialisedStore(path, 1, err);
    if (!store) return Report(err, "store", store.error());
    MunicipalityDirectory directory(**store);
    auto list = directory.List();
    if (!list) return Report(err, "municipality list", list.error());
    if (options.Has("--json")) {
      json::OrderedJson items = json::OrderedJson::array();
      for (const Municipality& m : *list) {
        json::OrderedJson item = json::OrderedJson::object();
        item["code"] = m.code;
        item["name"] = m.name;
        item["cross_municipality_use"] = m.cross_municipality_use;
        items.push_back(std::move(item));
      }
      out << json::Dump(items) << "\n";
    } else {
      for (const Municipality& m : *list) {
        out << m.code << "\t" << m.name
            << (m.cross_municipality_use ? "\tcross-municipality use" : "") << "\n";
      }
    }
    return kCloudExitOk;
  }
  if (action == "--help" || action == "-h") {
    out << "usage: mykey-cloud admin municipality add|list [options] (each takes --help)\n";
    return kCloudExitOk;
  }
  err << "mykey-cloud: admin municipality add|list\n";
  return kCloudExitUsage;
}

/// `admin crl import`: the daily JPKI CRL (DER), its signature verified
/// against the configured auth CA generations, into the registry's revoked
/// serials and the revocation feed.
int AdminCrl(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  const std::string_view action = args.empty() ? "" : std::string_view(args[0]);
  if (action != "import") {
    if (action == "--help" || action == "-h") {
      out << "usage: mykey-cloud admin crl import --store PATH --jpki-auth-ca DIR --file CRL.der\n";
      return kCloudExitOk;
    }
    err << "mykey-cloud: admin crl import ...\n";
    return kCloudExitUsage;
  }
  Options options;
  if (!ParseOptions(args.subspan(1), {"--store", "--config", "--jpki-auth-ca", "--file"},
                    {"--json"}, options, err)) {
    return kCloudExitUsage;
  }
  if (options.help) {
    out << "usage: mykey-cloud admin crl import --store PATH --jpki-auth-ca DIR --file CRL.der\n"
           "       [--json]\n\n"
           "Imports a JPKI CRL (DER). Its signature must verify with one of the auth CA\n"
           "certificates in DIR (every generation in service); the serials it lists are\n"
           "refused at card authentication from now on and published in the revocation\n"
           "feed. Safe to repeat: known serials are kept, new ones added.\n";
    return kCloudExitOk;
  }
  std::string path;
  if (!StorePathOf(options, path, err)) return kCloudExitUsage;
  std::string ca_dir = options.Value("--jpki-auth-ca");
  if (ca_dir.empty() && options.Has("--config")) {
    CloudConfig config;
    std::string error_text;
    if (!LoadConfigFile(options.Value("--config"), config, error_text)) {
      err << "mykey-cloud: " << error_text << "\n";
      return kCloudExitUsage;
    }
    ca_dir = config.jpki_auth_ca_dir;
  }
  if (ca_dir.empty() || options.Value("--file").empty()) {
    err << "mykey-cloud: crl import needs --jpki-auth-ca DIR and --file CRL.der\n";
    return kCloudExitUsage;
  }
  std::ifstream in(options.Value("--file"), std::ios::binary);
  if (!in) {
    err << "mykey-cloud: cannot read " << options.Value("--file") << "\n";
    return kCloudExitNotFound;
  }
  const Bytes der((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto anchors = LoadAuthCaCertificates(ca_dir, err);
  if (!anchors) return ExitCodeFor(anchors.error());
  auto store = OpenInitialisedStore(path, 1, err);
  if (!store) return Report(err, "store", store.error());
  RegistryConfig registry_config;
  registry_config.auth_ca_certificates = std::move(*anchors);
  auto registry = RegistryService::Create(**store, std::move(registry_config));
  if (!registry) return Report(err, "registry", registry.error());
  auto report = (*registry)->ImportCrl(der);
  if (!report) return Report(err, "crl import", report.error());
  if (options.Has("--json")) {
    json::Json result = {{"listed", report->listed},
                         {"added", report->added},
                         {"last_sequence", report->last_sequence}};
    out << json::Dump(result) << "\n";
  } else {
    out << "CRL imported: " << report->listed << " serials listed, " << report->added
        << " new; revocation feed at " << report->last_sequence << "\n";
  }
  return kCloudExitOk;
}

int Admin(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  const std::string_view topic = args.empty() ? "" : std::string_view(args[0]);
  if (topic == "municipality") return AdminMunicipality(args.subspan(1), out, err);
  if (IsAuthAdminTopic(topic)) return RunAuthAdminCommand(topic, args.subspan(1), out, err);
  if (IsSchemeAdminTopic(topic)) return RunSchemeAdminCommand(topic, args.subspan(1), out, err);
  if (IsPointsAdminTopic(topic)) return RunPointsAdminCommand(topic, args.subspan(1), out, err);
  if (topic == "backup") {
    Options options;
    if (!ParseOptions(args.subspan(1), {"--store", "--config", "--to"}, {}, options, err)) {
      return kCloudExitUsage;
    }
    if (options.help) {
      out << "usage: mykey-cloud admin backup --store PATH --to FILE\n\n"
             "Online backup: the server may keep serving. FILE is replaced atomically.\n";
      return kCloudExitOk;
    }
    std::string path;
    if (!StorePathOf(options, path, err)) return kCloudExitUsage;
    if (options.Value("--to").empty()) {
      err << "mykey-cloud: backup needs --to FILE\n";
      return kCloudExitUsage;
    }
    if (IsPostgresLocation(path)) {
      err << "mykey-cloud: backup is for SQLite stores; back PostgreSQL up with pg_dump\n";
      return kCloudExitUsage;
    }
    auto store = OpenInitialisedStore(path, 1, err);
    if (!store) return Report(err, "store", store.error());
    const Status saved = (*store)->BackupTo(options.Value("--to"));
    if (!saved) return Report(err, "backup", saved.error());
    out << "backup written to " << options.Value("--to") << "\n";
    return kCloudExitOk;
  }
  if (topic == "restore") {
    Options options;
    if (!ParseOptions(args.subspan(1), {"--store", "--config", "--from"}, {}, options, err)) {
      return kCloudExitUsage;
    }
    if (options.help) {
      out << "usage: mykey-cloud admin restore --from FILE --store PATH\n\n"
             "Replaces the store with a backup. Stop the server first.\n";
      return kCloudExitOk;
    }
    std::string path;
    if (!StorePathOf(options, path, err)) return kCloudExitUsage;
    if (options.Value("--from").empty()) {
      err << "mykey-cloud: restore needs --from FILE\n";
      return kCloudExitUsage;
    }
    if (IsPostgresLocation(path)) {
      err << "mykey-cloud: restore is for SQLite stores; restore PostgreSQL with pg_restore\n";
      return kCloudExitUsage;
    }
    const Status restored = RestoreSqliteBackup(options.Value("--from"), path);
    if (!restored) return Report(err, "restore", restored.error());
    // The restored store must be one this program can serve.
    auto store = OpenInitialisedStore(path, 1, err);
    if (!store) return Report(err, "restored store", store.error());
    out << "store " << path << " restored from " << options.Value("--from") << "\n";
    return kCloudExitOk;
  }
  if (topic == "crl") return AdminCrl(args.subspan(1), out, err);
  if (topic == "--help" || topic == "-h") {
    out << "usage: mykey-cloud admin backup|restore|municipality|crl|token|enrollment-code|"
           "terminal ... (each takes --help)\n";
    return kCloudExitOk;
  }
  err << "mykey-cloud: admin backup|restore|municipality|crl|token|enrollment-code|terminal ...\n";
  return kCloudExitUsage;
}

}  // namespace

int RunCloudCommand(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << kUsage;
    return kCloudExitUsage;
  }
  const std::string_view command = args[0];
  const auto rest = args.subspan(1);
  if (command == "--help" || command == "-h" || command == "help") {
    out << kUsage;
    return kCloudExitOk;
  }
  if (command == "init") return Init(rest, out, err);
  if (command == "serve") return Serve(rest, out, err);
  if (command == "admin") return Admin(rest, out, err);
  err << "mykey-cloud: unknown command '" << command << "'\n" << kUsage;
  return kCloudExitUsage;
}

}  // namespace mykey::cloud
