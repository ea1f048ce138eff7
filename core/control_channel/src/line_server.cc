#include "mykey/control_channel/line_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace mykey::control {
namespace {

struct Peer {
  int in_fd;
  int out_fd;
  std::string buffer;
  bool owned;  // a socket client: closed when done
};

bool WriteAll(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    text.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads what is there and answers every complete line. False when the peer
// is done (end of file, error, or an overlong line).
bool ServePeer(Peer& peer, const LineServerOptions& options, const LineHandler& handler,
               bool& quit) {
  char chunk[1024];
  const ssize_t n = ::read(peer.in_fd, chunk, sizeof chunk);
  if (n < 0 && errno == EINTR) return true;
  if (n <= 0) return false;
  peer.buffer.append(chunk, static_cast<size_t>(n));
  size_t newline;
  while (!quit && (newline = peer.buffer.find('\n')) != std::string::npos) {
    const std::string line = peer.buffer.substr(0, newline);
    peer.buffer.erase(0, newline + 1);
    if (!WriteAll(peer.out_fd, handler(line, quit) + "\n")) return false;
  }
  if (peer.buffer.size() > options.max_line) {
    WriteAll(peer.out_fd, "error line too long\n");
    return false;
  }
  return true;
}

}  // namespace

Result<int> ListenUnixSocket(const std::string& path) {
  sockaddr_un address{};
  if (path.size() >= sizeof address.sun_path) {
    return Fail(ErrorCode::kInvalidArgument, "control socket path too long");
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Fail(ErrorCode::kUnavailable, "cannot make a socket", ErrorDomain::kOs, errno);
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  ::unlink(path.c_str());  // a stale socket of an earlier run
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(fd, 8) != 0) {
    const int error = errno;
    ::close(fd);
    return Fail(ErrorCode::kUnavailable, "cannot listen on the control socket", ErrorDomain::kOs,
                error);
  }
  return fd;
}

Status ServeLines(const LineServerOptions& options, const LineHandler& handler) {
  std::vector<Peer> peers;
  if (options.listen_fd < 0) peers.push_back({STDIN_FILENO, STDOUT_FILENO, {}, false});
  bool quit = false;
  Status result = Ok();
  while (!quit) {
    std::vector<pollfd> fds;
    fds.push_back({options.signal_fd, POLLIN, 0});  // poll ignores a negative descriptor
    if (options.listen_fd >= 0) fds.push_back({options.listen_fd, POLLIN, 0});
    const size_t first_peer = fds.size();
    for (const Peer& p : peers) fds.push_back({p.in_fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      result = Fail(ErrorCode::kInternal, "poll failed", ErrorDomain::kOs, errno);
      break;
    }
    if ((fds[0].revents & POLLIN) != 0) break;  // a termination signal
    // Only the peers that were polled have an entry in fds.
    const size_t polled = peers.size();
    if (options.listen_fd >= 0 && (fds[1].revents & POLLIN) != 0) {
      const int client = ::accept4(options.listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0) peers.push_back({client, client, {}, true});
    }
    for (size_t i = polled; i-- > 0 && !quit;) {
      if ((fds[first_peer + i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      if (ServePeer(peers[i], options, handler, quit)) continue;
      if (!peers[i].owned && options.stop_at_stdin_end) quit = true;
      if (peers[i].owned) ::close(peers[i].in_fd);
      peers.erase(peers.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
  for (Peer& p : peers) {
    if (p.owned) ::close(p.in_fd);
  }
  return result;
}

}  // namespace mykey::control
