#include "mykey/journal/journal.h"

#include <deque>

#include "mykey/testing/catch.h"
#include "mykey/testing/temp_dir.h"
#include "test_card.h"

namespace mykey::journal {
namespace {

using Clock = std::chrono::system_clock;
using testing::Pki;
using testing::TestCard;
using Kind = ForwardOutcome::Kind;

constexpr std::string_view kTerminal = "term-0001";

/// A feed with one suspension, so the revocation set can be fresh.
class OneSuspension final : public revocation::RevocationFeed {
 public:
  Result<cloud_client::RevocationFeedPage> Page(int64_t since, int) override {
    cloud_client::RevocationFeedPage page;
    if (since == 0) {
      cloud_client::RevocationFeedEntry entry;
      entry.sequence = 1;
      entry.kind = cloud_client::RevocationFeedEntry::Kind::kSuspension;
      const std::string_view id = "SUSP2345";
      const auto hash =
          crypto::Sha256(ByteView(reinterpret_cast<const uint8_t*>(id.data()), id.size()));
      entry.mykey_id_hash.assign(hash.begin(), hash.end());
      page.entries.push_back(entry);
    }
    page.next = 1;
    return page;
  }
};

/// A ledger that answers from a script and records what it was asked.
class ScriptedUplink final : public LedgerUplink {
 public:
  std::deque<ForwardOutcome> redeem_answers;
  std::deque<ForwardOutcome> recover_answers;
  std::vector<ForwardRequest> redeemed;
  std::vector<std::string> recovered;

  ForwardOutcome Redeem(const ForwardRequest& request) override {
    redeemed.push_back(request);
    return Next(redeem_answers);
  }
  ForwardOutcome Recover(std::string_view key) override {
    recovered.emplace_back(key);
    return Next(recover_answers);
  }

 private:
  static ForwardOutcome Next(std::deque<ForwardOutcome>& answers) {
    if (answers.empty()) return Applied();
    ForwardOutcome outcome = answers.front();
    answers.pop_front();
    return outcome;
  }

 public:
  static ForwardOutcome Applied(int64_t id = 77) {
    ForwardOutcome outcome;
    outcome.kind = Kind::kApplied;
    outcome.redemption_id = id;
    outcome.balance = 900;
    return outcome;
  }
  static ForwardOutcome With(Kind kind, std::string reason = {}) {
    ForwardOutcome outcome;
    outcome.kind = kind;
    outcome.reason = std::move(reason);
    return outcome;
  }
};

struct Fixture {
  mykey::testing::TempDir dir{"mykey-journal"};
  Clock::time_point now = Clock::now();
  OneSuspension feed;
  std::unique_ptr<revocation::RevocationCache> cache;
  std::unique_ptr<Journal> journal;
  const TestCard card{11};

  explicit Fixture(OfflineLimits limits = {}, bool sync = true) {
    revocation::RevocationCacheOptions options;
    options.path = dir.File("revocations.bin");
    options.now = [this] { return now; };
    auto opened = revocation::RevocationCache::Open(feed, options);
    REQUIRE(opened);
    cache = std::move(*opened);
    if (sync) REQUIRE(cache->Sync());
    journal = Open(limits);
  }

  std::unique_ptr<Journal> Open(OfflineLimits limits = {}) {
    JournalOptions options;
    options.path = dir.File("journal.db");
    options.terminal_id = std::string(kTerminal);
    options.limits = limits;
    options.now = [this] { return now; };
    auto opened = Journal::Open(options, Pki().CaCertificates(testjpki::CaKind::kAuth), *cache);
    REQUIRE(opened);
    return std::move(*opened);
  }

  Result<JournalEntry> Redeem(int64_t amount, const std::string& mykey_id = "HOLD2345") {
    auto challenge = journal->NewChallenge();
    REQUIRE(challenge);
    return journal->Authorise(card.Sign(*challenge, kTerminal),
                              OfflineRedemption{mykey_id, 1, amount, ""});
  }
};

OfflineRefusal RefusalOf(const Result<JournalEntry>& result) {
  REQUIRE_FALSE(result);
  INFO(result.error().ToString());
  auto refusal = OfflineRefusalOf(result.error());
  REQUIRE(refusal);
  return *refusal;
}

TEST_CASE("An approved redemption is journalled with its key before it is returned") {
  Fixture f;
  auto entry = f.Redeem(300);
  REQUIRE(entry);
  CHECK(entry->state == EntryState::kPending);
  CHECK(entry->idempotency_key.size() == 35);
  CHECK(entry->idempotency_key.rfind("mk-", 0) == 0);
  CHECK(entry->card_serial_masked.find('*') != std::string::npos);
  f.journal.reset();  // as if the process ended here
  auto reopened = f.Open();
  auto found = reopened->Find(entry->idempotency_key);
  REQUIRE(found);
  CHECK(found->amount == 300);
  CHECK(found->mykey_id == "HOLD2345");
  CHECK(found->state == EntryState::kPending);
}

TEST_CASE("A key the host made is kept, and is refused if malformed or used before") {
  Fixture f;
  auto challenge = f.journal->NewChallenge();
  REQUIRE(challenge);
  auto entry = f.journal->Authorise(f.card.Sign(*challenge, kTerminal),
                                    OfflineRedemption{"HOLD2345", 1, 10, "mk-host-key-1"});
  REQUIRE(entry);
  CHECK(entry->idempotency_key == "mk-host-key-1");
  challenge = f.journal->NewChallenge();
  REQUIRE(challenge);
  auto again = f.journal->Authorise(f.card.Sign(*challenge, kTerminal),
                                    OfflineRedemption{"HOLD2345", 1, 10, "mk-host-key-1"});
  REQUIRE_FALSE(again);
  CHECK(again.error().code() == ErrorCode::kAlreadyExists);
  auto malformed = f.journal->Authorise(f.card.Sign(*challenge, kTerminal),
                                        OfflineRedemption{"HOLD2345", 1, 10, "a/b"});
  REQUIRE_FALSE(malformed);
  CHECK(malformed.error().code() == ErrorCode::kInvalidArgument);
  auto counts = f.journal->Counts();
  REQUIRE(counts);
  CHECK(counts->pending == 1);
}

TEST_CASE("The limits refuse by operation, count, total, holder and age, with typed reasons") {
  OfflineLimits limits;
  limits.max_amount_per_operation = 500;
  limits.max_outstanding_count = 3;
  limits.max_outstanding_points = 1000;
  limits.max_points_per_holder = 600;
  limits.max_oldest_age = std::chrono::hours(1);
  Fixture f(limits);
  CHECK(RefusalOf(f.Redeem(501)) == OfflineRefusal::kOverOperationLimit);
  CHECK(RefusalOf(f.Redeem(0)) == OfflineRefusal::kAmountInvalid);
  REQUIRE(f.Redeem(400, "AAAA2345"));
  CHECK(RefusalOf(f.Redeem(300, "AAAA2345")) == OfflineRefusal::kOverHolderLimit);
  REQUIRE(f.Redeem(400, "BBBB2345"));
  CHECK(RefusalOf(f.Redeem(300, "CCCC2345")) == OfflineRefusal::kOverTotalLimit);
  REQUIRE(f.Redeem(100, "CCCC2345"));
  CHECK(RefusalOf(f.Redeem(10, "DDDD2345")) == OfflineRefusal::kOverCountLimit);
  SECTION("the oldest entry's age") {
    Fixture g(limits);
    REQUIRE(g.Redeem(10));
    g.now += std::chrono::minutes(61);
    CHECK(RefusalOf(g.Redeem(10)) == OfflineRefusal::kOldestTooOld);
  }
}

TEST_CASE("A stale or never-synced revocation set stops offline approval") {
  Fixture never({}, false);
  CHECK(RefusalOf(never.Redeem(10)) == OfflineRefusal::kRevocationSetStale);
  Fixture old;
  old.now += std::chrono::hours(49);
  CHECK(RefusalOf(old.Redeem(10)) == OfflineRefusal::kRevocationSetStale);
}

TEST_CASE("A challenge is single use, expires, and must be one this terminal made") {
  Fixture f;
  auto challenge = f.journal->NewChallenge();
  REQUIRE(challenge);
  const auto evidence = f.card.Sign(*challenge, kTerminal);
  REQUIRE(f.journal->Authorise(evidence, OfflineRedemption{"HOLD2345", 1, 10, ""}));
  CHECK(RefusalOf(f.journal->Authorise(evidence, OfflineRedemption{"HOLD2345", 1, 10, ""})) ==
        OfflineRefusal::kChallengeUnknown);
  CHECK(RefusalOf(f.journal->Authorise(f.card.Sign(Bytes(32, 1), kTerminal),
                                       OfflineRedemption{"HOLD2345", 1, 10, ""})) ==
        OfflineRefusal::kChallengeUnknown);
  challenge = f.journal->NewChallenge();
  REQUIRE(challenge);
  f.now += std::chrono::seconds(121);
  CHECK(RefusalOf(f.journal->Authorise(f.card.Sign(*challenge, kTerminal),
                                       OfflineRedemption{"HOLD2345", 1, 10, ""})) ==
        OfflineRefusal::kChallengeUnknown);
}

TEST_CASE("A suspended MyKey ID or a bad card signature is refused and nothing is journalled") {
  Fixture f;
  CHECK(RefusalOf(f.Redeem(10, "SUSP2345")) == OfflineRefusal::kCardSuspended);
  auto challenge = f.journal->NewChallenge();
  REQUIRE(challenge);
  auto evidence = f.card.Sign(*challenge, kTerminal);
  evidence.signature.back() ^= 1;
  CHECK(RefusalOf(f.journal->Authorise(evidence, OfflineRedemption{"HOLD2345", 1, 10, ""})) ==
        OfflineRefusal::kSignatureInvalid);
  auto counts = f.journal->Counts();
  REQUIRE(counts);
  CHECK(counts->outstanding() == 0);
}

TEST_CASE("Forwarding sends entries in order, each with its own key, once") {
  Fixture f;
  auto a = f.Redeem(100);
  auto b = f.Redeem(200);
  REQUIRE(a);
  REQUIRE(b);
  ScriptedUplink uplink;
  auto report = f.journal->Forward(uplink);
  REQUIRE(report);
  CHECK(report->applied == 2);
  CHECK(report->remaining == 0);
  REQUIRE(uplink.redeemed.size() == 2);
  CHECK(uplink.redeemed[0].idempotency_key == a->idempotency_key);
  CHECK(uplink.redeemed[0].amount == 100);
  CHECK(uplink.redeemed[1].idempotency_key == b->idempotency_key);
  auto applied = f.journal->Find(a->idempotency_key);
  REQUIRE(applied);
  CHECK(applied->state == EntryState::kApplied);
  CHECK(applied->redemption_id == 77);
  CHECK(applied->attempts == 1);
  // Nothing left: a second pass sends nothing.
  REQUIRE(f.journal->Forward(uplink));
  CHECK(uplink.redeemed.size() == 2);
}

TEST_CASE("A refusal by the cloud is final and forwarding goes on with the next entry") {
  Fixture f;
  auto a = f.Redeem(100);
  auto b = f.Redeem(200);
  REQUIRE((a && b));
  ScriptedUplink uplink;
  uplink.redeem_answers.push_back(ScriptedUplink::With(Kind::kRefused, "insufficient_balance"));
  auto report = f.journal->Forward(uplink);
  REQUIRE(report);
  CHECK(report->refused == 1);
  CHECK(report->applied == 1);
  auto refused = f.journal->Find(a->idempotency_key);
  REQUIRE(refused);
  CHECK(refused->state == EntryState::kRefused);
  CHECK(refused->reason == "insufficient_balance");
  REQUIRE(f.journal->Forward(uplink));
  CHECK(uplink.redeemed.size() == 2);  // never retried
  auto listed = f.journal->List(EntryState::kRefused);
  REQUIRE(listed);
  CHECK(listed->size() == 1);
}

TEST_CASE("An unreachable cloud stops the pass in order and backs off") {
  Fixture f;
  auto a = f.Redeem(100);
  auto b = f.Redeem(200);
  REQUIRE((a && b));
  ScriptedUplink uplink;
  uplink.redeem_answers.push_back(ScriptedUplink::With(Kind::kUnavailable, "unreachable"));
  auto report = f.journal->Forward(uplink);
  REQUIRE(report);
  CHECK(report->stopped);
  CHECK(report->remaining == 2);
  CHECK(uplink.redeemed.size() == 1);  // b waits behind a
  auto pending = f.journal->Find(a->idempotency_key);
  REQUIRE(pending);
  CHECK(pending->state == EntryState::kPending);
  CHECK(pending->reason == "unreachable");
  // Before the backoff ends nothing is sent.
  REQUIRE(f.journal->Forward(uplink));
  CHECK(uplink.redeemed.size() == 1);
  auto due = f.journal->NextAttemptAt();
  REQUIRE(due);
  REQUIRE(due->has_value());
  f.now = **due;
  report = f.journal->Forward(uplink);
  REQUIRE(report);
  CHECK(report->applied == 2);
  REQUIRE(uplink.redeemed.size() == 3);
  CHECK(uplink.redeemed[1].idempotency_key == a->idempotency_key);
  CHECK(uplink.recovered.empty());  // surely not applied: no lookup needed
}

TEST_CASE("A lost answer is settled by looking the key up, not by sending again") {
  Fixture f;
  auto a = f.Redeem(100);
  REQUIRE(a);
  ScriptedUplink uplink;
  uplink.redeem_answers.push_back(ScriptedUplink::With(Kind::kUnknown, "outcome_unknown"));
  REQUIRE(f.journal->Forward(uplink));
  auto sending = f.journal->Find(a->idempotency_key);
  REQUIRE(sending);
  CHECK(sending->state == EntryState::kSending);
  f.now += std::chrono::minutes(10);
  uplink.recover_answers.push_back(ScriptedUplink::Applied(5));
  auto report = f.journal->Forward(uplink);
  REQUIRE(report);
  CHECK(report->applied == 1);
  CHECK(uplink.redeemed.size() == 1);
  CHECK(uplink.recovered == std::vector<std::string>{a->idempotency_key});
  auto applied = f.journal->Find(a->idempotency_key);
  REQUIRE(applied);
  CHECK(applied->redemption_id == 5);
}

TEST_CASE("A lost answer the cloud never applied is sent again with the same key") {
  Fixture f;
  auto a = f.Redeem(100);
  REQUIRE(a);
  ScriptedUplink uplink;
  uplink.redeem_answers.push_back(ScriptedUplink::With(Kind::kUnknown));
  REQUIRE(f.journal->Forward(uplink));
  f.now += std::chrono::minutes(10);
  uplink.recover_answers.push_back(ScriptedUplink::With(Kind::kNotApplied));
  auto report = f.journal->Forward(uplink);
  REQUIRE(report);
  CHECK(report->applied == 1);
  REQUIRE(uplink.redeemed.size() == 2);
  CHECK(uplink.redeemed[1].idempotency_key == a->idempotency_key);
  auto applied = f.journal->Find(a->idempotency_key);
  REQUIRE(applied);
  CHECK(applied->attempts == 2);
}

TEST_CASE("A lost answer found unapplied after the lookup horizon is left to the operator") {
  Fixture f;
  auto a = f.Redeem(100);
  REQUIRE(a);
  ScriptedUplink uplink;
  uplink.redeem_answers.push_back(ScriptedUplink::With(Kind::kUnknown));
  REQUIRE(f.journal->Forward(uplink));
  f.now += std::chrono::hours(24);
  uplink.recover_answers.push_back(ScriptedUplink::With(Kind::kNotApplied));
  auto report = f.journal->Forward(uplink);
  REQUIRE(report);
  CHECK(report->unresolved == 1);
  CHECK(uplink.redeemed.size() == 1);
  auto entry = f.journal->Find(a->idempotency_key);
  REQUIRE(entry);
  CHECK(entry->state == EntryState::kUnresolved);
}

TEST_CASE("The host observes the queue after approvals and forwarding") {
  Fixture f;
  std::vector<JournalCounts> seen;
  f.journal->SetQueueObserver([&](const JournalCounts& counts) { seen.push_back(counts); });
  REQUIRE(f.Redeem(100));
  REQUIRE(f.Redeem(50));
  REQUIRE(seen.size() == 2);
  CHECK(seen[1].pending == 2);
  CHECK(seen[1].outstanding_points == 150);
  CHECK(seen[1].oldest_outstanding_ms.has_value());
  ScriptedUplink uplink;
  REQUIRE(f.journal->Forward(uplink));
  REQUIRE(seen.size() == 4);
  CHECK(seen.back().applied == 2);
  CHECK(seen.back().outstanding() == 0);
}

TEST_CASE("A second process cannot open a journal that is open") {
  Fixture f;
  JournalOptions options;
  options.path = f.dir.File("journal.db");
  options.terminal_id = "term-0001";
  auto second = Journal::Open(options, {}, *f.cache);
  REQUIRE_FALSE(second);
  CHECK(second.error().code() == ErrorCode::kFailedPrecondition);
}

TEST_CASE("A file that is not a journal is reported as data loss") {
  mykey::testing::TempDir dir{"mykey-journal"};
  dir.Write("journal.db", std::string(4096, 'x'));
  OneSuspension feed;
  revocation::RevocationCacheOptions cache_options;
  cache_options.path = dir.File("revocations.bin");
  auto cache = revocation::RevocationCache::Open(feed, cache_options);
  REQUIRE(cache);
  JournalOptions options;
  options.path = dir.File("journal.db");
  options.terminal_id = "term-0001";
  auto opened = Journal::Open(options, {}, **cache);
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code() == ErrorCode::kDataLoss);
}

TEST_CASE("A holder learned online is known offline by the same certificate only, across reopen") {
  Fixture f;
  const TestCard other{12};
  auto unknown = f.journal->KnownHolder(f.card.certificate);
  REQUIRE(unknown);
  CHECK_FALSE(unknown->has_value());
  REQUIRE(f.journal->RememberHolder(f.card.certificate, "HOLD2345"));
  REQUIRE(f.journal->RememberHolder(f.card.certificate, "HOLD6789"));  // the latest wins
  auto known = f.journal->KnownHolder(f.card.certificate);
  REQUIRE(known);
  CHECK(*known == std::optional<std::string>("HOLD6789"));
  auto stranger = f.journal->KnownHolder(other.certificate);
  REQUIRE(stranger);
  CHECK_FALSE(stranger->has_value());
  CHECK_FALSE(f.journal->RememberHolder({}, "HOLD2345"));
  CHECK_FALSE(f.journal->RememberHolder(f.card.certificate, ""));

  f.journal.reset();
  f.journal = f.Open();
  auto reopened = f.journal->KnownHolder(f.card.certificate);
  REQUIRE(reopened);
  CHECK(*reopened == std::optional<std::string>("HOLD6789"));
}

}  // namespace
}  // namespace mykey::journal
