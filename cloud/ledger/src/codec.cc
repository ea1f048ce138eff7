#include "codec.h"

#include "mykey/json/json.h"

namespace mykey::cloud::ledger_codec {

namespace {

using json::Json;
using json::OrderedJson;

Result<RedemptionState> ParseState(const std::string& name) {
  if (name == "held") return RedemptionState::kHeld;
  if (name == "captured") return RedemptionState::kCaptured;
  if (name == "voided") return RedemptionState::kVoided;
  if (name == "expired") return RedemptionState::kExpired;
  return Fail(ErrorCode::kDataLoss, "stored redemption state unknown");
}

/// Reads members of a stored object without throwing: a missing or mistyped
/// member marks the reader bad.
class Reader {
 public:
  explicit Reader(const Json& object) : object_(object) {}
  int64_t Int(const char* name) {
    auto it = object_.find(name);
    if (it == object_.end() || !it->is_number_integer()) {
      ok_ = false;
      return 0;
    }
    return it->get<int64_t>();
  }
  std::optional<int64_t> OptionalInt(const char* name) {
    auto it = object_.find(name);
    if (it == object_.end() || it->is_null()) return std::nullopt;
    return Int(name);
  }
  std::string Text(const char* name) {
    auto it = object_.find(name);
    if (it == object_.end() || !it->is_string()) {
      ok_ = false;
      return {};
    }
    return it->get<std::string>();
  }
  bool ok() const { return ok_; }

 private:
  const Json& object_;
  bool ok_ = true;
};

Result<Json> ParseObject(std::string_view text) {
  auto parsed = json::ParseJson(text);
  if (!parsed || !parsed->is_object()) {
    return Fail(ErrorCode::kDataLoss, "stored operation result is not a JSON object");
  }
  return std::move(*parsed);
}

}  // namespace

std::string Encode(const GrantResult& r) {
  OrderedJson out = OrderedJson::object();
  out["operation"] = "grant";
  out["transfer_id"] = r.transfer_id;
  out["lot_id"] = r.lot_id;
  out["mykey_id"] = r.mykey_id;
  out["programme_id"] = r.programme_id;
  out["amount"] = r.amount;
  out["expires_at_ms"] = r.expires_at_ms;
  out["balance"] = r.balance;
  out["created_at_ms"] = r.created_at_ms;
  return json::Dump(out);
}

std::string Encode(const Redemption& r) {
  OrderedJson out = OrderedJson::object();
  out["operation"] = r.operation;
  out["redemption_id"] = r.redemption_id;
  out["merchant_id"] = r.merchant_id;
  out["programme_id"] = r.programme_id;
  out["mykey_id"] = r.mykey_id;
  out["amount"] = r.amount;
  out["refunded"] = r.refunded;
  out["state"] = RedemptionStateName(r.state);
  if (r.hold_expires_at_ms) {
    out["hold_expires_at_ms"] = *r.hold_expires_at_ms;
  } else {
    out["hold_expires_at_ms"] = nullptr;
  }
  out["balance"] = r.balance;
  out["created_at_ms"] = r.created_at_ms;
  return json::Dump(out);
}

std::string Encode(const RefundResult& r) {
  OrderedJson out = OrderedJson::object();
  out["operation"] = "refund";
  out["transfer_id"] = r.transfer_id;
  out["redemption_id"] = r.redemption_id;
  out["amount"] = r.amount;
  out["refunded_total"] = r.refunded_total;
  out["balance"] = r.balance;
  out["created_at_ms"] = r.created_at_ms;
  return json::Dump(out);
}

Result<GrantResult> DecodeGrant(std::string_view text) {
  MYKEY_ASSIGN_OR_RETURN(Json object, ParseObject(text));
  Reader in(object);
  GrantResult r;
  r.transfer_id = in.Int("transfer_id");
  r.lot_id = in.Int("lot_id");
  r.mykey_id = in.Text("mykey_id");
  r.programme_id = in.Int("programme_id");
  r.amount = in.Int("amount");
  r.expires_at_ms = in.Int("expires_at_ms");
  r.balance = in.Int("balance");
  r.created_at_ms = in.Int("created_at_ms");
  if (!in.ok() || in.Text("operation") != "grant") {
    return Fail(ErrorCode::kDataLoss, "stored result is not a grant");
  }
  return r;
}

Result<Redemption> DecodeRedemption(std::string_view text) {
  MYKEY_ASSIGN_OR_RETURN(Json object, ParseObject(text));
  Reader in(object);
  Redemption r;
  r.operation = in.Text("operation");
  r.redemption_id = in.Int("redemption_id");
  r.merchant_id = in.Int("merchant_id");
  r.programme_id = in.Int("programme_id");
  r.mykey_id = in.Text("mykey_id");
  r.amount = in.Int("amount");
  r.refunded = in.Int("refunded");
  const std::string state = in.Text("state");
  r.hold_expires_at_ms = in.OptionalInt("hold_expires_at_ms");
  r.balance = in.Int("balance");
  r.created_at_ms = in.Int("created_at_ms");
  if (!in.ok()) return Fail(ErrorCode::kDataLoss, "stored result is not a redemption");
  MYKEY_ASSIGN_OR_RETURN(r.state, ParseState(state));
  return r;
}

Result<RefundResult> DecodeRefund(std::string_view text) {
  MYKEY_ASSIGN_OR_RETURN(Json object, ParseObject(text));
  Reader in(object);
  RefundResult r;
  r.transfer_id = in.Int("transfer_id");
  r.redemption_id = in.Int("redemption_id");
  r.amount = in.Int("amount");
  r.refunded_total = in.Int("refunded_total");
  r.balance = in.Int("balance");
  r.created_at_ms = in.Int("created_at_ms");
  if (!in.ok() || in.Text("operation") != "refund") {
    return Fail(ErrorCode::kDataLoss, "stored result is not a refund");
  }
  return r;
}

}  // namespace mykey::cloud::ledger_codec
