#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/card_reader/card_reader.h"
#include "mykey/card_reader/reader_monitor.h"

namespace mykey::hal {

/// A card reader behind PC/SC (pcscd through libpcsclite).
///
/// Connect() connects in shared mode, T=1 or T=0 as the card offers, and
/// remembers the active protocol. Transmit() has a receive buffer for
/// extended-length answers (65538 bytes and more). Reset() is a warm reset
/// (SCardReconnect with SCARD_RESET_CARD). Disconnect() uses
/// SCARD_RESET_CARD: the card's security state (verified PINs, selected
/// application) is dropped as by a power cycle, while the next Connect()
/// needs no cold start (pcscd powers idle cards down by itself). A card that
/// SCardStatus() reports removed (or reset, or the slot empty), or whose last
/// exchange failed with kAborted (removed or mute, before pcscd's poller
/// noticed), is let go with SCARD_LEAVE_CARD: it has no state left to drop, and a reset would go to
/// the card in the slot now (with vpcd, pcscd then misses a card put back
/// within one presence poll and reports the slot empty for good).
///
/// The timeout of Transmit() is advisory here: PC/SC has no per-exchange
/// timeout; the reader driver's own timeouts apply.
///
/// Each reader has its own PC/SC context, so a monitor blocked in a wait on
/// another thread does not hold up its exchanges. If pcscd restarted since,
/// Connect() re-establishes the context and retries once.
///
/// Errors: those of PcscError() (domain kPcsc, detail = the PC/SC code) with
/// the CardReader meanings: kNotFound (no card), kAborted (card removed or
/// reset under us), kUnavailable (reader unplugged, pcscd down, card held
/// exclusively elsewhere).
///
/// Thread safety: not thread-safe; one owner drives a reader at a time.
class PcscCardReader final : public CardReader {
 public:
  ~PcscCardReader() override;

  /// The protocol of the connection: 0 (T=0) or 1 (T=1); -1 while
  /// disconnected.
  int active_protocol() const;

  /// Starts a PC/SC transaction: other applications cannot use the card until
  /// EndTransaction(). Use it around a multi-APDU sequence (VERIFY then SIGN).
  /// @returns kFailedPrecondition when not connected; kAborted when the card
  ///          was removed or reset; kUnavailable.
  Status BeginTransaction();
  /// Ends the transaction started by BeginTransaction(), leaving the card as
  /// it is. @returns kFailedPrecondition when not connected, kAborted when the
  ///          card was removed or reset meanwhile.
  Status EndTransaction();

 private:
  friend class PcscReaderMonitor;
  struct Handles;
  explicit PcscCardReader(std::string name);

  Result<Bytes> DoConnect() override;
  Result<Bytes> DoTransmit(ByteView command, std::chrono::milliseconds timeout) override;
  Result<Bytes> DoReset() override;
  Status DoDisconnect() override;

  std::unique_ptr<Handles> handles_;
};

/// The PC/SC backend of ReaderMonitor.
///
/// Waits with SCardGetStatusChange(), including the `\\?PnP?\Notification`
/// pseudo-reader, so readers plugged in or unplugged wake a wait too. The
/// context is established on first use, not in the constructor, so a monitor
/// can be made before pcscd runs.
///
/// pcscd restarts: when a call fails with SCARD_E_NO_SERVICE,
/// SCARD_E_SERVICE_STOPPED or SCARD_E_INVALID_HANDLE, the context is released
/// and established again, and the call retried once; if that fails,
/// ListReaders()/OpenReader() return kUnavailable. A wait that loses the
/// service reports the readers as gone (kReaderRemoved events), then keeps
/// trying to reach pcscd (backing off up to 0.5 s between tries) until the
/// timeout, and reports the readers again (kReaderAdded) when it is back; if
/// it is not back in time: kUnavailable.
///
/// Cancel() calls SCardCancel(). A cancel that races the start of a wait is
/// not lost: waits are made in slices of at most 0.5 s and look at the
/// pending cancel between them.
///
/// A card that is present but mute (SCARD_STATE_MUTE) is reported as absent.
///
/// Thread safety: Cancel() from any thread; everything else from the owning
/// thread. Readers opened here are independent objects (own context).
class PcscReaderMonitor final : public ReaderMonitor {
 public:
  PcscReaderMonitor();
  ~PcscReaderMonitor() override;

  /// The name of the pseudo-reader that signals readers plugged/unplugged.
  static constexpr const char* kPnpNotificationReader = R"(\\?PnP?\Notification)";

 private:
  struct Context;

  Result<std::vector<ReaderInfo>> DoListReaders() override;
  Result<std::vector<ReaderInfo>> DoWaitForChange(const std::vector<ReaderInfo>& known,
                                                  std::chrono::milliseconds timeout) override;
  Result<std::unique_ptr<CardReader>> DoOpenReader(std::string_view reader) override;
  void DoCancel() override;

  std::unique_ptr<Context> context_;
};

}  // namespace mykey::hal
