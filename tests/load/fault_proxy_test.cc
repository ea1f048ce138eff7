// FaultProxy between a client socket and a loopback upstream that answers
// "answer:<request>": relaying, each fault, and seeded reproducibility.
#include "fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mykey/testing/catch.h"

namespace mykey::load {
namespace {

sockaddr_in Loopback(uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

/// The cloud's stand-in: serves one connection at a time, answers each read
/// with "answer:" + the bytes read, and records what each connection received.
class Upstream {
 public:
  Upstream() {
    stop_ = ::eventfd(0, EFD_CLOEXEC);
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address = Loopback(0);
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(listener_, 16) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~Upstream() {
    const uint64_t one = 1;
    (void)!::write(stop_, &one, sizeof one);
    thread_.join();
    ::close(listener_);
    ::close(stop_);
  }
  uint16_t port() const { return port_; }

  /// What the next finished connection received (waits for it to close).
  std::string NextReceived() {
    std::unique_lock lock(mu_);
    done_.wait(lock, [this] { return !received_.empty(); });
    std::string first = received_.front();
    received_.erase(received_.begin());
    return first;
  }

 private:
  void Serve() {
    while (true) {
      pollfd fds[2] = {{listener_, POLLIN, 0}, {stop_, POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) continue;
      if (fds[1].revents != 0) return;
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::string all;
      char buffer[4096];
      ssize_t n;
      while ((n = ::read(fd, buffer, sizeof buffer)) > 0) {
        const std::string got(buffer, static_cast<size_t>(n));
        all += got;
        const std::string answer = "answer:" + got;
        (void)!::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
      }
      ::close(fd);
      std::lock_guard lock(mu_);
      received_.push_back(all);
      done_.notify_all();
    }
  }

  int stop_ = -1;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable done_;
  std::vector<std::string> received_;
};

/// Connects to the proxy, sends `request`, reads until the answer or EOF.
/// @returns the answer, or "" if the connection closed without one.
std::string Exchange(uint16_t port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address = Loopback(port);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size()));
  std::string answer;
  const std::string want = "answer:" + request;
  char buffer[4096];
  while (answer.size() < want.size()) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    answer.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return answer;
}

std::unique_ptr<FaultProxy> StartProxy(const Upstream& upstream, FaultOptions options) {
  options.upstream_port = upstream.port();
  auto proxy = FaultProxy::Start(options);
  REQUIRE(proxy);
  return std::move(*proxy);
}

TEST_CASE("Without faults the proxy relays each request and its answer") {
  Upstream upstream;
  auto proxy = StartProxy(upstream, {});
  CHECK(Exchange(proxy->port(), "ping") == "answer:ping");
  CHECK(upstream.NextReceived() == "ping");
  CHECK(proxy->counts().requests == 1);
  CHECK(proxy->counts().dropped_requests == 0);
}

TEST_CASE("A dropped request never reaches the cloud and the client sees the connection close") {
  Upstream upstream;
  FaultOptions options;
  options.drop_request = 1;
  auto proxy = StartProxy(upstream, options);
  CHECK(Exchange(proxy->port(), "redeem") == "");
  CHECK(upstream.NextReceived() == "");
  CHECK(proxy->counts().dropped_requests == 1);
}

TEST_CASE("A dropped answer: the cloud got the request, the client never gets the answer") {
  Upstream upstream;
  FaultOptions options;
  options.drop_response = 1;
  auto proxy = StartProxy(upstream, options);
  CHECK(Exchange(proxy->port(), "capture") == "");
  CHECK(upstream.NextReceived() == "capture");
  CHECK(proxy->counts().dropped_responses == 1);
}

TEST_CASE("A delayed request still arrives with its answer") {
  Upstream upstream;
  FaultOptions options;
  options.delay = 1;
  options.max_delay_ms = 20;
  auto proxy = StartProxy(upstream, options);
  CHECK(Exchange(proxy->port(), "void") == "answer:void");
  CHECK(proxy->counts().delayed == 1);
}

TEST_CASE("The same seed makes the same decisions for the same connections") {
  const auto outcomes = [](uint64_t seed) {
    Upstream upstream;
    FaultOptions options;
    options.seed = seed;
    options.drop_request = 0.3;
    options.drop_response = 0.3;
    auto proxy = StartProxy(upstream, options);
    std::string pattern;
    for (int i = 0; i < 24; ++i) {
      const std::string answer = Exchange(proxy->port(), "r");
      const std::string received = upstream.NextReceived();
      pattern += answer.empty() ? (received.empty() ? 'q' : 'a') : 'o';
    }
    return pattern;
  };
  const std::string first = outcomes(42);
  CHECK(first == outcomes(42));
  CHECK(first.find('q') != std::string::npos);  // requests dropped
  CHECK(first.find('a') != std::string::npos);  // answers dropped
  CHECK(first.find('o') != std::string::npos);  // relayed
}

TEST_CASE("Probabilities outside [0, 1] or drops above 1 together are refused") {
  FaultOptions options;
  options.upstream_port = 1;
  options.drop_request = 0.7;
  options.drop_response = 0.7;
  auto proxy = FaultProxy::Start(options);
  REQUIRE_FALSE(proxy);
  CHECK(proxy.error().code() == ErrorCode::kInvalidArgument);
  options.drop_response = 0;
  options.delay = 1.5;
  CHECK_FALSE(FaultProxy::Start(options));
}

}  // namespace
}  // namespace mykey::load
