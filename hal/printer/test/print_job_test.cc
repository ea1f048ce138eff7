#include "mykey/printer/print_job.h"

#include "mykey/printer_fake/fake_printer_port.h"
#include "mykey/testing/catch.h"

namespace mykey::printer {
namespace {

using std::chrono::milliseconds;

const Bytes kJob = {0x1B, '@', 'H', 'i', '\n', 0x1D, 'V', 0x00};

PrinterStatus PaperOut() {
  PrinterStatus status;
  status.offline = true;
  status.paper_end_stop = true;
  status.paper_end = true;
  return status;
}

// Short waits for printers that never answer.
PrintJobOptions Quick() {
  PrintJobOptions options;
  options.completion_base = milliseconds(60);
  options.status_poll_interval = milliseconds(20);
  options.clear_timeout = milliseconds(20);
  return options;
}

TEST_CASE("A job on a ready two-way printer is printed once it answered the process ID") {
  FakePrinterPort port;
  auto outcome = PrintJob(port, kJob);
  REQUIRE(outcome);
  CHECK(outcome->result == JobResult::kPrinted);
  CHECK(outcome->printed());
  CHECK(outcome->process_id_answered);
  CHECK(outcome->fault == PrinterFault::kNone);
  CHECK(outcome->before.has_value());
  CHECK(outcome->after.has_value());
  CHECK(outcome->bytes_written == kJob.size());
  CHECK(outcome->buffer_clear == BufferClear::kNotNeeded);
  CHECK_FALSE(outcome->error.has_value());
  CHECK(port.job_bytes() == kJob);
  CHECK(port.process_id_requests() == 1);
  CHECK(port.status_reads() == 2);
  CHECK(port.is_open());  // kept for the next job
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

TEST_CASE("Paper running out mid-job: not printed, and the rest never prints after new paper") {
  FakePrinterPort port;
  port.FaultAfter(5, PaperOut());
  auto outcome = PrintJob(port, kJob, Quick());
  REQUIRE(outcome);
  CHECK(outcome->result == JobResult::kNotPrinted);
  CHECK(outcome->fault == PrinterFault::kPaperEnd);
  CHECK_FALSE(outcome->refused_before_write);
  CHECK_FALSE(outcome->process_id_answered);
  REQUIRE(outcome->after.has_value());
  CHECK(outcome->after->paper_end);
  CHECK(outcome->buffer_clear == BufferClear::kAcknowledged);
  CHECK(port.buffer_clears() == 1);
  CHECK(port.held_bytes().empty());
  CHECK_FALSE(port.is_open());  // the next job opens a new connection
  // New paper: nothing of the failed job comes out next to its reprint.
  port.set_status(PrinterStatus{});
  CHECK(port.job_bytes() == Bytes(kJob.begin(), kJob.begin() + 5));
  auto reprint = PrintJob(port, kJob);
  REQUIRE(reprint);
  CHECK(reprint->printed());
  CHECK(port.opens() == 2);
}

TEST_CASE("Without the clear (status-only printer) the held rest prints after the fault") {
  FakePrinterPort port;
  port.FaultAfter(5, PaperOut());
  PrintJobOptions options = Quick();
  options.completion = Completion::kStatusOnly;
  auto outcome = PrintJob(port, kJob, options);
  REQUIRE(outcome);
  CHECK(outcome->result == JobResult::kNotPrinted);
  CHECK(outcome->buffer_clear == BufferClear::kNotAsked);
  CHECK(port.buffer_clears() == 0);
  CHECK_FALSE(port.is_open());
  port.set_status(PrinterStatus{});
  CHECK(port.job_bytes() == kJob);  // what a real printer does
}

TEST_CASE("Paper end tripped after the job printed leaves it printed, the fault in after") {
  FakePrinterPort port;
  port.FaultAfter(kJob.size() + ProcessIdRequest(ProcessId()).size(), PaperOut());
  auto outcome = PrintJob(port, kJob);
  REQUIRE(outcome);
  CHECK(outcome->result == JobResult::kPrinted);
  CHECK(outcome->process_id_answered);
  REQUIRE(outcome->after.has_value());
  CHECK(outcome->after->paper_end);
  CHECK(outcome->buffer_clear == BufferClear::kNotNeeded);
  // The next job is refused before writing.
  auto next = PrintJob(port, kJob);
  REQUIRE(next);
  CHECK(next->refused_before_write);
}

TEST_CASE("A write that fails, then a status with a fault, is not printed") {
  FakePrinterPort port;
  port.FaultAfter(3, PaperOut());
  port.StallAfter(4);
  auto outcome = PrintJob(port, kJob, Quick());
  REQUIRE(outcome);
  CHECK(outcome->result == JobResult::kNotPrinted);
  CHECK(outcome->fault == PrinterFault::kPaperEnd);
  CHECK_FALSE(outcome->refused_before_write);
  CHECK(outcome->bytes_written == 4);
  REQUIRE(outcome->error.has_value());
  CHECK(outcome->error->code() == ErrorCode::kDeadlineExceeded);
  CHECK(outcome->buffer_clear == BufferClear::kAcknowledged);
  CHECK(port.process_id_requests() == 0);
  CHECK_FALSE(port.is_open());
}

TEST_CASE("A printer that never answers the process ID leaves the job unconfirmed, cleared") {
  FakePrinterPort port;
  port.set_answers_process_id(false);
  auto outcome = PrintJob(port, kJob, Quick());
  REQUIRE(outcome);
  CHECK(outcome->result == JobResult::kUnconfirmed);
  CHECK(outcome->fault == PrinterFault::kNone);
  CHECK_FALSE(outcome->process_id_answered);
  CHECK_FALSE(outcome->error.has_value());
  CHECK(outcome->completion_wait >= milliseconds(60));
  CHECK(outcome->buffer_clear == BufferClear::kAcknowledged);
  CHECK(port.process_id_requests() == 1);
  CHECK_FALSE(port.is_open());
}

TEST_CASE("A printer that answers neither the process ID nor the clear: unacknowledged") {
  FakePrinterPort port;
  port.set_answers_process_id(false);
  port.set_clears_buffers(false);
  auto outcome = PrintJob(port, kJob, Quick());
  REQUIRE(outcome);
  CHECK(outcome->result == JobResult::kUnconfirmed);
  CHECK(outcome->buffer_clear == BufferClear::kUnacknowledged);
  // Asked on the job's connection, then once more on a new one.
  CHECK(port.opens() == 2);
  CHECK_FALSE(port.is_open());
}

TEST_CASE("A status-only printer's clean job is unconfirmed unless status is trusted") {
  FakePrinterPort port;
  PrintJobOptions options;
  options.completion = Completion::kStatusOnly;
  auto outcome = PrintJob(port, kJob, options);
  REQUIRE(outcome);
  CHECK(outcome->result == JobResult::kUnconfirmed);
  CHECK(outcome->buffer_clear == BufferClear::kNotNeeded);
  CHECK(port.process_id_requests() == 0);
  CHECK(port.is_open());
  options.trust_status_only = true;
  outcome = PrintJob(port, kJob, options);
  REQUIRE(outcome);
  CHECK(outcome->result == JobResult::kPrinted);
  CHECK_FALSE(outcome->process_id_answered);
  CHECK(port.job_bytes().size() == 2 * kJob.size());
}

TEST_CASE("A connection the printer dropped while idle is opened again before the job") {
  FakePrinterPort port;
  REQUIRE(port.Open());
  port.DropConnection();
  auto outcome = PrintJob(port, kJob);
  REQUIRE(outcome);
  CHECK(outcome->printed());
  CHECK(outcome->reconnected);
  CHECK(port.opens() == 2);
  CHECK(port.job_bytes() == kJob);
}

TEST_CASE("The wait for the process ID grows with the job") {
  PrintJobOptions options;
  CHECK(CompletionTimeout(options, 0) == milliseconds(3000));
  CHECK(CompletionTimeout(options, 23'500) == milliseconds(3000 + 11'750));
  options.print_bytes_per_second = 0;  // no division by zero
  CHECK(CompletionTimeout(options, 10) > milliseconds(3000));
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

TEST_CASE("A write that times out on a printer reporting no fault is unconfirmed") {
  FakePrinterPort port;
  port.set_stalled(true);
  auto outcome = PrintJob(port, kJob, Quick());
  REQUIRE(outcome);
  CHECK(outcome->result == JobResult::kUnconfirmed);
  REQUIRE(outcome->error.has_value());
  CHECK(outcome->error->code() == ErrorCode::kDeadlineExceeded);
  CHECK(outcome->bytes_written == 0);
  CHECK(outcome->buffer_clear == BufferClear::kAcknowledged);
  CHECK_FALSE(port.is_open());
}

TEST_CASE("An absent printer is an unavailable error") {
  FakePrinterPort port;
  port.set_absent(true);
  auto outcome = PrintJob(port, kJob);
  REQUIRE_FALSE(outcome);
  CHECK(outcome.error().code() == ErrorCode::kUnavailable);
}

TEST_CASE("Job result, completion and buffer-clear names are stable strings") {
  CHECK(std::string(JobResultName(JobResult::kUnconfirmed)) == "unconfirmed");
  CHECK(std::string(JobResultName(JobResult::kNotPrinted)) == "not printed");
  CHECK(std::string(CompletionName(Completion::kProcessId)) == "process-id");
  CHECK(std::string(CompletionName(Completion::kStatusOnly)) == "status-only");
  CHECK(std::string(BufferClearName(BufferClear::kAcknowledged)) == "acknowledged");
  CHECK(std::string(BufferClearName(BufferClear::kNotAsked)) == "not asked");
}

}  // namespace
}  // namespace mykey::printer
