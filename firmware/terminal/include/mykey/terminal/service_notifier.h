#pragma once

// Tells systemd how the service is (sd_notify: READY, STATUS, WATCHDOG,
// STOPPING) when it runs as a Type=notify unit; does nothing otherwise.
// The one place libsystemd is used (src/systemd_notifier.cc).

#include <chrono>
#include <optional>
#include <string_view>

namespace mykey::terminal {

/// The service manager's notification socket.
///
/// Thread safety: every method may be called from any thread.
class ServiceNotifier {
 public:
  /// True when started by systemd with a notification socket.
  bool enabled() const;
  /// Start-up is complete.
  void Ready(std::string_view status) const;
  /// A one-line status for `systemctl status`.
  void Status(std::string_view status) const;
  /// "still alive": send at least every WatchdogInterval() / 2.
  void Watchdog() const;
  /// Shutting down.
  void Stopping() const;
  /// The unit's WatchdogSec, when the watchdog is on for this process.
  std::optional<std::chrono::microseconds> WatchdogInterval() const;
};

}  // namespace mykey::terminal
