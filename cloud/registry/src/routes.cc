#include "mykey/registry/routes.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>

#include "mykey/api/json_body.h"
#include "mykey/base/base64.h"
#include "mykey/crypto/sha256.h"
#include "mykey/json/json.h"
#include "mykey/registry/mykey_id.h"

namespace mykey::cloud {

namespace {

using protocol::CardAuthPurpose;

bool IsUpperHex(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}
bool IsHex(char c) noexcept {
  return IsUpperHex(c) || (c >= 'a' && c <= 'f');
}
bool IsBase64(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/' || c == '=';
}

const StringRule kChallengeId{32, 32, IsUpperHex, "upper-case hex digits"};
const StringRule kSessionToken{64, 64, IsUpperHex, "upper-case hex digits"};
const StringRule kCertificate{4, 16384, IsBase64, "Base64"};
const StringRule kSignature{4, 1024, IsBase64, "Base64"};
const StringRule kPurpose{1, 32};
const StringRule kMyKeyId{8, 8};
const StringRule kServiceId{1, 64};
const StringRule kSerial{2, 40, IsHex, "hex digits"};

/// "2026-05-01T03:02:00.000Z".
std::string FormatTime(int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  const size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  char millis[8];
  std::snprintf(millis, sizeof millis, ".%03dZ", static_cast<int>(ms % 1000));
  return std::string(text, n) + millis;
}

ApiReply JsonReply(int status, const json::OrderedJson& body) {
  return ApiReply::Json(status, json::Dump(body));
}

ApiError Forbidden(std::string message) {
  return {ApiErrorCode::kForbidden, std::move(message)};
}

ApiResult<Caller> Authenticate(RequestAuthenticator& authenticator, const RouteContext& context) {
  auto caller = authenticator.Authenticate(context.request);
  if (!caller) return ApiErrorFrom(caller.error());
  return std::move(*caller);
}

ApiResult<Caller> AuthenticateTerminal(RequestAuthenticator& authenticator,
                                       const RouteContext& context) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Authenticate(authenticator, context));
  if (caller.kind != CallerKind::kTerminal || caller.terminal_id.empty()) {
    return Forbidden("only an enrolled terminal may do this");
  }
  return caller;
}

ApiResult<Caller> AuthenticateOperator(RequestAuthenticator& authenticator,
                                       const RouteContext& context,
                                       std::initializer_list<OperatorScope> scopes) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Authenticate(authenticator, context));
  if (caller.kind != CallerKind::kOperator) return Forbidden("only an operator may do this");
  for (OperatorScope scope : scopes) {
    if (caller.scope == scope) return caller;
  }
  return Forbidden("this operator token's scope may not do this");
}

/// The terminal's provider, for service links.
ApiResult<std::string> ProviderOf(const Caller& caller) {
  if (caller.provider_id.empty()) return Forbidden("this terminal belongs to no service provider");
  return caller.provider_id;
}

/// A JSON body; an empty body reads as `{}`.
ApiResult<JsonObject> ParseBody(const RouteContext& context) {
  return JsonObject::Parse(context.request.body.empty() ? std::string_view("{}")
                                                        : std::string_view(context.request.body));
}

ApiResult<std::string> SessionFromQuery(const RouteContext& context) {
  auto session = context.request.QueryValue("session");
  if (!session) return ApiError(ApiErrorCode::kInvalidParameter, "missing session", "session");
  if (session->size() != 64 || !std::all_of(session->begin(), session->end(), IsUpperHex)) {
    return ApiError(ApiErrorCode::kInvalidParameter, "session is 64 upper-case hex digits",
                    "session");
  }
  return std::string(*session);
}

/// A non-negative integer query parameter, or `fallback` if absent.
ApiResult<int64_t> IntegerParameter(const RouteContext& context, std::string_view name,
                                    int64_t fallback, int64_t max) {
  auto value = context.request.QueryValue(name);
  if (!value) return fallback;
  if (value->empty() || value->size() > 18 ||
      !std::all_of(value->begin(), value->end(), IsAsciiDigit)) {
    return ApiError(ApiErrorCode::kInvalidParameter,
                    std::string(name) + " is a non-negative integer", std::string(name));
  }
  int64_t parsed = 0;
  std::from_chars(value->data(), value->data() + value->size(), parsed);
  if (parsed > max) {
    return ApiError(ApiErrorCode::kInvalidParameter,
                    std::string(name) + " is at most " + std::to_string(max), std::string(name));
  }
  return parsed;
}

void NoteMyKeyId(RouteContext& context, std::string_view mykey_id) {
  context.log_identifiers.emplace_back("mykey_id", std::string(mykey_id));
}

class Routes {
 public:
  Routes(RegistryService& registry, RequestAuthenticator& authenticator, Metrics* metrics)
      : registry_(registry), authenticator_(authenticator), metrics_(metrics) {}

  /// Registers the routes; each handler keeps `self` alive.
  static Status Register(Router& router, const std::shared_ptr<Routes>& self) {
    auto bind = [&self](ApiReply (Routes::*handler)(RouteContext&)) {
      return [self, handler](RouteContext& context) { return (self.get()->*handler)(context); };
    };
    MYKEY_TRY(router.Add("POST", "/v1/card-auth/challenges", bind(&Routes::IssueChallenge)));
    MYKEY_TRY(router.Add("POST", "/v1/card-auth/sessions", bind(&Routes::OpenSession)));
    MYKEY_TRY(router.Add("POST", "/v1/mykey-ids", bind(&Routes::CreateMyKeyId)));
    MYKEY_TRY(router.Add("POST", "/v1/mykey-ids/change", bind(&Routes::ChangeMyKeyId)));
    MYKEY_TRY(router.Add("POST", "/v1/mykey-ids/move", bind(&Routes::MoveMyKeyId)));
    MYKEY_TRY(router.Add("POST", "/v1/mykey-ids/report-lost", bind(&Routes::ReportLost)));
    MYKEY_TRY(router.Add("PUT", "/v1/service-links", bind(&Routes::LinkService)));
    MYKEY_TRY(router.Add("GET", "/v1/service-links/self", bind(&Routes::LookupService)));
    MYKEY_TRY(router.Add("DELETE", "/v1/service-links/self", bind(&Routes::UnlinkService)));
    MYKEY_TRY(router.Add("POST", "/v1/registry/suspensions", bind(&Routes::Suspend)));
    MYKEY_TRY(router.Add("DELETE", "/v1/registry/suspensions/{mykey_id}", bind(&Routes::Resume)));
    MYKEY_TRY(router.Add("POST", "/v1/registry/renewal-links", bind(&Routes::AddRenewalLink)));
    MYKEY_TRY(router.Add("GET", "/v1/revocations", bind(&Routes::Revocations)));
    MYKEY_TRY(router.Add("GET", "/v1/jpki/auth-cas", bind(&Routes::AuthCas)));
    return Ok();
  }

 private:
  ApiReply IssueChallenge(RouteContext& context) {
    MYKEY_API_ASSIGN_OR_RETURN(Caller caller, AuthenticateTerminal(authenticator_, context));
    MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, ParseBody(context));
    if (auto error = body.Finish()) return *error;
    auto challenge = registry_.IssueChallenge(caller.terminal_id);
    if (!challenge) return RegistryApiError(challenge.error());
    json::OrderedJson out = json::OrderedJson::object();
    out["challenge_id"] = challenge->id;
    out["challenge"] = Base64Encode(challenge->challenge);
    out["expires_at"] = FormatTime(challenge->expires_at_ms);
    return JsonReply(201, out);
  }

  ApiReply OpenSession(RouteContext& context) {
    MYKEY_API_ASSIGN_OR_RETURN(Caller caller, AuthenticateTerminal(authenticator_, context));
    MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, ParseBody(context));
    CardAuthentication authentication;
    authentication.challenge_id = body.String("challenge_id", kChallengeId);
    const std::string certificate = body.String("certificate", kCertificate);
    const std::string signature = body.String("signature", kSignature);
    const std::string purpose = body.String("purpose", kPurpose);
    if (auto error = body.Finish()) return *error;
    auto certificate_der = Base64Decode(certificate);
    if (!certificate_der) return ApiError::InvalidField("certificate", "is not Base64");
    auto signature_bytes = Base64Decode(signature);
    if (!signature_bytes) return ApiError::InvalidField("signature", "is not Base64");
    const auto parsed_purpose = protocol::ParseCardAuthPurpose(purpose);
    if (!parsed_purpose) {
      return ApiError::InvalidField(
          "purpose",
          "is not one of login, link-service, create-mykey-id, move-mykey-id, "
          "report-lost");
    }
    authentication.certificate = std::move(*certificate_der);
    authentication.signature = std::move(*signature_bytes);
    authentication.purpose = *parsed_purpose;
    auto session = registry_.OpenSession(caller.terminal_id, authentication);
    if (!session) {
      if (session.error().code() == ErrorCode::kInvalidArgument) {
        return ApiError::InvalidField("certificate", "is not a DER X.509 certificate");
      }
      CountCardAuth(session.error());
      return RegistryApiError(session.error());
    }
    CountCardAuth(std::nullopt);
    context.log_identifiers.emplace_back("cert_serial", session->serial_hex);
    json::OrderedJson out = json::OrderedJson::object();
    out["session"] = session->token;
    out["expires_at"] = FormatTime(session->expires_at_ms);
    if (session->mykey_id) {
      NoteMyKeyId(context, *session->mykey_id);
      out["mykey_id"] = *session->mykey_id;
    } else {
      out["mykey_id"] = nullptr;
    }
    return JsonReply(201, out);
  }

  /// Reads `{session, mykey_id?}`.
  struct SessionAndId {
    std::string session;
    std::optional<std::string> mykey_id;
  };
  static ApiResult<SessionAndId> ReadSessionAndId(const RouteContext& context, bool with_id) {
    MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, ParseBody(context));
    SessionAndId out;
    out.session = body.String("session", kSessionToken);
    if (with_id) out.mykey_id = body.OptionalString("mykey_id", kMyKeyId);
    if (auto error = body.Finish()) return *error;
    if (out.mykey_id) {
      auto normalised = NormaliseMyKeyId(*out.mykey_id);
      if (!normalised) {
        return ApiError::InvalidField(
            "mykey_id", "has 8 symbols from 23456789ABCDEFGHJKLMNPQRSTVWXYZ (no 0, 1, I, O, U)");
      }
      out.mykey_id = std::move(*normalised);
    }
    return out;
  }

  ApiReply SetMyKeyId(RouteContext& context, bool create) {
    MYKEY_API_ASSIGN_OR_RETURN(Caller caller, AuthenticateTerminal(authenticator_, context));
    MYKEY_API_ASSIGN_OR_RETURN(SessionAndId request, ReadSessionAndId(context, true));
    const SessionRef ref{caller.terminal_id, request.session};
    auto id = create ? registry_.CreateMyKeyId(ref, request.mykey_id)
                     : registry_.ChangeMyKeyId(ref, request.mykey_id);
    if (!id) return RegistryApiError(id.error());
    NoteMyKeyId(context, *id);
    json::OrderedJson out = json::OrderedJson::object();
    out["mykey_id"] = *id;
    return JsonReply(create ? 201 : 200, out);
  }
  ApiReply CreateMyKeyId(RouteContext& context) { return SetMyKeyId(context, true); }
  ApiReply ChangeMyKeyId(RouteContext& context) { return SetMyKeyId(context, false); }

  ApiReply MoveMyKeyId(RouteContext& context) {
    MYKEY_API_ASSIGN_OR_RETURN(Caller caller, AuthenticateTerminal(authenticator_, context));
    MYKEY_API_ASSIGN_OR_RETURN(SessionAndId request, ReadSessionAndId(context, false));
    auto id = registry_.MoveMyKeyId({caller.terminal_id, request.session});
    if (!id) return RegistryApiError(id.error());
    NoteMyKeyId(context, *id);
    json::OrderedJson out = json::OrderedJson::object();
    out["mykey_id"] = *id;
    return JsonReply(200, out);
  }

  ApiReply ReportLost(RouteContext& context) {
    MYKEY_API_ASSIGN_OR_RETURN(Caller caller, AuthenticateTerminal(authenticator_, context));
    MYKEY_API_ASSIGN_OR_RETURN(SessionAndId request, ReadSessionAndId(context, false));
    auto id = registry_.ReportLost({caller.terminal_id, request.session});
    if (!id) return RegistryApiError(id.error());
    NoteMyKeyId(context, *id);
    json::OrderedJson out = json::OrderedJson::object();
    out["status"] = "suspended";
    return JsonReply(200, out);
  }

  ApiReply LinkService(RouteContext& context) {
    MYKEY_API_ASSIGN_OR_RETURN(Caller caller, AuthenticateTerminal(authenticator_, context));
    MYKEY_API_ASSIGN_OR_RETURN(std::string provider, ProviderOf(caller));
    MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, ParseBody(context));
    const std::string session = body.String("session", kSessionToken);
    const std::string service_id = body.String("service_id", kServiceId);
    if (auto error = body.Finish()) return *error;
    auto linked = registry_.LinkService({caller.terminal_id, session}, provider, service_id);
    if (!linked) {
      if (linked.error().code() == ErrorCode::kInvalidArgument) {
        return ApiError::InvalidField("service_id", "has 1..64 bytes without control characters");
      }
      return RegistryApiError(linked.error());
    }
    json::OrderedJson out = json::OrderedJson::object();
    out["provider_id"] = provider;
    out["service_id"] = service_id;
    return JsonReply(200, out);
  }

  ApiReply LookupService(RouteContext& context) {
    MYKEY_API_ASSIGN_OR_RETURN(Caller caller, AuthenticateTerminal(authenticator_, context));
    MYKEY_API_ASSIGN_OR_RETURN(std::string provider, ProviderOf(caller));
    MYKEY_API_ASSIGN_OR_RETURN(std::string session, SessionFromQuery(context));
    auto service_id = registry_.LookupService({caller.terminal_id, session}, provider);
    if (!service_id) return RegistryApiError(service_id.error());
    json::OrderedJson out = json::OrderedJson::object();
    out["provider_id"] = provider;
    out["service_id"] = *service_id;
    return JsonReply(200, out);
  }

  ApiReply UnlinkService(RouteContext& context) {
    MYKEY_API_ASSIGN_OR_RETURN(Caller caller, AuthenticateTerminal(authenticator_, context));
    MYKEY_API_ASSIGN_OR_RETURN(std::string provider, ProviderOf(caller));
    MYKEY_API_ASSIGN_OR_RETURN(std::string session, SessionFromQuery(context));
    auto unlinked = registry_.UnlinkService({caller.terminal_id, session}, provider);
    if (!unlinked) return RegistryApiError(unlinked.error());
    json::OrderedJson out = json::OrderedJson::object();
    out["provider_id"] = provider;
    out["status"] = "unlinked";
    return JsonReply(200, out);
  }

  ApiReply Suspend(RouteContext& context) {
    MYKEY_API_ASSIGN_OR_RETURN(
        Caller caller, AuthenticateOperator(authenticator_, context,
                                            {OperatorScope::kAdmin, OperatorScope::kMunicipality}));
    MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, ParseBody(context));
    const std::string typed = body.String("mykey_id", kMyKeyId);
    if (auto error = body.Finish()) return *error;
    auto id = NormaliseMyKeyId(typed);
    if (!id) return ApiError::InvalidField("mykey_id", "is not a MyKey ID");
    NoteMyKeyId(context, *id);
    auto suspended = registry_.Suspend(*id, StopReporter::kOperator);
    if (!suspended) return RegistryApiError(suspended.error());
    json::OrderedJson out = json::OrderedJson::object();
    out["status"] = "suspended";
    return JsonReply(200, out);
  }

  ApiReply Resume(RouteContext& context) {
    MYKEY_API_ASSIGN_OR_RETURN(
        Caller caller, AuthenticateOperator(authenticator_, context,
                                            {OperatorScope::kAdmin, OperatorScope::kMunicipality}));
    auto id = NormaliseMyKeyId(context.Param("mykey_id"));
    if (!id) {
      return ApiError(ApiErrorCode::kInvalidParameter, "not a MyKey ID", "mykey_id");
    }
    NoteMyKeyId(context, *id);
    auto resumed = registry_.Resume(*id);
    if (!resumed) return RegistryApiError(resumed.error());
    json::OrderedJson out = json::OrderedJson::object();
    out["status"] = "active";
    return JsonReply(200, out);
  }

  ApiReply AddRenewalLink(RouteContext& context) {
    MYKEY_API_ASSIGN_OR_RETURN(
        Caller caller, AuthenticateOperator(authenticator_, context, {OperatorScope::kAdmin}));
    MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, ParseBody(context));
    const std::string old_serial = body.String("old_serial", kSerial);
    const std::string new_serial = body.String("new_serial", kSerial);
    if (auto error = body.Finish()) return *error;
    auto old_bytes = FromHex(old_serial);
    if (!old_bytes)
      return ApiError::InvalidField("old_serial", "is not an even number of hex digits");
    auto new_bytes = FromHex(new_serial);
    if (!new_bytes)
      return ApiError::InvalidField("new_serial", "is not an even number of hex digits");
    context.log_identifiers.emplace_back("old_serial", ToHex(*old_bytes));
    context.log_identifiers.emplace_back("new_serial", ToHex(*new_bytes));
    const RenewalLink link{std::move(*old_bytes), std::move(*new_bytes)};
    auto added = registry_.ImportRenewalLinks(std::span(&link, 1));
    if (!added) {
      if (added.error().code() == ErrorCode::kInvalidArgument) {
        return ApiError::InvalidField("new_serial", added.error().message());
      }
      return RegistryApiError(added.error());
    }
    json::OrderedJson out = json::OrderedJson::object();
    out["added"] = *added;
    return JsonReply(*added > 0 ? 201 : 200, out);
  }

  /// The JPKI auth CAs the registry trusts, for terminals' offline checks.
  ApiReply AuthCas(RouteContext& context) {
    MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Authenticate(authenticator_, context));
    (void)caller;
    json::OrderedJson certificates = json::OrderedJson::array();
    for (const Bytes& der : registry_.AuthCaCertificates()) {
      json::OrderedJson item = json::OrderedJson::object();
      item["der"] = Base64Encode(der);
      item["sha256"] = ToHex(crypto::Sha256(der));
      certificates.push_back(std::move(item));
    }
    json::OrderedJson out = json::OrderedJson::object();
    out["certificates"] = std::move(certificates);
    return JsonReply(200, out);
  }

  ApiReply Revocations(RouteContext& context) {
    MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Authenticate(authenticator_, context));
    MYKEY_API_ASSIGN_OR_RETURN(const int64_t since,
                               IntegerParameter(context, "since", 0, INT64_MAX / 2));
    MYKEY_API_ASSIGN_OR_RETURN(const int64_t limit,
                               IntegerParameter(context, "limit", 1000, 10000));
    if (limit == 0) {
      return ApiError(ApiErrorCode::kInvalidParameter, "limit is at least 1", "limit");
    }
    auto page = registry_.Revocations(since, static_cast<size_t>(limit));
    if (!page) return RegistryApiError(page.error());
    json::OrderedJson entries = json::OrderedJson::array();
    for (const FeedEntry& entry : page->entries) {
      json::OrderedJson item = json::OrderedJson::object();
      item["seq"] = entry.sequence;
      if (entry.kind == FeedEntry::Kind::kRevocation) {
        item["kind"] = "revocation";
        item["action"] = "added";
        item["serial"] = ToHex(entry.serial);
      } else {
        item["kind"] = "suspension";
        item["action"] = entry.added ? "added" : "removed";
        item["mykey_id_hash"] = ToHex(entry.mykey_id_hash);
      }
      entries.push_back(std::move(item));
    }
    json::OrderedJson out = json::OrderedJson::object();
    out["entries"] = std::move(entries);
    out["next"] = page->next;
    out["more"] = page->more;
    return JsonReply(200, out);
  }

  void CountCardAuth(const std::optional<Error>& error) {
    if (metrics_ == nullptr) return;
    std::string result = "ok";
    if (error) {
      const auto refusal = RefusalOf(*error);
      result = refusal ? RefusalName(*refusal) : "error";
    }
    metrics_->Increment("mykey_registry_card_auth_total",
                        "Card authentications (session requests) by result.",
                        {{"result", std::move(result)}});
  }

  RegistryService& registry_;
  RequestAuthenticator& authenticator_;
  Metrics* metrics_;
};

}  // namespace

ApiError RegistryApiError(const Error& error) {
  ApiError api_error = ApiErrorFrom(error);
  if (auto refusal = RefusalOf(error)) api_error.set_reason(RefusalName(*refusal));
  return api_error;
}

Status RegisterRegistryRoutes(Router& router, RegistryService& registry,
                              RequestAuthenticator& authenticator, Metrics* metrics) {
  // The handlers share one Routes object for the router's lifetime.
  return Routes::Register(router, std::make_shared<Routes>(registry, authenticator, metrics));
}

}  // namespace mykey::cloud
