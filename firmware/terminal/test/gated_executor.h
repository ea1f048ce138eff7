#pragma once

// An OperationExecutor for desk and API tests.

#include <condition_variable>
#include <mutex>

#include "mykey/terminal/operation_desk.h"

namespace mykey::terminal::testing {

// An executor that emits one stage event (and a card event when asked) and
// then waits until released or cancelled.
class GatedExecutor final : public OperationExecutor {
 public:
  OperationState finish_with = OperationState::kDone;
  bool card_seen = false;

  OperationResult Execute(const OperationRequest&, FlowObserver& observer) override {
    observer.OnEvent(EventKind::kStage, "waiting_for_card", std::nullopt);
    if (card_seen) observer.OnEvent(EventKind::kCard, "inserted", std::nullopt);
    std::unique_lock lock(mutex_);
    ++started_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return released_ || cancelled_; });
    OperationResult result;
    result.state = cancelled_ ? OperationState::kCancelled : finish_with;
    result.reason = cancelled_ ? "cancelled" : "";
    released_ = false;
    cancelled_ = false;
    return result;
  }
  void Cancel() override {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    ++cancels_;
    changed_.notify_all();
  }
  void Reset() override {
    std::lock_guard lock(mutex_);
    cancelled_ = false;
  }
  /// Settle() waits for ReleaseSettle() when `gate_settle` is set.
  bool gate_settle = false;
  void Settle() override {
    std::unique_lock lock(mutex_);
    ++settling_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return !gate_settle || settle_released_ || cancelled_; });
    settle_released_ = false;
  }
  void ReleaseSettle() {
    std::lock_guard lock(mutex_);
    settle_released_ = true;
    changed_.notify_all();
  }
  void WaitSettling(int n) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return settling_ >= n; });
  }
  void Release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }
  int cancels() {
    std::lock_guard lock(mutex_);
    return cancels_;
  }
  void WaitStarted(int n) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return started_ >= n; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool released_ = false;
  bool cancelled_ = false;
  int started_ = 0;
  int cancels_ = 0;
  int settling_ = 0;
  bool settle_released_ = false;
};

}  // namespace mykey::terminal::testing
