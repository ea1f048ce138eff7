#include "mykey/jpki/pin_guard.h"

#include "mykey/iso7816/status_word.h"

namespace mykey::jpki {
namespace {

auto Refuse(ErrorCode code, const char* why, PinGuardReason reason) {
  return Fail(code, why, ErrorDomain::kPinGuard, static_cast<int64_t>(reason));
}

}  // namespace

Result<PinStatus> PinGuard::Check() {
  fresh_ = false;
  MYKEY_ASSIGN_OR_RETURN(PinStatus status, applet_.AuthPinTriesLeft());
  last_status_ = status;
  fresh_ = true;
  return status;
}

Status PinGuard::Verify(Pin pin, LastTryConfirmation confirmation) {
  Pin consumed(std::move(pin));  // wiped on every path, sent or not
  if (!fresh_ || !last_status_) {
    return Refuse(ErrorCode::kFailedPrecondition, "read the PIN tries left before VERIFY",
                  PinGuardReason::kNotChecked);
  }
  if (last_status_->blocked) {
    return Refuse(ErrorCode::kResourceExhausted, "PIN blocked: no VERIFY sent",
                  PinGuardReason::kBlocked);
  }
  if (!last_status_->verified && last_status_->tries_left <= 1 &&
      confirmation != LastTryConfirmation::kConfirmed) {
    return Refuse(ErrorCode::kFailedPrecondition, "last PIN try needs the holder's confirmation",
                  PinGuardReason::kLastTryNeedsConfirmation);
  }

  fresh_ = false;  // whatever happens next, the next Verify() needs a new Check()
  tries_left_after_failure_.reset();
  Status verified = applet_.VerifyAuthPin(std::move(consumed));
  if (verified) {
    last_status_ = PinStatus{kAuthPinMaxTries, true, false};
    return verified;
  }
  const Error& error = verified.error();
  if (error.domain() == ErrorDomain::kCardStatus) {
    const auto sw = static_cast<uint16_t>(error.detail() & 0xFFFF);
    if (std::optional<int> tries = iso7816::TriesLeftFromStatusWord(sw)) {
      tries_left_after_failure_ = *tries;
      last_status_ = PinStatus{*tries, false, *tries == 0};
    } else if (error.code() == ErrorCode::kResourceExhausted) {
      last_status_ = PinStatus{0, false, true};
    }
  }
  return verified;
}

std::optional<PinGuardReason> PinGuardReasonOf(const Error& error) {
  if (error.domain() != ErrorDomain::kPinGuard) return std::nullopt;
  return static_cast<PinGuardReason>(error.detail());
}

}  // namespace mykey::jpki
