#pragma once

// Journal: offline mode's durable record of redemptions approved while the
// cloud was unreachable, and their forwarding, exactly once, when it is back.
//
// An entry is written (SQLite, WAL, synchronous=FULL: committed to disk)
// with its idempotency key BEFORE Authorise() returns, so the customer is
// told "approved" only for what survives a kill -9 or a power cut. The
// forwarder sends entries in order, every attempt with the entry's one key;
// it marks an entry "sending" durably before each attempt, so after a crash
// or a lost answer it first looks the key up (GET /v1/operations/{key})
// and sends again only when the cloud says nothing was applied.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/crypto/random.h"
#include "mykey/crypto/x509.h"
#include "mykey/journal/ledger_uplink.h"
#include "mykey/journal/offline_authorisation.h"
#include "mykey/revocation/revocation_cache.h"

namespace mykey::journal {

/// Where an entry is.
enum class EntryState : uint8_t {
  kPending,     ///< approved offline, not yet sent (or sent and known not applied)
  kSending,     ///< an attempt started; its outcome is not known yet
  kApplied,     ///< the ledger applied it (final)
  kRefused,     ///< the ledger refused it (final: the operator settles it with the customer)
  kUnresolved,  ///< its outcome could no longer be looked up (final: the operator checks)
};

/// "pending", "sending", "applied", "refused", "unresolved".
std::string_view EntryStateName(EntryState state) noexcept;

/// One journalled redemption.
struct JournalEntry {
  int64_t id = 0;               ///< the order of approval
  std::string idempotency_key;  ///< made at creation, used on every attempt
  std::string mykey_id;
  int64_t programme_id = 0;
  int64_t amount = 0;
  std::string card_serial_masked;  ///< the certificate serial, masked (MaskIdentifier)
  int64_t created_at_ms = 0;       ///< Unix ms, this terminal's clock
  EntryState state = EntryState::kPending;
  int attempts = 0;             ///< attempts to send (lookups not counted)
  int64_t next_attempt_ms = 0;  ///< not before (backoff)
  int64_t updated_at_ms = 0;
  int64_t redemption_id = 0;  ///< kApplied: the ledger's redemption
  int64_t balance_after = 0;  ///< kApplied: the holder's balance after it
  std::string reason;         ///< kRefused/kUnresolved, or the last transient failure
};

/// The queue at a glance (for the host's display and health check).
struct JournalCounts {
  int64_t pending = 0;
  int64_t sending = 0;
  int64_t applied = 0;
  int64_t refused = 0;
  int64_t unresolved = 0;
  int64_t outstanding_points = 0;                ///< points in pending + sending entries
  std::optional<int64_t> oldest_outstanding_ms;  ///< created_at_ms of the oldest of those
  int64_t outstanding() const { return pending + sending; }
};

/// A redemption to approve offline.
struct OfflineRedemption {
  std::string mykey_id;  ///< the holder's ID as the host knows it (see offline_authorisation.h)
  int64_t programme_id = 0;
  int64_t amount = 0;
  /// The key to forward it with: empty, the journal makes one ("mk-" + 32
  /// hex); else 1..255 printable ASCII without '/' (e.g. a key the host made
  /// before it knew the cloud was down), never used before in this journal.
  std::string idempotency_key;
};

/// What a Forward() pass did.
struct ForwardReport {
  int applied = 0;        ///< entries that became kApplied
  int refused = 0;        ///< entries that became kRefused
  int unresolved = 0;     ///< entries that became kUnresolved
  bool stopped = false;   ///< the pass stopped at an entry that must wait (cloud not reachable)
  int64_t remaining = 0;  ///< entries still outstanding
};

/// How the journal behaves.
///
/// Thread safety: a value type.
struct JournalOptions {
  std::string path;         ///< the SQLite file (created if missing)
  std::string terminal_id;  ///< the enrolled terminal's id (inside the card's signed message)
  OfflineLimits limits;
  /// Backoff of an entry after a failed attempt: base × 2^(attempts-1), at most max.
  std::chrono::milliseconds backoff_base{2000};
  std::chrono::milliseconds backoff_max{std::chrono::minutes(5)};
  /// An attempt whose answer was lost must be looked up within this time
  /// (the cloud keeps idempotency records 24 h); after it the entry is
  /// kUnresolved instead of being sent again (which could apply it twice).
  std::chrono::seconds lookup_horizon = std::chrono::hours(23);
  /// How long a challenge from NewChallenge() may be used.
  std::chrono::seconds challenge_ttl{120};
  /// The clock. Default: the system clock.
  std::function<std::chrono::system_clock::time_point()> now;
  /// Randomness for keys and challenges. Default: a SystemRandom the journal
  /// owns. Borrowed: must outlive the journal.
  crypto::RandomSource* random = nullptr;
};

/// Called after every change of the queue (approval, forwarding), with the
/// new counts, on the thread that made the change.
using QueueObserver = std::function<void(const JournalCounts&)>;

/// The offline journal.
///
/// Thread safety: all methods may be called concurrently (one connection
/// behind a mutex; Forward() passes are serialised). Two processes must not
/// open the same file (the second Open() fails with kFailedPrecondition).
class Journal {
 public:
  /// Opens (or creates) the journal.
  /// @param anchors     the cached JPKI auth CA certificates (copied)
  /// @param revocations the revocation cache; borrowed, must outlive the journal
  /// @returns the journal; kInvalidArgument (empty path or terminal id);
  ///          kUnavailable (domain kSqlite) if the file cannot be opened;
  ///          kFailedPrecondition if another process holds it; kDataLoss if
  ///          the file is not a journal or fails SQLite's integrity check.
  static Result<std::unique_ptr<Journal>> Open(JournalOptions options,
                                               std::vector<crypto::Certificate> anchors,
                                               const revocation::RevocationCache& revocations);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  /// A fresh 32-byte challenge for the card to sign (OfflineChallengeDigestInfo()),
  /// valid once, for challenge_ttl.
  /// @returns the challenge; kInternal if the random source fails.
  Result<Bytes> NewChallenge();

  /// Authorises a redemption offline and journals it. Checks, in order: the
  /// request (kAmountInvalid), the limits (per operation, count, total, per
  /// holder, oldest age), the revocation set's age, the challenge, the card
  /// (CheckCardOffline()), the MyKey ID's suspension. Then writes the entry
  /// with a new idempotency key and commits it to disk.
  /// @returns the entry (state kPending): only now may the customer be told
  ///          "approved"; an OfflineRefusal error (OfflineRefusalOf());
  ///          kInvalidArgument for a malformed given key; kAlreadyExists if
  ///          the given key is in the journal already;
  ///          kUnavailable (domain kSqlite) if it could not be written (not approved).
  Result<JournalEntry> Authorise(const OfflineCardEvidence& card,
                                 const OfflineRedemption& redemption);

  /// One forwarding pass: the outstanding entries in order, each due one sent
  /// (or looked up first if an earlier attempt's outcome is unknown). Stops
  /// at the first entry that must wait (cloud unreachable or answer lost:
  /// its backoff grows), so entries are applied in order. A refusal is final
  /// and the pass goes on with the next entry.
  /// @returns the report; kUnavailable (domain kSqlite) if the journal cannot be written.
  Result<ForwardReport> Forward(LedgerUplink& uplink);

  /// Entries, oldest first.
  /// @param state  only this state, or every state
  /// @param limit  at most this many
  /// @returns the entries; kUnavailable (domain kSqlite).
  Result<std::vector<JournalEntry>> List(std::optional<EntryState> state = std::nullopt,
                                         size_t limit = 1000);
  /// The entry with this key. @returns kNotFound; kUnavailable.
  Result<JournalEntry> Find(std::string_view idempotency_key);
  /// The counts. @returns kUnavailable (domain kSqlite).
  Result<JournalCounts> Counts();
  /// When the next outstanding entry is due (nullopt: none outstanding).
  Result<std::optional<std::chrono::system_clock::time_point>> NextAttemptAt();

  /// Sets the observer (replacing any); nullptr removes it.
  void SetQueueObserver(QueueObserver observer);

  /// Learns, from an online PIN session at this terminal, that the card with
  /// `certificate_der` belongs to `mykey_id` (kept as the certificate's
  /// SHA-256, with the time; a later session of the same card overwrites it).
  /// Offline, this is the one MyKey ID the host may pass to Authorise() for
  /// that card: the card proves it holds the certificate's key, this table
  /// says whose ID the cloud gave it.
  /// @returns Ok; kInvalidArgument (empty), kUnavailable (SQLite).
  Status RememberHolder(ByteView certificate_der, std::string_view mykey_id);

  /// The MyKey ID learned for `certificate_der`.
  /// @returns the ID, or nullopt if this terminal never saw the card online;
  ///          kUnavailable (SQLite).
  Result<std::optional<std::string>> KnownHolder(ByteView certificate_der);

 private:
  struct Db;
  Journal(JournalOptions options, std::vector<crypto::Certificate> anchors,
          const revocation::RevocationCache& revocations);
  int64_t NowMs() const;
  void Notify();
  Status Settle(const JournalEntry& entry, int64_t failures_before, const ForwardOutcome& outcome,
                ForwardReport& report, bool& stop);

  JournalOptions options_;
  std::vector<crypto::Certificate> anchors_;
  const revocation::RevocationCache& revocations_;
  std::unique_ptr<crypto::RandomSource> owned_random_;
  std::unique_ptr<Db> db_;
  std::mutex mu_;          // the connection, challenges, random source
  std::mutex forward_mu_;  // one Forward() pass at a time
  std::mutex observer_mu_;
  QueueObserver observer_;
  std::vector<std::pair<Bytes, int64_t>> challenges_;  // challenge, expires at (ms)
};

}  // namespace mykey::journal
