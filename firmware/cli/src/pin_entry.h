#pragma once

#include <string_view>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"

namespace mykey::cli {

/// Reads a PIN from the controlling terminal without echo (termios), after
/// writing `prompt` to the terminal. The buffer is wiped by its owner.
/// @returns kUnavailable if there is no terminal; kCancelled on end of input.
Result<SecretBytes> ReadPinFromTerminal(std::string_view prompt);

/// Reads one line from standard input (for scripts: `echo 1234 | mykey card auth --pin-stdin`).
/// @returns kCancelled on end of input before any character.
Result<SecretBytes> ReadPinFromStdin();

}  // namespace mykey::cli
