#include "control_command.h"

#include <charconv>
#include <vector>

namespace mykey::vcard {
namespace {

std::vector<std::string_view> Words(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

}  // namespace

Result<ControlCommand> ParseControlLine(std::string_view line) {
  const std::vector<std::string_view> words = Words(line);
  if (words.empty()) return Fail(ErrorCode::kInvalidArgument, "empty command");
  const std::string_view verb = words[0];
  ControlCommand command;
  if (verb == "insert") {
    if (words.size() > 2) return Fail(ErrorCode::kInvalidArgument, "usage: insert [card.json]");
    command.verb = ControlVerb::kInsert;
    if (words.size() == 2) command.card_path = std::string(words[1]);
    return command;
  }
  if (verb == "remove-after") {
    if (words.size() != 2) return Fail(ErrorCode::kInvalidArgument, "usage: remove-after N");
    uint32_t n = 0;
    const char* first = words[1].data();
    const char* last = first + words[1].size();
    auto [end, ec] = std::from_chars(first, last, n);
    if (ec != std::errc() || end != last) {
      return Fail(ErrorCode::kInvalidArgument, "remove-after needs a count of APDUs");
    }
    command.verb = ControlVerb::kRemoveAfter;
    command.commands = n;
    return command;
  }
  if (words.size() != 1) return Fail(ErrorCode::kInvalidArgument, "this command takes no argument");
  if (verb == "remove") {
    command.verb = ControlVerb::kRemove;
  } else if (verb == "status") {
    command.verb = ControlVerb::kStatus;
  } else if (verb == "quit") {
    command.verb = ControlVerb::kQuit;
  } else {
    return Fail(ErrorCode::kInvalidArgument, "unknown command");
  }
  return command;
}

}  // namespace mykey::vcard
