#include "mykey/printer_fake/fake_printer_port.h"

#include "mykey/testing/catch.h"

namespace mykey::printer {
namespace {

TEST_CASE("The fake printer holds bytes after its fault, reports it, and prints them once closed") {
  FakePrinterPort port;
  PrinterStatus cover;
  cover.cover_open = true;
  port.FaultAfter(3, cover);
  REQUIRE(port.Open());
  REQUIRE(port.Write(BytesOf("abcdef")));
  CHECK(port.job_bytes() == BytesOf("abc"));
  CHECK(port.held_bytes() == BytesOf("def"));
  auto status = port.ReadRealTimeStatus();
  REQUIRE(status);
  CHECK(status->cover_open);
  port.set_status(PrinterStatus{});
  CHECK(port.job_bytes() == BytesOf("abcdef"));
  CHECK(port.held_bytes().empty());
}

TEST_CASE("The fake printer answers a held process-ID request only when it prints it") {
  FakePrinterPort port;
  PrinterStatus paper_out;
  paper_out.paper_end = true;
  port.FaultAfter(1, paper_out);
  REQUIRE(port.Open());
  REQUIRE(port.Write(BytesOf("ab")));
  const ProcessId id = port.NextProcessId();
  REQUIRE(port.RequestProcessId(id));
  CHECK(port.process_id_requests() == 0);
  CHECK_FALSE(port.AwaitProcessId(id, std::chrono::milliseconds(0)));
  port.set_status(PrinterStatus{});
  CHECK(port.process_id_requests() == 1);
  CHECK(port.AwaitProcessId(id, std::chrono::milliseconds(0)));
  CHECK(port.job_bytes() == BytesOf("ab"));
}

TEST_CASE("The fake printer takes bytes up to its stall, then times out with the count") {
  FakePrinterPort port;
  port.StallAfter(2);
  REQUIRE(port.Open());
  auto written = port.Write(BytesOf("abcd"));
  REQUIRE_FALSE(written);
  CHECK(written.error().code() == ErrorCode::kDeadlineExceeded);
  CHECK(written.error().detail() == 2);
  CHECK(port.job_bytes() == BytesOf("ab"));
  port.set_stalled(false);
  REQUIRE(port.Write(BytesOf("e")));
  CHECK(port.job_bytes() == BytesOf("abe"));
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
