#include "mykey/card_reader/reader_monitor.h"

#include <algorithm>
#include <utility>

namespace mykey::hal {
namespace {

using Clock = std::chrono::steady_clock;

const ReaderInfo* FindReader(const std::vector<ReaderInfo>& readers, std::string_view name) {
  auto it = std::find_if(readers.begin(), readers.end(),
                         [&](const ReaderInfo& r) { return r.name == name; });
  return it == readers.end() ? nullptr : &*it;
}

// The first reader matching `reader` (any reader when empty) that holds a card.
const ReaderInfo* FindCard(const std::vector<ReaderInfo>& readers, std::string_view reader) {
  for (const ReaderInfo& info : readers) {
    if (info.card_present && (reader.empty() || info.name == reader)) return &info;
  }
  return nullptr;
}

std::chrono::milliseconds Remaining(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? left : std::chrono::milliseconds{0};
}

}  // namespace

const char* ReaderEventTypeName(ReaderEventType type) noexcept {
  switch (type) {
    case ReaderEventType::kReaderAdded: return "reader added";
    case ReaderEventType::kReaderRemoved: return "reader removed";
    case ReaderEventType::kCardInserted: return "card inserted";
    case ReaderEventType::kCardRemoved: return "card removed";
  }
  return "unknown reader event";
}

std::vector<ReaderEvent> DiffReaderStates(const std::vector<ReaderInfo>& before,
                                          const std::vector<ReaderInfo>& after) {
  std::vector<ReaderEvent> events;
  // Everything that left, in the order of `before`.
  for (const ReaderInfo& old_info : before) {
    const ReaderInfo* now = FindReader(after, old_info.name);
    bool card_left =
        old_info.card_present && (now == nullptr || !now->card_present || now->atr != old_info.atr);
    if (card_left) events.push_back({ReaderEventType::kCardRemoved, old_info.name, {}});
    if (now == nullptr) events.push_back({ReaderEventType::kReaderRemoved, old_info.name, {}});
  }
  // Everything that arrived, in the order of `after`.
  for (const ReaderInfo& new_info : after) {
    const ReaderInfo* old_info = FindReader(before, new_info.name);
    if (old_info == nullptr) {
      events.push_back({ReaderEventType::kReaderAdded, new_info.name, {}});
    }
    bool card_came = new_info.card_present && (old_info == nullptr || !old_info->card_present ||
                                               old_info->atr != new_info.atr);
    if (card_came) events.push_back({ReaderEventType::kCardInserted, new_info.name, new_info.atr});
  }
  return events;
}

Result<std::vector<ReaderInfo>> ReaderMonitor::ListReaders() {
  MYKEY_ASSIGN_OR_RETURN(std::vector<ReaderInfo> readers, DoListReaders());
  known_ = readers;
  primed_ = true;
  return readers;
}

Result<std::vector<ReaderEvent>> ReaderMonitor::WaitForChange(std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  if (!primed_) {
    // Nothing reported yet: changes are counted from the state now.
    MYKEY_TRY(ListReaders());
  }
  while (true) {
    MYKEY_ASSIGN_OR_RETURN(std::vector<ReaderInfo> state,
                           DoWaitForChange(known_, Remaining(deadline)));
    std::vector<ReaderEvent> events = DiffReaderStates(known_, state);
    known_ = std::move(state);
    if (!events.empty()) return events;
    // A backend may wake for changes we do not report (event counters,
    // flags other than presence): wait again for what is left of the time.
    if (Clock::now() >= deadline) {
      return Fail(ErrorCode::kDeadlineExceeded, "no reader or card change before the timeout");
    }
  }
}

Result<ReaderInfo> ReaderMonitor::WaitForCard(std::string_view reader,
                                              std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  MYKEY_TRY(ListReaders());
  while (true) {
    if (const ReaderInfo* found = FindCard(known_, reader)) return *found;
    auto events = WaitForChange(Remaining(deadline));
    if (!events) {
      if (events.error().code() == ErrorCode::kDeadlineExceeded) {
        return Fail(ErrorCode::kDeadlineExceeded, "no card inserted before the timeout");
      }
      return Fail(events.error());
    }
  }
}

Status ReaderMonitor::WaitForCardRemoval(std::string_view reader,
                                         std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  MYKEY_TRY(ListReaders());
  while (true) {
    if (FindCard(known_, reader) == nullptr) return Ok();
    auto events = WaitForChange(Remaining(deadline));
    if (!events) {
      if (events.error().code() == ErrorCode::kDeadlineExceeded) {
        return Fail(ErrorCode::kDeadlineExceeded, "card not removed before the timeout");
      }
      return Fail(events.error());
    }
  }
}

Result<std::unique_ptr<CardReader>> ReaderMonitor::OpenReader(std::string_view reader) {
  if (reader.empty()) return Fail(ErrorCode::kInvalidArgument, "OpenReader() with no reader name");
  return DoOpenReader(reader);
}

}  // namespace mykey::hal
