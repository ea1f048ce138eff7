// mykey_store_bench: durable single-row write transactions per second on each
// store backend, at several thread counts. Prints figures; asserts nothing.
//
//   mykey_store_bench [--seconds N] [--threads 1,10,100] [--backend sqlite|postgres|both]
//
// Each transaction inserts an event row and adds its amount to one of 10,000
// accounts (random), at SERIALIZABLE on PostgreSQL and BEGIN IMMEDIATE on
// SQLite, committed durably (fsync on / synchronous=FULL). PostgreSQL is the
// test server of mykey::store_testing (MYKEY_POSTGRES_CONNECTION, written by
// tests/system/postgres_fixture.sh, or MYKEY_POSTGRES_HOST/_PORT/_USER); each
// run uses a fresh database. cloud/store/postgres/bench/run_bench.sh starts a
// throwaway server and prints pgbench's tpcb-like figures beside these.
#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "mykey/store/store.h"
#include "mykey/store_testing/scratch_store.h"

namespace {

using mykey::Ok;
using mykey::Status;
using mykey::cloud::Row;
using mykey::cloud::Store;
using mykey::cloud::Transaction;
using mykey::cloud::TransactionMode;
using mykey::cloud::testing::ScratchStore;
using Clock = std::chrono::steady_clock;

constexpr int kAccounts = 10000;

struct Options {
  int seconds = 3;
  std::vector<int> threads = {1, 10, 100};
  bool sqlite = true;
  bool postgres = true;
};

bool ParseInt(std::string_view text, int& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out > 0;
}

bool ParseOptions(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--seconds" && has_value) {
      if (!ParseInt(argv[++i], options.seconds)) return false;
    } else if (arg == "--threads" && has_value) {
      options.threads.clear();
      std::string_view list = argv[++i];
      while (!list.empty()) {
        const size_t comma = list.find(',');
        int n = 0;
        if (!ParseInt(list.substr(0, comma), n)) return false;
        options.threads.push_back(n);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      }
    } else if (arg == "--backend" && has_value) {
      const std::string_view backend = argv[++i];
      options.sqlite = backend == "sqlite" || backend == "both";
      options.postgres = backend == "postgres" || backend == "both";
      if (!options.sqlite && !options.postgres) return false;
    } else {
      return false;
    }
  }
  return !options.threads.empty();
}

Status Prepare(Store& store) {
  return store.WithTransaction(TransactionMode::kReadWrite, [](Transaction& tx) -> Status {
    MYKEY_TRY(
        tx.ExecuteScript("CREATE TABLE bench_accounts (id {{int}} PRIMARY KEY,"
                         " balance {{int}} NOT NULL){{strict}};"
                         "CREATE TABLE bench_events (id {{id}}, account_id {{int}} NOT NULL,"
                         " amount {{int}} NOT NULL, at_ms {{int}} NOT NULL){{strict}}"));
    for (int id = 1; id <= kAccounts; ++id) {
      MYKEY_TRY(tx.Execute("INSERT INTO bench_accounts (id, balance) VALUES ($1, 0)", {id}));
    }
    return Ok();
  });
}

struct Figures {
  uint64_t transactions = 0;
  uint64_t failures = 0;
  double seconds = 0;
  double p50_ms = 0;
  double p99_ms = 0;
};

Figures Run(Store& store, int threads, int seconds) {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> failures{0};
  std::vector<std::vector<double>> latencies(static_cast<size_t>(threads));
  std::vector<std::thread> workers;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::minstd_rand random(static_cast<unsigned>(t) * 7919U + 1U);
      std::uniform_int_distribution<int> account(1, kAccounts);
      auto& mine = latencies[static_cast<size_t>(t)];
      while (!stop.load(std::memory_order_relaxed)) {
        const int id = account(random);
        const auto begin = Clock::now();
        const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
        const Status s =
            store.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
              MYKEY_TRY(tx.Execute(
                  "INSERT INTO bench_events (account_id, amount, at_ms) VALUES ($1, $2, $3)",
                  {id, 5, now_ms}));
              MYKEY_TRY(tx.Execute("UPDATE bench_accounts SET balance = balance + $2 WHERE id = $1",
                                   {id, 5}));
              return Ok();
            });
        if (!s) {
          failures.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - begin).count());
      }
    });
  }
  // The bench's own clock: the run lasts `seconds`.
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& worker : workers) worker.join();
  Figures figures;
  figures.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& mine : latencies) all.insert(all.end(), mine.begin(), mine.end());
  std::sort(all.begin(), all.end());
  figures.transactions = all.size();
  figures.failures = failures;
  if (!all.empty()) {
    figures.p50_ms = all[all.size() / 2];
    figures.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  }
  return figures;
}

int Bench(std::string_view backend, const Options& options) {
  for (int threads : options.threads) {
    const auto connections = static_cast<unsigned>(threads);
    auto scratch = backend == "sqlite" ? mykey::cloud::testing::MakeSqliteStore(connections)
                                       : mykey::cloud::testing::MakePostgresStore(connections);
    if (!scratch) {
      std::fprintf(stderr, "%s: %s\n", std::string(backend).c_str(),
                   scratch.error().ToString().c_str());
      return 1;
    }
    Store& store = (*scratch)->store();
    if (const Status s = Prepare(store); !s) {
      std::fprintf(stderr, "prepare: %s\n", s.error().ToString().c_str());
      return 1;
    }
    const auto before = store.stats();
    const Figures f = Run(store, threads, options.seconds);
    const auto after = store.stats();
    std::printf("%-8s %7d %10.0f %9.2f %9.2f %10llu %8llu\n", std::string(backend).c_str(), threads,
                static_cast<double>(f.transactions) / f.seconds, f.p50_ms, f.p99_ms,
                static_cast<unsigned long long>(after.retries - before.retries),
                static_cast<unsigned long long>(f.failures));
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!ParseOptions(argc, argv, options)) {
    std::fprintf(stderr,
                 "usage: mykey_store_bench [--seconds N] [--threads 1,10,100]"
                 " [--backend sqlite|postgres|both]\n");
    return 2;
  }
  std::printf("single-row INSERT+UPDATE transactions, durable commits, %d s per run\n",
              options.seconds);
  std::printf("%-8s %7s %10s %9s %9s %10s %8s\n", "backend", "threads", "tx/s", "p50 ms", "p99 ms",
              "retries", "failed");
  if (options.sqlite && Bench("sqlite", options) != 0) return 1;
  if (options.postgres && Bench("postgres", options) != 0) return 1;
  return 0;
}
