#pragma once

// CurlHttpTransport: HttpTransport over libcurl (the only libcurl user).

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "mykey/base/result.h"
#include "mykey/http_client/http_transport.h"

namespace mykey::http_client {

/// How CurlHttpTransport connects.
///
/// Thread safety: a value type; not synchronised.
struct CurlHttpOptions {
  /// PEM file of the trust anchors the server's certificate must chain to.
  /// Empty: the system's default CA store. Verification of the peer and of
  /// its host name is always on; there is no switch to turn it off.
  std::string ca_file;
  std::chrono::milliseconds connect_timeout{5'000};  ///< TCP + TLS handshake
  std::chrono::milliseconds total_timeout{30'000};   ///< the whole exchange
  size_t max_response_bytes = 1 << 20;               ///< body size cap
  size_t max_idle_handles = 4;  ///< easy handles (and their connections) kept for reuse
};

/// HTTP/1.1 over libcurl with keep-alive: a small pool of easy handles, each
/// taken by one request at a time and put back afterwards, so connections are
/// reused. No signals (CURLOPT_NOSIGNAL), no redirects, only http and https;
/// plain http only to loopback (IsLoopbackHttpUrl()). A request with a body
/// is never re-sent by libcurl after bytes of it went out (a dead reused
/// connection then fails with kAborted); a GET on a dead reused connection may
/// be re-sent once by libcurl, as libcurl does.
///
/// Thread safety: RoundTrip() may be called from many threads at once.
class CurlHttpTransport final : public HttpTransport {
 public:
  /// Initialises libcurl (once per process) and checks the options.
  /// @returns kInvalidArgument if a timeout or the size cap is zero, or the
  ///          CA file is named but cannot be read; kInternal if libcurl
  ///          cannot be initialised.
  static Result<std::unique_ptr<CurlHttpTransport>> Create(CurlHttpOptions options);
  ~CurlHttpTransport() override;
  CurlHttpTransport(const CurlHttpTransport&) = delete;
  CurlHttpTransport& operator=(const CurlHttpTransport&) = delete;

 private:
  struct Pool;
  explicit CurlHttpTransport(CurlHttpOptions options);
  Result<HttpResponse> DoRoundTrip(const HttpRequest& request) override;

  CurlHttpOptions options_;
  std::unique_ptr<Pool> pool_;
};

/// The Error for a CURLcode (ErrorDomain::kCurl, detail = the code). The one
/// table: resolve / connect failures → kUnavailable (nothing was sent);
/// send / receive errors, an empty answer, a partial body, a refused rewind
/// for a re-send → kAborted (the request may have arrived); timeout → kDeadlineExceeded; TLS
/// certificate, handshake and trust-anchor failures → kUnauthenticated (the peer could not prove
/// who it is); a malformed URL or unsupported scheme → kInvalidArgument; a body over the cap →
/// kResourceExhausted; CURLE_OK is never passed; every other code → kInternal.
/// @param curl_code a CURLcode value
Error CurlError(int curl_code) noexcept;

}  // namespace mykey::http_client
