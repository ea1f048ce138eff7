#include "mykey/vpcd/vpcd_bridge.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "mykey/testing/catch.h"

namespace mykey::hal {
namespace {

const Bytes kAtr = {0x3B, 0x80, 0x80, 0x01, 0x01};

// Echoes the command data with 90 00; counts power transitions.
class EchoCard final : public VirtualCard {
 public:
  std::atomic<int> power_ons{0};
  std::atomic<int> power_offs{0};
  std::atomic<int> resets{0};
  Bytes PowerOn() override {
    ++power_ons;
    return kAtr;
  }
  void PowerOff() override { ++power_offs; }
  Bytes Reset() override {
    ++resets;
    return kAtr;
  }
  Bytes Process(ByteView command) override {
    Bytes response(command.begin() + 4, command.end());
    response.push_back(0x90);
    response.push_back(0x00);
    return response;
  }
};

// Plays vpcd: listens on a loopback port and speaks its framing.
class FakeVpcd {
 public:
  FakeVpcd() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    listen(listen_fd_, 4);
    socklen_t length = sizeof(address);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~FakeVpcd() {
    CloseClient();
    close(listen_fd_);
  }
  uint16_t port() const { return port_; }

  // Waits for the bridge to connect (a failing test ends after 10 s).
  bool Accept() {
    CloseClient();
    timeval limit{10, 0};
    setsockopt(listen_fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
    client_fd_ = accept(listen_fd_, nullptr, nullptr);
    if (client_fd_ < 0) return false;
    setsockopt(client_fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
    return true;
  }
  void CloseClient() {
    if (client_fd_ >= 0) close(client_fd_);
    client_fd_ = -1;
  }
  bool SendFrame(const Bytes& payload) {
    Bytes frame = {static_cast<uint8_t>(payload.size() >> 8),
                   static_cast<uint8_t>(payload.size() & 0xFF)};
    frame.insert(frame.end(), payload.begin(), payload.end());
    return send(client_fd_, frame.data(), frame.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(frame.size());
  }
  // The next frame from the card; nullopt when the card closed the connection.
  std::optional<Bytes> ReceiveFrame() {
    uint8_t header[2];
    if (!ReadExact(header, 2)) return std::nullopt;
    Bytes payload(static_cast<size_t>((header[0] << 8) | header[1]));
    if (!payload.empty() && !ReadExact(payload.data(), payload.size())) return std::nullopt;
    return payload;
  }
  // True when the card closed the connection.
  bool SawClose() {
    uint8_t byte;
    return recv(client_fd_, &byte, 1, 0) == 0;
  }
  std::optional<Bytes> Exchange(const Bytes& payload) {
    if (!SendFrame(payload)) return std::nullopt;
    return ReceiveFrame();
  }

 private:
  bool ReadExact(uint8_t* data, size_t size) {
    size_t done = 0;
    while (done < size) {
      ssize_t got = recv(client_fd_, data + done, size - done, 0);
      if (got <= 0) return false;
      done += static_cast<size_t>(got);
    }
    return true;
  }

  int listen_fd_ = -1;
  int client_fd_ = -1;
  uint16_t port_ = 0;
};

// The fake does not drop a pulled card by itself: do not wait for it.
VpcdBridgeOptions OptionsFor(const FakeVpcd& vpcd) {
  VpcdBridgeOptions options;
  options.port = vpcd.port();
  options.pull_linger = std::chrono::milliseconds{0};
  return options;
}

TEST_CASE("VpcdPort numbers the slots from 35963", "[vpcd]") {
  CHECK(VpcdPort(0) == 35963);
  CHECK(VpcdPort(1) == 35964);
}

TEST_CASE("An inserted card connects and answers the ATR request", "[vpcd]") {
  FakeVpcd vpcd;
  EchoCard card;
  VpcdBridge bridge(card, OptionsFor(vpcd));
  CHECK_FALSE(bridge.inserted());
  bridge.Insert();
  REQUIRE(vpcd.Accept());
  auto atr = vpcd.Exchange({0x04});
  REQUIRE(atr);
  CHECK(*atr == kAtr);
  CHECK(bridge.inserted());
}

TEST_CASE("An APDU gets its response in one frame and is counted", "[vpcd]") {
  FakeVpcd vpcd;
  EchoCard card;
  VpcdBridge bridge(card, OptionsFor(vpcd));
  bridge.Insert();
  REQUIRE(vpcd.Accept());
  auto response = vpcd.Exchange({0x00, 0xCA, 0x00, 0x00, 0xAB, 0xCD});
  REQUIRE(response);
  CHECK(*response == Bytes{0xAB, 0xCD, 0x90, 0x00});
  REQUIRE(vpcd.Exchange({0x04}));  // a round trip, so the counter is settled
  CHECK(bridge.commands_processed() == 1);
}

TEST_CASE("Power on, power off and reset reach the card without an answer", "[vpcd]") {
  FakeVpcd vpcd;
  EchoCard card;
  VpcdBridge bridge(card, OptionsFor(vpcd));
  bridge.Insert();
  REQUIRE(vpcd.Accept());
  REQUIRE(vpcd.SendFrame({0x00}));
  REQUIRE(vpcd.SendFrame({0x01}));
  REQUIRE(vpcd.SendFrame({0x02}));
  // The ATR answer comes after the three control messages were handled.
  REQUIRE(vpcd.Exchange({0x04}));
  CHECK(card.power_offs >= 1);
  CHECK(card.power_ons >= 2);  // once on insertion, once asked
  CHECK(card.resets == 1);
  CHECK(bridge.commands_processed() == 0);
}

TEST_CASE("Remove closes the connection and powers the card off", "[vpcd]") {
  FakeVpcd vpcd;
  EchoCard card;
  VpcdBridge bridge(card, OptionsFor(vpcd));
  bridge.Insert();
  REQUIRE(vpcd.Accept());
  REQUIRE(vpcd.Exchange({0x04}));
  int offs = card.power_offs;
  bridge.Remove();
  CHECK_FALSE(bridge.connected());
  CHECK_FALSE(bridge.inserted());
  CHECK(vpcd.SawClose());
  CHECK(card.power_offs == offs + 1);
}

TEST_CASE("Remove waits until vpcd drops the half-closed connection", "[vpcd]") {
  FakeVpcd vpcd;
  EchoCard card;
  VpcdBridgeOptions options = OptionsFor(vpcd);
  options.pull_linger = std::chrono::milliseconds{60000};
  VpcdBridge bridge(card, options);
  bridge.Insert();
  REQUIRE(vpcd.Accept());
  REQUIRE(vpcd.Exchange({0x04}));
  std::atomic<bool> removed{false};
  std::thread remover([&] {
    bridge.Remove();
    removed = true;
  });
  CHECK(vpcd.SawClose());  // the card half-closed: vpcd reads end-of-file
  CHECK_FALSE(removed);    // ...but the pull is not done until vpcd lets go
  vpcd.CloseClient();
  remover.join();
  CHECK(removed);
  CHECK_FALSE(bridge.connected());
}

TEST_CASE("RemoveAfterCommands pulls the card right after the n-th APDU", "[vpcd]") {
  FakeVpcd vpcd;
  EchoCard card;
  VpcdBridge bridge(card, OptionsFor(vpcd));
  bridge.Insert();
  REQUIRE(vpcd.Accept());
  REQUIRE(vpcd.Exchange({0x04}));
  bridge.RemoveAfterCommands(2);
  CHECK(vpcd.Exchange({0x00, 0xCA, 0x00, 0x00, 0x01}));
  CHECK(vpcd.Exchange({0x00, 0xCA, 0x00, 0x00, 0x02}));
  CHECK(vpcd.SawClose());
  CHECK_FALSE(bridge.inserted());
  CHECK(bridge.commands_processed() == 2);
}

TEST_CASE("An inserted card reconnects when vpcd drops the connection", "[vpcd]") {
  FakeVpcd vpcd;
  EchoCard card;
  VpcdBridge bridge(card, OptionsFor(vpcd));
  bridge.Insert();
  REQUIRE(vpcd.Accept());
  vpcd.CloseClient();
  REQUIRE(vpcd.Accept());
  auto atr = vpcd.Exchange({0x04});
  REQUIRE(atr);
  CHECK(*atr == kAtr);
}

TEST_CASE("A card inserted before vpcd listens connects once it does", "[vpcd]") {
  EchoCard card;
  // Find a free port, then leave it closed for a while.
  uint16_t port = 0;
  { port = FakeVpcd().port(); }
  VpcdBridgeOptions options;
  options.port = port;
  VpcdBridge bridge(card, options);
  bridge.Insert();
  CHECK_FALSE(bridge.connected());
  // Not a real vpcd; a listener on the same port is enough.
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  REQUIRE(listen(fd, 1) == 0);
  timeval limit{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  int client = accept(fd, nullptr, nullptr);
  CHECK(client >= 0);
  if (client >= 0) close(client);
  close(fd);
}

TEST_CASE("Destroying an inserted bridge closes its connection", "[vpcd]") {
  FakeVpcd vpcd;
  EchoCard card;
  {
    VpcdBridge bridge(card, OptionsFor(vpcd));
    bridge.Insert();
    REQUIRE(vpcd.Accept());
    REQUIRE(vpcd.Exchange({0x04}));
  }
  CHECK(vpcd.SawClose());
}

}  // namespace
}  // namespace mykey::hal
