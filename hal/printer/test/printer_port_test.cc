#include "mykey/printer/printer_port.h"

#include "mykey/printer_fake/fake_printer_port.h"
#include "mykey/testing/catch.h"

namespace mykey::printer {
namespace {

using std::chrono::milliseconds;

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

TEST_CASE("Process-ID and clear-buffers calls need an open two-way port") {
  FakePrinterPort port;
  const ProcessId id = port.NextProcessId();
  CHECK(port.RequestProcessId(id).error().code() == ErrorCode::kFailedPrecondition);
  CHECK(port.AwaitProcessId(id, milliseconds(0)).error().code() == ErrorCode::kFailedPrecondition);
  CHECK(port.ClearBuffers(milliseconds(0)).error().code() == ErrorCode::kFailedPrecondition);
  FakePrinterPort one_way(/*two_way=*/false);
  REQUIRE(one_way.Open());
  CHECK(one_way.RequestProcessId(id).error().code() == ErrorCode::kUnimplemented);
  CHECK(one_way.AwaitProcessId(id, milliseconds(0)).error().code() == ErrorCode::kUnimplemented);
  CHECK(one_way.ClearBuffers(milliseconds(0)).error().code() == ErrorCode::kUnimplemented);
}

TEST_CASE("Process IDs of one port differ from job to job") {
  FakePrinterPort port;
  const ProcessId first = port.NextProcessId();
  const ProcessId second = port.NextProcessId();
  CHECK_FALSE(first == second);
  CHECK(second.number() == (first.number() + 1) % 10000);
}

TEST_CASE("A process ID is answered once the bytes before it printed") {
  FakePrinterPort port;
  REQUIRE(port.Open());
  REQUIRE(port.Write(BytesOf("abc")));
  const ProcessId id = port.NextProcessId();
  REQUIRE(port.RequestProcessId(id));
  CHECK(port.AwaitProcessId(id, milliseconds(100)));
  CHECK(port.process_id_requests() == 1);
  CHECK(port.job_bytes() == BytesOf("abc"));  // the request is no job byte
  // Only the last requested id may be awaited.
  auto other = port.AwaitProcessId(ProcessId::FromNumber(id.number() + 5), milliseconds(0));
  REQUIRE_FALSE(other);
  CHECK(other.error().code() == ErrorCode::kFailedPrecondition);
}

TEST_CASE("Stale answers, ASB blocks and status bytes do not answer the awaited process ID") {
  FakePrinterPort port;
  port.set_answers_process_id(false);
  REQUIRE(port.Open());
  const ProcessId id = ProcessId::FromNumber(1234);
  REQUIRE(port.RequestProcessId(id));
  const auto stale = ProcessIdAnswer(ProcessId::FromNumber(2626));
  port.SendUnasked(stale);
  port.SendUnasked(Bytes{0x10, 0x00, 0x0F, 0x00, 0x12, 0x16});
  auto waited = port.AwaitProcessId(id, milliseconds(10));
  REQUIRE_FALSE(waited);
  CHECK(waited.error().code() == ErrorCode::kDeadlineExceeded);
  const auto answer = ProcessIdAnswer(id);
  port.SendUnasked(answer);
  CHECK(port.AwaitProcessId(id, milliseconds(10)));
}

TEST_CASE("A process-ID answer that came during a status read still counts") {
  FakePrinterPort port;
  REQUIRE(port.Open());
  const ProcessId id = ProcessId::FromNumber(2662);  // digits with the status pattern
  REQUIRE(port.RequestProcessId(id));
  auto status = port.ReadRealTimeStatus();
  REQUIRE(status);
  CHECK(*status == PrinterStatus{});
  CHECK(port.AwaitProcessId(id, milliseconds(0)));
}

TEST_CASE("Clearing the buffers drops what a stopped printer holds") {
  FakePrinterPort port;
  PrinterStatus paper_out;
  paper_out.paper_end = true;
  port.FaultAfter(2, paper_out);
  REQUIRE(port.Open());
  REQUIRE(port.Write(BytesOf("abcdef")));
  CHECK(port.held_bytes() == BytesOf("cdef"));
  REQUIRE(port.ClearBuffers(milliseconds(100)));
  CHECK(port.held_bytes().empty());
  CHECK(port.buffer_clears() == 1);
  port.set_status(PrinterStatus{});
  CHECK(port.job_bytes() == BytesOf("ab"));
}

TEST_CASE("A printer that does not know the clear-buffers request leaves it unanswered") {
  FakePrinterPort port;
  port.set_clears_buffers(false);
  REQUIRE(port.Open());
  auto cleared = port.ClearBuffers(milliseconds(10));
  REQUIRE_FALSE(cleared);
  CHECK(cleared.error().code() == ErrorCode::kDeadlineExceeded);
}

TEST_CASE("Abort() closes the port; a dropped connection closes it at the next read") {
  FakePrinterPort port;
  REQUIRE(port.Open());
  REQUIRE(port.Abort());
  CHECK_FALSE(port.is_open());
  CHECK(port.Abort());  // aborting a closed port is fine
  CHECK(port.aborts() == 1);
  REQUIRE(port.Open());
  port.DropConnection();
  auto status = port.ReadRealTimeStatus();
  REQUIRE_FALSE(status);
  CHECK(status.error().code() == ErrorCode::kUnavailable);
  CHECK_FALSE(port.is_open());
  CHECK(port.LineTime(1000) == milliseconds(0));
}

}  // namespace
}  // namespace mykey::printer
