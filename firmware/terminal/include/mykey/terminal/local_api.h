#pragma once

// The local integration API: HTTP JSON on loopback, through core/http_server
// (the same adapter as the cloud). A POS or library system starts an
// operation, follows its events (long-poll), cancels it, and reads its final
// result. Routes (README "Local API"):
//
//   POST /v1/operations               start one (202; 409 busy)
//   GET  /v1/operations/{id}          state, events, result; ?after=N&wait=S
//                                     long-polls up to S seconds (<= 30) for
//                                     events after sequence N or the final state
//   POST /v1/operations/{id}/cancel   cancel (202; 404; 409 final already)
//   GET  /healthz                     health (no token): 200 ok / 503
//
// Every route but /healthz needs "Authorization: Bearer <token>".

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "mykey/http_server/http_server.h"
#include "mykey/terminal/config.h"
#include "mykey/terminal/operation_desk.h"

namespace mykey::terminal {

/// What /healthz reports besides the desk.
///
/// Thread safety: a value type.
struct HealthReport {
  bool healthy = true;
  std::string detail;  ///< e.g. "revocation sync failed: cloud unreachable"
  /// Offline mode on: the journal's entries not yet forwarded, and their points.
  std::optional<int64_t> offline_outstanding = std::nullopt;
  int64_t offline_outstanding_points = 0;
  /// Whether the offline forwarder's last pass reached the cloud (once known).
  std::optional<bool> offline_cloud_reachable = std::nullopt;
};

/// The local API's request handler.
///
/// Thread safety: Handle() is called from the server's threads concurrently.
class LocalApi final : public http::HttpHandler {
 public:
  /// @param desk   borrowed; must outlive the handler
  /// @param config the site's configuration (mode; which operations are allowed)
  /// @param token  the bearer token the POS must present (>= 16 characters)
  /// @param health extra health (daily jobs, printer); may be empty
  LocalApi(OperationDesk& desk, TerminalConfig config, std::string token,
           std::function<HealthReport()> health);

  /// Longest long-poll wait a caller may ask for.
  static constexpr int kMaxWaitSeconds = 30;

 private:
  http::HttpResponse DoHandle(const http::HttpRequest& request) override;

  http::HttpResponse StartOperation(const http::HttpRequest& request);
  http::HttpResponse ShowOperation(const http::HttpRequest& request, const std::string& id);
  http::HttpResponse CancelOperation(const std::string& id);
  http::HttpResponse Health();
  bool Authorised(const http::HttpRequest& request) const;

  OperationDesk& desk_;
  TerminalConfig config_;
  std::string token_;
  std::function<HealthReport()> health_;
};

/// The request body of POST /v1/operations as an OperationRequest.
/// Fields: kind (required), amount, programme_id, redemption_id, service_id,
/// mykey_id, coupon, reference, card_timeout_ms (1000..300000). Unknown fields
/// and wrong types are refused.
/// @param body  the JSON text
/// @param field set to the offending field on failure
/// @returns the request; kInvalidArgument.
Result<OperationRequest> ParseOperationRequest(std::string_view body, std::string& field);

/// The JSON of a snapshot (what GET /v1/operations/{id} answers).
std::string OperationJson(const OperationSnapshot& snapshot);

}  // namespace mykey::terminal
