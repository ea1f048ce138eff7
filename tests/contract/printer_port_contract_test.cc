// The contract of printer::PrinterPort, run against every backend: TCP (to an
// in-process mykey-vprinter server on an ephemeral loopback port), the
// character device and the serial port (both on a pty whose master side is
// served by the virtual printer), the file backend (one-way) and the fake.
// Test names end in " - <Backend>".

#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "mykey/printer/print_job.h"
#include "mykey/printer/printer_port.h"
#include "mykey/printer_chardev/char_device_printer_port.h"
#include "mykey/printer_fake/fake_printer_port.h"
#include "mykey/printer_file/file_printer_port.h"
#include "mykey/printer_serial/serial_printer_port.h"
#include "mykey/printer_tcp/tcp_printer_port.h"
#include "mykey/testing/catch.h"
#include "mykey/vprinter/printer_server.h"
#include "mykey/vprinter/virtual_printer.h"
#include "require_ok.h"

namespace mykey::contract {
namespace {

using printer::PrinterPort;
using printer::PrinterStatus;
using std::chrono::milliseconds;
using vprinter::Fault;
using vprinter::VirtualPrinter;

constexpr milliseconds kWait{10000};

// A receipt of about 300 bytes: init, kanji, text lines, cut.
Bytes Receipt() {
  Bytes job = {0x1B, '@', 0x1C, 'C', 1, 0x1C, '&', 0x97, 0x4C, 0x8C, 0xF8, 0x1C, '.', '\n'};
  for (int i = 0; i < 10; ++i) {
    const std::string line = "line " + std::to_string(i) + " ........................\n";
    job.insert(job.end(), line.begin(), line.end());
  }
  job.insert(job.end(), {0x1D, 'V', 0x00});
  return job;
}

// The printer on the other end of a backend, as the tests drive it.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual PrinterPort& port() = 0;
  virtual bool two_way() const = 0;
  virtual void SetFault(Fault fault) = 0;
  virtual void SetFaultAfter(Fault fault, size_t bytes) = 0;
  /// The bytes of finished jobs as the printer got them (text lines for emulators).
  virtual std::vector<std::string> PrintedLines(size_t jobs) = 0;
  /// Whether the last finished job completed (emulators; true otherwise).
  virtual bool LastJobCompleted() = 0;
  /// How PrintJob() checks jobs on this printer.
  virtual printer::PrintJobOptions JobOptions() const { return {}; }
};

// Behind the emulator: TCP, character device on a pty, serial on a pty.
class EmulatedBackend : public Backend {
 public:
  bool two_way() const override { return true; }
  void SetFault(Fault fault) override { printer_.SetFault(fault); }
  void SetFaultAfter(Fault fault, size_t bytes) override { printer_.SetFaultAfter(fault, bytes); }
  std::vector<std::string> PrintedLines(size_t jobs) override {
    if (!printer_.WaitForJobs(jobs, kWait)) return {};
    std::vector<std::string> lines;
    for (const auto& job : printer_.jobs()) {
      lines.insert(lines.end(), job.text_lines.begin(), job.text_lines.end());
    }
    return lines;
  }
  bool LastJobCompleted() override {
    auto jobs = printer_.jobs();
    return !jobs.empty() && jobs.back().completed;
  }

 protected:
  // Keeps a faulted job's rest in its buffer, as a real printer does, until PrintJob() clears it.
  VirtualPrinter printer_;
};

class TcpBackend final : public EmulatedBackend {
 public:
  TcpBackend() {
    vprinter::ServerOptions options;
    options.port = 0;
    auto server = vprinter::PrinterServer::ListenTcp(printer_, options);
    REQUIRE_OK(server);
    server_ = std::move(*server);
    printer::TcpPrinterOptions port_options;
    port_options.port = server_->port();
    port_ = std::make_unique<printer::TcpPrinterPort>(port_options);
  }
  ~TcpBackend() override {
    (void)port_->Close();
    server_->Stop();
  }
  PrinterPort& port() override { return *port_; }

 private:
  std::unique_ptr<vprinter::PrinterServer> server_;
  std::unique_ptr<printer::TcpPrinterPort> port_;
};

// A pty: the master is served by the virtual printer, the slave path is the device.
class PtyBackend : public EmulatedBackend {
 public:
  PtyBackend() {
    const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    REQUIRE(master >= 0);
    REQUIRE(::grantpt(master) == 0);
    REQUIRE(::unlockpt(master) == 0);
    slave_path_ = ::ptsname(master);
    // Holding a slave open keeps the line up between the port's opens, and
    // raw mode keeps the tty layer from echoing or translating bytes.
    hold_ = ::open(slave_path_.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
    REQUIRE(hold_ >= 0);
    termios tio{};
    REQUIRE(::tcgetattr(hold_, &tio) == 0);
    ::cfmakeraw(&tio);
    REQUIRE(::tcsetattr(hold_, TCSANOW, &tio) == 0);
    auto server = vprinter::PrinterServer::ServeDescriptor(printer_, master);
    REQUIRE_OK(server);
    server_ = std::move(*server);
  }
  ~PtyBackend() override {
    server_->Stop();
    ::close(hold_);
  }

 protected:
  std::string slave_path_;

 private:
  int hold_ = -1;
  std::unique_ptr<vprinter::PrinterServer> server_;
};

class CharDeviceBackend final : public PtyBackend {
 public:
  CharDeviceBackend() : port_(slave_path_) {}
  ~CharDeviceBackend() override { (void)port_.Close(); }
  PrinterPort& port() override { return port_; }

 private:
  printer::CharDevicePrinterPort port_;
};

class SerialBackend final : public PtyBackend {
 public:
  SerialBackend() : port_(slave_path_, {115200, printer::FlowControl::kXonXoff}) {}
  ~SerialBackend() override { (void)port_.Close(); }
  PrinterPort& port() override { return port_; }

 private:
  printer::SerialPrinterPort port_;
};

class FileBackend final : public Backend {
 public:
  FileBackend() {
    char dir[] = "/tmp/printer_contract_XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    dir_ = dir;
    port_ = std::make_unique<printer::FilePrinterPort>(dir_ + "/spool.bin", false);
  }
  ~FileBackend() override {
    port_.reset();
    std::filesystem::remove_all(dir_);
  }
  PrinterPort& port() override { return *port_; }
  bool two_way() const override { return false; }
  void SetFault(Fault) override {}
  void SetFaultAfter(Fault, size_t) override {}
  std::vector<std::string> PrintedLines(size_t) override {
    std::ifstream in(dir_ + "/spool.bin", std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return {bytes};
  }
  bool LastJobCompleted() override { return true; }

 private:
  std::string dir_;
  std::unique_ptr<printer::FilePrinterPort> port_;
};

class FakeBackend final : public Backend {
 public:
  PrinterPort& port() override { return port_; }
  bool two_way() const override { return true; }
  void SetFault(Fault fault) override { port_.set_status(StatusOf(fault)); }
  void SetFaultAfter(Fault fault, size_t bytes) override {
    port_.FaultAfter(bytes, StatusOf(fault));
  }
  std::vector<std::string> PrintedLines(size_t) override {
    return {std::string(port_.job_bytes().begin(), port_.job_bytes().end())};
  }
  bool LastJobCompleted() override { return port_.status().ready(); }

 private:
  static PrinterStatus StatusOf(Fault fault) {
    PrinterStatus status;
    switch (fault) {
      case Fault::kPaperOut:
        status.offline = status.paper_end = status.paper_end_stop = status.paper_near_end = true;
        break;
      case Fault::kPaperNearEnd: status.paper_near_end = true; break;
      case Fault::kCoverOpen: status.offline = status.cover_open = true; break;
      case Fault::kOffline: status.offline = true; break;
      case Fault::kError: status.offline = status.error = status.autocutter_error = true; break;
      case Fault::kNone: break;
    }
    return status;
  }
  printer::FakePrinterPort port_;
};

bool Contains(const std::vector<std::string>& lines, const std::string& wanted) {
  for (const auto& line : lines) {
    if (line.find(wanted) != std::string::npos) return true;
  }
  return false;
}

#define BACKENDS TcpBackend, CharDeviceBackend, SerialBackend, FileBackend, FakeBackend

TEMPLATE_TEST_CASE("Writing or reading status before Open() is a failed precondition", "",
                   BACKENDS) {
  TestType backend;
  auto written = backend.port().Write(BytesOf("x"));
  REQUIRE_FALSE(written);
  CHECK(written.error().code() == ErrorCode::kFailedPrecondition);
  auto status = backend.port().ReadRealTimeStatus();
  REQUIRE_FALSE(status);
  CHECK(status.error().code() == ErrorCode::kFailedPrecondition);
  CHECK_FALSE(backend.port().two_way());
}

TEMPLATE_TEST_CASE("An opened port writes a job the printer receives whole", "", BACKENDS) {
  TestType backend;
  REQUIRE_OK(backend.port().Open());
  CHECK(backend.port().two_way() == backend.two_way());
  REQUIRE_OK(backend.port().Write(Receipt()));
  // Status read after the job is answered after the job was processed (two-way).
  if (backend.two_way()) REQUIRE_OK(backend.port().ReadRealTimeStatus());
  REQUIRE_OK(backend.port().Close());
  const auto lines = backend.PrintedLines(1);
  CHECK(Contains(lines, "line 0 ...."));
  CHECK(Contains(lines, "line 9 ...."));
  CHECK(backend.port().Close());  // closing twice is fine
  auto after_close = backend.port().Write(BytesOf("x"));
  REQUIRE_FALSE(after_close);
  CHECK(after_close.error().code() == ErrorCode::kFailedPrecondition);
}

TEMPLATE_TEST_CASE("Status bits of the printer arrive as the PrinterStatus fields", "", BACKENDS) {
  TestType backend;
  REQUIRE_OK(backend.port().Open());
  if (!backend.two_way()) {
    auto status = backend.port().ReadRealTimeStatus();
    REQUIRE_FALSE(status);
    CHECK(status.error().code() == ErrorCode::kUnimplemented);
    return;
  }
  auto status = backend.port().ReadRealTimeStatus();
  REQUIRE_OK(status);
  CHECK(status->ready());
  CHECK(*status == PrinterStatus{});

  backend.SetFault(Fault::kPaperOut);
  status = backend.port().ReadRealTimeStatus();
  REQUIRE_OK(status);
  CHECK(status->paper_end);
  CHECK(status->paper_end_stop);
  CHECK(status->offline);
  CHECK(printer::FaultOf(*status) == printer::PrinterFault::kPaperEnd);

  backend.SetFault(Fault::kNone);
  backend.SetFault(Fault::kCoverOpen);
  status = backend.port().ReadRealTimeStatus();
  REQUIRE_OK(status);
  CHECK(status->cover_open);
  CHECK_FALSE(status->paper_end);
  CHECK(printer::FaultOf(*status) == printer::PrinterFault::kCoverOpen);

  backend.SetFault(Fault::kNone);
  backend.SetFault(Fault::kPaperNearEnd);
  status = backend.port().ReadRealTimeStatus();
  REQUIRE_OK(status);
  CHECK(status->paper_near_end);
  CHECK(status->ready());

  backend.SetFault(Fault::kNone);
  backend.SetFault(Fault::kOffline);
  status = backend.port().ReadRealTimeStatus();
  REQUIRE_OK(status);
  CHECK(printer::FaultOf(*status) == printer::PrinterFault::kOffline);
}

TEMPLATE_TEST_CASE("Paper running out mid-job makes the job not printed", "", BACKENDS) {
  TestType backend;
  backend.SetFaultAfter(Fault::kPaperOut, 100);
  auto outcome = printer::PrintJob(backend.port(), Receipt(), backend.JobOptions());
  REQUIRE_OK(outcome);
  if (!backend.two_way()) {
    CHECK(outcome->result == printer::JobResult::kUnconfirmed);
    return;
  }
  CHECK(outcome->result == printer::JobResult::kNotPrinted);
  CHECK(outcome->fault == printer::PrinterFault::kPaperEnd);
  CHECK_FALSE(outcome->refused_before_write);
  // The rest is cleared from the printer where it has process IDs, and the
  // connection closed so that the next job starts on a new one.
  const bool process_id = backend.JobOptions().completion == printer::Completion::kProcessId;
  CHECK(outcome->buffer_clear ==
        (process_id ? printer::BufferClear::kAcknowledged : printer::BufferClear::kNotAsked));
  CHECK_FALSE(backend.port().is_open());
  (void)backend.PrintedLines(1);
  CHECK_FALSE(backend.LastJobCompleted());
}

TEMPLATE_TEST_CASE("An aborted port is closed and opens again for the next job", "", BACKENDS) {
  TestType backend;
  REQUIRE_OK(backend.port().Open());
  REQUIRE_OK(backend.port().Write(BytesOf("\x1b@")));
  REQUIRE_OK(backend.port().Abort());
  CHECK_FALSE(backend.port().is_open());
  CHECK_FALSE(backend.port().two_way());
  REQUIRE_OK(backend.port().Abort());  // aborting a closed port is fine
  auto outcome = printer::PrintJob(backend.port(), Receipt(), backend.JobOptions());
  REQUIRE_OK(outcome);
  CHECK(outcome->result ==
        (backend.two_way() ? printer::JobResult::kPrinted : printer::JobResult::kUnconfirmed));
}

TEMPLATE_TEST_CASE("A printer out of paper refuses the job before writing it", "", BACKENDS) {
  TestType backend;
  backend.SetFault(Fault::kPaperOut);
  auto outcome = printer::PrintJob(backend.port(), Receipt(), backend.JobOptions());
  REQUIRE_OK(outcome);
  if (!backend.two_way()) {
    CHECK(outcome->result == printer::JobResult::kUnconfirmed);
    return;
  }
  CHECK(outcome->result == printer::JobResult::kNotPrinted);
  CHECK(outcome->refused_before_write);
  CHECK(outcome->bytes_written == 0);
}

TEMPLATE_TEST_CASE("A job on a ready printer is printed (two-way) or unconfirmed (one-way)", "",
                   BACKENDS) {
  TestType backend;
  auto outcome = printer::PrintJob(backend.port(), Receipt(), backend.JobOptions());
  REQUIRE_OK(outcome);
  CHECK(outcome->result ==
        (backend.two_way() ? printer::JobResult::kPrinted : printer::JobResult::kUnconfirmed));
  CHECK(outcome->bytes_written == Receipt().size());
  CHECK(Contains(backend.PrintedLines(1), "line 5 ...."));
}

TEST_CASE("A TCP printer that refuses the connection is unavailable") {
  // A port that was just bound and closed: nothing listens there.
  VirtualPrinter printer;
  vprinter::ServerOptions options;
  options.port = 0;
  auto server = vprinter::PrinterServer::ListenTcp(printer, options);
  REQUIRE_OK(server);
  const uint16_t port = (*server)->port();
  server->reset();
  printer::TcpPrinterOptions port_options;
  port_options.port = port;
  printer::TcpPrinterPort tcp(port_options);
  auto opened = tcp.Open();
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code() == ErrorCode::kUnavailable);
  CHECK_FALSE(tcp.is_open());
}

TEST_CASE("A missing character device is unavailable") {
  printer::CharDevicePrinterPort port("/dev/usb/lp-does-not-exist");
  auto opened = port.Open();
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code() == ErrorCode::kUnavailable);
}

TEST_CASE("A character device that does not answer status is one-way after the probe") {
  // /dev/null takes writes and never answers.
  printer::CharDeviceOptions options;
  options.probe_timeout = milliseconds(50);
  printer::CharDevicePrinterPort port("/dev/null", options);
  REQUIRE_OK(port.Open());
  CHECK_FALSE(port.two_way());
  auto outcome = printer::PrintJob(port, Receipt());
  REQUIRE_OK(outcome);
  CHECK(outcome->result == printer::JobResult::kUnconfirmed);
}

TEST_CASE("A serial port refuses a path that is not a terminal") {
  printer::SerialPrinterPort port("/dev/null");
  auto opened = port.Open();
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("A TCP printer that goes away mid-session makes the port unavailable") {
  VirtualPrinter printer;
  vprinter::ServerOptions options;
  options.port = 0;
  auto server = vprinter::PrinterServer::ListenTcp(printer, options);
  REQUIRE_OK(server);
  printer::TcpPrinterOptions port_options;
  port_options.port = (*server)->port();
  printer::TcpPrinterPort tcp(port_options);
  REQUIRE_OK(tcp.Open());
  REQUIRE_OK(tcp.ReadRealTimeStatus());
  server->reset();  // closes the connection
  auto status = tcp.ReadRealTimeStatus(milliseconds(2000));
  REQUIRE_FALSE(status);
  CHECK((status.error().code() == ErrorCode::kUnavailable ||
         status.error().code() == ErrorCode::kDataLoss));
  CHECK_FALSE(tcp.is_open());
}

}  // namespace
}  // namespace mykey::contract
