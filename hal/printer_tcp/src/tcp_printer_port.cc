#include "mykey/printer_tcp/tcp_printer_port.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace mykey::printer {
namespace {

// Connects `fd` (non-blocking) to `address` within `deadline`. Returns 0 or an errno.
int ConnectWithin(int fd, const addrinfo& address, std::chrono::steady_clock::time_point deadline) {
  if (::connect(fd, address.ai_addr, address.ai_addrlen) == 0) return 0;
  if (errno != EINPROGRESS && errno != EINTR) return errno;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) return ETIMEDOUT;
    pollfd pfd = {fd, POLLOUT, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(left));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (ready == 0) return ETIMEDOUT;
    int err = 0;
    socklen_t length = sizeof(err);
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &length) != 0) return errno;
    return err;
  }
}

}  // namespace

TcpPrinterPort::TcpPrinterPort(TcpPrinterOptions options)
    : FdPrinterPort("tcp " + options.host + ":" + std::to_string(options.port)),
      options_(std::move(options)) {}

Status TcpPrinterPort::DoOpen() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(options_.port);
  const int gai = ::getaddrinfo(options_.host.c_str(), service.c_str(), &hints, &found);
  if (gai != 0) {
    return Fail(ErrorCode::kUnavailable, "printer host not found", ErrorDomain::kNone, gai);
  }
  const auto deadline = std::chrono::steady_clock::now() + options_.connect_timeout;
  int last_error = ECONNREFUSED;
  int fd = -1;
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) {
      last_error = errno;
      continue;
    }
    last_error = ConnectWithin(fd, *ai, deadline);
    if (last_error == 0) break;
    ::close(fd);
    fd = -1;
    if (last_error == ETIMEDOUT) break;
  }
  ::freeaddrinfo(found);
  if (fd < 0) return Fail(OpenError(last_error, "cannot connect to the printer"));
  int one = 1;
  (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (options_.keepalive_idle.count() > 0) {
    const int idle = static_cast<int>(options_.keepalive_idle.count());
    const int interval =
        static_cast<int>(std::max<int64_t>(options_.keepalive_interval.count(), 1));
    const int probes = std::max(options_.keepalive_probes, 1);
    (void)::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
    (void)::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
    (void)::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof(interval));
    (void)::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof(probes));
  }
  Adopt(fd);
  return Ok();
}

}  // namespace mykey::printer
