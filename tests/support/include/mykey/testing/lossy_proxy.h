#pragma once

// A loopback TCP proxy that loses answers on demand, for tests of what a
// client does when its request reached the server but the answer never came.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace mykey::testing {

/// A loopback TCP proxy to `upstream`. While answers are to be lost, the
/// first bytes of an answer close the connection instead: the request has
/// reached the server and been applied, the client never hears back.
///
/// Thread safety: LoseNextAnswers() and lost() may be called from any thread
/// while connections are relayed.
class LossyProxy {
 public:
  /// Listens on an ephemeral loopback port (REQUIREs that it can).
  explicit LossyProxy(uint16_t upstream);
  ~LossyProxy();
  LossyProxy(const LossyProxy&) = delete;
  LossyProxy& operator=(const LossyProxy&) = delete;

  /// The port clients connect to.
  uint16_t port() const { return port_; }
  /// The next `count` answers are lost (their connection closed at their first byte).
  void LoseNextAnswers(int count) { to_lose_.store(count); }
  /// How many answers were lost so far.
  int lost() const { return lost_.load(); }

 private:
  void Accept();
  bool TakeLoss();
  void Relay(int client);

  uint16_t upstream_;
  int stop_ = -1;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::atomic<int> to_lose_{0};
  std::atomic<int> lost_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> relays_;
};

}  // namespace mykey::testing
