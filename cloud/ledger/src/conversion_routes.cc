#include "mykey/ledger/conversion_routes.h"

#include <memory>

#include "conversion_codec.h"
#include "mykey/api/json_body.h"
#include "mykey/auth/auth_routes.h"
#include "mykey/json/json.h"
#include "mykey/registry/mykey_id.h"
#include "mykey/registry/routes.h"
#include "route_support.h"

namespace mykey::cloud {

namespace {

constexpr std::string_view kOperationsMetric = "mykey_ledger_operations_total";
constexpr std::string_view kOperationsHelp = "Ledger operations by operation and outcome.";

bool IsKeyChar(char c) noexcept {
  return c > ' ' && c < 0x7f;
}
bool IsMyKeyIdChar(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool IsDigit(char c) noexcept {
  return c >= '0' && c <= '9';
}
const StringRule kKeyRule{1, 255, IsKeyChar, "printable ASCII"};
const StringRule kMyKeyIdRule{8, 8, IsMyKeyIdChar, "letters and digits"};
const StringRule kSessionRule{1, 128, IsKeyChar, "printable ASCII"};
const StringRule kCodeRule{1, 64};
const StringRule kDayRule{10, 10, nullptr, nullptr};
const StringRule kMunicipalityRule{6, 6, IsDigit, "digits"};
const StringRule kPartnerIdRule{1, 64, IsKeyChar, "printable ASCII"};

struct Context {
  ConversionService& conversions;
  RequestAuthenticator& authenticator;
  CardSessionCheck card_sessions;
  Metrics* metrics;

  void Count(std::string_view operation, std::string_view outcome) const {
    if (metrics == nullptr) return;
    metrics->Increment(kOperationsMetric, kOperationsHelp,
                       {{"operation", std::string(operation)}, {"outcome", std::string(outcome)}});
  }
};

/// The API error of a service error: the PointsReason or LedgerReason name
/// as `reason`.
ApiError FromService(const Error& error) {
  const PointsReason points = PointsReasonOf(error);
  if (points != PointsReason::kNone) {
    ApiError api = ApiErrorFrom(error);
    api.set_reason(PointsReasonName(points));
    return api;
  }
  const LedgerReason reason = LedgerReasonOf(error);
  switch (reason) {
    case LedgerReason::kNone: return ApiErrorFrom(error);
    case LedgerReason::kIdempotencyKeyReuse:
      return {ApiErrorCode::kIdempotencyKeyReuse, error.message()};
    case LedgerReason::kInvalidRequest: return {ApiErrorCode::kInvalidField, error.message()};
    default: {
      ApiError api = ApiErrorFrom(error);
      api.set_reason(LedgerReasonName(reason));
      return api;
    }
  }
}

std::string OutcomeOf(const Error& error) {
  if (const PointsReason p = PointsReasonOf(error); p != PointsReason::kNone) {
    return PointsReasonName(p);
  }
  if (const LedgerReason r = LedgerReasonOf(error); r != LedgerReason::kNone) {
    return LedgerReasonName(r);
  }
  return ApiErrorFrom(error).code_name();
}

ApiResult<Caller> Authenticate(Context& c, const RouteContext& route) {
  return AuthenticateRoute(c.authenticator, route);
}

/// The holder of the card session a terminal presents.
ApiResult<std::string> SessionHolder(Context& c, const Caller& caller, std::string_view token) {
  if (caller.kind != CallerKind::kTerminal) {
    return ApiError(ApiErrorCode::kForbidden, "only a terminal presents a card session");
  }
  if (!c.card_sessions) {
    return ApiError(ApiErrorCode::kForbidden, "card sessions are not checked on this server");
  }
  auto holder = c.card_sessions(caller.terminal_id, token);
  if (!holder) return RegistryApiError(holder.error());
  return std::move(*holder);
}

ApiReply ConversionReply(Context& c, const char* operation, const Result<Conversion>& result,
                         int status) {
  if (!result) {
    c.Count(operation, OutcomeOf(result.error()));
    return FromService(result.error());
  }
  c.Count(operation, result->replayed ? "replayed" : "ok");
  return route_support::ReplayableReply(status, conversion_codec::Encode(*result),
                                        result->replayed);
}

ApiReply PostPartner(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Authenticate(c, route));
  MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(route.request.body));
  Partner partner;
  partner.id = body.String("id", kPartnerIdRule);
  partner.name = body.String("name", {1, 200});
  partner.rate_numerator = body.OptionalInteger("rate_numerator", 1, 1'000'000).value_or(1);
  partner.rate_denominator = body.OptionalInteger("rate_denominator", 1, 1'000'000).value_or(1);
  if (auto error = body.Finish()) return *error;
  auto added = c.conversions.AddPartner(caller, partner);
  if (!added) return FromService(added.error());
  json::OrderedJson out = json::OrderedJson::object();
  out["id"] = partner.id;
  out["name"] = partner.name;
  out["rate_numerator"] = partner.rate_numerator;
  out["rate_denominator"] = partner.rate_denominator;
  return ApiReply::Json(201, json::Dump(out));
}

ApiReply PostConversion(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Authenticate(c, route));
  MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(route.request.body));
  ConversionRequest request;
  const auto body_key = body.OptionalString("idempotency_key", kKeyRule);
  request.mykey_id = body.String("mykey_id", kMyKeyIdRule);
  request.partner_points = body.Integer("partner_points", 1, kMaxPoints);
  if (auto error = body.Finish()) return *error;
  MYKEY_API_ASSIGN_OR_RETURN(request.idempotency_key,
                             route_support::IdempotencyKeyOf(route, body_key));
  if (!IsValidMyKeyId(request.mykey_id)) {
    return ApiError::InvalidField("mykey_id", "must be a MyKey ID (8 symbols, no look-alikes)");
  }
  route.log_identifiers.emplace_back("mykey_id", request.mykey_id);
  return ConversionReply(c, "conversion", c.conversions.Convert(caller, request), 201);
}

ApiReply GetConversion(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Authenticate(c, route));
  MYKEY_API_ASSIGN_OR_RETURN(int64_t id, PositiveIdParameter(route.Param("id"), "id"));
  auto conversion = c.conversions.GetConversion(caller, id);
  if (!conversion) return FromService(conversion.error());
  return ApiReply::Json(200, conversion_codec::Encode(*conversion));
}

ApiReply PostCoupons(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Authenticate(c, route));
  MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(route.request.body));
  CouponIssueRequest request;
  request.partner_id = body.OptionalString("partner_id", kPartnerIdRule).value_or("");
  request.amount = body.Integer("amount", 1, kMaxPoints);
  const std::string expires_on = body.String("expires_on", kDayRule);
  request.count = static_cast<int>(body.OptionalInteger("count", 1, 1000).value_or(1));
  if (auto error = body.Finish()) return *error;
  auto expires = JapanDayEndMs(expires_on);
  if (!expires) return ApiError::InvalidField("expires_on", "must be a day YYYY-MM-DD");
  request.expires_at_ms = *expires;
  auto coupons = c.conversions.IssueCoupons(caller, request);
  if (!coupons) {
    c.Count("coupon_issue", OutcomeOf(coupons.error()));
    if (LedgerReasonOf(coupons.error()) == LedgerReason::kInvalidRequest) {
      return ApiError::InvalidField("expires_on", "must be in the future");
    }
    return FromService(coupons.error());
  }
  c.Count("coupon_issue", "ok");
  json::OrderedJson out = json::OrderedJson::object();
  out["amount"] = request.amount;
  out["expires_at_ms"] = request.expires_at_ms;
  out["coupons"] = json::OrderedJson::array();
  for (const IssuedCoupon& coupon : *coupons) {
    json::OrderedJson one = json::OrderedJson::object();
    one["coupon_id"] = coupon.coupon_id;
    one["code"] = coupon.code;
    out["coupons"].push_back(std::move(one));
  }
  ApiReply reply = ApiReply::Json(201, json::Dump(out));
  reply.headers().Set("Cache-Control", "no-store");
  return reply;
}

ApiReply PostCouponConversion(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Authenticate(c, route));
  MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(route.request.body));
  CouponRedemptionRequest request;
  const auto body_key = body.OptionalString("idempotency_key", kKeyRule);
  const std::string session = body.String("session", kSessionRule);
  request.code = body.String("code", kCodeRule);
  if (auto error = body.Finish()) return *error;
  MYKEY_API_ASSIGN_OR_RETURN(request.idempotency_key,
                             route_support::IdempotencyKeyOf(route, body_key));
  MYKEY_API_ASSIGN_OR_RETURN(request.mykey_id, SessionHolder(c, caller, session));
  route.log_identifiers.emplace_back("mykey_id", request.mykey_id);
  auto result = c.conversions.RedeemCoupon(caller, request);
  if (!result && PointsReasonOf(result.error()) == PointsReason::kCouponMalformed) {
    c.Count("coupon_conversion", "coupon_malformed");
    ApiError error = ApiError::InvalidField("code", result.error().message());
    error.set_reason("coupon_malformed");
    return error;
  }
  return ConversionReply(c, "coupon_conversion", result, 201);
}

ApiReply PutDefaultMunicipality(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Authenticate(c, route));
  const std::string mykey_id(route.Param("mykey_id"));
  if (!IsValidMyKeyId(mykey_id)) {
    return ApiError(ApiErrorCode::kInvalidParameter, "a MyKey ID has 8 letters or digits",
                    "mykey_id");
  }
  MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(route.request.body));
  const std::string municipality = body.String("municipality_code", kMunicipalityRule);
  const auto session = body.OptionalString("session", kSessionRule);
  if (auto error = body.Finish()) return *error;
  route.log_identifiers.emplace_back("mykey_id", mykey_id);
  if (caller.kind == CallerKind::kTerminal) {
    if (!session) return ApiError::InvalidField("session", "is required at a terminal");
    MYKEY_API_ASSIGN_OR_RETURN(std::string holder, SessionHolder(c, caller, *session));
    if (holder != mykey_id) {
      return ApiError(ApiErrorCode::kForbidden, "the card session is another holder's")
          .set_reason("session_other_holder");
    }
  }
  auto set = c.conversions.SetDefaultMunicipality(caller, mykey_id, municipality);
  if (!set) return FromService(set.error());
  json::OrderedJson out = json::OrderedJson::object();
  out["mykey_id"] = mykey_id;
  out["municipality_code"] = municipality;
  return ApiReply::Json(200, json::Dump(out));
}

ApiReply PutLandingProgramme(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Authenticate(c, route));
  const std::string municipality(route.Param("code"));
  MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(route.request.body));
  const int64_t programme_id = body.Integer("programme_id", 1, INT64_MAX);
  if (auto error = body.Finish()) return *error;
  auto set = c.conversions.SetLandingProgramme(caller, municipality, programme_id);
  if (!set) return FromService(set.error());
  json::OrderedJson out = json::OrderedJson::object();
  out["municipality_code"] = municipality;
  out["programme_id"] = programme_id;
  return ApiReply::Json(200, json::Dump(out));
}

ApiReply PutPremium(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Authenticate(c, route));
  MYKEY_API_ASSIGN_OR_RETURN(int64_t id, PositiveIdParameter(route.Param("id"), "id"));
  MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(route.request.body));
  const auto percent = static_cast<int>(body.Integer("bonus_percent", 0, 100));
  if (auto error = body.Finish()) return *error;
  auto set = c.conversions.SetPremium(caller, id, percent);
  if (!set) return FromService(set.error());
  json::OrderedJson out = json::OrderedJson::object();
  out["programme_id"] = id;
  out["bonus_percent"] = percent;
  return ApiReply::Json(200, json::Dump(out));
}

ApiReply PostDonation(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Authenticate(c, route));
  MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(route.request.body));
  DonationRequest request;
  const auto body_key = body.OptionalString("idempotency_key", kKeyRule);
  const std::string session = body.String("session", kSessionRule);
  request.programme_id = body.Integer("programme_id", 1, INT64_MAX);
  request.project_id = body.Integer("project_id", 1, INT64_MAX);
  request.amount = body.Integer("amount", 1, kMaxPoints);
  request.display_name = body.OptionalString("display_name", {1, 64});
  if (auto error = body.Finish()) return *error;
  MYKEY_API_ASSIGN_OR_RETURN(request.idempotency_key,
                             route_support::IdempotencyKeyOf(route, body_key));
  MYKEY_API_ASSIGN_OR_RETURN(request.mykey_id, SessionHolder(c, caller, session));
  route.log_identifiers.emplace_back("mykey_id", request.mykey_id);
  auto result = c.conversions.Donate(caller, request);
  if (!result) {
    c.Count("donation", OutcomeOf(result.error()));
    return FromService(result.error());
  }
  c.Count("donation", result->replayed ? "replayed" : "ok");
  return route_support::ReplayableReply(201, conversion_codec::Encode(*result), result->replayed);
}

ApiReply GetDonors(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Authenticate(c, route));
  MYKEY_API_ASSIGN_OR_RETURN(int64_t id, PositiveIdParameter(route.Param("id"), "id"));
  auto list = c.conversions.Donors(caller, id);
  if (!list) return FromService(list.error());
  json::OrderedJson out = json::OrderedJson::object();
  out["project_id"] = list->project_id;
  out["total"] = list->total;
  out["donors"] = json::OrderedJson::array();
  for (const Donor& donor : list->donors) {
    json::OrderedJson one = json::OrderedJson::object();
    one["donor"] = donor.donor;
    if (donor.display_name) {
      one["display_name"] = *donor.display_name;
    } else {
      one["display_name"] = nullptr;
    }
    one["amount"] = donor.amount;
    one["donations"] = donor.donations;
    out["donors"].push_back(std::move(one));
  }
  return ApiReply::Json(200, json::Dump(out));
}

ApiReply PostConversionSweep(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Authenticate(c, route));
  if (caller.kind != CallerKind::kOperator || caller.scope != OperatorScope::kAdmin) {
    return ApiError(ApiErrorCode::kForbidden, "only the scheme operator may do this");
  }
  auto report = c.conversions.SweepDueConversions();
  if (!report) return FromService(report.error());
  c.Count("conversion_sweep", "ok");
  json::OrderedJson out = json::OrderedJson::object();
  out["items"] = report->items;
  out["points"] = report->points;
  return ApiReply::Json(200, json::Dump(out));
}

}  // namespace

Status RegisterConversionRoutes(Router& router, ConversionService& conversions,
                                RequestAuthenticator& authenticator, CardSessionCheck card_sessions,
                                Metrics* metrics) {
  auto c = std::make_shared<Context>(
      Context{conversions, authenticator, std::move(card_sessions), metrics});
  auto bind = [c](ApiReply (*handler)(Context&, RouteContext&)) {
    return [c, handler](RouteContext& r) { return handler(*c, r); };
  };
  MYKEY_TRY(router.Add("POST", "/v1/partners", bind(PostPartner)));
  MYKEY_TRY(router.Add("POST", "/v1/conversions", bind(PostConversion)));
  MYKEY_TRY(router.Add("GET", "/v1/conversions/{id}", bind(GetConversion)));
  MYKEY_TRY(router.Add("POST", "/v1/coupons", bind(PostCoupons)));
  MYKEY_TRY(router.Add("POST", "/v1/coupon-conversions", bind(PostCouponConversion)));
  MYKEY_TRY(router.Add("PUT", "/v1/holders/{mykey_id}/default-municipality",
                       bind(PutDefaultMunicipality)));
  MYKEY_TRY(
      router.Add("PUT", "/v1/municipalities/{code}/landing-programme", bind(PutLandingProgramme)));
  MYKEY_TRY(router.Add("PUT", "/v1/programmes/{id}/premium", bind(PutPremium)));
  MYKEY_TRY(router.Add("POST", "/v1/donations", bind(PostDonation)));
  MYKEY_TRY(router.Add("GET", "/v1/projects/{id}/donors", bind(GetDonors)));
  MYKEY_TRY(router.Add("POST", "/v1/ledger/sweeps/conversions", bind(PostConversionSweep)));
  return Ok();
}

}  // namespace mykey::cloud
