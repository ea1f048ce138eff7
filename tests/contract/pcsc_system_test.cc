// PC/SC-only system tests: pcscd stopped and started again under a live
// PcscReaderMonitor and PcscCardReader. They stop the pcscd of the test
// fixture, so they skip themselves (with a warning) when that pcscd is not
// the fixture's alone to stop (reused from elsewhere, or in use by another
// build tree).

#include "contract_card.h"
#include "mykey/pcsc/pcsc_reader.h"
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

// Stops the fixture's pcscd; starts it again when the test ends, whatever happens.
class PcscdOutage {
 public:
  Status Begin() {
    MYKEY_TRY(testing::StopFixturePcscd());
    stopped_ = true;
    return Ok();
  }
  Status End() {
    if (!stopped_) return Ok();
    stopped_ = false;
    return testing::StartFixturePcscd();
  }
  ~PcscdOutage() { (void)End(); }

 private:
  bool stopped_ = false;
};

// Waits until `reader` has been reported with `type`.
Status WaitForReaderEvent(hal::ReaderMonitor& monitor, hal::ReaderEventType type,
                          const std::string& reader) {
  while (true) {
    MYKEY_ASSIGN_OR_RETURN(std::vector<hal::ReaderEvent> events, monitor.WaitForChange(kWait));
    for (const hal::ReaderEvent& e : events) {
      if (e.type == type && e.reader == reader) return Ok();
    }
  }
}

TEST_CASE("The PC/SC monitor reports the readers gone when pcscd stops and back when it returns",
          "[pcsc][system]") {
  hal::PcscReaderMonitor monitor;
  REQUIRE_OK(testing::WaitForVpcdReaders(monitor));
  const std::string reader = testing::VpcdReaderName(0);

  PcscdOutage outage;
  Status stopped = outage.Begin();
  if (!stopped && stopped.error().code() == ErrorCode::kFailedPrecondition) {
    WARN("skipped: " << stopped.error().ToString());
    return;
  }
  REQUIRE_OK(stopped);

  REQUIRE_OK(WaitForReaderEvent(monitor, hal::ReaderEventType::kReaderRemoved, reader));
  auto down = monitor.ListReaders();
  REQUIRE_FALSE(down);
  CHECK(down.error().code() == ErrorCode::kUnavailable);

  REQUIRE_OK(outage.End());
  REQUIRE_OK(testing::WaitForVpcdReaders(monitor));
  auto up = monitor.ListReaders();
  REQUIRE_OK(up);
  CHECK(up->size() >= 2);
}

TEST_CASE("A PC/SC reader connects again after pcscd restarted, with the card back in",
          "[pcsc][system]") {
  CounterCard card;
  auto slot = testing::VpcdCardSlot::Create(card, 0);
  REQUIRE_OK(slot);
  hal::PcscReaderMonitor monitor;
  auto reader = monitor.OpenReader((*slot)->reader_name());
  REQUIRE_OK(reader);
  REQUIRE_OK((*reader)->Connect());
  REQUIRE_OK((*reader)->Transmit(kIncrement));

  PcscdOutage outage;
  Status stopped = outage.Begin();
  if (!stopped && stopped.error().code() == ErrorCode::kFailedPrecondition) {
    WARN("skipped: " << stopped.error().ToString());
    return;
  }
  REQUIRE_OK(stopped);
  auto lost = (*reader)->Transmit(kIncrement);
  REQUIRE_FALSE(lost);
  INFO(lost.error().ToString());
  CHECK((lost.error().code() == ErrorCode::kUnavailable ||
         lost.error().code() == ErrorCode::kAborted));
  CHECK_FALSE((*reader)->connected());

  REQUIRE_OK(outage.End());
  // The bridge reconnects to the new vpcd by itself (the card stays inserted).
  REQUIRE_OK(monitor.WaitForCard((*slot)->reader_name(), kWait));
  REQUIRE_OK((*reader)->Connect());
  auto counter = (*reader)->Transmit(kIncrement);
  REQUIRE_OK(counter);
  CHECK(*counter == Bytes{0x01, 0x90, 0x00});
}

}  // namespace
}  // namespace mykey::contract
