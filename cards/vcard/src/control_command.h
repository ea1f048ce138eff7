#pragma once

// The line commands of mykey-vcard's control channel (stdin or a Unix socket):
//   insert [card.json] | remove | remove-after N | status | quit
// One command per line, one reply line per command ("ok ..." / "error ...").

#include <cstdint>
#include <string>
#include <string_view>

#include "mykey/base/result.h"

namespace mykey::vcard {

enum class ControlVerb { kInsert, kRemove, kRemoveAfter, kStatus, kQuit };

struct ControlCommand {
  ControlVerb verb = ControlVerb::kStatus;
  std::string card_path;  ///< kInsert: another personalisation file (empty: the current one)
  uint32_t commands = 0;  ///< kRemoveAfter: APDUs still answered before the card is pulled
};

/// Parses one line (without its newline; a trailing '\r' and surrounding
/// blanks are ignored). @returns kInvalidArgument for an empty line, an
/// unknown verb, a missing/extra argument, or a count that is not a decimal
/// number below 2^32.
Result<ControlCommand> ParseControlLine(std::string_view line);

}  // namespace mykey::vcard
