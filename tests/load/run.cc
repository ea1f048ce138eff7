// mykey-load run: N terminal threads, each with its own key, client and
// keep-alive connection, redeem (held, captured, voided, refunded) in a
// closed loop with idempotency keys, settle every unknown outcome as a real
// terminal does, and log every operation's outcome.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <latch>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "fault_proxy.h"
#include "load.h"
#include "mykey/crypto/rsa.h"
#include "mykey/http_client/curl_http_transport.h"
#include "mykey/json/json.h"
#include "mykey/protocol/card_auth.h"

namespace mykey::load {
namespace {

using namespace std::string_view_literals;
using Clock = std::chrono::steady_clock;
using cloud_client::CloudErrorCode;

/// A holder at the counter: the card's certificate and SIGN key.
struct Holder {
  std::string mykey_id;
  Bytes certificate;
  std::unique_ptr<crypto::RsaPrivateKey> key;
  std::mutex mu;  // one SIGN at a time, as one card
};

/// The operation log: one JSON line per operation outcome, shared by the terminals.
class OpsLog {
 public:
  explicit OpsLog(const std::string& path) : file_(std::fopen(path.c_str(), "a")) {}
  ~OpsLog() {
    if (file_ != nullptr) std::fclose(file_);
  }
  OpsLog(const OpsLog&) = delete;
  OpsLog& operator=(const OpsLog&) = delete;
  bool ok() const { return file_ != nullptr; }
  void Write(const json::OrderedJson& line) {
    const std::string text = json::Dump(line) + "\n";
    std::lock_guard lock(mu_);
    std::fwrite(text.data(), 1, text.size(), file_);
    std::fflush(file_);  // the log must survive whatever happens to this process later
  }

 private:
  std::FILE* file_;
  std::mutex mu_;
};

enum class Mix : uint8_t { kRedeem, kChaos };

struct RunConfig {
  std::string url;
  double seconds = 10;
  Mix mix = Mix::kChaos;
  double card_login = 0;
  int64_t amount_max = 100;
  std::chrono::seconds give_up{120};
  std::string run_id;
};

/// What one terminal counted.
struct TerminalStats {
  std::vector<double> latency_ms;  // acknowledged value-moving operations
  uint64_t acknowledged = 0;
  uint64_t acknowledged_in_time = 0;  // before the stop
  uint64_t redemptions_in_time = 0;
  uint64_t refused = 0;
  uint64_t unknown = 0;
  uint64_t recovered_by_lookup = 0;
  uint64_t replayed = 0;
  uint64_t card_logins = 0;
  std::map<std::string, uint64_t> errors;  // by kind, every failed attempt
};

bool Transient(CloudErrorCode code) {
  switch (code) {
    case CloudErrorCode::kOutcomeUnknown:
    case CloudErrorCode::kUnreachable:
    case CloudErrorCode::kCloudUnavailable:
    case CloudErrorCode::kCloudInternal:
    case CloudErrorCode::kTransport:
    case CloudErrorCode::kBadResponse: return true;
    default: return false;
  }
}

std::string KindOf(const Error& error) {
  std::string kind(cloud_client::CloudErrorCodeName(cloud_client::CloudErrorCodeOf(error)));
  const std::string& reason = cloud_client::LastCloudError().reason;
  if (!reason.empty()) kind += ":" + reason;
  return kind;
}

class Terminal {
 public:
  Terminal(size_t index, std::unique_ptr<http_client::CurlHttpTransport> transport,
           std::unique_ptr<cloud_client::CloudClient> client, std::vector<Holder>& holders,
           const LoadState& state, const RunConfig& config, OpsLog& log)
      : index_(index),
        transport_(std::move(transport)),
        client_(std::move(client)),
        holders_(holders),
        state_(state),
        config_(config),
        log_(log),
        random_(index * 7919 + 17) {}

  TerminalStats& stats() { return stats_; }

  /// Warms the connection (the connection test), then runs until `stop`.
  void Run(std::latch& ready, const std::atomic<bool>& stop,
           const std::atomic<Clock::rep>& stop_at) {
    (void)client_->ConnectionTest();
    ready.arrive_and_wait();
    stop_at_ = &stop_at;
    while (!stop.load(std::memory_order_relaxed)) Visit();
  }

 private:
  /// One customer at the counter: maybe a card login, then one operation
  /// (a hold is always settled by its capture or void before the next).
  void Visit() {
    Holder& holder = holders_[Pick(holders_.size())];
    if (config_.card_login > 0 && Chance(config_.card_login)) CardLogin(holder);
    const int64_t amount = 1 + static_cast<int64_t>(Pick(static_cast<size_t>(config_.amount_max)));
    if (config_.mix == Mix::kRedeem) {
      Redeem(holder, amount, false);
      return;
    }
    const double roll = Chance();
    if (roll < 0.45) {
      Redeem(holder, amount, false);
    } else if (roll < 0.65) {
      if (auto held = Redeem(holder, amount, true)) Settle(*held, true);
    } else if (roll < 0.80) {
      if (auto held = Redeem(holder, amount, true)) Settle(*held, false);
    } else if (!refundable_.empty()) {
      Refund();
    } else {
      Redeem(holder, amount, false);
    }
  }

  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(random_); }
  double Chance() { return std::uniform_real_distribution<double>(0, 1)(random_); }
  bool Chance(double p) { return Chance() < p; }

  std::string NewKey() {
    return "ld-" + config_.run_id + "-t" + std::to_string(index_) + "-" + std::to_string(++seq_);
  }

  void Backoff(int attempt) {
    const int ms = std::min(1000, 25 << std::min(attempt, 5));
    std::this_thread::sleep_for(
        std::chrono::milliseconds(ms / 2 + static_cast<int>(Pick(static_cast<size_t>(ms)))));
  }

  void CountError(const Error& error) { ++stats_.errors[KindOf(error)]; }

  /// The card proves the holder (challenge, SIGN, session), as at a real
  /// counter; a lost answer means a new challenge.
  void CardLogin(Holder& holder) {
    const auto deadline = Clock::now() + config_.give_up;
    for (int attempt = 0; Clock::now() < deadline; ++attempt) {
      auto challenge = client_->CreateChallenge();
      if (!challenge) {
        CountError(challenge.error());
        if (!Transient(cloud_client::CloudErrorCodeOf(challenge.error()))) return;
        Backoff(attempt);
        continue;
      }
      Result<Bytes> signature = Bytes();
      {
        std::lock_guard lock(holder.mu);
        signature = holder.key->SignDigestInfo(protocol::CardAuthDigestInfo(
            challenge->challenge, client_->terminal_id(), protocol::CardAuthPurpose::kLogin));
      }
      if (!signature) {
        ++stats_.errors["card_signature"];
        return;
      }
      auto session = client_->CreateCardSession(challenge->challenge_id, holder.certificate,
                                                *signature, protocol::CardAuthPurpose::kLogin);
      if (!session) {
        CountError(session.error());
        if (!Transient(cloud_client::CloudErrorCodeOf(session.error()))) return;
        Backoff(attempt);
        continue;
      }
      ++stats_.card_logins;
      if (session->mykey_id != holder.mykey_id) ++stats_.errors["session_mykey_id_mismatch"];
      return;
    }
  }

  json::OrderedJson Line(std::string_view op, const std::string& key, int64_t amount) {
    json::OrderedJson line = json::OrderedJson::object();
    line["t"] = index_;
    line["op"] = op;
    line["key"] = key;
    line["amount"] = amount;
    return line;
  }

  void Acknowledge(json::OrderedJson& line, Clock::time_point start, bool redemption,
                   bool replayed) {
    const auto now = Clock::now();
    const double ms = std::chrono::duration<double, std::milli>(now - start).count();
    line["outcome"] = "ok";
    line["ms"] = std::round(ms * 1000.0) / 1000.0;  // microsecond resolution
    log_.Write(line);
    stats_.latency_ms.push_back(ms);
    ++stats_.acknowledged;
    if (replayed) ++stats_.replayed;
    if (now.time_since_epoch().count() <= stop_at_->load(std::memory_order_relaxed)) {
      ++stats_.acknowledged_in_time;
      if (redemption) ++stats_.redemptions_in_time;
    }
  }

  void Refuse(json::OrderedJson& line, const Error& error) {
    line["outcome"] = "refused";
    line["reason"] = KindOf(error);
    log_.Write(line);
    ++stats_.refused;
  }

  void GiveUp(json::OrderedJson& line, const Error& error) {
    line["outcome"] = "unknown";
    line["reason"] = KindOf(error);
    log_.Write(line);
    ++stats_.unknown;
  }

  /// POST /v1/redemptions until the answer is known: on a lost answer the
  /// terminal asks GET /v1/operations/{key} first and re-sends the same
  /// request with the same key only if it did not happen.
  std::optional<cloud_client::Redemption> Redeem(Holder& holder, int64_t amount, bool hold) {
    const std::string key = NewKey();
    json::OrderedJson line = Line(hold ? "hold" : "redeem", key, amount);
    line["holder"] = holder.mykey_id;
    const cloud_client::RedeemRequest request{holder.mykey_id, state_.programme_id, amount, hold,
                                              key};
    const auto start = Clock::now();
    const auto deadline = start + config_.give_up;
    bool look_up_first = false;
    Error last(ErrorCode::kInternal, "not sent");
    for (int attempt = 0; Clock::now() < deadline; ++attempt) {
      Result<cloud_client::Redemption> done = Fail(last);
      if (look_up_first) {
        done = client_->RecoverRedemption(key);
        if (done) {
          ++stats_.recovered_by_lookup;
        } else if (cloud_client::CloudErrorCodeOf(done.error()) == CloudErrorCode::kNotFound) {
          look_up_first = false;  // it did not happen: the same request again
          done = client_->Redeem(request);
        }
      } else {
        done = client_->Redeem(request);
      }
      if (done) {
        line["redemption_id"] = done->redemption_id;
        line["state"] = done->state;
        Acknowledge(line, start, true, done->replayed);
        return std::move(*done);
      }
      last = done.error();
      CountError(last);
      const CloudErrorCode code = cloud_client::CloudErrorCodeOf(last);
      if (!Transient(code)) {
        Refuse(line, last);
        return std::nullopt;
      }
      if (code == CloudErrorCode::kOutcomeUnknown) look_up_first = true;
      Backoff(attempt);
    }
    GiveUp(line, last);
    return std::nullopt;
  }

  /// Capture or void of a hold, repeated with the same key until answered.
  void Settle(const cloud_client::Redemption& held, bool capture) {
    const std::string key = NewKey();
    json::OrderedJson line = Line(capture ? "capture" : "void", key, held.amount);
    line["holder"] = held.mykey_id;
    line["redemption_id"] = held.redemption_id;
    const auto start = Clock::now();
    const auto deadline = start + config_.give_up;
    Error last(ErrorCode::kInternal, "not sent");
    for (int attempt = 0; Clock::now() < deadline; ++attempt) {
      auto done = capture ? client_->Capture(held.redemption_id, key)
                          : client_->Void(held.redemption_id, key);
      if (done) {
        line["state"] = done->state;
        Acknowledge(line, start, false, done->replayed);
        if (capture) refundable_.push_back({held.redemption_id, held.amount, held.mykey_id});
        return;
      }
      last = done.error();
      CountError(last);
      if (!Transient(cloud_client::CloudErrorCodeOf(last))) {
        Refuse(line, last);
        return;
      }
      Backoff(attempt);
    }
    GiveUp(line, last);
  }

  /// A partial refund of one of this terminal's captured redemptions.
  void Refund() {
    const size_t which = Pick(refundable_.size());
    Refundable& target = refundable_[which];
    const int64_t amount = 1 + static_cast<int64_t>(Pick(static_cast<size_t>(target.left)));
    const std::string key = NewKey();
    json::OrderedJson line = Line("refund", key, amount);
    line["holder"] = target.mykey_id;
    line["redemption_id"] = target.redemption_id;
    const auto start = Clock::now();
    const auto deadline = start + config_.give_up;
    Error last(ErrorCode::kInternal, "not sent");
    for (int attempt = 0; Clock::now() < deadline; ++attempt) {
      auto done = client_->MakeRefund(target.redemption_id, amount, key);
      if (done) {
        Acknowledge(line, start, false, done->replayed);
        target.left -= amount;
        if (target.left <= 0) refundable_.erase(refundable_.begin() + static_cast<long>(which));
        return;
      }
      last = done.error();
      CountError(last);
      if (!Transient(cloud_client::CloudErrorCodeOf(last))) {
        Refuse(line, last);
        return;
      }
      Backoff(attempt);
    }
    GiveUp(line, last);
  }

  struct Refundable {
    int64_t redemption_id;
    int64_t left;
    std::string mykey_id;
  };

  size_t index_;
  std::unique_ptr<http_client::CurlHttpTransport> transport_;
  std::unique_ptr<cloud_client::CloudClient> client_;
  std::vector<Holder>& holders_;
  const LoadState& state_;
  const RunConfig& config_;
  OpsLog& log_;
  std::mt19937_64 random_;
  uint64_t seq_ = 0;
  std::vector<Refundable> refundable_;
  TerminalStats stats_;
  const std::atomic<Clock::rep>* stop_at_ = nullptr;
};

Result<Bytes> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kNotFound, "cannot read a state file");
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t at =
      std::min(sorted.size() - 1, static_cast<size_t>(p * static_cast<double>(sorted.size())));
  return sorted[at];
}

uint16_t PortOf(const std::string& url) {
  const size_t colon = url.rfind(':');
  if (colon == std::string::npos) return 0;
  return static_cast<uint16_t>(std::atoi(url.c_str() + colon + 1));
}

}  // namespace

int RunCommand(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  Flags flags;
  constexpr std::string_view kValues[] = {
      "--url"sv,           "--state"sv,      "--terminals"sv,    "--seconds"sv, "--mix"sv,
      "--ops-log"sv,       "--card-login"sv, "--amount-max"sv,   "--give-up"sv, "--drop-request"sv,
      "--drop-response"sv, "--delay"sv,      "--max-delay-ms"sv, "--seed"sv,    "--run-id"sv};
  if (!flags.Parse(args, kValues, {}, err)) return kExitUsage;
  RunConfig config;
  double terminals = 10;
  double amount_max = 100;
  double give_up = 120;
  FaultOptions faults;
  double seed = 1;
  double max_delay = 500;
  if (!flags.Number("--terminals", 1, 100000, terminals, err) ||
      !flags.Number("--seconds", 0.1, 1e6, config.seconds, err) ||
      !flags.Number("--card-login", 0, 1, config.card_login, err) ||
      !flags.Number("--amount-max", 1, 1e9, amount_max, err) ||
      !flags.Number("--give-up", 1, 1e5, give_up, err) ||
      !flags.Number("--drop-request", 0, 1, faults.drop_request, err) ||
      !flags.Number("--drop-response", 0, 1, faults.drop_response, err) ||
      !flags.Number("--delay", 0, 1, faults.delay, err) ||
      !flags.Number("--max-delay-ms", 1, 60000, max_delay, err) ||
      !flags.Number("--seed", 0, 1e15, seed, err)) {
    return kExitUsage;
  }
  config.url = flags.Value("--url");
  config.amount_max = static_cast<int64_t>(amount_max);
  config.give_up = std::chrono::seconds(static_cast<int64_t>(give_up));
  const std::string mix = flags.Value("--mix", "chaos");
  if (mix != "chaos" && mix != "redeem") {
    err << "mykey-load: --mix must be chaos or redeem\n";
    return kExitUsage;
  }
  config.mix = mix == "redeem" ? Mix::kRedeem : Mix::kChaos;
  if (config.url.empty() || !flags.Has("--state")) {
    err << "usage: mykey-load run --url URL --state DIR [--terminals N] [--seconds S]\n"
           "       [--mix chaos|redeem] [--ops-log FILE] [--card-login P] [--amount-max A]\n"
           "       [--drop-request P] [--drop-response P] [--delay P] [--max-delay-ms MS]\n"
           "       [--seed S] [--give-up S] [--run-id ID]\n";
    return kExitUsage;
  }
  auto state = ReadState(flags.Value("--state"));
  if (!state) {
    err << "mykey-load: state: " << state.error().ToString() << "\n";
    return kExitFailure;
  }
  if (state->terminals.size() < static_cast<size_t>(terminals)) {
    err << "mykey-load: only " << state->terminals.size() << " terminals enrolled\n";
    return kExitFailure;
  }
  config.run_id = flags.Value("--run-id");
  if (config.run_id.empty()) {
    config.run_id = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
  }

  std::vector<Holder> holders(state->holders.size());
  for (size_t i = 0; i < holders.size(); ++i) {
    const HolderRecord& record = state->holders[i];
    auto certificate = ReadFile(state->Path(record.certificate_file));
    auto key_der = ReadFile(state->Path(record.key_file));
    if (!certificate || !key_der || record.mykey_id.empty()) {
      err << "mykey-load: holder " << i << " is not set up (run enrol)\n";
      return kExitFailure;
    }
    auto key = crypto::RsaPrivateKey::FromDer(*key_der);
    if (!key) return kExitFailure;
    holders[i].mykey_id = record.mykey_id;
    holders[i].certificate = std::move(*certificate);
    holders[i].key = std::make_unique<crypto::RsaPrivateKey>(std::move(*key));
  }

  // The fault proxy between the terminals and the cloud, when asked for.
  std::unique_ptr<FaultProxy> proxy;
  std::string target = config.url;
  if (faults.drop_request > 0 || faults.drop_response > 0 || faults.delay > 0) {
    faults.upstream_port = PortOf(config.url);
    faults.seed = static_cast<uint64_t>(seed);
    faults.max_delay_ms = static_cast<uint32_t>(max_delay);
    auto started = FaultProxy::Start(faults);
    if (!started) {
      err << "mykey-load: proxy: " << started.error().ToString() << "\n";
      return kExitFailure;
    }
    proxy = std::move(*started);
    target = "http://127.0.0.1:" + std::to_string(proxy->port());
  }

  OpsLog log(flags.Value("--ops-log", state->Path("ops.jsonl")));
  if (!log.ok()) {
    err << "mykey-load: cannot open the operation log\n";
    return kExitFailure;
  }
  std::vector<std::unique_ptr<Terminal>> fleet;
  for (size_t i = 0; i < static_cast<size_t>(terminals); ++i) {
    http_client::CurlHttpOptions http;
    http.connect_timeout = std::chrono::milliseconds(2000);
    http.total_timeout = std::chrono::milliseconds(10000);
    http.max_idle_handles = 1;
    auto transport = http_client::CurlHttpTransport::Create(http);
    if (!transport) return kExitFailure;
    auto client = TerminalClient(*state, i, **transport, target, 3);
    if (!client) {
      err << "mykey-load: terminal " << i << ": " << client.error().ToString() << "\n";
      return kExitFailure;
    }
    fleet.push_back(std::make_unique<Terminal>(i, std::move(*transport), std::move(*client),
                                               holders, *state, config, log));
  }

  std::latch ready(static_cast<std::ptrdiff_t>(fleet.size()) + 1);
  std::atomic<bool> stop{false};
  std::atomic<Clock::rep> stop_at{Clock::time_point::max().time_since_epoch().count()};
  std::vector<std::thread> threads;
  threads.reserve(fleet.size());
  for (auto& terminal : fleet) {
    threads.emplace_back([&, t = terminal.get()] { t->Run(ready, stop, stop_at); });
  }
  ready.arrive_and_wait();
  const auto start = Clock::now();
  const Clock::time_point end = start + std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(config.seconds));
  stop_at.store(end.time_since_epoch().count());
  std::this_thread::sleep_until(end);
  stop.store(true);
  for (std::thread& thread : threads) thread.join();
  const double drained = std::chrono::duration<double>(Clock::now() - end).count();

  TerminalStats all;
  for (auto& terminal : fleet) {
    TerminalStats& s = terminal->stats();
    all.latency_ms.insert(all.latency_ms.end(), s.latency_ms.begin(), s.latency_ms.end());
    all.acknowledged += s.acknowledged;
    all.acknowledged_in_time += s.acknowledged_in_time;
    all.redemptions_in_time += s.redemptions_in_time;
    all.refused += s.refused;
    all.unknown += s.unknown;
    all.recovered_by_lookup += s.recovered_by_lookup;
    all.replayed += s.replayed;
    all.card_logins += s.card_logins;
    for (const auto& [kind, count] : s.errors) all.errors[kind] += count;
  }
  std::sort(all.latency_ms.begin(), all.latency_ms.end());
  const double ops_per_s = static_cast<double>(all.acknowledged_in_time) / config.seconds;
  const double redemptions_per_s = static_cast<double>(all.redemptions_in_time) / config.seconds;
  char line[512];
  std::snprintf(
      line, sizeof line,
      "%zu terminals, %.1f s (+%.1f s to settle the last operations), mix %s\n"
      "acknowledged %llu operations (%.1f/s; redemptions and holds %.1f/s), "
      "%llu refused, %llu unknown, %llu replayed answers, %llu recovered by "
      "operation lookup, %llu card logins\n"
      "latency ms: p50 %.2f  p99 %.2f  max %.2f\n",
      fleet.size(), config.seconds, drained, mix.c_str(),
      static_cast<unsigned long long>(all.acknowledged), ops_per_s, redemptions_per_s,
      static_cast<unsigned long long>(all.refused), static_cast<unsigned long long>(all.unknown),
      static_cast<unsigned long long>(all.replayed),
      static_cast<unsigned long long>(all.recovered_by_lookup),
      static_cast<unsigned long long>(all.card_logins), Percentile(all.latency_ms, 0.50),
      Percentile(all.latency_ms, 0.99), all.latency_ms.empty() ? 0.0 : all.latency_ms.back());
  out << line;
  out << "errors by kind (every failed attempt):";
  if (all.errors.empty()) out << " none";
  for (const auto& [kind, count] : all.errors) out << " " << kind << "=" << count;
  out << "\n";
  if (proxy) {
    const FaultCounts c = proxy->counts();
    out << "proxy: " << c.connections << " connections, " << c.requests << " requests, "
        << c.dropped_requests << " dropped before the cloud, " << c.dropped_responses
        << " answers dropped, " << c.delayed << " delayed, " << c.upstream_refused
        << " connections refused by the cloud\n";
  }
  std::snprintf(line, sizeof line,
                "RESULT terminals=%zu redemptions_per_s=%.1f ops_per_s=%.1f p50_ms=%.2f "
                "p99_ms=%.2f max_ms=%.2f unknown=%llu\n",
                fleet.size(), redemptions_per_s, ops_per_s, Percentile(all.latency_ms, 0.50),
                Percentile(all.latency_ms, 0.99),
                all.latency_ms.empty() ? 0.0 : all.latency_ms.back(),
                static_cast<unsigned long long>(all.unknown));
  out << line << std::flush;
  return kExitOk;
}

int ProxyCommand(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  Flags flags;
  constexpr std::string_view kValues[] = {
      "--port"sv,  "--upstream-port"sv, "--drop-request"sv, "--drop-response"sv,
      "--delay"sv, "--max-delay-ms"sv,  "--seed"sv,         "--seconds"sv};
  if (!flags.Parse(args, kValues, {}, err)) return kExitUsage;
  FaultOptions faults;
  double port = 0, upstream = 0, max_delay = 500, seed = 1, seconds = 1e9;
  if (!flags.Number("--port", 0, 65535, port, err) ||
      !flags.Number("--upstream-port", 1, 65535, upstream, err) ||
      !flags.Number("--drop-request", 0, 1, faults.drop_request, err) ||
      !flags.Number("--drop-response", 0, 1, faults.drop_response, err) ||
      !flags.Number("--delay", 0, 1, faults.delay, err) ||
      !flags.Number("--max-delay-ms", 1, 60000, max_delay, err) ||
      !flags.Number("--seed", 0, 1e15, seed, err) ||
      !flags.Number("--seconds", 0.1, 1e9, seconds, err) || !flags.Has("--upstream-port")) {
    err << "usage: mykey-load proxy --upstream-port N [--port N] [--drop-request P]\n"
           "       [--drop-response P] [--delay P] [--max-delay-ms MS] [--seed S] [--seconds S]\n";
    return kExitUsage;
  }
  faults.listen_port = static_cast<uint16_t>(port);
  faults.upstream_port = static_cast<uint16_t>(upstream);
  faults.max_delay_ms = static_cast<uint32_t>(max_delay);
  faults.seed = static_cast<uint64_t>(seed);
  auto proxy = FaultProxy::Start(faults);
  if (!proxy) {
    err << "mykey-load: proxy: " << proxy.error().ToString() << "\n";
    return kExitFailure;
  }
  out << "listening on 127.0.0.1:" << (*proxy)->port() << std::endl;
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const FaultCounts c = (*proxy)->counts();
  out << "proxy: " << c.connections << " connections, " << c.requests << " requests, "
      << c.dropped_requests << " dropped, " << c.dropped_responses << " answers dropped, "
      << c.delayed << " delayed\n";
  return kExitOk;
}

}  // namespace mykey::load
