#pragma once

// The clerk's and the holder's console: a thin layer over the desk. It shows
// the idle screen of the mode, reads the clerk's keys (an amount, a menu
// choice), submits operations, and follows every operation (its own or the
// POS's) with large screens until its final state.

#include <atomic>
#include <mutex>
#include <string>

#include "mykey/terminal/config.h"
#include "mykey/terminal/console_screen.h"
#include "mykey/terminal/operation_desk.h"

namespace mykey::terminal {

/// What a line the clerk typed asks for, per mode. Pure.
///
/// Thread safety: a value type.
struct ClerkCommand {
  enum class Action : uint8_t {
    kNone,  ///< empty or not understood (`invalid` says which)
    kQuit,
    kStart,    ///< start `request`
    kAskMore,  ///< the next prompt is needed (refund: id then amount, kiosk: a value)
  };
  Action action = Action::kNone;
  bool invalid = false;
  OperationRequest request;
};

/// Reads one clerk line in the idle state: shop "500" (redeem), "r" (refund),
/// "w" (who is this); library and facility Enter; shop and facility "v"
/// (redeem a voucher: asks for it); kiosk "1".."5"; "q" quits.
ClerkCommand ParseClerkLine(const TerminalConfig& config, std::string_view line);

/// Puts what the clerk typed (or a keyboard scanner sent) for a voucher into
/// `request`: the QR text ("MKV:…") as the token, an absolute path ("/…") as
/// the image, anything else as the typed serial. Pure.
/// @returns false (request untouched) for an empty entry.
bool PutVoucherInput(std::string_view typed, OperationRequest& request);

/// The console on a pair of descriptors (the process's terminal).
///
/// Thread safety: Run() on one thread; `stop` may be set from any thread.
class Console {
 public:
  /// @param in, out  borrowed descriptors (a TTY: ANSI screens)
  /// @param tty_gate held around every read of `in`; the PIN pad holds it
  ///                 while the holder types, so that no PIN key reaches the
  ///                 clerk's console on a shared terminal (may be nullptr)
  Console(int in, int out, TerminalConfig config, OperationDesk& desk,
          std::mutex* tty_gate = nullptr);

  /// Runs until the clerk quits or `stop` becomes true.
  void Run(const std::atomic<bool>& stop);

  /// Waits up to `ms` milliseconds for the clerk's input and reads it,
  /// holding the gate; reads nothing while an operation is pending or runs
  /// (its keys may be a holder's PIN).
  /// @returns the bytes read; 0 when none; -1 at the end of input.
  ssize_t ReadSome(char* buf, size_t size, int ms);

 private:
  void Show(const Screen& screen);
  // `idle`: the idle screen is up (refreshed when the offline queue changes).
  bool ReadLine(std::string& line, const std::atomic<bool>& stop, bool idle);
  Screen Idle();
  std::string Ask(std::string_view prompt, const std::atomic<bool>& stop);
  void Follow(const std::string& id, const std::atomic<bool>& stop);
  void Start(ClerkCommand command, const std::atomic<bool>& stop);

  int in_;
  int out_;
  TerminalConfig config_;
  OperationDesk& desk_;
  std::mutex* tty_gate_;
  ScreenStyle style_;
  std::string typed_;                              // keys read but not yet taken as a line
  std::optional<OfflineQueueStatus> shown_queue_;  // on the idle screen
};

}  // namespace mykey::terminal
