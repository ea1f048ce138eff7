#include "mykey/printer/printer_port.h"

#include "mykey/printer_fake/fake_printer_port.h"
#include "mykey/testing/catch.h"

namespace mykey::printer {
namespace {

TEST_CASE("Writing before Open() is a failed precondition") {
  FakePrinterPort port;
  auto written = port.Write(BytesOf("x"));
  REQUIRE_FALSE(written);
  CHECK(written.error().code() == ErrorCode::kFailedPrecondition);
  CHECK(port.job_bytes().empty());
}

TEST_CASE("Reading status before Open() is a failed precondition") {
  FakePrinterPort port;
  auto status = port.ReadRealTimeStatus();
  REQUIRE_FALSE(status);
  CHECK(status.error().code() == ErrorCode::kFailedPrecondition);
}

TEST_CASE("A one-way port is not two-way and reading its status is unimplemented") {
  FakePrinterPort port(/*two_way=*/false);
  REQUIRE(port.Open());
  CHECK_FALSE(port.two_way());
  auto status = port.ReadRealTimeStatus();
  REQUIRE_FALSE(status);
  CHECK(status.error().code() == ErrorCode::kUnimplemented);
}

TEST_CASE("A closed port is not two-way; an open two-way port is") {
  FakePrinterPort port;
  CHECK_FALSE(port.two_way());
  REQUIRE(port.Open());
  CHECK(port.two_way());
  REQUIRE(port.Close());
  CHECK_FALSE(port.two_way());
  CHECK_FALSE(port.is_open());
  CHECK(port.Close());  // closing twice is fine
}

TEST_CASE("An absent printer fails Open() as unavailable and stays closed") {
  FakePrinterPort port;
  port.set_absent(true);
  auto opened = port.Open();
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code() == ErrorCode::kUnavailable);
  CHECK_FALSE(port.is_open());
}

TEST_CASE("Status asks n = 1..4 and merges the answers") {
  FakePrinterPort port;
  PrinterStatus wanted;
  wanted.cover_open = true;
  wanted.paper_near_end = true;
  port.set_status(wanted);
  REQUIRE(port.Open());
  auto status = port.ReadRealTimeStatus();
  REQUIRE(status);
  CHECK(*status == wanted);
  CHECK(port.status_reads() == 1);
  CHECK(port.job_bytes().empty());  // status requests are not job bytes
}

TEST_CASE("Written bytes reach the printer in order") {
  FakePrinterPort port;
  REQUIRE(port.Open());
  REQUIRE(port.Write(BytesOf("\x1b@abc")));
  REQUIRE(port.Write(BytesOf("def")));
  CHECK(port.job_bytes() == BytesOf("\x1b@abcdef"));
}

}  // namespace
}  // namespace mykey::printer
