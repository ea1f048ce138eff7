#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mykey/api/api_error.h"
#include "mykey/base/result.h"
#include "mykey/http_server/http_message.h"

namespace mykey::cloud {

/// What a route handler answers: a success body or an ApiError.
///
/// Thread safety: a value type; not synchronised.
class ApiReply {
 public:
  /// A JSON success body (`json` is serialised JSON text).
  static ApiReply Json(int status, std::string json);
  /// Any other success body (Prometheus text, CSV).
  static ApiReply Body(int status, std::string content_type, std::string body);
  ApiReply(ApiError error) : error_(std::move(error)) {}

  bool ok() const { return !error_.has_value(); }
  const ApiError& error() const { return *error_; }
  int status() const { return error_ ? error_->status() : status_; }
  const std::string& content_type() const { return content_type_; }
  const std::string& body() const { return body_; }
  /// Extra response headers (Location, Cache-Control, ...).
  http::HeaderMap& headers() { return headers_; }
  const http::HeaderMap& headers() const { return headers_; }

 private:
  ApiReply() = default;
  std::optional<ApiError> error_;
  int status_ = 200;
  std::string content_type_;
  std::string body_;
  http::HeaderMap headers_;
};

/// What a route handler gets: the request, its id, the path parameters.
/// Identifiers noted here go to the request log, masked.
///
/// Thread safety: not thread-safe; one request's context.
struct RouteContext {
  const http::HttpRequest& request;
  std::string_view request_id;
  std::vector<std::pair<std::string, std::string>> params;
  /// (name, value) pairs for the request log; values are always masked with
  /// MaskIdentifier() there (MyKey IDs, certificate serials).
  std::vector<std::pair<std::string, std::string>> log_identifiers;

  /// The value of path parameter `{name}`, or "" if the route has none.
  std::string_view Param(std::string_view name) const;
};

/// A path parameter that must be a positive decimal id (`/v1/merchants/{id}`).
/// @returns the id; invalid_parameter naming `name` otherwise.
ApiResult<int64_t> PositiveIdParameter(std::string_view text, const char* name);

using RouteHandler = std::function<ApiReply(RouteContext&)>;

/// Method and path dispatch for `/v1/...` style routes with `{name}` path
/// parameters. A literal segment wins over a parameter where both match.
/// HEAD is answered by the GET route.
///
/// Thread safety: Add() before serving; Find() may then run concurrently.
class Router {
 public:
  /// Registers a route.
  /// @param method  "GET", "POST", ...
  /// @param pattern "/v1/municipalities/{code}": starts with '/', segments are
  ///                literals or `{name}`
  /// @returns kInvalidArgument for a malformed pattern; kAlreadyExists if
  ///          the same method and pattern are registered already.
  Status Add(std::string_view method, std::string_view pattern, RouteHandler handler);

  enum class Outcome { kFound, kNotFound, kMethodNotAllowed };
  struct Match {
    Outcome outcome = Outcome::kNotFound;
    const RouteHandler* handler = nullptr;
    /// The matched pattern (the route label in metrics and logs).
    std::string_view route;
    std::vector<std::pair<std::string, std::string>> params;
    /// For kMethodNotAllowed: the methods the path has.
    std::vector<std::string> allow;
  };
  /// Finds the route for a request.
  Match Find(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;  // "{name}" marks a parameter
    int literals = 0;
    RouteHandler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace mykey::cloud
