#include "mykey/http_testing/raw_http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace mykey::http::testing {

namespace {
constexpr int kReceiveTimeoutSeconds = 30;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}
}  // namespace

std::string FormatRequest(std::string_view method, std::string_view target, std::string_view body,
                          const std::vector<std::pair<std::string, std::string>>& extra_headers) {
  std::string out;
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: localhost\r\n");
  for (const auto& [name, value] : extra_headers)
    out.append(name).append(": ").append(value).append("\r\n");
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  out.append("\r\n").append(body);
  return out;
}

Result<RawHttpClient> RawHttpClient::Connect(uint16_t port, std::string_view host) {
  std::string host_text(host);
  sockaddr_in in4{};
  sockaddr_in6 in6{};
  int family = AF_INET;
  if (inet_pton(AF_INET, host_text.c_str(), &in4.sin_addr) == 1) {
    in4.sin_family = AF_INET;
    in4.sin_port = htons(port);
  } else if (inet_pton(AF_INET6, host_text.c_str(), &in6.sin6_addr) == 1) {
    family = AF_INET6;
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(port);
  } else {
    return Fail(ErrorCode::kInvalidArgument, "host is not a numeric address");
  }
  const int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Fail(ErrorCode::kUnavailable, "socket failed", ErrorDomain::kOs, errno);
  RawHttpClient client(fd);
  timeval timeout{kReceiveTimeoutSeconds, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const int rc = family == AF_INET
                     ? connect(fd, reinterpret_cast<const sockaddr*>(&in4), sizeof in4)
                     : connect(fd, reinterpret_cast<const sockaddr*>(&in6), sizeof in6);
  if (rc != 0) return Fail(ErrorCode::kUnavailable, "connect failed", ErrorDomain::kOs, errno);
  return client;
}

RawHttpClient::RawHttpClient(RawHttpClient&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), buffer_(std::move(other.buffer_)) {}

RawHttpClient& RawHttpClient::operator=(RawHttpClient&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    buffer_ = std::move(other.buffer_);
  }
  return *this;
}

RawHttpClient::~RawHttpClient() {
  if (fd_ >= 0) close(fd_);
}

Status RawHttpClient::Send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(ErrorCode::kUnavailable, "send failed", ErrorDomain::kOs, errno);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Ok();
}

Result<size_t> RawHttpClient::Fill() {
  char chunk[16384];
  for (;;) {
    const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n > 0) {
      buffer_.append(chunk, static_cast<size_t>(n));
      return static_cast<size_t>(n);
    }
    if (n == 0) return size_t{0};
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return Fail(ErrorCode::kDeadlineExceeded, "no response within the receive timeout");
    }
    if (errno == ECONNRESET) return size_t{0};
    return Fail(ErrorCode::kUnavailable, "recv failed", ErrorDomain::kOs, errno);
  }
}

Result<std::string> RawHttpClient::ReadLine() {
  for (;;) {
    const size_t end = buffer_.find("\r\n");
    if (end != std::string::npos) {
      std::string line = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      return line;
    }
    MYKEY_ASSIGN_OR_RETURN(size_t got, Fill());
    if (got == 0) return Fail(ErrorCode::kUnavailable, "connection closed mid-response");
  }
}

Result<std::string> RawHttpClient::ReadExactly(size_t size) {
  while (buffer_.size() < size) {
    MYKEY_ASSIGN_OR_RETURN(size_t got, Fill());
    if (got == 0) return Fail(ErrorCode::kDataLoss, "connection closed inside a body");
  }
  std::string out = buffer_.substr(0, size);
  buffer_.erase(0, size);
  return out;
}

Result<RawResponse> RawHttpClient::ReadResponse(bool head_request) {
  RawResponse response;
  MYKEY_ASSIGN_OR_RETURN(std::string status_line, ReadLine());
  // "HTTP/1.1 200 OK"
  if (status_line.size() < 12 || status_line.compare(0, 5, "HTTP/") != 0) {
    return Fail(ErrorCode::kDataLoss, "malformed status line");
  }
  const auto [end, error] =
      std::from_chars(status_line.data() + 9, status_line.data() + 12, response.status);
  if (error != std::errc()) return Fail(ErrorCode::kDataLoss, "malformed status code");
  for (;;) {
    MYKEY_ASSIGN_OR_RETURN(std::string line, ReadLine());
    if (line.empty()) break;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) return Fail(ErrorCode::kDataLoss, "malformed header line");
    response.headers.Add(std::string(Trim(std::string_view(line).substr(0, colon))),
                         std::string(Trim(std::string_view(line).substr(colon + 1))));
  }
  if (head_request || response.status == 204 || response.status == 304 || response.status < 200) {
    return response;
  }
  const auto encoding = response.headers.Get("Transfer-Encoding");
  if (encoding && EqualsIgnoreCase(*encoding, "chunked")) {
    for (;;) {
      MYKEY_ASSIGN_OR_RETURN(std::string size_line, ReadLine());
      size_t size = 0;
      const auto [p, e] =
          std::from_chars(size_line.data(), size_line.data() + size_line.size(), size, 16);
      if (e != std::errc()) return Fail(ErrorCode::kDataLoss, "malformed chunk size");
      if (size == 0) {
        for (;;) {
          MYKEY_ASSIGN_OR_RETURN(std::string trailer, ReadLine());
          if (trailer.empty()) break;
        }
        return response;
      }
      MYKEY_ASSIGN_OR_RETURN(std::string chunk, ReadExactly(size + 2));
      response.body.append(chunk, 0, size);
    }
  }
  if (const auto length = response.headers.Get("Content-Length")) {
    size_t size = 0;
    const auto [p, e] = std::from_chars(length->data(), length->data() + length->size(), size);
    if (e != std::errc()) return Fail(ErrorCode::kDataLoss, "malformed Content-Length");
    MYKEY_ASSIGN_OR_RETURN(response.body, ReadExactly(size));
    return response;
  }
  // No framing: the body runs to the close.
  for (;;) {
    MYKEY_ASSIGN_OR_RETURN(size_t got, Fill());
    if (got == 0) break;
  }
  response.body = std::move(buffer_);
  buffer_.clear();
  return response;
}

Result<RawResponse> RawHttpClient::RoundTrip(
    std::string_view method, std::string_view target, std::string_view body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  MYKEY_TRY(Send(FormatRequest(method, target, body, headers)));
  return ReadResponse(method == "HEAD");
}

bool RawHttpClient::WaitForClose() {
  for (;;) {
    buffer_.clear();
    auto got = Fill();
    if (!got) return false;
    if (*got == 0) return true;
  }
}

}  // namespace mykey::http::testing
