#include "mykey/printer_serial/serial_printer_port.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "dsr_pacing.h"

namespace mykey::printer {
namespace {

bool SpeedOf(uint32_t baud, speed_t& out) {
  switch (baud) {
    case 1200: out = B1200; return true;
    case 2400: out = B2400; return true;
    case 4800: out = B4800; return true;
    case 9600: out = B9600; return true;
    case 19200: out = B19200; return true;
    case 38400: out = B38400; return true;
    case 57600: out = B57600; return true;
    case 115200: out = B115200; return true;
    case 230400: out = B230400; return true;
    case 460800: out = B460800; return true;
    case 921600: out = B921600; return true;
    default: return false;
  }
}

Status Refuse(int fd, const char* message, int err) {
  ::close(fd);
  return Fail(ErrorCode::kInvalidArgument, message, ErrorDomain::kOs, err);
}

}  // namespace

bool IsSerialSpeed(uint32_t baud) {
  return std::find(kSerialSpeeds.begin(), kSerialSpeeds.end(), baud) != kSerialSpeeds.end();
}

const char* FlowControlName(FlowControl flow) {
  switch (flow) {
    case FlowControl::kNone: return "none";
    case FlowControl::kRtsCts: return "rtscts";
    case FlowControl::kXonXoff: return "xonxoff";
    case FlowControl::kDsrDtr: return "dsrdtr";
  }
  return "unknown";
}

const char* ParityName(Parity parity) {
  switch (parity) {
    case Parity::kNone: return "none";
    case Parity::kEven: return "even";
    case Parity::kOdd: return "odd";
  }
  return "unknown";
}

SerialPrinterPort::SerialPrinterPort(std::string path, SerialOptions options)
    : FdPrinterPort("serial " + path), path_(std::move(path)), options_(options) {}

Status SerialPrinterPort::DoOpen() {
  speed_t speed = B0;
  if (!SpeedOf(options_.baud, speed)) {
    return Fail(ErrorCode::kInvalidArgument, "unsupported serial speed", ErrorDomain::kNone,
                options_.baud);
  }
  if (options_.stop_bits != 1 && options_.stop_bits != 2) {
    return Fail(ErrorCode::kInvalidArgument, "a serial line has 1 or 2 stop bits",
                ErrorDomain::kNone, options_.stop_bits);
  }
  const int fd = ::open(path_.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Fail(OpenError(errno, "cannot open the serial port"));
  termios tio{};
  if (::tcgetattr(fd, &tio) != 0) {
    return Refuse(fd, "the printer path is not a serial port", errno);
  }
  ::cfmakeraw(&tio);
  tio.c_cflag &= ~static_cast<tcflag_t>(CSIZE | PARENB | PARODD | CSTOPB | CRTSCTS);
  tio.c_cflag |= CS8 | CLOCAL | CREAD;
  if (options_.parity != Parity::kNone) tio.c_cflag |= PARENB;
  if (options_.parity == Parity::kOdd) tio.c_cflag |= PARODD;
  if (options_.stop_bits == 2) tio.c_cflag |= CSTOPB;
  tio.c_iflag &= ~static_cast<tcflag_t>(IXON | IXOFF | IXANY);
  switch (options_.flow) {
    case FlowControl::kNone:
    case FlowControl::kDsrDtr: break;
    case FlowControl::kRtsCts: tio.c_cflag |= CRTSCTS; break;
    case FlowControl::kXonXoff: tio.c_iflag |= IXON | IXOFF; break;
  }
  // VMIN 1: a non-blocking read with nothing to read fails with EAGAIN; with
  // VMIN 0 it would return 0, which the shared I/O takes for a hang-up.
  tio.c_cc[VMIN] = 1;
  tio.c_cc[VTIME] = 0;
  (void)::cfsetispeed(&tio, speed);
  (void)::cfsetospeed(&tio, speed);
  if (::tcsetattr(fd, TCSANOW, &tio) != 0) {
    return Refuse(fd, "cannot configure the serial port", errno);
  }
  if (options_.flow == FlowControl::kDsrDtr) {
    // DTR (and RTS) up tells the printer we listen; DSR is read before each chunk.
    int lines = 0;
    if (::ioctl(fd, TIOCMGET, &lines) != 0) {
      return Refuse(fd, "the serial port has no modem lines for DSR/DTR flow control", errno);
    }
    lines |= TIOCM_DTR | TIOCM_RTS;
    if (::ioctl(fd, TIOCMSET, &lines) != 0) {
      return Refuse(fd, "cannot raise DTR on the serial port", errno);
    }
  }
  (void)::tcflush(fd, TCIOFLUSH);
  Adopt(fd);
  return Ok();
}

Status SerialPrinterPort::DoWrite(ByteView data, std::chrono::milliseconds timeout) {
  if (options_.flow != FlowControl::kDsrDtr) return FdPrinterPort::DoWrite(data, timeout);
  internal::PacedLine line;
  line.dsr_up = [this]() -> Result<bool> {
    int lines = 0;
    if (::ioctl(fd(), TIOCMGET, &lines) != 0) {
      return Fail(ErrorCode::kUnavailable, "cannot read the serial port's DSR", ErrorDomain::kOs,
                  errno);
    }
    return (lines & TIOCM_DSR) != 0;
  };
  line.unsent = [this]() -> Result<size_t> {
    int queued = 0;
    if (::ioctl(fd(), TIOCOUTQ, &queued) != 0) {
      return Fail(ErrorCode::kUnavailable, "cannot read the serial port's output queue",
                  ErrorDomain::kOs, errno);
    }
    return static_cast<size_t>(std::max(queued, 0));
  };
  line.write = [this](ByteView chunk, std::chrono::milliseconds left) {
    return FdPrinterPort::DoWrite(chunk, left);
  };
  return internal::WritePaced(line, data, std::chrono::steady_clock::now() + timeout, kDsrDtrChunk);
}

std::chrono::milliseconds SerialPrinterPort::DoLineTime(size_t bytes) const {
  const uint64_t frame_bits =
      1 + 8 + (options_.parity != Parity::kNone ? 1 : 0) + std::max<uint8_t>(options_.stop_bits, 1);
  const uint64_t baud = std::max<uint32_t>(options_.baud, 1);
  // Rounded up: a deadline a millisecond short fails a write that was on time.
  const uint64_t ms = (bytes * frame_bits * 1000 + baud - 1) / baud;
  return std::chrono::milliseconds(static_cast<int64_t>(ms));
}

}  // namespace mykey::printer
