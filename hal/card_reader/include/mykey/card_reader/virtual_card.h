#pragma once

#include "mykey/base/bytes.h"

namespace mykey::hal {

/// A card emulated in software, as a reader sees it: power, reset, APDUs.
/// Hosted in-process by SimReaderMonitor/SimCardReader for unit tests, and
/// behind pcscd's vpcd reader by mykey-vcard.
///
/// A virtual card must drop all session state (selected application,
/// verified PINs) on PowerOff(), PowerOn() and Reset().
///
/// Thread safety: not thread-safe; the host serialises calls.
class VirtualCard {
 public:
  virtual ~VirtualCard() = default;

  /// Powers the card up. @returns the ATR.
  virtual Bytes PowerOn() = 0;
  /// Powers the card down.
  virtual void PowerOff() = 0;
  /// Warm reset. @returns the ATR.
  virtual Bytes Reset() = 0;
  /// Processes one command APDU; returns the response (data + SW1 SW2).
  /// Malformed commands get an ISO status word (67 00, 6E 00, ...), never a crash.
  virtual Bytes Process(ByteView command) = 0;
};

}  // namespace mykey::hal
