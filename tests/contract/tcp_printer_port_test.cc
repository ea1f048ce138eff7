// TcpPrinterPort and PrintJob() against a small in-test printer
// (tcp_test_printer.h) that misbehaves on command: a job printed only when
// the printer answered its process ID, a fault mid-job, a printer that never
// answers, one that drops the connection mid-write or stops reading (write
// timeout), one that dropped an idle connection, and noise between answers.

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "mykey/printer/print_job.h"
#include "mykey/printer_tcp/tcp_printer_port.h"
#include "mykey/testing/catch.h"
#include "require_ok.h"
#include "tcp_test_printer.h"

namespace mykey::contract {
namespace {

using printer::BufferClear;
using printer::JobResult;
using printer::PrinterStatus;
using std::chrono::milliseconds;
using Event = TcpTestPrinter::Event;

Bytes SmallJob() {
  Bytes job = {0x1B, '@'};
  for (int i = 0; i < 20; ++i) {
    const std::string line = "line " + std::to_string(i) + " ........................\n";
    job.insert(job.end(), line.begin(), line.end());
  }
  job.insert(job.end(), {0x1D, 'V', 0x00});
  return job;
}

// More than the kernels on both sides buffer: a printer that stops reading
// stops the write.
Bytes HugeJob() {
  return Bytes(4 * 1024 * 1024, 'x');
}

printer::TcpPrinterPort PortTo(const TcpTestPrinter& peer) {
  printer::TcpPrinterOptions options;
  options.port = peer.port();
  return printer::TcpPrinterPort(options);
}

printer::PrintJobOptions Quick() {
  printer::PrintJobOptions options;
  options.write_timeout = milliseconds(300);
  options.status_timeout = milliseconds(300);
  options.completion_base = milliseconds(300);
  options.status_poll_interval = milliseconds(50);
  options.clear_timeout = milliseconds(300);
  return options;
}

TEST_CASE("TCP: a job is printed only once the printer answered its process ID") {
  TcpTestPrinter::Behaviour behaviour;
  behaviour.process_id_delay = milliseconds(400);  // the job is still printing
  TcpTestPrinter peer(behaviour);
  REQUIRE(peer.ok());
  auto port = PortTo(peer);
  const Bytes job = SmallJob();
  auto outcome = printer::PrintJob(port, job, Quick());
  REQUIRE_OK(outcome);
  CHECK(outcome->result == JobResult::kPrinted);
  CHECK(outcome->process_id_answered);
  CHECK(outcome->completion_wait >= milliseconds(380));
  CHECK(outcome->buffer_clear == BufferClear::kNotNeeded);
  CHECK(peer.printed() == job);
  // The status was clean long before the job printed: DLE EOT alone would have
  // said "printed" at once. The final status is read after the answer.
  const auto events = peer.events();
  auto answered = std::find_if(events.begin(), events.end(),
                               [](const Event& e) { return e.kind == Event::kProcessIdAnswered; });
  REQUIRE(answered != events.end());
  CHECK(std::any_of(events.begin(), answered,
                    [](const Event& e) { return e.kind == Event::kStatusAsked; }));
  CHECK(std::any_of(answered, events.end(),
                    [](const Event& e) { return e.kind == Event::kStatusAsked; }));
  CHECK(port.is_open());
}

TEST_CASE("TCP: ASB blocks and stale process-ID answers between status answers are ignored") {
  TcpTestPrinter::Behaviour behaviour;
  behaviour.process_id_delay = milliseconds(150);
  behaviour.noise_before_status = true;
  TcpTestPrinter peer(behaviour);
  REQUIRE(peer.ok());
  auto port = PortTo(peer);
  REQUIRE_OK(port.Open());
  auto status = port.ReadRealTimeStatus(milliseconds(1000));
  REQUIRE_OK(status);
  CHECK(*status == PrinterStatus{});  // '2' and '6' of "2626" are no status answers
  auto outcome = printer::PrintJob(port, SmallJob(), Quick());
  REQUIRE_OK(outcome);
  CHECK(outcome->result == JobResult::kPrinted);
  REQUIRE(outcome->after.has_value());
  CHECK(outcome->after->ready());
}

TEST_CASE("TCP: paper out mid-job is not printed, the printer's buffer is cleared") {
  TcpTestPrinter::Behaviour behaviour;
  behaviour.fault_after = 100;
  TcpTestPrinter peer(behaviour);
  REQUIRE(peer.ok());
  auto port = PortTo(peer);
  const Bytes job = SmallJob();
  auto outcome = printer::PrintJob(port, job, Quick());
  REQUIRE_OK(outcome);
  CHECK(outcome->result == JobResult::kNotPrinted);
  CHECK(outcome->fault == printer::PrinterFault::kPaperEnd);
  CHECK_FALSE(outcome->process_id_answered);
  CHECK(outcome->buffer_clear == BufferClear::kAcknowledged);
  CHECK(peer.count(Event::kCleared) == 1);
  CHECK(peer.held().empty());
  CHECK_FALSE(port.is_open());
  // New paper: nothing of the failed job prints; the next job reconnects.
  peer.set_status(PrinterStatus{});
  CHECK(peer.printed() == Bytes(job.begin(), job.begin() + 100));
  auto next = printer::PrintJob(port, job, Quick());
  REQUIRE_OK(next);
  CHECK(next->result == JobResult::kPrinted);
  CHECK(peer.connections() == 2);
}

TEST_CASE("TCP: a printer that never answers the process ID leaves the job unconfirmed") {
  TcpTestPrinter::Behaviour behaviour;
  behaviour.answers_process_id = false;
  TcpTestPrinter peer(behaviour);
  REQUIRE(peer.ok());
  auto port = PortTo(peer);
  auto outcome = printer::PrintJob(port, SmallJob(), Quick());
  REQUIRE_OK(outcome);
  CHECK(outcome->result == JobResult::kUnconfirmed);
  CHECK_FALSE(outcome->error.has_value());
  CHECK(outcome->completion_wait >= milliseconds(300));
  CHECK(outcome->buffer_clear == BufferClear::kAcknowledged);
  CHECK(peer.count(Event::kProcessIdAsked) == 1);
}

TEST_CASE("TCP: a printer that resets the connection mid-write leaves the job unconfirmed") {
  TcpTestPrinter::Behaviour behaviour;
  behaviour.drop_after = 1000;
  TcpTestPrinter peer(behaviour);
  REQUIRE(peer.ok());
  auto port = PortTo(peer);
  auto outcome = printer::PrintJob(port, HugeJob(), Quick());
  REQUIRE_OK(outcome);
  CHECK(outcome->result == JobResult::kUnconfirmed);
  REQUIRE(outcome->error.has_value());
  INFO(outcome->error->ToString());
  CHECK(outcome->error->code() == ErrorCode::kDataLoss);
  CHECK(outcome->bytes_written < HugeJob().size());
  // Cleared on a new connection, which is then closed for the next job.
  CHECK(outcome->buffer_clear == BufferClear::kAcknowledged);
  CHECK(peer.connections() == 2);
  CHECK_FALSE(port.is_open());
}

TEST_CASE("TCP: a printer that stops reading (paper out, buffer full) times the write out") {
  TcpTestPrinter::Behaviour behaviour;
  behaviour.stall_after = 1000;
  behaviour.fault_after = 1000;
  TcpTestPrinter peer(behaviour);
  REQUIRE(peer.ok());
  auto port = PortTo(peer);
  const auto start = std::chrono::steady_clock::now();
  auto outcome = printer::PrintJob(port, HugeJob(), Quick());
  REQUIRE_OK(outcome);
  CHECK(std::chrono::steady_clock::now() - start >= milliseconds(300));
  REQUIRE(outcome->error.has_value());
  CHECK(outcome->error->code() == ErrorCode::kDeadlineExceeded);
  CHECK(outcome->bytes_written > 0);
  CHECK(outcome->bytes_written < HugeJob().size());
  // The job's connection is stuck behind unsent bytes: the status and the
  // clear come from a new one, and the stuck bytes are dropped.
  CHECK(outcome->result == JobResult::kNotPrinted);
  CHECK(outcome->fault == printer::PrinterFault::kPaperEnd);
  CHECK(outcome->buffer_clear == BufferClear::kAcknowledged);
  CHECK(peer.connections() == 2);
  CHECK_FALSE(port.is_open());
}

TEST_CASE("TCP: a printer that dropped an idle connection gets the job on a new one") {
  TcpTestPrinter peer(TcpTestPrinter::Behaviour{});
  REQUIRE(peer.ok());
  auto port = PortTo(peer);
  REQUIRE_OK(printer::PrintJob(port, SmallJob(), Quick()));
  peer.DropConnections();
  std::this_thread::sleep_for(milliseconds(100));
  auto outcome = printer::PrintJob(port, SmallJob(), Quick());
  REQUIRE_OK(outcome);
  CHECK(outcome->result == JobResult::kPrinted);
  CHECK(outcome->reconnected);
  CHECK(peer.connections() == 2);
}

TEST_CASE("TCP: the connection to the printer has keepalive on") {
  TcpTestPrinter peer(TcpTestPrinter::Behaviour{});
  REQUIRE(peer.ok());
  printer::TcpPrinterOptions options;
  options.port = peer.port();
  options.keepalive_idle = std::chrono::seconds(20);
  printer::TcpPrinterPort port(options);
  REQUIRE_OK(port.Open());
  // Find our socket among the open descriptors by its peer's port.
  int found = -1;
  for (int fd = 3; fd < 1024 && found < 0; ++fd) {
    sockaddr_in address{};
    socklen_t length = sizeof(address);
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0 &&
        address.sin_family == AF_INET && ntohs(address.sin_port) == peer.port()) {
      found = fd;
    }
  }
  REQUIRE(found >= 0);
  int value = 0;
  socklen_t length = sizeof(value);
  REQUIRE(::getsockopt(found, SOL_SOCKET, SO_KEEPALIVE, &value, &length) == 0);
  CHECK(value == 1);
  REQUIRE(::getsockopt(found, IPPROTO_TCP, TCP_KEEPIDLE, &value, &length) == 0);
  CHECK(value == 20);
}

}  // namespace
}  // namespace mykey::contract
