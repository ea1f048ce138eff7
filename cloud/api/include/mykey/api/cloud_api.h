#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "mykey/api/metrics.h"
#include "mykey/api/request_log.h"
#include "mykey/api/router.h"
#include "mykey/http_server/http_server.h"
#include "mykey/store/store.h"

namespace mykey::cloud {

/// The cloud's HTTP front: request ids, routing, the one error model,
/// metrics and the request log around every route; `/healthz` and
/// `/metrics` built in. Other modules add their `/v1/...` routes to router()
/// before serving.
///
/// Every response carries `X-Request-Id`; errors are
/// `{"error":{"code","message","request_id"}}` with the code's status. A
/// request with a body must be `application/json` (415 otherwise).
///
/// Thread safety: router() and metrics() registration before serving; the
/// handler is then called concurrently by the server's threads.
class CloudApi final : public http::HttpHandler {
 public:
  /// @param store borrowed; checked by /healthz, its counters on /metrics
  /// @param log   borrowed; receives one line per request
  CloudApi(Store& store, const RequestLog& log);

  Router& router() { return router_; }
  Metrics& metrics() { return metrics_; }

 private:
  http::HttpResponse DoHandle(const http::HttpRequest& request) override;
  http::HttpResponse DoReject(const http::HttpRequest& request, http::RejectReason reason) override;

  ApiReply Healthz();
  std::string NewRequestId();
  http::HttpResponse Finish(const http::HttpRequest& request, RouteContext* context,
                            std::string_view route, const ApiReply& reply,
                            std::string_view request_id, int64_t start_ns, int64_t arrival_ms);

  Store& store_;
  const RequestLog& log_;
  Router router_;
  Metrics metrics_;
  uint64_t request_id_prefix_ = 0;
  std::atomic<uint64_t> request_counter_{0};
};

}  // namespace mykey::cloud
