#include "mykey/terminal/service_notifier.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "mykey/testing/catch.h"
#include "mykey/testing/temp_dir.h"

namespace mykey::terminal {
namespace {

// A notification socket as systemd offers it, in a temp dir.
struct NotifySocket {
  testing::TempDir dir;
  int fd = -1;
  NotifySocket() {
    fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::string path = dir.File("notify");
    REQUIRE(path.size() < sizeof address.sun_path);
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  }
  ~NotifySocket() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd);
  }
  std::string Next() {
    char buf[512];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }
};

TEST_CASE("ready, status, watchdog and stopping reach the notification socket") {
  NotifySocket socket;
  ServiceNotifier notifier;
  CHECK(notifier.enabled());
  notifier.Ready("shop mode,\nlocal API on 127.0.0.1:8787");
  CHECK(socket.Next() == "READY=1\nSTATUS=shop mode, local API on 127.0.0.1:8787");
  notifier.Status("busy");
  CHECK(socket.Next() == "STATUS=busy");
  notifier.Watchdog();
  CHECK(socket.Next() == "WATCHDOG=1");
  notifier.Stopping();
  CHECK(socket.Next() == "STOPPING=1");
}

TEST_CASE("the watchdog interval is the unit's, for this process only") {
  ServiceNotifier notifier;
  ::setenv("WATCHDOG_USEC", "20000000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  CHECK(notifier.WatchdogInterval() == std::chrono::microseconds(20'000'000));
  ::setenv("WATCHDOG_PID", "1", 1);
  CHECK_FALSE(notifier.WatchdogInterval().has_value());
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
  CHECK_FALSE(notifier.WatchdogInterval().has_value());
}

TEST_CASE("without systemd the notifier is off and harmless") {
  ::unsetenv("NOTIFY_SOCKET");
  ServiceNotifier notifier;
  CHECK_FALSE(notifier.enabled());
  notifier.Ready("x");
  notifier.Watchdog();
}

}  // namespace
}  // namespace mykey::terminal
