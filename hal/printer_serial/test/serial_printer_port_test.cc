#include "mykey/printer_serial/serial_printer_port.h"

#include <fcntl.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include <string>

#include "mykey/testing/catch.h"

namespace mykey::printer {
namespace {

using std::chrono::milliseconds;

// A pty: the slave path stands for the serial port; nobody reads the master.
class Pty {
 public:
  Pty() {
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    REQUIRE(master_ >= 0);
    REQUIRE(::grantpt(master_) == 0);
    REQUIRE(::unlockpt(master_) == 0);
    path_ = ::ptsname(master_);
  }
  ~Pty() { ::close(master_); }
  const std::string& path() const { return path_; }

  termios Settings() const {
    const int fd = ::open(path_.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    termios tio{};
    REQUIRE(::tcgetattr(fd, &tio) == 0);
    ::close(fd);
    return tio;
  }

 private:
  int master_ = -1;
  std::string path_;
};

TEST_CASE("The serial port supports the standard speeds from 1200 to 921600 baud") {
  CHECK(kSerialSpeeds.front() == 1200);
  CHECK(kSerialSpeeds.back() == 921600);
  for (uint32_t baud : kSerialSpeeds) {
    Pty pty;
    SerialPrinterPort port(pty.path(), {baud, FlowControl::kNone});
    INFO(baud);
    CHECK(port.Open());
    CHECK(IsSerialSpeed(baud));
  }
  CHECK_FALSE(IsSerialSpeed(14400));
  CHECK_FALSE(IsSerialSpeed(0));
}

TEST_CASE("An unsupported speed or stop-bit count is refused at Open()") {
  Pty pty;
  SerialPrinterPort odd_speed(pty.path(), {14400, FlowControl::kNone});
  auto opened = odd_speed.Open();
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code() == ErrorCode::kInvalidArgument);
  SerialOptions three_stops;
  three_stops.stop_bits = 3;
  SerialPrinterPort stops(pty.path(), three_stops);
  opened = stops.Open();
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("Parity, stop bits, speed and flow control reach the line's settings") {
  Pty pty;
  SerialOptions options;
  options.baud = 19200;
  options.flow = FlowControl::kXonXoff;
  options.parity = Parity::kOdd;
  options.stop_bits = 2;
  SerialPrinterPort port(pty.path(), options);
  REQUIRE(port.Open());
  termios tio = pty.Settings();
  // Linux's pty clears PARENB whatever is asked (it has no parity to check);
  // PARODD, the stop bits and the rest stay as set.
  CHECK((tio.c_cflag & CSIZE) == CS8);
  CHECK((tio.c_cflag & PARODD) != 0);
  CHECK((tio.c_cflag & CSTOPB) != 0);
  CHECK((tio.c_cflag & CRTSCTS) == 0);
  CHECK((tio.c_iflag & (IXON | IXOFF)) == (IXON | IXOFF));
  CHECK(::cfgetospeed(&tio) == B19200);
  REQUIRE(port.Close());

  SerialPrinterPort even(pty.path(), {9600, FlowControl::kRtsCts, Parity::kEven, 1});
  REQUIRE(even.Open());
  tio = pty.Settings();
  CHECK((tio.c_cflag & PARODD) == 0);
  CHECK((tio.c_cflag & CSTOPB) == 0);
  CHECK((tio.c_cflag & CRTSCTS) != 0);
  CHECK((tio.c_iflag & IXON) == 0);
}

TEST_CASE("DSR/DTR flow control needs modem lines, which a pty lacks") {
  Pty pty;
  SerialPrinterPort port(pty.path(), {38400, FlowControl::kDsrDtr});
  auto opened = port.Open();
  REQUIRE_FALSE(opened);
  CHECK(opened.error().code() == ErrorCode::kInvalidArgument);
  CHECK(opened.error().domain() == ErrorDomain::kOs);
  CHECK_FALSE(port.is_open());
}

TEST_CASE("The line time counts start, data, parity and stop bits at the baud rate") {
  // A 23.5 KB voucher at 9600 8N1: 24.5 s.
  SerialPrinterPort n81("/dev/null", {9600, FlowControl::kNone, Parity::kNone, 1});
  CHECK(n81.LineTime(23'500) == milliseconds(24'480));
  SerialPrinterPort e82("/dev/null", {9600, FlowControl::kNone, Parity::kEven, 2});
  CHECK(e82.LineTime(9600) == milliseconds(12'000));
  SerialPrinterPort fast("/dev/null", {115200, FlowControl::kNone});
  CHECK(fast.LineTime(1) == milliseconds(1));  // rounded up
  CHECK(fast.LineTime(0) == milliseconds(0));
}

TEST_CASE("A write to a line that stopped sending is given the line time on top of its timeout") {
  Pty pty;  // nobody reads: the pty fills up and stops taking bytes
  SerialPrinterPort port(pty.path(), {921600, FlowControl::kNone});
  REQUIRE(port.Open());
  const Bytes job(100'000, 'x');
  const milliseconds line_time = port.LineTime(job.size());
  REQUIRE(line_time >= milliseconds(1000));
  const auto start = std::chrono::steady_clock::now();
  auto written = port.Write(job, milliseconds(0));
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(written);
  CHECK(written.error().code() == ErrorCode::kDeadlineExceeded);
  CHECK(took >= line_time - milliseconds(5));  // poll() counts whole milliseconds
}

TEST_CASE("Flow control and parity names are the configuration's") {
  CHECK(std::string(FlowControlName(FlowControl::kDsrDtr)) == "dsrdtr");
  CHECK(std::string(FlowControlName(FlowControl::kRtsCts)) == "rtscts");
  CHECK(std::string(FlowControlName(FlowControl::kXonXoff)) == "xonxoff");
  CHECK(std::string(FlowControlName(FlowControl::kNone)) == "none");
  CHECK(std::string(ParityName(Parity::kEven)) == "even");
  CHECK(std::string(ParityName(Parity::kOdd)) == "odd");
}

}  // namespace
}  // namespace mykey::printer
