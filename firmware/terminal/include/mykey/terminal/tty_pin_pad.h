#pragma once

// The holder's PIN pad on a terminal device: echo off (termios), one mark per
// digit, Enter to confirm, Esc to cancel, cancellable from another thread.
// The digits live in one fixed buffer that is wiped when the PIN leaves it.

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "mykey/base/result.h"
#include "mykey/jpki/pin.h"
#include "mykey/terminal/card_removal_watch.h"
#include "mykey/terminal/config.h"
#include "mykey/terminal/flow.h"

namespace mykey::terminal {

/// What a key did to the PIN being typed.
enum class KeyOutcome : uint8_t {
  kDigitAdded,
  kDigitRemoved,
  kIgnored,    ///< not a digit, or a fifth digit, or backspace on nothing
  kComplete,   ///< Enter with four digits
  kTooShort,   ///< Enter with fewer than four
  kCancelled,  ///< Esc or Ctrl-C
};

/// The keys of one PIN entry, as a pure state machine: at most four digits in
/// a fixed buffer, wiped by TakePin(), Clear() and the destructor.
///
/// Thread safety: not thread-safe.
class PinKeypad {
 public:
  static constexpr size_t kDigits = 4;

  PinKeypad() = default;
  PinKeypad(const PinKeypad&) = delete;
  PinKeypad& operator=(const PinKeypad&) = delete;
  ~PinKeypad() { Clear(); }

  /// Applies one byte from the keyboard.
  KeyOutcome Feed(uint8_t key);
  /// Digits typed so far.
  size_t size() const { return size_; }
  /// Hands the four digits over as a jpki::Pin and wipes the buffer.
  /// @returns the PIN; kFailedPrecondition when fewer than four digits.
  Result<jpki::Pin> TakePin();
  /// Wipes the buffer.
  void Clear() noexcept;
  /// True when no digit is held (every byte of the buffer is zero).
  bool IsClear() const noexcept;

 private:
  std::array<uint8_t, kDigits> digits_{};
  size_t size_ = 0;
};

/// A PinPad on a terminal device (default /dev/tty).
///
/// Thread safety: Cancel() and Reset() from any thread; the rest on the
/// flow's thread.
class TtyPinPad final : public PinPad {
 public:
  /// @param device   the terminal ("/dev/tty", "/dev/tty1", a pty in tests)
  /// @param language prompts in this language
  /// @param timeout  how long the holder has to type the PIN
  /// @returns the pad; kInternal when the cancel event cannot be made.
  static Result<std::unique_ptr<TtyPinPad>> Create(std::string device, Language language,
                                                   std::chrono::milliseconds timeout);
  ~TtyPinPad() override;

  jpki::LastTryConfirmation ConfirmLastTry() override;
  /// Reads four digits with echo off, one "●" shown per digit. With a card
  /// watch, the wait also ends when the card leaves request.reader.
  /// @returns the PIN; kAborted (the card was taken away: no PIN);
  ///          kCancelled (Esc, Cancel(), end of input, timeout);
  ///          kUnavailable (the device cannot be opened).
  Result<jpki::Pin> RequestPin(const counter::PinRequest& request) override;
  void Cancel() override;
  void Reset() override;

  /// Held while the holder types (see Console's tty_gate); borrowed, may be nullptr.
  void set_tty_gate(std::mutex* gate) { tty_gate_ = gate; }
  /// Watches the card's reader while the PIN is asked; borrowed, may be nullptr.
  void set_card_watch(CardRemovalWatch* watch) { card_watch_ = watch; }

 private:
  TtyPinPad(std::string device, Language language, std::chrono::milliseconds timeout, int event);
  // Reads one byte from `fd`, waiting for it, a cancel, the card leaving
  // (`card_gone`, -1 for none) or the deadline.
  Result<uint8_t> ReadKey(int fd, std::chrono::steady_clock::time_point deadline,
                          int card_gone = -1);

  std::string device_;
  Language language_;
  std::chrono::milliseconds timeout_;
  int cancel_event_;
  std::mutex* tty_gate_ = nullptr;
  CardRemovalWatch* card_watch_ = nullptr;
};

}  // namespace mykey::terminal
