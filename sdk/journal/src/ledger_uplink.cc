#include "mykey/journal/ledger_uplink.h"

namespace mykey::journal {
namespace {

using cloud_client::CloudErrorCode;

ForwardOutcome Applied(const cloud_client::Redemption& redemption) {
  ForwardOutcome outcome;
  outcome.kind = ForwardOutcome::Kind::kApplied;
  outcome.redemption_id = redemption.redemption_id;
  outcome.balance = redemption.balance;
  return outcome;
}

ForwardOutcome FromError(const Error& error) {
  ForwardOutcome outcome;
  const CloudErrorCode code = cloud_client::CloudErrorCodeOf(error);
  const cloud_client::CloudError& details = cloud_client::LastCloudError();
  outcome.reason =
      details.reason.empty() ? std::string(cloud_client::CloudErrorCodeName(code)) : details.reason;
  switch (code) {
    case CloudErrorCode::kInvalidField:
    case CloudErrorCode::kInvalidParameter:
    case CloudErrorCode::kNotFound:
    case CloudErrorCode::kConflict:
    case CloudErrorCode::kIdempotencyKeyReuse: outcome.kind = ForwardOutcome::Kind::kRefused; break;
    case CloudErrorCode::kForbidden:
      // A refusal of this redemption (programme not accepted, merchant
      // suspended, ...) is final; the terminal itself being suspended is not
      // about the entry (and nothing was applied).
      outcome.kind = details.reason.empty() || details.reason.find("terminal") != std::string::npos
                         ? ForwardOutcome::Kind::kUnavailable
                         : ForwardOutcome::Kind::kRefused;
      break;
    case CloudErrorCode::kUnreachable:      // nothing reached the cloud
    case CloudErrorCode::kTls:              // no request went out
    case CloudErrorCode::kUnauthenticated:  // refused before the ledger
      outcome.kind = ForwardOutcome::Kind::kUnavailable;
      break;
    default:
      // Lost answers, 5xx, answers we could not read: it may have been
      // applied; the key is looked up before anything is sent again.
      outcome.kind = ForwardOutcome::Kind::kUnknown;
      break;
  }
  return outcome;
}

}  // namespace

ForwardOutcome CloudLedgerUplink::Redeem(const ForwardRequest& request) {
  cloud_client::RedeemRequest redeem;
  redeem.mykey_id = request.mykey_id;
  redeem.programme_id = request.programme_id;
  redeem.amount = request.amount;
  redeem.idempotency_key = request.idempotency_key;
  auto redemption = client_.Redeem(redeem);
  if (redemption) return Applied(*redemption);
  return FromError(redemption.error());
}

ForwardOutcome CloudLedgerUplink::Recover(std::string_view idempotency_key) {
  auto redemption = client_.RecoverRedemption(idempotency_key);
  if (redemption) return Applied(*redemption);
  if (cloud_client::CloudErrorCodeOf(redemption.error()) == CloudErrorCode::kNotFound) {
    ForwardOutcome outcome;
    outcome.kind = ForwardOutcome::Kind::kNotApplied;
    return outcome;
  }
  ForwardOutcome outcome = FromError(redemption.error());
  // A lookup never refuses the redemption itself.
  if (outcome.kind == ForwardOutcome::Kind::kRefused)
    outcome.kind = ForwardOutcome::Kind::kUnavailable;
  return outcome;
}

}  // namespace mykey::journal
