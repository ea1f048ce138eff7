#include "mykey/printer/fd_printer_port.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

namespace mykey::printer {
namespace {

bool DeviceGone(int err) {
  return err == EPIPE || err == ECONNRESET || err == ENODEV || err == ENXIO || err == EIO ||
         err == ENOTCONN || err == EBADF || err == ESHUTDOWN;
}

int Millis(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                  deadline - std::chrono::steady_clock::now())
                  .count();
  if (left <= 0) return 0;
  return left > 0x7FFFFFFF ? 0x7FFFFFFF : static_cast<int>(left);
}

}  // namespace

Error OpenError(int err, const char* message) {
  switch (err) {
    case ENOENT:
    case ENODEV:
    case ENXIO:
    case ECONNREFUSED:
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EBUSY:
    case EIO: return Error(ErrorCode::kUnavailable, message, ErrorDomain::kOs, err);
    case EACCES:
    case EPERM: return Error(ErrorCode::kPermissionDenied, message, ErrorDomain::kOs, err);
    case ETIMEDOUT: return Error(ErrorCode::kDeadlineExceeded, message, ErrorDomain::kOs, err);
    default: return Error(ErrorCode::kUnavailable, message, ErrorDomain::kOs, err);
  }
}

FdPrinterPort::~FdPrinterPort() {
  if (fd_ >= 0) ::close(fd_);
}

void FdPrinterPort::Adopt(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  const int flags = ::fcntl(fd_, F_GETFL);
  if (flags >= 0) (void)::fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
}

Status FdPrinterPort::DoWrite(ByteView data, std::chrono::milliseconds timeout) {
  if (fd_ < 0) return Fail(ErrorCode::kFailedPrecondition, "printer port has no descriptor");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    const int err = n < 0 ? errno : EIO;
    if (n < 0 && err == EINTR) continue;
    if (n < 0 && (err == EAGAIN || err == EWOULDBLOCK)) {
      pollfd pfd = {fd_, POLLOUT, 0};
      const int ready = ::poll(&pfd, 1, Millis(deadline));
      if (ready < 0 && errno == EINTR) continue;
      if (ready == 0) {
        return Fail(ErrorCode::kDeadlineExceeded, "printer did not take the bytes in time",
                    ErrorDomain::kNone, static_cast<int64_t>(done));
      }
      if (ready > 0 && (pfd.revents & (POLLERR | POLLHUP)) != 0 && (pfd.revents & POLLOUT) == 0) {
        if (done == 0)
          return Fail(ErrorCode::kUnavailable, "printer hung up", ErrorDomain::kOs, EPIPE);
        return Fail(ErrorCode::kDataLoss, "printer hung up mid-write", ErrorDomain::kOs, EPIPE);
      }
      continue;
    }
    if (done == 0 && DeviceGone(err)) {
      return Fail(ErrorCode::kUnavailable, "printer is gone", ErrorDomain::kOs, err);
    }
    return Fail(ErrorCode::kDataLoss, "short write to the printer", ErrorDomain::kOs, err);
  }
  return Ok();
}

Result<size_t> FdPrinterPort::DoRead(std::span<uint8_t> out, std::chrono::milliseconds timeout) {
  if (fd_ < 0) return Fail(ErrorCode::kFailedPrecondition, "printer port has no descriptor");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const ssize_t n = ::read(fd_, out.data(), out.size());
    if (n > 0) return static_cast<size_t>(n);
    if (n == 0) {
      return Fail(ErrorCode::kUnavailable, "printer closed the connection", ErrorDomain::kOs, 0);
    }
    const int err = errno;
    if (err == EINTR) continue;
    if (err != EAGAIN && err != EWOULDBLOCK) {
      return Fail(ErrorCode::kUnavailable, "reading from the printer failed", ErrorDomain::kOs,
                  err);
    }
    pollfd pfd = {fd_, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, Millis(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return Fail(ErrorCode::kDeadlineExceeded, "printer did not answer in time");
    if ((pfd.revents & POLLIN) == 0 && (pfd.revents & (POLLHUP | POLLERR)) != 0) {
      return Fail(ErrorCode::kUnavailable, "printer hung up", ErrorDomain::kOs, EPIPE);
    }
  }
}

Status FdPrinterPort::DoClose() {
  if (fd_ < 0) return Ok();
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0 && errno != EINTR) {
    return Fail(ErrorCode::kDataLoss, "closing the printer failed", ErrorDomain::kOs, errno);
  }
  return Ok();
}

Status FdPrinterPort::DoAbort() {
  if (fd_ < 0) return Ok();
  // Whichever applies: a socket resets instead of sending its queue, a
  // terminal drops its output queue. The other call fails harmlessly.
  linger reset = {1, 0};
  (void)::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
  (void)::tcflush(fd_, TCOFLUSH);
  return DoClose();
}

}  // namespace mykey::printer
