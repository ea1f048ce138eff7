#include "mykey/control_channel/line_server.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <thread>

#include "mykey/testing/catch.h"
#include "mykey/testing/temp_dir.h"

namespace mykey::control {
namespace {

// Connects to the socket, sends `lines`, reads replies until the server closes
// or `replies` lines came back.
std::string Talk(const std::string& path, const std::string& lines, int replies) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::write(fd, lines.data(), lines.size()) == static_cast<ssize_t>(lines.size()));
  std::string out;
  char c;
  while (replies > 0 && ::read(fd, &c, 1) == 1) {
    out.push_back(c);
    if (c == '\n') --replies;
  }
  ::close(fd);
  return out;
}

TEST_CASE("each command line gets one reply line and quit ends the server") {
  testing::TempDir dir;
  const std::string path = dir.File("control.sock");
  auto listen_fd = ListenUnixSocket(path);
  REQUIRE(listen_fd);
  int handled = 0;
  std::thread server([&] {
    LineServerOptions options;
    options.listen_fd = *listen_fd;
    CHECK(ServeLines(options, [&](std::string_view line, bool& quit) {
      ++handled;
      if (line == "quit") quit = true;
      return "ok " + std::string(line);
    }));
  });
  CHECK(Talk(path, "status\nping\n", 2) == "ok status\nok ping\n");
  CHECK(Talk(path, "quit\n", 1) == "ok quit\n");
  server.join();
  ::close(*listen_fd);
  CHECK(handled == 3);
}

TEST_CASE("an overlong line is refused and its client dropped") {
  testing::TempDir dir;
  const std::string path = dir.File("control.sock");
  auto listen_fd = ListenUnixSocket(path);
  REQUIRE(listen_fd);
  std::thread server([&] {
    LineServerOptions options;
    options.listen_fd = *listen_fd;
    options.max_line = 16;
    CHECK(ServeLines(options, [](std::string_view line, bool& quit) {
      quit = line == "quit";
      return std::string("ok");
    }));
  });
  CHECK(Talk(path, std::string(40, 'x'), 1) == "error line too long\n");
  CHECK(Talk(path, "quit\n", 1) == "ok\n");
  server.join();
  ::close(*listen_fd);
}

TEST_CASE("a socket path too long for an address is an invalid argument") {
  CHECK(ListenUnixSocket(std::string(200, 'a')).error().code() == ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace mykey::control
