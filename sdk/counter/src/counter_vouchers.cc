// Counter's paper-voucher calls, in their own object file: issuing against
// the authenticated holder's points (with the holder's card session, which
// stays inside the Counter), confirming or voiding the print, redeeming a
// scanned or typed voucher, and the published verification keys.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "error_mapping.h"
#include "mykey/cloud_client/cloud_error.h"
#include "mykey/counter/counter.h"
#include "mykey/protocol/typed_text.h"
#include "mykey/protocol/voucher_serial.h"
#include "mykey/protocol/voucher_token.h"

namespace mykey::counter {
namespace {

using cloud_client::LastCloudError;
using protocol::CardAuthPurpose;

constexpr std::string_view kTokenPrefix = "MKV:";

/// The serial of a scanned token ("MKV:...") or of a typed serial.
Result<std::string> SerialOf(std::string_view voucher) {
  voucher = protocol::TrimAsciiWhitespace(voucher);  // a keyboard scanner's or a paste's CR/LF
  if (voucher.starts_with(kTokenPrefix)) {
    MYKEY_ASSIGN_OR_RETURN(const protocol::VoucherToken token,
                           protocol::DecodeVoucherToken(voucher));
    return token.fields.serial.ToString();
  }
  MYKEY_ASSIGN_OR_RETURN(const protocol::VoucherSerial serial,
                         protocol::VoucherSerial::Parse(voucher));
  return serial.ToString();
}

}  // namespace

Result<cloud_client::CloudVoucher> Counter::IssueVoucher(const VoucherOrder& order) {
  BeginCall();
  MYKEY_ASSIGN_OR_RETURN(const std::string session, SessionFor(CardAuthPurpose::kLogin));
  if (!holder_->mykey_id) {
    return Refuse(CounterErrorCode::kNoMyKeyId, Error(ErrorCode::kNotFound, "no MyKey ID"));
  }
  if (order.amount <= 0 || order.expires_on.empty()) {
    return Refuse(
        CounterErrorCode::kInvalidValue,
        Error(ErrorCode::kInvalidArgument, "a voucher needs an amount and an expiry day"));
  }
  cloud_client::VoucherIssueRequest request;
  request.sold = false;
  request.mykey_id = *holder_->mykey_id;
  request.programme_id = order.programme_id;
  request.amount = order.amount;
  request.expires_on = order.expires_on;
  request.session = session;
  MYKEY_ASSIGN_OR_RETURN(request.idempotency_key, OperationKey(order.idempotency_key));
  Progress(FlowStep::kRedeeming);
  auto voucher = cloud_.IssueVoucher(request);
  std::fill(request.session.begin(), request.session.end(), '\0');
  if (!voucher) return RefuseCloud(voucher.error());
  last_failure_.idempotency_key.clear();
  return voucher;
}

Result<cloud_client::CloudVoucher> Counter::ConfirmVoucherPrinted(
    std::string_view serial, std::string_view idempotency_key) {
  BeginCall();
  auto parsed = SerialOf(serial);
  if (!parsed) return Refuse(CounterErrorCode::kVoucherInvalid, parsed.error());
  MYKEY_ASSIGN_OR_RETURN(const std::string key, OperationKey(idempotency_key));
  auto voucher = cloud_.ConfirmVoucherPrinted(*parsed, key);
  if (!voucher) {
    if (internal::CodeFromCloudError(voucher.error(), LastCloudError().reason) ==
        CounterErrorCode::kAlreadyVoided) {
      last_failure_.cloud_reason = LastCloudError().reason;
      return Refuse(CounterErrorCode::kVoucherVoided, voucher.error());
    }
    return RefuseCloud(voucher.error());
  }
  last_failure_.idempotency_key.clear();
  return voucher;
}

Result<cloud_client::CloudVoucher> Counter::VoidVoucher(std::string_view serial,
                                                        std::string_view idempotency_key) {
  BeginCall();
  auto parsed = SerialOf(serial);
  if (!parsed) return Refuse(CounterErrorCode::kVoucherInvalid, parsed.error());
  MYKEY_ASSIGN_OR_RETURN(const std::string key, OperationKey(idempotency_key));
  Progress(FlowStep::kVoiding);
  auto voucher = cloud_.VoidVoucher(*parsed, key);
  if (!voucher) return RefuseCloud(voucher.error());
  last_failure_.idempotency_key.clear();
  return voucher;
}

Result<cloud_client::CloudVoucher> Counter::RedeemVoucher(std::string_view voucher,
                                                          std::string_view idempotency_key) {
  BeginCall();
  auto serial = SerialOf(voucher);
  if (!serial) return Refuse(CounterErrorCode::kVoucherInvalid, serial.error());
  MYKEY_ASSIGN_OR_RETURN(const std::string key, OperationKey(idempotency_key));
  Progress(FlowStep::kRedeeming);
  auto redeemed = cloud_.RedeemVoucher(*serial, key);
  if (!redeemed) {
    // "already_voided" is a hold's reason elsewhere; for a voucher it means voided.
    if (internal::CodeFromCloudError(redeemed.error(), LastCloudError().reason) ==
        CounterErrorCode::kAlreadyVoided) {
      last_failure_.cloud_reason = LastCloudError().reason;
      return Refuse(CounterErrorCode::kVoucherVoided, redeemed.error());
    }
    return RefuseCloud(redeemed.error());
  }
  last_failure_.idempotency_key.clear();
  return redeemed;
}

Result<cloud_client::CloudVoucher> Counter::GetVoucher(std::string_view serial) {
  BeginCall();
  auto parsed = SerialOf(serial);
  if (!parsed) return Refuse(CounterErrorCode::kVoucherInvalid, parsed.error());
  auto voucher = cloud_.GetVoucher(*parsed);
  if (!voucher) return RefuseCloud(voucher.error());
  return voucher;
}

Result<std::vector<cloud_client::VoucherPublicKey>> Counter::VoucherKeys() {
  BeginCall();
  auto keys = cloud_.VoucherKeys();
  if (!keys) return RefuseCloud(keys.error());
  return keys;
}

}  // namespace mykey::counter
