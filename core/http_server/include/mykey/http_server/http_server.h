#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "mykey/base/result.h"
#include "mykey/http_server/http_message.h"

namespace mykey::http {

/// Why the server answered a request without calling the handler's
/// `Handle()`.
enum class RejectReason : uint8_t {
  kBodyTooLarge,  ///< the body exceeded HttpServerOptions::max_body_bytes (413)
};

/// What a server calls for each request. Implementations must not throw
/// (the server turns an escaped exception into a bare 500) and must be safe
/// to call from several server threads at once.
///
/// Thread safety: `Handle()` and `Reject()` are called concurrently from the
/// server's worker threads.
class HttpHandler {
 public:
  HttpHandler() = default;
  HttpHandler(const HttpHandler&) = delete;
  HttpHandler& operator=(const HttpHandler&) = delete;
  virtual ~HttpHandler() = default;

  /// Answers one complete request.
  HttpResponse Handle(const HttpRequest& request) { return DoHandle(request); }

  /// Answers a request the server refused before it was complete.
  /// @param request method, path, query, headers and remote address; the body
  ///                is empty (it was not buffered)
  /// @param reason  why it was refused
  HttpResponse Reject(const HttpRequest& request, RejectReason reason) {
    return DoReject(request, reason);
  }

 private:
  virtual HttpResponse DoHandle(const HttpRequest& request) = 0;
  /// Default: a plain-text 413.
  virtual HttpResponse DoReject(const HttpRequest& request, RejectReason reason);
};

/// How the worker threads wait for sockets.
enum class EventLoop : uint8_t {
  /// poll(2), level-triggered (the default). Debian's libmicrohttpd 0.9.75 in
  /// epoll mode was seen to leave a keep-alive request unread until the
  /// connection timeout (about 1 run in 20 of the 1,000-connection test);
  /// with poll it never happened.
  kPoll,
  /// epoll(7), edge-triggered inside libmicrohttpd.
  kEpoll,
};

/// How an HttpServer listens and what it allows.
struct HttpServerOptions {
  /// Numeric IPv4 or IPv6 address to bind ("127.0.0.1", "::1", "0.0.0.0").
  std::string listen_address = "127.0.0.1";
  /// TCP port; 0 picks a free ephemeral port (read it back with port()).
  uint16_t port = 0;
  /// Worker threads, each with its own event loop (MHD thread pool).
  unsigned threads = 2;
  EventLoop event_loop = EventLoop::kPoll;
  /// Most concurrent connections (all threads together). The server raises
  /// the process's soft RLIMIT_NOFILE to fit it where the hard limit allows.
  unsigned connection_limit = 4096;
  /// Idle connections are closed after this long.
  std::chrono::seconds connection_timeout{60};
  /// Largest request body accepted; larger ones get 413 (via
  /// HttpHandler::Reject) without the rest being buffered.
  size_t max_body_bytes = 1 << 20;
  /// TLS: PEM certificate chain and private key files. Both empty: plain HTTP.
  std::string tls_certificate_file;
  std::string tls_private_key_file;
  /// Plain HTTP is refused on a non-loopback address unless this is true.
  bool allow_plain_http_off_loopback = false;
  /// How long Shutdown() waits for requests in flight before closing anyway.
  std::chrono::milliseconds shutdown_grace{10000};
};

/// Counters of a running server.
struct HttpServerStats {
  uint64_t requests_started = 0;    ///< requests whose headers were received
  uint64_t requests_completed = 0;  ///< requests whose response was sent (or dropped)
  uint64_t requests_rejected = 0;   ///< answered via Reject() (e.g. 413)
  unsigned requests_in_flight = 0;  ///< started and not completed
  unsigned open_connections = 0;    ///< TCP connections currently open
};

/// An HTTP/1.1 server over libmicrohttpd (the one place it is used): poll or
/// epoll in a pool of worker threads, keep-alive, a body size limit enforced while
/// uploading, optional TLS (GnuTLS), graceful shutdown.
///
/// Thread safety: all methods may be called from any thread; Shutdown() is
/// idempotent. The handler is called from the worker threads and must
/// outlive the server.
class HttpServer {
 public:
  /// Binds and starts serving.
  /// @param handler answers requests; borrowed, must outlive the server
  /// @param options where and how to listen
  /// @returns kInvalidArgument for a bad address, thread count or option;
  ///          kFailedPrecondition for plain HTTP off loopback without
  ///          permission, or TLS asked for but not compiled into libmicrohttpd;
  ///          kNotFound / kPermissionDenied (domain kOs) when a TLS file cannot
  ///          be read; kUnavailable when the daemon cannot start (port in use).
  static Result<std::unique_ptr<HttpServer>> Start(HttpHandler& handler,
                                                   const HttpServerOptions& options);

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  /// Shuts down (gracefully, bounded by shutdown_grace) if still running.
  ~HttpServer();

  /// The bound TCP port.
  uint16_t port() const noexcept;
  /// True when serving over TLS.
  bool tls() const noexcept;

  /// Graceful shutdown: stops accepting connections, lets requests in flight
  /// finish (responses after this point carry `Connection: close`), waits
  /// for them up to shutdown_grace, then closes every connection.
  /// @returns kDeadlineExceeded if requests were still in flight when the
  ///          grace period ended (they were cut off); Ok otherwise.
  Status Shutdown();

  /// A snapshot of the counters.
  HttpServerStats stats() const;

 private:
  struct State;
  explicit HttpServer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace mykey::http
