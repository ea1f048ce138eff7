#include "mykey/scripted/scripted_card_reader.h"

#include <algorithm>
#include <utility>

namespace mykey::hal {

ScriptedCardReader::ScriptedCardReader(std::string name) : CardReader(std::move(name)) {}

// The base cannot call DoDisconnect() from its destructor (CardReader contract).
ScriptedCardReader::~ScriptedCardReader() {
  static_cast<void>(Disconnect());
}

ScriptedCardReader& ScriptedCardReader::Expect(Bytes command, Bytes response) {
  steps_.push_back(ScriptedStep{std::move(command), false, std::move(response), std::nullopt});
  return *this;
}

ScriptedCardReader& ScriptedCardReader::Expect(std::string_view command_hex,
                                               std::string_view response_hex) {
  auto response = FromHex(response_hex);
  if (!response) {
    mismatches_.push_back("script step " + std::to_string(steps_.size() + 1) +
                          ": invalid response hex");
    response = Bytes{};
  }
  return AddHexStep(command_hex, std::move(*response), std::nullopt);
}

ScriptedCardReader& ScriptedCardReader::ExpectThenFail(Bytes command, Error error) {
  steps_.push_back(ScriptedStep{std::move(command), false, {}, error});
  return *this;
}

ScriptedCardReader& ScriptedCardReader::ExpectThenFail(std::string_view command_hex, Error error) {
  return AddHexStep(command_hex, std::nullopt, error);
}

ScriptedCardReader& ScriptedCardReader::ExpectAnyCommand(Bytes response) {
  steps_.push_back(ScriptedStep{{}, true, std::move(response), std::nullopt});
  return *this;
}

ScriptedCardReader& ScriptedCardReader::AddHexStep(std::string_view command_hex,
                                                   std::optional<Bytes> response,
                                                   std::optional<Error> error) {
  auto command = FromHex(command_hex);
  if (!command) {
    mismatches_.push_back("script step " + std::to_string(steps_.size() + 1) +
                          ": invalid command hex");
    // An empty expected command never equals a real one (those have >= 4 bytes).
    command = Bytes{};
  }
  steps_.push_back(ScriptedStep{std::move(*command), false, response.value_or(Bytes{}), error});
  return *this;
}

Result<Bytes> ScriptedCardReader::DoConnect() {
  if (!card_present_) return Fail(ErrorCode::kNotFound, "no card in the scripted reader");
  return scripted_atr_;
}

Result<Bytes> ScriptedCardReader::DoTransmit(ByteView command, std::chrono::milliseconds timeout) {
  transmissions_.push_back(ScriptedTransmission{Bytes(command.begin(), command.end()), timeout});
  if (next_ >= steps_.size()) {
    mismatches_.push_back("unexpected command after the end of the script: " +
                          ToSpacedHex(command));
    return Fail(ErrorCode::kInternal, "scripted reader: command after the end of the script");
  }
  const ScriptedStep& step = steps_[next_];
  if (!step.any_command && !std::ranges::equal(step.command, command)) {
    mismatches_.push_back("step " + std::to_string(next_ + 1) + ": expected " +
                          ToSpacedHex(step.command) + ", got " + ToSpacedHex(command));
    return Fail(ErrorCode::kInternal, "scripted reader: unexpected command");
  }
  ++next_;
  if (step.error) return Fail(*step.error);
  return step.response;
}

Result<Bytes> ScriptedCardReader::DoReset() {
  ++reset_count_;
  if (!card_present_) return Fail(ErrorCode::kAborted, "card removed");
  return scripted_atr_;
}

Status ScriptedCardReader::DoDisconnect() {
  ++disconnect_count_;
  return Ok();
}

}  // namespace mykey::hal
