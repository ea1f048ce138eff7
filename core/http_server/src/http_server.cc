// The one place libmicrohttpd is used (architecture.md: each third-party
// library in one place).
#include "mykey/http_server/http_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <new>
#include <sstream>
#include <vector>

#include "mykey/base/log.h"

namespace mykey::http {

namespace {

constexpr const char* kLogModule = "http_server";
// Descriptors kept free beside the connection limit (listen socket, epoll,
// inter-thread channels, the store, logs).
constexpr rlim_t kSpareDescriptors = 256;

/// Per-request state, owned by MHD's connection-class pointer.
struct RequestContext {
  HttpRequest request;
  bool body_too_large = false;
};

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    return Fail(err == EACCES ? ErrorCode::kPermissionDenied : ErrorCode::kNotFound,
                "cannot read TLS file", ErrorDomain::kOs, err);
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

MHD_Result CollectHeader(void* cls, MHD_ValueKind /*kind*/, const char* key, const char* value) {
  auto* headers = static_cast<HeaderMap*>(cls);
  headers->Add(key != nullptr ? key : "", value != nullptr ? value : "");
  return MHD_YES;
}

MHD_Result CollectArgument(void* cls, MHD_ValueKind /*kind*/, const char* key, const char* value) {
  auto* query = static_cast<std::vector<std::pair<std::string, std::string>>*>(cls);
  query->emplace_back(key != nullptr ? key : "", value != nullptr ? value : "");
  return MHD_YES;
}

std::string RemoteAddress(MHD_Connection* connection) {
  const MHD_ConnectionInfo* info =
      MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (info == nullptr || info->client_addr == nullptr) return {};
  char text[INET6_ADDRSTRLEN] = {};
  const sockaddr* addr = info->client_addr;
  if (addr->sa_family == AF_INET) {
    sockaddr_in in4{};
    std::memcpy(&in4, addr, sizeof in4);
    inet_ntop(AF_INET, &in4.sin_addr, text, sizeof text);
  } else if (addr->sa_family == AF_INET6) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, addr, sizeof in6);
    inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text);
  }
  return text;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
void LogFromMhd(void* /*cls*/, const char* format, va_list args) {
  char line[512];
  std::vsnprintf(line, sizeof line, format, args);
  std::string_view text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  log::Write(log::Level::kDebug, kLogModule, text);
}
#pragma GCC diagnostic pop

bool IsLoopback(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_INET) {
    sockaddr_in in4{};
    std::memcpy(&in4, &addr, sizeof in4);
    return (ntohl(in4.sin_addr.s_addr) >> 24) == 127;
  }
  sockaddr_in6 in6{};
  std::memcpy(&in6, &addr, sizeof in6);
  return IN6_IS_ADDR_LOOPBACK(&in6.sin6_addr);
}

/// Raises the soft descriptor limit so that `connections` fit; @returns the
/// number of connections that fit afterwards.
unsigned FitDescriptorLimit(unsigned connections) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return connections;
  const rlim_t wanted = static_cast<rlim_t>(connections) + kSpareDescriptors;
  if (limit.rlim_cur < wanted) {
    rlimit raised = limit;
    raised.rlim_cur =
        (limit.rlim_max == RLIM_INFINITY || limit.rlim_max >= wanted) ? wanted : limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
    const rlim_t fit = limit.rlim_cur > kSpareDescriptors ? limit.rlim_cur - kSpareDescriptors : 1;
    log::Write(log::Level::kWarning, kLogModule,
               "connection limit lowered to fit RLIMIT_NOFILE (raise the hard limit)");
    return static_cast<unsigned>(fit);
  }
  return connections;
}

}  // namespace

HttpResponse HttpHandler::DoReject(const HttpRequest& /*request*/, RejectReason /*reason*/) {
  return HttpResponse::WithBody(413, "text/plain; charset=utf-8", "request body too large\n");
}

struct HttpServer::State {
  State(HttpHandler& h, const HttpServerOptions& o) : handler(h), options(o) {}

  HttpHandler& handler;
  HttpServerOptions options;
  std::string certificate_pem;
  std::string private_key_pem;
  sockaddr_storage address{};
  uint16_t port = 0;

  std::mutex daemon_mu;  // guards daemon against stats() during stop
  MHD_Daemon* daemon = nullptr;
  std::mutex shutdown_mu;  // serialises Shutdown()
  std::atomic<bool> shutting_down{false};

  std::mutex flight_mu;
  std::condition_variable flight_cv;
  unsigned in_flight = 0;

  std::atomic<uint64_t> started{0};
  std::atomic<uint64_t> completed{0};
  std::atomic<uint64_t> rejected{0};

  void BeginRequest() {
    started.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(flight_mu);
    ++in_flight;
  }
  void EndRequest() {
    completed.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(flight_mu);
    --in_flight;
    if (in_flight == 0) flight_cv.notify_all();
  }

  MHD_Result Queue(MHD_Connection* connection, const HttpResponse& response, bool close) {
    MHD_Response* mhd = MHD_create_response_from_buffer(
        response.body.size(), const_cast<char*>(response.body.data()), MHD_RESPMEM_MUST_COPY);
    if (mhd == nullptr) return MHD_NO;
    for (const auto& [name, value] : response.headers.entries()) {
      // MHD owns framing; a handler cannot set these.
      if (EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Connection") ||
          EqualsIgnoreCase(name, "Transfer-Encoding")) {
        continue;
      }
      if (MHD_add_response_header(mhd, name.c_str(), value.c_str()) != MHD_YES) {
        log::Write(log::Level::kWarning, kLogModule, "invalid response header dropped");
      }
    }
    if (close || shutting_down.load(std::memory_order_relaxed)) {
      MHD_add_response_header(mhd, MHD_HTTP_HEADER_CONNECTION, "close");
    }
    const int status = (response.status >= 100 && response.status <= 999) ? response.status : 500;
    const MHD_Result result = MHD_queue_response(connection, static_cast<unsigned>(status), mhd);
    MHD_destroy_response(mhd);
    return result;
  }

  MHD_Result Answer(MHD_Connection* connection, RequestContext& context) {
    try {
      if (context.body_too_large) {
        rejected.fetch_add(1, std::memory_order_relaxed);
        context.request.body.clear();
        return Queue(connection, handler.Reject(context.request, RejectReason::kBodyTooLarge),
                     /*close=*/true);
      }
      return Queue(connection, handler.Handle(context.request), /*close=*/false);
    } catch (...) {
      // Handlers do not throw; this keeps an escaped exception (bad_alloc)
      // from unwinding into C.
      log::Write(log::Level::kError, kLogModule, "handler threw; answered 500");
      return Queue(connection, HttpResponse::WithBody(500, "text/plain", "internal error\n"),
                   /*close=*/true);
    }
  }

  static MHD_Result OnRequest(void* cls, MHD_Connection* connection, const char* url,
                              const char* method, const char* /*version*/, const char* upload_data,
                              size_t* upload_data_size, void** con_cls) {
    auto* self = static_cast<State*>(cls);
    auto* context = static_cast<RequestContext*>(*con_cls);
    if (context == nullptr) {
      context = new (std::nothrow) RequestContext;
      if (context == nullptr) return MHD_NO;
      *con_cls = context;
      self->BeginRequest();
      HttpRequest& request = context->request;
      request.method = method != nullptr ? method : "";
      request.path = url != nullptr ? url : "";
      MHD_get_connection_values(connection, MHD_HEADER_KIND, &CollectHeader, &request.headers);
      MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, &CollectArgument,
                                &request.query);
      request.remote_address = RemoteAddress(connection);
      // A declared length over the limit is refused before any of the body
      // is read (no 100 Continue is sent); MHD closes the connection after.
      if (auto length = request.headers.Get("Content-Length")) {
        uint64_t declared = 0;
        const auto [end, error] =
            std::from_chars(length->data(), length->data() + length->size(), declared);
        if (error == std::errc() && declared > self->options.max_body_bytes) {
          context->body_too_large = true;
          return self->Answer(connection, *context);
        }
      }
      return MHD_YES;
    }
    if (*upload_data_size != 0) {
      // Chunked bodies have no declared length: once over the limit the rest
      // is discarded as it arrives (never buffered) and 413 follows.
      if (!context->body_too_large) {
        if (context->request.body.size() + *upload_data_size > self->options.max_body_bytes) {
          context->body_too_large = true;
          std::string().swap(context->request.body);
        } else {
          context->request.body.append(upload_data, *upload_data_size);
        }
      }
      *upload_data_size = 0;
      return MHD_YES;
    }
    return self->Answer(connection, *context);
  }

  static void OnCompleted(void* cls, MHD_Connection* /*connection*/, void** con_cls,
                          MHD_RequestTerminationCode /*code*/) {
    auto* self = static_cast<State*>(cls);
    auto* context = static_cast<RequestContext*>(*con_cls);
    if (context == nullptr) return;
    delete context;
    *con_cls = nullptr;
    self->EndRequest();
  }
};

Result<std::unique_ptr<HttpServer>> HttpServer::Start(HttpHandler& handler,
                                                      const HttpServerOptions& options) {
  if (options.threads == 0 || options.threads > 256) {
    return Fail(ErrorCode::kInvalidArgument, "threads must be 1..256");
  }
  if (options.connection_limit == 0 || options.max_body_bytes == 0) {
    return Fail(ErrorCode::kInvalidArgument, "connection limit and body limit must be positive");
  }
  auto state = std::make_unique<State>(handler, options);

  sockaddr_storage& address = state->address;
  sockaddr_in in4{};
  sockaddr_in6 in6{};
  bool ipv6 = false;
  if (inet_pton(AF_INET, options.listen_address.c_str(), &in4.sin_addr) == 1) {
    in4.sin_family = AF_INET;
    in4.sin_port = htons(options.port);
    std::memcpy(&address, &in4, sizeof in4);
  } else if (inet_pton(AF_INET6, options.listen_address.c_str(), &in6.sin6_addr) == 1) {
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(options.port);
    std::memcpy(&address, &in6, sizeof in6);
    ipv6 = true;
  } else {
    return Fail(ErrorCode::kInvalidArgument, "listen address is not a numeric IP address");
  }

  const bool tls = !options.tls_certificate_file.empty() || !options.tls_private_key_file.empty();
  if (tls) {
    if (options.tls_certificate_file.empty() || options.tls_private_key_file.empty()) {
      return Fail(ErrorCode::kInvalidArgument, "TLS needs both a certificate and a key file");
    }
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
      return Fail(ErrorCode::kFailedPrecondition, "libmicrohttpd was built without TLS");
    }
    MYKEY_ASSIGN_OR_RETURN(state->certificate_pem, ReadFile(options.tls_certificate_file));
    MYKEY_ASSIGN_OR_RETURN(state->private_key_pem, ReadFile(options.tls_private_key_file));
  } else if (!IsLoopback(address) && !options.allow_plain_http_off_loopback) {
    return Fail(ErrorCode::kFailedPrecondition,
                "plain HTTP off loopback needs TLS or an explicit allowance");
  }

  const unsigned connection_limit = FitDescriptorLimit(options.connection_limit);

  unsigned flags = (options.event_loop == EventLoop::kEpoll ? MHD_USE_EPOLL_INTERNAL_THREAD
                                                            : MHD_USE_POLL_INTERNAL_THREAD) |
                   MHD_USE_ITC | MHD_USE_ERROR_LOG;
  if (ipv6) flags |= MHD_USE_IPv6;
  if (tls) flags |= MHD_USE_TLS;

  using RequestCompleted = void (*)(void*, MHD_Connection*, void**, MHD_RequestTerminationCode);
  using Logger = void (*)(void*, const char*, va_list);
  RequestCompleted on_completed = &State::OnCompleted;
  Logger logger = &LogFromMhd;
  std::vector<MHD_OptionItem> items;
  // The logger first, so that MHD logs nothing through its own.
  items.push_back({MHD_OPTION_EXTERNAL_LOGGER, reinterpret_cast<intptr_t>(logger), nullptr});
  items.push_back({MHD_OPTION_SOCK_ADDR, 0, &address});
  if (options.threads > 1) {
    items.push_back({MHD_OPTION_THREAD_POOL_SIZE, static_cast<intptr_t>(options.threads), nullptr});
  }
  items.push_back({MHD_OPTION_CONNECTION_LIMIT, static_cast<intptr_t>(connection_limit), nullptr});
  items.push_back({MHD_OPTION_CONNECTION_TIMEOUT,
                   static_cast<intptr_t>(options.connection_timeout.count()), nullptr});
  items.push_back({MHD_OPTION_LISTEN_BACKLOG_SIZE,
                   static_cast<intptr_t>(std::max(connection_limit, 128u)), nullptr});
  items.push_back(
      {MHD_OPTION_NOTIFY_COMPLETED, reinterpret_cast<intptr_t>(on_completed), state.get()});
  if (tls) {
    items.push_back({MHD_OPTION_HTTPS_MEM_CERT, 0, state->certificate_pem.data()});
    items.push_back({MHD_OPTION_HTTPS_MEM_KEY, 0, state->private_key_pem.data()});
  }
  items.push_back({MHD_OPTION_END, 0, nullptr});

  state->daemon = MHD_start_daemon(flags, options.port, nullptr, nullptr, &State::OnRequest,
                                   state.get(), MHD_OPTION_ARRAY, items.data(), MHD_OPTION_END);
  if (state->daemon == nullptr) {
    return Fail(ErrorCode::kUnavailable, "cannot start the HTTP daemon (address in use?)");
  }
  const MHD_DaemonInfo* info = MHD_get_daemon_info(state->daemon, MHD_DAEMON_INFO_BIND_PORT);
  state->port = info != nullptr ? info->port : options.port;
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(state)));
}

HttpServer::HttpServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

HttpServer::~HttpServer() {
  (void)Shutdown();
}

uint16_t HttpServer::port() const noexcept {
  return state_->port;
}

bool HttpServer::tls() const noexcept {
  return !state_->certificate_pem.empty();
}

Status HttpServer::Shutdown() {
  std::lock_guard shutdown_lock(state_->shutdown_mu);
  MHD_Daemon* daemon = nullptr;
  {
    std::lock_guard lock(state_->daemon_mu);
    daemon = state_->daemon;
  }
  if (daemon == nullptr) return Ok();
  state_->shutting_down = true;
  // Stop accepting. MHD hands the listening socket back, but its workers
  // drop it from their epoll sets only later: it must stay open until
  // MHD_stop_daemon(). shutdown() makes the kernel refuse new connections
  // (and reset those waiting in the backlog) at once.
  const MHD_socket listener = MHD_quiesce_daemon(daemon);
  if (listener != MHD_INVALID_SOCKET) shutdown(listener, SHUT_RDWR);
  bool drained = false;
  {
    std::unique_lock lock(state_->flight_mu);
    drained = state_->flight_cv.wait_for(lock, state_->options.shutdown_grace,
                                         [&] { return state_->in_flight == 0; });
  }
  if (!drained) {
    log::Write(log::Level::kWarning, kLogModule, "shutdown grace ended with requests in flight");
  }
  // Closes every connection; a handler still running is waited for (MHD
  // joins its workers), its response is not sent.
  {
    std::lock_guard lock(state_->daemon_mu);
    MHD_stop_daemon(daemon);
    state_->daemon = nullptr;
  }
  if (listener != MHD_INVALID_SOCKET) close(listener);
  if (!drained) {
    return Fail(ErrorCode::kDeadlineExceeded, "requests still in flight after the grace period");
  }
  return Ok();
}

HttpServerStats HttpServer::stats() const {
  HttpServerStats stats;
  stats.requests_started = state_->started.load(std::memory_order_relaxed);
  stats.requests_completed = state_->completed.load(std::memory_order_relaxed);
  stats.requests_rejected = state_->rejected.load(std::memory_order_relaxed);
  {
    std::lock_guard lock(state_->flight_mu);
    stats.requests_in_flight = state_->in_flight;
  }
  std::lock_guard lock(state_->daemon_mu);
  if (state_->daemon != nullptr) {
    const MHD_DaemonInfo* info =
        MHD_get_daemon_info(state_->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    if (info != nullptr) stats.open_connections = info->num_connections;
  }
  return stats;
}

}  // namespace mykey::http
