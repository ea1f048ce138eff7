#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/base/bytes.h"
#include "mykey/base/error.h"
#include "mykey/base/result.h"
#include "mykey/card_reader/card_reader.h"

namespace mykey::hal {

/// One expected exchange of a ScriptedCardReader.
struct ScriptedStep {
  /// The exact command APDU expected; ignored when `any_command` is set.
  Bytes command;
  /// Accept whatever command comes (a "fuzzing reader" replays answers).
  bool any_command = false;
  /// The response (data + SW1 SW2) to answer with, unless `error` is set.
  Bytes response;
  /// An error to inject instead of a response (kAborted "card removed", ...).
  std::optional<Error> error;
};

/// One command the reader actually received, with the timeout it was given.
struct ScriptedTransmission {
  Bytes command;
  std::chrono::milliseconds timeout;
};

/// A Scripted test double of CardReader: replays an expected exchange step by
/// step and checks every command byte for byte (golden APDUs).
///
/// A command that differs from the next step (or arrives after the script is
/// used up) fails the Transmit() with kInternal, does not consume the step,
/// and is recorded in mismatches(). Tests assert `AllConsumed()` and an empty
/// `mismatches()`.
///
/// Steps written as hex strings use FromHex() syntax ("00 A4 04 0C", "6A82");
/// a step with invalid hex is recorded as a mismatch and can never match.
///
/// The double keeps every command it receives (transmissions()), PINs
/// included: it is for tests only, never for a product build.
///
/// Thread safety: not thread-safe; one test drives it.
class ScriptedCardReader final : public CardReader {
 public:
  /// @param name the reader name reported by name()
  explicit ScriptedCardReader(std::string name = "Scripted Reader 00");
  ~ScriptedCardReader() override;

  /// The ATR returned by Connect() and Reset() (default `3B 00`).
  void set_atr(Bytes atr) { scripted_atr_ = std::move(atr); }
  /// Makes Connect() fail with kNotFound (no card) while false.
  void set_card_present(bool present) { card_present_ = present; }

  /// Appends a step: expect `command`, answer `response`.
  ScriptedCardReader& Expect(Bytes command, Bytes response);
  /// Appends a step from hex strings.
  ScriptedCardReader& Expect(std::string_view command_hex, std::string_view response_hex);
  /// Appends a step: expect `command`, fail the Transmit() with `error`
  /// (for example `Error(ErrorCode::kAborted, "card removed")`).
  ScriptedCardReader& ExpectThenFail(Bytes command, Error error);
  ScriptedCardReader& ExpectThenFail(std::string_view command_hex, Error error);
  /// Appends a step that accepts any command and answers `response`.
  ScriptedCardReader& ExpectAnyCommand(Bytes response);

  /// True when every step has been consumed.
  bool AllConsumed() const { return next_ == steps_.size(); }
  /// Number of steps not yet consumed.
  size_t remaining() const { return steps_.size() - next_; }
  /// Human-readable descriptions of every unexpected command so far.
  const std::vector<std::string>& mismatches() const { return mismatches_; }
  /// Every command received by DoTransmit(), matched or not, in order.
  const std::vector<ScriptedTransmission>& transmissions() const { return transmissions_; }
  /// How many times Reset() and Disconnect() reached the backend.
  int reset_count() const { return reset_count_; }
  int disconnect_count() const { return disconnect_count_; }

 private:
  Result<Bytes> DoConnect() override;
  Result<Bytes> DoTransmit(ByteView command, std::chrono::milliseconds timeout) override;
  Result<Bytes> DoReset() override;
  Status DoDisconnect() override;

  ScriptedCardReader& AddHexStep(std::string_view command_hex, std::optional<Bytes> response,
                                 std::optional<Error> error);

  Bytes scripted_atr_{0x3B, 0x00};
  bool card_present_ = true;
  std::vector<ScriptedStep> steps_;
  size_t next_ = 0;
  std::vector<std::string> mismatches_;
  std::vector<ScriptedTransmission> transmissions_;
  int reset_count_ = 0;
  int disconnect_count_ = 0;
};

}  // namespace mykey::hal
