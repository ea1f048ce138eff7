#include "conversion_codec.h"

#include "mykey/json/json.h"

namespace mykey::cloud::conversion_codec {

namespace {

using json::Json;
using json::OrderedJson;

/// Reads members of a stored object without throwing.
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

std::string Encode(const Conversion& c) {
  OrderedJson out = OrderedJson::object();
  out["operation"] = "conversion";
  out["conversion_id"] = c.conversion_id;
  out["partner_id"] = c.partner_id;
  out["mykey_id"] = c.mykey_id;
  out["channel"] = c.channel;
  out["partner_points"] = c.partner_points;
  out["points"] = c.points;
  out["programme_id"] = c.programme_id;
  out["state"] = c.state;
  out["lands_at_ms"] = c.lands_at_ms;
  out["premium"] = c.premium;
  out["created_at_ms"] = c.created_at_ms;
  return json::Dump(out);
}

std::string Encode(const Donation& d) {
  OrderedJson out = OrderedJson::object();
  out["operation"] = "donation";
  out["donation_id"] = d.donation_id;
  out["transfer_id"] = d.transfer_id;
  out["project_id"] = d.project_id;
  out["programme_id"] = d.programme_id;
  out["mykey_id"] = d.mykey_id;
  out["amount"] = d.amount;
  out["balance"] = d.balance;
  out["created_at_ms"] = d.created_at_ms;
  return json::Dump(out);
}

Result<Conversion> DecodeConversion(std::string_view text) {
  MYKEY_ASSIGN_OR_RETURN(Json object, ParseObject(text));
  Reader in(object);
  Conversion c;
  c.conversion_id = in.Int("conversion_id");
  c.partner_id = in.Text("partner_id");
  c.mykey_id = in.Text("mykey_id");
  c.channel = in.Text("channel");
  c.partner_points = in.Int("partner_points");
  c.points = in.Int("points");
  c.programme_id = in.Int("programme_id");
  c.state = in.Text("state");
  c.lands_at_ms = in.Int("lands_at_ms");
  c.premium = in.Int("premium");
  c.created_at_ms = in.Int("created_at_ms");
  if (!in.ok() || in.Text("operation") != "conversion") {
    return Fail(ErrorCode::kDataLoss, "stored result is not a conversion");
  }
  return c;
}

Result<Donation> DecodeDonation(std::string_view text) {
  MYKEY_ASSIGN_OR_RETURN(Json object, ParseObject(text));
  Reader in(object);
  Donation d;
  d.donation_id = in.Int("donation_id");
  d.transfer_id = in.Int("transfer_id");
  d.project_id = in.Int("project_id");
  d.programme_id = in.Int("programme_id");
  d.mykey_id = in.Text("mykey_id");
  d.amount = in.Int("amount");
  d.balance = in.Int("balance");
  d.created_at_ms = in.Int("created_at_ms");
  if (!in.ok() || in.Text("operation") != "donation") {
    return Fail(ErrorCode::kDataLoss, "stored result is not a donation");
  }
  return d;
}

}  // namespace mykey::cloud::conversion_codec
