#pragma once

// FaultProxy: a TCP proxy on loopback between mykey-load's terminals and the
// cloud that loses requests, loses answers and delays requests, with
// seeded, reproducible decisions.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "mykey/base/result.h"

namespace mykey::load {

/// What the proxy does to each HTTP request it relays. Probabilities are in
/// [0, 1]; drop_request + drop_response must not exceed 1.
///
/// Thread safety: a value type; not synchronised.
struct FaultOptions {
  uint16_t listen_port = 0;  ///< 0: a free port (see FaultProxy::port())
  std::string upstream_host = "127.0.0.1";
  uint16_t upstream_port = 0;
  uint64_t seed = 1;            ///< same seed, same decisions per connection
  double drop_request = 0;      ///< close before the request reaches the cloud
  double drop_response = 0;     ///< close after the cloud answered, answer never relayed
  double delay = 0;             ///< hold the request back before relaying it
  uint32_t max_delay_ms = 500;  ///< a delay is uniform in [1, max_delay_ms]
};

/// Counters of what the proxy did.
///
/// Thread safety: a value type; not synchronised.
struct FaultCounts {
  uint64_t connections = 0;
  uint64_t requests = 0;
  uint64_t dropped_requests = 0;
  uint64_t dropped_responses = 0;
  uint64_t delayed = 0;
  uint64_t upstream_refused = 0;  ///< the cloud was not there (killed, restarting)
};

/// A TCP proxy on 127.0.0.1 with one relay thread per client connection.
/// A "request" is the client's bytes after the previous answer; the fault
/// of each request comes from a generator seeded with (seed, connection
/// number), so a run with the same seed and the same connection order makes
/// the same decisions. The proxy knows nothing of HTTP beyond that.
///
/// Thread safety: counts() may be called from any thread; the proxy's own
/// threads stop in the destructor.
class FaultProxy {
 public:
  /// Binds, listens and starts accepting.
  /// @returns kInvalidArgument for probabilities outside [0, 1] (or
  ///          drop_request + drop_response > 1) or no upstream port;
  ///          kUnavailable (domain kOs) if the socket cannot be bound.
  static Result<std::unique_ptr<FaultProxy>> Start(const FaultOptions& options);

  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  uint16_t port() const { return port_; }
  FaultCounts counts() const;

 private:
  explicit FaultProxy(const FaultOptions& options);
  void Accept();
  void Relay(int client, uint64_t connection);

  FaultOptions options_;
  int listener_ = -1;
  int stop_ = -1;
  uint16_t port_ = 0;
  std::thread acceptor_;
  std::mutex mu_;
  std::condition_variable idle_;
  int active_relays_ = 0;
  std::atomic<uint64_t> connections_{0};
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> dropped_requests_{0};
  std::atomic<uint64_t> dropped_responses_{0};
  std::atomic<uint64_t> delayed_{0};
  std::atomic<uint64_t> upstream_refused_{0};
};

}  // namespace mykey::load
