// Counter's offline redemption (see OfflineAuthorizer in counter.h): the
// evidence gathered by AuthenticateOffline() goes to the offline module,
// which writes the redemption to its journal before the holder is told
// "approved".
#include <string>
#include <utility>

#include "mykey/base/mask.h"
#include "mykey/counter/counter.h"

namespace mykey::counter {

Result<cloud_client::Redemption> Counter::RedeemOffline(const RedemptionOrder& order) {
  if (!holder_->mykey_id || options_.offline == nullptr) {
    return Refuse(CounterErrorCode::kUnknownHolder,
                  Error(ErrorCode::kNotFound, "offline: no trusted MyKey ID"));
  }
  if (order.amount <= 0) {
    return Refuse(CounterErrorCode::kInvalidValue,
                  Error(ErrorCode::kInvalidArgument, "the amount must be positive"));
  }
  if (order.hold) {
    return Refuse(CounterErrorCode::kCloudUnreachable,
                  Error(ErrorCode::kUnavailable, "offline: holds need the cloud"));
  }
  if (offline_challenge_.empty()) {
    // One challenge, one redemption: the journal refuses a reused challenge anyway.
    return Refuse(CounterErrorCode::kNotAuthenticated,
                  Error(ErrorCode::kFailedPrecondition, "offline: the challenge was used"));
  }
  OfflineRedemptionRequest request;
  request.certificate_serial_hex = serial_hex_;
  request.mykey_id = holder_->mykey_id;
  request.programme_id = order.programme_id;
  request.amount = order.amount;
  request.idempotency_key = order.idempotency_key;
  request.certificate_der = offline_certificate_;
  request.challenge = std::move(offline_challenge_);
  request.signature = std::move(offline_signature_);
  offline_challenge_.clear();
  offline_signature_.clear();
  Progress(FlowStep::kRedeeming);
  auto journalled = options_.offline->AuthorizeRedemption(request);
  if (!journalled) {
    last_failure_.offline_refusal = options_.offline->RefusalName(journalled.error());
    if (last_failure_.offline_refusal.empty()) {
      return Refuse(CounterErrorCode::kInternal, journalled.error());
    }
    return Refuse(CounterErrorCode::kOfflineRefused, journalled.error());
  }
  Log(log::Level::kInfo, "redemption authorised offline, journalled as " +
                             MaskIdentifier(journalled->idempotency_key));
  return journalled;
}

void Counter::RememberHolder(ByteView certificate, const HolderSession& holder) {
  if (options_.offline == nullptr || !holder.mykey_id) return;
  options_.offline->RememberHolder(certificate, *holder.mykey_id);
}

}  // namespace mykey::counter
