#include "mykey/api/router.h"

#include <charconv>

#include <algorithm>

namespace mykey::cloud {

namespace {

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> segments;
  // "/a/b" -> {"a", "b"}; "/" -> {""}
  path.remove_prefix(1);
  for (;;) {
    const size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

bool IsParameter(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

ApiReply ApiReply::Json(int status, std::string json) {
  return Body(status, "application/json", std::move(json));
}

ApiReply ApiReply::Body(int status, std::string content_type, std::string body) {
  ApiReply reply;
  reply.status_ = status;
  reply.content_type_ = std::move(content_type);
  reply.body_ = std::move(body);
  return reply;
}

std::string_view RouteContext::Param(std::string_view name) const {
  for (const auto& [key, value] : params) {
    if (key == name) return value;
  }
  return {};
}

Status Router::Add(std::string_view method, std::string_view pattern, RouteHandler handler) {
  if (method.empty() || pattern.empty() || pattern.front() != '/' || !handler) {
    return Fail(ErrorCode::kInvalidArgument, "route needs a method, a /pattern and a handler");
  }
  Route route;
  route.method = std::string(method);
  route.pattern = std::string(pattern);
  for (std::string_view segment : Split(pattern)) {
    const bool has_brace = segment.find_first_of("{}") != std::string_view::npos;
    if (has_brace && !IsParameter(segment)) {
      return Fail(ErrorCode::kInvalidArgument, "a path parameter must be a whole {segment}");
    }
    if (!IsParameter(segment)) ++route.literals;
    route.segments.emplace_back(segment);
  }
  for (const Route& existing : routes_) {
    if (existing.method == route.method && existing.segments == route.segments) {
      return Fail(ErrorCode::kAlreadyExists, "route registered twice");
    }
  }
  route.handler = std::move(handler);
  routes_.push_back(std::move(route));
  return Ok();
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match match;
  if (path.empty() || path.front() != '/') return match;
  const std::vector<std::string_view> segments = Split(path);
  const Route* best = nullptr;
  const Route* best_any_method = nullptr;
  std::vector<std::string> allow;
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    bool fits = true;
    for (size_t i = 0; i < segments.size() && fits; ++i) {
      fits =
          IsParameter(route.segments[i]) ? !segments[i].empty() : route.segments[i] == segments[i];
    }
    if (!fits) continue;
    if (best_any_method == nullptr || route.literals > best_any_method->literals) {
      best_any_method = &route;
    }
    const bool method_fits = route.method == method || (method == "HEAD" && route.method == "GET");
    if (method_fits && (best == nullptr || route.literals > best->literals)) best = &route;
  }
  if (best == nullptr) {
    if (best_any_method == nullptr) return match;
    // The methods of every route with the same shape as the best one.
    for (const Route& route : routes_) {
      if (route.segments == best_any_method->segments) {
        allow.push_back(route.method);
        if (route.method == "GET") allow.emplace_back("HEAD");
      }
    }
    std::sort(allow.begin(), allow.end());
    allow.erase(std::unique(allow.begin(), allow.end()), allow.end());
    match.outcome = Outcome::kMethodNotAllowed;
    match.route = best_any_method->pattern;
    match.allow = std::move(allow);
    return match;
  }
  match.outcome = Outcome::kFound;
  match.handler = &best->handler;
  match.route = best->pattern;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (IsParameter(best->segments[i])) {
      const std::string& name = best->segments[i];
      match.params.emplace_back(name.substr(1, name.size() - 2), std::string(segments[i]));
    }
  }
  return match;
}

ApiResult<int64_t> PositiveIdParameter(std::string_view text, const char* name) {
  int64_t id = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || id <= 0) {
    return ApiError(ApiErrorCode::kInvalidParameter, std::string(name) + " must be a positive id",
                    name);
  }
  return id;
}

}  // namespace mykey::cloud
