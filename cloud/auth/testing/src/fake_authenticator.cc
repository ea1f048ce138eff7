#include "mykey/auth_testing/fake_authenticator.h"

#include <vector>

namespace mykey::cloud::auth_testing {

namespace {

constexpr Error kNoCaller(ErrorCode::kUnauthenticated, "X-Test-Caller missing or malformed");

std::vector<std::string_view> Split(std::string_view text) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t colon = text.find(':', start);
    parts.push_back(text.substr(start, colon - start));
    if (colon == std::string_view::npos) return parts;
    start = colon + 1;
  }
}

}  // namespace

Result<Caller> ParseTestCaller(std::string_view value) {
  if (value == "denied") return Fail(ErrorCode::kPermissionDenied, "test caller denied");
  const std::vector<std::string_view> parts = Split(value);
  for (std::string_view part : parts) {
    if (part.empty()) return Fail(kNoCaller);
  }
  Caller caller;
  if (parts[0] == "terminal" && parts.size() == 6) {
    const auto kind = ParseSiteKind(parts[2]);
    if (!kind) return Fail(kNoCaller);
    caller.kind = CallerKind::kTerminal;
    caller.terminal_id = std::string(parts[1]);
    caller.site_kind = *kind;
    caller.site_id = std::string(parts[3]);
    caller.provider_id = std::string(parts[4]);
    caller.municipality_code = std::string(parts[5]);
    return caller;
  }
  if (parts[0] == "operator" && parts.size() >= 2) {
    const auto scope = ParseOperatorScope(parts[1]);
    if (!scope) return Fail(kNoCaller);
    if ((*scope == OperatorScope::kAdmin) != (parts.size() == 2) || parts.size() > 3) {
      return Fail(kNoCaller);
    }
    caller.kind = CallerKind::kOperator;
    caller.scope = *scope;
    if (parts.size() == 3) caller.scope_id = std::string(parts[2]);
    caller.token_id = "test";
    return caller;
  }
  return Fail(kNoCaller);
}

std::string TestCallerHeader(const Caller& caller) {
  if (caller.kind == CallerKind::kTerminal) {
    return "terminal:" + caller.terminal_id + ":" + SiteKindName(caller.site_kind) + ":" +
           caller.site_id + ":" + caller.provider_id + ":" + caller.municipality_code;
  }
  std::string text = std::string("operator:") + OperatorScopeName(caller.scope);
  if (caller.scope != OperatorScope::kAdmin) text += ":" + caller.scope_id;
  return text;
}

Result<Caller> FakeAuthenticator::DoAuthenticate(const http::HttpRequest& request) {
  const auto value = request.headers.Get(kTestCallerHeader);
  if (!value) return Fail(kNoCaller);
  return ParseTestCaller(*value);
}

}  // namespace mykey::cloud::auth_testing
