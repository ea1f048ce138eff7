#pragma once

// OperationDesk: one operation at a time, from the console or the local API.
// Operations run on the desk's own thread (the counter facade is used from
// one thread); callers read snapshots, wait for new events, and cancel.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "mykey/base/result.h"
#include "mykey/terminal/flow.h"
#include "mykey/terminal/operation.h"

namespace mykey::terminal {

/// What runs an operation (the FlowRunner in the product, a double in tests).
///
/// Thread safety: Execute() on the desk's thread; Cancel() from any thread.
class OperationExecutor {
 public:
  virtual ~OperationExecutor() = default;
  /// Runs `request` to a final state, reporting events to `observer`.
  virtual OperationResult Execute(const OperationRequest& request, FlowObserver& observer) = 0;
  /// Asks the running (or the next) Execute() to stop.
  virtual void Cancel() = 0;
  /// Forgets a Cancel() no Execute() has seen; called before each operation.
  virtual void Reset() = 0;
  /// Called after the final state is published, before the desk takes the
  /// next operation (the product waits here for the card to be taken away).
  /// Cancel() cuts it short. Default: nothing.
  virtual void Settle() {}
};

/// FlowRunner as an OperationExecutor.
///
/// Thread safety: as FlowRunner.
class FlowExecutor final : public OperationExecutor {
 public:
  /// @param runner borrowed; must outlive the executor
  explicit FlowExecutor(FlowRunner& runner) : runner_(runner) {}
  OperationResult Execute(const OperationRequest& request, FlowObserver& observer) override {
    return runner_.Run(request, observer);
  }
  void Cancel() override { runner_.Cancel(); }
  void Reset() override { runner_.Reset(); }
  void Settle() override { runner_.Settle(); }

 private:
  FlowRunner& runner_;
};

/// An operation as the desk knows it.
///
/// Thread safety: a value type (a copy taken under the desk's lock).
struct OperationSnapshot {
  std::string id;
  OperationRequest request;
  OperationState state = OperationState::kPending;
  std::vector<OperationEvent> events;
  std::optional<OperationResult> result;  ///< set once final
  bool preemptible = false;
};

/// The offline journal's queue as last reported (offline mode only).
///
/// Thread safety: a value type.
struct OfflineQueueStatus {
  int64_t pending = 0;          ///< entries not yet forwarded
  bool cloud_reachable = true;  ///< as the forwarder last saw it
  uint64_t reports = 0;         ///< how many reports so far (1, 2, ...)
  bool operator==(const OfflineQueueStatus&) const = default;
};

/// Who asked for an operation.
enum class Submitter : uint8_t {
  kApi,      ///< the local API: refused with busy while another runs
  kConsole,  ///< the clerk
  kIdle,     ///< the terminal's own idle loop (library taps): a request from
             ///< the API or the clerk preempts it while no card was seen
};

/// The one-operation-at-a-time desk.
///
/// Thread safety: every method may be called from any thread.
class OperationDesk {
 public:
  /// Starts the desk's thread.
  /// @param executor  borrowed; must outlive the desk
  /// @param keep      finished operations kept for GET (oldest dropped first)
  explicit OperationDesk(OperationExecutor& executor, size_t keep = 32);
  /// Cancels what runs, waits for its final state, stops the thread.
  ~OperationDesk();
  OperationDesk(const OperationDesk&) = delete;
  OperationDesk& operator=(const OperationDesk&) = delete;

  /// Accepts `request` to run next.
  /// @returns the operation id; kFailedPrecondition ("busy") when another
  ///          operation is pending or running (unless that one is an idle
  ///          operation that no card reached yet: it is cancelled and this one
  ///          runs after it); kUnavailable when the desk is stopping.
  Result<std::string> Submit(OperationRequest request, Submitter submitter);

  /// @returns a snapshot, or nullopt for an unknown (or forgotten) id.
  std::optional<OperationSnapshot> Get(std::string_view id) const;

  /// Waits until the operation has an event after `after_sequence` or is
  /// final, or `timeout` passes.
  /// @returns the snapshot then; nullopt for an unknown id.
  std::optional<OperationSnapshot> WaitForChange(std::string_view id, uint64_t after_sequence,
                                                 std::chrono::milliseconds timeout) const;

  /// Waits for the final state (no timeout: every operation reaches one).
  /// @returns the final snapshot; nullopt for an unknown id.
  std::optional<OperationSnapshot> WaitForFinal(std::string_view id) const;

  /// Cancels a pending or running operation. A running one ends `cancelled`
  /// unless points already moved (it then completes).
  /// @returns Ok; kNotFound (unknown id); kFailedPrecondition (already final).
  Status Cancel(std::string_view id);

  /// Stops taking operations (Submit() answers kUnavailable), cancels the
  /// pending one and asks the running one to stop. Idempotent.
  void Close();

  /// Waits until no operation is pending, running or settling (a final
  /// result is published before the desk has settled: until then Submit()
  /// answers busy).
  /// @returns true when free; false when `timeout` passed first.
  bool WaitUntilFree(std::chrono::milliseconds timeout) const;

  /// The id of the pending or running operation, if any.
  std::optional<std::string> Current() const;

  /// True while the desk's thread is alive and was not stuck: it has come
  /// back to its loop (or is running an operation that still emits events)
  /// within `stale`. For the watchdog and /healthz.
  bool Healthy(std::chrono::milliseconds stale) const;

  /// Takes the offline queue's state (from the forwarder's thread, through
  /// the counter's listener): kept for offline_queue(), added as an
  /// `offline_queue` event to the running operation, and waiters are woken.
  void NoteOfflineQueue(int64_t pending, bool cloud_reachable);
  /// The offline queue as last noted; nullopt before the first report.
  std::optional<OfflineQueueStatus> offline_queue() const;
  /// Waits until a report after `after_reports` arrives, up to `timeout`.
  /// @returns the queue then (possibly unchanged on timeout).
  std::optional<OfflineQueueStatus> WaitForOfflineQueue(uint64_t after_reports,
                                                        std::chrono::milliseconds timeout) const;

 private:
  struct Entry;
  class Observer;

  void Loop();
  Entry* Find(std::string_view id) const;
  void Forget();

  OperationExecutor& executor_;
  size_t keep_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::deque<std::unique_ptr<Entry>> entries_;
  Entry* running_ = nullptr;
  Entry* next_ = nullptr;
  bool stopping_ = false;
  uint64_t counter_ = 0;
  std::chrono::steady_clock::time_point heartbeat_;
  std::optional<OfflineQueueStatus> offline_queue_;
  std::thread thread_;
};

}  // namespace mykey::terminal
