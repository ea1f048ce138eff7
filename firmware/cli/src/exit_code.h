#pragma once

#include "mykey/base/error.h"

namespace mykey::cli {

/// Exit codes of `mykey` (stable; documented in `mykey --help`).
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,            ///< anything not below
  kExitUsage = 2,              ///< bad command line
  kExitNoCard = 3,             ///< no reader, no card, or pcscd not running
  kExitWrongPin = 4,           ///< the PIN was wrong; tries left printed
  kExitPinBlocked = 5,         ///< the PIN is blocked (municipal office)
  kExitNeedsConfirmation = 6,  ///< last try: rerun with --confirm-last-try
  kExitNotVerified = 7,        ///< signature or certificate did not verify
  kExitCardRemoved = 8,        ///< the card was removed mid-operation
  kExitNotJpki = 9,            ///< the card has no JPKI applet
};

/// The exit code for an error from the card stack.
int ExitCodeFor(const Error& error);

}  // namespace mykey::cli
