#include "mykey/vpcd/vpcd_bridge.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "mykey/base/log.h"

namespace mykey::hal {
namespace {

constexpr std::string_view kLogModule = "vpcd";
constexpr std::chrono::milliseconds kFirstBackoff{10};

// vpcd's one-byte control messages.
constexpr uint8_t kPowerOff = 0x00;
constexpr uint8_t kPowerOn = 0x01;
constexpr uint8_t kReset = 0x02;
constexpr uint8_t kGetAtr = 0x04;

void LogDebug(const std::string& message) {
  if (log::Enabled(log::Level::kDebug)) log::Write(log::Level::kDebug, kLogModule, message);
}

void SetOption(int fd, int level, int name, int value) {
  (void)setsockopt(fd, level, name, &value, sizeof(value));
}

// A connected TCP socket to host:port, or -1.
int ConnectTo(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::string service = std::to_string(port);
  if (getaddrinfo(host.c_str(), service.c_str(), &hints, &found) != 0) return -1;
  int fd = -1;
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(found);
  if (fd >= 0) SetOption(fd, IPPROTO_TCP, TCP_NODELAY, 1);
  return fd;
}

}  // namespace

VpcdBridge::VpcdBridge(VirtualCard& card, VpcdBridgeOptions options)
    : card_(card), options_(std::move(options)) {
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  thread_ = std::thread([this] { Run(); });
}

VpcdBridge::~VpcdBridge() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    inserted_ = false;
  }
  Wake();
  changed_.notify_all();
  thread_.join();
  if (wake_fd_ >= 0) close(wake_fd_);
}

void VpcdBridge::Insert() {
  {
    std::lock_guard lock(mutex_);
    inserted_ = true;
    remove_after_.reset();
  }
  changed_.notify_all();
}

void VpcdBridge::Remove() {
  std::unique_lock lock(mutex_);
  inserted_ = false;
  remove_after_.reset();
  Wake();
  changed_.notify_all();
  changed_.wait(lock, [&] { return !connected_; });
}

void VpcdBridge::RemoveAfterCommands(uint32_t commands) {
  if (commands == 0) {
    Remove();
    return;
  }
  std::lock_guard lock(mutex_);
  remove_after_ = commands;
}

bool VpcdBridge::inserted() const {
  std::lock_guard lock(mutex_);
  return inserted_;
}

bool VpcdBridge::connected() const {
  std::lock_guard lock(mutex_);
  return connected_;
}

void VpcdBridge::Wake() {
  if (wake_fd_ < 0) return;
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
}

void VpcdBridge::Run() {
  std::chrono::milliseconds backoff = kFirstBackoff;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (!inserted_) {
      changed_.wait(lock, [&] { return stopping_ || inserted_; });
      continue;
    }
    if (out_until_) {
      // Pulled abruptly: out for at least one of pcscd's presence polls.
      const auto until = *out_until_;
      out_until_.reset();
      changed_.wait_until(lock, until, [&] { return stopping_; });
      continue;
    }
    lock.unlock();
    int fd = ConnectTo(options_.host, options_.port);
    lock.lock();
    if (fd < 0) {
      LogDebug("vpcd not reachable at " + options_.host + ":" + std::to_string(options_.port) +
               "; retrying");
      changed_.wait_for(lock, backoff, [&] { return stopping_ || !inserted_; });
      backoff = std::min(backoff * 2, options_.max_backoff);
      continue;
    }
    if (stopping_ || !inserted_) {
      close(fd);
      continue;
    }
    backoff = kFirstBackoff;
    connected_ = true;
    // A wake-up meant for an earlier connection must not end this one.
    uint64_t stale = 0;
    (void)!read(wake_fd_, &stale, sizeof(stale));
    lock.unlock();
    LogDebug("card inserted into vpcd at port " + std::to_string(options_.port));
    // The reader learns the ATR by powering the card up, once per insertion.
    atr_ = card_.PowerOn();
    peer_closed_ = false;
    pull_abruptly_ = false;
    Serve(fd);
    close(fd);
    // Pulled out (or vpcd went away): the card loses power and its state.
    card_.PowerOff();
    LogDebug("card out of vpcd at port " + std::to_string(options_.port));
    lock.lock();
    connected_ = false;
    if (pull_abruptly_) out_until_ = std::chrono::steady_clock::now() + options_.abrupt_pull_hold;
    changed_.notify_all();
  }
}

void VpcdBridge::Serve(int fd) {
  Bytes message;
  while (true) {
    uint8_t header[2];
    if (!ReadExact(fd, header, sizeof(header))) break;
    size_t length = LoadBe16(header, 0);
    message.resize(length);
    if (length > 0 && !ReadExact(fd, message.data(), length)) break;
    if (!HandleMessage(fd, message)) break;
  }
  if (!peer_closed_ && !pull_abruptly_) Linger(fd);
}

void VpcdBridge::Linger(int fd) {
  // We pull the card: half-close and wait until vpcd drops the connection
  // itself (at its next presence poll or exchange). Until it has, vpcd holds
  // this connection; a card connecting meanwhile would be taken without pcscd
  // ever seeing a removal and an insertion.
  (void)shutdown(fd, SHUT_WR);
  auto deadline = std::chrono::steady_clock::now() + options_.pull_linger;
  uint8_t scratch[512];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      LogDebug("vpcd did not drop the pulled card in time");
      return;
    }
    pollfd pfd = {fd, POLLIN, 0};
    int ready = poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    ssize_t got = recv(fd, scratch, sizeof(scratch), 0);  // requests to a pulled card: dropped
    if (got == 0) return;
    if (got < 0 && errno != EINTR && errno != EAGAIN) return;
  }
}

bool VpcdBridge::HandleMessage(int fd, ByteView message) {
  if (message.size() == 1) {
    switch (message[0]) {
      case kPowerOff: card_.PowerOff(); return true;
      case kPowerOn: atr_ = card_.PowerOn(); return true;
      case kReset: atr_ = card_.Reset(); return true;
      case kGetAtr: presence_polls_.fetch_add(1); return Send(fd, atr_);
      default: LogDebug("unknown vpcd control message ignored"); return true;
    }
  }
  // A C-APDU. Its contents are never logged (a VERIFY carries a PIN).
  Bytes response = card_.Process(message);
  if (!Send(fd, response)) return false;
  commands_.fetch_add(1);
  std::lock_guard lock(mutex_);
  if (remove_after_ && --*remove_after_ == 0) {
    remove_after_.reset();
    inserted_ = false;
    // Closed at once, not half-closed: vpcd's next exchange must fail (a
    // half-closed card would make vpcd report an empty answer as success).
    pull_abruptly_ = true;
    LogDebug("pulling the card after the planned number of APDUs");
    return false;
  }
  return inserted_ && !stopping_;
}

bool VpcdBridge::ReadExact(int fd, uint8_t* data, size_t size) {
  size_t done = 0;
  while (done < size) {
    // Linux clears TCP_QUICKACK by itself: set it again before every read,
    // so the ACK of vpcd's length write goes out at once (see the header).
    if (options_.quick_ack) SetOption(fd, IPPROTO_TCP, TCP_QUICKACK, 1);
    pollfd fds[2] = {{fd, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    int ready = poll(fds, 2, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if ((fds[1].revents & POLLIN) != 0) return false;  // Remove() or shutdown
    if (fds[0].revents == 0) continue;
    ssize_t got = recv(fd, data + done, size - done, 0);
    if (got == 0) {
      peer_closed_ = true;  // vpcd closed the connection
      return false;
    }
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      peer_closed_ = true;  // reset by vpcd
      return false;
    }
    done += static_cast<size_t>(got);
  }
  return true;
}

bool VpcdBridge::Send(int fd, ByteView payload) {
  if (payload.size() > 0xFFFF) return false;
  Bytes frame;
  frame.reserve(payload.size() + 2);
  AppendBe16(frame, static_cast<uint16_t>(payload.size()));
  frame.insert(frame.end(), payload.begin(), payload.end());
  size_t done = 0;
  while (done < frame.size()) {
    ssize_t sent = send(fd, frame.data() + done, frame.size() - done, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      peer_closed_ = true;
      return false;
    }
    done += static_cast<size_t>(sent);
  }
  return true;
}

}  // namespace mykey::hal
