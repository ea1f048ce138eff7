#include "mykey/card_reader/reader_monitor.h"

#include <deque>

#include "mykey/testing/catch.h"

namespace mykey::hal {
namespace {

const Bytes kAtrA = {0x3B, 0x80, 0x80, 0x01, 0x01};
const Bytes kAtrB = {0x3B, 0x88, 0x80, 0x01};

ReaderInfo Empty(std::string name) {
  return {std::move(name), false, {}};
}
ReaderInfo WithCard(std::string name, Bytes atr) {
  return {std::move(name), true, std::move(atr)};
}

// A monitor whose "now" is a queue of states: each wait returns the next one.
class QueueReaderMonitor final : public ReaderMonitor {
 public:
  std::vector<ReaderInfo> now;
  std::deque<Result<std::vector<ReaderInfo>>> next_states;
  int waits = 0;
  int lists = 0;

 private:
  Result<std::vector<ReaderInfo>> DoListReaders() override {
    ++lists;
    return now;
  }
  Result<std::vector<ReaderInfo>> DoWaitForChange(const std::vector<ReaderInfo>&,
                                                  std::chrono::milliseconds) override {
    ++waits;
    if (next_states.empty()) {
      return Fail(ErrorCode::kDeadlineExceeded, "no change");
    }
    auto next = next_states.front();
    next_states.pop_front();
    if (next) now = *next;
    return next;
  }
  Result<std::unique_ptr<CardReader>> DoOpenReader(std::string_view) override {
    return Fail(ErrorCode::kNotFound, "no such reader");
  }
  void DoCancel() override {}
};

TEST_CASE("DiffReaderStates of equal states is empty", "[reader_monitor]") {
  std::vector<ReaderInfo> s = {WithCard("R0", kAtrA), Empty("R1")};
  CHECK(DiffReaderStates(s, s).empty());
}

TEST_CASE("DiffReaderStates reports added and removed readers", "[reader_monitor]") {
  auto events = DiffReaderStates({Empty("R0")}, {Empty("R1")});
  REQUIRE(events.size() == 2);
  CHECK(events[0] == ReaderEvent{ReaderEventType::kReaderRemoved, "R0", {}});
  CHECK(events[1] == ReaderEvent{ReaderEventType::kReaderAdded, "R1", {}});
}

TEST_CASE("DiffReaderStates reports a card inserted with its ATR and a card removed",
          "[reader_monitor]") {
  auto in = DiffReaderStates({Empty("R0")}, {WithCard("R0", kAtrA)});
  REQUIRE(in.size() == 1);
  CHECK(in[0] == ReaderEvent{ReaderEventType::kCardInserted, "R0", kAtrA});

  auto out = DiffReaderStates({WithCard("R0", kAtrA)}, {Empty("R0")});
  REQUIRE(out.size() == 1);
  CHECK(out[0] == ReaderEvent{ReaderEventType::kCardRemoved, "R0", {}});
}

TEST_CASE("DiffReaderStates reports an ATR change in the same reader as card out then in",
          "[reader_monitor]") {
  auto events = DiffReaderStates({WithCard("R0", kAtrA)}, {WithCard("R0", kAtrB)});
  REQUIRE(events.size() == 2);
  CHECK(events[0] == ReaderEvent{ReaderEventType::kCardRemoved, "R0", {}});
  CHECK(events[1] == ReaderEvent{ReaderEventType::kCardInserted, "R0", kAtrB});
}

TEST_CASE("DiffReaderStates reports the card of a vanished reader as removed first",
          "[reader_monitor]") {
  auto events = DiffReaderStates({WithCard("R0", kAtrA)}, {});
  REQUIRE(events.size() == 2);
  CHECK(events[0].type == ReaderEventType::kCardRemoved);
  CHECK(events[1].type == ReaderEventType::kReaderRemoved);
}

TEST_CASE("DiffReaderStates reports a new reader with a card as added then inserted",
          "[reader_monitor]") {
  auto events = DiffReaderStates({}, {WithCard("R0", kAtrA)});
  REQUIRE(events.size() == 2);
  CHECK(events[0] == ReaderEvent{ReaderEventType::kReaderAdded, "R0", {}});
  CHECK(events[1] == ReaderEvent{ReaderEventType::kCardInserted, "R0", kAtrA});
}

TEST_CASE("ReaderEventTypeName names every event type", "[reader_monitor]") {
  CHECK(std::string(ReaderEventTypeName(ReaderEventType::kReaderAdded)) == "reader added");
  CHECK(std::string(ReaderEventTypeName(ReaderEventType::kReaderRemoved)) == "reader removed");
  CHECK(std::string(ReaderEventTypeName(ReaderEventType::kCardInserted)) == "card inserted");
  CHECK(std::string(ReaderEventTypeName(ReaderEventType::kCardRemoved)) == "card removed");
}

TEST_CASE("WaitForChange reports the difference from the state ListReaders returned",
          "[reader_monitor]") {
  QueueReaderMonitor monitor;
  monitor.now = {Empty("R0")};
  REQUIRE(monitor.ListReaders());
  monitor.next_states.push_back(std::vector<ReaderInfo>{WithCard("R0", kAtrA)});
  auto events = monitor.WaitForChange(std::chrono::milliseconds{1000});
  REQUIRE(events);
  REQUIRE(events->size() == 1);
  CHECK((*events)[0] == ReaderEvent{ReaderEventType::kCardInserted, "R0", kAtrA});
}

TEST_CASE("WaitForChange keeps waiting while the backend wakes without a visible change",
          "[reader_monitor]") {
  QueueReaderMonitor monitor;
  monitor.now = {Empty("R0")};
  REQUIRE(monitor.ListReaders());
  monitor.next_states.push_back(std::vector<ReaderInfo>{Empty("R0")});
  monitor.next_states.push_back(std::vector<ReaderInfo>{Empty("R0")});
  monitor.next_states.push_back(std::vector<ReaderInfo>{Empty("R0"), Empty("R1")});
  auto events = monitor.WaitForChange(std::chrono::milliseconds{60000});
  REQUIRE(events);
  CHECK(monitor.waits == 3);
  REQUIRE(events->size() == 1);
  CHECK((*events)[0].type == ReaderEventType::kReaderAdded);
}

TEST_CASE("WaitForChange passes on the backend's timeout and cancel errors", "[reader_monitor]") {
  QueueReaderMonitor monitor;
  monitor.next_states.push_back(Fail(ErrorCode::kCancelled, "cancelled"));
  auto cancelled = monitor.WaitForChange(std::chrono::milliseconds{1000});
  REQUIRE_FALSE(cancelled);
  CHECK(cancelled.error().code() == ErrorCode::kCancelled);
  auto timed_out = monitor.WaitForChange(std::chrono::milliseconds{0});
  REQUIRE_FALSE(timed_out);
  CHECK(timed_out.error().code() == ErrorCode::kDeadlineExceeded);
}

TEST_CASE("WaitForChange without an earlier ListReaders counts from the state at the call",
          "[reader_monitor]") {
  QueueReaderMonitor monitor;
  monitor.now = {WithCard("R0", kAtrA)};
  monitor.next_states.push_back(std::vector<ReaderInfo>{Empty("R0")});
  auto events = monitor.WaitForChange(std::chrono::milliseconds{1000});
  REQUIRE(events);
  REQUIRE(events->size() == 1);
  CHECK((*events)[0].type == ReaderEventType::kCardRemoved);
}

TEST_CASE("WaitForCard returns at once when a card is already present", "[reader_monitor]") {
  QueueReaderMonitor monitor;
  monitor.now = {Empty("R0"), WithCard("R1", kAtrA)};
  auto info = monitor.WaitForCard("R1", std::chrono::milliseconds{0});
  REQUIRE(info);
  CHECK(info->name == "R1");
  CHECK(info->atr == kAtrA);
  CHECK(monitor.waits == 0);
}

TEST_CASE("WaitForCard with no reader name takes a card in any reader", "[reader_monitor]") {
  QueueReaderMonitor monitor;
  monitor.now = {Empty("R0")};
  monitor.next_states.push_back(std::vector<ReaderInfo>{Empty("R0"), WithCard("R1", kAtrB)});
  auto info = monitor.WaitForCard("", std::chrono::milliseconds{1000});
  REQUIRE(info);
  CHECK(info->name == "R1");
}

TEST_CASE("WaitForCard ignores cards in other readers", "[reader_monitor]") {
  QueueReaderMonitor monitor;
  monitor.now = {Empty("R0"), Empty("R1")};
  monitor.next_states.push_back(std::vector<ReaderInfo>{Empty("R0"), WithCard("R1", kAtrA)});
  monitor.next_states.push_back(
      std::vector<ReaderInfo>{WithCard("R0", kAtrB), WithCard("R1", kAtrA)});
  auto info = monitor.WaitForCard("R0", std::chrono::milliseconds{1000});
  REQUIRE(info);
  CHECK(info->name == "R0");
  CHECK(monitor.waits == 2);
}

TEST_CASE("WaitForCard times out with kDeadlineExceeded", "[reader_monitor]") {
  QueueReaderMonitor monitor;
  monitor.now = {Empty("R0")};
  auto info = monitor.WaitForCard("R0", std::chrono::milliseconds{0});
  REQUIRE_FALSE(info);
  CHECK(info.error().code() == ErrorCode::kDeadlineExceeded);
}

TEST_CASE("WaitForCardRemoval returns at once for an empty or unknown reader", "[reader_monitor]") {
  QueueReaderMonitor monitor;
  monitor.now = {Empty("R0"), WithCard("R1", kAtrA)};
  CHECK(monitor.WaitForCardRemoval("R0", std::chrono::milliseconds{0}));
  CHECK(monitor.WaitForCardRemoval("R9", std::chrono::milliseconds{0}));
  CHECK(monitor.waits == 0);
}

TEST_CASE("WaitForCardRemoval waits until the card leaves or its reader goes", "[reader_monitor]") {
  QueueReaderMonitor monitor;
  monitor.now = {WithCard("R0", kAtrA)};
  monitor.next_states.push_back(std::vector<ReaderInfo>{});
  REQUIRE(monitor.WaitForCardRemoval("R0", std::chrono::milliseconds{1000}));
  CHECK(monitor.waits == 1);
}

TEST_CASE("WaitForCardRemoval passes on kCancelled", "[reader_monitor]") {
  QueueReaderMonitor monitor;
  monitor.now = {WithCard("R0", kAtrA)};
  monitor.next_states.push_back(Fail(ErrorCode::kCancelled, "cancelled"));
  auto status = monitor.WaitForCardRemoval("R0", std::chrono::milliseconds{1000});
  REQUIRE_FALSE(status);
  CHECK(status.error().code() == ErrorCode::kCancelled);
}

TEST_CASE("OpenReader with an empty name is an invalid argument", "[reader_monitor]") {
  QueueReaderMonitor monitor;
  auto reader = monitor.OpenReader("");
  REQUIRE_FALSE(reader);
  CHECK(reader.error().code() == ErrorCode::kInvalidArgument);
  auto unknown = monitor.OpenReader("R9");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code() == ErrorCode::kNotFound);
}

}  // namespace
}  // namespace mykey::hal
