#pragma once

// Writing to a printer that signals busy on DSR, which termios cannot do by
// itself: the loop is apart from the ioctls so that it can be tested without
// modem lines (a pty has none).

#include <chrono>
#include <cstddef>
#include <functional>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"

namespace mykey::printer::internal {

/// What pacing needs from the line.
///
/// Thread safety: a value type; the calls run on the writing thread.
struct PacedLine {
  /// Whether DSR is asserted (the printer can take bytes).
  std::function<Result<bool>()> dsr_up;
  /// Bytes written and not yet sent by the line (TIOCOUTQ).
  std::function<Result<size_t>()> unsent;
  /// Writes all of the bytes within the timeout.
  std::function<Status(ByteView, std::chrono::milliseconds)> write;
};

/// Writes `data` in chunks of at most `chunk` bytes, each once the line has
/// sent the previous one and DSR is up.
/// @returns kDeadlineExceeded (detail: bytes written) when DSR stayed down or
///          the line did not send by `deadline`; the line's errors (kUnavailable
///          once bytes went out becomes kDataLoss).
Status WritePaced(const PacedLine& line, ByteView data,
                  std::chrono::steady_clock::time_point deadline, size_t chunk);

}  // namespace mykey::printer::internal
