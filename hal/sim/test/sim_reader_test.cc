#include "mykey/sim/sim_reader.h"

#include <thread>

#include "mykey/testing/catch.h"

namespace mykey::hal {
namespace {

using std::chrono::milliseconds;

// Answers 90 00 to everything and counts power transitions.
class PlainCard final : public VirtualCard {
 public:
  int power_ons = 0;
  int power_offs = 0;
  int resets = 0;
  Bytes PowerOn() override {
    ++power_ons;
    return {0x3B, 0x80, 0x80, 0x01, 0x01};
  }
  void PowerOff() override { ++power_offs; }
  Bytes Reset() override {
    ++resets;
    return {0x3B, 0x80, 0x80, 0x01, 0x01};
  }
  Bytes Process(ByteView) override { return {0x90, 0x00}; }
};

const Bytes kCommand = {0x00, 0xB0, 0x00, 0x00, 0x00};

TEST_CASE("A reader on a removed reader answers kUnavailable", "[sim]") {
  SimReaderMonitor monitor;
  PlainCard card;
  REQUIRE(monitor.AddReader("R0"));
  REQUIRE(monitor.InsertCard("R0", card));
  auto reader = monitor.OpenReader("R0");
  REQUIRE(reader);
  REQUIRE((*reader)->Connect());
  REQUIRE(monitor.RemoveReader("R0"));
  auto response = (*reader)->Transmit(kCommand);
  REQUIRE_FALSE(response);
  CHECK(response.error().code() == ErrorCode::kUnavailable);
  auto connect = (*reader)->Connect();
  REQUIRE_FALSE(connect);
  CHECK(connect.error().code() == ErrorCode::kUnavailable);
}

TEST_CASE("A card swapped for another ends the old connection with kAborted", "[sim]") {
  SimReaderMonitor monitor;
  PlainCard first;
  PlainCard second;
  REQUIRE(monitor.AddReader("R0"));
  REQUIRE(monitor.InsertCard("R0", first));
  auto reader = monitor.OpenReader("R0");
  REQUIRE(reader);
  REQUIRE((*reader)->Connect());
  REQUIRE(monitor.RemoveCard("R0"));
  REQUIRE(monitor.InsertCard("R0", second));
  auto response = (*reader)->Transmit(kCommand);
  REQUIRE_FALSE(response);
  CHECK(response.error().code() == ErrorCode::kAborted);
}

TEST_CASE("RemoveCardAfterCommands lets n APDUs through and fails the next with kAborted",
          "[sim]") {
  SimReaderMonitor monitor;
  PlainCard card;
  REQUIRE(monitor.AddReader("R0"));
  REQUIRE(monitor.InsertCard("R0", card));
  auto reader = monitor.OpenReader("R0");
  REQUIRE(reader);
  REQUIRE((*reader)->Connect());
  REQUIRE(monitor.RemoveCardAfterCommands("R0", 2));
  CHECK((*reader)->Transmit(kCommand));
  CHECK((*reader)->Transmit(kCommand));
  auto third = (*reader)->Transmit(kCommand);
  REQUIRE_FALSE(third);
  CHECK(third.error().code() == ErrorCode::kAborted);
  auto readers = monitor.ListReaders();
  REQUIRE(readers);
  REQUIRE(readers->size() == 1);
  CHECK_FALSE((*readers)[0].card_present);
}

TEST_CASE("The control methods reject unknown readers and double insertion", "[sim]") {
  SimReaderMonitor monitor;
  PlainCard card;
  CHECK(monitor.InsertCard("R0", card).error().code() == ErrorCode::kNotFound);
  REQUIRE(monitor.AddReader("R0"));
  CHECK(monitor.AddReader("R0").error().code() == ErrorCode::kAlreadyExists);
  CHECK(monitor.AddReader("").error().code() == ErrorCode::kInvalidArgument);
  CHECK(monitor.RemoveCard("R0").error().code() == ErrorCode::kNotFound);
  CHECK(monitor.RemoveCardAfterCommands("R0", 1).error().code() == ErrorCode::kNotFound);
  REQUIRE(monitor.InsertCard("R0", card));
  CHECK(monitor.InsertCard("R0", card).error().code() == ErrorCode::kAlreadyExists);
  CHECK(monitor.RemoveReader("R9").error().code() == ErrorCode::kNotFound);
}

TEST_CASE("Connect powers the card on and Disconnect powers it off", "[sim]") {
  SimReaderMonitor monitor;
  PlainCard card;
  REQUIRE(monitor.AddReader("R0"));
  REQUIRE(monitor.InsertCard("R0", card));
  int ons_after_insert = card.power_ons;
  auto reader = monitor.OpenReader("R0");
  REQUIRE(reader);
  REQUIRE((*reader)->Connect());
  CHECK(card.power_ons == ons_after_insert + 1);
  REQUIRE((*reader)->Reset());
  CHECK(card.resets == 1);
  int offs = card.power_offs;
  REQUIRE((*reader)->Disconnect());
  CHECK(card.power_offs == offs + 1);
}

TEST_CASE("WaitForChange wakes on a card inserted by another thread", "[sim]") {
  SimReaderMonitor monitor;
  PlainCard card;
  REQUIRE(monitor.AddReader("R0"));
  REQUIRE(monitor.ListReaders());
  std::thread inserter([&] { (void)monitor.InsertCard("R0", card); });
  auto events = monitor.WaitForChange(milliseconds{60000});
  inserter.join();
  REQUIRE(events);
  REQUIRE(events->size() == 1);
  CHECK((*events)[0].type == ReaderEventType::kCardInserted);
  CHECK((*events)[0].reader == "R0");
}

TEST_CASE("Cancel from another thread ends WaitForChange with kCancelled", "[sim]") {
  SimReaderMonitor monitor;
  REQUIRE(monitor.ListReaders());
  std::thread canceller([&] { monitor.Cancel(); });
  auto events = monitor.WaitForChange(milliseconds{60000});
  canceller.join();
  REQUIRE_FALSE(events);
  CHECK(events.error().code() == ErrorCode::kCancelled);
  // The cancel was consumed: the next wait times out instead.
  auto next = monitor.WaitForChange(milliseconds{0});
  REQUIRE_FALSE(next);
  CHECK(next.error().code() == ErrorCode::kDeadlineExceeded);
}

TEST_CASE("A reader outlives its monitor and then answers kUnavailable", "[sim]") {
  PlainCard card;
  std::unique_ptr<CardReader> reader;
  {
    SimReaderMonitor monitor;
    REQUIRE(monitor.AddReader("R0"));
    REQUIRE(monitor.InsertCard("R0", card));
    auto opened = monitor.OpenReader("R0");
    REQUIRE(opened);
    reader = std::move(*opened);
    REQUIRE(reader->Connect());
  }
  auto response = reader->Transmit(kCommand);
  REQUIRE_FALSE(response);
  CHECK(response.error().code() == ErrorCode::kUnavailable);
}

TEST_CASE("commands_processed counts the APDUs of the card in a reader", "[sim]") {
  SimReaderMonitor monitor;
  PlainCard card;
  REQUIRE(monitor.AddReader("R0"));
  CHECK(monitor.commands_processed("R0") == 0);
  REQUIRE(monitor.InsertCard("R0", card));
  auto reader = monitor.OpenReader("R0");
  REQUIRE(reader);
  REQUIRE((*reader)->Connect());
  REQUIRE((*reader)->Transmit(kCommand));
  REQUIRE((*reader)->Transmit(kCommand));
  CHECK(monitor.commands_processed("R0") == 2);
}

}  // namespace
}  // namespace mykey::hal
