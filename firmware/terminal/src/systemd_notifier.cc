// The one place libsystemd is included (.ci/check-layers.sh).

#include <systemd/sd-daemon.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "mykey/terminal/service_notifier.h"

namespace mykey::terminal {
namespace {

// Status texts are one line of printable characters.
std::string OneLine(std::string_view text) {
  std::string out;
  for (char c : text) out += (c == '\n' || c == '\r') ? ' ' : c;
  return out;
}

}  // namespace

bool ServiceNotifier::enabled() const {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  return socket != nullptr && socket[0] != '\0';
}

void ServiceNotifier::Ready(std::string_view status) const {
  std::string message = "READY=1\nSTATUS=" + OneLine(status);
  sd_notify(0, message.c_str());
}

void ServiceNotifier::Status(std::string_view status) const {
  std::string message = "STATUS=" + OneLine(status);
  sd_notify(0, message.c_str());
}

void ServiceNotifier::Watchdog() const {
  sd_notify(0, "WATCHDOG=1");
}

void ServiceNotifier::Stopping() const {
  sd_notify(0, "STOPPING=1");
}

std::optional<std::chrono::microseconds> ServiceNotifier::WatchdogInterval() const {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(static_cast<int64_t>(usec));
}

}  // namespace mykey::terminal
