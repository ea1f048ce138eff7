#include "mykey/ledger/ledger_routes.h"

#include <memory>

#include "codec.h"
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
const StringRule kKeyRule{1, 255, IsKeyChar, "printable ASCII"};
const StringRule kMyKeyIdRule{8, 8, IsMyKeyIdChar, "letters and digits"};
const StringRule kDayRule{10, 10, nullptr, nullptr};

struct Context {
  LedgerService& ledger;
  RequestAuthenticator& authenticator;
  Metrics* metrics;
  CardSessionCheck card_sessions;

  void Count(std::string_view operation, std::string_view outcome) const {
    if (metrics == nullptr) return;
    metrics->Increment(kOperationsMetric, kOperationsHelp,
                       {{"operation", std::string(operation)}, {"outcome", std::string(outcome)}});
  }
};

/// The API error of a ledger error; refusals carry their LedgerReason name
/// as the error's `reason` ("insufficient_balance").
ApiError FromLedger(const Error& error) {
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

/// The outcome label of a ledger error: its reason, else the API code.
std::string OutcomeOf(const Error& error) {
  const LedgerReason reason = LedgerReasonOf(error);
  if (reason != LedgerReason::kNone) return LedgerReasonName(reason);
  return FromLedger(error).code_name();
}

ApiResult<Caller> Authenticate(Context& c, RouteContext& route) {
  return AuthenticateRoute(c.authenticator, route);
}

/// For the terminals' value-moving routes: the request's nonce is recorded in
/// the ledger's transaction (LedgerService uses WithRequestTransaction()).
ApiResult<Caller> AuthenticateMovingValue(Context& c, RouteContext& route) {
  return AuthenticateRoute(c.authenticator, route, NonceRecording::kInRouteTransaction);
}

/// Parses an optional body: an empty body reads as `{}`.
ApiResult<JsonObject> OptionalBody(const RouteContext& route) {
  return JsonObject::Parse(route.request.body.empty() ? std::string_view("{}")
                                                      : std::string_view(route.request.body));
}

ApiReply PostGrant(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Authenticate(c, route));
  MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(route.request.body));
  GrantRequest request;
  const auto body_key = body.OptionalString("idempotency_key", kKeyRule);
  request.mykey_id = body.String("mykey_id", kMyKeyIdRule);
  request.programme_id = body.Integer("programme_id", 1, INT64_MAX);
  request.amount = body.Integer("amount", 1, kMaxPoints);
  const std::string expires_on = body.String("expires_on", kDayRule);
  request.department = body.String("department", {1, 100});
  request.reason = body.String("reason", {1, 200});
  if (auto error = body.Finish()) return *error;
  MYKEY_API_ASSIGN_OR_RETURN(request.idempotency_key,
                             route_support::IdempotencyKeyOf(route, body_key));
  if (!IsValidMyKeyId(request.mykey_id)) {
    return ApiError::InvalidField("mykey_id", "must be a MyKey ID (8 symbols, no look-alikes)");
  }
  auto expires = JapanDayEndMs(expires_on);
  if (!expires) return ApiError::InvalidField("expires_on", "must be a day YYYY-MM-DD");
  request.expires_at_ms = *expires;
  route.log_identifiers.emplace_back("mykey_id", request.mykey_id);
  auto result = c.ledger.Grant(caller, request);
  if (!result) {
    c.Count("grant", OutcomeOf(result.error()));
    if (LedgerReasonOf(result.error()) == LedgerReason::kInvalidRequest) {
      return ApiError::InvalidField("expires_on", "must be in the future");
    }
    return FromLedger(result.error());
  }
  c.Count("grant", result->replayed ? "replayed" : "ok");
  return route_support::ReplayableReply(201, ledger_codec::Encode(*result), result->replayed);
}

ApiReply PostRedemption(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, AuthenticateMovingValue(c, route));
  MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(route.request.body));
  RedemptionRequest request;
  const auto body_key = body.OptionalString("idempotency_key", kKeyRule);
  request.mykey_id = body.String("mykey_id", kMyKeyIdRule);
  request.programme_id = body.Integer("programme_id", 1, INT64_MAX);
  request.amount = body.Integer("amount", 1, kMaxPoints);
  request.hold = body.OptionalBoolean("hold").value_or(false);
  if (auto error = body.Finish()) return *error;
  MYKEY_API_ASSIGN_OR_RETURN(request.idempotency_key,
                             route_support::IdempotencyKeyOf(route, body_key));
  route.log_identifiers.emplace_back("mykey_id", request.mykey_id);
  auto result = c.ledger.Redeem(caller, request);
  const char* operation = request.hold ? "hold" : "redemption";
  if (!result) {
    c.Count(operation, OutcomeOf(result.error()));
    return FromLedger(result.error());
  }
  c.Count(operation, result->replayed ? "replayed" : "ok");
  return route_support::ReplayableReply(201, ledger_codec::Encode(*result), result->replayed);
}

enum class HoldAction { kCapture, kVoid };

ApiReply PostHoldAction(Context& c, RouteContext& route, HoldAction action) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, AuthenticateMovingValue(c, route));
  MYKEY_API_ASSIGN_OR_RETURN(int64_t id, PositiveIdParameter(route.Param("id"), "id"));
  MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, OptionalBody(route));
  const auto body_key = body.OptionalString("idempotency_key", kKeyRule);
  if (auto error = body.Finish()) return *error;
  MYKEY_API_ASSIGN_OR_RETURN(std::string key, route_support::IdempotencyKeyOf(route, body_key));
  const char* operation = action == HoldAction::kCapture ? "capture" : "void";
  auto result = action == HoldAction::kCapture ? c.ledger.Capture(caller, key, id)
                                               : c.ledger.Void(caller, key, id);
  if (!result) {
    c.Count(operation, OutcomeOf(result.error()));
    return FromLedger(result.error());
  }
  c.Count(operation, result->replayed ? "replayed" : "ok");
  return route_support::ReplayableReply(200, ledger_codec::Encode(*result), result->replayed);
}

ApiReply PostRefund(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, AuthenticateMovingValue(c, route));
  MYKEY_API_ASSIGN_OR_RETURN(int64_t id, PositiveIdParameter(route.Param("id"), "id"));
  MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(route.request.body));
  RefundRequest request;
  request.redemption_id = id;
  const auto body_key = body.OptionalString("idempotency_key", kKeyRule);
  request.amount = body.Integer("amount", 1, kMaxPoints);
  if (auto error = body.Finish()) return *error;
  MYKEY_API_ASSIGN_OR_RETURN(request.idempotency_key,
                             route_support::IdempotencyKeyOf(route, body_key));
  auto result = c.ledger.Refund(caller, request);
  if (!result) {
    c.Count("refund", OutcomeOf(result.error()));
    return FromLedger(result.error());
  }
  c.Count("refund", result->replayed ? "replayed" : "ok");
  return route_support::ReplayableReply(201, ledger_codec::Encode(*result), result->replayed);
}

ApiReply GetBalances(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Authenticate(c, route));
  const std::string mykey_id(route.Param("mykey_id"));
  if (!IsValidMyKeyId(mykey_id)) {
    return ApiError(ApiErrorCode::kInvalidParameter, "a MyKey ID has 8 letters or digits");
  }
  route.log_identifiers.emplace_back("mykey_id", mykey_id);
  if (caller.kind == CallerKind::kTerminal) {
    // A terminal sees a holder's points only while that holder's card
    // session, opened at this terminal, is live.
    if (!c.card_sessions) {
      return ApiError(ApiErrorCode::kForbidden, "card sessions are not checked on this server");
    }
    const auto session = route.request.QueryValue("session");
    if (!session || session->empty() || session->size() > 128) {
      return ApiError(ApiErrorCode::kInvalidParameter,
                      "a terminal needs the holder's ?session=", "session");
    }
    auto holder = c.card_sessions(caller.terminal_id, *session);
    if (!holder) return RegistryApiError(holder.error());
    if (*holder != mykey_id) {
      return ApiError(ApiErrorCode::kForbidden, "the card session is another holder's")
          .set_reason("session_other_holder");
    }
  }
  auto balances = c.ledger.Balances(caller, mykey_id);
  if (!balances) return FromLedger(balances.error());
  json::OrderedJson out = json::OrderedJson::object();
  out["mykey_id"] = mykey_id;
  out["programmes"] = json::OrderedJson::array();
  for (const ProgrammeBalance& b : *balances) {
    json::OrderedJson programme = json::OrderedJson::object();
    programme["programme_id"] = b.programme_id;
    programme["programme_code"] = b.programme_code;
    programme["municipality_code"] = b.municipality_code;
    programme["balance"] = b.balance;
    programme["held"] = b.held;
    programme["lots"] = json::OrderedJson::array();
    for (const LotBalance& lot : b.lots) {
      json::OrderedJson l = json::OrderedJson::object();
      l["lot_id"] = lot.lot_id;
      l["source"] = lot.source;
      l["remaining"] = lot.remaining;
      l["expires_at_ms"] = lot.expires_at_ms;
      programme["lots"].push_back(std::move(l));
    }
    out["programmes"].push_back(std::move(programme));
  }
  return ApiReply::Json(200, json::Dump(out));
}

ApiReply GetOperation(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Authenticate(c, route));
  const std::string key(route.Param("key"));
  if (!IsValidIdempotencyKey(key)) {
    return ApiError(ApiErrorCode::kInvalidParameter, "not an idempotency key");
  }
  auto record = c.ledger.FindOperation(caller, key);
  if (!record) {
    if (record.error().code() == ErrorCode::kNotFound) {
      return ApiError::NotFound("no operation with this key: it was not applied (or is too old)");
    }
    return FromLedger(record.error());
  }
  json::OrderedJson out = json::OrderedJson::object();
  out["idempotency_key"] = record->idempotency_key;
  out["state"] = "completed";
  out["status"] = record->status_code;
  out["created_at_ms"] = record->created_at_ms;
  out["expires_at_ms"] = record->expires_at_ms;
  // The stored body goes in as it is: the very bytes of the original answer.
  std::string text = json::Dump(out);
  text.pop_back();
  text += ",\"result\":" + record->result_json + "}";
  return ApiReply::Json(200, std::move(text));
}

ApiReply GetSettlement(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Authenticate(c, route));
  const auto merchant = route.request.QueryValue("merchant_id");
  const auto from = route.request.QueryValue("from");
  const auto to = route.request.QueryValue("to");
  if (!merchant || !from || !to) {
    return ApiError(ApiErrorCode::kInvalidParameter, "merchant_id, from and to are required");
  }
  MYKEY_API_ASSIGN_OR_RETURN(int64_t merchant_id, PositiveIdParameter(*merchant, "merchant_id"));
  auto csv = c.ledger.SettlementCsv(caller, merchant_id, *from, *to);
  if (!csv) {
    if (csv.error().code() == ErrorCode::kInvalidArgument) {
      return ApiError(ApiErrorCode::kInvalidParameter, csv.error().message());
    }
    return FromLedger(csv.error());
  }
  return ApiReply::Body(200, "text/csv; charset=utf-8", std::move(*csv));
}

ApiReply GetUnusedBalances(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Authenticate(c, route));
  const auto municipality = route.request.QueryValue("municipality");
  const auto on = route.request.QueryValue("on");
  if (!municipality || !on) {
    return ApiError(ApiErrorCode::kInvalidParameter, "municipality and on are required");
  }
  auto csv = c.ledger.UnusedBalanceCsv(caller, *municipality, *on);
  if (!csv) {
    if (csv.error().code() == ErrorCode::kInvalidArgument) {
      return ApiError(ApiErrorCode::kInvalidParameter, csv.error().message());
    }
    return FromLedger(csv.error());
  }
  return ApiReply::Body(200, "text/csv; charset=utf-8", std::move(*csv));
}

ApiResult<Caller> Admin(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Authenticate(c, route));
  if (caller.kind != CallerKind::kOperator || caller.scope != OperatorScope::kAdmin) {
    return ApiError(ApiErrorCode::kForbidden, "only the scheme operator may do this");
  }
  return caller;
}

ApiReply PostSweep(Context& c, RouteContext& route, bool lots) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Admin(c, route));
  (void)caller;
  auto report = lots ? c.ledger.SweepExpiredLots() : c.ledger.SweepExpiredHolds();
  if (!report) return FromLedger(report.error());
  c.Count(lots ? "expiry_sweep" : "hold_sweep", "ok");
  json::OrderedJson out = json::OrderedJson::object();
  out["items"] = report->items;
  out["points"] = report->points;
  return ApiReply::Json(200, json::Dump(out));
}

ApiReply GetReconciliation(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Admin(c, route));
  (void)caller;
  auto report = c.ledger.Reconcile();
  if (!report) return FromLedger(report.error());
  json::OrderedJson out = json::OrderedJson::object();
  out["ok"] = report->ok();
  out["transfers"] = report->transfers;
  out["postings"] = report->postings;
  out["postings_sum"] = report->postings_sum;
  out["issued"] = report->issued;
  out["holder_balances"] = report->holder_balances;
  out["held"] = report->held;
  out["spent"] = report->spent;
  out["expired"] = report->expired;
  out["other"] = report->other;
  out["conversion_pending"] = report->conversion_pending;
  out["donated"] = report->donated;
  out["problems"] = report->problems;
  return ApiReply::Json(200, json::Dump(out));
}

}  // namespace

Status RegisterLedgerRoutes(Router& router, LedgerService& ledger,
                            RequestAuthenticator& authenticator, Metrics* metrics,
                            CardSessionCheck card_sessions) {
  // Shared by the handlers (which the router keeps as long as it lives).
  auto c =
      std::make_shared<Context>(Context{ledger, authenticator, metrics, std::move(card_sessions)});
  MYKEY_TRY(router.Add("POST", "/v1/grants", [c](RouteContext& r) { return PostGrant(*c, r); }));
  MYKEY_TRY(router.Add("POST", "/v1/redemptions",
                       [c](RouteContext& r) { return PostRedemption(*c, r); }));
  MYKEY_TRY(router.Add("POST", "/v1/redemptions/{id}/capture", [c](RouteContext& r) {
    return PostHoldAction(*c, r, HoldAction::kCapture);
  }));
  MYKEY_TRY(router.Add("POST", "/v1/redemptions/{id}/void",
                       [c](RouteContext& r) { return PostHoldAction(*c, r, HoldAction::kVoid); }));
  MYKEY_TRY(router.Add("POST", "/v1/redemptions/{id}/refunds",
                       [c](RouteContext& r) { return PostRefund(*c, r); }));
  MYKEY_TRY(router.Add("GET", "/v1/holders/{mykey_id}/balances",
                       [c](RouteContext& r) { return GetBalances(*c, r); }));
  MYKEY_TRY(router.Add("GET", "/v1/operations/{key}",
                       [c](RouteContext& r) { return GetOperation(*c, r); }));
  MYKEY_TRY(router.Add("GET", "/v1/reports/settlement",
                       [c](RouteContext& r) { return GetSettlement(*c, r); }));
  MYKEY_TRY(router.Add("GET", "/v1/reports/unused-balances",
                       [c](RouteContext& r) { return GetUnusedBalances(*c, r); }));
  MYKEY_TRY(router.Add("POST", "/v1/ledger/sweeps/expired-lots",
                       [c](RouteContext& r) { return PostSweep(*c, r, true); }));
  MYKEY_TRY(router.Add("POST", "/v1/ledger/sweeps/expired-holds",
                       [c](RouteContext& r) { return PostSweep(*c, r, false); }));
  MYKEY_TRY(router.Add("GET", "/v1/ledger/reconciliation",
                       [c](RouteContext& r) { return GetReconciliation(*c, r); }));
  return Ok();
}

}  // namespace mykey::cloud
