#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mykey/base/result.h"
#include "mykey/http_server/http_message.h"

namespace mykey::http::testing {

/// A response as read off the wire.
struct RawResponse {
  int status = 0;
  HeaderMap headers;
  std::string body;
};

/// Formats an HTTP/1.1 request with Host and (for a body) Content-Length.
/// @param extra_headers added after Host, in order
std::string FormatRequest(
    std::string_view method, std::string_view target, std::string_view body = {},
    const std::vector<std::pair<std::string, std::string>>& extra_headers = {});

/// A blocking HTTP/1.1 client over one TCP connection, for tests: it writes
/// exactly the bytes it is given and parses responses (Content-Length or
/// chunked). A receive timeout (30 s) turns a hung server into an error
/// instead of a hung test.
///
/// Thread safety: not thread-safe; one client per thread.
class RawHttpClient {
 public:
  /// Connects to `host`:`port` (numeric IPv4 or IPv6).
  /// @returns kUnavailable (domain kOs) when the connection is refused.
  static Result<RawHttpClient> Connect(uint16_t port, std::string_view host = "127.0.0.1");

  RawHttpClient(RawHttpClient&& other) noexcept;
  RawHttpClient& operator=(RawHttpClient&& other) noexcept;
  RawHttpClient(const RawHttpClient&) = delete;
  RawHttpClient& operator=(const RawHttpClient&) = delete;
  ~RawHttpClient();

  /// Writes all of `bytes`. @returns kUnavailable (domain kOs) on a write error.
  Status Send(std::string_view bytes);
  /// Reads one response. @param head_request true if it answers a HEAD (no body)
  /// @returns kUnavailable if the peer closed first, kDataLoss for a malformed
  ///          response, kDeadlineExceeded if nothing came within the timeout.
  Result<RawResponse> ReadResponse(bool head_request = false);
  /// Sends `FormatRequest(...)` and reads the response.
  Result<RawResponse> RoundTrip(
      std::string_view method, std::string_view target, std::string_view body = {},
      const std::vector<std::pair<std::string, std::string>>& headers = {});
  /// Blocks until the peer closes the connection (discarding any bytes).
  /// @returns true if it closed, false on the receive timeout.
  bool WaitForClose();

  int fd() const { return fd_; }

 private:
  explicit RawHttpClient(int fd) : fd_(fd) {}
  /// Reads more bytes into buffer_; 0 means the peer closed.
  Result<size_t> Fill();
  Result<std::string> ReadLine();
  Result<std::string> ReadExactly(size_t size);

  int fd_ = -1;
  std::string buffer_;
};

}  // namespace mykey::http::testing
