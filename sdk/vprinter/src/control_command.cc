#include "mykey/vprinter/control_command.h"

#include <charconv>

namespace mykey::vprinter {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

Result<ControlCommand> ParseControlLine(std::string_view line) {
  line = Trim(line);
  const size_t space = line.find(' ');
  const std::string_view verb = line.substr(0, space);
  const std::string_view rest = space == std::string_view::npos ? "" : Trim(line.substr(space));
  ControlCommand command;
  if (verb == "status" || verb == "jobs" || verb == "quit") {
    if (!rest.empty()) return Fail(ErrorCode::kInvalidArgument, "this command takes no argument");
    command.verb = verb == "status" ? ControlVerb::kStatus
                   : verb == "jobs" ? ControlVerb::kJobs
                                    : ControlVerb::kQuit;
    return command;
  }
  constexpr std::string_view kAfter = "-after";
  if (verb.size() > kAfter.size() && verb.ends_with(kAfter)) {
    auto fault = ParseFaultCommand(verb.substr(0, verb.size() - kAfter.size()));
    if (!fault) return Fail(ErrorCode::kInvalidArgument, "unknown fault");
    size_t bytes = 0;
    auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), bytes);
    if (rest.empty() || ec != std::errc() || ptr != rest.data() + rest.size()) {
      return Fail(ErrorCode::kInvalidArgument, "usage: <fault>-after BYTES");
    }
    command.verb = ControlVerb::kFaultAfter;
    command.fault = *fault;
    command.bytes = bytes;
    return command;
  }
  auto fault = ParseFaultCommand(verb);
  if (!fault) return Fail(ErrorCode::kInvalidArgument, "unknown command");
  if (!rest.empty()) return Fail(ErrorCode::kInvalidArgument, "this command takes no argument");
  command.verb = ControlVerb::kFault;
  command.fault = *fault;
  return command;
}

}  // namespace mykey::vprinter
