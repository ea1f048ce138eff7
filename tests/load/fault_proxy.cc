#include "fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <random>

namespace mykey::load {
namespace {

sockaddr_in Address(const std::string& host, uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  }
  return address;
}

void NoDelay(int fd) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

bool SendAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool IsProbability(double p) {
  return p >= 0 && p <= 1;
}

}  // namespace

Result<std::unique_ptr<FaultProxy>> FaultProxy::Start(const FaultOptions& options) {
  if (!IsProbability(options.drop_request) || !IsProbability(options.drop_response) ||
      !IsProbability(options.delay) || options.drop_request + options.drop_response > 1 ||
      options.upstream_port == 0 || options.max_delay_ms == 0) {
    return Fail(ErrorCode::kInvalidArgument, "bad fault proxy options");
  }
  std::unique_ptr<FaultProxy> proxy(new FaultProxy(options));
  proxy->stop_ = ::eventfd(0, EFD_CLOEXEC);
  proxy->listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (proxy->stop_ < 0 || proxy->listener_ < 0) {
    return Fail(ErrorCode::kUnavailable, "fault proxy: no socket", ErrorDomain::kOs, errno);
  }
  const int one = 1;
  ::setsockopt(proxy->listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address = Address("127.0.0.1", options.listen_port);
  if (::bind(proxy->listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(proxy->listener_, 1024) != 0) {
    return Fail(ErrorCode::kUnavailable, "fault proxy: cannot listen", ErrorDomain::kOs, errno);
  }
  socklen_t length = sizeof address;
  ::getsockname(proxy->listener_, reinterpret_cast<sockaddr*>(&address), &length);
  proxy->port_ = ntohs(address.sin_port);
  proxy->acceptor_ = std::thread([raw = proxy.get()] { raw->Accept(); });
  return proxy;
}

FaultProxy::FaultProxy(const FaultOptions& options) : options_(options) {}

FaultProxy::~FaultProxy() {
  if (stop_ >= 0) {
    const uint64_t one = 1;
    (void)!::write(stop_, &one, sizeof one);
  }
  if (acceptor_.joinable()) acceptor_.join();
  {
    std::unique_lock lock(mu_);
    idle_.wait(lock, [this] { return active_relays_ == 0; });
  }
  if (listener_ >= 0) ::close(listener_);
  if (stop_ >= 0) ::close(stop_);
}

FaultCounts FaultProxy::counts() const {
  FaultCounts counts;
  counts.connections = connections_.load();
  counts.requests = requests_.load();
  counts.dropped_requests = dropped_requests_.load();
  counts.dropped_responses = dropped_responses_.load();
  counts.delayed = delayed_.load();
  counts.upstream_refused = upstream_refused_.load();
  return counts;
}

void FaultProxy::Accept() {
  while (true) {
    pollfd fds[2] = {{listener_, POLLIN, 0}, {stop_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents != 0) return;
    const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    NoDelay(client);
    const uint64_t connection = connections_.fetch_add(1);
    {
      std::lock_guard lock(mu_);
      ++active_relays_;
    }
    // Detached: a finished relay must not keep its stack until shutdown
    // (a chaos run opens thousands of connections). The destructor waits
    // for active_relays_ to reach zero instead of joining.
    std::thread([this, client, connection] {
      Relay(client, connection);
      std::lock_guard lock(mu_);
      if (--active_relays_ == 0) idle_.notify_all();
    }).detach();
  }
}

void FaultProxy::Relay(int client, uint64_t connection) {
  std::mt19937_64 random(options_.seed * 0x9E3779B97F4A7C15ULL + connection);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::uniform_int_distribution<uint32_t> delay_ms(1, options_.max_delay_ms);

  const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address = Address(options_.upstream_host, options_.upstream_port);
  if (server < 0 || ::connect(server, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    // The cloud is down (killed, restarting): the terminal sees the
    // connection close, as it would without the proxy.
    upstream_refused_.fetch_add(1);
    ::close(client);
    if (server >= 0) ::close(server);
    return;
  }
  NoDelay(server);

  char buffer[65536];
  bool at_request_start = true;  // the next client bytes begin a request
  bool lose_answer = false;
  bool open = true;
  while (open) {
    pollfd fds[3] = {{client, POLLIN, 0}, {server, POLLIN, 0}, {stop_, POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[2].revents != 0) break;
    if (fds[0].revents != 0) {
      const ssize_t n = ::read(client, buffer, sizeof buffer);
      if (n <= 0) break;
      if (at_request_start) {
        at_request_start = false;
        requests_.fetch_add(1);
        // Three draws per request whatever the outcome, so that one
        // decision does not shift the ones after it.
        const double fate = unit(random);
        const double late = unit(random);
        const uint32_t wait_ms = delay_ms(random);
        if (fate < options_.drop_request) {
          dropped_requests_.fetch_add(1);
          break;
        }
        lose_answer = fate < options_.drop_request + options_.drop_response;
        if (late < options_.delay) {
          delayed_.fetch_add(1);
          pollfd stop = {stop_, POLLIN, 0};
          if (::poll(&stop, 1, static_cast<int>(wait_ms)) > 0) break;
        }
      }
      if (!SendAll(server, buffer, static_cast<size_t>(n))) break;
    }
    if (fds[1].revents != 0) {
      const ssize_t n = ::read(server, buffer, sizeof buffer);
      if (n <= 0) break;
      if (lose_answer) {
        dropped_responses_.fetch_add(1);
        break;
      }
      if (!SendAll(client, buffer, static_cast<size_t>(n))) open = false;
      // An answer (or its first part) went back: the client's next bytes
      // are a new request.
      at_request_start = true;
    }
  }
  ::close(client);
  ::close(server);
}

}  // namespace mykey::load
