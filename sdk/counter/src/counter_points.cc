// Counter's partner-coupon and donation calls, in their own object file: a
// program that does not call them does not need the cloud client's points calls.
#include <algorithm>
#include <string>
#include <utility>

#include "mykey/counter/counter.h"

namespace mykey::counter {

using protocol::CardAuthPurpose;

// --- Coupons and donations -----------------------------------------------------------

Result<cloud_client::CloudClient::PointsConversion> Counter::ConvertCoupon(
    std::string_view code, std::string_view idempotency_key) {
  BeginCall();
  MYKEY_ASSIGN_OR_RETURN(const std::string session, SessionFor(CardAuthPurpose::kLogin));
  MYKEY_ASSIGN_OR_RETURN(const std::string key, OperationKey(idempotency_key));
  Progress(FlowStep::kConvertingCoupon);
  auto conversion = cloud_.ConvertCoupon(session, code, key);
  if (!conversion) return RefuseCloud(conversion.error());
  last_failure_.idempotency_key.clear();
  return conversion;
}

Result<cloud_client::CloudClient::PointsDonation> Counter::Donate(const DonationOrder& order) {
  BeginCall();
  MYKEY_ASSIGN_OR_RETURN(const std::string session, SessionFor(CardAuthPurpose::kLogin));
  if (order.amount <= 0) {
    return Refuse(CounterErrorCode::kInvalidValue,
                  Error(ErrorCode::kInvalidArgument, "the amount must be positive"));
  }
  cloud_client::CloudClient::DonateRequest request;
  request.session = session;
  request.programme_id = order.programme_id;
  request.project_id = order.project_id;
  request.amount = order.amount;
  request.display_name = order.display_name;
  MYKEY_ASSIGN_OR_RETURN(request.idempotency_key, OperationKey(order.idempotency_key));
  Progress(FlowStep::kDonating);
  auto donation = cloud_.Donate(request);
  std::fill(request.session.begin(), request.session.end(), '\0');
  if (!donation) return RefuseCloud(donation.error());
  last_failure_.idempotency_key.clear();
  return donation;
}

Status Counter::SetDefaultMunicipality(std::string_view municipality_code) {
  BeginCall();
  MYKEY_ASSIGN_OR_RETURN(const std::string session, SessionFor(CardAuthPurpose::kLogin));
  if (!holder_->mykey_id) {
    return Refuse(CounterErrorCode::kNoMyKeyId, Error(ErrorCode::kNotFound, "no MyKey ID"));
  }
  Progress(FlowStep::kSettingMunicipality);
  if (auto set = cloud_.SetDefaultMunicipality(session, *holder_->mykey_id, municipality_code);
      !set) {
    return RefuseCloud(set.error());
  }
  return Ok();
}

}  // namespace mykey::counter
