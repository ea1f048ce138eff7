// The one place that names the Counter's error codes and packs them into a
// mykey::Error (the mapping from the lower layers is in error_mapping.cc).
#include <cstdint>
#include <optional>
#include <string_view>

#include "mykey/counter/counter.h"

namespace mykey::counter {
namespace {

// detail = kTag << 24 | (tries_left + 1) << 8 | code: tag marks a counter
// error; tries + 1 so that 0 means "none".
constexpr int64_t kTag = 0x4D4B43;  // "MKC"

ErrorCode CoarseCode(CounterErrorCode code) noexcept {
  switch (code) {
    case CounterErrorCode::kNone: return ErrorCode::kInternal;
    case CounterErrorCode::kReaderUnavailable: return ErrorCode::kUnavailable;
    case CounterErrorCode::kTimeout: return ErrorCode::kDeadlineExceeded;
    case CounterErrorCode::kCancelled: return ErrorCode::kCancelled;
    case CounterErrorCode::kNoCard: return ErrorCode::kFailedPrecondition;
    case CounterErrorCode::kCardRemoved: return ErrorCode::kAborted;
    case CounterErrorCode::kNotJpkiCard: return ErrorCode::kNotFound;
    case CounterErrorCode::kCardError: return ErrorCode::kInternal;
    case CounterErrorCode::kWrongPin: return ErrorCode::kUnauthenticated;
    case CounterErrorCode::kPinBlocked: return ErrorCode::kResourceExhausted;
    case CounterErrorCode::kLastTryNeedsConfirmation: return ErrorCode::kFailedPrecondition;
    case CounterErrorCode::kTapOnlyNotAllowed: return ErrorCode::kPermissionDenied;
    case CounterErrorCode::kPinSessionRequired: return ErrorCode::kPermissionDenied;
    case CounterErrorCode::kNotAuthenticated: return ErrorCode::kFailedPrecondition;
    case CounterErrorCode::kWrongPurpose: return ErrorCode::kPermissionDenied;
    case CounterErrorCode::kSessionExpired: return ErrorCode::kUnauthenticated;
    case CounterErrorCode::kCardRevoked: return ErrorCode::kPermissionDenied;
    case CounterErrorCode::kCardSuspended: return ErrorCode::kPermissionDenied;
    case CounterErrorCode::kCertificateExpired: return ErrorCode::kPermissionDenied;
    case CounterErrorCode::kCertificateUntrusted: return ErrorCode::kUnauthenticated;
    case CounterErrorCode::kChallengeFailed: return ErrorCode::kFailedPrecondition;
    case CounterErrorCode::kNoMyKeyId: return ErrorCode::kNotFound;
    case CounterErrorCode::kHasMyKeyId: return ErrorCode::kAlreadyExists;
    case CounterErrorCode::kMyKeyIdTaken: return ErrorCode::kAlreadyExists;
    case CounterErrorCode::kNoServiceLink: return ErrorCode::kNotFound;
    case CounterErrorCode::kInvalidValue: return ErrorCode::kInvalidArgument;
    case CounterErrorCode::kInsufficientBalance: return ErrorCode::kFailedPrecondition;
    case CounterErrorCode::kNotAccepted: return ErrorCode::kPermissionDenied;
    case CounterErrorCode::kUnknownProgramme: return ErrorCode::kNotFound;
    case CounterErrorCode::kUnknownRedemption: return ErrorCode::kNotFound;
    case CounterErrorCode::kAlreadyCaptured: return ErrorCode::kFailedPrecondition;
    case CounterErrorCode::kAlreadyVoided: return ErrorCode::kFailedPrecondition;
    case CounterErrorCode::kHoldExpired: return ErrorCode::kFailedPrecondition;
    case CounterErrorCode::kNotCaptured: return ErrorCode::kFailedPrecondition;
    case CounterErrorCode::kRefundExceedsCaptured: return ErrorCode::kFailedPrecondition;
    case CounterErrorCode::kIdempotencyKeyReuse: return ErrorCode::kAlreadyExists;
    case CounterErrorCode::kOutcomeUnknown: return ErrorCode::kAborted;
    case CounterErrorCode::kNotApplied: return ErrorCode::kNotFound;
    case CounterErrorCode::kCloudUnreachable: return ErrorCode::kUnavailable;
    case CounterErrorCode::kTerminalRefused: return ErrorCode::kPermissionDenied;
    case CounterErrorCode::kCloudError: return ErrorCode::kUnavailable;
    case CounterErrorCode::kInternal: return ErrorCode::kInternal;
    case CounterErrorCode::kCouponMalformed: return ErrorCode::kInvalidArgument;
    case CounterErrorCode::kCouponUnknown: return ErrorCode::kNotFound;
    case CounterErrorCode::kCouponUsed: return ErrorCode::kFailedPrecondition;
    case CounterErrorCode::kCouponExpired: return ErrorCode::kFailedPrecondition;
    case CounterErrorCode::kTooManyAttempts: return ErrorCode::kResourceExhausted;
    case CounterErrorCode::kNoDefaultMunicipality: return ErrorCode::kFailedPrecondition;
    case CounterErrorCode::kUnknownMunicipality: return ErrorCode::kNotFound;
    case CounterErrorCode::kNotAProject: return ErrorCode::kFailedPrecondition;
    case CounterErrorCode::kUnknownHolder: return ErrorCode::kNotFound;
    case CounterErrorCode::kOfflineRefused: return ErrorCode::kPermissionDenied;
    case CounterErrorCode::kVoucherUnknown: return ErrorCode::kNotFound;
    case CounterErrorCode::kVoucherAlreadyRedeemed: return ErrorCode::kFailedPrecondition;
    case CounterErrorCode::kVoucherExpired: return ErrorCode::kFailedPrecondition;
    case CounterErrorCode::kVoucherNotIssued: return ErrorCode::kFailedPrecondition;
    case CounterErrorCode::kVoucherVoided: return ErrorCode::kFailedPrecondition;
    case CounterErrorCode::kVoucherInvalid: return ErrorCode::kInvalidArgument;
  }
  return ErrorCode::kInternal;
}

}  // namespace

std::string_view CounterErrorCodeName(CounterErrorCode code) noexcept {
  switch (code) {
    case CounterErrorCode::kNone: return "none";
    case CounterErrorCode::kReaderUnavailable: return "reader_unavailable";
    case CounterErrorCode::kTimeout: return "timeout";
    case CounterErrorCode::kCancelled: return "cancelled";
    case CounterErrorCode::kNoCard: return "no_card";
    case CounterErrorCode::kCardRemoved: return "card_removed";
    case CounterErrorCode::kNotJpkiCard: return "not_jpki_card";
    case CounterErrorCode::kCardError: return "card_error";
    case CounterErrorCode::kWrongPin: return "wrong_pin";
    case CounterErrorCode::kPinBlocked: return "pin_blocked";
    case CounterErrorCode::kLastTryNeedsConfirmation: return "last_try_needs_confirmation";
    case CounterErrorCode::kTapOnlyNotAllowed: return "tap_only_not_allowed";
    case CounterErrorCode::kPinSessionRequired: return "pin_session_required";
    case CounterErrorCode::kNotAuthenticated: return "not_authenticated";
    case CounterErrorCode::kWrongPurpose: return "wrong_purpose";
    case CounterErrorCode::kSessionExpired: return "session_expired";
    case CounterErrorCode::kCardRevoked: return "card_revoked";
    case CounterErrorCode::kCardSuspended: return "card_suspended";
    case CounterErrorCode::kCertificateExpired: return "certificate_expired";
    case CounterErrorCode::kCertificateUntrusted: return "certificate_untrusted";
    case CounterErrorCode::kChallengeFailed: return "challenge_failed";
    case CounterErrorCode::kNoMyKeyId: return "no_mykey_id";
    case CounterErrorCode::kHasMyKeyId: return "has_mykey_id";
    case CounterErrorCode::kMyKeyIdTaken: return "mykey_id_taken";
    case CounterErrorCode::kNoServiceLink: return "no_service_link";
    case CounterErrorCode::kInvalidValue: return "invalid_value";
    case CounterErrorCode::kInsufficientBalance: return "insufficient_balance";
    case CounterErrorCode::kNotAccepted: return "not_accepted";
    case CounterErrorCode::kUnknownProgramme: return "unknown_programme";
    case CounterErrorCode::kUnknownRedemption: return "unknown_redemption";
    case CounterErrorCode::kAlreadyCaptured: return "already_captured";
    case CounterErrorCode::kAlreadyVoided: return "already_voided";
    case CounterErrorCode::kHoldExpired: return "hold_expired";
    case CounterErrorCode::kNotCaptured: return "not_captured";
    case CounterErrorCode::kRefundExceedsCaptured: return "refund_exceeds_captured";
    case CounterErrorCode::kIdempotencyKeyReuse: return "idempotency_key_reuse";
    case CounterErrorCode::kOutcomeUnknown: return "outcome_unknown";
    case CounterErrorCode::kNotApplied: return "not_applied";
    case CounterErrorCode::kCloudUnreachable: return "cloud_unreachable";
    case CounterErrorCode::kTerminalRefused: return "terminal_refused";
    case CounterErrorCode::kCloudError: return "cloud_error";
    case CounterErrorCode::kInternal: return "internal";
    case CounterErrorCode::kCouponMalformed: return "coupon_malformed";
    case CounterErrorCode::kCouponUnknown: return "coupon_unknown";
    case CounterErrorCode::kCouponUsed: return "coupon_used";
    case CounterErrorCode::kCouponExpired: return "coupon_expired";
    case CounterErrorCode::kTooManyAttempts: return "too_many_attempts";
    case CounterErrorCode::kNoDefaultMunicipality: return "no_default_municipality";
    case CounterErrorCode::kUnknownMunicipality: return "unknown_municipality";
    case CounterErrorCode::kNotAProject: return "not_a_project";
    case CounterErrorCode::kUnknownHolder: return "unknown_holder";
    case CounterErrorCode::kOfflineRefused: return "offline_refused";
    case CounterErrorCode::kVoucherUnknown: return "voucher_unknown";
    case CounterErrorCode::kVoucherAlreadyRedeemed: return "voucher_already_redeemed";
    case CounterErrorCode::kVoucherExpired: return "voucher_expired";
    case CounterErrorCode::kVoucherNotIssued: return "voucher_not_issued";
    case CounterErrorCode::kVoucherVoided: return "voucher_voided";
    case CounterErrorCode::kVoucherInvalid: return "voucher_invalid";
  }
  return "unknown";
}

Error MakeCounterError(CounterErrorCode code, std::optional<int> tries_left) noexcept {
  const int64_t tries = tries_left && *tries_left >= 0 && *tries_left < 255 ? *tries_left + 1 : 0;
  const int64_t detail = (kTag << 24) | (tries << 8) | static_cast<int64_t>(code);
  return Error(CoarseCode(code), "counter refused or failed (see CounterErrorCodeOf)",
               ErrorDomain::kNone, detail);
}

CounterErrorCode CounterErrorCodeOf(const Error& error) noexcept {
  if (error.domain() != ErrorDomain::kNone || (error.detail() >> 24) != kTag) {
    return CounterErrorCode::kNone;
  }
  return static_cast<CounterErrorCode>(error.detail() & 0xFF);
}

std::optional<int> PinTriesLeftOf(const Error& error) noexcept {
  if (CounterErrorCodeOf(error) != CounterErrorCode::kWrongPin) return std::nullopt;
  const int64_t tries = (error.detail() >> 8) & 0xFFFF;
  if (tries == 0) return std::nullopt;
  return static_cast<int>(tries - 1);
}

std::string_view FlowStepName(FlowStep step) noexcept {
  switch (step) {
    case FlowStep::kWaitingForCard: return "waiting_for_card";
    case FlowStep::kReadingCard: return "reading_card";
    case FlowStep::kCheckingRevocation: return "checking_revocation";
    case FlowStep::kReadingPinTries: return "reading_pin_tries";
    case FlowStep::kWaitingForPin: return "waiting_for_pin";
    case FlowStep::kVerifyingPin: return "verifying_pin";
    case FlowStep::kRequestingChallenge: return "requesting_challenge";
    case FlowStep::kSigning: return "signing";
    case FlowStep::kOpeningSession: return "opening_session";
    case FlowStep::kLookingUpService: return "looking_up_service";
    case FlowStep::kReadingBalances: return "reading_balances";
    case FlowStep::kRedeeming: return "redeeming";
    case FlowStep::kCapturing: return "capturing";
    case FlowStep::kVoiding: return "voiding";
    case FlowStep::kRefunding: return "refunding";
    case FlowStep::kRecovering: return "recovering";
    case FlowStep::kCreatingMyKeyId: return "creating_mykey_id";
    case FlowStep::kChangingMyKeyId: return "changing_mykey_id";
    case FlowStep::kLinkingService: return "linking_service";
    case FlowStep::kReportingLost: return "reporting_lost";
    case FlowStep::kEnrolling: return "enrolling";
    case FlowStep::kTestingConnection: return "testing_connection";
    case FlowStep::kConvertingCoupon: return "converting_coupon";
    case FlowStep::kDonating: return "donating";
    case FlowStep::kSettingMunicipality: return "setting_municipality";
  }
  return "unknown";
}

}  // namespace mykey::counter
