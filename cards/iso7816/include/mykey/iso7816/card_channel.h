#pragma once

#include <chrono>

#include "mykey/base/result.h"
#include "mykey/card_reader/card_reader.h"
#include "mykey/iso7816/aid_firewall.h"
#include "mykey/iso7816/apdu_trace.h"
#include "mykey/iso7816/command_apdu.h"
#include "mykey/iso7816/response_apdu.h"

namespace mykey::iso7816 {

/// The only path a card driver has to the card. Wraps a borrowed
/// hal::CardReader and adds, in this one place:
///  - the AID firewall (AidFirewall) on every command it sends, GET RESPONSE
///    and re-sent commands included; a refused command never reaches the reader;
///  - the T=0 quirks: `61xx` -> GET RESPONSE (`00 C0 00 00 xx`) until the card
///    has nothing more, concatenating the data; `6Cxx` -> the same command sent
///    again once with Ne = xx;
///  - the optional ApduTrace (redacting PINs);
///  - wiping of the encoded command bytes after sending (a VERIFY carries a PIN).
///
/// A status word other than 9000 is a successful exchange: the ResponseApdu
/// carries it and the driver decides what it means.
///
/// Thread safety: not thread-safe; one owner drives a channel (and its reader).
class CardChannel {
 public:
  /// @param reader borrowed; must outlive the channel; should be connected
  explicit CardChannel(hal::CardReader& reader) : reader_(reader) {}
  CardChannel(const CardChannel&) = delete;
  CardChannel& operator=(const CardChannel&) = delete;

  /// Sends a command and returns the card's answer (after the T=0 handling).
  /// @param timeout for each exchange with the reader
  /// @returns the response; kPermissionDenied if the AID firewall refuses the
  /// command (nothing was sent); the reader's errors unchanged (kAborted card
  /// removed, kUnavailable reader gone, kDeadlineExceeded, kFailedPrecondition
  /// not connected, kInternal); kDataLoss if the response is shorter than a
  /// status word or a 61xx chain does not end within 64 KiB.
  Result<ResponseApdu> Transmit(const CommandApdu& command,
                                std::chrono::milliseconds timeout = hal::kDefaultTransmitTimeout);

  /// Attaches a trace (borrowed, may be nullptr to detach).
  void set_trace(ApduTrace* trace) { trace_ = trace; }
  ApduTrace* trace() const { return trace_; }

 private:
  // One command/response through the firewall, the trace and the reader.
  Result<ResponseApdu> Exchange(const CommandApdu& command, std::chrono::milliseconds timeout);

  hal::CardReader& reader_;
  ApduTrace* trace_ = nullptr;
};

}  // namespace mykey::iso7816
