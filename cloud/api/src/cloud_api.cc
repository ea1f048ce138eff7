#include "mykey/api/cloud_api.h"

#include <chrono>
#include <cstdio>

#include "mykey/base/log.h"
#include "mykey/crypto/random.h"
#include "mykey/json/json.h"

namespace mykey::cloud {

namespace {

int64_t MonotonicNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool IsJsonContentType(std::string_view value) {
  // "application/json" with optional parameters ("; charset=utf-8").
  const size_t semicolon = value.find(';');
  std::string_view type = value.substr(0, semicolon);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return http::EqualsIgnoreCase(type, "application/json");
}

uint64_t RandomPrefix() {
  uint64_t prefix = 0;
  auto random = crypto::SystemRandom::Create();
  std::array<uint8_t, 8> bytes{};
  if (random && (*random)->Fill(bytes)) {
    for (uint8_t b : bytes) prefix = (prefix << 8) | b;
  } else {
    // Uniqueness, not secrecy, is what a request id needs.
    prefix = static_cast<uint64_t>(MonotonicNs()) ^ static_cast<uint64_t>(WallMs()) << 20;
  }
  return prefix;
}

}  // namespace

CloudApi::CloudApi(Store& store, const RequestLog& log)
    : store_(store), log_(log), request_id_prefix_(RandomPrefix()) {
  (void)router_.Add("GET", "/healthz", [this](RouteContext&) { return Healthz(); });
  (void)router_.Add("GET", "/metrics", [this](RouteContext&) {
    return ApiReply::Body(200, "text/plain; version=0.0.4; charset=utf-8", metrics_.Render());
  });
  metrics_.AddCallback("mykey_store_errors_total", "Store transactions that failed in the store.",
                       "counter", [this] { return static_cast<double>(store_.stats().errors); });
  metrics_.AddCallback("mykey_store_transactions_total", "Store transaction attempts.", "counter",
                       [this] { return static_cast<double>(store_.stats().transactions); });
  metrics_.AddCallback("mykey_store_retries_total",
                       "Store transactions retried after busy or serialization failures.",
                       "counter", [this] { return static_cast<double>(store_.stats().retries); });
}

std::string CloudApi::NewRequestId() {
  const uint64_t n = request_counter_.fetch_add(1, std::memory_order_relaxed);
  char text[40];
  std::snprintf(text, sizeof text, "%016llx%08llx",
                static_cast<unsigned long long>(request_id_prefix_),
                static_cast<unsigned long long>(n & 0xffffffffu));
  return text;
}

ApiReply CloudApi::Healthz() {
  const Status status = store_.Check();
  if (!status) {
    return ApiError(ApiErrorCode::kUnavailable, "the store does not answer");
  }
  json::OrderedJson body = json::OrderedJson::object();
  body["status"] = "ok";
  body["store"] = std::string(store_.backend_name());
  return ApiReply::Json(200, json::Dump(body));
}

http::HttpResponse CloudApi::DoHandle(const http::HttpRequest& request) {
  const int64_t start_ns = MonotonicNs();
  const int64_t arrival_ms = WallMs();
  metrics_.AddInFlight(1);
  const std::string request_id = NewRequestId();
  Router::Match match = router_.Find(request.method, request.path);
  RouteContext context{request, request_id, std::move(match.params), {}};
  if (match.outcome == Router::Outcome::kNotFound) {
    return Finish(request, &context, "unmatched", ApiError::NotFound("no such route"), request_id,
                  start_ns, arrival_ms);
  }
  if (match.outcome == Router::Outcome::kMethodNotAllowed) {
    return Finish(request, &context, match.route, ApiError::MethodNotAllowed(match.allow),
                  request_id, start_ns, arrival_ms);
  }
  if (!request.body.empty()) {
    const auto type = request.headers.Get("Content-Type");
    if (!type || !IsJsonContentType(*type)) {
      return Finish(
          request, &context, match.route,
          ApiError(ApiErrorCode::kUnsupportedMediaType, "a request body must be application/json"),
          request_id, start_ns, arrival_ms);
    }
  }
  const ApiReply reply = (*match.handler)(context);
  return Finish(request, &context, match.route, reply, request_id, start_ns, arrival_ms);
}

http::HttpResponse CloudApi::DoReject(const http::HttpRequest& request, http::RejectReason) {
  const int64_t start_ns = MonotonicNs();
  metrics_.AddInFlight(1);
  const std::string request_id = NewRequestId();
  const Router::Match match = router_.Find(request.method, request.path);
  const std::string_view route =
      match.outcome == Router::Outcome::kNotFound ? "unmatched" : match.route;
  return Finish(request, nullptr, route,
                ApiError(ApiErrorCode::kBodyTooLarge, "the request body is too large"), request_id,
                start_ns, WallMs());
}

http::HttpResponse CloudApi::Finish(const http::HttpRequest& request, RouteContext* context,
                                    std::string_view route, const ApiReply& reply,
                                    std::string_view request_id, int64_t start_ns,
                                    int64_t arrival_ms) {
  http::HttpResponse response;
  response.status = reply.status();
  response.headers = reply.headers();
  if (reply.ok()) {
    response.headers.Set("Content-Type", reply.content_type());
    response.body = reply.body();
  } else {
    const ApiError& error = reply.error();
    response.headers.Set("Content-Type", "application/json");
    response.body = error.ToJson(request_id);
    if (!error.allow().empty()) {
      std::string allow;
      for (const std::string& method : error.allow()) {
        if (!allow.empty()) allow += ", ";
        allow += method;
      }
      response.headers.Set("Allow", allow);
    }
    if (error.code() == ApiErrorCode::kInternal) {
      log::Write(log::Level::kError, "cloud_api", "internal error answered (see request log)");
    }
  }
  response.headers.Set("X-Request-Id", std::string(request_id));
  response.headers.Set("Cache-Control", "no-store");

  const double seconds = static_cast<double>(MonotonicNs() - start_ns) / 1e9;
  metrics_.ObserveRequest(route, request.method, response.status, seconds);
  metrics_.AddInFlight(-1);
  if (log::Enabled(log::Level::kInfo)) {
    RequestLogRecord record;
    record.time_ms = arrival_ms;
    record.request_id = std::string(request_id);
    record.method = request.method;
    record.route = std::string(route);
    record.status = response.status;
    record.duration_ms = seconds * 1000;
    record.remote = request.remote_address;
    if (!reply.ok()) record.error_code = reply.error().code_name();
    if (context != nullptr) record.identifiers = std::move(context->log_identifiers);
    log_.Write(record);
  }
  return response;
}

}  // namespace mykey::cloud
