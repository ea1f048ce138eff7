#pragma once

// The SDK's HTTP exchange: one request, one answer. The interface the cloud
// client talks through; CurlHttpTransport is the real backend, tests script a
// double.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mykey/base/result.h"

namespace mykey::http_client {

/// Header fields in the order sent or received (names as written).
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

/// One HTTP request.
///
/// Thread safety: a value type; not synchronised.
struct HttpRequest {
  std::string method = "GET";  ///< "GET", "POST", "PUT", "DELETE"
  std::string url;             ///< absolute URL, target already percent-encoded
  HttpHeaders headers;         ///< extra header fields
  std::string body;            ///< sent as is (empty: no body)
};

/// One HTTP answer, whatever its status.
///
/// Thread safety: a value type; not synchronised.
struct HttpResponse {
  int status = 0;       ///< 200, 404, ...
  HttpHeaders headers;  ///< the final answer's header fields
  std::string body;     ///< the body bytes

  /// The first header named `name` (case-insensitive), or nullopt.
  std::optional<std::string_view> Header(std::string_view name) const;
};

/// Sends HTTP requests. An answer with any status is a successful exchange;
/// errors are about the exchange itself.
///
/// Thread safety: implementations must allow concurrent RoundTrip() calls.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;

  /// Sends `request` and waits for the whole answer.
  /// @returns the answer (any status), or:
  ///   kInvalidArgument  the URL is malformed, or plain http off loopback;
  ///   kUnavailable      nothing was sent: the host did not resolve or refused;
  ///   kAborted          the connection broke after the request went out: the
  ///                     server may have acted on it (outcome unknown);
  ///   kDeadlineExceeded the connect or total timeout passed (outcome unknown);
  ///   kUnauthenticated  TLS failed: the server's certificate did not verify
  ///                     against the trust anchors, or the handshake failed;
  ///   kResourceExhausted the answer's body was over the size cap;
  ///   kInternal         anything else.
  Result<HttpResponse> RoundTrip(const HttpRequest& request) { return DoRoundTrip(request); }

 private:
  virtual Result<HttpResponse> DoRoundTrip(const HttpRequest& request) = 0;
};

/// True when the ASCII strings are equal ignoring case.
bool EqualsIgnoringCase(std::string_view a, std::string_view b) noexcept;

/// True when `url` is `http://127.0.0.1[:port]/...`, `http://localhost...` or
/// `http://[::1]...`: the only places plain HTTP is allowed.
bool IsLoopbackHttpUrl(std::string_view url) noexcept;

}  // namespace mykey::http_client
