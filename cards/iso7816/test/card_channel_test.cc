#include "mykey/iso7816/card_channel.h"

#include "mykey/scripted/scripted_card_reader.h"
#include "mykey/testing/catch.h"

namespace mykey::iso7816 {
namespace {

Bytes Hex(std::string_view hex) {
  auto bytes = FromHex(hex);
  REQUIRE(bytes);
  return *bytes;
}

CommandApdu ReadBinary(size_t le) {
  auto apdu = CommandApdu::Create(0x00, 0xB0, 0x00, 0x00, {}, le);
  REQUIRE(apdu);
  return *apdu;
}

struct Fixture {
  Fixture() {
    REQUIRE(reader.Connect());
    channel.set_trace(&trace);
  }
  hal::ScriptedCardReader reader;
  CardChannel channel{reader};
  ApduTrace trace;
};

TEST_CASE("a plain exchange returns data and status word", "[channel]") {
  Fixture f;
  f.reader.Expect("00 B0 00 00 04", "01 02 03 04 90 00");
  auto response = f.channel.Transmit(ReadBinary(4));
  REQUIRE(response);
  CHECK(response->data() == Hex("01020304"));
  CHECK(response->ok());
  CHECK(f.reader.AllConsumed());
}

TEST_CASE("a non-9000 status word is a successful exchange", "[channel]") {
  Fixture f;
  f.reader.Expect("00 B0 00 00 00", "6B 00");
  auto response = f.channel.Transmit(ReadBinary(256));
  REQUIRE(response);
  CHECK(response->sw() == 0x6B00);
}

TEST_CASE("61xx is followed by GET RESPONSE until the card is done", "[channel]") {
  Fixture f;
  f.reader.Expect("80 2A 00 80 01 AA 00", "61 03")
      .Expect("00 C0 00 00 03", "01 02 03 61 00")
      .Expect("00 C0 00 00 00", "04 05 90 00");
  auto command = CommandApdu::Create(0x80, 0x2A, 0x00, 0x80, Hex("AA"), 256);
  REQUIRE(command);
  auto response = f.channel.Transmit(*command);
  REQUIRE(response);
  CHECK(response->data() == Hex("0102030405"));
  CHECK(response->sw() == 0x9000);
  CHECK(f.reader.AllConsumed());
  CHECK(f.trace.apdu_count() == 3);
}

TEST_CASE("6Cxx resends the same command with the right Le", "[channel]") {
  Fixture f;
  f.reader.Expect("00 B0 00 00 00", "6C 20").Expect("00 B0 00 00 20", "AA BB 90 00");
  auto response = f.channel.Transmit(ReadBinary(256));
  REQUIRE(response);
  CHECK(response->data() == Hex("AABB"));
  CHECK(response->ok());
  CHECK(f.reader.AllConsumed());
}

TEST_CASE("6Cxx then 61xx is handled in turn", "[channel]") {
  Fixture f;
  f.reader.Expect("00 B0 00 00 00", "6C 05")
      .Expect("00 B0 00 00 05", "61 05")
      .Expect("00 C0 00 00 05", "01 02 03 04 05 90 00");
  auto response = f.channel.Transmit(ReadBinary(256));
  REQUIRE(response);
  CHECK(response->data() == Hex("0102030405"));
}

TEST_CASE("an error status word after GET RESPONSE is passed on", "[channel]") {
  Fixture f;
  f.reader.Expect("00 B0 00 00 00", "61 02").Expect("00 C0 00 00 02", "6F 00");
  auto response = f.channel.Transmit(ReadBinary(256));
  REQUIRE(response);
  CHECK(response->sw() == 0x6F00);
}

TEST_CASE("a card that answers 61xx forever is cut off", "[channel]") {
  Fixture f;
  f.reader.Expect("00 B0 00 00 00", "61 00");
  Bytes chunk(256, 0x55);
  chunk.push_back(0x61);
  chunk.push_back(0x00);
  for (int i = 0; i < 300; ++i) f.reader.Expect(Hex("00C0000000"), chunk);
  auto response = f.channel.Transmit(ReadBinary(256));
  REQUIRE_FALSE(response);
  CHECK(response.error().code() == ErrorCode::kDataLoss);
}

TEST_CASE("a card removed mid-exchange gives kAborted", "[channel]") {
  Fixture f;
  f.reader.Expect("00 B0 00 00 00", "61 10")
      .ExpectThenFail("00 C0 00 00 10", Error(ErrorCode::kAborted, "card removed"));
  auto response = f.channel.Transmit(ReadBinary(256));
  REQUIRE_FALSE(response);
  CHECK(response.error().code() == ErrorCode::kAborted);
  CHECK(f.trace.ToString().find("ERROR (aborted: card removed)") != std::string::npos);
}

TEST_CASE("the timeout reaches the reader for every exchange", "[channel]") {
  Fixture f;
  f.reader.Expect("00 B0 00 00 00", "61 01").Expect("00 C0 00 00 01", "01 90 00");
  REQUIRE(f.channel.Transmit(ReadBinary(256), std::chrono::milliseconds(10000)));
  REQUIRE(f.reader.transmissions().size() == 2);
  for (const auto& t : f.reader.transmissions()) {
    CHECK(t.timeout == std::chrono::milliseconds(10000));
  }
}

TEST_CASE("Transmit before Connect fails with kFailedPrecondition", "[channel]") {
  hal::ScriptedCardReader reader;
  CardChannel channel(reader);
  auto response = channel.Transmit(ReadBinary(1));
  REQUIRE_FALSE(response);
  CHECK(response.error().code() == ErrorCode::kFailedPrecondition);
}

TEST_CASE("a one-byte response is a mute card by the reader contract", "[channel]") {
  Fixture f;
  f.reader.Expect("00 B0 00 00 01", "90");
  auto response = f.channel.Transmit(ReadBinary(1));
  REQUIRE_FALSE(response);
  CHECK(response.error().code() == ErrorCode::kAborted);
}

}  // namespace
}  // namespace mykey::iso7816
