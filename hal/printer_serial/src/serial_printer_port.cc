#include "mykey/printer_serial/serial_printer_port.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

namespace mykey::printer {
namespace {

bool SpeedOf(uint32_t baud, speed_t& out) {
  switch (baud) {
    case 9600: out = B9600; return true;
    case 19200: out = B19200; return true;
    case 38400: out = B38400; return true;
    case 57600: out = B57600; return true;
    case 115200: out = B115200; return true;
    default: return false;
  }
}

}  // namespace

SerialPrinterPort::SerialPrinterPort(std::string path, SerialOptions options)
    : FdPrinterPort("serial " + path), path_(std::move(path)), options_(options) {}

Status SerialPrinterPort::DoOpen() {
  speed_t speed = B0;
  if (!SpeedOf(options_.baud, speed)) {
    return Fail(ErrorCode::kInvalidArgument, "unsupported serial speed", ErrorDomain::kNone,
                options_.baud);
  }
  const int fd = ::open(path_.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Fail(OpenError(errno, "cannot open the serial port"));
  termios tio{};
  if (::tcgetattr(fd, &tio) != 0) {
    const int err = errno;
    ::close(fd);
    return Fail(ErrorCode::kInvalidArgument, "the printer path is not a serial port",
                ErrorDomain::kOs, err);
  }
  ::cfmakeraw(&tio);
  tio.c_cflag &= ~static_cast<tcflag_t>(CSIZE | PARENB | CSTOPB | CRTSCTS);
  tio.c_cflag |= CS8 | CLOCAL | CREAD;
  tio.c_iflag &= ~static_cast<tcflag_t>(IXON | IXOFF | IXANY);
  switch (options_.flow) {
    case FlowControl::kNone: break;
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
    const int err = errno;
    ::close(fd);
    return Fail(ErrorCode::kInvalidArgument, "cannot configure the serial port", ErrorDomain::kOs,
                err);
  }
  (void)::tcflush(fd, TCIOFLUSH);
  Adopt(fd);
  return Ok();
}

}  // namespace mykey::printer
