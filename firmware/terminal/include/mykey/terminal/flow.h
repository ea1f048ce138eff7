#pragma once

// The per-mode flows as state machines over the counter facade: pure code
// (the counter, the PIN pad, the printer, the library output and the voucher
// issuer are interfaces), so each machine is tested without I/O.
//
//   redeem          checking_request → waiting_for_card → authenticating →
//                   reading_balances → redeeming → printing
//   refund          checking_request → refunding → printing
//   who_is_this     checking_request → waiting_for_card → authenticating →
//                   looking_up_service
//   library_lookup  ... looking_up_service → delivering_number (a tap-only
//                   holder whom the cloud will not look up goes back to
//                   authenticating, with the PIN)
//   create_mykey_id / link_service / report_lost
//                   ... authenticating (for that purpose) → the call
//   issue_voucher   ... authenticating → issuing_voucher → printing
//   redeem_voucher  checking_request → checking_voucher (offline) →
//                   redeeming_voucher (online, once) → printing (no card)
//   facility_entry  as redeem, with the configured fee
//
// Any failure ends the machine in `failed` with a reason; a cancel before
// points move ends it in `cancelled`; after points moved the flow completes.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/base/result.h"
#include "mykey/counter/counter.h"
#include "mykey/terminal/config.h"
#include "mykey/terminal/counter_port.h"
#include "mykey/terminal/operation.h"
#include "mykey/terminal/voucher_redeemer.h"
#include "mykey/voucher/voucher_layout.h"

namespace mykey::terminal {

/// The holder's PIN pad: a counter::PinEntry that can be woken by a cancel.
///
/// Thread safety: Cancel() from any thread; the rest on the flow's thread.
class PinPad : public counter::PinEntry {
 public:
  /// Makes a pending (or the next) RequestPin()/ConfirmLastTry() give up.
  virtual void Cancel() = 0;
  /// Forgets an earlier Cancel() (called when an operation starts).
  virtual void Reset() = 0;
};

/// Prints receipts and vouchers with proof of print where the printer gives it.
///
/// Thread safety: called from the flow's thread only.
class ReceiptPrinter {
 public:
  ReceiptPrinter() = default;
  ReceiptPrinter(const ReceiptPrinter&) = delete;
  ReceiptPrinter& operator=(const ReceiptPrinter&) = delete;
  virtual ~ReceiptPrinter() = default;

  /// Whether a voucher printed here could be proven printed: the printer can be reached and
  /// reports its status (a two-way port). Asked before a voucher is issued or reprinted.
  /// @returns Ok; kFailedPrecondition for a printer that cannot report its status (one-way);
  ///          the port's errors (kUnavailable, ...) when it cannot be opened.
  Status CheckProofOfPrint() { return DoCheckProofOfPrint(); }

  PrintState PrintRedemption(const voucher::RedemptionReceiptData& data) {
    return DoPrintRedemption(data);
  }
  PrintState PrintRefund(const voucher::RefundReceiptData& data) { return DoPrintRefund(data); }
  PrintState PrintVoucher(const voucher::VoucherPrintData& data) { return DoPrintVoucher(data); }

 private:
  virtual PrintState DoPrintRedemption(const voucher::RedemptionReceiptData& data) = 0;
  virtual PrintState DoPrintRefund(const voucher::RefundReceiptData& data) = 0;
  virtual PrintState DoPrintVoucher(const voucher::VoucherPrintData& data) = 0;
  virtual Status DoCheckProofOfPrint() = 0;
};

/// Where a library number goes (stdout, a URL, a uinput keyboard).
///
/// Thread safety: called from the flow's thread only.
class LibraryOutput {
 public:
  LibraryOutput() = default;
  LibraryOutput(const LibraryOutput&) = delete;
  LibraryOutput& operator=(const LibraryOutput&) = delete;
  virtual ~LibraryOutput() = default;

  /// Hands `number` to the library system.
  /// @returns Ok, or the output's error (kUnavailable: the system did not take it).
  Status Deliver(std::string_view number) { return DoDeliver(number); }

 private:
  virtual Status DoDeliver(std::string_view number) = 0;
};

/// A voucher the cloud issued against the holder's points.
struct IssuedVoucher {
  voucher::VoucherPrintData print;  ///< token, names, conditions
  std::string serial;               ///< for the result and ConfirmPrint()
  int64_t balance = 0;              ///< the holder's balance afterwards
};

/// A pending voucher printed again (a duplicate, 再発行).
struct ReprintedVoucher {
  std::string serial;
  int64_t amount = 0;
  PrintState print = PrintState::kNone;  ///< how the duplicate printed
  std::string state;                     ///< the cloud's state now: "issued" or "pending_print"
};

/// Issues vouchers for the authenticated holder, and (kiosk staff, no card)
/// lists, reprints or voids the ones whose print was not confirmed.
///
/// Thread safety: called from the flow's thread only.
class VoucherIssuer {
 public:
  virtual ~VoucherIssuer() = default;
  /// This terminal's vouchers still pending_print.
  /// @returns the list; kUnimplemented when the issuer keeps none.
  virtual Result<std::vector<PendingVoucher>> ListPending() {
    return Fail(ErrorCode::kUnimplemented, "pending vouchers are not kept");
  }
  /// Prints pending voucher `serial` again as a duplicate and confirms it if
  /// the printer confirmed the job (else it stays pending).
  /// @returns the outcome; kNotFound (not one of this terminal's pending
  ///          vouchers); kUnimplemented; a counter error from the cloud.
  virtual Result<ReprintedVoucher> Reprint(std::string_view serial) {
    (void)serial;
    return Fail(ErrorCode::kUnimplemented, "reprints are not supported");
  }
  /// Voids pending voucher `serial` (the points go back).
  /// @returns the voucher as it was; kNotFound; kUnimplemented; a counter error.
  virtual Result<PendingVoucher> Void(std::string_view serial) {
    (void)serial;
    return Fail(ErrorCode::kUnimplemented, "voids are not supported");
  }
  /// @returns the voucher; an error with a counter code for refusals.
  virtual Result<IssuedVoucher> Issue(int64_t programme_id, int64_t amount) = 0;
  /// Tells the issuer how the print went: a voucher counts as issued only
  /// once printed (kPrinted); anything else voids it or keeps it pending.
  /// @returns Ok when a printed voucher was recorded; kAborted when it did not print;
  ///          kUnavailable when it printed but the cloud could not record it (it is kept to
  ///          be confirmed later, never voided); a counter error.
  virtual Status ConfirmPrint(std::string_view serial, PrintState print) = 0;
};

/// Receives an operation's events, on the flow's thread.
///
/// Thread safety: called from the flow's thread only.
class FlowObserver {
 public:
  virtual ~FlowObserver() = default;
  virtual void OnEvent(EventKind kind, std::string_view name, std::optional<int64_t> value) = 0;
};

/// What a flow needs around it. Everything is borrowed and must outlive the runner.
///
/// Thread safety: a value type.
struct FlowEnvironment {
  CounterPort* counter = nullptr;               ///< required
  PinPad* pin_pad = nullptr;                    ///< required
  ReceiptPrinter* printer = nullptr;            ///< nullptr: no receipts (print state kNone)
  LibraryOutput* library_output = nullptr;      ///< required for library_lookup
  VoucherIssuer* voucher_issuer = nullptr;      ///< nullptr: issue_voucher is unsupported
  VoucherRedeemer* voucher_redeemer = nullptr;  ///< nullptr: redeem_voucher is unsupported
  /// The counter's listener, pointed at each operation's observer; may be nullptr.
  CounterEventRelay* relay = nullptr;
  /// The clock for receipts. Default: the system clock.
  std::function<std::chrono::sys_seconds()> now;
  /// When set, Run() leaves a card it used connected and Settle() waits (up
  /// to this long) for the holder to take it away before the holder session
  /// ends; when unset, Run() ends the holder session itself.
  std::optional<std::chrono::milliseconds> card_removal_wait;
};

/// Whether `kind` may run in `mode` (and with this configuration: refunds).
bool AllowedInMode(const TerminalConfig& config, OperationKind kind) noexcept;

/// Runs operations one at a time through the flow machines.
///
/// Thread safety: Run() from one thread at a time; Cancel() from any thread.
class FlowRunner {
 public:
  /// @param config the site's configuration (mode, names, limits); copied
  /// @param env    the collaborators; borrowed
  FlowRunner(TerminalConfig config, FlowEnvironment env);

  /// Runs `request` to its final state (done, failed or cancelled), emitting
  /// events to `observer`. Never returns a non-final state. The holder
  /// session is ended before it returns, and a cancel is forgotten.
  OperationResult Run(const OperationRequest& request, FlowObserver& observer);

  /// Asks the running (or the next) operation to stop: it ends `cancelled`
  /// unless points already moved (then it completes). Wakes a wait for the
  /// card or the PIN.
  void Cancel();

  /// Forgets a Cancel() that no Run() has seen (before a new operation).
  void Reset();

  /// After Run(), with FlowEnvironment::card_removal_wait: waits for the card
  /// to be taken away (a Cancel() cuts it short), then ends the holder
  /// session. Does nothing when no card is left connected.
  void Settle();

 private:
  struct Machine;
  friend struct Machine;

  TerminalConfig config_;
  FlowEnvironment env_;
  std::atomic<bool> cancel_requested_{false};
  bool card_left_ = false;  // Run() left a card connected for Settle()
};

}  // namespace mykey::terminal
