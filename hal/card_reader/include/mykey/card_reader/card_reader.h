#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"

namespace mykey::hal {

/// How long a single exchange may take. SIGN over contactless can take
/// hundreds of milliseconds (jpki-card.md §3), so the default is generous.
inline constexpr std::chrono::milliseconds kDefaultTransmitTimeout{5000};

/// Largest command APDU accepted (extended length: 4 + 3 + 65535 + 3).
inline constexpr size_t kMaxCommandApduSize = 65545;

/// One reader slot and the card in it.
///
/// Public methods check the contract once for every backend and call the
/// private `Do…` hooks that backends override:
///  - Transmit()/Reset() before Connect() -> kFailedPrecondition
///  - a command shorter than 4 bytes or longer than kMaxCommandApduSize -> kInvalidArgument
///
/// Errors every backend returns alike:
///  - kUnavailable:      the reader is gone, or the reader service (pcscd) is down
///  - kNotFound:         Connect() with no card in the reader
///  - kAborted:          the card was removed or reset under us; Connect() again
///  - kDeadlineExceeded: the card did not answer in time
///  - kInternal:         an unexpected answer from the reader stack (detail: raw code)
///
/// A Transmit() or Reset() that fails with kAborted or kUnavailable ends the
/// connection: connected() turns false, and the backend's DoDisconnect() is
/// called once to release its resources (so a DoDisconnect() must cope with a
/// card or reader that is already gone). Other errors keep the connection.
///
/// Backends disconnect in their own destructor (the base cannot call a hook
/// from its destructor).
///
/// Thread safety: not thread-safe; one owner drives a reader at a time.
class CardReader {
 public:
  CardReader() = default;
  virtual ~CardReader() = default;
  CardReader(const CardReader&) = delete;
  CardReader& operator=(const CardReader&) = delete;

  /// The reader's name as the backend reports it ("Virtual PCD 00 00").
  const std::string& name() const { return name_; }
  bool connected() const { return connected_; }
  /// The ATR of the connected card (empty while disconnected).
  const Bytes& atr() const { return atr_; }

  /// Powers the card up and connects (T=1 preferred, T=0 accepted). Returns the
  /// current ATR at once when already connected.
  /// @returns the ATR; kNotFound if no card is present, kUnavailable if the
  ///          reader or the reader service is gone.
  Result<Bytes> Connect();

  /// Sends one command APDU and returns the whole response (data + SW1 SW2).
  /// No T=0 handling here: 61xx/6Cxx are the card layer's business.
  /// @param command a C-APDU of 4 to kMaxCommandApduSize bytes
  /// @param timeout how long the exchange may take (advisory where the
  ///                backend cannot bound it, see the backend's notes)
  /// @returns the R-APDU (at least SW1 SW2); kFailedPrecondition before
  ///          Connect(), kInvalidArgument for a bad length, kAborted when the
  ///          card was removed or reset (the connection ends), kUnavailable
  ///          when the reader or service is gone (the connection ends),
  ///          kDeadlineExceeded; kAborted (the connection ends) for a
  ///          response shorter than 2 bytes: the card went mute or away.
  Result<Bytes> Transmit(ByteView command,
                         std::chrono::milliseconds timeout = kDefaultTransmitTimeout);

  /// Resets the card (warm reset), dropping its security state.
  /// @returns the new ATR; kFailedPrecondition before Connect(); any error
  ///          ends the connection.
  Result<Bytes> Reset();

  /// Disconnects and resets or powers the card down, so its security state is
  /// dropped. Safe to call when not connected (returns Ok).
  /// @returns the backend's error when releasing failed; the reader is
  ///          disconnected either way.
  Status Disconnect();

 protected:
  explicit CardReader(std::string name) : name_(std::move(name)) {}
  void set_name(std::string name) { name_ = std::move(name); }

 private:
  virtual Result<Bytes> DoConnect() = 0;
  virtual Result<Bytes> DoTransmit(ByteView command, std::chrono::milliseconds timeout) = 0;
  virtual Result<Bytes> DoReset() = 0;
  virtual Status DoDisconnect() = 0;

  std::string name_;
  bool connected_ = false;
  void EndConnection();

  Bytes atr_;
};

}  // namespace mykey::hal
