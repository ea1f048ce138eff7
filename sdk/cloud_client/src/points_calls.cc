// CloudClient's points calls (cloud/ledger README, "Partner conversions" and
// "Donations"): a partner's coupon typed at a kiosk, a donation to a
// project, and the holder's default municipality, each for the holder of a
// card session.

#include <string>
#include <utility>

#include "call.h"
#include "mykey/cloud_client/cloud_client.h"
#include "mykey/json/json.h"

namespace mykey::cloud_client {
namespace {

using json::Json;

std::optional<std::string> StringOf(const Json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<int64_t> IntOf(const Json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

bool IsReplayed(const http_client::HttpResponse& response) {
  return response.Header("Idempotent-Replayed").value_or("") == "true";
}

Status CheckSession(std::string_view session) {
  if (session.empty() || session.size() > 128) {
    return Fail(ErrorCode::kInvalidArgument, "a card session token has 1..128 characters");
  }
  return Ok();
}

Status CheckMyKeyId(std::string_view mykey_id) {
  if (mykey_id.size() != 8) return Fail(ErrorCode::kInvalidArgument, "a MyKey ID has 8 symbols");
  for (char c : mykey_id) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (!ok) return Fail(ErrorCode::kInvalidArgument, "a MyKey ID has letters and digits only");
  }
  return Ok();
}

Result<Json> ObjectOf(const http_client::HttpResponse& response, const char* what) {
  auto body = json::ParseJson(response.body);
  if (!body || !body->is_object()) return Fail(internal::MalformedAnswer(response, what));
  return std::move(*body);
}

}  // namespace

Result<CloudClient::PointsConversion> CloudClient::ConvertCoupon(std::string_view session,
                                                                 std::string_view code,
                                                                 std::string_view idempotency_key) {
  internal::ClearCloudError();
  MYKEY_TRY(CheckSession(session));
  if (code.empty() || code.size() > 64) {
    return Fail(ErrorCode::kInvalidArgument, "a coupon code has 1..64 characters");
  }
  MYKEY_ASSIGN_OR_RETURN(std::string key, KeyOrNew(idempotency_key));
  Json body = Json::object();
  body["session"] = std::string(session);
  body["code"] = std::string(code);
  Call call{"POST", "/v1/coupon-conversions", {}, json::Dump(body), Retry::kIdempotent, key, true};
  MYKEY_ASSIGN_OR_RETURN(const http_client::HttpResponse response, Send(call));
  MYKEY_ASSIGN_OR_RETURN(const Json b, ObjectOf(response, "malformed conversion answer"));
  auto id = IntOf(b, "conversion_id");
  auto points = IntOf(b, "points");
  auto state = StringOf(b, "state");
  if (!id || !points || !state)
    return Fail(internal::MalformedAnswer(response, "malformed conversion answer"));
  PointsConversion conversion;
  conversion.idempotency_key = std::move(key);
  conversion.replayed = IsReplayed(response);
  conversion.conversion_id = *id;
  conversion.partner_id = StringOf(b, "partner_id").value_or("");
  conversion.mykey_id = StringOf(b, "mykey_id").value_or("");
  conversion.channel = StringOf(b, "channel").value_or("");
  conversion.points = *points;
  conversion.programme_id = IntOf(b, "programme_id").value_or(0);
  conversion.state = *state;
  conversion.lands_at_ms = IntOf(b, "lands_at_ms").value_or(0);
  return conversion;
}

Result<CloudClient::PointsDonation> CloudClient::Donate(const DonateRequest& request) {
  internal::ClearCloudError();
  MYKEY_TRY(CheckSession(request.session));
  MYKEY_ASSIGN_OR_RETURN(std::string key, KeyOrNew(request.idempotency_key));
  Json body = Json::object();
  body["session"] = request.session;
  body["programme_id"] = request.programme_id;
  body["project_id"] = request.project_id;
  body["amount"] = request.amount;
  if (!request.display_name.empty()) body["display_name"] = request.display_name;
  Call call{"POST", "/v1/donations", {}, json::Dump(body), Retry::kIdempotent, key, true};
  MYKEY_ASSIGN_OR_RETURN(const http_client::HttpResponse response, Send(call));
  MYKEY_ASSIGN_OR_RETURN(const Json b, ObjectOf(response, "malformed donation answer"));
  auto id = IntOf(b, "donation_id");
  auto amount = IntOf(b, "amount");
  auto balance = IntOf(b, "balance");
  if (!id || !amount || !balance)
    return Fail(internal::MalformedAnswer(response, "malformed donation answer"));
  PointsDonation donation;
  donation.idempotency_key = std::move(key);
  donation.replayed = IsReplayed(response);
  donation.donation_id = *id;
  donation.project_id = IntOf(b, "project_id").value_or(0);
  donation.programme_id = IntOf(b, "programme_id").value_or(0);
  donation.mykey_id = StringOf(b, "mykey_id").value_or("");
  donation.amount = *amount;
  donation.balance = *balance;
  return donation;
}

Status CloudClient::SetDefaultMunicipality(std::string_view session, std::string_view mykey_id,
                                           std::string_view municipality_code) {
  internal::ClearCloudError();
  MYKEY_TRY(CheckSession(session));
  MYKEY_TRY(CheckMyKeyId(mykey_id));
  Json body = Json::object();
  body["session"] = std::string(session);
  body["municipality_code"] = std::string(municipality_code);
  // Setting the same municipality again changes nothing: safe to retry.
  Call call{"PUT",        "/v1/holders/" + std::string(mykey_id) + "/default-municipality",
            {},           json::Dump(body),
            Retry::kSafe, {},
            true};
  MYKEY_ASSIGN_OR_RETURN(const http_client::HttpResponse response, Send(call));
  MYKEY_ASSIGN_OR_RETURN(const Json b, ObjectOf(response, "malformed answer"));
  if (StringOf(b, "municipality_code").value_or("") != municipality_code) {
    return Fail(internal::MalformedAnswer(response, "malformed default-municipality answer"));
  }
  return Ok();
}

}  // namespace mykey::cloud_client
