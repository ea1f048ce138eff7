#include "mykey/card_reader/card_reader.h"

#include <deque>

#include "mykey/testing/catch.h"

namespace mykey::hal {
namespace {

// A reader whose hooks answer from a queue and count their calls.
class QueueCardReader final : public CardReader {
 public:
  QueueCardReader() : CardReader("Queue Reader") {}

  std::deque<Result<Bytes>> answers;
  int connects = 0;
  int transmits = 0;
  int disconnects = 0;

 private:
  Result<Bytes> DoConnect() override {
    ++connects;
    return Bytes{0x3B, 0x80, 0x80, 0x01, 0x01};
  }
  Result<Bytes> DoTransmit(ByteView, std::chrono::milliseconds) override {
    ++transmits;
    Result<Bytes> next = answers.front();
    answers.pop_front();
    return next;
  }
  Result<Bytes> DoReset() override { return Bytes{0x3B, 0x00}; }
  Status DoDisconnect() override {
    ++disconnects;
    return Ok();
  }
};

const Bytes kSelect = {0x00, 0xA4, 0x04, 0x0C};

TEST_CASE("Transmit before Connect fails with kFailedPrecondition and reaches no backend",
          "[card_reader]") {
  QueueCardReader reader;
  auto response = reader.Transmit(kSelect);
  REQUIRE_FALSE(response);
  CHECK(response.error().code() == ErrorCode::kFailedPrecondition);
  CHECK(reader.transmits == 0);
}

TEST_CASE("Reset before Connect fails with kFailedPrecondition", "[card_reader]") {
  QueueCardReader reader;
  auto atr = reader.Reset();
  REQUIRE_FALSE(atr);
  CHECK(atr.error().code() == ErrorCode::kFailedPrecondition);
}

TEST_CASE("Connect returns the ATR and remembers it", "[card_reader]") {
  QueueCardReader reader;
  auto atr = reader.Connect();
  REQUIRE(atr);
  CHECK(*atr == Bytes{0x3B, 0x80, 0x80, 0x01, 0x01});
  CHECK(reader.connected());
  CHECK(reader.atr() == *atr);
  CHECK(reader.name() == "Queue Reader");
}

TEST_CASE("Connect while connected returns the ATR without reconnecting", "[card_reader]") {
  QueueCardReader reader;
  REQUIRE(reader.Connect());
  REQUIRE(reader.Connect());
  CHECK(reader.connects == 1);
}

TEST_CASE("Commands shorter than 4 bytes or longer than the maximum are rejected",
          "[card_reader]") {
  QueueCardReader reader;
  REQUIRE(reader.Connect());
  Bytes too_short = {0x00, 0xA4, 0x04};
  Bytes too_long(kMaxCommandApduSize + 1, 0x00);
  auto a = reader.Transmit(too_short);
  auto b = reader.Transmit(too_long);
  REQUIRE_FALSE(a);
  REQUIRE_FALSE(b);
  CHECK(a.error().code() == ErrorCode::kInvalidArgument);
  CHECK(b.error().code() == ErrorCode::kInvalidArgument);
  CHECK(reader.transmits == 0);
  CHECK(reader.connected());
}

TEST_CASE("A command of exactly the maximum length is passed on", "[card_reader]") {
  QueueCardReader reader;
  REQUIRE(reader.Connect());
  reader.answers.push_back(Bytes{0x90, 0x00});
  Bytes longest(kMaxCommandApduSize, 0x00);
  REQUIRE(reader.Transmit(longest));
}

TEST_CASE("A removed card (kAborted) ends the connection and releases the backend",
          "[card_reader]") {
  QueueCardReader reader;
  REQUIRE(reader.Connect());
  reader.answers.push_back(Fail(ErrorCode::kAborted, "card removed"));
  auto response = reader.Transmit(kSelect);
  REQUIRE_FALSE(response);
  CHECK(response.error().code() == ErrorCode::kAborted);
  CHECK_FALSE(reader.connected());
  CHECK(reader.atr().empty());
  CHECK(reader.disconnects == 1);
  auto again = reader.Transmit(kSelect);
  REQUIRE_FALSE(again);
  CHECK(again.error().code() == ErrorCode::kFailedPrecondition);
}

TEST_CASE("A vanished reader (kUnavailable) ends the connection", "[card_reader]") {
  QueueCardReader reader;
  REQUIRE(reader.Connect());
  reader.answers.push_back(Fail(ErrorCode::kUnavailable, "reader gone"));
  REQUIRE_FALSE(reader.Transmit(kSelect));
  CHECK_FALSE(reader.connected());
}

TEST_CASE("A timeout keeps the connection", "[card_reader]") {
  QueueCardReader reader;
  REQUIRE(reader.Connect());
  reader.answers.push_back(Fail(ErrorCode::kDeadlineExceeded, "slow card"));
  REQUIRE_FALSE(reader.Transmit(kSelect));
  CHECK(reader.connected());
  CHECK(reader.disconnects == 0);
}

TEST_CASE("A response without a status word is a mute or removed card and ends the connection",
          "[card_reader]") {
  QueueCardReader reader;
  REQUIRE(reader.Connect());
  reader.answers.push_back(Bytes{0x90});
  auto response = reader.Transmit(kSelect);
  REQUIRE_FALSE(response);
  CHECK(response.error().code() == ErrorCode::kAborted);
  CHECK_FALSE(reader.connected());
  CHECK(reader.disconnects == 1);
}

TEST_CASE("Reset replaces the remembered ATR", "[card_reader]") {
  QueueCardReader reader;
  REQUIRE(reader.Connect());
  auto atr = reader.Reset();
  REQUIRE(atr);
  CHECK(reader.atr() == Bytes{0x3B, 0x00});
}

TEST_CASE("Disconnect is safe when not connected and calls the backend once when connected",
          "[card_reader]") {
  QueueCardReader reader;
  REQUIRE(reader.Disconnect());
  CHECK(reader.disconnects == 0);
  REQUIRE(reader.Connect());
  REQUIRE(reader.Disconnect());
  REQUIRE(reader.Disconnect());
  CHECK(reader.disconnects == 1);
  CHECK_FALSE(reader.connected());
}

}  // namespace
}  // namespace mykey::hal
