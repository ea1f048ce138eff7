// The counter through the real PC/SC stack: pcscd + the vpcd reader + an
// emulated card of the test JPKI (VpcdCardSlot), and the real cloud on
// loopback. Registered with the pcscd fixture (tests/system/PcscdFixture.cmake).
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "mykey/counter/counter.h"
#include "mykey/counter_testing/test_cloud.h"
#include "mykey/pcsc/pcsc_reader.h"
#include "mykey/testing/catch.h"
#include "mykey/testing/vpcd_card_slot.h"

namespace mykey::counter {
namespace {

using namespace std::chrono_literals;
using protocol::CardAuthPurpose;

/// Types a fixed PIN and confirms a last try.
class FixedPinPad final : public PinEntry {
 public:
  explicit FixedPinPad(std::string digits) : digits_(std::move(digits)) {}
  jpki::LastTryConfirmation ConfirmLastTry() override {
    return jpki::LastTryConfirmation::kConfirmed;
  }
  Result<jpki::Pin> RequestPin(const PinRequest&) override { return jpki::Pin::AuthPin(digits_); }

 private:
  std::string digits_;
};

TEST_CASE(
    "Through pcscd a holder gets a MyKey ID, a wrong PIN is reported, and points are held "
    "and captured") {
  testing::TestCloud cloud;
  auto client = cloud.EnrolledClient(cloud.Url());
  auto card = testing::IssueCard(21);
  auto slot = ::mykey::testing::VpcdCardSlot::Create(*card, 0);
  REQUIRE(slot);
  hal::PcscReaderMonitor monitor;
  CounterOptions options;
  options.reader = (*slot)->reader_name();
  auto made = Counter::Create(monitor, *client, options);
  REQUIRE(made);
  Counter& counter = **made;

  auto found = counter.WaitForCard(::mykey::testing::kPcscWaitTimeout);
  INFO((found ? std::string() : found.error().ToString()));
  REQUIRE(found);
  CHECK(found->reader == (*slot)->reader_name());

  FixedPinPad wrong("9999");
  auto refused = counter.Authenticate(CardAuthPurpose::kCreateMyKeyId, wrong);
  REQUIRE_FALSE(refused);
  CHECK(CounterErrorCodeOf(refused.error()) == CounterErrorCode::kWrongPin);
  CHECK(PinTriesLeftOf(refused.error()) == 2);

  FixedPinPad right("1234");
  REQUIRE(counter.Authenticate(CardAuthPurpose::kCreateMyKeyId, right));
  auto mykey_id = counter.CreateMyKeyId();
  REQUIRE(mykey_id);
  cloud.Grant(*mykey_id, 1000);

  auto holder = counter.Authenticate(CardAuthPurpose::kLogin, right);
  REQUIRE(holder);
  CHECK(holder->mykey_id == *mykey_id);
  CHECK(holder->pin_tries_left == 3);
  auto held = counter.Redeem({1, 400, true, ""});
  REQUIRE(held);
  CHECK(held->state == "held");
  auto captured = counter.Capture(held->redemption_id);
  REQUIRE(captured);
  CHECK(captured->balance == 600);

  counter.EndHolderSession();
  REQUIRE((*slot)->RemoveCard());
  REQUIRE(counter.WaitForCardRemoval(::mykey::testing::kPcscWaitTimeout));
}

}  // namespace
}  // namespace mykey::counter

namespace mykey::counter {
namespace {

// The holder's hand, on its own thread: the card is pulled and, once vpcd has
// let it go, put back after `gap` (shorter than pcscd's 400 ms presence poll;
// this is the case under test, not a wait).
std::thread PullAndPutBack(::mykey::testing::VpcdCardSlot& slot, std::chrono::milliseconds gap) {
  return std::thread([&slot, gap] {
    slot.bridge().Remove();
    std::this_thread::sleep_for(gap);
    slot.bridge().Insert();
  });
}

TEST_CASE(
    "Through pcscd a card pulled and put back within a poll is seen leaving and coming back") {
  testing::TestCloud cloud;
  auto client = cloud.EnrolledClient(cloud.Url());
  auto card = testing::IssueCard(22);
  auto slot = ::mykey::testing::VpcdCardSlot::Create(*card, 0);
  REQUIRE(slot);
  hal::PcscReaderMonitor monitor;
  CounterOptions options;
  options.reader = (*slot)->reader_name();
  auto made = Counter::Create(monitor, *client, options);
  REQUIRE(made);
  Counter& counter = **made;
  FixedPinPad right("1234");

  for (auto gap : {100ms, 200ms, 300ms}) {
    INFO("out of the reader for " << gap.count() << " ms");
    auto found = counter.WaitForCard(::mykey::testing::kPcscWaitTimeout);
    INFO((found ? std::string() : found.error().ToString()));
    REQUIRE(found);
    REQUIRE(counter.Authenticate(CardAuthPurpose::kCreateMyKeyId, right));
    // The terminal still holds the connection and waits for the card to be
    // taken away (its Settle()), then ends the holder session.
    std::thread hand = PullAndPutBack(**slot, gap);
    auto removed = counter.WaitForCardRemoval(::mykey::testing::kPcscWaitTimeout);
    hand.join();
    INFO((removed ? std::string() : removed.error().ToString()));
    REQUIRE(removed);
    counter.EndHolderSession();
    // The card that came back is a new card: it connects and authenticates.
    auto again = counter.WaitForCard(::mykey::testing::kPcscWaitTimeout);
    INFO((again ? std::string() : again.error().ToString()));
    REQUIRE(again);
    auto holder = counter.Authenticate(CardAuthPurpose::kCreateMyKeyId, right);
    INFO((holder ? std::string()
                 : std::string(CounterErrorCodeName(CounterErrorCodeOf(holder.error())))));
    REQUIRE(holder);
    counter.EndHolderSession();
  }
  REQUIRE((*slot)->RemoveCard());
}

}  // namespace
}  // namespace mykey::counter
