#include "exit_code.h"

#include "mykey/jpki/pin_guard.h"

namespace mykey::cli {

int ExitCodeFor(const Error& error) {
  if (auto reason = jpki::PinGuardReasonOf(error)) {
    switch (*reason) {
      case jpki::PinGuardReason::kLastTryNeedsConfirmation: return kExitNeedsConfirmation;
      case jpki::PinGuardReason::kBlocked: return kExitPinBlocked;
      case jpki::PinGuardReason::kNotChecked: return kExitFailure;
    }
  }
  if (error.domain() == ErrorDomain::kCardStatus) {
    const int64_t sw = error.detail();
    if (sw == 0x6984 || sw == 0x63C0) return kExitPinBlocked;
    if ((sw & 0xFFF0) == 0x63C0) return kExitWrongPin;
  }
  switch (error.code()) {
    case ErrorCode::kUnavailable:
    case ErrorCode::kDeadlineExceeded: return kExitNoCard;
    case ErrorCode::kNotFound: return kExitNoCard;
    case ErrorCode::kAborted: return kExitCardRemoved;
    case ErrorCode::kUnauthenticated: return kExitNotVerified;
    case ErrorCode::kInvalidArgument: return kExitUsage;
    default: return kExitFailure;
  }
}

}  // namespace mykey::cli
