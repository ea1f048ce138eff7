#include "error_mapping.h"

#include <string_view>

#include "mykey/cloud_client/cloud_error.h"
#include "mykey/jpki/pin_guard.h"

namespace mykey::counter::internal {

using cloud_client::CloudErrorCode;

CounterErrorCode CodeFromCardError(const Error& error) noexcept {
  if (auto reason = jpki::PinGuardReasonOf(error)) {
    switch (*reason) {
      case jpki::PinGuardReason::kBlocked: return CounterErrorCode::kPinBlocked;
      case jpki::PinGuardReason::kLastTryNeedsConfirmation:
        return CounterErrorCode::kLastTryNeedsConfirmation;
      case jpki::PinGuardReason::kNotChecked: return CounterErrorCode::kInternal;
    }
  }
  const bool card_status = error.domain() == ErrorDomain::kCardStatus;
  switch (error.code()) {
    case ErrorCode::kAborted: return CounterErrorCode::kCardRemoved;
    case ErrorCode::kUnavailable: return CounterErrorCode::kReaderUnavailable;
    case ErrorCode::kCancelled: return CounterErrorCode::kCancelled;
    case ErrorCode::kUnauthenticated:
      return card_status ? CounterErrorCode::kWrongPin : CounterErrorCode::kCardError;
    case ErrorCode::kResourceExhausted:
      return card_status ? CounterErrorCode::kPinBlocked : CounterErrorCode::kCardError;
    case ErrorCode::kNotFound:
      // 6A82 at SELECT: no JPKI applet; without a status word: no card at Connect().
      return card_status ? CounterErrorCode::kNotJpkiCard : CounterErrorCode::kCardRemoved;
    case ErrorCode::kUnimplemented:  // unknown token label, INS or CLA
    case ErrorCode::kDataLoss:       // a certificate EF that is not DER
      return CounterErrorCode::kNotJpkiCard;
    default: return CounterErrorCode::kCardError;
  }
}

CounterErrorCode CodeFromWaitError(const Error& error) noexcept {
  switch (error.code()) {
    case ErrorCode::kDeadlineExceeded: return CounterErrorCode::kTimeout;
    case ErrorCode::kCancelled: return CounterErrorCode::kCancelled;
    case ErrorCode::kUnavailable:
    case ErrorCode::kNotFound: return CounterErrorCode::kReaderUnavailable;
    default: return CounterErrorCode::kInternal;
  }
}

CounterErrorCode CodeFromCloudError(const Error& error, std::string_view reason) noexcept {
  // Reasons first: the same reason means the same thing whatever the status.
  struct ReasonCode {
    std::string_view reason;
    CounterErrorCode code;
  };
  static constexpr ReasonCode kReasons[] = {
      {"certificate_revoked", CounterErrorCode::kCardRevoked},
      {"card_suspended", CounterErrorCode::kCardSuspended},
      {"certificate_expired", CounterErrorCode::kCertificateExpired},
      {"certificate_not_yet_valid", CounterErrorCode::kCertificateExpired},
      {"certificate_untrusted", CounterErrorCode::kCertificateUntrusted},
      {"signature_invalid", CounterErrorCode::kCertificateUntrusted},
      {"challenge_unknown", CounterErrorCode::kChallengeFailed},
      {"challenge_expired", CounterErrorCode::kChallengeFailed},
      {"challenge_used", CounterErrorCode::kChallengeFailed},
      {"challenge_other_terminal", CounterErrorCode::kChallengeFailed},
      {"session_unknown", CounterErrorCode::kSessionExpired},
      {"session_expired", CounterErrorCode::kSessionExpired},
      {"session_other_terminal", CounterErrorCode::kSessionExpired},
      {"session_purpose", CounterErrorCode::kWrongPurpose},
      {"no_mykey_id", CounterErrorCode::kNoMyKeyId},
      {"mykey_id_unknown", CounterErrorCode::kNoMyKeyId},
      {"has_mykey_id", CounterErrorCode::kHasMyKeyId},
      {"mykey_id_taken", CounterErrorCode::kMyKeyIdTaken},
      {"no_service_link", CounterErrorCode::kNoServiceLink},
      {"insufficient_balance", CounterErrorCode::kInsufficientBalance},
      {"programme_not_accepted", CounterErrorCode::kNotAccepted},
      {"cross_municipality_refused", CounterErrorCode::kNotAccepted},
      {"merchant_suspended", CounterErrorCode::kNotAccepted},
      {"not_allowed", CounterErrorCode::kNotAccepted},
      {"unknown_programme", CounterErrorCode::kUnknownProgramme},
      {"unknown_redemption", CounterErrorCode::kUnknownRedemption},
      {"already_captured", CounterErrorCode::kAlreadyCaptured},
      {"already_voided", CounterErrorCode::kAlreadyVoided},
      {"hold_expired", CounterErrorCode::kHoldExpired},
      {"not_captured", CounterErrorCode::kNotCaptured},
      {"refund_exceeds_captured", CounterErrorCode::kRefundExceedsCaptured},
      {"suspended_terminal", CounterErrorCode::kTerminalRefused},
      {"unknown_terminal", CounterErrorCode::kTerminalRefused},
      {"timestamp_out_of_window", CounterErrorCode::kTerminalRefused},
      {"bad_signature", CounterErrorCode::kTerminalRefused},
      {"replayed_nonce", CounterErrorCode::kTerminalRefused},
      {"coupon_malformed", CounterErrorCode::kCouponMalformed},
      {"coupon_unknown", CounterErrorCode::kCouponUnknown},
      {"coupon_used", CounterErrorCode::kCouponUsed},
      {"coupon_expired", CounterErrorCode::kCouponExpired},
      {"too_many_attempts", CounterErrorCode::kTooManyAttempts},
      {"no_default_municipality", CounterErrorCode::kNoDefaultMunicipality},
      {"unknown_municipality", CounterErrorCode::kUnknownMunicipality},
      {"not_a_project", CounterErrorCode::kNotAProject},
      {"unknown_voucher", CounterErrorCode::kVoucherUnknown},
      {"already_redeemed", CounterErrorCode::kVoucherAlreadyRedeemed},
      {"voucher_expired", CounterErrorCode::kVoucherExpired},
      {"not_issued", CounterErrorCode::kVoucherNotIssued},
  };
  if (!reason.empty()) {
    for (const ReasonCode& entry : kReasons) {
      if (entry.reason == reason) return entry.code;
    }
  }
  switch (cloud_client::CloudErrorCodeOf(error)) {
    case CloudErrorCode::kUnreachable: return CounterErrorCode::kCloudUnreachable;
    case CloudErrorCode::kOutcomeUnknown: return CounterErrorCode::kOutcomeUnknown;
    case CloudErrorCode::kUnauthenticated:
    case CloudErrorCode::kForbidden: return CounterErrorCode::kTerminalRefused;
    case CloudErrorCode::kInvalidField:
    case CloudErrorCode::kInvalidParameter: return CounterErrorCode::kInvalidValue;
    case CloudErrorCode::kIdempotencyKeyReuse: return CounterErrorCode::kIdempotencyKeyReuse;
    case CloudErrorCode::kNone:
      // Errors the client makes before sending (no identity, a bad path ID).
      if (error.code() == ErrorCode::kInvalidArgument) return CounterErrorCode::kInvalidValue;
      if (error.code() == ErrorCode::kFailedPrecondition) {
        return CounterErrorCode::kTerminalRefused;
      }
      return CounterErrorCode::kInternal;
    default: return CounterErrorCode::kCloudError;
  }
}

}  // namespace mykey::counter::internal
