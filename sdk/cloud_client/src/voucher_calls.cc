// CloudClient's voucher calls (cloud/ledger README, "Vouchers"): issue,
// confirm-printed, void, reprint, redeem, lookup, the published keys, and
// lost-answer recovery by the operation's key.

#include <string>
#include <utility>

#include "call.h"
#include "mykey/base/bytes.h"
#include "mykey/cloud_client/cloud_client.h"
#include "mykey/json/json.h"

namespace mykey::cloud_client {
namespace {

using json::Json;

Error MalformedVoucher(const http_client::HttpResponse& response) {
  return internal::MalformedAnswer(response, "malformed voucher answer");
}

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

Result<CloudVoucher> ParseVoucher(const http_client::HttpResponse& response) {
  auto body = json::ParseJson(response.body);
  if (!body || !body->is_object()) return Fail(MalformedVoucher(response));
  const Json& b = *body;
  auto serial = StringOf(b, "serial");
  auto state = StringOf(b, "state");
  auto token = StringOf(b, "token");
  auto amount = IntOf(b, "amount");
  if (!serial || !state || !token || !amount) return Fail(MalformedVoucher(response));
  CloudVoucher v;
  v.operation = StringOf(b, "operation").value_or("");
  v.voucher_id = IntOf(b, "voucher_id").value_or(0);
  v.serial = *serial;
  v.kind = StringOf(b, "kind").value_or("");
  v.programme_id = IntOf(b, "programme_id").value_or(0);
  v.municipality_code = StringOf(b, "municipality_code").value_or("");
  v.mykey_id = StringOf(b, "mykey_id").value_or("");
  v.amount = *amount;
  v.issued_on = StringOf(b, "issued_on").value_or("");
  v.expires_on = StringOf(b, "expires_on").value_or("");
  v.expires_at_ms = IntOf(b, "expires_at_ms").value_or(0);
  v.token = *token;
  v.key_id = StringOf(b, "key_id").value_or("");
  v.state = *state;
  v.reprints = IntOf(b, "reprints").value_or(0);
  auto duplicate = b.find("duplicate");
  v.duplicate = duplicate != b.end() && duplicate->is_boolean() && duplicate->get<bool>();
  v.issuer_merchant_id = IntOf(b, "issuer_merchant_id").value_or(0);
  v.redeemed_merchant_id = IntOf(b, "redeemed_merchant_id");
  v.created_at_ms = IntOf(b, "created_at_ms").value_or(0);
  return v;
}

bool IsReplayed(const http_client::HttpResponse& response) {
  return response.Header("Idempotent-Replayed").value_or("") == "true";
}

Status CheckSerial(std::string_view serial) {
  if (serial.empty() || serial.size() > 64) {
    return Fail(ErrorCode::kInvalidArgument, "a voucher serial has 1..64 characters");
  }
  for (char c : serial) {
    if (c < ' ' || c > '~' || c == '/' || c == '?' || c == '#' || c == '%') {
      return Fail(ErrorCode::kInvalidArgument, "a voucher serial is printable ASCII without '/'");
    }
  }
  return Ok();
}

/// The serial as one path segment: typed spaces become '-' (the cloud skips both).
std::string SerialSegment(std::string_view serial) {
  std::string out(serial);
  for (char& c : out) {
    if (c == ' ') c = '-';
  }
  return out;
}

}  // namespace

Result<CloudVoucher> CloudClient::IssueVoucher(const VoucherIssueRequest& request) {
  internal::ClearCloudError();
  MYKEY_ASSIGN_OR_RETURN(std::string key, KeyOrNew(request.idempotency_key));
  Json body = Json::object();
  body["funding"] = request.sold ? "cash" : "points";
  if (!request.mykey_id.empty()) body["mykey_id"] = request.mykey_id;
  body["programme_id"] = request.programme_id;
  body["amount"] = request.amount;
  if (!request.expires_on.empty()) body["expires_on"] = request.expires_on;
  if (!request.session.empty()) body["session"] = request.session;
  Call call{"POST", "/v1/vouchers", {}, json::Dump(body), Retry::kIdempotent, key, true};
  MYKEY_ASSIGN_OR_RETURN(const http_client::HttpResponse response, Send(call));
  MYKEY_ASSIGN_OR_RETURN(CloudVoucher voucher, ParseVoucher(response));
  voucher.idempotency_key = std::move(key);
  voucher.replayed = IsReplayed(response);
  return voucher;
}

Result<CloudVoucher> CloudClient::ConfirmVoucherPrinted(std::string_view serial,
                                                        std::string_view idempotency_key) {
  internal::ClearCloudError();
  MYKEY_TRY(CheckSerial(serial));
  MYKEY_ASSIGN_OR_RETURN(std::string key, KeyOrNew(idempotency_key));
  Call call{"POST",
            "/v1/vouchers/" + SerialSegment(serial) + "/confirm-printed",
            {},
            {},
            Retry::kIdempotent,
            key,
            true};
  MYKEY_ASSIGN_OR_RETURN(const http_client::HttpResponse response, Send(call));
  MYKEY_ASSIGN_OR_RETURN(CloudVoucher voucher, ParseVoucher(response));
  voucher.idempotency_key = std::move(key);
  voucher.replayed = IsReplayed(response);
  return voucher;
}

Result<CloudVoucher> CloudClient::VoidVoucher(std::string_view serial,
                                              std::string_view idempotency_key) {
  internal::ClearCloudError();
  MYKEY_TRY(CheckSerial(serial));
  MYKEY_ASSIGN_OR_RETURN(std::string key, KeyOrNew(idempotency_key));
  Call call{
      "POST", "/v1/vouchers/" + SerialSegment(serial) + "/void", {}, {}, Retry::kIdempotent, key,
      true};
  MYKEY_ASSIGN_OR_RETURN(const http_client::HttpResponse response, Send(call));
  MYKEY_ASSIGN_OR_RETURN(CloudVoucher voucher, ParseVoucher(response));
  voucher.idempotency_key = std::move(key);
  voucher.replayed = IsReplayed(response);
  return voucher;
}

Result<CloudVoucher> CloudClient::ReprintVoucher(std::string_view serial,
                                                 std::string_view idempotency_key) {
  internal::ClearCloudError();
  MYKEY_TRY(CheckSerial(serial));
  MYKEY_ASSIGN_OR_RETURN(std::string key, KeyOrNew(idempotency_key));
  Call call{
      "POST", "/v1/vouchers/" + SerialSegment(serial) + "/reprint", {}, {}, Retry::kIdempotent, key,
      true};
  MYKEY_ASSIGN_OR_RETURN(const http_client::HttpResponse response, Send(call));
  MYKEY_ASSIGN_OR_RETURN(CloudVoucher voucher, ParseVoucher(response));
  voucher.idempotency_key = std::move(key);
  voucher.replayed = IsReplayed(response);
  return voucher;
}

Result<CloudVoucher> CloudClient::RedeemVoucher(std::string_view serial,
                                                std::string_view idempotency_key) {
  internal::ClearCloudError();
  MYKEY_TRY(CheckSerial(serial));
  MYKEY_ASSIGN_OR_RETURN(std::string key, KeyOrNew(idempotency_key));
  Call call{
      "POST", "/v1/vouchers/" + SerialSegment(serial) + "/redeem", {}, {}, Retry::kIdempotent, key,
      true};
  MYKEY_ASSIGN_OR_RETURN(const http_client::HttpResponse response, Send(call));
  MYKEY_ASSIGN_OR_RETURN(CloudVoucher voucher, ParseVoucher(response));
  voucher.idempotency_key = std::move(key);
  voucher.replayed = IsReplayed(response);
  return voucher;
}

Result<CloudVoucher> CloudClient::GetVoucher(std::string_view serial) {
  internal::ClearCloudError();
  MYKEY_TRY(CheckSerial(serial));
  Call call{"GET", "/v1/vouchers/" + SerialSegment(serial), {}, {}, Retry::kSafe, {}, true};
  MYKEY_ASSIGN_OR_RETURN(const http_client::HttpResponse response, Send(call));
  return ParseVoucher(response);
}

Result<std::vector<VoucherPublicKey>> CloudClient::VoucherKeys() {
  internal::ClearCloudError();
  Call call{"GET", "/v1/voucher-keys", {}, {}, Retry::kSafe, {}, true};
  MYKEY_ASSIGN_OR_RETURN(const http_client::HttpResponse response, Send(call));
  auto body = json::ParseJson(response.body);
  if (!body || !body->is_object()) return Fail(MalformedVoucher(response));
  auto keys = body->find("keys");
  if (keys == body->end() || !keys->is_array()) return Fail(MalformedVoucher(response));
  std::vector<VoucherPublicKey> out;
  for (const Json& item : *keys) {
    if (!item.is_object()) return Fail(MalformedVoucher(response));
    auto id = StringOf(item, "key_id");
    auto point = StringOf(item, "public_key");
    if (!id || !point) return Fail(MalformedVoucher(response));
    auto bytes = FromHex(*point);
    if (!bytes || bytes->size() != 65) return Fail(MalformedVoucher(response));
    auto current = item.find("current");
    VoucherPublicKey key;
    key.key_id = *id;
    key.public_key = std::move(*bytes);
    key.current = current != item.end() && current->is_boolean() && current->get<bool>();
    out.push_back(std::move(key));
  }
  return out;
}

Result<CloudVoucher> CloudClient::RecoverVoucher(std::string_view idempotency_key) {
  MYKEY_ASSIGN_OR_RETURN(const Operation operation, GetOperation(idempotency_key));
  http_client::HttpResponse stored;
  stored.status = operation.status;
  stored.body = operation.result_json;
  MYKEY_ASSIGN_OR_RETURN(CloudVoucher voucher, ParseVoucher(stored));
  voucher.idempotency_key = std::string(idempotency_key);
  voucher.replayed = true;
  return voucher;
}

}  // namespace mykey::cloud_client
