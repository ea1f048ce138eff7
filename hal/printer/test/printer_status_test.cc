#include "mykey/printer/printer_status.h"

#include "mykey/testing/catch.h"

namespace mykey::printer {
namespace {

TEST_CASE("A status request is DLE EOT followed by n") {
  CHECK(StatusRequest(StatusKind::kPrinter) == std::array<uint8_t, 3>{0x10, 0x04, 0x01});
  CHECK(StatusRequest(StatusKind::kPaperSensor) == std::array<uint8_t, 3>{0x10, 0x04, 0x04});
}

TEST_CASE("Only bytes with bit 1 and 4 set and bits 0 and 7 clear are status answers") {
  CHECK(IsStatusByte(0x12));
  CHECK(IsStatusByte(0x7E));
  CHECK_FALSE(IsStatusByte(0x00));
  CHECK_FALSE(IsStatusByte(0x13));  // bit 0 set (XOFF)
  CHECK_FALSE(IsStatusByte(0x11));  // XON
  CHECK_FALSE(IsStatusByte(0x92));  // bit 7 set
  CHECK_FALSE(IsStatusByte(0x02));  // bit 4 clear
}

TEST_CASE("An idle printer answers 12 12 12 12 and is ready") {
  auto status = ParsePrinterStatus({0x12, 0x12, 0x12, 0x12});
  REQUIRE(status);
  CHECK(status->ready());
  CHECK(*status == PrinterStatus{});
  CHECK(FaultOf(*status) == PrinterFault::kNone);
  CHECK(status->ToString() == "online");
}

TEST_CASE("Printer status n=1 bit 3 means offline, bit 6 the feed button, bit 2 the drawer pin") {
  PrinterStatus status;
  REQUIRE(ApplyStatusByte(StatusKind::kPrinter, 0x1A, status));
  CHECK(status.offline);
  CHECK_FALSE(status.feed_button_pressed);
  REQUIRE(ApplyStatusByte(StatusKind::kPrinter, 0x52, status));
  CHECK_FALSE(status.offline);
  CHECK(status.feed_button_pressed);
  REQUIRE(ApplyStatusByte(StatusKind::kPrinter, 0x16, status));
  CHECK(status.drawer_pin_high);
  CHECK_FALSE(status.feed_button_pressed);
  REQUIRE(ApplyStatusByte(StatusKind::kPrinter, 0x32, status));
  CHECK(status.waiting_for_recovery);
}

TEST_CASE("Offline cause n=2: bit 2 cover open, bit 5 paper-end stop, bit 6 error") {
  PrinterStatus status;
  REQUIRE(ApplyStatusByte(StatusKind::kOfflineCause, 0x16, status));
  CHECK(status.cover_open);
  CHECK(FaultOf(status) == PrinterFault::kCoverOpen);
  REQUIRE(ApplyStatusByte(StatusKind::kOfflineCause, 0x32, status));
  CHECK_FALSE(status.cover_open);
  CHECK(status.paper_end_stop);
  CHECK(FaultOf(status) == PrinterFault::kPaperEnd);
  REQUIRE(ApplyStatusByte(StatusKind::kOfflineCause, 0x52, status));
  CHECK(status.error);
  CHECK(FaultOf(status) == PrinterFault::kError);
  REQUIRE(ApplyStatusByte(StatusKind::kOfflineCause, 0x1A, status));
  CHECK(status.feeding_by_button);
}

TEST_CASE("Error cause n=3: bit 3 auto-cutter, bit 5 unrecoverable, bit 6 auto-recoverable") {
  PrinterStatus status;
  REQUIRE(ApplyStatusByte(StatusKind::kErrorCause, 0x1A, status));
  CHECK(status.autocutter_error);
  CHECK(FaultOf(status) == PrinterFault::kAutocutterError);
  REQUIRE(ApplyStatusByte(StatusKind::kErrorCause, 0x32, status));
  CHECK(status.unrecoverable_error);
  CHECK(FaultOf(status) == PrinterFault::kUnrecoverableError);
  REQUIRE(ApplyStatusByte(StatusKind::kErrorCause, 0x52, status));
  CHECK(status.auto_recoverable_error);
  CHECK(FaultOf(status) == PrinterFault::kError);
  REQUIRE(ApplyStatusByte(StatusKind::kErrorCause, 0x16, status));
  CHECK(status.recoverable_error);
  CHECK_FALSE(status.ready());
}

TEST_CASE("Paper sensor n=4: 0C is near end, 60 is paper end, single sensor bits count too") {
  PrinterStatus status;
  REQUIRE(ApplyStatusByte(StatusKind::kPaperSensor, 0x1E, status));
  CHECK(status.paper_near_end);
  CHECK_FALSE(status.paper_end);
  CHECK(status.ready());  // near end still prints
  REQUIRE(ApplyStatusByte(StatusKind::kPaperSensor, 0x72, status));
  CHECK(status.paper_end);
  CHECK_FALSE(status.paper_near_end);
  CHECK(FaultOf(status) == PrinterFault::kPaperEnd);
  REQUIRE(ApplyStatusByte(StatusKind::kPaperSensor, 0x32, status));  // bit 5 only
  CHECK(status.paper_end);
  REQUIRE(ApplyStatusByte(StatusKind::kPaperSensor, 0x16, status));  // bit 2 only
  CHECK(status.paper_near_end);
}

TEST_CASE("A byte without the fixed bits is data loss, with the byte as detail") {
  PrinterStatus status;
  auto applied = ApplyStatusByte(StatusKind::kPrinter, 0x08, status);
  REQUIRE_FALSE(applied);
  CHECK(applied.error().code() == ErrorCode::kDataLoss);
  CHECK(applied.error().Is(ErrorDomain::kParse, 0x08));
  CHECK_FALSE(ParsePrinterStatus({0x12, 0x12, 0xFF, 0x12}));
}

TEST_CASE("A typical paper-out printer: offline, paper-end stop, sensor says no paper") {
  auto status = ParsePrinterStatus({0x1E, 0x32, 0x12, 0x7E});
  REQUIRE(status);
  CHECK(status->offline);
  CHECK(status->drawer_pin_high);
  CHECK(status->paper_end);
  CHECK(status->paper_near_end);
  CHECK(FaultOf(*status) == PrinterFault::kPaperEnd);
  CHECK(status->ToString() == "offline, paper end, paper near end");
}

TEST_CASE("Encoding a status and parsing it back gives the same status") {
  PrinterStatus status;
  status.offline = true;
  status.cover_open = true;
  status.error = true;
  status.autocutter_error = true;
  status.paper_near_end = true;
  std::array<uint8_t, 4> answers{};
  for (size_t i = 0; i < 4; ++i) answers[i] = EncodeStatusByte(kAllStatusKinds[i], status);
  CHECK(answers == std::array<uint8_t, 4>{0x1A, 0x56, 0x1A, 0x1E});
  auto parsed = ParsePrinterStatus(answers);
  REQUIRE(parsed);
  CHECK(*parsed == status);
}

TEST_CASE("Fault names are stable strings") {
  CHECK(std::string(FaultName(PrinterFault::kPaperEnd)) == "paper end");
  CHECK(std::string(FaultName(PrinterFault::kOffline)) == "offline");
  PrinterStatus offline;
  offline.offline = true;
  CHECK(FaultOf(offline) == PrinterFault::kOffline);
}

}  // namespace
}  // namespace mykey::printer
