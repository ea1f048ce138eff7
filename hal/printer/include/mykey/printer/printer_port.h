#pragma once

#include <chrono>
#include <cstddef>
#include <span>
#include <string>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/printer/printer_status.h"

namespace mykey::printer {

/// How long a write may take by default (a long raster job over a slow serial line).
inline constexpr std::chrono::milliseconds kDefaultWriteTimeout{10000};
/// How long the four status answers may take by default.
inline constexpr std::chrono::milliseconds kDefaultStatusTimeout{2000};

/// A connection to a receipt printer: bytes out, real-time status in.
///
/// Public methods check the contract once for every backend and call the
/// private `Do…` hooks that backends override:
///  - Write()/ReadRealTimeStatus() before Open() -> kFailedPrecondition
///  - ReadRealTimeStatus() on a one-way port (two_way() false) -> kUnimplemented
///  - Open() when already open -> Ok (no-op)
///
/// Errors every backend returns alike:
///  - kUnavailable:      the device is absent, the connection was refused or dropped
///                       before anything was written (the port closes itself)
///  - kDeadlineExceeded: the device did not take the bytes or answer in time
///  - kDataLoss:         a short write (part of the bytes went out, then the device
///                       failed), or a status answer without the fixed bit pattern
///
/// ReadRealTimeStatus() sends `DLE EOT n` for n = 1..4 and merges the answers.
/// Stale input (bytes the printer sent earlier) is discarded first.
///
/// Backends close in their own destructor (the base cannot call a hook from its
/// destructor).
///
/// Thread safety: not thread-safe; one owner drives a port at a time.
class PrinterPort {
 public:
  PrinterPort() = default;
  virtual ~PrinterPort() = default;
  PrinterPort(const PrinterPort&) = delete;
  PrinterPort& operator=(const PrinterPort&) = delete;

  /// A human-readable name of the device ("tcp 127.0.0.1:9100", "/dev/usb/lp0").
  const std::string& name() const { return name_; }
  bool is_open() const { return open_; }
  /// Whether real-time status can be read. Some backends only know after Open()
  /// (a character device that may or may not answer); false while closed.
  bool two_way() const { return open_ && DoTwoWay(); }

  /// Opens the device or connects.
  /// @returns kUnavailable when the device is absent or refuses the connection,
  ///          kDeadlineExceeded when connecting timed out, kPermissionDenied
  ///          when the device may not be opened.
  Status Open();

  /// Writes all of `data`.
  /// @param data    ESC/POS bytes
  /// @param timeout how long the device may take to accept all of them
  /// @returns kFailedPrecondition when not open; kUnavailable when the device
  ///          went away before any byte was taken (the port closes);
  ///          kDeadlineExceeded when the device stopped taking bytes;
  ///          kDataLoss when only part was written (detail: errno).
  Status Write(ByteView data, std::chrono::milliseconds timeout = kDefaultWriteTimeout);

  /// Asks `DLE EOT 1..4` and parses the answers.
  /// @param timeout for all four answers together
  /// @returns the status; kFailedPrecondition when not open; kUnimplemented on a
  ///          one-way port; kDeadlineExceeded when the printer did not answer;
  ///          kDataLoss when no valid status byte came back; kUnavailable when the
  ///          device went away (the port closes).
  Result<PrinterStatus> ReadRealTimeStatus(
      std::chrono::milliseconds timeout = kDefaultStatusTimeout);

  /// Closes the device. Safe to call when closed (returns Ok).
  /// @returns the backend's error when closing failed; the port is closed either way.
  Status Close();

 protected:
  explicit PrinterPort(std::string name) : name_(std::move(name)) {}
  void set_name(std::string name) { name_ = std::move(name); }

 private:
  virtual Status DoOpen() = 0;
  /// Writes all of `data` (the base has checked the port is open).
  virtual Status DoWrite(ByteView data, std::chrono::milliseconds timeout) = 0;
  /// Reads up to out.size() bytes, waiting at most `timeout` for the first one.
  /// @returns the count read (> 0); kDeadlineExceeded when nothing came;
  ///          kUnavailable when the device is gone.
  virtual Result<size_t> DoRead(std::span<uint8_t> out, std::chrono::milliseconds timeout) = 0;
  virtual Status DoClose() = 0;
  virtual bool DoTwoWay() const = 0;

  Result<uint8_t> ReadStatusByte(std::chrono::steady_clock::time_point deadline);
  void DiscardInput();
  void EndConnection();

  std::string name_;
  bool open_ = false;
};

}  // namespace mykey::printer
