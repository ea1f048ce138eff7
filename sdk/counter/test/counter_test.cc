// Counter over hal/sim with the JPKI emulator (cards of the test JPKI) and the
// real cloud (auth, registry and ledger routes, SQLite, loopback HTTP).
#include "mykey/counter/counter.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "mykey/counter_testing/test_cloud.h"
#include "mykey/sim/sim_reader.h"
#include "mykey/testing/catch.h"

namespace mykey::counter {
namespace {

using namespace std::chrono_literals;
using protocol::CardAuthPurpose;

constexpr char kReader[] = "Sim Reader 0";

/// Records every event, in order.
class RecordingListener final : public CounterListener {
 public:
  void OnReaderEvent(const hal::ReaderEvent& event) override { reader_events.push_back(event); }
  void OnPinTriesLeft(const PinState& state) override { tries.push_back(state.tries_left); }
  void OnProgress(FlowStep step) override { steps.push_back(step); }
  void OnOfflineQueue(const OfflineQueueState& state) override { queue.push_back(state); }

  bool Saw(FlowStep step) const {
    return std::find(steps.begin(), steps.end(), step) != steps.end();
  }
  bool SawReader(hal::ReaderEventType type) const {
    return std::any_of(reader_events.begin(), reader_events.end(),
                       [&](const hal::ReaderEvent& e) { return e.type == type; });
  }

  std::vector<hal::ReaderEvent> reader_events;
  std::vector<int> tries;
  std::vector<FlowStep> steps;
  std::vector<OfflineQueueState> queue;
};

/// A PIN pad that types `digits` and answers the last-try question as told;
/// counts how often it is asked; may run an action when asked for the PIN.
class ScriptedPinPad final : public PinEntry {
 public:
  explicit ScriptedPinPad(std::string digits,
                          jpki::LastTryConfirmation confirm = jpki::LastTryConfirmation::kConfirmed)
      : digits_(std::move(digits)), confirm_(confirm) {}

  jpki::LastTryConfirmation ConfirmLastTry() override {
    ++confirmations_asked;
    return confirm_;
  }
  Result<jpki::Pin> RequestPin(const PinRequest& request) override {
    ++pins_asked;
    last_request = request;
    if (on_request) on_request();
    return jpki::Pin::AuthPin(digits_);
  }

  int confirmations_asked = 0;
  int pins_asked = 0;
  PinRequest last_request;
  std::function<void()> on_request;

 private:
  std::string digits_;
  jpki::LastTryConfirmation confirm_;
};

/// A reader with a card, the cloud, an enrolled client and a Counter.
struct Desk {
  testing::TestCloud cloud;
  std::unique_ptr<cloud_client::CloudClient> client;
  hal::SimReaderMonitor monitor;
  std::unique_ptr<jpki::JpkiCardEmulator> card;
  RecordingListener events;
  std::unique_ptr<Counter> counter;

  explicit Desk(uint32_t card_index, int tries_left = 3, CounterOptions options = {},
                std::string base_url = {}, int max_attempts = 3) {
    client = cloud.EnrolledClient(base_url.empty() ? cloud.Url() : base_url, max_attempts);
    REQUIRE(monitor.AddReader(kReader));
    card = testing::IssueCard(card_index, tries_left);
    REQUIRE(monitor.InsertCard(kReader, *card));
    options.listener = &events;
    auto made = Counter::Create(monitor, *client, options);
    REQUIRE(made);
    counter = std::move(*made);
  }

  void Present() {
    auto found = counter->WaitForCard(5s);
    INFO((found ? std::string() : found.error().ToString()));
    REQUIRE(found);
  }

  HolderSession Authenticate(CardAuthPurpose purpose) {
    ScriptedPinPad pad("1234");
    auto holder = counter->Authenticate(purpose, pad);
    INFO((holder ? "" : std::string(CounterErrorCodeName(CounterErrorCodeOf(holder.error())))) +
         " " + counter->last_failure().cloud_reason);
    REQUIRE(holder);
    return *holder;
  }

  /// A holder with a MyKey ID, authenticated for `purpose`.
  std::string CreateMyKeyId() {
    Authenticate(CardAuthPurpose::kCreateMyKeyId);
    auto id = counter->CreateMyKeyId();
    REQUIRE(id);
    return *id;
  }
};

CounterErrorCode CodeOf(const Error& error) {
  return CounterErrorCodeOf(error);
}

TEST_CASE("A holder with the right PIN gets a card session, a MyKey ID and their balances") {
  Desk desk(1);
  desk.Present();
  CHECK(desk.counter->card()->reader == kReader);
  CHECK(desk.counter->card()->token_type == jpki::TokenType::kPlasticCard);
  CHECK(desk.events.SawReader(hal::ReaderEventType::kCardInserted));

  const HolderSession first = desk.Authenticate(CardAuthPurpose::kLogin);
  CHECK(first.level == AuthLevel::kPin);
  CHECK_FALSE(first.mykey_id.has_value());
  CHECK(first.pin_tries_left == 3);
  CHECK(first.certificate_serial_masked.find('*') != std::string::npos);
  CHECK_FALSE(first.expires_at.empty());
  CHECK(desk.events.tries == std::vector<int>{3});
  for (FlowStep step :
       {FlowStep::kReadingCard, FlowStep::kReadingPinTries, FlowStep::kWaitingForPin,
        FlowStep::kVerifyingPin, FlowStep::kRequestingChallenge, FlowStep::kSigning,
        FlowStep::kOpeningSession}) {
    CHECK(desk.events.Saw(step));
  }

  auto none = desk.counter->Balances();
  REQUIRE_FALSE(none);
  CHECK(CodeOf(none.error()) == CounterErrorCode::kNoMyKeyId);

  const std::string mykey_id = desk.CreateMyKeyId();
  CHECK(desk.counter->holder()->mykey_id == mykey_id);
  desk.cloud.Grant(mykey_id, 1000);

  const HolderSession login = desk.Authenticate(CardAuthPurpose::kLogin);
  CHECK(login.mykey_id == mykey_id);
  auto balances = desk.counter->Balances();
  REQUIRE(balances);
  REQUIRE(balances->programmes.size() == 1);
  CHECK(balances->programmes[0].balance == 1000);
}

TEST_CASE("A MyKey ID is created, cannot be created twice, and is changed") {
  Desk desk(2);
  desk.Present();
  const std::string first = desk.CreateMyKeyId();
  CHECK(first.size() == 8);
  auto again = desk.counter->CreateMyKeyId();
  REQUIRE_FALSE(again);
  CHECK(CodeOf(again.error()) == CounterErrorCode::kHasMyKeyId);
  CHECK(desk.counter->last_failure().cloud_reason == "has_mykey_id");

  auto changed = desk.counter->ChangeMyKeyId();
  REQUIRE(changed);
  CHECK(*changed != first);
  CHECK(desk.counter->holder()->mykey_id == *changed);

  desk.Authenticate(CardAuthPurpose::kLogin);
  auto wrong = desk.counter->CreateMyKeyId();
  REQUIRE_FALSE(wrong);
  CHECK(CodeOf(wrong.error()) == CounterErrorCode::kWrongPurpose);
}

TEST_CASE("A wrong PIN reports the tries left, is not retried and opens no session") {
  Desk desk(3);
  desk.Present();
  ScriptedPinPad pad("9999");
  auto holder = desk.counter->Authenticate(CardAuthPurpose::kLogin, pad);
  REQUIRE_FALSE(holder);
  CHECK(CodeOf(holder.error()) == CounterErrorCode::kWrongPin);
  CHECK(PinTriesLeftOf(holder.error()) == 2);
  CHECK(desk.counter->last_failure().tries_left == 2);
  CHECK(pad.pins_asked == 1);
  CHECK(desk.card->counters().auth_pin_tries_left == 2);
  CHECK(desk.events.tries == std::vector<int>{3, 2});
  CHECK_FALSE(desk.counter->holder().has_value());
  CHECK_FALSE(desk.events.Saw(FlowStep::kRequestingChallenge));

  // The right PIN next time resets the card's counter.
  const HolderSession good = desk.Authenticate(CardAuthPurpose::kLogin);
  CHECK(good.pin_tries_left == 3);
  CHECK(desk.card->counters().auth_pin_tries_left == 3);
}

TEST_CASE("With one try left the PIN is not asked for or sent unless the holder confirms") {
  Desk desk(4, 1);
  desk.Present();
  ScriptedPinPad refuses("1234", jpki::LastTryConfirmation::kNotConfirmed);
  auto refused = desk.counter->Authenticate(CardAuthPurpose::kLogin, refuses);
  REQUIRE_FALSE(refused);
  CHECK(CodeOf(refused.error()) == CounterErrorCode::kLastTryNeedsConfirmation);
  CHECK(refuses.confirmations_asked == 1);
  CHECK(refuses.pins_asked == 0);
  CHECK(desk.card->counters().auth_pin_tries_left == 1);

  // A collected PIN without confirmation: wiped, nothing sent.
  auto pin = jpki::Pin::AuthPin("1234");
  REQUIRE(pin);
  auto collected = desk.counter->Authenticate(CardAuthPurpose::kLogin, std::move(*pin));
  REQUIRE_FALSE(collected);
  CHECK(CodeOf(collected.error()) == CounterErrorCode::kLastTryNeedsConfirmation);
  CHECK(desk.card->counters().auth_pin_tries_left == 1);

  ScriptedPinPad confirms("1234", jpki::LastTryConfirmation::kConfirmed);
  auto holder = desk.counter->Authenticate(CardAuthPurpose::kLogin, confirms);
  REQUIRE(holder);
  CHECK(confirms.last_request.last_try);
  CHECK(confirms.last_request.tries_left == 1);
  CHECK(desk.card->counters().auth_pin_tries_left == 3);
}

TEST_CASE("A wrong PIN on the confirmed last try blocks the card and says so") {
  Desk desk(5, 1);
  desk.Present();
  ScriptedPinPad pad("0000", jpki::LastTryConfirmation::kConfirmed);
  auto holder = desk.counter->Authenticate(CardAuthPurpose::kLogin, pad);
  REQUIRE_FALSE(holder);
  CHECK(CodeOf(holder.error()) == CounterErrorCode::kPinBlocked);
  CHECK(desk.card->counters().auth_pin_tries_left == 0);
  CHECK(desk.events.tries.back() == 0);
}

TEST_CASE("A blocked PIN sends nothing and asks for no PIN") {
  Desk desk(6, 0);
  desk.Present();
  ScriptedPinPad pad("1234");
  auto holder = desk.counter->Authenticate(CardAuthPurpose::kLogin, pad);
  REQUIRE_FALSE(holder);
  CHECK(CodeOf(holder.error()) == CounterErrorCode::kPinBlocked);
  CHECK(pad.pins_asked == 0);
  CHECK(pad.confirmations_asked == 0);
  CHECK(desk.card->counters().auth_pin_tries_left == 0);
  CHECK_FALSE(desk.events.Saw(FlowStep::kVerifyingPin));
  CHECK_FALSE(desk.events.Saw(FlowStep::kRequestingChallenge));

  auto state = desk.counter->ReadPinState();
  REQUIRE(state);
  CHECK(state->blocked);
}

TEST_CASE("A card pulled while the PIN is typed gives kCardRemoved and leaves nothing behind") {
  Desk desk(7);
  desk.Present();
  ScriptedPinPad pad("1234");
  pad.on_request = [&] { REQUIRE(desk.monitor.RemoveCard(kReader)); };
  auto holder = desk.counter->Authenticate(CardAuthPurpose::kLogin, pad);
  REQUIRE_FALSE(holder);
  CHECK(CodeOf(holder.error()) == CounterErrorCode::kCardRemoved);
  CHECK_FALSE(desk.counter->holder().has_value());
  CHECK_FALSE(desk.counter->card().has_value());
  CHECK(desk.events.SawReader(hal::ReaderEventType::kCardRemoved));
  CHECK_FALSE(desk.events.Saw(FlowStep::kRequestingChallenge));
  CHECK(desk.card->counters().auth_pin_tries_left == 3);

  auto later = desk.counter->Balances();
  REQUIRE_FALSE(later);
  CHECK(CodeOf(later.error()) == CounterErrorCode::kNotAuthenticated);
  auto no_card = desk.counter->ReadPinState();
  REQUIRE_FALSE(no_card);
  CHECK(CodeOf(no_card.error()) == CounterErrorCode::kNoCard);
}

TEST_CASE("A PIN pad that saw the card go gives kCardRemoved at once and uses no PIN try") {
  Desk desk(7);
  desk.Present();
  // The PIN pad watches the reader it is given and answers kAborted when the card leaves it.
  class WatchingPinPad final : public PinEntry {
   public:
    jpki::LastTryConfirmation ConfirmLastTry() override {
      return jpki::LastTryConfirmation::kNotConfirmed;
    }
    Result<jpki::Pin> RequestPin(const PinRequest& request) override {
      reader = request.reader;
      return Fail(ErrorCode::kAborted, "the card was taken away");
    }
    std::string reader;
  } pad;
  auto holder = desk.counter->Authenticate(CardAuthPurpose::kLogin, pad);
  REQUIRE_FALSE(holder);
  CHECK(pad.reader == kReader);
  CHECK(CodeOf(holder.error()) == CounterErrorCode::kCardRemoved);
  CHECK_FALSE(desk.counter->card().has_value());
  CHECK(desk.events.SawReader(hal::ReaderEventType::kCardRemoved));
  CHECK_FALSE(desk.events.Saw(FlowStep::kVerifyingPin));
  CHECK(desk.card->counters().auth_pin_tries_left == 3);
}

TEST_CASE("A PIN pad that gives no PIN for another reason is a cancel and keeps the card") {
  Desk desk(7);
  desk.Present();
  class QuittingPinPad final : public PinEntry {
   public:
    jpki::LastTryConfirmation ConfirmLastTry() override {
      return jpki::LastTryConfirmation::kNotConfirmed;
    }
    Result<jpki::Pin> RequestPin(const PinRequest&) override {
      return Fail(ErrorCode::kCancelled, "Esc");
    }
  } pad;
  auto holder = desk.counter->Authenticate(CardAuthPurpose::kLogin, pad);
  REQUIRE_FALSE(holder);
  CHECK(CodeOf(holder.error()) == CounterErrorCode::kCancelled);
  CHECK(desk.counter->card().has_value());
  CHECK_FALSE(desk.events.SawReader(hal::ReaderEventType::kCardRemoved));
}

TEST_CASE("A card pulled while signing gives kCardRemoved and opens no session") {
  Desk desk(8);
  desk.Present();
  ScriptedPinPad pad("1234");
  // After the PIN: SELECT EF 0018 and VERIFY, SELECT EF 0017; the card is
  // pulled right after those, so SIGN finds no card.
  pad.on_request = [&] { REQUIRE(desk.monitor.RemoveCardAfterCommands(kReader, 3)); };
  auto holder = desk.counter->Authenticate(CardAuthPurpose::kLogin, pad);
  REQUIRE_FALSE(holder);
  CHECK(CodeOf(holder.error()) == CounterErrorCode::kCardRemoved);
  CHECK(desk.events.Saw(FlowStep::kSigning));
  CHECK_FALSE(desk.events.Saw(FlowStep::kOpeningSession));
  CHECK_FALSE(desk.counter->holder().has_value());
  CHECK_FALSE(desk.counter->card().has_value());

  // Put back, it authenticates from the start.
  REQUIRE(desk.monitor.InsertCard(kReader, *desk.card));
  desk.Present();
  desk.Authenticate(CardAuthPurpose::kLogin);
}

TEST_CASE("A service ID is linked with a link-service session and found with a login session") {
  Desk desk(9);
  desk.Present();
  desk.CreateMyKeyId();
  desk.Authenticate(CardAuthPurpose::kLogin);
  auto missing = desk.counter->ServiceId();
  REQUIRE_FALSE(missing);
  CHECK(CodeOf(missing.error()) == CounterErrorCode::kNoServiceLink);
  auto wrong = desk.counter->LinkService("CARD-789");
  REQUIRE_FALSE(wrong);
  CHECK(CodeOf(wrong.error()) == CounterErrorCode::kWrongPurpose);

  desk.Authenticate(CardAuthPurpose::kLinkService);
  auto linked = desk.counter->LinkService("CARD-789");
  REQUIRE(linked);
  CHECK(linked->provider_id == "shopA");

  desk.Authenticate(CardAuthPurpose::kLogin);
  auto found = desk.counter->ServiceId();
  REQUIRE(found);
  CHECK(found->service_id == "CARD-789");
}

TEST_CASE("Points are redeemed, held, captured, voided and refunded") {
  Desk desk(10);
  desk.Present();
  const std::string mykey_id = desk.CreateMyKeyId();
  desk.cloud.Grant(mykey_id, 1000);
  desk.Authenticate(CardAuthPurpose::kLogin);

  auto zero = desk.counter->Redeem({1, 0, false, ""});
  REQUIRE_FALSE(zero);
  CHECK(CodeOf(zero.error()) == CounterErrorCode::kInvalidValue);
  auto too_much = desk.counter->Redeem({1, 5000, false, ""});
  REQUIRE_FALSE(too_much);
  CHECK(CodeOf(too_much.error()) == CounterErrorCode::kInsufficientBalance);
  auto unknown = desk.counter->Redeem({99, 10, false, ""});
  REQUIRE_FALSE(unknown);
  CHECK((CodeOf(unknown.error()) == CounterErrorCode::kUnknownProgramme ||
         CodeOf(unknown.error()) == CounterErrorCode::kNotAccepted));

  auto redeemed = desk.counter->Redeem({1, 100, false, ""});
  REQUIRE(redeemed);
  CHECK(redeemed->state == "captured");
  CHECK(redeemed->balance == 900);

  auto held = desk.counter->Redeem({1, 300, true, ""});
  REQUIRE(held);
  CHECK(held->state == "held");
  CHECK(held->balance == 600);
  auto captured = desk.counter->Capture(held->redemption_id);
  REQUIRE(captured);
  CHECK(captured->state == "captured");
  auto late_void = desk.counter->Void(held->redemption_id);
  REQUIRE_FALSE(late_void);
  CHECK(CodeOf(late_void.error()) == CounterErrorCode::kAlreadyCaptured);

  auto refund = desk.counter->Refund(held->redemption_id, 100);
  REQUIRE(refund);
  CHECK(refund->balance == 700);
  auto over = desk.counter->Refund(held->redemption_id, 1000);
  REQUIRE_FALSE(over);
  CHECK(CodeOf(over.error()) == CounterErrorCode::kRefundExceedsCaptured);

  auto second = desk.counter->Redeem({1, 200, true, ""});
  REQUIRE(second);
  auto voided = desk.counter->Void(second->redemption_id);
  REQUIRE(voided);
  CHECK(voided->state == "voided");
  auto late_capture = desk.counter->Capture(second->redemption_id);
  REQUIRE_FALSE(late_capture);
  CHECK(CodeOf(late_capture.error()) == CounterErrorCode::kAlreadyVoided);

  auto balances = desk.counter->Balances();
  REQUIRE(balances);
  CHECK(balances->programmes[0].balance == 700);
  CHECK(balances->programmes[0].held == 0);

  auto missing = desk.counter->Capture(999999);
  REQUIRE_FALSE(missing);
  CHECK(CodeOf(missing.error()) == CounterErrorCode::kUnknownRedemption);
}

TEST_CASE("A redemption whose answer was lost is recovered by the operation lookup") {
  Desk desk(11);
  testing::TestCloud* cloud_of_desk = &desk.cloud;
  // A second terminal of the same cloud reaches it through the proxy and never retries.
  auto proxy = std::make_unique<testing::LossyProxy>(cloud_of_desk->server->port());
  auto lossy_client =
      cloud_of_desk->EnrolledClient("http://127.0.0.1:" + std::to_string(proxy->port()), 1);
  auto made = Counter::Create(desk.monitor, *lossy_client, CounterOptions{});
  REQUIRE(made);
  Counter& counter = **made;

  REQUIRE(counter.WaitForCard(5s));
  ScriptedPinPad create_pad("1234");
  REQUIRE(counter.Authenticate(CardAuthPurpose::kCreateMyKeyId, create_pad));
  auto mykey_id = counter.CreateMyKeyId();
  REQUIRE(mykey_id);
  cloud_of_desk->Grant(*mykey_id, 1000);
  ScriptedPinPad login_pad("1234");
  REQUIRE(counter.Authenticate(CardAuthPurpose::kLogin, login_pad));

  proxy->LoseNextAnswers(1);
  auto redeemed = counter.Redeem({1, 250, false, "till1-0001"});
  INFO(CounterErrorCodeName(redeemed ? CounterErrorCode::kNone : CodeOf(redeemed.error())));
  REQUIRE(redeemed);
  CHECK(proxy->lost() == 1);
  CHECK(redeemed->replayed);
  CHECK(redeemed->balance == 750);
  auto balances = counter.Balances();
  REQUIRE(balances);
  CHECK(balances->programmes[0].balance == 750);

  // A key that never reached the cloud: not applied, safe to repeat.
  auto never = counter.RecoverRedemption("till1-never");
  REQUIRE_FALSE(never);
  CHECK(CodeOf(never.error()) == CounterErrorCode::kNotApplied);
}

TEST_CASE("After a lost-card report the holder session ends and authentication is refused") {
  Desk desk(12);
  desk.Present();
  desk.CreateMyKeyId();
  desk.Authenticate(CardAuthPurpose::kReportLost);
  REQUIRE(desk.counter->ReportLost());
  CHECK_FALSE(desk.counter->holder().has_value());

  ScriptedPinPad pad("1234");
  auto refused = desk.counter->Authenticate(CardAuthPurpose::kLogin, pad);
  REQUIRE_FALSE(refused);
  CHECK(CodeOf(refused.error()) == CounterErrorCode::kCardSuspended);
  CHECK(desk.counter->last_failure().cloud_reason == "card_suspended");
  CHECK_FALSE(desk.counter->holder().has_value());
}

TEST_CASE("Tap-only is refused unless the service allows it, and then moves nothing") {
  {
    Desk shop(13);
    shop.Present();
    auto refused = shop.counter->AuthenticateTapOnly();
    REQUIRE_FALSE(refused);
    CHECK(CodeOf(refused.error()) == CounterErrorCode::kTapOnlyNotAllowed);
  }
  CounterOptions library;
  library.allow_tap_only = true;
  Desk desk(14, 3, library);
  desk.Present();
  auto holder = desk.counter->AuthenticateTapOnly();
  REQUIRE(holder);
  CHECK(holder->level == AuthLevel::kTapOnly);
  CHECK_FALSE(holder->pin_tries_left.has_value());
  CHECK(holder->certificate_serial_masked.find('*') != std::string::npos);
  CHECK(desk.events.tries.empty());

  auto redeem = desk.counter->Redeem({1, 10, false, ""});
  REQUIRE_FALSE(redeem);
  CHECK(CodeOf(redeem.error()) == CounterErrorCode::kPinSessionRequired);
  auto link = desk.counter->LinkService("X");
  REQUIRE_FALSE(link);
  CHECK(CodeOf(link.error()) == CounterErrorCode::kPinSessionRequired);
}

TEST_CASE("A coupon typed at the kiosk converts once for the holder; bad codes are refused") {
  Desk desk(18);
  desk.Present();
  desk.CreateMyKeyId();
  desk.Authenticate(CardAuthPurpose::kLogin);
  const std::string code = desk.cloud.Coupon(300);

  auto homeless = desk.counter->ConvertCoupon(code);
  REQUIRE_FALSE(homeless);
  CHECK(CodeOf(homeless.error()) == CounterErrorCode::kNoDefaultMunicipality);
  REQUIRE(desk.counter->SetDefaultMunicipality("131016"));

  auto converted = desk.counter->ConvertCoupon(code);
  INFO(desk.counter->last_failure().cloud_reason);
  REQUIRE(converted);
  CHECK(converted->points == 300);
  CHECK(converted->state == "pending");
  CHECK(converted->channel == "coupon");

  auto again = desk.counter->ConvertCoupon(code);
  REQUIRE_FALSE(again);
  CHECK(CodeOf(again.error()) == CounterErrorCode::kCouponUsed);
  auto mistyped = desk.counter->ConvertCoupon("ABCD-EFGH");
  REQUIRE_FALSE(mistyped);
  CHECK(CodeOf(mistyped.error()) == CounterErrorCode::kCouponMalformed);
}

TEST_CASE("A donation gives the holder's points to a project and refuses a non-project") {
  Desk desk(19);
  desk.Present();
  const std::string mykey_id = desk.CreateMyKeyId();
  desk.cloud.Grant(mykey_id, 1000);
  desk.Authenticate(CardAuthPurpose::kLogin);

  auto donated = desk.counter->Donate({1, 4, 200, "", ""});
  INFO(desk.counter->last_failure().cloud_reason);
  REQUIRE(donated);
  CHECK(donated->amount == 200);
  CHECK(donated->balance == 800);

  auto not_project = desk.counter->Donate({1, 1, 10, "", ""});
  REQUIRE_FALSE(not_project);
  CHECK(CodeOf(not_project.error()) == CounterErrorCode::kNotAProject);
  auto zero = desk.counter->Donate({1, 4, 0, "", ""});
  REQUIRE_FALSE(zero);
  CHECK(CodeOf(zero.error()) == CounterErrorCode::kInvalidValue);

  desk.counter->EndHolderSession();
  auto no_holder = desk.counter->Donate({1, 4, 10, "", ""});
  REQUIRE_FALSE(no_holder);
  CHECK(CodeOf(no_holder.error()) == CounterErrorCode::kNotAuthenticated);
}

/// A local revocation set that lists every card.
class ListsEverything final : public RevocationCheck {
 public:
  Result<RevocationVerdict> CheckCertificate(std::string_view serial) override {
    seen_serial = std::string(serial);
    return RevocationVerdict::kRevoked;
  }
  Result<RevocationVerdict> CheckMyKeyId(std::string_view) override {
    return RevocationVerdict::kNotListed;
  }
  std::string seen_serial;
};

TEST_CASE("A card in the local revocation set is refused before the PIN is asked") {
  ListsEverything revoked;
  CounterOptions options;
  options.revocation = &revoked;
  Desk desk(15, 3, options);
  desk.Present();
  ScriptedPinPad pad("1234");
  auto holder = desk.counter->Authenticate(CardAuthPurpose::kLogin, pad);
  REQUIRE_FALSE(holder);
  CHECK(CodeOf(holder.error()) == CounterErrorCode::kCardRevoked);
  CHECK(pad.pins_asked == 0);
  CHECK_FALSE(revoked.seen_serial.empty());
  CHECK(desk.events.Saw(FlowStep::kCheckingRevocation));
  CHECK_FALSE(desk.events.Saw(FlowStep::kReadingPinTries));
}

/// A local revocation set that lists no card but suspends every MyKey ID.
class SuspendsEveryone final : public RevocationCheck {
 public:
  Result<RevocationVerdict> CheckCertificate(std::string_view) override {
    return RevocationVerdict::kNotListed;
  }
  Result<RevocationVerdict> CheckMyKeyId(std::string_view) override {
    return RevocationVerdict::kSuspended;
  }
};

TEST_CASE("A MyKey ID suspended in the local revocation set gets no holder session") {
  SuspendsEveryone suspended;
  CounterOptions options;
  options.revocation = &suspended;
  Desk desk(20, 3, options);
  desk.Present();
  desk.CreateMyKeyId();  // no MyKey ID yet when the session opened: nothing to check
  ScriptedPinPad pad("1234");
  auto holder = desk.counter->Authenticate(CardAuthPurpose::kLogin, pad);
  REQUIRE_FALSE(holder);
  CHECK(CodeOf(holder.error()) == CounterErrorCode::kCardSuspended);
  CHECK_FALSE(desk.counter->holder().has_value());
}

TEST_CASE("A card that arrives while the counter waits is reported and connected") {
  Desk desk(22);
  REQUIRE(desk.monitor.RemoveCard(kReader));
  desk.events.reader_events.clear();
  bool inserted = false;  // Catch2 asserts only on the test's thread
  std::thread clerk([&] { inserted = desk.monitor.InsertCard(kReader, *desk.card).has_value(); });
  auto found = desk.counter->WaitForCard(60s);
  clerk.join();
  REQUIRE(inserted);
  REQUIRE(found);
  CHECK(found->reader == kReader);
  CHECK(desk.events.SawReader(hal::ReaderEventType::kCardInserted));
}

TEST_CASE("A phone token is never tap-only but authenticates with its PIN") {
  // Made before the desk: the reader borrows it until the desk is gone.
  auto phone = testing::IssueCard(24, 3, "1234", jpki::TokenType::kAndroidPhone);
  CounterOptions library;
  library.allow_tap_only = true;
  Desk desk(23, 3, library);
  REQUIRE(desk.monitor.RemoveCard(kReader));
  REQUIRE(desk.monitor.InsertCard(kReader, *phone));
  desk.Present();
  CHECK(desk.counter->card()->token_type == jpki::TokenType::kAndroidPhone);
  auto tapped = desk.counter->AuthenticateTapOnly();
  REQUIRE_FALSE(tapped);
  CHECK(CodeOf(tapped.error()) == CounterErrorCode::kNotJpkiCard);
  const HolderSession holder = desk.Authenticate(CardAuthPurpose::kLogin);
  CHECK(holder.level == AuthLevel::kPin);
}

TEST_CASE("Calls for a holder need an authenticated holder") {
  Desk desk(16);
  auto balances = desk.counter->Balances();
  REQUIRE_FALSE(balances);
  CHECK(CodeOf(balances.error()) == CounterErrorCode::kNotAuthenticated);
  ScriptedPinPad pad("1234");
  auto no_card = desk.counter->Authenticate(CardAuthPurpose::kLogin, pad);
  REQUIRE_FALSE(no_card);
  CHECK(CodeOf(no_card.error()) == CounterErrorCode::kNoCard);
  CHECK(pad.pins_asked == 0);
}

TEST_CASE("Waiting for a card ends with kTimeout or kCancelled when none comes") {
  Desk desk(17);
  REQUIRE(desk.monitor.RemoveCard(kReader));
  auto timed_out = desk.counter->WaitForCard(0ms);
  REQUIRE_FALSE(timed_out);
  CHECK(CodeOf(timed_out.error()) == CounterErrorCode::kTimeout);

  desk.counter->Cancel();  // never lost: the next wait ends at once
  auto cancelled = desk.counter->WaitForCard(60s);
  REQUIRE_FALSE(cancelled);
  CHECK(CodeOf(cancelled.error()) == CounterErrorCode::kCancelled);

  REQUIRE(desk.monitor.InsertCard(kReader, *desk.card));
  desk.Present();
  REQUIRE(desk.monitor.RemoveCard(kReader));
  REQUIRE(desk.counter->WaitForCardRemoval(5s));
  CHECK_FALSE(desk.counter->card().has_value());
  CHECK(desk.events.SawReader(hal::ReaderEventType::kCardRemoved));
}

TEST_CASE("A terminal enrols and passes the connection test through the counter") {
  testing::TestCloud cloud;
  auto client = cloud.NewClient(cloud.Url());
  hal::SimReaderMonitor monitor;
  RecordingListener events;
  CounterOptions options;
  options.listener = &events;
  auto counter = Counter::Create(monitor, *client, options);
  REQUIRE(counter);

  auto before = (*counter)->ConnectionTest();
  REQUIRE_FALSE(before);
  CHECK(CodeOf(before.error()) == CounterErrorCode::kTerminalRefused);

  auto wrong = (*counter)->Enroll("not-a-code", "Till 1", testing::TestCloud::NewKey(),
                                  cloud.IdentityFiles());
  REQUIRE_FALSE(wrong);
  CHECK(CodeOf(wrong.error()) == CounterErrorCode::kTerminalRefused);

  auto enrolled = (*counter)->Enroll(cloud.EnrollmentCode(), "Till 1", testing::TestCloud::NewKey(),
                                     cloud.IdentityFiles());
  REQUIRE(enrolled);
  CHECK(enrolled->site.kind == "merchant");
  auto test = (*counter)->ConnectionTest();
  REQUIRE(test);
  CHECK(test->terminal.terminal_id == enrolled->terminal_id);
  CHECK(events.Saw(FlowStep::kEnrolling));
  CHECK(events.Saw(FlowStep::kTestingConnection));

  (*counter)->ReportOfflineQueue({4, false});
  REQUIRE(events.queue.size() == 1);
  CHECK(events.queue[0].pending == 4);
}

}  // namespace
}  // namespace mykey::counter

namespace mykey::counter {
namespace {

TEST_CASE("Cancel from another thread ends a wait for a card") {
  testing::TestCloud cloud;
  auto client = cloud.NewClient(cloud.Url());
  hal::SimReaderMonitor monitor;
  REQUIRE(monitor.AddReader(kReader));
  auto counter = Counter::Create(monitor, *client, CounterOptions{});
  REQUIRE(counter);
  // Cancel() is never lost: whether it lands before or during the wait, the wait ends.
  std::thread canceller([&] { (*counter)->Cancel(); });
  auto waited = (*counter)->WaitForCard(std::chrono::hours(1));
  canceller.join();
  REQUIRE_FALSE(waited);
  CHECK(CounterErrorCodeOf(waited.error()) == CounterErrorCode::kCancelled);
}

TEST_CASE("Log records follow the counter's level and never hold the PIN or a full MyKey ID") {
  std::vector<std::string> records;
  const log::Level saved = log::GetLevel();
  log::SetLevel(log::Level::kTrace);
  log::SetSink([&](log::Level, std::string_view module, std::string_view message) {
    if (module == "counter") records.emplace_back(message);
  });

  testing::TestCloud cloud;
  auto client = cloud.EnrolledClient(cloud.Url());
  hal::SimReaderMonitor monitor;
  REQUIRE(monitor.AddReader(kReader));
  auto card = testing::IssueCard(31, 3, "8642");
  REQUIRE(monitor.InsertCard(kReader, *card));
  CounterOptions options;
  options.log_level = log::Level::kOff;
  auto made = Counter::Create(monitor, *client, options);
  REQUIRE(made);
  Counter& counter = **made;
  REQUIRE(counter.WaitForCard(5s));
  CHECK(records.empty());

  counter.set_log_level(log::Level::kTrace);
  ScriptedPinPad wrong("1111");
  REQUIRE_FALSE(counter.Authenticate(CardAuthPurpose::kCreateMyKeyId, wrong));
  ScriptedPinPad right("8642");
  REQUIRE(counter.Authenticate(CardAuthPurpose::kCreateMyKeyId, right));
  auto mykey_id = counter.CreateMyKeyId();
  REQUIRE(mykey_id);

  log::SetSink(nullptr);
  log::SetLevel(saved);
  CHECK_FALSE(records.empty());
  for (const std::string& record : records) {
    INFO(record);
    CHECK(record.find("8642") == std::string::npos);
    CHECK(record.find("1111") == std::string::npos);
    CHECK(record.find(*mykey_id) == std::string::npos);
  }
}

}  // namespace
}  // namespace mykey::counter
