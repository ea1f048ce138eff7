#pragma once

// The one place where errors of the lower layers (reader, card, PIN guard,
// cloud client) become CounterErrorCodes.

#include <string_view>

#include "mykey/base/error.h"
#include "mykey/counter/counter.h"

namespace mykey::counter::internal {

/// The code for an error of the reader, the card channel, the JPKI applet or
/// the PIN guard.
CounterErrorCode CodeFromCardError(const Error& error) noexcept;

/// The code for an error of the reader monitor's waits.
CounterErrorCode CodeFromWaitError(const Error& error) noexcept;

/// The code for an error of the cloud client, with the cloud's reason.
CounterErrorCode CodeFromCloudError(const Error& error, std::string_view reason) noexcept;

}  // namespace mykey::counter::internal
