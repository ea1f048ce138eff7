// The contract of hal::CardReader and hal::ReaderMonitor, run against every
// backend: the in-process sim, and PC/SC over a real pcscd + vpcd with the
// card behind a VpcdBridge. Test names end in " - <Backend>"; CTest runs the
// sim cases one by one (label contract) and the PC/SC cases as one test with
// the pcscd fixture (labels system, contract).

#include <thread>

#include "contract_card.h"
#include "mykey/pcsc/pcsc_reader.h"
#include "mykey/sim/sim_reader.h"
#include "mykey/testing/catch.h"
#include "mykey/testing/vpcd_card_slot.h"

namespace mykey::contract {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kWait{10000};

#define REQUIRE_OK(expr)                                                                    \
  do {                                                                                      \
    auto&& require_ok_result_ = (expr);                                                     \
    INFO((require_ok_result_ ? std::string("ok") : require_ok_result_.error().ToString())); \
    REQUIRE(require_ok_result_);                                                            \
  } while (0)

// The in-process backend: a reader with the counter card, inserted and pulled at once.
class SimBackend {
 public:
  Status Setup() { return sim_.AddReader(reader_name()); }
  hal::ReaderMonitor& monitor() { return sim_; }
  std::string reader_name() const { return "Sim Reader 0"; }
  CounterCard& card() { return card_; }

  /// Inserts the card and returns once the backend reports it present.
  Status Insert() { return sim_.InsertCard(reader_name(), card_); }
  /// Pulls the card and returns once the backend reports the reader empty.
  Status Remove() { return sim_.RemoveCard(reader_name()); }
  /// Starts inserting/pulling (another thread may be waiting for it).
  void StartInsert() { (void)sim_.InsertCard(reader_name(), card_); }
  void StartRemove() { (void)sim_.RemoveCard(reader_name()); }
  void RemoveAfterCommands(uint32_t n) { (void)sim_.RemoveCardAfterCommands(reader_name(), n); }
  /// Returns once the backend reports the reader empty.
  Status WaitUntilAbsent() { return Ok(); }

 private:
  CounterCard card_;  // before the monitor: it must outlive its stay
  hal::SimReaderMonitor sim_;
};

// The PC/SC backend: pcscd + vpcd slot 0 + a VpcdBridge hosting the counter card.
class PcscBackend {
 public:
  Status Setup() {
    MYKEY_ASSIGN_OR_RETURN(slot_, testing::VpcdCardSlot::CreateEmpty(card_, 0));
    return testing::WaitForVpcdReaders(pcsc_);
  }
  hal::ReaderMonitor& monitor() { return pcsc_; }
  std::string reader_name() const { return testing::VpcdReaderName(0); }
  CounterCard& card() { return card_; }

  Status Insert() { return slot_->InsertCard(); }
  Status Remove() { return slot_->RemoveCard(); }
  void StartInsert() { slot_->bridge().Insert(); }
  void StartRemove() { slot_->bridge().Remove(); }
  void RemoveAfterCommands(uint32_t n) { slot_->bridge().RemoveAfterCommands(n); }
  Status WaitUntilAbsent() { return slot_->WaitUntilAbsent(); }

 private:
  CounterCard card_;  // before the slot: the bridge borrows it
  hal::PcscReaderMonitor pcsc_;
  std::unique_ptr<testing::VpcdCardSlot> slot_;
};

Bytes Echo(const Bytes& data) {
  Bytes command = {0x00, 0xCA, 0x00, 0x00, static_cast<uint8_t>(data.size())};
  command.insert(command.end(), data.begin(), data.end());
  return command;
}

const hal::ReaderInfo* Find(const std::vector<hal::ReaderInfo>& readers, const std::string& name) {
  for (const hal::ReaderInfo& r : readers) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

// Waits for an event of `type` on `reader`; events of other readers (another
// vpcd slot in use) are skipped.
Result<hal::ReaderEvent> WaitForEvent(hal::ReaderMonitor& monitor, hal::ReaderEventType type,
                                      const std::string& reader) {
  while (true) {
    MYKEY_ASSIGN_OR_RETURN(std::vector<hal::ReaderEvent> events, monitor.WaitForChange(kWait));
    for (const hal::ReaderEvent& e : events) {
      if (e.type == type && e.reader == reader) return e;
    }
  }
}

// WaitForChange until it fails; events of other readers are skipped.
Error WaitUntilError(hal::ReaderMonitor& monitor, const std::string& reader, milliseconds timeout) {
  while (true) {
    auto events = monitor.WaitForChange(timeout);
    if (!events) return events.error();
    for (const hal::ReaderEvent& e : *events) {
      if (e.reader == reader) return Error(ErrorCode::kInternal, "unexpected event on our reader");
    }
  }
}

TEMPLATE_TEST_CASE("ListReaders lists the reader, empty and then with the card and its ATR",
                   "[contract]", SimBackend, PcscBackend) {
  TestType backend;
  REQUIRE_OK(backend.Setup());
  auto before = backend.monitor().ListReaders();
  REQUIRE_OK(before);
  const hal::ReaderInfo* empty = Find(*before, backend.reader_name());
  REQUIRE(empty != nullptr);
  CHECK_FALSE(empty->card_present);
  CHECK(empty->atr.empty());

  REQUIRE_OK(backend.Insert());
  auto after = backend.monitor().ListReaders();
  REQUIRE_OK(after);
  const hal::ReaderInfo* full = Find(*after, backend.reader_name());
  REQUIRE(full != nullptr);
  CHECK(full->card_present);
  CHECK(full->atr == CounterCard::kAtr);
}

TEMPLATE_TEST_CASE("Connect returns the card's ATR", "[contract]", SimBackend, PcscBackend) {
  TestType backend;
  REQUIRE_OK(backend.Setup());
  REQUIRE_OK(backend.Insert());
  auto reader = backend.monitor().OpenReader(backend.reader_name());
  REQUIRE_OK(reader);
  CHECK((*reader)->name() == backend.reader_name());
  auto atr = (*reader)->Connect();
  REQUIRE_OK(atr);
  CHECK(*atr == CounterCard::kAtr);
  CHECK((*reader)->connected());
}

TEMPLATE_TEST_CASE("Connect on an empty reader fails with kNotFound", "[contract]", SimBackend,
                   PcscBackend) {
  TestType backend;
  REQUIRE_OK(backend.Setup());
  auto reader = backend.monitor().OpenReader(backend.reader_name());
  REQUIRE_OK(reader);
  auto atr = (*reader)->Connect();
  REQUIRE_FALSE(atr);
  CHECK(atr.error().code() == ErrorCode::kNotFound);
}

TEMPLATE_TEST_CASE("Transmit before Connect fails with kFailedPrecondition", "[contract]",
                   SimBackend, PcscBackend) {
  TestType backend;
  REQUIRE_OK(backend.Setup());
  REQUIRE_OK(backend.Insert());
  auto reader = backend.monitor().OpenReader(backend.reader_name());
  REQUIRE_OK(reader);
  auto response = (*reader)->Transmit(kIncrement);
  REQUIRE_FALSE(response);
  CHECK(response.error().code() == ErrorCode::kFailedPrecondition);
}

TEMPLATE_TEST_CASE("A command and its response make the round trip, up to 255 data bytes",
                   "[contract]", SimBackend, PcscBackend) {
  TestType backend;
  REQUIRE_OK(backend.Setup());
  REQUIRE_OK(backend.Insert());
  auto reader = backend.monitor().OpenReader(backend.reader_name());
  REQUIRE_OK(reader);
  REQUIRE_OK((*reader)->Connect());

  auto small = (*reader)->Transmit(Echo({0x12, 0x34}));
  REQUIRE_OK(small);
  CHECK(*small == Bytes{0x12, 0x34, 0x90, 0x00});

  Bytes data(255);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i);
  auto large = (*reader)->Transmit(Echo(data));
  REQUIRE_OK(large);
  REQUIRE(large->size() == 257);
  CHECK(Bytes(large->begin(), large->end() - 2) == data);

  auto unknown = (*reader)->Transmit(Bytes{0x00, 0xEE, 0x00, 0x00});
  REQUIRE_OK(unknown);
  CHECK(*unknown == Bytes{0x6D, 0x00});  // a status word is a successful exchange
}

TEMPLATE_TEST_CASE(
    "A card pulled in the middle of a sequence fails the next APDU with kAborted, then Connect "
    "with kNotFound",
    "[contract]", SimBackend, PcscBackend) {
  TestType backend;
  REQUIRE_OK(backend.Setup());
  REQUIRE_OK(backend.Insert());
  auto reader = backend.monitor().OpenReader(backend.reader_name());
  REQUIRE_OK(reader);
  REQUIRE_OK((*reader)->Connect());
  backend.RemoveAfterCommands(2);
  REQUIRE_OK((*reader)->Transmit(kIncrement));
  REQUIRE_OK((*reader)->Transmit(kIncrement));
  auto third = (*reader)->Transmit(kIncrement);
  REQUIRE_FALSE(third);
  INFO(third.error().ToString());
  CHECK(third.error().code() == ErrorCode::kAborted);
  CHECK_FALSE((*reader)->connected());

  REQUIRE_OK(backend.WaitUntilAbsent());
  auto again = (*reader)->Connect();
  REQUIRE_FALSE(again);
  CHECK(again.error().code() == ErrorCode::kNotFound);
}

TEMPLATE_TEST_CASE("A card inserted again can be connected and starts a fresh session",
                   "[contract]", SimBackend, PcscBackend) {
  TestType backend;
  REQUIRE_OK(backend.Setup());
  REQUIRE_OK(backend.Insert());
  auto reader = backend.monitor().OpenReader(backend.reader_name());
  REQUIRE_OK(reader);
  REQUIRE_OK((*reader)->Connect());
  REQUIRE_OK((*reader)->Transmit(kIncrement));

  REQUIRE_OK(backend.Remove());
  auto lost = (*reader)->Transmit(kIncrement);
  REQUIRE_FALSE(lost);
  CHECK(lost.error().code() == ErrorCode::kAborted);

  REQUIRE_OK(backend.Insert());
  REQUIRE_OK((*reader)->Connect());
  auto counter = (*reader)->Transmit(kIncrement);
  REQUIRE_OK(counter);
  CHECK(*counter == Bytes{0x01, 0x90, 0x00});
}

TEMPLATE_TEST_CASE("Reset drops the card's session state", "[contract]", SimBackend, PcscBackend) {
  TestType backend;
  REQUIRE_OK(backend.Setup());
  REQUIRE_OK(backend.Insert());
  auto reader = backend.monitor().OpenReader(backend.reader_name());
  REQUIRE_OK(reader);
  REQUIRE_OK((*reader)->Connect());
  REQUIRE_OK((*reader)->Transmit(kIncrement));
  auto second = (*reader)->Transmit(kIncrement);
  REQUIRE_OK(second);
  CHECK(*second == Bytes{0x02, 0x90, 0x00});
  int resets = backend.card().resets();

  auto atr = (*reader)->Reset();
  REQUIRE_OK(atr);
  CHECK(*atr == CounterCard::kAtr);
  CHECK(backend.card().resets() == resets + 1);
  auto after = (*reader)->Transmit(kIncrement);
  REQUIRE_OK(after);
  CHECK(*after == Bytes{0x01, 0x90, 0x00});
}

TEMPLATE_TEST_CASE("Disconnect drops the card's session state", "[contract]", SimBackend,
                   PcscBackend) {
  TestType backend;
  REQUIRE_OK(backend.Setup());
  REQUIRE_OK(backend.Insert());
  auto reader = backend.monitor().OpenReader(backend.reader_name());
  REQUIRE_OK(reader);
  REQUIRE_OK((*reader)->Connect());
  REQUIRE_OK((*reader)->Transmit(kIncrement));
  REQUIRE_OK((*reader)->Disconnect());
  CHECK_FALSE((*reader)->connected());
  REQUIRE_OK((*reader)->Connect());
  auto counter = (*reader)->Transmit(kIncrement);
  REQUIRE_OK(counter);
  CHECK(*counter == Bytes{0x01, 0x90, 0x00});
}

TEMPLATE_TEST_CASE("WaitForCard returns at once when the card is already present", "[contract]",
                   SimBackend, PcscBackend) {
  TestType backend;
  REQUIRE_OK(backend.Setup());
  REQUIRE_OK(backend.Insert());
  auto info = backend.monitor().WaitForCard(backend.reader_name(), milliseconds{0});
  REQUIRE_OK(info);
  CHECK(info->name == backend.reader_name());
  CHECK(info->atr == CounterCard::kAtr);
}

TEMPLATE_TEST_CASE("WaitForCard wakes when the card is inserted", "[contract]", SimBackend,
                   PcscBackend) {
  TestType backend;
  REQUIRE_OK(backend.Setup());
  REQUIRE_OK(backend.monitor().ListReaders());
  std::thread inserter([&] { backend.StartInsert(); });
  auto info = backend.monitor().WaitForCard(backend.reader_name(), kWait);
  inserter.join();
  REQUIRE_OK(info);
  CHECK(info->card_present);
  CHECK(info->atr == CounterCard::kAtr);
}

TEMPLATE_TEST_CASE(
    "WaitForCardRemoval wakes when the card is pulled, and returns at once when "
    "the reader is empty",
    "[contract]", SimBackend, PcscBackend) {
  TestType backend;
  REQUIRE_OK(backend.Setup());
  REQUIRE_OK(backend.monitor().WaitForCardRemoval(backend.reader_name(), milliseconds{0}));
  REQUIRE_OK(backend.Insert());
  REQUIRE_OK(backend.monitor().ListReaders());
  std::thread remover([&] { backend.StartRemove(); });
  auto removed = backend.monitor().WaitForCardRemoval(backend.reader_name(), kWait);
  remover.join();
  REQUIRE_OK(removed);
}

TEMPLATE_TEST_CASE("WaitForChange reports the card inserted with its ATR, then removed",
                   "[contract]", SimBackend, PcscBackend) {
  TestType backend;
  REQUIRE_OK(backend.Setup());
  hal::ReaderMonitor& monitor = backend.monitor();
  REQUIRE_OK(monitor.ListReaders());

  backend.StartInsert();
  auto inserted = WaitForEvent(monitor, hal::ReaderEventType::kCardInserted, backend.reader_name());
  REQUIRE_OK(inserted);
  CHECK(inserted->atr == CounterCard::kAtr);

  backend.StartRemove();
  auto removed = WaitForEvent(monitor, hal::ReaderEventType::kCardRemoved, backend.reader_name());
  REQUIRE_OK(removed);
  CHECK(removed->atr.empty());
}

TEMPLATE_TEST_CASE("WaitForChange fails with kDeadlineExceeded when nothing changes", "[contract]",
                   SimBackend, PcscBackend) {
  TestType backend;
  REQUIRE_OK(backend.Setup());
  REQUIRE_OK(backend.monitor().ListReaders());
  Error error = WaitUntilError(backend.monitor(), backend.reader_name(), milliseconds{200});
  INFO(error.ToString());
  CHECK(error.code() == ErrorCode::kDeadlineExceeded);
}

TEMPLATE_TEST_CASE("Cancel from another thread ends WaitForChange with kCancelled", "[contract]",
                   SimBackend, PcscBackend) {
  TestType backend;
  REQUIRE_OK(backend.Setup());
  REQUIRE_OK(backend.monitor().ListReaders());
  std::thread canceller([&] { backend.monitor().Cancel(); });
  Error error = WaitUntilError(backend.monitor(), backend.reader_name(), kWait);
  canceller.join();
  INFO(error.ToString());
  CHECK(error.code() == ErrorCode::kCancelled);
}

TEMPLATE_TEST_CASE("OpenReader of an unknown reader fails with kNotFound", "[contract]", SimBackend,
                   PcscBackend) {
  TestType backend;
  REQUIRE_OK(backend.Setup());
  auto reader = backend.monitor().OpenReader("No Such Reader 99");
  REQUIRE_FALSE(reader);
  CHECK(reader.error().code() == ErrorCode::kNotFound);
}

}  // namespace
}  // namespace mykey::contract
