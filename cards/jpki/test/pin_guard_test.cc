#include "mykey/jpki/pin_guard.h"

#include "mykey/scripted/scripted_card_reader.h"
#include "mykey/testing/catch.h"

namespace mykey::jpki {
namespace {

using hal::ScriptedCardReader;
using iso7816::CardChannel;

constexpr std::string_view kSelectAp = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";
constexpr std::string_view kSelectAuthPin = "00 A4 02 0C 02 00 18";
constexpr std::string_view kTriesLeft = "00 20 00 80";
constexpr std::string_view kVerify1234 = "00 20 00 80 04 31 32 33 34";

Pin AuthPin(std::string_view digits) {
  auto pin = Pin::AuthPin(digits);
  REQUIRE(pin);
  return std::move(*pin);
}

struct Fixture {
  Fixture() {
    REQUIRE(reader.Connect());
    reader.Expect(kSelectAp, "90 00");
    REQUIRE(applet.Select());
  }
  void ScriptCheck(std::string_view sw) {
    reader.Expect(kSelectAuthPin, "90 00").Expect(kTriesLeft, sw);
  }
  void ScriptVerify(std::string_view sw) {
    reader.Expect(kSelectAuthPin, "90 00").Expect(kVerify1234, sw);
  }
  ScriptedCardReader reader;
  CardChannel channel{reader};
  JpkiApplet applet{channel};
  PinGuard guard{applet};
};

void CheckGuardRefusal(const Status& status, ErrorCode code, PinGuardReason reason) {
  REQUIRE_FALSE(status);
  CHECK(status.error().code() == code);
  CHECK(status.error().Is(ErrorDomain::kPinGuard, static_cast<int64_t>(reason)));
  CHECK(PinGuardReasonOf(status.error()) == reason);
}

TEST_CASE("the guard reads the tries left before a VERIFY", "[guard]") {
  Fixture f;
  f.ScriptCheck("63 C3");
  f.ScriptVerify("90 00");
  auto status = f.guard.Check();
  REQUIRE(status);
  CHECK(status->tries_left == 3);
  REQUIRE(f.guard.Verify(AuthPin("1234")));
  CHECK(f.guard.last_status()->verified);
  CHECK(f.reader.AllConsumed());
}

TEST_CASE("Verify without a Check is refused and sends nothing", "[guard]") {
  Fixture f;
  const size_t before = f.reader.transmissions().size();
  CheckGuardRefusal(f.guard.Verify(AuthPin("1234")), ErrorCode::kFailedPrecondition,
                    PinGuardReason::kNotChecked);
  CHECK(f.reader.transmissions().size() == before);
}

TEST_CASE("after a wrong PIN the guard reports the tries left and needs a fresh Check", "[guard]") {
  Fixture f;
  f.ScriptCheck("63 C3");
  f.ScriptVerify("63 C2");
  REQUIRE(f.guard.Check());
  auto wrong = f.guard.Verify(AuthPin("1234"));
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().code() == ErrorCode::kUnauthenticated);
  CHECK(wrong.error().Is(ErrorDomain::kCardStatus, 0x63C2));
  CHECK(f.guard.tries_left_after_failure() == 2);
  CHECK(f.guard.last_status()->tries_left == 2);

  // No blind retry: the next Verify needs a Check first.
  const size_t before = f.reader.transmissions().size();
  CheckGuardRefusal(f.guard.Verify(AuthPin("1234")), ErrorCode::kFailedPrecondition,
                    PinGuardReason::kNotChecked);
  CHECK(f.reader.transmissions().size() == before);
  CHECK(f.reader.AllConsumed());
}

TEST_CASE("the last try is refused without the holder's confirmation", "[guard]") {
  Fixture f;
  f.ScriptCheck("63 C1");
  REQUIRE(f.guard.Check()->tries_left == 1);
  const size_t before = f.reader.transmissions().size();
  CheckGuardRefusal(f.guard.Verify(AuthPin("1234")), ErrorCode::kFailedPrecondition,
                    PinGuardReason::kLastTryNeedsConfirmation);
  CHECK(f.reader.transmissions().size() == before);

  // The refusal sent nothing, so the Check is still fresh for the confirmed try.
  f.ScriptVerify("90 00");
  REQUIRE(f.guard.Verify(AuthPin("1234"), LastTryConfirmation::kConfirmed));
  CHECK(f.reader.AllConsumed());
}

TEST_CASE("a confirmed last try that fails blocks the PIN and is reported as such", "[guard]") {
  Fixture f;
  f.ScriptCheck("63 C1");
  f.ScriptVerify("63 C0");
  REQUIRE(f.guard.Check());
  auto status = f.guard.Verify(AuthPin("1234"), LastTryConfirmation::kConfirmed);
  REQUIRE_FALSE(status);
  CHECK(status.error().code() == ErrorCode::kResourceExhausted);
  CHECK(status.error().Is(ErrorDomain::kCardStatus, 0x63C0));
  CHECK(f.guard.last_status()->blocked);
  CHECK(f.guard.tries_left_after_failure() == 0);
}

TEST_CASE("a blocked PIN is never sent to the card", "[guard]") {
  for (std::string_view sw : {"69 84", "63 C0"}) {
    Fixture f;
    f.ScriptCheck(sw);
    auto status = f.guard.Check();
    REQUIRE(status);
    CHECK(status->blocked);
    const size_t before = f.reader.transmissions().size();
    CheckGuardRefusal(f.guard.Verify(AuthPin("1234"), LastTryConfirmation::kConfirmed),
                      ErrorCode::kResourceExhausted, PinGuardReason::kBlocked);
    CHECK(f.reader.transmissions().size() == before);
  }
}

TEST_CASE("a card that says blocked at VERIFY gives 6984 distinctly", "[guard]") {
  Fixture f;
  f.ScriptCheck("63 C3");
  f.ScriptVerify("69 84");
  REQUIRE(f.guard.Check());
  auto status = f.guard.Verify(AuthPin("1234"));
  REQUIRE_FALSE(status);
  CHECK(status.error().code() == ErrorCode::kResourceExhausted);
  CHECK(status.error().Is(ErrorDomain::kCardStatus, 0x6984));
  CHECK_FALSE(PinGuardReasonOf(status.error()).has_value());
  CHECK(f.guard.last_status()->blocked);
}

TEST_CASE("an already verified PIN can be verified again without confirmation", "[guard]") {
  Fixture f;
  f.ScriptCheck("90 00");
  f.ScriptVerify("90 00");
  auto status = f.guard.Check();
  REQUIRE(status);
  CHECK(status->verified);
  REQUIRE(f.guard.Verify(AuthPin("1234")));
}

TEST_CASE("a failed Check leaves the guard unchecked", "[guard]") {
  Fixture f;
  f.reader.Expect(kSelectAuthPin, "90 00")
      .ExpectThenFail(kTriesLeft, Error(ErrorCode::kAborted, "card removed"));
  auto status = f.guard.Check();
  REQUIRE_FALSE(status);
  CHECK(status.error().code() == ErrorCode::kAborted);
  CheckGuardRefusal(f.guard.Verify(AuthPin("1234")), ErrorCode::kFailedPrecondition,
                    PinGuardReason::kNotChecked);
}

}  // namespace
}  // namespace mykey::jpki
