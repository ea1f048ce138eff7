#include "mykey/printer_fake/fake_printer_port.h"

#include "mykey/testing/catch.h"

namespace mykey::printer {
namespace {

TEST_CASE("The fake printer discards bytes after its fault and reports the fault") {
  FakePrinterPort port;
  PrinterStatus cover;
  cover.cover_open = true;
  port.FaultAfter(3, cover);
  REQUIRE(port.Open());
  REQUIRE(port.Write(BytesOf("abcdef")));
  CHECK(port.job_bytes() == BytesOf("abc"));
  auto status = port.ReadRealTimeStatus();
  REQUIRE(status);
  CHECK(status->cover_open);
}

TEST_CASE("The fake printer faults at once when told to fault after 0 bytes") {
  FakePrinterPort port;
  PrinterStatus offline;
  offline.offline = true;
  port.FaultAfter(0, offline);
  CHECK(port.status().offline);
}

}  // namespace
}  // namespace mykey::printer
