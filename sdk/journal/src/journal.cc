// The journal over SQLite (the one place in sdk/ that includes sqlite3.h:
// .ci/check-layers.sh).

#include "mykey/journal/journal.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "mykey/base/log.h"
#include "mykey/base/mask.h"
#include "mykey/crypto/sha256.h"

namespace mykey::journal {
namespace {

constexpr std::string_view kLog = "journal";
constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS journal_entries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  idempotency_key TEXT NOT NULL UNIQUE,
  mykey_id TEXT NOT NULL,
  programme_id INTEGER NOT NULL,
  amount INTEGER NOT NULL CHECK (amount > 0),
  card_serial_masked TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'applied', 'refused', 'unresolved')),
  attempts INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL DEFAULT 0,
  last_sent_ms INTEGER NOT NULL DEFAULT 0,
  updated_at_ms INTEGER NOT NULL,
  redemption_id INTEGER NOT NULL DEFAULT 0,
  balance_after INTEGER NOT NULL DEFAULT 0,
  reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS journal_entries_state ON journal_entries (state, id);
CREATE TABLE IF NOT EXISTS known_holders (
  certificate_sha256 TEXT PRIMARY KEY,
  mykey_id TEXT NOT NULL,
  learned_at_ms INTEGER NOT NULL
);
)sql";

constexpr const char* kColumns =
    "id, idempotency_key, mykey_id, programme_id, amount, card_serial_masked, created_at_ms, "
    "state, attempts, next_attempt_ms, updated_at_ms, redemption_id, balance_after, reason, "
    "failures, last_sent_ms";

Error SqliteError(int rc, const char* message) {
  return Error(ErrorCode::kUnavailable, message, ErrorDomain::kSqlite, rc);
}

std::optional<EntryState> ParseState(std::string_view text) {
  for (EntryState state : {EntryState::kPending, EntryState::kSending, EntryState::kApplied,
                           EntryState::kRefused, EntryState::kUnresolved}) {
    if (EntryStateName(state) == text) return state;
  }
  return std::nullopt;
}

/// One prepared statement, finalised on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return rc_ == SQLITE_OK; }
  int rc() const { return rc_; }
  Statement& Bind(int index, int64_t value) {
    if (rc_ == SQLITE_OK) rc_ = sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }
  Statement& Bind(int index, std::string_view value) {
    if (rc_ == SQLITE_OK) {
      rc_ = sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                              SQLITE_TRANSIENT);
    }
    return *this;
  }
  /// SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() {
    if (rc_ != SQLITE_OK) return rc_;
    return sqlite3_step(stmt_);
  }
  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::string Text(int column) const {
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    return text == nullptr ? std::string()
                           : std::string(reinterpret_cast<const char*>(text),
                                         static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_OK;
};

JournalEntry EntryOf(const Statement& row) {
  JournalEntry entry;
  entry.id = row.Int(0);
  entry.idempotency_key = row.Text(1);
  entry.mykey_id = row.Text(2);
  entry.programme_id = row.Int(3);
  entry.amount = row.Int(4);
  entry.card_serial_masked = row.Text(5);
  entry.created_at_ms = row.Int(6);
  entry.state = ParseState(row.Text(7)).value_or(EntryState::kUnresolved);
  entry.attempts = static_cast<int>(row.Int(8));
  entry.next_attempt_ms = row.Int(9);
  entry.updated_at_ms = row.Int(10);
  entry.redemption_id = row.Int(11);
  entry.balance_after = row.Int(12);
  entry.reason = row.Text(13);
  return entry;
}

std::chrono::system_clock::time_point SystemNow() {
  return std::chrono::system_clock::now();
}

}  // namespace

std::string_view EntryStateName(EntryState state) noexcept {
  switch (state) {
    case EntryState::kPending: return "pending";
    case EntryState::kSending: return "sending";
    case EntryState::kApplied: return "applied";
    case EntryState::kRefused: return "refused";
    case EntryState::kUnresolved: return "unresolved";
  }
  return "unresolved";
}

struct Journal::Db {
  sqlite3* db = nullptr;
  int lock_fd = -1;

  ~Db() {
    if (db != nullptr) sqlite3_close_v2(db);
    if (lock_fd >= 0) ::close(lock_fd);  // releases the flock
  }

  Status Exec(const char* sql) {
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return Fail(SqliteError(rc, "journal: SQL statement failed"));
    return Ok();
  }

  /// Runs `body` in BEGIN IMMEDIATE ... COMMIT (rolled back if it fails).
  template <typename Body>
  Status Transaction(Body&& body) {
    MYKEY_TRY(Exec("BEGIN IMMEDIATE"));
    Status status = body();
    if (!status) {
      (void)Exec("ROLLBACK");
      return status;
    }
    Status committed = Exec("COMMIT");
    if (!committed) (void)Exec("ROLLBACK");
    return committed;
  }

  Result<JournalCounts> Counts() {
    JournalCounts counts;
    Statement stmt(db,
                   "SELECT state, COUNT(*), COALESCE(SUM(amount), 0), MIN(created_at_ms) "
                   "FROM journal_entries GROUP BY state");
    int rc;
    while ((rc = stmt.Step()) == SQLITE_ROW) {
      const auto state = ParseState(stmt.Text(0));
      const int64_t count = stmt.Int(1);
      if (!state) continue;
      switch (*state) {
        case EntryState::kPending: counts.pending = count; break;
        case EntryState::kSending: counts.sending = count; break;
        case EntryState::kApplied: counts.applied = count; break;
        case EntryState::kRefused: counts.refused = count; break;
        case EntryState::kUnresolved: counts.unresolved = count; break;
      }
      if (*state == EntryState::kPending || *state == EntryState::kSending) {
        counts.outstanding_points += stmt.Int(2);
        const int64_t oldest = stmt.Int(3);
        if (!counts.oldest_outstanding_ms || oldest < *counts.oldest_outstanding_ms) {
          counts.oldest_outstanding_ms = oldest;
        }
      }
    }
    if (rc != SQLITE_DONE) return Fail(SqliteError(rc, "journal: cannot count entries"));
    return counts;
  }

  Result<int64_t> HolderOutstanding(std::string_view mykey_id) {
    Statement stmt(db,
                   "SELECT COALESCE(SUM(amount), 0) FROM journal_entries "
                   "WHERE mykey_id = ?1 AND state IN ('pending', 'sending')");
    stmt.Bind(1, mykey_id);
    const int rc = stmt.Step();
    if (rc != SQLITE_ROW) return Fail(SqliteError(rc, "journal: cannot sum a holder's entries"));
    return stmt.Int(0);
  }

  /// The first outstanding entry, with its failure count and last send time.
  struct Outstanding {
    JournalEntry entry;
    int64_t failures = 0;
    int64_t last_sent_ms = 0;
  };
  Result<std::optional<Outstanding>> NextOutstanding() {
    const std::string sql = std::string("SELECT ") + kColumns +
                            " FROM journal_entries WHERE state IN ('pending', 'sending') "
                            "ORDER BY id LIMIT 1";
    Statement stmt(db, sql.c_str());
    const int rc = stmt.Step();
    if (rc == SQLITE_DONE) return std::optional<Outstanding>();
    if (rc != SQLITE_ROW) return Fail(SqliteError(rc, "journal: cannot read entries"));
    return std::optional<Outstanding>(Outstanding{EntryOf(stmt), stmt.Int(14), stmt.Int(15)});
  }

  Status Update(const char* sql, const std::function<void(Statement&)>& bind) {
    return Transaction([&]() -> Status {
      Statement stmt(db, sql);
      bind(stmt);
      const int rc = stmt.Step();
      if (rc != SQLITE_DONE) return Fail(SqliteError(rc, "journal: cannot update an entry"));
      return Ok();
    });
  }
};

Result<std::unique_ptr<Journal>> Journal::Open(JournalOptions options,
                                               std::vector<crypto::Certificate> anchors,
                                               const revocation::RevocationCache& revocations) {
  if (options.path.empty() || options.terminal_id.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "journal path or terminal id empty");
  }
  if (!options.now) options.now = SystemNow;
  std::unique_ptr<Journal> journal(
      new Journal(std::move(options), std::move(anchors), revocations));
  if (journal->options_.random == nullptr) {
    auto random = crypto::SystemRandom::Create();
    if (!random) return Fail(ErrorCode::kInternal, "no system randomness");
    journal->owned_random_ = std::move(*random);
    journal->options_.random = journal->owned_random_.get();
  }
  auto db = std::make_unique<Db>();
  // One process at a time: an advisory lock on a side file (released by the
  // kernel when the process dies, kill -9 included).
  const std::string lock_path = journal->options_.path + ".lock";
  db->lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (db->lock_fd < 0) {
    return Fail(ErrorCode::kUnavailable, "journal: cannot open the lock file", ErrorDomain::kOs,
                errno);
  }
  if (::flock(db->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    return Fail(ErrorCode::kFailedPrecondition, "journal: another process has it open");
  }
  int rc =
      sqlite3_open_v2(journal->options_.path.c_str(), &db->db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) return Fail(SqliteError(rc, "journal: cannot open the database"));
  sqlite3_busy_timeout(db->db, 5000);
  // Durable on COMMIT: WAL with a sync of the log on every commit.
  {
    Statement mode(db->db, "PRAGMA journal_mode=WAL");
    rc = mode.Step();
    if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT) {
      return Fail(ErrorCode::kDataLoss, "journal: the file is not a SQLite database",
                  ErrorDomain::kSqlite, rc);
    }
    if (rc != SQLITE_ROW || mode.Text(0) != "wal") {
      return Fail(SqliteError(rc, "journal: cannot switch to WAL"));
    }
  }
  MYKEY_TRY(db->Exec("PRAGMA synchronous=FULL"));
  {
    Statement check(db->db, "PRAGMA quick_check");
    rc = check.Step();
    if (rc != SQLITE_ROW || check.Text(0) != "ok") {
      return Fail(ErrorCode::kDataLoss, "journal: the database fails its integrity check",
                  ErrorDomain::kSqlite, rc);
    }
  }
  {
    Statement version(db->db, "PRAGMA user_version");
    if (version.Step() != SQLITE_ROW) return Fail(SqliteError(rc, "journal: no user_version"));
    const int64_t found = version.Int(0);
    if (found != 0 && found != kSchemaVersion) {
      return Fail(ErrorCode::kDataLoss, "journal: the file has another schema version");
    }
  }
  const Status migrated = db->Transaction([&]() -> Status {
    MYKEY_TRY(db->Exec(kSchema));
    return db->Exec("PRAGMA user_version=1");
  });
  if (!migrated) return Fail(migrated.error());
  journal->db_ = std::move(db);
  return journal;
}

Journal::Journal(JournalOptions options, std::vector<crypto::Certificate> anchors,
                 const revocation::RevocationCache& revocations)
    : options_(std::move(options)), anchors_(std::move(anchors)), revocations_(revocations) {}

Journal::~Journal() = default;

int64_t Journal::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(options_.now().time_since_epoch())
      .count();
}

void Journal::SetQueueObserver(QueueObserver observer) {
  std::lock_guard lock(observer_mu_);
  observer_ = std::move(observer);
}

void Journal::Notify() {
  QueueObserver observer;
  {
    std::lock_guard lock(observer_mu_);
    observer = observer_;
  }
  if (!observer) return;
  auto counts = Counts();
  if (counts) observer(*counts);
}

Result<Bytes> Journal::NewChallenge() {
  std::lock_guard lock(mu_);
  Bytes challenge(32);
  MYKEY_TRY(options_.random->Fill(challenge));
  const int64_t now = NowMs();
  std::erase_if(challenges_, [now](const auto& c) { return c.second <= now; });
  const auto ttl_ms = std::chrono::duration_cast<std::chrono::milliseconds>(options_.challenge_ttl);
  challenges_.emplace_back(challenge, now + ttl_ms.count());
  // A handful at most are live at a counter; keep the newest few.
  if (challenges_.size() > 16) challenges_.erase(challenges_.begin());
  return challenge;
}

Result<JournalEntry> Journal::Authorise(const OfflineCardEvidence& card,
                                        const OfflineRedemption& redemption) {
  const OfflineLimits& limits = options_.limits;
  if (redemption.amount < 1 || redemption.mykey_id.empty() || redemption.programme_id < 1) {
    return Fail(OfflineRefusalError(OfflineRefusal::kAmountInvalid));
  }
  const std::string& given_key = redemption.idempotency_key;
  if (given_key.size() > 255 || std::any_of(given_key.begin(), given_key.end(), [](char c) {
        return c <= ' ' || c > '~' || c == '/';
      })) {
    return Fail(ErrorCode::kInvalidArgument, "journal: malformed idempotency key");
  }
  if (redemption.amount > limits.max_amount_per_operation) {
    return Fail(OfflineRefusalError(OfflineRefusal::kOverOperationLimit));
  }
  JournalEntry entry;
  {
    std::lock_guard lock(mu_);
    const int64_t now_ms = NowMs();
    MYKEY_ASSIGN_OR_RETURN(const JournalCounts counts, db_->Counts());
    if (counts.outstanding() + 1 > limits.max_outstanding_count) {
      return Fail(OfflineRefusalError(OfflineRefusal::kOverCountLimit));
    }
    if (counts.outstanding_points + redemption.amount > limits.max_outstanding_points) {
      return Fail(OfflineRefusalError(OfflineRefusal::kOverTotalLimit));
    }
    MYKEY_ASSIGN_OR_RETURN(const int64_t holder, db_->HolderOutstanding(redemption.mykey_id));
    if (holder + redemption.amount > limits.max_points_per_holder) {
      return Fail(OfflineRefusalError(OfflineRefusal::kOverHolderLimit));
    }
    const auto max_age_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(limits.max_oldest_age).count();
    if (counts.oldest_outstanding_ms && now_ms - *counts.oldest_outstanding_ms > max_age_ms) {
      return Fail(OfflineRefusalError(OfflineRefusal::kOldestTooOld));
    }
    if (revocations_.IsStale()) {
      return Fail(OfflineRefusalError(OfflineRefusal::kRevocationSetStale));
    }
    // The challenge: made here, unexpired, used once (consumed even if the card fails).
    auto live = std::find_if(challenges_.begin(), challenges_.end(), [&](const auto& c) {
      return c.first == card.challenge && c.second > now_ms;
    });
    if (live == challenges_.end()) {
      return Fail(OfflineRefusalError(OfflineRefusal::kChallengeUnknown));
    }
    challenges_.erase(live);
    const auto set = revocations_.snapshot();
    MYKEY_ASSIGN_OR_RETURN(
        const OfflineCardIdentity identity,
        CheckCardOffline(card, anchors_, *set, options_.terminal_id,
                         std::chrono::floor<std::chrono::seconds>(options_.now())));
    if (set->IsMyKeyIdSuspended(redemption.mykey_id)) {
      return Fail(OfflineRefusalError(OfflineRefusal::kCardSuspended));
    }

    if (!given_key.empty()) {
      entry.idempotency_key = given_key;
    } else {
      // The key: "mk-" and 32 hex digits, as CloudClient makes them.
      Bytes random(16);
      MYKEY_TRY(options_.random->Fill(random));
      entry.idempotency_key = "mk-" + ToHex(random);
      std::transform(
          entry.idempotency_key.begin(), entry.idempotency_key.end(), entry.idempotency_key.begin(),
          [](char c) { return static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c); });
    }
    entry.mykey_id = redemption.mykey_id;
    entry.programme_id = redemption.programme_id;
    entry.amount = redemption.amount;
    entry.card_serial_masked = MaskIdentifier(ToHex(identity.serial));
    entry.created_at_ms = now_ms;
    entry.updated_at_ms = now_ms;
    entry.state = EntryState::kPending;
    MYKEY_TRY(db_->Transaction([&]() -> Status {
      Statement insert(db_->db,
                       "INSERT INTO journal_entries (idempotency_key, mykey_id, programme_id, "
                       "amount, card_serial_masked, created_at_ms, state, updated_at_ms) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?6)");
      insert.Bind(1, entry.idempotency_key)
          .Bind(2, entry.mykey_id)
          .Bind(3, entry.programme_id)
          .Bind(4, entry.amount)
          .Bind(5, entry.card_serial_masked)
          .Bind(6, now_ms);
      const int rc = insert.Step();
      if (rc == SQLITE_CONSTRAINT) {
        return Fail(ErrorCode::kAlreadyExists, "journal: the idempotency key is in use",
                    ErrorDomain::kSqlite, rc);
      }
      if (rc != SQLITE_DONE) return Fail(SqliteError(rc, "journal: cannot write the entry"));
      entry.id = sqlite3_last_insert_rowid(db_->db);
      return Ok();
    }));
  }
  log::Write(log::Level::kInfo, kLog,
             "offline redemption journalled: " + std::to_string(entry.amount) + " points, card " +
                 entry.card_serial_masked);
  Notify();
  return entry;
}

Status Journal::Settle(const JournalEntry& entry, int64_t failures_before,
                       const ForwardOutcome& outcome, ForwardReport& report, bool& stop) {
  const int64_t now = NowMs();
  switch (outcome.kind) {
    case ForwardOutcome::Kind::kApplied:
      ++report.applied;
      return db_->Update(
          "UPDATE journal_entries SET state = 'applied', redemption_id = ?2, balance_after = ?3, "
          "reason = '', updated_at_ms = ?4 WHERE id = ?1",
          [&](Statement& s) {
            s.Bind(1, entry.id)
                .Bind(2, outcome.redemption_id)
                .Bind(3, outcome.balance)
                .Bind(4, now);
          });
    case ForwardOutcome::Kind::kRefused:
      ++report.refused;
      log::Write(log::Level::kWarning, kLog,
                 "offline redemption refused by the cloud (" + outcome.reason + "): key " +
                     MaskIdentifier(entry.idempotency_key, 6));
      return db_->Update(
          "UPDATE journal_entries SET state = 'refused', reason = ?2, updated_at_ms = ?3 "
          "WHERE id = ?1",
          [&](Statement& s) { s.Bind(1, entry.id).Bind(2, outcome.reason).Bind(3, now); });
    case ForwardOutcome::Kind::kNotApplied:
    case ForwardOutcome::Kind::kUnknown:
    case ForwardOutcome::Kind::kUnavailable: {
      stop = true;
      const int64_t failures = failures_before + 1;
      const auto base = options_.backoff_base.count();
      int64_t delay = base;
      for (int64_t i = 1; i < failures && delay < options_.backoff_max.count(); ++i) delay *= 2;
      delay = std::min<int64_t>(delay, options_.backoff_max.count());
      // A send that surely applied nothing: back to pending. Otherwise (the
      // answer lost, or the lookup itself failed) it stays sending and is
      // looked up first next time.
      const bool not_applied =
          outcome.kind != ForwardOutcome::Kind::kUnknown && entry.state == EntryState::kPending;
      const char* sql =
          !not_applied
              ? "UPDATE journal_entries SET failures = ?2, next_attempt_ms = ?3, reason = ?4, "
                "updated_at_ms = ?5 WHERE id = ?1"
              : "UPDATE journal_entries SET state = 'pending', failures = ?2, "
                "next_attempt_ms = ?3, reason = ?4, updated_at_ms = ?5 WHERE id = ?1";
      return db_->Update(sql, [&](Statement& s) {
        s.Bind(1, entry.id)
            .Bind(2, failures)
            .Bind(3, now + delay)
            .Bind(4, outcome.reason)
            .Bind(5, now);
      });
    }
  }
  return Ok();
}

Result<ForwardReport> Journal::Forward(LedgerUplink& uplink) {
  std::lock_guard forward_lock(forward_mu_);
  ForwardReport report;
  bool stop = false;
  while (!stop) {
    Db::Outstanding next;
    {
      std::lock_guard lock(mu_);
      MYKEY_ASSIGN_OR_RETURN(auto found, db_->NextOutstanding());
      if (!found) break;
      next = std::move(*found);
    }
    const JournalEntry& entry = next.entry;
    const int64_t now = NowMs();
    if (entry.next_attempt_ms > now) {
      report.stopped = true;
      break;
    }
    if (entry.state == EntryState::kSending) {
      // An attempt went out before and its outcome is not known (a lost
      // answer, or the terminal died mid-forward): ask before sending again.
      const ForwardOutcome looked_up = uplink.Recover(entry.idempotency_key);
      if (looked_up.kind != ForwardOutcome::Kind::kNotApplied) {
        {
          std::lock_guard lock(mu_);
          MYKEY_TRY(Settle(entry, next.failures, looked_up, report, stop));
        }
        Notify();
        continue;
      }
      const auto horizon =
          std::chrono::duration_cast<std::chrono::milliseconds>(options_.lookup_horizon).count();
      if (now - next.last_sent_ms > horizon) {
        // The cloud may have forgotten the key: sending again could apply it twice.
        ++report.unresolved;
        log::Write(log::Level::kError, kLog,
                   "offline redemption unresolved (lookup horizon passed): key " +
                       MaskIdentifier(entry.idempotency_key, 6));
        {
          std::lock_guard lock(mu_);
          MYKEY_TRY(
              db_->Update("UPDATE journal_entries SET state = 'unresolved', "
                          "reason = 'lookup_horizon_passed', updated_at_ms = ?2 WHERE id = ?1",
                          [&](Statement& s) { s.Bind(1, entry.id).Bind(2, now); }));
        }
        Notify();
        continue;
      }
    }
    {
      // Durably "sending" before the request leaves: a crash from here on is
      // settled by a lookup.
      std::lock_guard lock(mu_);
      MYKEY_TRY(
          db_->Update("UPDATE journal_entries SET state = 'sending', attempts = attempts + 1, "
                      "last_sent_ms = ?2, updated_at_ms = ?2 WHERE id = ?1",
                      [&](Statement& s) { s.Bind(1, entry.id).Bind(2, now); }));
    }
    const ForwardOutcome outcome = uplink.Redeem(
        ForwardRequest{entry.idempotency_key, entry.mykey_id, entry.programme_id, entry.amount});
    {
      std::lock_guard lock(mu_);
      MYKEY_TRY(Settle(entry, next.failures, outcome, report, stop));
    }
    Notify();
  }
  if (stop) report.stopped = true;
  {
    std::lock_guard lock(mu_);
    MYKEY_ASSIGN_OR_RETURN(const JournalCounts counts, db_->Counts());
    report.remaining = counts.outstanding();
  }
  return report;
}

Result<std::vector<JournalEntry>> Journal::List(std::optional<EntryState> state, size_t limit) {
  std::lock_guard lock(mu_);
  std::string sql = std::string("SELECT ") + kColumns + " FROM journal_entries";
  if (state) sql += " WHERE state = ?2";
  sql += " ORDER BY id LIMIT ?1";
  Statement stmt(db_->db, sql.c_str());
  stmt.Bind(1, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
  if (state) stmt.Bind(2, EntryStateName(*state));
  std::vector<JournalEntry> entries;
  int rc;
  while ((rc = stmt.Step()) == SQLITE_ROW) entries.push_back(EntryOf(stmt));
  if (rc != SQLITE_DONE) return Fail(SqliteError(rc, "journal: cannot list entries"));
  return entries;
}

Result<JournalEntry> Journal::Find(std::string_view idempotency_key) {
  std::lock_guard lock(mu_);
  const std::string sql =
      std::string("SELECT ") + kColumns + " FROM journal_entries WHERE idempotency_key = ?1";
  Statement stmt(db_->db, sql.c_str());
  stmt.Bind(1, idempotency_key);
  const int rc = stmt.Step();
  if (rc == SQLITE_DONE) return Fail(ErrorCode::kNotFound, "journal: no entry with this key");
  if (rc != SQLITE_ROW) return Fail(SqliteError(rc, "journal: cannot read the entry"));
  return EntryOf(stmt);
}

Result<JournalCounts> Journal::Counts() {
  std::lock_guard lock(mu_);
  return db_->Counts();
}

Result<std::optional<std::chrono::system_clock::time_point>> Journal::NextAttemptAt() {
  std::lock_guard lock(mu_);
  MYKEY_ASSIGN_OR_RETURN(auto next, db_->NextOutstanding());
  if (!next) return std::optional<std::chrono::system_clock::time_point>();
  return std::optional<std::chrono::system_clock::time_point>(std::chrono::system_clock::time_point(
      std::chrono::milliseconds(next->entry.next_attempt_ms)));
}

Status Journal::RememberHolder(ByteView certificate_der, std::string_view mykey_id) {
  if (certificate_der.empty() || mykey_id.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "journal: no certificate or MyKey ID to remember");
  }
  const std::string key = ToHex(crypto::Sha256(certificate_der));
  std::lock_guard lock(mu_);
  Statement stmt(db_->db,
                 "INSERT INTO known_holders (certificate_sha256, mykey_id, learned_at_ms) "
                 "VALUES (?1, ?2, ?3) ON CONFLICT (certificate_sha256) DO UPDATE SET "
                 "mykey_id = excluded.mykey_id, learned_at_ms = excluded.learned_at_ms");
  stmt.Bind(1, key).Bind(2, mykey_id).Bind(3, NowMs());
  const int rc = stmt.Step();
  if (rc != SQLITE_DONE) return Fail(SqliteError(rc, "journal: cannot remember the holder"));
  return Ok();
}

Result<std::optional<std::string>> Journal::KnownHolder(ByteView certificate_der) {
  const std::string key = ToHex(crypto::Sha256(certificate_der));
  std::lock_guard lock(mu_);
  Statement stmt(db_->db, "SELECT mykey_id FROM known_holders WHERE certificate_sha256 = ?1");
  stmt.Bind(1, key);
  const int rc = stmt.Step();
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  if (rc != SQLITE_ROW) return Fail(SqliteError(rc, "journal: cannot read the known holders"));
  return std::optional<std::string>(stmt.Text(0));
}

}  // namespace mykey::journal
