// mykey-terminal: the composition root. Reads the configuration, builds the
// cloud client, the PC/SC reader monitor, the counter facade, the printer,
// the library output and the PIN pad, and runs the operation desk, the local
// API, the daily jobs, the console and the systemd notifications.

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mykey/base/bytes.h"
#include "mykey/base/log.h"
#include "mykey/cloud_client/cloud_client.h"
#include "mykey/cloud_client/terminal_identity.h"
#include "mykey/counter/counter.h"
#include "mykey/crypto/ecdsa.h"
#include "mykey/crypto/random.h"
#include "mykey/crypto/x509.h"
#include "mykey/http_client/curl_http_transport.h"
#include "mykey/http_server/http_server.h"
#include "mykey/journal/journal.h"
#include "mykey/journal/ledger_uplink.h"
#include "mykey/pcsc/pcsc_reader.h"
#include "mykey/printer_chardev/char_device_printer_port.h"
#include "mykey/printer_file/file_printer_port.h"
#include "mykey/printer_serial/serial_printer_port.h"
#include "mykey/printer_tcp/tcp_printer_port.h"
#include "mykey/receipt/printer_profile.h"
#include "mykey/revocation/revocation_cache.h"
#include "mykey/terminal/config.h"
#include "mykey/terminal/console.h"
#include "mykey/terminal/counter_port.h"
#include "mykey/terminal/daily_jobs.h"
#include "mykey/terminal/flow.h"
#include "mykey/terminal/library_outputs.h"
#include "mykey/terminal/local_api.h"
#include "mykey/terminal/offline_mode.h"
#include "mykey/terminal/operation_desk.h"
#include "mykey/terminal/receipt_printer.h"
#include "mykey/terminal/service_notifier.h"
#include "mykey/terminal/trust_anchors.h"
#include "mykey/terminal/tty_pin_pad.h"
#include "mykey/terminal/voucher_counter.h"

namespace mykey::terminal {
namespace {

constexpr const char* kUsage =
    "usage: mykey-terminal [--config FILE] [--check-config] [--no-console]\n"
    "       mykey-terminal [--config FILE] enroll CODE [--name NAME]\n"
    "       mykey-terminal [--config FILE] test-connection\n"
    "       mykey-terminal [--config FILE] journal list|counts\n"
    "  --config FILE    the configuration (default /etc/mykey/terminal.toml)\n"
    "  --check-config   validate the configuration and the secret files, then exit\n"
    "  --no-console     no clerk console (the local API and library taps only)\n"
    "  enroll CODE      enrol with the one-time code: writes cloud.key_file (0600) and\n"
    "                   cloud.id_file, then exits\n"
    "  test-connection  the connection test (疎通テスト): site, round trip, clock skew\n"
    "  journal list|counts  the offline journal's entries or counts per state (while the\n"
    "                   terminal is stopped: the journal is one process's at a time)\n";

struct Options {
  std::string config = "/etc/mykey/terminal.toml";
  bool check_only = false;
  bool console = true;
  std::string command;       // "", "enroll", "test-connection", "journal"
  std::string journal_view;  // "list", "counts"
  std::string code;
  std::string name = "mykey-terminal";
};

int Usage(const char* problem) {
  if (problem != nullptr) std::fprintf(stderr, "mykey-terminal: %s\n", problem);
  std::fputs(kUsage, stderr);
  return 2;
}

int Refuse(const std::string& what) {
  std::fprintf(stderr, "mykey-terminal: %s\n", what.c_str());
  return 1;
}

// The cloud client for enrolment and the connection test.
Result<std::unique_ptr<cloud_client::CloudClient>> ClientFor(
    const TerminalConfig& config, http_client::HttpTransport& transport,
    std::optional<cloud_client::TerminalIdentity> identity) {
  cloud_client::CloudClientOptions options;
  options.base_url = config.cloud.url;
  return cloud_client::CloudClient::Create(transport, options, std::move(identity));
}

/// Caches the cloud's voucher keys next to the terminal id (for offline
/// voucher checks); a failure is reported, not fatal.
void CacheVoucherKeys(cloud_client::CloudClient& client, const TerminalConfig& config) {
  const std::string path = VoucherKeysPathFor(config.cloud.id_file);
  auto keys = client.VoucherKeys();
  if (!keys) {
    std::fprintf(stderr, "mykey-terminal: voucher keys not cached: %s\n",
                 keys.error().ToString().c_str());
    return;
  }
  if (auto saved = SaveVoucherKeys(path, *keys); !saved) {
    std::fprintf(stderr, "mykey-terminal: voucher keys not cached: %s\n",
                 saved.error().ToString().c_str());
    return;
  }
  std::printf("voucher keys: %zu cached in %s\n", keys->size(), path.c_str());
}

/// Downloads the JPKI auth CAs offline authentication checks cards against
/// into offline.trust_anchors; a failure is reported, not fatal (a file
/// already there stays as it was).
void CacheTrustAnchors(cloud_client::CloudClient& client, const TerminalConfig& config) {
  const std::string& path = config.offline.trust_anchors;
  auto kept = RefreshTrustAnchors(client, path);
  if (!kept) {
    std::fprintf(stderr, "mykey-terminal: JPKI auth CAs not cached: %s\n",
                 kept.error().ToString().c_str());
    return;
  }
  std::printf("JPKI auth CAs: %zu cached in %s\n", *kept, path.c_str());
}

int EnrollTerminal(const TerminalConfig& config, http_client::HttpTransport& transport,
                   const Options& options) {
  auto client = ClientFor(config, transport, std::nullopt);
  if (!client) return Refuse("cloud client: " + client.error().ToString());
  auto random = crypto::SystemRandom::Create();
  if (!random) return Refuse("randomness: " + random.error().ToString());
  auto key = crypto::EcdsaPrivateKey::Generate(**random);
  if (!key) return Refuse("terminal key: " + key.error().ToString());
  auto info = (*client)->Enroll(options.code, options.name, std::move(*key),
                                {config.cloud.key_file, config.cloud.id_file});
  if (!info) {
    return Refuse("enrolment refused: " + info.error().ToString() + " (" +
                  cloud_client::LastCloudError().message + ")");
  }
  std::printf("enrolled: terminal %s, site %s %s (provider %s, municipality %s)\n",
              info->terminal_id.c_str(), info->site.kind.c_str(), info->site.id.c_str(),
              info->site.provider_id.c_str(), info->site.municipality_code.c_str());
  CacheVoucherKeys(**client, config);
  if (config.offline.enabled) CacheTrustAnchors(**client, config);
  return 0;
}

int TestConnection(const TerminalConfig& config, http_client::HttpTransport& transport,
                   cloud_client::TerminalIdentity identity) {
  auto client = ClientFor(config, transport, std::move(identity));
  if (!client) return Refuse("cloud client: " + client.error().ToString());
  auto result = (*client)->ConnectionTest();
  if (!result) {
    return Refuse("connection test failed: " + result.error().ToString() + " (" +
                  cloud_client::LastCloudError().message + ")");
  }
  std::printf("ok: terminal %s, site %s %s, round trip %lld ms, clock skew %lld s\n",
              result->terminal.terminal_id.c_str(), result->terminal.site.kind.c_str(),
              result->terminal.site.id.c_str(), static_cast<long long>(result->round_trip.count()),
              static_cast<long long>(result->clock_skew_s));
  CacheVoucherKeys(**client, config);
  if (config.offline.enabled) CacheTrustAnchors(**client, config);
  return 0;
}

std::unique_ptr<printer::PrinterPort> MakePrinterPort(const PrinterConfig& config) {
  switch (config.backend) {
    case PrinterBackend::kNone: return nullptr;
    case PrinterBackend::kTcp: {
      printer::TcpPrinterOptions options;
      options.host = config.host;
      options.port = config.port;
      return std::make_unique<printer::TcpPrinterPort>(options);
    }
    case PrinterBackend::kCharDevice:
      return std::make_unique<printer::CharDevicePrinterPort>(config.path);
    case PrinterBackend::kSerial: {
      printer::SerialOptions options;
      options.baud = config.baud;
      options.flow = config.flow;
      options.parity = config.parity;
      options.stop_bits = config.stop_bits;
      return std::make_unique<printer::SerialPrinterPort>(config.path, options);
    }
    case PrinterBackend::kFile: return std::make_unique<printer::FilePrinterPort>(config.path);
  }
  return nullptr;
}

// How every job on the configured printer is confirmed (receipts, vouchers, reprints).
printer::PrintJobOptions PrintJobOptionsFor(const PrinterConfig& config) {
  printer::PrintJobOptions options;
  options.completion = config.completion;
  options.trust_status_only = config.trust_status_only;
  options.completion_base = config.completion_wait;
  options.print_bytes_per_second = config.bytes_per_second;
  return options;
}

// The local revocation set behind the counter's hook: a listed card is
// refused before its PIN is asked.
class RevocationCacheCheck final : public counter::RevocationCheck {
 public:
  explicit RevocationCacheCheck(const revocation::RevocationCache& cache) : cache_(cache) {}
  Result<counter::RevocationVerdict> CheckCertificate(std::string_view serial_hex) override {
    MYKEY_ASSIGN_OR_RETURN(Bytes serial, FromHex(serial_hex));
    return cache_.IsRevoked(serial) ? counter::RevocationVerdict::kRevoked
                                    : counter::RevocationVerdict::kNotListed;
  }
  Result<counter::RevocationVerdict> CheckMyKeyId(std::string_view mykey_id) override {
    return cache_.IsMyKeyIdSuspended(mykey_id) ? counter::RevocationVerdict::kSuspended
                                               : counter::RevocationVerdict::kNotListed;
  }

 private:
  const revocation::RevocationCache& cache_;
};

// Library taps need no clerk: while the terminal runs in library mode, a
// lookup waits for the next card (the POS or the clerk can preempt it while
// no card is there).
void IdleLibraryLoop(OperationDesk& desk, const std::atomic<bool>& stop) {
  while (!stop.load()) {
    OperationRequest request;
    request.kind = OperationKind::kLibraryLookup;
    request.card_timeout = std::chrono::seconds(30);
    auto id = desk.Submit(request, Submitter::kIdle);
    if (!id) {
      // Busy with someone else's operation (or settling): wait until free.
      (void)desk.WaitUntilFree(std::chrono::seconds(1));
      continue;
    }
    auto final = desk.WaitForFinal(*id);
    if (final && final->result && final->result->state == OperationState::kFailed &&
        final->result->reason == "reader_unavailable") {
      // No reader: do not spin; try again in a while.
      for (int i = 0; i < 20 && !stop.load(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
      }
    }
  }
}

int Run(const Options& options) {
  ConfigProblem problem;
  auto loaded = LoadConfig(options.config, &problem);
  if (!loaded) return Refuse(problem.ToString());
  TerminalConfig config = *loaded;
  log::Level level = log::Level::kInfo;
  (void)log::ParseLevel(config.log_level, level);
  log::SetLevel(level);

  http_client::CurlHttpOptions http;
  http.ca_file = config.cloud.ca_file;
  http.total_timeout = config.cloud.timeout;
  auto transport = http_client::CurlHttpTransport::Create(http);
  if (!transport) return Refuse("cloud transport: " + transport.error().ToString());
  if (options.command == "enroll") return EnrollTerminal(config, **transport, options);

  if (auto key = CheckSecretFile(config.cloud.key_file, "cloud.key_file", &problem); !key) {
    return Refuse(problem.ToString());
  }
  std::string token;
  if (config.local_api.enabled) {
    auto read = ReadApiToken(config.local_api.token_file, &problem);
    if (!read) return Refuse(problem.ToString());
    token = *read;
  }
  auto profile = receipt::PrinterProfile::Named(config.printer.profile);
  if (!profile)
    return Refuse("printer.profile: unknown profile \"" + config.printer.profile + "\"");

  auto identity = cloud_client::LoadTerminalIdentity(
      {.key_path = config.cloud.key_file, .terminal_id_path = config.cloud.id_file});
  if (!identity) {
    return Refuse("terminal identity: " + identity.error().ToString() +
                  (identity.error().code() == ErrorCode::kNotFound ? " (not enrolled yet?)" : ""));
  }
  if (options.command == "test-connection") {
    return TestConnection(config, **transport, std::move(*identity));
  }

  // The library output is checked at start-up: a uinput device this user
  // cannot write is a configuration error, not a failed tap later.
  std::unique_ptr<LibraryOutput> library_output;
  std::unique_ptr<http_client::CurlHttpTransport> library_transport;
  if (config.mode == Mode::kLibrary) {
    switch (config.library.output) {
      case LibraryOutputKind::kStdout:
        library_output = std::make_unique<LineLibraryOutput>(STDOUT_FILENO);
        break;
      case LibraryOutputKind::kUrl: {
        auto t = http_client::CurlHttpTransport::Create({});
        if (!t) return Refuse("library transport: " + t.error().ToString());
        library_transport = std::move(*t);
        library_output = std::make_unique<UrlLibraryOutput>(*library_transport, config.library.url,
                                                            config.site_name);
        break;
      }
      case LibraryOutputKind::kUinput: {
        auto keyboard = UinputKeyboard::Open("/dev/uinput", config.library.press_enter);
        if (!keyboard) {
          return Refuse("library.output = \"uinput\": " + keyboard.error().ToString());
        }
        library_output = std::move(*keyboard);
        break;
      }
    }
  }
  if (options.check_only) {
    std::printf("%s: ok (%s mode)\n", options.config.c_str(), ModeName(config.mode));
    return 0;
  }

  cloud_client::CloudClientOptions cloud_options;
  cloud_options.base_url = config.cloud.url;
  const std::string terminal_id = identity->terminal_id;
  auto cloud = cloud_client::CloudClient::Create(**transport, cloud_options, std::move(*identity));
  if (!cloud) return Refuse("cloud client: " + cloud.error().ToString());

  // The local revocation set: checked before the PIN, synced daily.
  revocation::CloudRevocationFeed feed(**cloud);
  revocation::RevocationCacheOptions cache_options;
  cache_options.path = config.offline.revocation_cache;
  cache_options.max_age = config.offline.max_age;
  auto cache = revocation::RevocationCache::Open(feed, cache_options);
  std::unique_ptr<RevocationCacheCheck> revocation_check;
  if (cache) {
    revocation_check = std::make_unique<RevocationCacheCheck>(**cache);
  } else {
    log::Write(log::Level::kWarning, "terminal",
               "revocation cache unavailable: " + cache.error().ToString());
  }

  // Offline mode: the journal behind the counter's OfflineAuthorizer (see
  // offline_mode.h for what is trusted offline), forwarded by its own thread.
  std::unique_ptr<journal::Journal> offline_journal;
  journal::CloudLedgerUplink uplink(**cloud);
  if (config.offline.enabled && cache) {
    // Fresh anchors from the cloud when it answers; otherwise the cached file.
    if (auto kept = RefreshTrustAnchors(**cloud, config.offline.trust_anchors); !kept) {
      log::Write(log::Level::kWarning, "terminal",
                 "JPKI auth CAs not refreshed, using the cached file: " + kept.error().ToString());
    }
    auto anchors = LoadTrustAnchors(config.offline.trust_anchors);
    if (!anchors) {
      return Refuse("offline.trust_anchors: " + anchors.error().ToString());
    }
    journal::JournalOptions journal_options;
    journal_options.path = config.offline.journal;
    journal_options.terminal_id = terminal_id;
    journal_options.limits.max_amount_per_operation = config.offline.max_per_operation;
    journal_options.limits.max_outstanding_points = config.offline.max_total;
    journal_options.limits.max_outstanding_count = config.offline.max_count;
    journal_options.limits.max_points_per_holder = config.offline.max_per_holder;
    journal_options.limits.max_oldest_age = config.offline.max_entry_age;
    journal_options.backoff_max = std::chrono::seconds(30);
    auto opened = journal::Journal::Open(journal_options, std::move(*anchors), **cache);
    if (!opened) return Refuse("offline.journal: " + opened.error().ToString());
    offline_journal = std::move(*opened);
  }
  if (!options.journal_view.empty()) {
    if (!offline_journal)
      return Refuse("journal: offline.enabled is false (or no revocation cache)");
    if (options.journal_view == "counts") {
      auto counts = offline_journal->Counts();
      if (!counts) return Refuse("journal: " + counts.error().ToString());
      std::fputs(JournalCountsText(*counts).c_str(), stdout);
    } else {
      auto entries = offline_journal->List();
      if (!entries) return Refuse("journal: " + entries.error().ToString());
      std::fputs(JournalListText(*entries).c_str(), stdout);
    }
    return 0;
  }
  std::unique_ptr<JournalOfflineAuthorizer> offline_authorizer;
  if (offline_journal) {
    offline_authorizer = std::make_unique<JournalOfflineAuthorizer>(*offline_journal);
  }

  hal::PcscReaderMonitor readers;
  CounterEventRelay relay;
  counter::CounterOptions counter_options;
  counter_options.reader = config.reader;
  counter_options.allow_tap_only = config.mode == Mode::kLibrary && config.library.tap_only;
  counter_options.log_level = level;
  counter_options.listener = &relay;
  counter_options.revocation = revocation_check.get();
  counter_options.offline = offline_authorizer.get();
  auto facade = counter::Counter::Create(readers, **cloud, counter_options);
  if (!facade) return Refuse("counter: " + facade.error().ToString());
  auto counter_port = CounterPortOver(**facade);

  // Paper vouchers: a kiosk issues for the holder through the counter; shops
  // and museums check a voucher offline against the cloud's published keys
  // (cached next to the terminal id) and redeem it online once.
  const std::string voucher_keys = VoucherKeysPathFor(config.cloud.id_file);
  if (auto refreshed = RefreshVoucherKeys(**facade, voucher_keys); !refreshed) {
    log::Write(
        log::Level::kWarning, "terminal",
        "voucher keys not refreshed (the cached ones stay): " + refreshed.error().ToString());
  }
  auto printer_port = MakePrinterPort(config.printer);
  std::unique_ptr<EscPosReceiptPrinter> receipt_printer;
  if (printer_port)
    receipt_printer = std::make_unique<EscPosReceiptPrinter>(*printer_port, *profile,
                                                             PrintJobOptionsFor(config.printer));
  std::unique_ptr<voucher::VoucherIssuer> voucher_reprinter;
  std::unique_ptr<CounterVoucherIssuer> voucher_issuer;
  std::unique_ptr<CounterVoucherRedeemer> voucher_redeemer;
  if (config.mode == Mode::kKiosk) {
    VoucherIssuerSettings voucher_settings;
    voucher_settings.municipality_name =
        config.kiosk.voucher_title.empty() ? config.site_name : config.kiosk.voucher_title;
    voucher_settings.validity_days = static_cast<int>(config.kiosk.voucher_days);
    voucher_settings.void_unprinted = !config.kiosk.keep_unprinted_vouchers;
    voucher_settings.pending_path = PendingVouchersPathFor(config.cloud.id_file);
    // Reprints and voids of vouchers kept pending go through sdk/voucher's
    // issuer on the same printer (duplicates marked 再発行, keys derived from
    // the key).
    if (printer_port) {
      voucher::VoucherIssuerOptions reprint_options;
      reprint_options.profile = *profile;
      reprint_options.job = PrintJobOptionsFor(config.printer);
      voucher_reprinter =
          std::make_unique<voucher::VoucherIssuer>(**cloud, *printer_port, reprint_options);
    }
    voucher_issuer =
        std::make_unique<CounterVoucherIssuer>(**facade, voucher_settings, voucher_reprinter.get());
  } else if (config.mode == Mode::kShop || config.mode == Mode::kFacility) {
    voucher_redeemer = std::make_unique<CounterVoucherRedeemer>(
        voucher_keys, CounterVoucherRedeemer::Through(**facade));
  }

  auto pin_pad = TtyPinPad::Create(config.pin_device, config.language, std::chrono::seconds(60));
  if (!pin_pad) return Refuse("PIN pad: " + pin_pad.error().ToString());
  // The console and the PIN pad may share one terminal: one reader at a time.
  std::mutex tty_gate;
  (*pin_pad)->set_tty_gate(&tty_gate);
  // The PIN prompt ends at once when the card is pulled: a second monitor
  // (its own PC/SC context) watches the card's reader from its own thread.
  hal::PcscReaderMonitor watched_readers;
  auto card_watch = CardRemovalWatch::Create(watched_readers);
  if (!card_watch) return Refuse("PIN pad: " + card_watch.error().ToString());
  (*pin_pad)->set_card_watch(card_watch->get());

  FlowEnvironment env;
  env.counter = counter_port.get();
  env.pin_pad = pin_pad->get();
  env.printer = receipt_printer.get();
  env.library_output = library_output.get();
  env.voucher_issuer = voucher_issuer.get();
  env.voucher_redeemer = voucher_redeemer.get();
  env.relay = &relay;
  env.card_removal_wait = std::chrono::seconds(30);
  FlowRunner runner(config, env);
  FlowExecutor executor(runner);
  std::unique_ptr<OfflineForwarder> forwarder;
  std::unique_ptr<ForwardingExecutor> forwarding;
  if (offline_journal) {
    forwarder = std::make_unique<OfflineForwarder>(
        *offline_journal, uplink, [](const journal::JournalCounts& counts) {
          if (counts.outstanding() > 0) {
            log::Write(log::Level::kInfo, "offline",
                       "journal: " + std::to_string(counts.outstanding()) + " outstanding (" +
                           std::to_string(counts.outstanding_points) + " points)");
          }
        });
    forwarding = std::make_unique<ForwardingExecutor>(executor, *forwarder);
  }
  OperationDesk desk(forwarding ? static_cast<OperationExecutor&>(*forwarding)
                                : static_cast<OperationExecutor&>(executor));
  if (forwarder) {
    // The queue's state goes through the counter's listener (the SDK's event)
    // to the desk: the running operation's events, the console, /healthz.
    relay.set_offline_queue_sink([&desk](const counter::OfflineQueueState& state) {
      desk.NoteOfflineQueue(state.pending, state.cloud_reachable);
    });
    forwarder->set_queue_listener([&facade](const counter::OfflineQueueState& state) {
      (*facade)->ReportOfflineQueue(state);
    });
    forwarder->Start();
  }
  // The forwarder reports into the desk: it stops before the desk goes, on every return.
  struct ForwarderStop {
    OfflineForwarder* forwarder;
    ~ForwarderStop() {
      if (forwarder != nullptr) forwarder->Stop();
    }
  } forwarder_stop{forwarder.get()};

  std::vector<DailyJob> jobs;
  if (cache) {
    jobs.push_back({"revocation_sync", [&cache]() -> Status {
                      MYKEY_TRY((*cache)->Sync());
                      return Ok();
                    }});
  }
  jobs.push_back({"voucher_keys", [&facade, &voucher_keys]() -> Status {
                    MYKEY_TRY(RefreshVoucherKeys(**facade, voucher_keys));
                    return Ok();
                  }});
  if (offline_journal) {
    jobs.push_back({"journal_forwarding", [&]() -> Status {
                      MYKEY_TRY(offline_journal->Forward(uplink));
                      return Ok();
                    }});
  }
  DailyJobs daily(config.maintenance, std::move(jobs));
  daily.Start();

  std::unique_ptr<LocalApi> api;
  std::unique_ptr<http::HttpServer> server;
  if (config.local_api.enabled) {
    api = std::make_unique<LocalApi>(desk, config, token, [&daily, &offline_journal, &desk] {
      HealthReport report = daily.Health();
      if (auto queue = desk.offline_queue())
        report.offline_cloud_reachable = queue->cloud_reachable;
      if (offline_journal) {  // the journal is synchronised: safe from the server's threads
        if (auto counts = offline_journal->Counts()) {
          report.offline_outstanding = counts->outstanding();
          report.offline_outstanding_points = counts->outstanding_points;
        }
      }
      return report;
    });
    http::HttpServerOptions server_options;
    server_options.listen_address = config.local_api.address;
    server_options.port = config.local_api.port;
    server_options.threads = 8;  // long-polls hold a thread each (up to 30 s)
    server_options.connection_limit = 64;
    server_options.max_body_bytes = 16 * 1024;
    server_options.shutdown_grace = std::chrono::milliseconds(2000);
    auto started = http::HttpServer::Start(*api, server_options);
    if (!started) return Refuse("local API: " + started.error().ToString());
    server = std::move(*started);
  }

  std::atomic<bool> stop{false};
  std::thread library_loop;
  if (config.mode == Mode::kLibrary) {
    library_loop = std::thread([&] { IdleLibraryLoop(desk, stop); });
  }
  std::thread console;
  if (options.console && ::isatty(STDIN_FILENO) == 1) {
    console = std::thread([&] {
      Console(STDIN_FILENO, STDOUT_FILENO, config, desk, &tty_gate).Run(stop);
      stop = true;
    });
  }

  ServiceNotifier notifier;
  std::string status = std::string(ModeName(config.mode)) + " mode";
  if (server)
    status += ", local API on " + config.local_api.address + ":" + std::to_string(server->port());
  notifier.Ready(status);
  log::Write(log::Level::kInfo, "terminal", "ready: " + status);

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  int signal_fd = ::signalfd(-1, &signals, SFD_CLOEXEC);
  auto watchdog = notifier.WatchdogInterval();
  auto tick = watchdog ? std::chrono::duration_cast<std::chrono::milliseconds>(*watchdog / 3)
                       : std::chrono::milliseconds(1000);
  if (tick < std::chrono::milliseconds(100)) tick = std::chrono::milliseconds(100);
  while (!stop.load()) {
    pollfd fd{signal_fd, POLLIN, 0};
    int ready = ::poll(&fd, 1, static_cast<int>(tick.count()));
    if (ready > 0) {
      signalfd_siginfo info{};
      [[maybe_unused]] ssize_t n = ::read(signal_fd, &info, sizeof info);
      stop = true;
      break;
    }
    // The watchdog is fed only while the desk's thread is alive and not stuck.
    if (watchdog && desk.Healthy(std::chrono::seconds(30))) notifier.Watchdog();
  }
  notifier.Stopping();
  log::Write(log::Level::kInfo, "terminal", "stopping");
  if (server) (void)server->Shutdown();
  desk.Close();
  if (forwarder) forwarder->Stop();
  if (library_loop.joinable()) library_loop.join();
  if (console.joinable()) console.join();
  ::close(signal_fd);
  return 0;
}

}  // namespace
}  // namespace mykey::terminal

int main(int argc, char** argv) {
  mykey::terminal::Options options;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--config" && i + 1 < argc) {
      options.config = argv[++i];
    } else if (arg == "--check-config") {
      options.check_only = true;
    } else if (arg == "--no-console") {
      options.console = false;
    } else if (arg == "enroll" && options.command.empty() && i + 1 < argc) {
      options.command = "enroll";
      options.code = argv[++i];
    } else if (arg == "--name" && options.command == "enroll" && i + 1 < argc) {
      options.name = argv[++i];
    } else if (arg == "test-connection" && options.command.empty()) {
      options.command = "test-connection";
    } else if (arg == "journal" && options.command.empty() && i + 1 < argc &&
               (std::string_view(argv[i + 1]) == "list" ||
                std::string_view(argv[i + 1]) == "counts")) {
      options.command = "journal";
      options.journal_view = argv[++i];
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(mykey::terminal::kUsage, stdout);
      return 0;
    } else {
      return mykey::terminal::Usage("unknown argument");
    }
  }
  // SIGINT and SIGTERM are taken through a signalfd: block them before any
  // thread starts so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  return mykey::terminal::Run(options);
}
