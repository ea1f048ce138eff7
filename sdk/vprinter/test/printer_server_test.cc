#include "mykey/vprinter/printer_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "mykey/testing/catch.h"

namespace mykey::vprinter {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A host on the other end of the printer's TCP port.
class Host {
 public:
  explicit Host(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
    int one = 1;
    (void)::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~Host() { ::close(fd_); }
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  void Send(const Bytes& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      REQUIRE(n > 0);
      done += static_cast<size_t>(n);
    }
  }
  // Reads exactly `count` bytes, or fewer when `timeout` passes first.
  Bytes Receive(size_t count, milliseconds timeout) {
    Bytes out;
    const auto deadline = Clock::now() + timeout;
    while (out.size() < count) {
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) break;
      pollfd fds = {fd_, POLLIN, 0};
      if (::poll(&fds, 1, static_cast<int>(left.count())) <= 0) break;
      uint8_t byte = 0;
      if (::recv(fd_, &byte, 1, 0) != 1) break;
      out.push_back(byte);
    }
    return out;
  }

 private:
  int fd_ = -1;
};

// `lines` text lines of 30 dots each, a cut, a process-ID request, a status request.
Bytes JobWithProof(int lines, std::string_view id) {
  Bytes job = {0x1B, '@'};
  for (int i = 0; i < lines; ++i) {
    const std::string line = "line " + std::to_string(i) + "\n";
    job.insert(job.end(), line.begin(), line.end());
  }
  job.insert(job.end(), {0x1D, 'V', 0, 0x1D, '(', 'H', 6, 0, 48, 48});
  job.insert(job.end(), id.begin(), id.end());
  job.insert(job.end(), {0x10, 0x04, 1});
  return job;
}

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

TEST_CASE("At 150 mm/s DLE EOT is answered at once and the process ID once the job printed") {
  VirtualPrinterOptions options;
  options.print_speed_mm_s = 150;
  VirtualPrinter printer(options);
  auto server = PrinterServer::ListenTcp(printer, {"127.0.0.1", 0});
  REQUIRE(server);
  Host host((*server)->port());
  // 40 lines of 30 dots: 1200 dots at 150 mm/s x 203 dpi / 25.4 = 1.0 s of paper.
  const double expected = 1200 / (150 * 203 / 25.4);
  const auto sent = Clock::now();
  host.Send(JobWithProof(40, "0815"));
  CHECK(host.Receive(1, milliseconds(5000)) == Bytes{0x12});
  const double status_after = Seconds(Clock::now() - sent);
  CHECK(host.Receive(7, milliseconds(10000)) == Bytes{0x37, 0x22, '0', '8', '1', '5', 0x00});
  const double proof_after = Seconds(Clock::now() - sent);
  CHECK(status_after < 0.5);
  CHECK(proof_after >= expected * 0.98);
  CHECK(proof_after < expected + 2.0);
  REQUIRE(printer.jobs_finished() == 1);
  CHECK(printer.jobs().at(0).text_lines.size() == 40);
}

TEST_CASE("Slow rendering never holds back status answers") {
  VirtualPrinterOptions options;
  options.print_thread = true;
  VirtualPrinter printer(options);
  printer.set_job_listener(
      [](const PrintedJob&) { std::this_thread::sleep_for(milliseconds(800)); });
  auto server = PrinterServer::ListenTcp(printer, {"127.0.0.1", 0});
  REQUIRE(server);
  Host host((*server)->port());
  const auto sent = Clock::now();
  host.Send(JobWithProof(3, "0001"));
  CHECK(host.Receive(1, milliseconds(5000)) == Bytes{0x12});
  CHECK(Seconds(Clock::now() - sent) < 0.5);
  // The process ID comes after the job's listener (its files) is done.
  CHECK(host.Receive(7, milliseconds(5000)).size() == 7);
  CHECK(Seconds(Clock::now() - sent) >= 0.8);
}

TEST_CASE("A full receive buffer stops reading: what the host sends next waits for printing") {
  VirtualPrinterOptions options;
  options.print_speed_mm_s = 150;
  options.receive_buffer_bytes = 1;
  VirtualPrinter printer(options);
  auto server = PrinterServer::ListenTcp(printer, {"127.0.0.1", 0});
  REQUIRE(server);
  Host host((*server)->port());
  Bytes job = JobWithProof(24, "0002");
  job.resize(job.size() - 3);  // the status request comes separately
  const auto sent = Clock::now();
  host.Send(job);
  std::this_thread::sleep_for(milliseconds(100));
  CHECK(printer.receive_buffer_full());
  host.Send(Bytes{0x10, 0x04, 1});
  // 720 dots take 0.6 s: the request is read only once the buffer has drained.
  const Bytes answers = host.Receive(8, milliseconds(10000));
  CHECK(answers == Bytes{0x37, 0x22, '0', '0', '0', '2', 0x00, 0x12});
  CHECK(Seconds(Clock::now() - sent) >= 0.5);
}

TEST_CASE("Paper loaded mid-job: the rest prints and the process ID comes on the same connection") {
  VirtualPrinter printer;
  auto server = PrinterServer::ListenTcp(printer, {"127.0.0.1", 0});
  REQUIRE(server);
  Host host((*server)->port());
  printer.SetFaultAfter(Fault::kPaperOut, 20);
  host.Send(JobWithProof(5, "0003"));
  CHECK(host.Receive(1, milliseconds(5000)) == Bytes{0x1A});  // offline
  CHECK(host.Receive(1, milliseconds(200)).empty());          // no proof of print
  printer.SetFault(Fault::kNone);
  CHECK(host.Receive(7, milliseconds(5000)) == Bytes{0x37, 0x22, '0', '0', '0', '3', 0x00});
}

}  // namespace
}  // namespace mykey::vprinter
