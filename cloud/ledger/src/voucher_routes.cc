#include "mykey/ledger/voucher_routes.h"

#include <charconv>
#include <memory>

#include "mykey/api/json_body.h"
#include "mykey/auth/auth_routes.h"
#include "mykey/json/json.h"
#include "mykey/protocol/voucher_serial.h"
#include "mykey/protocol/voucher_token.h"
#include "mykey/registry/mykey_id.h"
#include "mykey/registry/routes.h"
#include "route_support.h"
#include "voucher_codec.h"

namespace mykey::cloud {

namespace {

constexpr std::string_view kOperationsMetric = "mykey_voucher_operations_total";
constexpr std::string_view kOperationsHelp = "Voucher operations by operation and outcome.";

bool IsKeyChar(char c) noexcept {
  return c > ' ' && c < 0x7f;
}
bool IsMyKeyIdChar(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
const StringRule kKeyRule{1, 255, IsKeyChar, "printable ASCII"};
const StringRule kMyKeyIdRule{8, 8, IsMyKeyIdChar, "letters and digits"};
const StringRule kDayRule{10, 10, nullptr, nullptr};

const StringRule kSessionRule{1, 128, IsKeyChar, "printable ASCII"};

struct Context {
  VoucherService& vouchers;
  RequestAuthenticator& authenticator;
  Metrics* metrics;
  CardSessionCheck card_sessions;

  void Count(std::string_view operation, std::string_view outcome) const {
    if (metrics == nullptr) return;
    metrics->Increment(kOperationsMetric, kOperationsHelp,
                       {{"operation", std::string(operation)}, {"outcome", std::string(outcome)}});
  }
};

/// The API error of a voucher error: voucher and ledger refusals carry their
/// reason's name.
ApiError FromVoucher(const Error& error) {
  const VoucherReason voucher = VoucherReasonOf(error);
  if (voucher == VoucherReason::kSoldTermTooLong) {
    ApiError api = ApiError::InvalidField("expires_on", "is more than 6 months after issue");
    api.set_reason(VoucherReasonName(voucher));
    return api;
  }
  if (voucher != VoucherReason::kNone) {
    ApiError api = ApiErrorFrom(error);
    api.set_reason(VoucherReasonName(voucher));
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
  const VoucherReason voucher = VoucherReasonOf(error);
  if (voucher != VoucherReason::kNone) return VoucherReasonName(voucher);
  const LedgerReason reason = LedgerReasonOf(error);
  if (reason != LedgerReason::kNone) return LedgerReasonName(reason);
  return FromVoucher(error).code_name();
}

ApiResult<Caller> Authenticate(Context& c, RouteContext& route) {
  return AuthenticateRoute(c.authenticator, route);
}

ApiResult<Caller> Admin(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Authenticate(c, route));
  if (caller.kind != CallerKind::kOperator || caller.scope != OperatorScope::kAdmin) {
    return ApiError(ApiErrorCode::kForbidden, "only the scheme operator may do this");
  }
  return caller;
}

ApiResult<std::string> SerialParameter(const RouteContext& route) {
  auto serial = protocol::VoucherSerial::Parse(route.Param("serial"));
  if (!serial) {
    return ApiError(ApiErrorCode::kInvalidParameter,
                    "serial must be a voucher serial (10 symbols with its check symbol)");
  }
  return serial->ToString();
}

ApiReply OperationReply(int status, const Voucher& voucher) {
  return route_support::ReplayableReply(status, voucher_codec::Encode(voucher), voucher.replayed);
}

ApiResult<JsonObject> OptionalBody(const RouteContext& route) {
  return JsonObject::Parse(route.request.body.empty() ? std::string_view("{}")
                                                      : std::string_view(route.request.body));
}

ApiReply PostIssue(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Authenticate(c, route));
  MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(route.request.body));
  VoucherIssueRequest request;
  const auto body_key = body.OptionalString("idempotency_key", kKeyRule);
  const std::string funding = body.String("funding", {4, 6});
  request.mykey_id = body.OptionalString("mykey_id", kMyKeyIdRule).value_or("");
  request.programme_id = body.Integer("programme_id", 1, INT64_MAX);
  request.amount = body.Integer("amount", 1, protocol::kMaxVoucherAmount);
  request.expires_on = body.OptionalString("expires_on", kDayRule).value_or("");
  const auto session = body.OptionalString("session", kSessionRule);
  if (auto error = body.Finish()) return *error;
  MYKEY_API_ASSIGN_OR_RETURN(request.idempotency_key,
                             route_support::IdempotencyKeyOf(route, body_key));
  if (funding != "points" && funding != "cash") {
    return ApiError::InvalidField("funding", "must be \"points\" or \"cash\"");
  }
  request.sold = funding == "cash";
  if (request.sold && !request.mykey_id.empty()) {
    return ApiError::InvalidField("mykey_id", "must be absent for a voucher sold for cash");
  }
  if (!request.sold) {
    if (!IsValidMyKeyId(request.mykey_id)) {
      return ApiError::InvalidField("mykey_id", "must be a MyKey ID (8 symbols, no look-alikes)");
    }
    if (request.expires_on.empty()) {
      return ApiError::InvalidField("expires_on", "is required for a points voucher");
    }
    route.log_identifiers.emplace_back("mykey_id", request.mykey_id);
    if (caller.kind == CallerKind::kTerminal) {
      // A terminal spends a holder's points only while that holder's card
      // session, opened at this terminal, is live; a cloud that cannot check
      // card sessions lets no terminal spend points, as for balances.
      if (!c.card_sessions) {
        c.Count("issue", "sessions_unchecked");
        return ApiError(ApiErrorCode::kForbidden, "card sessions are not checked on this server")
            .set_reason("card_sessions_unavailable");
      }
      if (!session) {
        return ApiError::InvalidField("session", "a terminal needs the holder's card session");
      }
      auto holder = c.card_sessions(caller.terminal_id, *session);
      if (!holder) {
        c.Count("issue", "session_refused");
        return RegistryApiError(holder.error());
      }
      if (*holder != request.mykey_id) {
        c.Count("issue", "session_other_holder");
        return ApiError(ApiErrorCode::kForbidden, "the card session is another holder's")
            .set_reason("session_other_holder");
      }
    }
  }
  if (!request.expires_on.empty() && !JapanDayEndMs(request.expires_on)) {
    return ApiError::InvalidField("expires_on", "must be a day YYYY-MM-DD");
  }
  auto result = c.vouchers.Issue(caller, request);
  if (!result) {
    c.Count("issue", OutcomeOf(result.error()));
    if (LedgerReasonOf(result.error()) == LedgerReason::kInvalidRequest) {
      return ApiError::InvalidField("expires_on", result.error().message());
    }
    return FromVoucher(result.error());
  }
  c.Count("issue", result->replayed ? "replayed" : "ok");
  return OperationReply(201, *result);
}

enum class Step { kConfirm, kVoid, kReprint, kRedeem };

ApiReply PostStep(Context& c, RouteContext& route, Step step) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Authenticate(c, route));
  MYKEY_API_ASSIGN_OR_RETURN(std::string serial, SerialParameter(route));
  MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, OptionalBody(route));
  const auto body_key = body.OptionalString("idempotency_key", kKeyRule);
  if (auto error = body.Finish()) return *error;
  MYKEY_API_ASSIGN_OR_RETURN(std::string key, route_support::IdempotencyKeyOf(route, body_key));
  const char* operation = "redemption";
  Result<Voucher> result = Fail(ErrorCode::kInternal, "no step");
  switch (step) {
    case Step::kConfirm:
      operation = "confirm_printed";
      result = c.vouchers.ConfirmPrinted(caller, key, serial);
      break;
    case Step::kVoid:
      operation = "void";
      result = c.vouchers.Void(caller, key, serial);
      break;
    case Step::kReprint:
      operation = "reprint";
      result = c.vouchers.Reprint(caller, key, serial);
      break;
    case Step::kRedeem: result = c.vouchers.Redeem(caller, key, serial); break;
  }
  if (!result) {
    c.Count(operation, OutcomeOf(result.error()));
    return FromVoucher(result.error());
  }
  c.Count(operation, result->replayed ? "replayed" : "ok");
  return OperationReply(200, *result);
}

ApiReply GetVoucher(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Authenticate(c, route));
  MYKEY_API_ASSIGN_OR_RETURN(std::string serial, SerialParameter(route));
  auto result = c.vouchers.Find(caller, serial);
  if (!result) return FromVoucher(result.error());
  return ApiReply::Json(200, voucher_codec::Encode(*result));
}

ApiReply GetKeys(Context& c, RouteContext& route) {
  (void)route;
  auto keys = c.vouchers.PublicKeys();
  if (!keys) return FromVoucher(keys.error());
  json::OrderedJson out = json::OrderedJson::object();
  out["keys"] = json::OrderedJson::array();
  for (const VoucherKey& key : *keys) {
    json::OrderedJson k = json::OrderedJson::object();
    k["key_id"] = key.key_id;
    k["algorithm"] = "ecdsa-p256";
    k["public_key"] = ToHex(key.public_key);
    k["current"] = key.current;
    k["created_at_ms"] = key.created_at_ms;
    if (key.retired_at_ms) {
      k["retired_at_ms"] = *key.retired_at_ms;
    } else {
      k["retired_at_ms"] = nullptr;
    }
    out["keys"].push_back(std::move(k));
  }
  return ApiReply::Json(200, json::Dump(out));
}

ApiReply PutPolicy(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Authenticate(c, route));
  int64_t id = 0;
  const std::string_view text = route.Param("id");
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || id <= 0) {
    return ApiError(ApiErrorCode::kInvalidParameter, "id must be a positive id");
  }
  MYKEY_API_ASSIGN_OR_RETURN(JsonObject body, JsonObject::Parse(route.request.body));
  const std::string expired = body.String("expired", {4, 6});
  if (auto error = body.Finish()) return *error;
  if (expired != "sink" && expired != "return") {
    return ApiError::InvalidField("expired", "must be \"sink\" or \"return\"");
  }
  const VoucherExpiryPolicy policy =
      expired == "return" ? VoucherExpiryPolicy::kReturn : VoucherExpiryPolicy::kSink;
  const Status set = c.vouchers.SetExpiryPolicy(caller, id, policy);
  if (!set) return FromVoucher(set.error());
  json::OrderedJson out = json::OrderedJson::object();
  out["programme_id"] = id;
  out["expired"] = expired;
  return ApiReply::Json(200, json::Dump(out));
}

ApiReply GetReport(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Authenticate(c, route));
  const auto municipality = route.request.QueryValue("municipality");
  if (!municipality) return ApiError(ApiErrorCode::kInvalidParameter, "municipality is required");
  auto summary = c.vouchers.Summary(caller, *municipality);
  if (!summary) {
    if (summary.error().code() == ErrorCode::kInvalidArgument) {
      return ApiError(ApiErrorCode::kInvalidParameter, summary.error().message());
    }
    return FromVoucher(summary.error());
  }
  json::OrderedJson out = json::OrderedJson::object();
  out["municipality"] = std::string(*municipality);
  out["programmes"] = json::OrderedJson::array();
  for (const VoucherProgrammeSummary& s : *summary) {
    json::OrderedJson p = json::OrderedJson::object();
    p["programme_id"] = s.programme_id;
    p["programme_code"] = s.programme_code;
    auto pair = [](int64_t count, int64_t points) {
      json::OrderedJson v = json::OrderedJson::object();
      v["count"] = count;
      v["points"] = points;
      return v;
    };
    p["issued"] = pair(s.issued_count, s.issued_points);
    p["pending_print"] = pair(s.pending_count, s.pending_points);
    p["redeemed"] = pair(s.redeemed_count, s.redeemed_points);
    p["expired"] = pair(s.expired_count, s.expired_points);
    p["voided"] = pair(s.voided_count, s.voided_points);
    p["reprints"] = s.reprints;
    out["programmes"].push_back(std::move(p));
  }
  return ApiReply::Json(200, json::Dump(out));
}

ApiReply GetSettlement(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Authenticate(c, route));
  const auto merchant = route.request.QueryValue("merchant_id");
  const auto from = route.request.QueryValue("from");
  const auto to = route.request.QueryValue("to");
  if (!merchant || !from || !to) {
    return ApiError(ApiErrorCode::kInvalidParameter, "merchant_id, from and to are required");
  }
  int64_t merchant_id = 0;
  auto [ptr, ec] =
      std::from_chars(merchant->data(), merchant->data() + merchant->size(), merchant_id);
  if (merchant->empty() || ec != std::errc() || ptr != merchant->data() + merchant->size() ||
      merchant_id <= 0) {
    return ApiError(ApiErrorCode::kInvalidParameter, "merchant_id must be a positive id");
  }
  auto csv = c.vouchers.SettlementCsv(caller, merchant_id, *from, *to);
  if (!csv) {
    if (csv.error().code() == ErrorCode::kInvalidArgument) {
      return ApiError(ApiErrorCode::kInvalidParameter, csv.error().message());
    }
    return FromVoucher(csv.error());
  }
  return ApiReply::Body(200, "text/csv; charset=utf-8", std::move(*csv));
}

ApiReply PostSweep(Context& c, RouteContext& route, bool expired) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Admin(c, route));
  (void)caller;
  auto report = expired ? c.vouchers.SweepExpiredVouchers() : c.vouchers.SweepPendingVouchers();
  if (!report) return FromVoucher(report.error());
  c.Count(expired ? "expiry_sweep" : "pending_sweep", "ok");
  json::OrderedJson out = json::OrderedJson::object();
  out["items"] = report->items;
  out["points"] = report->points;
  return ApiReply::Json(200, json::Dump(out));
}

ApiReply GetReconciliation(Context& c, RouteContext& route) {
  MYKEY_API_ASSIGN_OR_RETURN(Caller caller, Admin(c, route));
  (void)caller;
  auto report = c.vouchers.Reconcile();
  if (!report) return FromVoucher(report.error());
  const ReconcileReport& l = report->ledger;
  json::OrderedJson out = json::OrderedJson::object();
  out["ok"] = report->ok();
  out["issued"] = l.issued;
  out["holder_balances"] = l.holder_balances;
  out["held"] = l.held;
  out["spent"] = l.spent;
  out["expired"] = l.expired;
  out["vouchers_outstanding"] = report->outstanding;
  out["vouchers_redeemed_unsettled"] = report->redeemed_unsettled;
  out["other"] = report->other;
  out["problems"] = report->problems;
  return ApiReply::Json(200, json::Dump(out));
}

}  // namespace

Status RegisterVoucherRoutes(Router& router, VoucherService& vouchers,
                             RequestAuthenticator& authenticator, Metrics* metrics,
                             CardSessionCheck card_sessions) {
  auto c = std::make_shared<Context>(
      Context{vouchers, authenticator, metrics, std::move(card_sessions)});
  MYKEY_TRY(router.Add("POST", "/v1/vouchers", [c](RouteContext& r) { return PostIssue(*c, r); }));
  MYKEY_TRY(router.Add("POST", "/v1/vouchers/{serial}/confirm-printed",
                       [c](RouteContext& r) { return PostStep(*c, r, Step::kConfirm); }));
  MYKEY_TRY(router.Add("POST", "/v1/vouchers/{serial}/void",
                       [c](RouteContext& r) { return PostStep(*c, r, Step::kVoid); }));
  MYKEY_TRY(router.Add("POST", "/v1/vouchers/{serial}/reprint",
                       [c](RouteContext& r) { return PostStep(*c, r, Step::kReprint); }));
  MYKEY_TRY(router.Add("POST", "/v1/vouchers/{serial}/redeem",
                       [c](RouteContext& r) { return PostStep(*c, r, Step::kRedeem); }));
  MYKEY_TRY(router.Add("GET", "/v1/vouchers/{serial}",
                       [c](RouteContext& r) { return GetVoucher(*c, r); }));
  MYKEY_TRY(router.Add("GET", "/v1/voucher-keys", [c](RouteContext& r) { return GetKeys(*c, r); }));
  MYKEY_TRY(router.Add("PUT", "/v1/programmes/{id}/voucher-policy",
                       [c](RouteContext& r) { return PutPolicy(*c, r); }));
  MYKEY_TRY(
      router.Add("GET", "/v1/reports/vouchers", [c](RouteContext& r) { return GetReport(*c, r); }));
  MYKEY_TRY(router.Add("GET", "/v1/reports/voucher-settlement",
                       [c](RouteContext& r) { return GetSettlement(*c, r); }));
  MYKEY_TRY(router.Add("POST", "/v1/voucher-sweeps/expired",
                       [c](RouteContext& r) { return PostSweep(*c, r, true); }));
  MYKEY_TRY(router.Add("POST", "/v1/voucher-sweeps/pending",
                       [c](RouteContext& r) { return PostSweep(*c, r, false); }));
  MYKEY_TRY(router.Add("GET", "/v1/voucher-reconciliation",
                       [c](RouteContext& r) { return GetReconciliation(*c, r); }));
  return Ok();
}

}  // namespace mykey::cloud
