#include "pin_entry.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace mykey::cli {
namespace {

// Reads up to a newline into a fixed buffer that is wiped before returning.
Result<SecretBytes> ReadLine(int fd) {
  std::array<uint8_t, 64> buf{};
  size_t len = 0;
  bool any = false;
  while (true) {
    uint8_t c = 0;
    ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    any = true;
    if (c == '\n' || c == '\r') break;
    if (len < buf.size()) buf[len++] = c;
  }
  if (!any) {
    SecureWipe(buf.data(), buf.size());
    return Fail(ErrorCode::kCancelled, "no PIN entered (end of input)");
  }
  SecretBytes pin(ByteView(buf.data(), len));
  SecureWipe(buf.data(), buf.size());
  return pin;
}

}  // namespace

Result<SecretBytes> ReadPinFromTerminal(std::string_view prompt) {
  int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    return Fail(ErrorCode::kUnavailable, "no terminal to ask for the PIN (use --pin-stdin)",
                ErrorDomain::kOs, errno);
  }
  termios saved{};
  bool restore = ::tcgetattr(fd, &saved) == 0;
  if (restore) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHONL);
    quiet.c_lflag |= ICANON;
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  [[maybe_unused]] ssize_t w = ::write(fd, prompt.data(), prompt.size());
  auto pin = ReadLine(fd);
  if (restore) ::tcsetattr(fd, TCSAFLUSH, &saved);
  w = ::write(fd, "\n", 1);
  ::close(fd);
  return pin;
}

Result<SecretBytes> ReadPinFromStdin() {
  return ReadLine(STDIN_FILENO);
}

}  // namespace mykey::cli
