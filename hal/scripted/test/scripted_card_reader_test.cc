#include "mykey/scripted/scripted_card_reader.h"

#include "mykey/testing/catch.h"

namespace mykey::hal {
namespace {

Bytes Hex(std::string_view hex) {
  auto bytes = FromHex(hex);
  REQUIRE(bytes);
  return *bytes;
}

TEST_CASE("a scripted reader answers the expected commands in order", "[scripted]") {
  ScriptedCardReader reader;
  reader.Expect("00 A4 04 0C 02 3F 00", "90 00").Expect("00 B0 00 00 02", "01 02 90 00");
  REQUIRE(reader.Connect());

  auto first = reader.Transmit(Hex("00A4040C023F00"));
  REQUIRE(first);
  CHECK(*first == Hex("9000"));
  auto second = reader.Transmit(Hex("00B0000002"));
  REQUIRE(second);
  CHECK(*second == Hex("01029000"));
  CHECK(reader.AllConsumed());
  CHECK(reader.mismatches().empty());
}

TEST_CASE("an unexpected command fails with kInternal and is recorded", "[scripted]") {
  ScriptedCardReader reader;
  reader.Expect("00 A4 04 0C 02 3F 00", "90 00");
  REQUIRE(reader.Connect());

  auto result = reader.Transmit(Hex("00A4040C023F01"));
  REQUIRE_FALSE(result);
  CHECK(result.error().code() == ErrorCode::kInternal);
  REQUIRE(reader.mismatches().size() == 1);
  CHECK(reader.mismatches()[0].find("3F 01") != std::string::npos);
  CHECK_FALSE(reader.AllConsumed());
  CHECK(reader.remaining() == 1);
}

TEST_CASE("a command after the end of the script is a mismatch", "[scripted]") {
  ScriptedCardReader reader;
  REQUIRE(reader.Connect());
  auto result = reader.Transmit(Hex("00B0000000"));
  REQUIRE_FALSE(result);
  CHECK(result.error().code() == ErrorCode::kInternal);
  CHECK(reader.mismatches().size() == 1);
}

TEST_CASE("an injected card removal aborts the exchange and disconnects", "[scripted]") {
  ScriptedCardReader reader;
  reader.ExpectThenFail("00 B0 00 00 00", Error(ErrorCode::kAborted, "card removed"));
  REQUIRE(reader.Connect());

  auto result = reader.Transmit(Hex("00B0000000"));
  REQUIRE_FALSE(result);
  CHECK(result.error().code() == ErrorCode::kAborted);
  CHECK_FALSE(reader.connected());
  CHECK(reader.AllConsumed());
}

TEST_CASE("the configured ATR is returned by Connect", "[scripted]") {
  ScriptedCardReader reader;
  reader.set_atr(Hex("3BE000FF8131FE4514"));
  auto atr = reader.Connect();
  REQUIRE(atr);
  CHECK(*atr == Hex("3BE000FF8131FE4514"));
  CHECK(reader.atr() == Hex("3BE000FF8131FE4514"));
}

TEST_CASE("Connect without a card fails with kNotFound", "[scripted]") {
  ScriptedCardReader reader;
  reader.set_card_present(false);
  auto atr = reader.Connect();
  REQUIRE_FALSE(atr);
  CHECK(atr.error().code() == ErrorCode::kNotFound);
}

TEST_CASE("an any-command step accepts whatever is sent", "[scripted]") {
  ScriptedCardReader reader;
  reader.ExpectAnyCommand(Hex("6A82"));
  REQUIRE(reader.Connect());
  auto result = reader.Transmit(Hex("80CA000000"));
  REQUIRE(result);
  CHECK(*result == Hex("6A82"));
  CHECK(reader.AllConsumed());
}

TEST_CASE("the scripted reader records each command with its timeout", "[scripted]") {
  ScriptedCardReader reader;
  reader.Expect("00 20 00 80", "63 C3");
  REQUIRE(reader.Connect());
  REQUIRE(reader.Transmit(Hex("00200080"), std::chrono::milliseconds(1234)));
  REQUIRE(reader.transmissions().size() == 1);
  CHECK(reader.transmissions()[0].timeout == std::chrono::milliseconds(1234));
  CHECK(reader.transmissions()[0].command == Hex("00200080"));
}

TEST_CASE("invalid hex in a script is reported and never matches", "[scripted]") {
  ScriptedCardReader reader;
  reader.Expect("00 ZZ", "90 00");
  CHECK(reader.mismatches().size() == 1);
  REQUIRE(reader.Connect());
  CHECK_FALSE(reader.Transmit(Hex("00A40000")));
}

}  // namespace
}  // namespace mykey::hal
