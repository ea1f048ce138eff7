#include "mykey/terminal/local_api.h"

#include <charconv>
#include <string>
#include <utility>

#include "mykey/json/json.h"

namespace mykey::terminal {
namespace {

using json::Json;

http::HttpResponse JsonResponse(int status, const Json& body) {
  return http::HttpResponse::WithBody(status, "application/json", json::Dump(body));
}

http::HttpResponse ErrorResponse(int status, std::string_view error, std::string_view message,
                                 std::string_view field = {}) {
  Json body = {{"error", error}, {"message", message}};
  if (!field.empty()) body["field"] = field;
  return JsonResponse(status, body);
}

// Compares without leaving the position of the first difference in the timing.
bool SameToken(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return diff == 0;
}

std::optional<int64_t> NumberOf(std::string_view text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

Json ResultJson(const OperationResult& result) {
  Json out = {{"state", OperationStateName(result.state)}};
  if (!result.reason.empty()) out["reason"] = result.reason;
  if (result.pin_tries_left) out["pin_tries_left"] = *result.pin_tries_left;
  if (!result.service_id.empty()) out["service_id"] = result.service_id;
  if (!result.mykey_id_masked.empty()) out["mykey_id_masked"] = result.mykey_id_masked;
  if (result.amount) out["amount"] = *result.amount;
  if (result.balance) out["balance"] = *result.balance;
  if (result.redemption_id) out["redemption_id"] = *result.redemption_id;
  if (result.programme_id) out["programme_id"] = *result.programme_id;
  if (!result.idempotency_key.empty()) out["idempotency_key"] = result.idempotency_key;
  out["print"] = PrintStateName(result.print);
  if (!result.voucher_serial.empty()) out["voucher_serial"] = result.voucher_serial;
  if (!result.voucher_state.empty()) out["voucher_state"] = result.voucher_state;
  if (result.offline) out["offline"] = true;
  if (result.lands_at_ms) out["lands_at_ms"] = *result.lands_at_ms;
  if (result.state == OperationState::kDone && !result.pending_vouchers.empty()) {
    Json list = Json::array();
    for (const PendingVoucher& v : result.pending_vouchers) {
      // The issue key stays in the terminal (it is the reprint's key).
      Json item = {{"serial", v.serial},
                   {"amount", v.amount},
                   {"expires_on", v.expires_on},
                   {"created_at_ms", v.created_at_ms}};
      if (v.printed) item["printed"] = true;
      list.push_back(std::move(item));
    }
    out["pending_vouchers"] = std::move(list);
  }
  return out;
}

}  // namespace

Result<OperationRequest> ParseOperationRequest(std::string_view body, std::string& field) {
  field.clear();
  auto parsed = json::ParseJson(body);
  if (!parsed) return Fail(ErrorCode::kInvalidArgument, "the body is not JSON");
  const Json& doc = *parsed;
  if (!doc.is_object()) return Fail(ErrorCode::kInvalidArgument, "the body is not a JSON object");
  OperationRequest request;
  bool has_kind = false;
  auto bad = [&](const std::string& name, const char* message) {
    field = name;
    return Fail(ErrorCode::kInvalidArgument, message);
  };
  for (const auto& item : doc.items()) {
    const std::string& name = item.key();
    const Json& value = item.value();
    auto integer = [&](int64_t& out, int64_t min, int64_t max) -> Status {
      if (!value.is_number_integer()) return bad(name, "must be an integer");
      if (value.is_number_unsigned() && value.get<uint64_t>() > INT64_MAX) {
        return bad(name, "out of range");
      }
      int64_t v = value.get<int64_t>();
      if (v < min || v > max) return bad(name, "out of range");
      out = v;
      return Ok();
    };
    auto text = [&](std::string& out, size_t max) -> Status {
      if (!value.is_string()) return bad(name, "must be a string");
      out = value.get<std::string>();
      if (out.size() > max) return bad(name, "too long");
      for (char c : out) {
        if (static_cast<unsigned char>(c) < 0x20) return bad(name, "control character");
      }
      return Ok();
    };
    if (name == "kind") {
      if (!value.is_string()) return bad(name, "must be a string");
      auto kind = ParseOperationKind(value.get<std::string>());
      if (!kind) return bad(name, "unknown operation kind");
      request.kind = *kind;
      has_kind = true;
    } else if (name == "amount") {
      MYKEY_TRY(integer(request.amount, 1, 10'000'000));
    } else if (name == "programme_id") {
      MYKEY_TRY(integer(request.programme_id, 1, INT64_MAX));
    } else if (name == "project_id") {
      MYKEY_TRY(integer(request.project_id, 1, INT64_MAX));
    } else if (name == "redemption_id") {
      MYKEY_TRY(integer(request.redemption_id, 1, INT64_MAX));
    } else if (name == "service_id") {
      MYKEY_TRY(text(request.service_id, 64));
    } else if (name == "mykey_id") {
      std::string id;
      MYKEY_TRY(text(id, 64));
      request.wanted_mykey_id = std::move(id);
    } else if (name == "coupon") {
      MYKEY_TRY(text(request.coupon, 128));
    } else if (name == "image") {
      MYKEY_TRY(text(request.voucher_image, 4096));
      if (!request.voucher_image.starts_with('/')) return bad(name, "must be an absolute path");
    } else if (name == "token") {
      MYKEY_TRY(text(request.voucher_token, 1024));
    } else if (name == "serial") {
      MYKEY_TRY(text(request.voucher_serial, 64));
    } else if (name == "reference") {
      MYKEY_TRY(text(request.reference, 128));
    } else if (name == "card_timeout_ms") {
      int64_t ms = 0;
      MYKEY_TRY(integer(ms, 1'000, 300'000));
      request.card_timeout = std::chrono::milliseconds(ms);
    } else {
      return bad(name, "unknown field");
    }
  }
  if (!has_kind) return bad("kind", "required");
  return request;
}

namespace {

Json SnapshotJson(const OperationSnapshot& snapshot) {
  Json events = Json::array();
  for (const auto& event : snapshot.events) {
    Json e = {
        {"sequence", event.sequence}, {"kind", EventKindName(event.kind)}, {"name", event.name}};
    if (event.value) e["value"] = *event.value;
    events.push_back(std::move(e));
  }
  Json body = {{"id", snapshot.id},
               {"kind", OperationKindName(snapshot.request.kind)},
               {"state", OperationStateName(snapshot.state)},
               {"events", std::move(events)}};
  if (!snapshot.request.reference.empty()) body["reference"] = snapshot.request.reference;
  if (snapshot.result) body["result"] = ResultJson(*snapshot.result);
  return body;
}

}  // namespace

std::string OperationJson(const OperationSnapshot& snapshot) {
  return json::Dump(SnapshotJson(snapshot));
}

LocalApi::LocalApi(OperationDesk& desk, TerminalConfig config, std::string token,
                   std::function<HealthReport()> health)
    : desk_(desk),
      config_(std::move(config)),
      token_(std::move(token)),
      health_(std::move(health)) {}

bool LocalApi::Authorised(const http::HttpRequest& request) const {
  auto header = request.headers.Get("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!header || header->size() <= kBearer.size() ||
      !http::EqualsIgnoreCase(header->substr(0, kBearer.size()), kBearer)) {
    return false;
  }
  return !token_.empty() && SameToken(header->substr(kBearer.size()), token_);
}

http::HttpResponse LocalApi::DoHandle(const http::HttpRequest& request) {
  constexpr std::string_view kPrefix = "/v1/operations";
  if (request.path == "/healthz") {
    if (request.method != "GET") return ErrorResponse(405, "method_not_allowed", "use GET");
    return Health();
  }
  if (request.path.compare(0, kPrefix.size(), kPrefix) != 0) {
    return ErrorResponse(404, "not_found", "no such route");
  }
  if (!Authorised(request)) {
    auto response = ErrorResponse(401, "unauthorized", "a valid bearer token is required");
    response.headers.Set("WWW-Authenticate", "Bearer");
    return response;
  }
  std::string_view rest = std::string_view(request.path).substr(kPrefix.size());
  if (rest.empty()) {
    if (request.method != "POST") return ErrorResponse(405, "method_not_allowed", "use POST");
    return StartOperation(request);
  }
  if (rest.front() != '/') return ErrorResponse(404, "not_found", "no such route");
  rest.remove_prefix(1);
  constexpr std::string_view kCancel = "/cancel";
  if (rest.size() > kCancel.size() && rest.substr(rest.size() - kCancel.size()) == kCancel) {
    if (request.method != "POST") return ErrorResponse(405, "method_not_allowed", "use POST");
    return CancelOperation(std::string(rest.substr(0, rest.size() - kCancel.size())));
  }
  if (rest.empty() || rest.find('/') != std::string_view::npos) {
    return ErrorResponse(404, "not_found", "no such route");
  }
  if (request.method != "GET") return ErrorResponse(405, "method_not_allowed", "use GET");
  return ShowOperation(request, std::string(rest));
}

http::HttpResponse LocalApi::StartOperation(const http::HttpRequest& request) {
  std::string field;
  auto parsed = ParseOperationRequest(request.body, field);
  if (!parsed) return ErrorResponse(400, "invalid_request", parsed.error().message(), field);
  if (!AllowedInMode(config_, parsed->kind)) {
    return ErrorResponse(422, "not_allowed_in_mode",
                         std::string(OperationKindName(parsed->kind)) + " is not offered in " +
                             ModeName(config_.mode) + " mode",
                         "kind");
  }
  auto id = desk_.Submit(*std::move(parsed), Submitter::kApi);
  if (!id) {
    if (id.error().code() == ErrorCode::kFailedPrecondition) {
      Json body = {{"error", "busy"}, {"message", "another operation is running"}};
      if (auto current = desk_.Current()) body["current"] = *current;
      return JsonResponse(409, body);
    }
    return ErrorResponse(503, "unavailable", id.error().message());
  }
  auto snapshot = desk_.Get(*id);
  auto response = http::HttpResponse::WithBody(
      202, "application/json", snapshot ? OperationJson(*snapshot) : std::string("{}"));
  response.headers.Set("Location", "/v1/operations/" + *id);
  return response;
}

http::HttpResponse LocalApi::ShowOperation(const http::HttpRequest& request,
                                           const std::string& id) {
  std::optional<int64_t> after = 0, wait = 0;
  if (auto value = request.QueryValue("after")) after = NumberOf(*value);
  if (auto value = request.QueryValue("wait")) wait = NumberOf(*value);
  if (!after) return ErrorResponse(400, "invalid_request", "after must be a number", "after");
  if (!wait || *wait > kMaxWaitSeconds) {
    return ErrorResponse(400, "invalid_request", "wait must be 0..30 seconds", "wait");
  }
  auto snapshot = *wait > 0 ? desk_.WaitForChange(id, static_cast<uint64_t>(*after),
                                                  std::chrono::seconds(*wait))
                            : desk_.Get(id);
  if (!snapshot) return ErrorResponse(404, "not_found", "no such operation");
  return http::HttpResponse::WithBody(200, "application/json", OperationJson(*snapshot));
}

http::HttpResponse LocalApi::CancelOperation(const std::string& id) {
  auto cancelled = desk_.Cancel(id);
  if (!cancelled) {
    if (cancelled.error().code() == ErrorCode::kNotFound) {
      return ErrorResponse(404, "not_found", "no such operation");
    }
    Json body = {{"error", "final"}, {"message", "the operation has ended already"}};
    if (auto snapshot = desk_.Get(id)) body["operation"] = SnapshotJson(*snapshot);
    return JsonResponse(409, body);
  }
  auto snapshot = desk_.Get(id);
  return http::HttpResponse::WithBody(202, "application/json",
                                      snapshot ? OperationJson(*snapshot) : std::string("{}"));
}

http::HttpResponse LocalApi::Health() {
  HealthReport report = health_ ? health_() : HealthReport{};
  bool desk_ok = desk_.Healthy(std::chrono::seconds(30));
  Json body = {{"status", report.healthy && desk_ok ? "ok" : "unhealthy"},
               {"mode", ModeName(config_.mode)},
               {"busy", desk_.Current().has_value()}};
  if (!report.detail.empty()) body["detail"] = report.detail;
  if (report.offline_outstanding) {
    body["offline"] = {{"outstanding", *report.offline_outstanding},
                       {"outstanding_points", report.offline_outstanding_points}};
    if (report.offline_cloud_reachable) {
      body["offline"]["cloud_reachable"] = *report.offline_cloud_reachable;
    }
  }
  if (!desk_ok) body["desk"] = "stuck";
  return JsonResponse(report.healthy && desk_ok ? 200 : 503, body);
}

}  // namespace mykey::terminal
