#include "mykey/vprinter/printer_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace mykey::vprinter {
namespace {

bool SendAll(int fd, ByteView data) {
  size_t done = 0;
  // Bounded: each pass sends at least one byte or gives up.
  while (done < data.size()) {
    const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == ENOTSOCK) {
      const ssize_t w = ::write(fd, data.data() + done, data.size() - done);
      if (w > 0) {
        done += static_cast<size_t>(w);
        continue;
      }
      if (w < 0 && errno == EINTR) continue;
    }
    return false;
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<PrinterServer>> PrinterServer::ListenTcp(VirtualPrinter& printer,
                                                                const ServerOptions& options) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(options.port);
  if (::getaddrinfo(options.host.c_str(), service.c_str(), &hints, &found) != 0 ||
      found == nullptr) {
    return Fail(ErrorCode::kInvalidArgument, "cannot resolve the listen address");
  }
  const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ::freeaddrinfo(found);
    return Fail(ErrorCode::kUnavailable, "cannot make a socket", ErrorDomain::kOs, errno);
  }
  int one = 1;
  (void)::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd, 8) != 0) {
    const int err = errno;
    ::freeaddrinfo(found);
    ::close(fd);
    return Fail(ErrorCode::kUnavailable, "cannot listen on the printer port", ErrorDomain::kOs,
                err);
  }
  ::freeaddrinfo(found);
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  uint16_t port = options.port;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) == 0) {
    if (bound.ss_family == AF_INET) {
      port = ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
    } else if (bound.ss_family == AF_INET6) {
      port = ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port);
    }
  }
  const int wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake < 0) {
    ::close(fd);
    return Fail(ErrorCode::kInternal, "cannot make an eventfd", ErrorDomain::kOs, errno);
  }
  const int notify = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (notify < 0) {
    ::close(fd);
    ::close(wake);
    return Fail(ErrorCode::kInternal, "cannot make an eventfd", ErrorDomain::kOs, errno);
  }
  return std::unique_ptr<PrinterServer>(new PrinterServer(printer, fd, -1, wake, notify, port));
}

Result<std::unique_ptr<PrinterServer>> PrinterServer::ServeDescriptor(VirtualPrinter& printer,
                                                                      int fd) {
  if (fd < 0) return Fail(ErrorCode::kInvalidArgument, "no descriptor to serve");
  const int wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  const int notify = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake < 0 || notify < 0) {
    const int err = errno;
    ::close(fd);
    if (wake >= 0) ::close(wake);
    if (notify >= 0) ::close(notify);
    return Fail(ErrorCode::kInternal, "cannot make an eventfd", ErrorDomain::kOs, err);
  }
  return std::unique_ptr<PrinterServer>(new PrinterServer(printer, -1, fd, wake, notify, 0));
}

PrinterServer::PrinterServer(VirtualPrinter& printer, int listen_fd, int conn_fd, int wake_fd,
                             int notify_fd, uint16_t port)
    : printer_(printer),
      listen_fd_(listen_fd),
      conn_fd_(conn_fd),
      wake_fd_(wake_fd),
      notify_fd_(notify_fd),
      port_(port) {
  // Answers the printer gives later (process IDs, status back) and room in its
  // buffer wake the connection's poll.
  printer_.set_output_listener([fd = notify_fd_] {
    uint64_t one = 1;
    (void)!::write(fd, &one, sizeof(one));
  });
  thread_ = std::thread([this] { Run(); });
}

PrinterServer::~PrinterServer() {
  Stop();
  // Returns once no call of the listener runs (it is called under the printer's lock).
  printer_.set_output_listener({});
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (conn_fd_ >= 0) ::close(conn_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
  if (notify_fd_ >= 0) ::close(notify_fd_);
}

void PrinterServer::Stop() {
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof(one));
  thread_.join();
}

void PrinterServer::Run() {
  if (listen_fd_ < 0) {
    connections_.fetch_add(1);
    (void)Serve(conn_fd_);
    return;
  }
  while (true) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if ((fds[1].revents & POLLIN) != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    int one = 1;
    (void)::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    connections_.fetch_add(1);
    const bool go_on = Serve(client);
    ::close(client);
    if (!go_on) return;
  }
}

bool PrinterServer::Serve(int fd) {
  // Answers left over from an earlier connection go nowhere.
  (void)printer_.TakeReplies();
  uint8_t buffer[16384];
  while (true) {
    // A full receive buffer stops reading: the host's writes wait (flow control).
    const short want = printer_.receive_buffer_full() ? 0 : POLLIN;
    pollfd fds[3] = {{fd, want, 0}, {wake_fd_, POLLIN, 0}, {notify_fd_, POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      printer_.EndOfStream();
      return true;
    }
    if ((fds[1].revents & POLLIN) != 0) {
      printer_.EndOfStream();
      return false;
    }
    if ((fds[2].revents & POLLIN) != 0) {
      uint64_t count = 0;
      (void)!::read(notify_fd_, &count, sizeof(count));
      const Bytes replies = printer_.TakeReplies();
      if (!replies.empty() && !SendAll(fd, replies)) {
        printer_.EndOfStream();
        return true;
      }
    }
    if (fds[0].revents == 0) continue;
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {
      // Closed, reset, or (pty master) no slave open any more.
      printer_.EndOfStream();
      return true;
    }
    const Bytes replies = printer_.Feed(ByteView(buffer, static_cast<size_t>(n)));
    if (!replies.empty() && !SendAll(fd, replies)) {
      printer_.EndOfStream();
      return true;
    }
  }
}

}  // namespace mykey::vprinter
