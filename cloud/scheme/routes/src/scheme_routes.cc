#include "mykey/scheme_routes/scheme_routes.h"
#include "mykey/scheme_routes/party_json.h"

#include <charconv>

#include "mykey/api/json_body.h"
#include "mykey/auth/auth_routes.h"
#include "mykey/json/json.h"
#include "mykey/scheme/municipalities.h"
#include "mykey/scheme/parties.h"

namespace mykey::cloud {

namespace {

bool IsCodeChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}
constexpr StringRule kCodeRule{1, 64, IsCodeChar, "a-z 0-9 _ -"};
constexpr StringRule kNameRule{1, 200, nullptr, nullptr};
constexpr StringRule kMunicipalityRule{6, 6, IsAsciiDigit, "digits"};

struct Context {
  Store& store;
  RequestAuthenticator& authenticator;
  PartyDirectory parties{store};
  MunicipalityDirectory municipalities{store};
};

bool IsAdmin(const Caller& caller) {
  return caller.kind == CallerKind::kOperator && caller.scope == OperatorScope::kAdmin;
}

/// Admin, or the operator of municipality `code`.
bool ActsFor(const Caller& caller, std::string_view code) {
  return IsAdmin(caller) ||
         (caller.kind == CallerKind::kOperator && caller.scope == OperatorScope::kMunicipality &&
          caller.scope_id == code);
}

/// A store result as an API result.
template <typename T>
ApiResult<T> Checked(Result<T> result) {
  if (!result) return ApiErrorFrom(result.error());
  return std::move(*result);
}

ApiError NotVisible(std::string_view what) {
  return ApiError::NotFound("no such " + std::string(what));
}

ApiResult<std::string> MunicipalityParameter(const RouteContext& route) {
  const std::string_view code = route.Param("code");
  if (!IsValidMunicipalityCode(code)) {
    return ApiError(ApiErrorCode::kInvalidParameter,
                    "code must be a 6-digit local government code");
  }
  return std::string(code);
}

json::OrderedJson MunicipalityJson(const Municipality& m) {
  json::OrderedJson out = json::OrderedJson::object();
  out["code"] = m.code;
  out["name"] = m.name;
  out["cross_municipality_use"] = m.cross_municipality_use;
  out["created_at_ms"] = m.created_at_ms;
  return out;
}

json::OrderedJson ProgrammeJson(const Programme& p) {
  json::OrderedJson out = json::OrderedJson::object();
  out["id"] = p.id;
  out["municipality_code"] = p.municipality_code;
  out["code"] = p.code;
  out["name"] = p.name;
  out["kind"] = p.kind;
  out["created_at_ms"] = p.created_at_ms;
  return out;
}

json::OrderedJson MerchantJson(const Merchant& m) {
  json::OrderedJson out = json::OrderedJson::object();
  out["id"] = m.id;
  out["municipality_code"] = m.municipality_code;
  out["name"] = m.name;
  out["kind"] = m.kind;
  out["status"] = m.status;
  out["programme_ids"] = m.programme_ids;
  out["created_at_ms"] = m.created_at_ms;
  return out;
}

json::OrderedJson ProviderJson(const Provider& p) {
  json::OrderedJson out = json::OrderedJson::object();
  out["id"] = p.id;
  out["code"] = p.code;
  out["name"] = p.name;
  out["created_at_ms"] = p.created_at_ms;
  return out;
}

template <typename T, typename ToJson>
ApiReply ListReply(const char* member, const std::vector<T>& items, ToJson to_json) {
  json::OrderedJson list = json::OrderedJson::array();
  for (const T& item : items) list.push_back(to_json(item));
  json::OrderedJson out = json::OrderedJson::object();
  out[member] = std::move(list);
  return ApiReply::Json(200, json::Dump(out));
}

ApiReply ListMunicipalities(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(const Caller caller, AuthenticateRoute(c.authenticator, route));
  if (caller.kind != CallerKind::kOperator || caller.scope != OperatorScope::kMunicipality) {
    if (!IsAdmin(caller)) return ApiError(ApiErrorCode::kForbidden, "operators only");
  }
  MYKEY_API_ASSIGN_OR_RETURN(auto all, Checked(c.municipalities.List()));
  std::vector<Municipality> visible;
  for (auto& m : all) {
    if (ActsFor(caller, m.code)) visible.push_back(std::move(m));
  }
  return ListReply("municipalities", visible, MunicipalityJson);
}

ApiReply AddMunicipality(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(const Caller caller, AuthenticateRoute(c.authenticator, route));
  if (!IsAdmin(caller)) return ApiError(ApiErrorCode::kForbidden, "only the scheme operator");
  MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(route.request.body));
  Municipality m;
  m.code = body.String("code", kMunicipalityRule);
  m.name = body.String("name", kNameRule);
  m.cross_municipality_use = body.OptionalBoolean("cross_municipality_use").value_or(false);
  if (auto error = body.Finish()) return *error;
  if (!IsValidMunicipalityCode(m.code)) {
    return ApiError::InvalidField("code", "fails the local government code check digit");
  }
  if (auto added = c.municipalities.Add(m); !added) return ApiErrorFrom(added.error());
  MYKEY_API_ASSIGN_OR_RETURN(auto stored, Checked(c.municipalities.Get(m.code)));
  return ApiReply::Json(201, json::Dump(MunicipalityJson(stored)));
}

ApiReply PutPolicy(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(const Caller caller, AuthenticateRoute(c.authenticator, route));
  MYKEY_API_ASSIGN_OR_RETURN(const std::string code, MunicipalityParameter(route));
  if (!ActsFor(caller, code)) return NotVisible("municipality");
  MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(route.request.body));
  const bool allowed = body.Boolean("cross_municipality_use");
  if (auto error = body.Finish()) return *error;
  if (auto set = c.parties.SetCrossMunicipalityUse(code, allowed); !set) {
    return ApiErrorFrom(set.error());
  }
  MYKEY_API_ASSIGN_OR_RETURN(auto stored, Checked(c.municipalities.Get(code)));
  return ApiReply::Json(200, json::Dump(MunicipalityJson(stored)));
}

ApiReply ListProgrammes(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(const Caller caller, AuthenticateRoute(c.authenticator, route));
  MYKEY_API_ASSIGN_OR_RETURN(const std::string code, MunicipalityParameter(route));
  if (!ActsFor(caller, code)) return NotVisible("municipality");
  MYKEY_API_ASSIGN_OR_RETURN(auto list, Checked(c.parties.ListProgrammes(code)));
  return ListReply("programmes", list, ProgrammeJson);
}

ApiReply AddProgramme(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(const Caller caller, AuthenticateRoute(c.authenticator, route));
  MYKEY_API_ASSIGN_OR_RETURN(const std::string code, MunicipalityParameter(route));
  if (!ActsFor(caller, code)) return NotVisible("municipality");
  MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(route.request.body));
  Programme p;
  p.municipality_code = code;
  p.code = body.String("code", kCodeRule);
  p.name = body.String("name", kNameRule);
  p.kind = body.OptionalString("kind", {1, 16}).value_or("points");
  if (auto error = body.Finish()) return *error;
  if (p.kind != "points" && p.kind != "event" && p.kind != "project") {
    return ApiError::InvalidField("kind", "must be points, event or project");
  }
  auto added = c.parties.AddProgramme(p);
  if (!added) return ApiErrorFrom(added.error());
  return ApiReply::Json(201, json::Dump(ProgrammeJson(*added)));
}

ApiReply ListMerchants(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(const Caller caller, AuthenticateRoute(c.authenticator, route));
  MYKEY_API_ASSIGN_OR_RETURN(const std::string code, MunicipalityParameter(route));
  if (!ActsFor(caller, code)) return NotVisible("municipality");
  MYKEY_API_ASSIGN_OR_RETURN(auto list, Checked(c.parties.ListMerchants(code)));
  return ListReply("merchants", list, MerchantJson);
}

ApiReply AddMerchant(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(const Caller caller, AuthenticateRoute(c.authenticator, route));
  MYKEY_API_ASSIGN_OR_RETURN(const std::string code, MunicipalityParameter(route));
  if (!ActsFor(caller, code)) return NotVisible("municipality");
  MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(route.request.body));
  Merchant m;
  m.municipality_code = code;
  m.name = body.String("name", kNameRule);
  m.kind = body.String("kind", {1, 16});
  if (auto error = body.Finish()) return *error;
  if (m.kind != "shop" && m.kind != "library" && m.kind != "kiosk" && m.kind != "facility") {
    return ApiError::InvalidField("kind", "must be shop, library, kiosk or facility");
  }
  auto added = c.parties.AddMerchant(m);
  if (!added) return ApiErrorFrom(added.error());
  return ApiReply::Json(201, json::Dump(MerchantJson(*added)));
}

/// The merchant of `{id}` if the caller may see it: admin, the merchant's
/// municipality, or a terminal enrolled for it.
ApiResult<Merchant> VisibleMerchant(Context& c, const Caller& caller, const RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(const int64_t id, PositiveIdParameter(route.Param("id"), "id"));
  auto merchant = c.parties.GetMerchant(id);
  if (!merchant) {
    if (merchant.error().code() == ErrorCode::kNotFound) return NotVisible("merchant");
    return ApiErrorFrom(merchant.error());
  }
  const bool own_terminal =
      caller.kind == CallerKind::kTerminal && caller.site_id == std::to_string(merchant->id);
  if (!own_terminal && !ActsFor(caller, merchant->municipality_code)) {
    return NotVisible("merchant");
  }
  return std::move(*merchant);
}

ApiReply GetMerchant(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(const Caller caller, AuthenticateRoute(c.authenticator, route));
  MYKEY_API_ASSIGN_OR_RETURN(const Merchant merchant, VisibleMerchant(c, caller, route));
  return ApiReply::Json(200, json::Dump(MerchantJson(merchant)));
}

/// Accepting a programme is the programme municipality's decision (its
/// points are spent there), whoever the merchant belongs to.
ApiReply SetAccepts(Context& c, RouteContext& route, bool accepts) {
  MYKEY_API_ASSIGN_OR_RETURN(const Caller caller, AuthenticateRoute(c.authenticator, route));
  MYKEY_API_ASSIGN_OR_RETURN(const int64_t merchant_id,
                             PositiveIdParameter(route.Param("id"), "id"));
  MYKEY_API_ASSIGN_OR_RETURN(const int64_t programme_id,
                             PositiveIdParameter(route.Param("programme_id"), "programme_id"));
  auto programme = c.parties.GetProgramme(programme_id);
  if (!programme || !ActsFor(caller, programme->municipality_code)) {
    if (!programme && programme.error().code() != ErrorCode::kNotFound) {
      return ApiErrorFrom(programme.error());
    }
    return NotVisible("programme");
  }
  if (auto set = c.parties.SetAccepts(merchant_id, programme_id, accepts); !set) {
    if (set.error().code() == ErrorCode::kNotFound) return NotVisible("merchant");
    return ApiErrorFrom(set.error());
  }
  json::OrderedJson out = json::OrderedJson::object();
  out["merchant_id"] = merchant_id;
  out["programme_id"] = programme_id;
  out["accepted"] = accepts;
  return ApiReply::Json(200, json::Dump(out));
}

ApiReply SetSuspended(Context& c, RouteContext& route, bool suspended) {
  MYKEY_API_ASSIGN_OR_RETURN(const Caller caller, AuthenticateRoute(c.authenticator, route));
  MYKEY_API_ASSIGN_OR_RETURN(const Merchant merchant, VisibleMerchant(c, caller, route));
  if (caller.kind != CallerKind::kOperator) {
    return ApiError(ApiErrorCode::kForbidden, "operators only");
  }
  if (auto set = c.parties.SetMerchantSuspended(merchant.id, suspended); !set) {
    return ApiErrorFrom(set.error());
  }
  MYKEY_API_ASSIGN_OR_RETURN(auto stored, Checked(c.parties.GetMerchant(merchant.id)));
  return ApiReply::Json(200, json::Dump(MerchantJson(stored)));
}

ApiReply ListProviders(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(const Caller caller, AuthenticateRoute(c.authenticator, route));
  if (!IsAdmin(caller)) return ApiError(ApiErrorCode::kForbidden, "only the scheme operator");
  MYKEY_API_ASSIGN_OR_RETURN(auto list, Checked(c.parties.ListProviders()));
  return ListReply("providers", list, ProviderJson);
}

ApiReply AddProvider(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(const Caller caller, AuthenticateRoute(c.authenticator, route));
  if (!IsAdmin(caller)) return ApiError(ApiErrorCode::kForbidden, "only the scheme operator");
  MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(route.request.body));
  Provider p;
  p.code = body.String("code", kCodeRule);
  p.name = body.String("name", kNameRule);
  if (auto error = body.Finish()) return *error;
  auto added = c.parties.AddProvider(p);
  if (!added) return ApiErrorFrom(added.error());
  return ApiReply::Json(201, json::Dump(ProviderJson(*added)));
}

ApiReply ProviderSelf(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(const Caller caller, AuthenticateRoute(c.authenticator, route));
  if (caller.kind != CallerKind::kOperator || caller.scope != OperatorScope::kProvider) {
    return ApiError(ApiErrorCode::kForbidden, "only a provider has a self");
  }
  int64_t id = 0;
  auto [ptr, ec] =
      std::from_chars(caller.scope_id.data(), caller.scope_id.data() + caller.scope_id.size(), id);
  if (ec != std::errc() || ptr != caller.scope_id.data() + caller.scope_id.size()) {
    return NotVisible("provider");
  }
  auto provider = c.parties.GetProvider(id);
  if (!provider) return ApiErrorFrom(provider.error());
  return ApiReply::Json(200, json::Dump(ProviderJson(*provider)));
}

template <typename T, typename ToObject>
std::string ArrayText(const std::vector<T>& items, ToObject to_object) {
  json::OrderedJson list = json::OrderedJson::array();
  for (const T& item : items) list.push_back(to_object(item));
  return json::Dump(list);
}

}  // namespace

std::string ToJson(const Municipality& municipality) {
  return json::Dump(MunicipalityJson(municipality));
}
std::string ToJson(const Programme& programme) {
  return json::Dump(ProgrammeJson(programme));
}
std::string ToJson(const Merchant& merchant) {
  return json::Dump(MerchantJson(merchant));
}
std::string ToJson(const Provider& provider) {
  return json::Dump(ProviderJson(provider));
}
std::string ToJson(const std::vector<Programme>& programmes) {
  return ArrayText(programmes, ProgrammeJson);
}
std::string ToJson(const std::vector<Merchant>& merchants) {
  return ArrayText(merchants, MerchantJson);
}
std::string ToJson(const std::vector<Provider>& providers) {
  return ArrayText(providers, ProviderJson);
}

Status RegisterSchemeRoutes(Router& router, Store& store, RequestAuthenticator& authenticator) {
  auto c = std::make_shared<Context>(Context{store, authenticator});
  auto bind = [c](ApiReply (*fn)(Context&, RouteContext&)) {
    return [c, fn](RouteContext& route) { return fn(*c, route); };
  };
  MYKEY_TRY(router.Add("GET", "/v1/municipalities", bind(ListMunicipalities)));
  MYKEY_TRY(router.Add("POST", "/v1/municipalities", bind(AddMunicipality)));
  MYKEY_TRY(router.Add("PUT", "/v1/municipalities/{code}/policy", bind(PutPolicy)));
  MYKEY_TRY(router.Add("GET", "/v1/municipalities/{code}/programmes", bind(ListProgrammes)));
  MYKEY_TRY(router.Add("POST", "/v1/municipalities/{code}/programmes", bind(AddProgramme)));
  MYKEY_TRY(router.Add("GET", "/v1/municipalities/{code}/merchants", bind(ListMerchants)));
  MYKEY_TRY(router.Add("POST", "/v1/municipalities/{code}/merchants", bind(AddMerchant)));
  MYKEY_TRY(router.Add("GET", "/v1/merchants/{id}", bind(GetMerchant)));
  MYKEY_TRY(router.Add("PUT", "/v1/merchants/{id}/programmes/{programme_id}",
                       [c](RouteContext& route) { return SetAccepts(*c, route, true); }));
  MYKEY_TRY(router.Add("DELETE", "/v1/merchants/{id}/programmes/{programme_id}",
                       [c](RouteContext& route) { return SetAccepts(*c, route, false); }));
  MYKEY_TRY(router.Add("PUT", "/v1/merchants/{id}/suspension",
                       [c](RouteContext& route) { return SetSuspended(*c, route, true); }));
  MYKEY_TRY(router.Add("DELETE", "/v1/merchants/{id}/suspension",
                       [c](RouteContext& route) { return SetSuspended(*c, route, false); }));
  MYKEY_TRY(router.Add("GET", "/v1/providers", bind(ListProviders)));
  MYKEY_TRY(router.Add("POST", "/v1/providers", bind(AddProvider)));
  MYKEY_TRY(router.Add("GET", "/v1/providers/self", bind(ProviderSelf)));
  return Ok();
}

}  // namespace mykey::cloud
