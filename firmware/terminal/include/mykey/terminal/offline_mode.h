#pragma once

// Offline mode in the terminal: the journal (sdk/journal) behind the
// counter's OfflineAuthorizer hook, the forwarder that sends journalled
// redemptions when the cloud is back, and the journal's inspection text.
//
// What a terminal trusts offline: the card proves (PIN + SIGN of a fresh
// journal challenge, certificate chained to the cached JPKI CAs, not in the
// revocation set) that it holds the certificate's key; the MyKey ID is the
// one the cloud gave for that same certificate in an earlier online PIN
// session at THIS terminal (journal::Journal::RememberHolder(), stored with
// the journal). A card never seen online here is refused offline
// (`unknown_holder`).

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "mykey/base/result.h"
#include "mykey/counter/counter.h"
#include "mykey/journal/journal.h"
#include "mykey/journal/ledger_uplink.h"
#include "mykey/terminal/operation_desk.h"

namespace mykey::terminal {

/// counter::OfflineAuthorizer over a journal::Journal.
///
/// Thread safety: as the Journal (its calls are synchronised); called on the
/// counter's thread.
class JournalOfflineAuthorizer final : public counter::OfflineAuthorizer {
 public:
  /// @param journal borrowed; must outlive this
  explicit JournalOfflineAuthorizer(journal::Journal& journal) : journal_(journal) {}

  Result<Bytes> NewChallenge() override;
  Result<std::optional<std::string>> KnownHolder(ByteView certificate_der) override;
  void RememberHolder(ByteView certificate_der, std::string_view mykey_id) override;
  /// @returns a Redemption with operation "offline_redemption", state
  ///          "pending", the entry's idempotency key; or the journal's error
  ///          (a typed refusal, or kUnavailable when it cannot be written).
  Result<cloud_client::Redemption> AuthorizeRedemption(
      const counter::OfflineRedemptionRequest& request) override;
  std::string RefusalName(const Error& error) override;

 private:
  journal::Journal& journal_;
};

/// Sends the journal to the ledger on its own thread: at start, when poked
/// (after an online operation succeeded: the cloud is back), and when
/// NextAttemptAt() is due; it sleeps at most `idle_check` while entries are
/// outstanding (the backoff decides), and until poked when none are.
///
/// Thread safety: Poke() and Stop() from any thread.
class OfflineForwarder {
 public:
  /// @param journal, uplink borrowed; must outlive the forwarder
  /// @param on_counts called (on the forwarder's thread) with the counts
  ///        after every pass; may be empty
  OfflineForwarder(journal::Journal& journal, journal::LedgerUplink& uplink,
                   std::function<void(const journal::JournalCounts&)> on_counts = {},
                   std::chrono::milliseconds idle_check = std::chrono::seconds(30));
  ~OfflineForwarder();
  OfflineForwarder(const OfflineForwarder&) = delete;
  OfflineForwarder& operator=(const OfflineForwarder&) = delete;

  /// Where the queue's state goes whenever it changed (entries not yet
  /// forwarded, whether the cloud answered the last pass), and once after the
  /// first pass; called on the forwarder's thread. Set before Start(). The
  /// terminal passes it to counter::Counter::ReportOfflineQueue().
  void set_queue_listener(std::function<void(const counter::OfflineQueueState&)> listener) {
    queue_listener_ = std::move(listener);
  }

  void Start();
  /// Asks for a pass now (the cloud answered an online call).
  void Poke();
  /// An offline redemption was journalled (the cloud did not answer): counts
  /// the queue again and reports it, without trying to forward.
  void NoteJournalled();
  void Stop();
  /// Passes made so far (tests wait on it with WaitForPasses()).
  int passes() const;
  /// Waits until at least `count` passes were made, up to `timeout`.
  /// @returns whether they were.
  bool WaitForPasses(int count, std::chrono::milliseconds timeout);

 private:
  void Loop();

  journal::Journal& journal_;
  journal::LedgerUplink& uplink_;
  std::function<void(const journal::JournalCounts&)> on_counts_;
  std::function<void(const counter::OfflineQueueState&)> queue_listener_;
  std::optional<counter::OfflineQueueState> reported_;  // the forwarder's thread only
  std::chrono::milliseconds idle_check_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable passed_;
  bool poked_ = true;        // a pass at start
  bool journalled_ = false;  // NoteJournalled(): recount only
  bool stop_ = false;
  int passes_ = 0;
  std::thread thread_;
};

/// An OperationExecutor that pokes the forwarder after every operation that
/// reached the cloud and succeeded (state done, not offline).
///
/// Thread safety: as the executor it wraps.
class ForwardingExecutor final : public OperationExecutor {
 public:
  /// @param inner, forwarder borrowed; must outlive this
  ForwardingExecutor(OperationExecutor& inner, OfflineForwarder& forwarder)
      : inner_(inner), forwarder_(forwarder) {}
  OperationResult Execute(const OperationRequest& request, FlowObserver& observer) override;
  void Cancel() override { inner_.Cancel(); }
  void Reset() override { inner_.Reset(); }
  void Settle() override { inner_.Settle(); }

 private:
  OperationExecutor& inner_;
  OfflineForwarder& forwarder_;
};

/// `journal counts` text: one "state: n" line per state, outstanding points
/// and the oldest outstanding entry's time (Unix ms).
std::string JournalCountsText(const journal::JournalCounts& counts);

/// `journal list` text: one line per entry (key, state, masked ID,
/// programme, amount, attempts, redemption id, reason).
std::string JournalListText(const std::vector<journal::JournalEntry>& entries);

}  // namespace mykey::terminal
