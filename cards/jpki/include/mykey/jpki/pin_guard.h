#pragma once

#include <cstdint>
#include <optional>

#include "mykey/base/result.h"
#include "mykey/jpki/jpki_applet.h"
#include "mykey/jpki/pin.h"

namespace mykey::jpki {

/// Why the PinGuard refused a VERIFY: the detail of its errors
/// (ErrorDomain::kPinGuard).
enum class PinGuardReason : int64_t {
  /// Verify() without a Check() since the last VERIFY (no blind retries).
  kNotChecked = 1,
  /// One try left: the caller must pass LastTryConfirmation::kConfirmed.
  kLastTryNeedsConfirmation = 2,
  /// The PIN is blocked: VERIFY would only answer 6984.
  kBlocked = 3,
};

/// The holder's explicit answer to "this is your last try, continue?".
enum class LastTryConfirmation : uint8_t { kNotConfirmed, kConfirmed };

/// Stands between the UI and JpkiApplet::VerifyAuthPin() so that a terminal
/// never burns PIN tries (jpki-card.md §4: a blocked card sends the holder to
/// the city hall):
///  - Check() reads the tries left (without using one) for the UI to show;
///  - Verify() needs a fresh Check(): after each VERIFY that reached the card
///    another Check() is required, so there are no blind retry loops;
///  - it never retries by itself;
///  - with one try left it refuses unless the caller passes kConfirmed;
///  - when blocked it refuses to send VERIFY at all.
/// Refused PINs are wiped without being sent.
///
/// Thread safety: not thread-safe; one owner drives it with its applet.
class PinGuard {
 public:
  /// @param applet borrowed; must outlive the guard
  explicit PinGuard(JpkiApplet& applet) : applet_(applet) {}
  PinGuard(const PinGuard&) = delete;
  PinGuard& operator=(const PinGuard&) = delete;

  /// Reads the auth PIN status from the card (JpkiApplet::AuthPinTriesLeft()).
  /// @returns the status; the applet's errors unchanged.
  Result<PinStatus> Check();

  /// VERIFYs the auth PIN if the rules allow it. The PIN is consumed (wiped).
  /// @param pin          an auth PIN
  /// @param confirmation kConfirmed once the holder accepted to use the last try
  /// @returns Ok when verified;
  ///  - kFailedPrecondition (kPinGuard, kNotChecked): no fresh Check();
  ///  - kFailedPrecondition (kPinGuard, kLastTryNeedsConfirmation): one try left;
  ///  - kResourceExhausted (kPinGuard, kBlocked): the PIN is blocked; nothing sent;
  ///  - kUnauthenticated (kCardStatus, 63Cx): wrong PIN; tries_left_after_failure();
  ///  - kResourceExhausted (kCardStatus, 63C0): this try blocked the PIN;
  ///  - kResourceExhausted (kCardStatus, 6984): the card says it was blocked;
  ///  - the applet's other errors unchanged.
  Status Verify(Pin pin, LastTryConfirmation confirmation = LastTryConfirmation::kNotConfirmed);

  /// The status from the last Check(), updated by the outcome of Verify().
  std::optional<PinStatus> last_status() const { return last_status_; }
  /// After a wrong PIN: the tries the card says are left.
  std::optional<int> tries_left_after_failure() const { return tries_left_after_failure_; }

 private:
  JpkiApplet& applet_;
  std::optional<PinStatus> last_status_;
  bool fresh_ = false;
  std::optional<int> tries_left_after_failure_;
};

/// The PinGuardReason of an error from PinGuard, or nullopt if the error did
/// not come from the guard's own rules.
std::optional<PinGuardReason> PinGuardReasonOf(const Error& error);

}  // namespace mykey::jpki
