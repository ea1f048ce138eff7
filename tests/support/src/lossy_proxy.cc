#include "mykey/testing/lossy_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mykey/testing/catch.h"

namespace mykey::testing {
namespace {

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

}  // namespace

LossyProxy::LossyProxy(uint16_t upstream) : upstream_(upstream) {
  stop_ = ::eventfd(0, EFD_CLOEXEC);
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(stop_ >= 0);
  REQUIRE(listener_ >= 0);
  sockaddr_in address = Loopback(0);
  REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(listener_, 16) == 0);
  socklen_t length = sizeof address;
  REQUIRE(::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { Accept(); });
}

LossyProxy::~LossyProxy() {
  const uint64_t one = 1;
  (void)!::write(stop_, &one, sizeof one);
  acceptor_.join();
  std::lock_guard lock(mu_);
  for (std::thread& relay : relays_) relay.join();
  ::close(listener_);
  ::close(stop_);
}

void LossyProxy::Accept() {
  while (true) {
    pollfd fds[2] = {{listener_, POLLIN, 0}, {stop_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents != 0) return;
    const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    std::lock_guard lock(mu_);
    relays_.emplace_back([this, client] { Relay(client); });
  }
}

bool LossyProxy::TakeLoss() {
  int current = to_lose_.load();
  while (current > 0) {
    if (to_lose_.compare_exchange_weak(current, current - 1)) return true;
  }
  return false;
}

void LossyProxy::Relay(int client) {
  const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address = Loopback(upstream_);
  if (server < 0 || ::connect(server, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(client);
    if (server >= 0) ::close(server);
    return;
  }
  char buffer[16384];
  bool open = true;
  while (open) {
    pollfd fds[3] = {{client, POLLIN, 0}, {server, POLLIN, 0}, {stop_, POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) continue;
    if (fds[2].revents != 0) break;
    for (int side = 0; side < 2 && open; ++side) {
      if (fds[side].revents == 0) continue;
      const int from = side == 0 ? client : server;
      const int to = side == 0 ? server : client;
      const ssize_t n = ::read(from, buffer, sizeof buffer);
      if (n <= 0) {
        open = false;
        break;
      }
      if (side == 1 && TakeLoss()) {  // an answer: lose it
        lost_.fetch_add(1);
        open = false;
        break;
      }
      if (::send(to, buffer, static_cast<size_t>(n), MSG_NOSIGNAL) != n) open = false;
    }
  }
  ::close(client);
  ::close(server);
}

}  // namespace mykey::testing
