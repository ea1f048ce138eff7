#include "mykey/auth/auth_routes.h"

#include <chrono>

#include "mykey/api/json_body.h"
#include "mykey/base/base64.h"
#include "mykey/json/json.h"
#include "mykey/protocol/request_signature.h"

namespace mykey::cloud {

namespace {

bool IsPartyIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/' || c == '=';
}

constexpr StringRule kPartyIdRule{1, 64, IsPartyIdChar, "A-Z a-z 0-9 . _ -"};
constexpr StringRule kMunicipalityRule{6, 6, IsAsciiDigit, "digits"};

json::OrderedJson SiteJson(const Site& site) {
  json::OrderedJson out = json::OrderedJson::object();
  out["kind"] = SiteKindName(site.kind);
  out["id"] = site.id;
  out["provider_id"] = site.provider_id;
  out["municipality_code"] = site.municipality_code;
  return out;
}

json::OrderedJson TerminalJson(std::string_view terminal_id, const Site& site, int64_t now_ms) {
  json::OrderedJson out = json::OrderedJson::object();
  out["terminal_id"] = std::string(terminal_id);
  out["site"] = SiteJson(site);
  json::OrderedJson config = json::OrderedJson::object();
  config["signature_scheme"] = std::string(protocol::kRequestSignatureScheme);
  config["timestamp_window_s"] = protocol::kRequestSignatureWindowSeconds;
  config["server_time"] = now_ms / 1000;
  out["config"] = std::move(config);
  return out;
}

ApiReply Enroll(CloudAuth& auth, RouteContext& context) {
  MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(context.request.body));
  const std::string code = body.String("enrollment_code", {1, 64});
  const std::string public_key = body.String("public_key", {1, 512, IsBase64Char, "Base64"});
  const std::string name = body.String("name", {1, 100});
  if (auto error = body.Finish()) return *error;
  const auto der = Base64Decode(public_key);
  if (!der) return ApiError::InvalidField("public_key", "is not Base64");
  auto enrolled = auth.enrollment().Enroll(code, *der, name);
  if (!enrolled) {
    if (enrolled.error().code() == ErrorCode::kInvalidArgument) {
      return ApiError::InvalidField("public_key", "is not an ECDSA P-256 public key (SPKI DER)");
    }
    return ApiErrorFrom(enrolled.error());
  }
  return ApiReply::Json(
      201, json::Dump(TerminalJson(enrolled->terminal_id, enrolled->site, auth.clock()())));
}

ApiReply Self(CloudAuth& auth, RouteContext& context) {
  MYKEY_API_ASSIGN_OR_RETURN(const Caller caller, AuthenticateRoute(auth.authenticator(), context));
  if (caller.kind != CallerKind::kTerminal) {
    return ApiError(ApiErrorCode::kForbidden, "only a terminal has a self");
  }
  const Site site{caller.site_kind, caller.site_id, caller.provider_id, caller.municipality_code};
  return ApiReply::Json(200, json::Dump(TerminalJson(caller.terminal_id, site, auth.clock()())));
}

ApiReply IssueEnrollmentCode(CloudAuth& auth, RouteContext& context) {
  MYKEY_API_ASSIGN_OR_RETURN(const Caller caller, AuthenticateRoute(auth.authenticator(), context));
  MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(context.request.body));
  const std::string kind_text = body.String("site_kind", {1, 16});
  Site site;
  site.id = body.String("site_id", kPartyIdRule);
  site.provider_id = body.String("provider_id", kPartyIdRule);
  site.municipality_code = body.String("municipality_code", kMunicipalityRule);
  const int64_t ttl_hours = body.OptionalInteger("ttl_hours", 1, 24 * 30).value_or(72);
  if (auto error = body.Finish()) return *error;
  const auto kind = ParseSiteKind(kind_text);
  if (!kind)
    return ApiError::InvalidField("site_kind", "must be merchant, library, kiosk or facility");
  site.kind = *kind;

  bool allowed = false;
  if (caller.kind == CallerKind::kOperator) {
    switch (caller.scope) {
      case OperatorScope::kAdmin: allowed = true; break;
      case OperatorScope::kProvider: allowed = caller.scope_id == site.provider_id; break;
      case OperatorScope::kMunicipality: allowed = caller.scope_id == site.municipality_code; break;
      case OperatorScope::kPartner: allowed = false; break;
    }
  }
  if (!allowed) {
    return ApiError(ApiErrorCode::kForbidden,
                    "not allowed to issue enrollment codes for this site");
  }
  auto issued = auth.enrollment().IssueCode(site, std::chrono::hours(ttl_hours));
  if (!issued) {
    if (issued.error().code() == ErrorCode::kInvalidArgument) {
      return ApiError::InvalidField("municipality_code", "is not a valid local government code");
    }
    return ApiErrorFrom(issued.error());
  }
  json::OrderedJson out = json::OrderedJson::object();
  out["enrollment_code"] = issued->code;
  out["code_id"] = issued->code_id;
  out["site"] = SiteJson(issued->site);
  out["expires_at_ms"] = issued->expires_at_ms;
  return ApiReply::Json(201, json::Dump(out));
}

}  // namespace

Result<std::unique_ptr<CloudAuth>> CloudAuth::Create(Store& store, Metrics* metrics,
                                                     std::unique_ptr<crypto::RandomSource> random,
                                                     UnixMillisClock clock) {
  if (!random) {
    MYKEY_ASSIGN_OR_RETURN(auto system, crypto::SystemRandom::Create());
    random = std::move(system);
  }
  return std::unique_ptr<CloudAuth>(
      new CloudAuth(store, metrics, std::move(random), std::move(clock)));
}

CloudAuth::CloudAuth(Store& store, Metrics* metrics, std::unique_ptr<crypto::RandomSource> random,
                     UnixMillisClock clock)
    : random_(std::move(random)),
      clock_(std::move(clock)),
      enrollment_(store, *random_, clock_),
      terminals_(store),
      tokens_(store, *random_, clock_),
      authenticator_(store, tokens_, metrics, clock_) {}

ApiResult<Caller> AuthenticateRoute(RequestAuthenticator& authenticator,
                                    const RouteContext& context, NonceRecording recording) {
  auto caller = authenticator.Authenticate(context.request, recording);
  if (!caller) return ApiErrorFrom(caller.error());
  return std::move(*caller);
}

Status RegisterAuthRoutes(Router& router, CloudAuth& auth) {
  MYKEY_TRY(router.Add("POST", "/v1/terminals/enroll",
                       [&auth](RouteContext& context) { return Enroll(auth, context); }));
  MYKEY_TRY(router.Add("GET", "/v1/terminals/self",
                       [&auth](RouteContext& context) { return Self(auth, context); }));
  MYKEY_TRY(router.Add("POST", "/v1/enrollment-codes", [&auth](RouteContext& context) {
    return IssueEnrollmentCode(auth, context);
  }));
  return Ok();
}

}  // namespace mykey::cloud
