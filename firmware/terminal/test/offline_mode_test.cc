// Offline mode in the terminal over a real journal (SQLite in a temporary
// directory), a card of a test JPKI and a scripted ledger.
#include "mykey/terminal/offline_mode.h"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gated_executor.h"

#include "mykey/crypto/rsa.h"
#include "mykey/crypto/sha256.h"
#include "mykey/protocol/card_auth.h"
#include "mykey/revocation/revocation_cache.h"
#include "mykey/testing/catch.h"
#include "mykey/testing/temp_dir.h"
#include "mykey/testjpki/test_pki.h"

namespace mykey::terminal {
namespace {

using namespace std::chrono_literals;
using journal::ForwardOutcome;

constexpr std::string_view kTerminal = "t-offline-1";

const testjpki::TestPki& Pki() {
  static testjpki::TestPki pki = std::move(*testjpki::TestPki::Create("terminal-offline"));
  return pki;
}

/// A fresh revocation set with nothing in it.
class EmptyFeed final : public revocation::RevocationFeed {
 public:
  Result<cloud_client::RevocationFeedPage> Page(int64_t, int) override {
    cloud_client::RevocationFeedPage page;
    page.next = 1;
    return page;
  }
};

/// A ledger that is down until told otherwise, then applies everything once.
class SwitchableLedger final : public journal::LedgerUplink {
 public:
  ForwardOutcome Redeem(const journal::ForwardRequest& request) override {
    std::lock_guard lock(mu);
    ForwardOutcome outcome;
    if (!up) {
      outcome.kind = ForwardOutcome::Kind::kUnavailable;
      outcome.reason = "cloud_unreachable";
      return outcome;
    }
    applied.push_back(request.idempotency_key);
    outcome.kind = ForwardOutcome::Kind::kApplied;
    outcome.redemption_id = static_cast<int64_t>(applied.size());
    outcome.balance = 1000;
    return outcome;
  }
  ForwardOutcome Recover(std::string_view) override {
    ForwardOutcome outcome;
    outcome.kind = ForwardOutcome::Kind::kNotApplied;
    return outcome;
  }
  std::mutex mu;
  bool up = false;
  std::vector<std::string> applied;
};

struct OfflineRig {
  mykey::testing::TempDir dir{"mykey-terminal-offline"};
  EmptyFeed feed;
  std::unique_ptr<revocation::RevocationCache> cache;
  std::unique_ptr<journal::Journal> journal;
  std::unique_ptr<JournalOfflineAuthorizer> authorizer;
  Bytes certificate;
  std::unique_ptr<crypto::RsaPrivateKey> card_key;

  explicit OfflineRig(std::chrono::milliseconds backoff = 1ms) {
    revocation::RevocationCacheOptions cache_options;
    cache_options.path = dir.File("revocations.bin");
    cache = std::move(*revocation::RevocationCache::Open(feed, cache_options));
    REQUIRE(cache->Sync());
    journal::JournalOptions options;
    options.path = dir.File("journal.db");
    options.terminal_id = std::string(kTerminal);
    options.backoff_base = backoff;
    options.backoff_max = backoff;
    auto opened =
        journal::Journal::Open(options, Pki().CaCertificates(testjpki::CaKind::kAuth), *cache);
    REQUIRE(opened);
    journal = std::move(*opened);
    authorizer = std::make_unique<JournalOfflineAuthorizer>(*journal);
    testjpki::CardOptions card_options;
    card_options.index = 5;
    card_options.now = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
    auto card = Pki().IssueCard(card_options);
    REQUIRE(card);
    certificate.assign(card->auth_certificate.der().begin(), card->auth_certificate.der().end());
    card_key = std::make_unique<crypto::RsaPrivateKey>(
        std::move(*crypto::RsaPrivateKey::FromDer(card->personalisation.auth_private_key.view())));
  }

  /// What the counter sends after the PIN, for `amount`.
  counter::OfflineRedemptionRequest Request(int64_t amount, std::string mykey_id = "HANA2345") {
    counter::OfflineRedemptionRequest request;
    request.mykey_id = std::move(mykey_id);
    request.programme_id = 1;
    request.amount = amount;
    request.certificate_der = certificate;
    auto challenge = authorizer->NewChallenge();
    REQUIRE(challenge);
    request.challenge = *challenge;
    auto signature = card_key->SignSha256(
        protocol::CardAuthDigest(*challenge, kTerminal, protocol::CardAuthPurpose::kLogin));
    REQUIRE(signature);
    request.signature = *signature;
    return request;
  }
};

TEST_CASE("the authorizer journals a signed redemption and names the journal's refusals") {
  OfflineRig rig;
  auto journalled = rig.authorizer->AuthorizeRedemption(rig.Request(300));
  INFO((journalled ? "" : journalled.error().ToString()));
  REQUIRE(journalled);
  CHECK(journalled->operation == "offline_redemption");
  CHECK(journalled->state == "pending");
  CHECK(journalled->amount == 300);
  auto entry = rig.journal->Find(journalled->idempotency_key);
  REQUIRE(entry);
  CHECK(entry->state == journal::EntryState::kPending);

  auto over = rig.authorizer->AuthorizeRedemption(rig.Request(5000));
  REQUIRE_FALSE(over);
  CHECK(rig.authorizer->RefusalName(over.error()) == "over_operation_limit");
  CHECK(rig.authorizer->RefusalName(Error(ErrorCode::kInternal, "other")).empty());

  auto unknown = rig.authorizer->KnownHolder(rig.certificate);
  REQUIRE(unknown);
  CHECK_FALSE(unknown->has_value());
  rig.authorizer->RememberHolder(rig.certificate, "HANA2345");
  auto known = rig.authorizer->KnownHolder(rig.certificate);
  REQUIRE(known);
  CHECK(*known == std::optional<std::string>("HANA2345"));
}

TEST_CASE("the forwarder keeps entries while the ledger is down and applies each once when poked") {
  OfflineRig rig;
  REQUIRE(rig.authorizer->AuthorizeRedemption(rig.Request(300)));
  REQUIRE(rig.authorizer->AuthorizeRedemption(rig.Request(200)));
  SwitchableLedger ledger;
  std::mutex counts_mu;
  std::vector<journal::JournalCounts> seen;
  OfflineForwarder forwarder(*rig.journal, ledger, [&](const journal::JournalCounts& counts) {
    std::lock_guard lock(counts_mu);
    seen.push_back(counts);
  });
  forwarder.Start();
  REQUIRE(forwarder.WaitForPasses(1, 20s));
  auto down = rig.journal->Counts();
  REQUIRE(down);
  CHECK(down->outstanding() == 2);
  CHECK(ledger.applied.empty());

  {
    std::lock_guard lock(ledger.mu);
    ledger.up = true;
  }
  forwarder.Poke();
  // A pass that began before the ledger came up may end first; the poked one follows it.
  for (int pass = 0; pass < 3 && rig.journal->Counts()->outstanding() > 0; ++pass) {
    REQUIRE(forwarder.WaitForPasses(forwarder.passes() + 1, 20s));
  }
  auto up = rig.journal->Counts();
  REQUIRE(up);
  CHECK(up->outstanding() == 0);
  CHECK(up->applied == 2);
  forwarder.Poke();
  REQUIRE(forwarder.WaitForPasses(forwarder.passes() + 1, 20s));
  forwarder.Stop();
  CHECK(ledger.applied.size() == 2);  // each once, however often poked
  std::lock_guard lock(counts_mu);
  REQUIRE_FALSE(seen.empty());
  CHECK(seen.back().applied == 2);

  auto entries = rig.journal->List();
  REQUIRE(entries);
  const std::string listed = JournalListText(*entries);
  CHECK(listed.find(" applied ") != std::string::npos);
  CHECK(listed.find("HANA2345") == std::string::npos);  // IDs masked
  CHECK(JournalCountsText(*up).find("applied: 2\n") != std::string::npos);
  CHECK(JournalCountsText(*up).find("outstanding: 0\n") != std::string::npos);
}

/// An executor that ends every operation as told.
class FixedExecutor final : public OperationExecutor {
 public:
  OperationResult result;
  OperationResult Execute(const OperationRequest&, FlowObserver&) override { return result; }
  void Cancel() override {}
  void Reset() override {}
};

class NullObserver final : public FlowObserver {
 public:
  void OnEvent(EventKind, std::string_view, std::optional<int64_t>) override {}
};

TEST_CASE(
    "an online operation that succeeded pokes the forwarder; an offline one recounts; a failed one "
    "does nothing") {
  OfflineRig rig;
  SwitchableLedger ledger;
  OfflineForwarder forwarder(*rig.journal, ledger, {}, std::chrono::hours(1));
  forwarder.Start();
  REQUIRE(forwarder.WaitForPasses(1, 20s));  // the pass at start
  FixedExecutor inner;
  ForwardingExecutor executor(inner, forwarder);
  NullObserver observer;
  inner.result.state = OperationState::kFailed;
  (void)executor.Execute({}, observer);
  CHECK(forwarder.passes() == 1);
  inner.result.state = OperationState::kDone;
  inner.result.offline = true;
  (void)executor.Execute({}, observer);
  CHECK(forwarder.WaitForPasses(2, 20s));
  inner.result.offline = false;
  (void)executor.Execute({}, observer);
  CHECK(forwarder.WaitForPasses(3, 20s));
  forwarder.Stop();
}

/// The queue states the forwarder reports, in order.
class QueueRecorder {
 public:
  void Add(const counter::OfflineQueueState& state) {
    {
      std::lock_guard lock(mu_);
      states_.push_back(state);
    }
    cv_.notify_all();
  }
  /// Waits for at least `n` reports; returns them all.
  std::vector<counter::OfflineQueueState> WaitFor(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, 20s, [&] { return states_.size() >= n; });
    return states_;
  }
  /// Waits until the last report is `pending` / `reachable`; returns them all.
  std::vector<counter::OfflineQueueState> WaitUntil(int64_t pending, bool reachable) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, 20s, [&] {
      return !states_.empty() && states_.back().pending == pending &&
             states_.back().cloud_reachable == reachable;
    });
    return states_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<counter::OfflineQueueState> states_;
};

TEST_CASE("the queue's changes are reported: at start, when journalled, when forwarded") {
  OfflineRig rig(50ms);  // retried every 50 ms while the ledger is down
  SwitchableLedger ledger;
  OfflineForwarder forwarder(*rig.journal, ledger, {}, std::chrono::hours(1));
  QueueRecorder reports;
  forwarder.set_queue_listener([&](const counter::OfflineQueueState& s) { reports.Add(s); });
  forwarder.Start();
  auto at_start = reports.WaitFor(1);
  REQUIRE(at_start.size() == 1);
  CHECK(at_start[0].pending == 0);
  CHECK(at_start[0].cloud_reachable);

  // An offline redemption: journalled, the cloud did not answer.
  REQUIRE(rig.authorizer->AuthorizeRedemption(rig.Request(300)));
  FixedExecutor inner;
  ForwardingExecutor executor(inner, forwarder);
  NullObserver observer;
  inner.result.state = OperationState::kDone;
  inner.result.offline = true;
  (void)executor.Execute({}, observer);
  auto journalled = reports.WaitFor(2);
  REQUIRE(journalled.size() >= 2);
  CHECK(journalled[1].pending == 1);
  CHECK_FALSE(journalled[1].cloud_reachable);

  // The cloud is back: an online success pokes; the entry is forwarded.
  {
    std::lock_guard lock(ledger.mu);
    ledger.up = true;
  }
  inner.result.offline = false;
  (void)executor.Execute({}, observer);
  auto forwarded = reports.WaitUntil(0, true);
  forwarder.Stop();
  REQUIRE(forwarded.size() >= 3);
  CHECK(forwarded.back().pending == 0);
  CHECK(forwarded.back().cloud_reachable);
  for (size_t i = 1; i < forwarded.size(); ++i) {  // an unchanged queue is not reported again
    CHECK((forwarded[i].pending != forwarded[i - 1].pending ||
           forwarded[i].cloud_reachable != forwarded[i - 1].cloud_reachable));
  }
  CHECK(ledger.applied.size() == 1);
}

TEST_CASE("a queue report reaches the desk through the counter's listener and the relay") {
  testing::GatedExecutor executor;
  OperationDesk desk(executor);
  CounterEventRelay relay;
  relay.set_offline_queue_sink([&](const counter::OfflineQueueState& s) {
    desk.NoteOfflineQueue(s.pending, s.cloud_reachable);
  });
  CHECK_FALSE(desk.offline_queue().has_value());
  OperationRequest request;
  request.kind = OperationKind::kWhoIsThis;
  auto id = desk.Submit(request, Submitter::kApi);
  REQUIRE(id);
  executor.WaitStarted(1);
  // From another thread, as the forwarder does.
  std::thread forwarder([&] { relay.OnOfflineQueue({2, false}); });
  forwarder.join();
  auto queue = desk.WaitForOfflineQueue(0, 20s);
  REQUIRE(queue);
  CHECK(queue->pending == 2);
  CHECK_FALSE(queue->cloud_reachable);
  CHECK(queue->reports == 1);
  executor.Release();
  auto final = desk.WaitForFinal(*id);
  REQUIRE(final);
  bool seen = false;
  for (const auto& event : final->events) {
    if (event.kind == EventKind::kOfflineQueue) {
      seen = true;
      CHECK(event.name == "cloud_unreachable");
      CHECK(event.value == std::optional<int64_t>(2));
      CHECK(EventKindName(event.kind) == "offline_queue");
    }
  }
  CHECK(seen);
}

}  // namespace
}  // namespace mykey::terminal
