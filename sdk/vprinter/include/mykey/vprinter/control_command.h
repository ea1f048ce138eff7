#pragma once

#include <cstddef>
#include <string_view>

#include "mykey/base/result.h"
#include "mykey/vprinter/virtual_printer.h"

namespace mykey::vprinter {

/// What a control line of mykey-vprinter asks.
enum class ControlVerb : uint8_t {
  kFault,       ///< "paper-out", "paper-near-end", "cover-open", "offline", "error", "ok"
  kFaultAfter,  ///< "<fault>-after N": the fault after N bytes of the coming job
  kStatus,      ///< "status"
  kJobs,        ///< "jobs"
  kQuit,        ///< "quit"
};

/// One parsed control line.
struct ControlCommand {
  ControlVerb verb = ControlVerb::kStatus;
  Fault fault = Fault::kNone;
  size_t bytes = 0;
};

/// Parses one control line (surrounding blanks ignored).
/// @returns kInvalidArgument for an unknown verb, a missing or bad number.
Result<ControlCommand> ParseControlLine(std::string_view line);

}  // namespace mykey::vprinter
