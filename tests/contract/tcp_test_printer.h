#pragma once

// A small printer on a loopback TCP port for the tests of TcpPrinterPort and
// PrintJob() (not the virtual printer: it models what matters for proof of
// print and nothing else). It answers DLE EOT at once from its status (real
// time), holds the job bytes while faulted, answers a process-ID request
// (GS ( H) a set delay after it arrives and only while not faulted, drops what
// it holds on DLE DC4 fn 8 and answers 37 25 00. On command it drops the
// connection after N job bytes (reset), stops reading after N job bytes
// (buffer full), never answers process IDs, or sends an ASB block and a stale
// process-ID answer before each status answer.

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "mykey/base/bytes.h"
#include "mykey/printer/printer_response.h"
#include "mykey/printer/printer_status.h"

namespace mykey::contract {

class TcpTestPrinter {
 public:
  using Clock = std::chrono::steady_clock;

  /// How it behaves; fixed for its lifetime.
  struct Behaviour {
    /// How long after a process-ID request arrives it is answered ("printing").
    std::chrono::milliseconds process_id_delay{0};
    bool answers_process_id = true;
    /// After this many job bytes (printed): paper out (offline, paper end); later bytes are held.
    std::optional<size_t> fault_after;
    /// After this many job bytes on its first connection: reset the connection.
    std::optional<size_t> drop_after;
    /// After this many job bytes on its first connection: stop reading it.
    std::optional<size_t> stall_after;
    /// Send an ASB block and a stale process-ID answer ("2626") before each
    /// answer to DLE EOT 1.
    bool noise_before_status = false;
  };

  /// What it saw and did, in order, with the time.
  struct Event {
    enum Kind { kStatusAsked, kProcessIdAsked, kProcessIdAnswered, kCleared } kind;
    Clock::time_point at;
  };

  explicit TcpTestPrinter(Behaviour behaviour) : behaviour_(behaviour) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    (void)::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    // A small receive buffer (inherited by accepted sockets), so that a
    // printer that stops reading soon stops the sender.
    int small = 4096;
    (void)::setsockopt(listen_fd_, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    ok_ = ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
          ::listen(listen_fd_, 4) == 0;
    socklen_t length = sizeof(address);
    ok_ = ok_ && ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) == 0;
    port_ = ntohs(address.sin_port);
    ok_ = ok_ && ::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) == 0;
    if (ok_) thread_ = std::thread([this] { Run(); });
  }

  ~TcpTestPrinter() {
    stop_ = true;
    if (wake_[1] >= 0) (void)!::write(wake_[1], "x", 1);
    if (thread_.joinable()) thread_.join();
    for (auto& connection : connections_) ::close(connection.fd);
    ::close(listen_fd_);
    ::close(wake_[0]);
    ::close(wake_[1]);
  }

  TcpTestPrinter(const TcpTestPrinter&) = delete;
  TcpTestPrinter& operator=(const TcpTestPrinter&) = delete;

  bool ok() const { return ok_; }
  uint16_t port() const { return port_; }

  /// Its status from now on; a ready status prints what it held.
  void set_status(const printer::PrinterStatus& status) {
    std::lock_guard<std::mutex> lock(mutex_);
    status_ = status;
    if (status_.ready()) {
      printed_.insert(printed_.end(), held_.begin(), held_.end());
      held_.clear();
    }
  }
  /// Closes every connection from its side (a printer dropping idle connections).
  void DropConnections() {
    std::lock_guard<std::mutex> lock(mutex_);
    drop_all_ = true;
    Wake();
  }

  Bytes printed() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return printed_;
  }
  Bytes held() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return held_;
  }
  size_t connections() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return accepted_;
  }
  std::vector<Event> events() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return events_;
  }
  size_t count(typename Event::Kind kind) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return static_cast<size_t>(std::count_if(events_.begin(), events_.end(),
                                             [&](const Event& e) { return e.kind == kind; }));
  }

 private:
  struct Connection {
    int fd = -1;
    bool first = false;
    bool reading = true;
    size_t job_bytes = 0;  // on this connection
    Bytes pending;         // received, not yet parsed (an incomplete command)
  };
  struct DueAnswer {
    int fd;
    printer::ProcessId id;
    Clock::time_point at;
  };

  void Wake() { (void)!::write(wake_[1], "x", 1); }

  void Run() {
    while (!stop_) {
      std::vector<pollfd> fds = {{wake_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
      int timeout_ms = 50;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        for (const auto& connection : connections_) {
          if (connection.reading) fds.push_back({connection.fd, POLLIN, 0});
        }
        for (const auto& due : due_) {
          auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(due.at - Clock::now());
          timeout_ms = std::clamp(static_cast<int>(ms.count()), 0, timeout_ms);
        }
      }
      (void)::poll(fds.data(), fds.size(), timeout_ms);
      if (fds[0].revents & POLLIN) {
        char drain[16];
        while (::read(wake_[0], drain, sizeof(drain)) > 0) {
        }
      }
      std::lock_guard<std::mutex> lock(mutex_);
      if (drop_all_) {
        for (auto& connection : connections_) ::close(connection.fd);
        connections_.clear();
        due_.clear();
        drop_all_ = false;
      }
      if (fds[1].revents & POLLIN) Accept();
      for (size_t i = 2; i < fds.size(); ++i) {
        if (fds[i].revents != 0) Read(fds[i].fd);
      }
      SendDueAnswers();
    }
  }

  void Accept() {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    Connection connection;
    connection.fd = fd;
    connection.first = accepted_ == 0;
    ++accepted_;
    connections_.push_back(connection);
  }

  Connection* Find(int fd) {
    for (auto& connection : connections_) {
      if (connection.fd == fd) return &connection;
    }
    return nullptr;
  }

  void Close(int fd, bool reset) {
    if (reset) {
      linger hard = {1, 0};
      (void)::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
    }
    ::close(fd);
    connections_.erase(std::remove_if(connections_.begin(), connections_.end(),
                                      [&](const Connection& c) { return c.fd == fd; }),
                       connections_.end());
    due_.erase(
        std::remove_if(due_.begin(), due_.end(), [&](const DueAnswer& d) { return d.fd == fd; }),
        due_.end());
  }

  void Read(int fd) {
    Connection* connection = Find(fd);
    if (connection == nullptr) return;
    uint8_t chunk[512];
    const ssize_t n = ::read(fd, chunk, sizeof(chunk));
    if (n <= 0) {
      if (n == 0 || (errno != EAGAIN && errno != EINTR)) Close(fd, false);
      return;
    }
    connection->pending.insert(connection->pending.end(), chunk, chunk + n);
    Parse(*connection);
  }

  // Takes the commands and job bytes out of `pending`, keeping an incomplete
  // command for the next read.
  void Parse(Connection& connection) {
    Bytes& in = connection.pending;
    size_t i = 0;
    while (i < in.size()) {
      const size_t left = in.size() - i;
      if (in[i] == printer::kDle) {
        if (left < 2) break;
        if (in[i + 1] == printer::kEot) {
          if (left < 3) break;
          AnswerStatus(connection.fd, in[i + 2]);
          i += 3;
          continue;
        }
        if (in[i + 1] == 0x14) {
          const auto& clear = printer::kClearBuffersRequest;
          if (left < clear.size()) break;
          if (std::equal(clear.begin(), clear.end(), in.begin() + static_cast<long>(i))) {
            Clear(connection.fd);
            i += clear.size();
            continue;
          }
        }
      }
      if (in[i] == 0x1D && left >= 2 && in[i + 1] == 0x28) {
        if (left < 11) break;
        const auto pattern = printer::ProcessIdRequest(printer::ProcessId());
        if (std::equal(pattern.begin(), pattern.begin() + 7, in.begin() + static_cast<long>(i))) {
          auto id = printer::ProcessId::FromDigits({in[i + 7], in[i + 8], in[i + 9], in[i + 10]});
          if (id) AskProcessId(connection.fd, *id);
          i += 11;
          continue;
        }
      }
      if (!JobByte(connection, in[i])) {
        // The connection is gone or no longer read.
        in.clear();
        return;
      }
      ++i;
    }
    in.erase(in.begin(), in.begin() + static_cast<long>(i));
  }

  // Returns false when the connection was reset or stopped being read.
  bool JobByte(Connection& connection, uint8_t byte) {
    if (connection.first && behaviour_.drop_after &&
        connection.job_bytes >= *behaviour_.drop_after) {
      Close(connection.fd, /*reset=*/true);
      return false;
    }
    if (connection.first && behaviour_.stall_after &&
        connection.job_bytes >= *behaviour_.stall_after) {
      connection.reading = false;
      return false;
    }
    ++connection.job_bytes;
    ++job_bytes_;
    if (status_.ready() && held_.empty()) {
      printed_.push_back(byte);
    } else {
      held_.push_back(byte);
    }
    if (behaviour_.fault_after && !faulted_once_ && job_bytes_ >= *behaviour_.fault_after) {
      faulted_once_ = true;
      status_.offline = status_.paper_end = status_.paper_end_stop = true;
    }
    return true;
  }

  void Send(int fd, const Bytes& bytes) {
    (void)!::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  }

  void AnswerStatus(int fd, uint8_t n) {
    if (n < 1 || n > 4) return;
    events_.push_back({Event::kStatusAsked, Clock::now()});
    Bytes answer;
    if (n == 1 && behaviour_.noise_before_status) {
      const auto stale = printer::ProcessIdAnswer(printer::ProcessId::FromNumber(2626));
      answer = {0x14, 0x00, 0x00, 0x0F};  // ASB: online, paper present
      answer.insert(answer.end(), stale.begin(), stale.end());
    }
    answer.push_back(printer::EncodeStatusByte(static_cast<printer::StatusKind>(n), status_));
    Send(fd, answer);
  }

  void AskProcessId(int fd, const printer::ProcessId& id) {
    events_.push_back({Event::kProcessIdAsked, Clock::now()});
    if (!behaviour_.answers_process_id) return;
    due_.push_back({fd, id, Clock::now() + behaviour_.process_id_delay});
  }

  void SendDueAnswers() {
    const auto now = Clock::now();
    for (auto it = due_.begin(); it != due_.end();) {
      // A faulted printer does not get to the request: it stays due.
      if (it->at > now || !status_.ready() || !held_.empty()) {
        ++it;
        continue;
      }
      const auto answer = printer::ProcessIdAnswer(it->id);
      Send(it->fd, Bytes(answer.begin(), answer.end()));
      events_.push_back({Event::kProcessIdAnswered, Clock::now()});
      it = due_.erase(it);
    }
  }

  void Clear(int fd) {
    held_.clear();
    due_.clear();
    events_.push_back({Event::kCleared, Clock::now()});
    Send(fd, Bytes(printer::kBuffersClearedAnswer.begin(), printer::kBuffersClearedAnswer.end()));
  }

  const Behaviour behaviour_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  uint16_t port_ = 0;
  bool ok_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;

  mutable std::mutex mutex_;
  bool drop_all_ = false;
  std::vector<Connection> connections_;
  std::vector<DueAnswer> due_;
  printer::PrinterStatus status_;
  size_t accepted_ = 0;
  size_t job_bytes_ = 0;
  bool faulted_once_ = false;
  Bytes printed_;
  Bytes held_;
  std::vector<Event> events_;
};

}  // namespace mykey::contract
