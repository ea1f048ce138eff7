#include "mykey/printer_chardev/char_device_printer_port.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>

namespace mykey::printer {
namespace {

// Sends DLE EOT 1 and waits for one status byte. The descriptor is non-blocking.
bool DeviceAnswers(int fd, std::chrono::milliseconds timeout) {
  const auto request = StatusRequest(StatusKind::kPrinter);
  if (::write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // Bounded: every pass either reads a byte or waits out the deadline.
  for (int i = 0; i < 64; ++i) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left < 0) left = 0;
    pollfd pfd = {fd, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0 || (pfd.revents & POLLIN) == 0) return false;
    uint8_t byte = 0;
    const ssize_t n = ::read(fd, &byte, 1);
    if (n == 1 && IsStatusByte(byte)) return true;
    if (n <= 0 && errno != EINTR && errno != EAGAIN) return false;
  }
  return false;
}

}  // namespace

CharDevicePrinterPort::CharDevicePrinterPort(std::string path, CharDeviceOptions options)
    : FdPrinterPort(path), path_(std::move(path)), options_(options) {}

Status CharDevicePrinterPort::DoOpen() {
  const int mode = options_.status == StatusSupport::kNever ? O_WRONLY : O_RDWR;
  const int fd = ::open(path_.c_str(), mode | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Fail(OpenError(errno, "cannot open the printer device"));
  Adopt(fd);
  switch (options_.status) {
    case StatusSupport::kNever: two_way_ = false; break;
    case StatusSupport::kAlways: two_way_ = true; break;
    case StatusSupport::kProbe: two_way_ = DeviceAnswers(fd, options_.probe_timeout); break;
  }
  return Ok();
}

}  // namespace mykey::printer
