#include "mykey/printer/print_job.h"

#include "mykey/printer_fake/fake_printer_port.h"
#include "mykey/testing/catch.h"

namespace mykey::printer {
namespace {

const Bytes kJob = {0x1B, '@', 'H', 'i', '\n', 0x1D, 'V', 0x00};

PrinterStatus PaperOut() {
  PrinterStatus status;
  status.offline = true;
  status.paper_end_stop = true;
  status.paper_end = true;
  return status;
}

TEST_CASE("A job on a ready two-way printer is printed, with statuses before and after") {
  FakePrinterPort port;
  auto outcome = PrintJob(port, kJob);
  REQUIRE(outcome);
  CHECK(outcome->result == JobResult::kPrinted);
  CHECK(outcome->printed());
  CHECK(outcome->fault == PrinterFault::kNone);
  CHECK(outcome->before.has_value());
  CHECK(outcome->after.has_value());
  CHECK(outcome->bytes_written == kJob.size());
  CHECK(port.job_bytes() == kJob);
  CHECK(port.status_reads() == 2);
}

TEST_CASE("A printer out of paper refuses the job before any byte is written") {
  FakePrinterPort port;
  port.set_status(PaperOut());
  auto outcome = PrintJob(port, kJob);
  REQUIRE(outcome);
  CHECK(outcome->result == JobResult::kNotPrinted);
  CHECK(outcome->fault == PrinterFault::kPaperEnd);
  CHECK(outcome->refused_before_write);
  CHECK(port.job_bytes().empty());
}

TEST_CASE("An open cover or an offline printer refuses the job") {
  FakePrinterPort port;
  PrinterStatus cover;
  cover.cover_open = true;
  port.set_status(cover);
  auto outcome = PrintJob(port, kJob);
  REQUIRE(outcome);
  CHECK(outcome->fault == PrinterFault::kCoverOpen);
  PrinterStatus offline;
  offline.offline = true;
  port.set_status(offline);
  outcome = PrintJob(port, kJob);
  REQUIRE(outcome);
  CHECK(outcome->fault == PrinterFault::kOffline);
  CHECK(port.job_bytes().empty());
}

TEST_CASE("Paper running out mid-job makes the job not printed, with the reason") {
  FakePrinterPort port;
  port.FaultAfter(5, PaperOut());
  auto outcome = PrintJob(port, kJob);
  REQUIRE(outcome);
  CHECK(outcome->result == JobResult::kNotPrinted);
  CHECK(outcome->fault == PrinterFault::kPaperEnd);
  CHECK_FALSE(outcome->refused_before_write);
  REQUIRE(outcome->after.has_value());
  CHECK(outcome->after->paper_end);
}

TEST_CASE("A job on a one-way port is unconfirmed") {
  FakePrinterPort port(/*two_way=*/false);
  auto outcome = PrintJob(port, kJob);
  REQUIRE(outcome);
  CHECK(outcome->result == JobResult::kUnconfirmed);
  CHECK_FALSE(outcome->printed());
  CHECK_FALSE(outcome->before.has_value());
  CHECK(port.job_bytes() == kJob);
}

TEST_CASE("Paper near end still prints unless the options forbid it") {
  FakePrinterPort port;
  PrinterStatus near_end;
  near_end.paper_near_end = true;
  port.set_status(near_end);
  auto outcome = PrintJob(port, kJob);
  REQUIRE(outcome);
  CHECK(outcome->printed());
  PrintJobOptions strict;
  strict.allow_paper_near_end = false;
  outcome = PrintJob(port, kJob, strict);
  REQUIRE(outcome);
  CHECK(outcome->result == JobResult::kNotPrinted);
  CHECK(outcome->refused_before_write);
}

TEST_CASE("A write that times out on a printer reporting no fault is an error, fate unknown") {
  FakePrinterPort port;
  port.set_stalled(true);
  auto outcome = PrintJob(port, kJob);
  REQUIRE_FALSE(outcome);
  CHECK(outcome.error().code() == ErrorCode::kDeadlineExceeded);
}

TEST_CASE("An absent printer is an unavailable error") {
  FakePrinterPort port;
  port.set_absent(true);
  auto outcome = PrintJob(port, kJob);
  REQUIRE_FALSE(outcome);
  CHECK(outcome.error().code() == ErrorCode::kUnavailable);
}

TEST_CASE("Job result names are stable strings") {
  CHECK(std::string(JobResultName(JobResult::kUnconfirmed)) == "unconfirmed");
  CHECK(std::string(JobResultName(JobResult::kNotPrinted)) == "not printed");
}

}  // namespace
}  // namespace mykey::printer
