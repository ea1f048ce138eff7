#pragma once

// ESC/POS real-time status (DLE EOT n): the requests, the bit layouts of the
// four answers, and their meaning. Pure code, no I/O.

#include <array>
#include <cstdint>
#include <string>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"

namespace mykey::printer {

/// Which status a `DLE EOT n` request asks for.
enum class StatusKind : uint8_t {
  kPrinter = 1,       ///< online/offline, drawer pin, feed button
  kOfflineCause = 2,  ///< cover open, feeding by button, paper-end stop, error
  kErrorCause = 3,    ///< recoverable, auto-cutter, unrecoverable, auto-recoverable errors
  kPaperSensor = 4,   ///< paper roll near-end and end sensors
};

/// The four kinds, in the order they are asked.
inline constexpr std::array<StatusKind, 4> kAllStatusKinds = {
    StatusKind::kPrinter, StatusKind::kOfflineCause, StatusKind::kErrorCause,
    StatusKind::kPaperSensor};

/// `DLE EOT`: 0x10 0x04, followed by n.
inline constexpr uint8_t kDle = 0x10;
inline constexpr uint8_t kEot = 0x04;

/// Every status byte has bit 1 and bit 4 set and bits 0 and 7 clear.
inline constexpr uint8_t kStatusFixedMask = 0x93;
inline constexpr uint8_t kStatusFixedBits = 0x12;

/// The three request bytes `10 04 n`.
std::array<uint8_t, 3> StatusRequest(StatusKind kind);

/// True when `byte` has the fixed bit pattern of a status answer.
constexpr bool IsStatusByte(uint8_t byte) {
  return (byte & kStatusFixedMask) == kStatusFixedBits;
}

/// What the printer reported, merged from the answers to n = 1..4.
///
/// Thread safety: a value type.
struct PrinterStatus {
  bool offline = false;                 ///< n=1 bit 3
  bool drawer_pin_high = false;         ///< n=1 bit 2 (drawer kick connector pin 3)
  bool waiting_for_recovery = false;    ///< n=1 bit 5 (waiting for online recovery)
  bool feed_button_pressed = false;     ///< n=1 bit 6
  bool cover_open = false;              ///< n=2 bit 2
  bool feeding_by_button = false;       ///< n=2 bit 3
  bool paper_end_stop = false;          ///< n=2 bit 5 (printing stopped at paper end)
  bool error = false;                   ///< n=2 bit 6 (an error occurred)
  bool recoverable_error = false;       ///< n=3 bit 2 (model-specific: mechanical/black mark)
  bool autocutter_error = false;        ///< n=3 bit 3
  bool unrecoverable_error = false;     ///< n=3 bit 5
  bool auto_recoverable_error = false;  ///< n=3 bit 6 (head overheat, cover open while printing)
  bool paper_near_end = false;          ///< n=4 bits 2-3 (either near-end sensor)
  bool paper_end = false;               ///< n=4 bits 5-6 (either paper-end sensor)

  /// True when the printer can print: online, cover closed, paper present, no error.
  bool ready() const {
    return !offline && !cover_open && !paper_end && !paper_end_stop && !any_error();
  }
  /// True when any error bit (n=2 bit 6 or any n=3 error) is set.
  bool any_error() const {
    return error || recoverable_error || autocutter_error || unrecoverable_error ||
           auto_recoverable_error;
  }
  /// "online", or the problems, comma-separated ("offline, paper end, cover open").
  std::string ToString() const;

  bool operator==(const PrinterStatus&) const = default;
};

/// Why a printer cannot print (the first that applies, most specific first).
enum class PrinterFault : uint8_t {
  kNone,
  kPaperEnd,
  kCoverOpen,
  kUnrecoverableError,
  kAutocutterError,
  kError,    ///< recoverable, auto-recoverable, or n=2 bit 6 alone
  kOffline,  ///< offline without a more specific cause
};

/// The fault that stops `status` from printing, or kNone when ready().
PrinterFault FaultOf(const PrinterStatus& status);
/// "paper end", "cover open", ... ("none" for kNone).
const char* FaultName(PrinterFault fault);

/// Merges one status answer into `status` (only the fields of that kind change).
/// @param kind   which request `byte` answers
/// @param byte   the answer
/// @param status updated in place
/// @returns kDataLoss (domain kParse, detail = the byte) when the byte lacks
///          the fixed bit pattern of a status answer.
Status ApplyStatusByte(StatusKind kind, uint8_t byte, PrinterStatus& status);

/// Parses the four answers to n = 1, 2, 3, 4 (in that order).
/// @returns the merged status; kDataLoss when an answer lacks the fixed bits.
Result<PrinterStatus> ParsePrinterStatus(const std::array<uint8_t, 4>& answers);

/// The answer a printer in `status` gives to `DLE EOT n` (for emulators and tests).
uint8_t EncodeStatusByte(StatusKind kind, const PrinterStatus& status);

}  // namespace mykey::printer
