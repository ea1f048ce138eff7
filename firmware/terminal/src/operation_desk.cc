#include "mykey/terminal/operation_desk.h"

#include <array>
#include <cstdio>
#include <random>
#include <utility>

namespace mykey::terminal {

struct OperationDesk::Entry {
  OperationSnapshot snapshot;
  Submitter submitter = Submitter::kApi;
  bool card_seen = false;
  bool cancel_requested = false;
};

// Appends the executor's events to the running entry.
class OperationDesk::Observer final : public FlowObserver {
 public:
  Observer(OperationDesk& desk, Entry& entry) : desk_(desk), entry_(entry) {}
  void OnEvent(EventKind kind, std::string_view name, std::optional<int64_t> value) override {
    std::lock_guard lock(desk_.mutex_);
    OperationEvent event;
    event.sequence = entry_.snapshot.events.size() + 1;
    event.kind = kind;
    event.name = std::string(name);
    event.value = value;
    if (kind == EventKind::kCard) entry_.card_seen = true;
    entry_.snapshot.events.push_back(std::move(event));
    desk_.heartbeat_ = std::chrono::steady_clock::now();
    desk_.changed_.notify_all();
  }

 private:
  OperationDesk& desk_;
  Entry& entry_;
};

OperationDesk::OperationDesk(OperationExecutor& executor, size_t keep)
    : executor_(executor),
      keep_(keep < 2 ? 2 : keep),
      heartbeat_(std::chrono::steady_clock::now()) {
  thread_ = std::thread([this] { Loop(); });
}

OperationDesk::~OperationDesk() {
  Close();
  thread_.join();
}

void OperationDesk::Close() {
  bool running = false;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (next_ != nullptr) {
      next_->snapshot.state = OperationState::kCancelled;
      OperationResult cancelled;
      cancelled.state = OperationState::kCancelled;
      cancelled.reason = "cancelled";
      next_->snapshot.result = cancelled;
      next_ = nullptr;
    }
    if (running_ != nullptr) running_->cancel_requested = true;
    running = running_ != nullptr;
    changed_.notify_all();
  }
  if (running) executor_.Cancel();
}

OperationDesk::Entry* OperationDesk::Find(std::string_view id) const {
  for (const auto& entry : entries_) {
    if (entry->snapshot.id == id) return entry.get();
  }
  return nullptr;
}

void OperationDesk::Forget() {
  while (entries_.size() > keep_) {
    auto it = entries_.begin();
    while (it != entries_.end() && !IsFinal((*it)->snapshot.state)) ++it;
    if (it == entries_.end()) return;
    entries_.erase(it);
  }
}

Result<std::string> OperationDesk::Submit(OperationRequest request, Submitter submitter) {
  std::lock_guard lock(mutex_);
  if (stopping_) return Fail(ErrorCode::kUnavailable, "the terminal is stopping");
  if (next_ != nullptr) return Fail(ErrorCode::kFailedPrecondition, "busy");
  bool preempt = false;
  if (running_ != nullptr) {
    if (running_->submitter != Submitter::kIdle || running_->card_seen ||
        submitter == Submitter::kIdle) {
      return Fail(ErrorCode::kFailedPrecondition, "busy");
    }
    preempt = true;
  }
  // Unguessable ids: a caller cannot poll or cancel another caller's operation
  // by counting.
  std::random_device random;
  std::array<char, 40> id{};
  std::snprintf(id.data(), id.size(), "op-%llu-%08x%08x",
                static_cast<unsigned long long>(++counter_), random(), random());
  auto entry = std::make_unique<Entry>();
  entry->snapshot.id = id.data();
  entry->snapshot.request = std::move(request);
  entry->snapshot.preemptible = submitter == Submitter::kIdle;
  entry->submitter = submitter;
  next_ = entry.get();
  entries_.push_back(std::move(entry));
  Forget();
  if (preempt) {
    running_->cancel_requested = true;
    executor_.Cancel();
  }
  changed_.notify_all();
  return std::string(id.data());
}

std::optional<OperationSnapshot> OperationDesk::Get(std::string_view id) const {
  std::lock_guard lock(mutex_);
  Entry* entry = Find(id);
  if (entry == nullptr) return std::nullopt;
  return entry->snapshot;
}

std::optional<OperationSnapshot> OperationDesk::WaitForChange(
    std::string_view id, uint64_t after_sequence, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  auto ready = [&] {
    Entry* entry = Find(id);
    return entry == nullptr || IsFinal(entry->snapshot.state) ||
           entry->snapshot.events.size() > after_sequence;
  };
  changed_.wait_for(lock, timeout, ready);
  Entry* entry = Find(id);
  if (entry == nullptr) return std::nullopt;
  return entry->snapshot;
}

std::optional<OperationSnapshot> OperationDesk::WaitForFinal(std::string_view id) const {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] {
    Entry* entry = Find(id);
    return entry == nullptr || IsFinal(entry->snapshot.state);
  });
  Entry* entry = Find(id);
  if (entry == nullptr) return std::nullopt;
  return entry->snapshot;
}

Status OperationDesk::Cancel(std::string_view id) {
  std::unique_lock lock(mutex_);
  Entry* entry = Find(id);
  if (entry == nullptr) return Fail(ErrorCode::kNotFound, "no such operation");
  if (IsFinal(entry->snapshot.state)) {
    return Fail(ErrorCode::kFailedPrecondition, "the operation is final already");
  }
  if (entry == next_) {
    next_ = nullptr;
    entry->snapshot.state = OperationState::kCancelled;
    OperationResult cancelled;
    cancelled.state = OperationState::kCancelled;
    cancelled.reason = "cancelled";
    entry->snapshot.result = cancelled;
    changed_.notify_all();
    return Ok();
  }
  entry->cancel_requested = true;
  lock.unlock();
  executor_.Cancel();
  return Ok();
}

bool OperationDesk::WaitUntilFree(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return running_ == nullptr && next_ == nullptr; });
}

std::optional<std::string> OperationDesk::Current() const {
  std::lock_guard lock(mutex_);
  if (running_ != nullptr) return running_->snapshot.id;
  if (next_ != nullptr) return next_->snapshot.id;
  return std::nullopt;
}

bool OperationDesk::Healthy(std::chrono::milliseconds stale) const {
  std::lock_guard lock(mutex_);
  if (stopping_) return false;
  if (running_ != nullptr) return true;  // bounded by the card and PIN timeouts
  return std::chrono::steady_clock::now() - heartbeat_ <= stale;
}

void OperationDesk::Loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_ || next_ != nullptr; });
    heartbeat_ = std::chrono::steady_clock::now();
    if (stopping_) return;
    if (next_ == nullptr) continue;
    Entry* entry = next_;
    next_ = nullptr;
    // Reset before the entry is visible as running: a Cancel() from now on
    // reaches this operation.
    executor_.Reset();
    running_ = entry;
    entry->snapshot.state = OperationState::kRunning;
    changed_.notify_all();
    OperationRequest request = entry->snapshot.request;
    lock.unlock();
    Observer observer(*this, *entry);
    OperationResult result = executor_.Execute(request, observer);
    lock.lock();
    // Every operation ends final, whatever the executor returned.
    if (!IsFinal(result.state)) {
      result.state = OperationState::kFailed;
      result.reason = "internal";
    }
    // A cancel that came before the executor saw it still counts.
    if (entry->cancel_requested && result.state == OperationState::kFailed &&
        !result.amount.has_value()) {
      result.state = OperationState::kCancelled;
      result.reason = "cancelled";
    }
    entry->snapshot.state = result.state;
    entry->snapshot.result = std::move(result);
    heartbeat_ = std::chrono::steady_clock::now();
    changed_.notify_all();
    // The result is out; the desk stays busy until the executor has settled
    // (the card taken away), so that the next operation does not read the
    // same card by mistake.
    lock.unlock();
    executor_.Settle();
    lock.lock();
    running_ = nullptr;
    heartbeat_ = std::chrono::steady_clock::now();
    changed_.notify_all();
  }
}

void OperationDesk::NoteOfflineQueue(int64_t pending, bool cloud_reachable) {
  {
    std::lock_guard lock(mutex_);
    OfflineQueueStatus status;
    status.pending = pending;
    status.cloud_reachable = cloud_reachable;
    status.reports = offline_queue_ ? offline_queue_->reports + 1 : 1;
    offline_queue_ = status;
    if (running_ != nullptr && !IsFinal(running_->snapshot.state)) {
      OperationEvent event;
      event.sequence = running_->snapshot.events.size() + 1;
      event.kind = EventKind::kOfflineQueue;
      event.name = cloud_reachable ? "cloud_reachable" : "cloud_unreachable";
      event.value = pending;
      running_->snapshot.events.push_back(std::move(event));
    }
  }
  changed_.notify_all();
}

std::optional<OfflineQueueStatus> OperationDesk::offline_queue() const {
  std::lock_guard lock(mutex_);
  return offline_queue_;
}

std::optional<OfflineQueueStatus> OperationDesk::WaitForOfflineQueue(
    uint64_t after_reports, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout,
                    [&] { return offline_queue_ && offline_queue_->reports > after_reports; });
  return offline_queue_;
}

}  // namespace mykey::terminal
