#include "voucher_codec.h"

#include "mykey/json/json.h"

namespace mykey::cloud::voucher_codec {

namespace {

using json::Json;
using json::OrderedJson;

/// Reads members without throwing: a missing or mistyped member marks the
/// reader bad.
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
  bool Bool(const char* name) {
    auto it = object_.find(name);
    if (it == object_.end() || !it->is_boolean()) {
      ok_ = false;
      return false;
    }
    return it->get<bool>();
  }
  bool ok() const { return ok_; }

 private:
  const Json& object_;
  bool ok_ = true;
};

void PutOptional(OrderedJson& out, const char* name, const std::optional<int64_t>& value) {
  if (value) {
    out[name] = *value;
  } else {
    out[name] = nullptr;
  }
}

}  // namespace

Result<VoucherState> ParseState(std::string_view name) {
  for (VoucherState state :
       {VoucherState::kPendingPrint, VoucherState::kIssued, VoucherState::kVoided,
        VoucherState::kRedeemed, VoucherState::kExpired}) {
    if (name == VoucherStateName(state)) return state;
  }
  return Fail(ErrorCode::kDataLoss, "stored voucher state unknown");
}

std::string Encode(const Voucher& v) {
  OrderedJson out = OrderedJson::object();
  out["operation"] = v.operation;
  out["voucher_id"] = v.voucher_id;
  out["serial"] = v.serial;
  out["kind"] = v.kind;
  out["programme_id"] = v.programme_id;
  out["municipality_code"] = v.municipality_code;
  out["mykey_id"] = v.mykey_id;
  out["amount"] = v.amount;
  out["issued_on"] = v.issued_on;
  out["expires_on"] = v.expires_on;
  out["expires_at_ms"] = v.expires_at_ms;
  out["state"] = VoucherStateName(v.state);
  out["reprints"] = v.reprints;
  out["duplicate"] = v.duplicate;
  out["issuer_merchant_id"] = v.issuer_merchant_id;
  PutOptional(out, "redeemed_merchant_id", v.redeemed_merchant_id);
  out["created_at_ms"] = v.created_at_ms;
  PutOptional(out, "printed_at_ms", v.printed_at_ms);
  PutOptional(out, "finished_at_ms", v.finished_at_ms);
  out["key_id"] = v.key_id;
  out["token"] = v.token;
  return json::Dump(out);
}

Result<Voucher> Decode(std::string_view text) {
  auto parsed = json::ParseJson(text);
  if (!parsed || !parsed->is_object()) {
    return Fail(ErrorCode::kDataLoss, "stored voucher result is not a JSON object");
  }
  Reader r(*parsed);
  Voucher v;
  v.operation = r.Text("operation");
  v.voucher_id = r.Int("voucher_id");
  v.serial = r.Text("serial");
  v.kind = r.Text("kind");
  v.programme_id = r.Int("programme_id");
  v.municipality_code = r.Text("municipality_code");
  v.mykey_id = r.Text("mykey_id");
  v.amount = r.Int("amount");
  v.issued_on = r.Text("issued_on");
  v.expires_on = r.Text("expires_on");
  v.expires_at_ms = r.Int("expires_at_ms");
  const std::string state = r.Text("state");
  v.reprints = r.Int("reprints");
  v.duplicate = r.Bool("duplicate");
  v.issuer_merchant_id = r.Int("issuer_merchant_id");
  v.redeemed_merchant_id = r.OptionalInt("redeemed_merchant_id");
  v.created_at_ms = r.Int("created_at_ms");
  v.printed_at_ms = r.OptionalInt("printed_at_ms");
  v.finished_at_ms = r.OptionalInt("finished_at_ms");
  v.key_id = r.Text("key_id");
  v.token = r.Text("token");
  if (!r.ok()) return Fail(ErrorCode::kDataLoss, "stored voucher result is incomplete");
  MYKEY_ASSIGN_OR_RETURN(v.state, ParseState(state));
  return v;
}

}  // namespace mykey::cloud::voucher_codec
