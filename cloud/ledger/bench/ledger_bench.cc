// Redemptions per second on a durable store at 1, 10 and 100 concurrent
// threads: service-level (no HTTP), then over HTTP (CloudApi + HttpServer on
// loopback, one keep-alive connection per thread). SQLite (WAL,
// synchronous=FULL, commit groups of up to --group transactions; --group 1
// commits each alone) or PostgreSQL (a fresh database on the test server of
// mykey::store_testing: MYKEY_POSTGRES_CONNECTION, see
// tests/system/postgres_fixture.sh; fsync on). Prints figures; asserts nothing.
//
//   mykey_ledger_bench [--seconds N] [--no-http] [--dir DIR] [--backend sqlite|postgres]
//                      [--group N] [--threads 1,10,100]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "mykey/api/cloud_api.h"
#include "mykey/cloud_testing/temp_dir.h"
#include "mykey/http_server/http_server.h"
#include "mykey/http_testing/raw_http_client.h"
#include "mykey/ledger/ledger_routes.h"
#include "mykey/ledger/ledger_schema.h"
#include "mykey/ledger/ledger_service.h"
#include "mykey/registry/mykey_id.h"
#include "mykey/sqlite_store/sqlite_store.h"
#include "mykey/store/migrations.h"
#include "mykey/store_testing/scratch_store.h"

namespace mykey::cloud {
namespace {

using Clock = std::chrono::steady_clock;

/// The bench's caller: "Authorization: Bench <n>" is terminal n of shop 1.
class BenchAuthenticator final : public RequestAuthenticator {
  Result<Caller> DoAuthenticate(const http::HttpRequest& request) override {
    Caller c;
    c.kind = CallerKind::kTerminal;
    c.terminal_id = std::string(request.headers.Get("Authorization").value_or("Bench 0").substr(6));
    c.site_id = "1";
    return c;
  }
};

struct Figures {
  int64_t done = 0;
  int64_t failed = 0;
  double seconds = 0;
  double p50_ms = 0;
  double p99_ms = 0;
};

void Print(const char* mode, int threads, const Figures& f) {
  std::printf(
      "%-8s threads=%-4d redemptions=%-7lld failed=%-4lld %8.0f/s  p50=%.2f ms  p99=%.2f ms\n",
      mode, threads, static_cast<long long>(f.done), static_cast<long long>(f.failed),
      static_cast<double>(f.done) / f.seconds, f.p50_ms, f.p99_ms);
  std::fflush(stdout);
}

// A valid MyKey ID per holder number: 'H' and 7 symbols of the ID alphabet.
std::string HolderId(int64_t n) {
  std::string id = "H";
  for (int k = 0; k < 7; ++k) {
    id.push_back(kMyKeyIdAlphabet[static_cast<size_t>(n % 31)]);
    n /= 31;
  }
  return id;
}

std::string HolderOf(int t, int64_t i, int holders) {
  return HolderId((t * 7919 + i) % holders);
}

struct Setup {
  std::unique_ptr<SqliteStore> sqlite;
  std::unique_ptr<testing::ScratchStore> postgres;
  Store* store = nullptr;
  std::unique_ptr<LedgerService> ledger;
  int holders = 0;
};

struct BenchOptions {
  double seconds = 3;
  bool http = true;
  std::string dir;
  bool postgres = false;
  unsigned group = 64;
  std::vector<int> threads = {1, 10, 100};
};

Result<Setup> Open(const BenchOptions& bench, const std::string& path, int holders) {
  Setup s;
  if (bench.postgres) {
    // One connection per thread, as pgbench has one per client.
    const int most = *std::max_element(bench.threads.begin(), bench.threads.end());
    MYKEY_ASSIGN_OR_RETURN(s.postgres, testing::MakePostgresStore(static_cast<unsigned>(most) + 2));
    s.store = &s.postgres->store();
  } else {
    SqliteStoreOptions options;
    options.path = path;
    options.connections = 8;
    options.max_group_transactions = bench.group;
    MYKEY_ASSIGN_OR_RETURN(s.sqlite, SqliteStore::Open(options));
    s.store = s.sqlite.get();
  }
  MYKEY_TRY(Migrate(*s.store, CloudMigrations()));
  MYKEY_TRY(Migrate(*s.store, kLedgerSchema, LedgerMigrations()));
  const auto parties = [](Transaction& tx) -> Status {
    MYKEY_TRY(tx.Execute(
        "INSERT INTO municipalities (code, name, created_at_ms) VALUES ('131016', 'Chiyoda', 0)"));
    MYKEY_TRY(
        tx.Execute("INSERT INTO programmes (id, municipality_code, code, name, kind,"
                   " created_at_ms) VALUES (1, '131016', 'health', 'Health', 'points', 0)"));
    MYKEY_TRY(
        tx.Execute("INSERT INTO merchants (id, municipality_code, name, kind, created_at_ms)"
                   " VALUES (1, '131016', 'Shop', 'shop', 0)"));
    MYKEY_TRY(tx.Execute("INSERT INTO merchant_programmes VALUES (1, 1)"));
    return Ok();
  };
  MYKEY_TRY(s.store->WithTransaction(TransactionMode::kReadWrite, parties));
  s.ledger = std::make_unique<LedgerService>(*s.store);
  Caller admin;
  admin.kind = CallerKind::kOperator;
  admin.scope = OperatorScope::kAdmin;
  const int64_t expiry = s.ledger->NowMs() + int64_t{365} * 86'400'000;
  // Each holder gets three lots, so a redemption touches one or two of them.
  for (int h = 0; h < holders; ++h) {
    const std::string id = HolderId(h);
    for (int lot = 0; lot < 3; ++lot) {
      GrantRequest grant{"seed-" + std::to_string(h) + "-" + std::to_string(lot),
                         id,
                         1,
                         1'000'000,
                         expiry + lot * 86'400'000,
                         "Bench",
                         "seed"};
      MYKEY_TRY(s.ledger->Grant(admin, grant));
    }
  }
  s.holders = holders;
  return s;
}

void Percentiles(std::vector<double>& latencies, Figures& f) {
  if (latencies.empty()) return;
  std::sort(latencies.begin(), latencies.end());
  f.p50_ms = latencies[latencies.size() / 2];
  f.p99_ms = latencies[std::min(latencies.size() - 1, latencies.size() * 99 / 100)];
}

template <typename Op>
Figures Drive(int threads, double seconds, Op op) {
  std::atomic<bool> stop{false};
  std::atomic<int64_t> done{0}, failed{0};
  std::vector<std::vector<double>> latencies(static_cast<size_t>(threads));
  std::vector<std::thread> workers;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto state = op.Prepare(t);
      for (int64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        const auto begin = Clock::now();
        const bool ok = op.Run(state, t, i);
        const auto end = Clock::now();
        latencies[static_cast<size_t>(t)].push_back(
            std::chrono::duration<double, std::milli>(end - begin).count());
        (ok ? done : failed).fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (std::thread& worker : workers) worker.join();
  Figures f;
  f.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  f.done = done;
  f.failed = failed;
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  Percentiles(all, f);
  return f;
}

struct ServiceOp {
  LedgerService& ledger;
  int holders;
  int round;
  struct State {
    Caller terminal;
  };
  State Prepare(int t) const {
    State s;
    s.terminal.kind = CallerKind::kTerminal;
    s.terminal.terminal_id = "svc" + std::to_string(round) + "-" + std::to_string(t);
    s.terminal.site_id = "1";
    return s;
  }
  bool Run(State& s, int t, int64_t i) const {
    RedemptionRequest request{"r" + std::to_string(i), HolderOf(t, i, holders), 1, 3, false};
    return static_cast<bool>(ledger.Redeem(s.terminal, request));
  }
};

struct HttpOp {
  uint16_t port;
  int holders;
  int round;
  struct State {
    std::optional<http::testing::RawHttpClient> client;
    std::string who;
  };
  State Prepare(int t) const {
    State s;
    auto client = http::testing::RawHttpClient::Connect(port);
    if (client) s.client.emplace(std::move(*client));
    s.who = "Bench http" + std::to_string(round) + "-" + std::to_string(t);
    return s;
  }
  bool Run(State& s, int t, int64_t i) const {
    if (!s.client) return false;
    const std::string body =
        R"({"mykey_id":")" + HolderOf(t, i, holders) + R"(","programme_id":1,"amount":3})";
    auto response = s.client->RoundTrip("POST", "/v1/redemptions", body,
                                        {{"Authorization", s.who},
                                         {"Content-Type", "application/json"},
                                         {"Idempotency-Key", "r" + std::to_string(i)}});
    return response && response->status == 201;
  }
};

bool ParseThreads(const char* text, std::vector<int>& out) {
  out.clear();
  std::string list = text;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    const int n = std::atoi(list.substr(start, comma - start).c_str());
    if (n <= 0) return false;
    out.push_back(n);
    start = comma + 1;
  }
  return !out.empty();
}

int Main(int argc, char** argv) {
  BenchOptions bench;
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (std::strcmp(argv[i], "--seconds") == 0 && has_value) {
      bench.seconds = std::atof(argv[++i]);
    } else if (std::strcmp(argv[i], "--no-http") == 0) {
      bench.http = false;
    } else if (std::strcmp(argv[i], "--dir") == 0 && has_value) {
      bench.dir = argv[++i];
    } else if (std::strcmp(argv[i], "--backend") == 0 && has_value &&
               (std::strcmp(argv[i + 1], "sqlite") == 0 ||
                std::strcmp(argv[i + 1], "postgres") == 0)) {
      bench.postgres = std::strcmp(argv[++i], "postgres") == 0;
    } else if (std::strcmp(argv[i], "--group") == 0 && has_value && std::atoi(argv[i + 1]) > 0) {
      bench.group = static_cast<unsigned>(std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--threads") == 0 && has_value &&
               ParseThreads(argv[i + 1], bench.threads)) {
      ++i;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--seconds N] [--no-http] [--dir DIR] [--backend sqlite|postgres]"
                   " [--group N] [--threads 1,10,100]\n",
                   argv[0]);
      return 2;
    }
  }
  const double seconds = bench.seconds;
  testing::TempDir temp;
  const std::string dir = bench.dir.empty() ? temp.path() : bench.dir;
  constexpr int kHolders = 1000;
  auto setup = Open(bench, dir + "/ledger-bench.db", kHolders);
  if (!setup) {
    std::fprintf(stderr, "setup failed: %s\n", setup.error().ToString().c_str());
    return 1;
  }
  if (bench.postgres) {
    std::printf("PostgreSQL %s (fsync on, SERIALIZABLE), %d holders x 3 lots, %.0f s per run\n",
                setup->postgres->where().c_str(), kHolders, seconds);
  } else {
    std::printf(
        "SQLite WAL synchronous=FULL, commit groups of up to %u, %d holders x 3 lots, %.0f s per"
        " run, store %s\n",
        bench.group, kHolders, seconds, dir.c_str());
  }
  const std::vector<int>& counts = bench.threads;
  int round = 0;
  for (int threads : counts) {
    Print("service", threads,
          Drive(threads, seconds, ServiceOp{*setup->ledger, kHolders, round++}));
  }
  if (bench.http) {
    BenchAuthenticator authenticator;
    RequestLog log{[](std::string_view) {}};
    CloudApi api(*setup->store, log);
    if (!RegisterLedgerRoutes(api.router(), *setup->ledger, authenticator, &api.metrics())) {
      return 1;
    }
    http::HttpServerOptions options;
    options.threads = 8;
    auto server = http::HttpServer::Start(api, options);
    if (!server) {
      std::fprintf(stderr, "server failed: %s\n", server.error().ToString().c_str());
      return 1;
    }
    for (int threads : counts) {
      Print("http", threads, Drive(threads, seconds, HttpOp{(*server)->port(), kHolders, round++}));
    }
  }
  auto report = setup->ledger->Reconcile();
  if (!report) return 1;
  std::printf("reconcile: %s, %lld transfers, %lld postings, spent %lld\n",
              report->ok() ? "ok" : "PROBLEMS", static_cast<long long>(report->transfers),
              static_cast<long long>(report->postings), static_cast<long long>(report->spent));
  const StoreStats stats = setup->store->stats();
  std::printf("store: %llu commits, %llu retries, %llu errors\n",
              static_cast<unsigned long long>(stats.commits),
              static_cast<unsigned long long>(stats.retries),
              static_cast<unsigned long long>(stats.errors));
  return report->ok() ? 0 : 1;
}

}  // namespace
}  // namespace mykey::cloud

int main(int argc, char** argv) {
  return mykey::cloud::Main(argc, argv);
}
