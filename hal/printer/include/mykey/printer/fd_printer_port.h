#pragma once

#include <chrono>
#include <cstddef>
#include <span>
#include <string>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/printer/printer_port.h"

namespace mykey::printer {

/// The part every POSIX file-descriptor backend shares (character device, TCP,
/// serial, file): writes with poll() and a deadline, reads with poll(), close,
/// and an abort that drops unsent bytes (SO_LINGER 0 on a socket, TCOFLUSH on a
/// terminal) before closing.
/// A backend opens the descriptor in its DoOpen() and hands it over with
/// Adopt(); it says in DoTwoWay() whether status can be read.
///
/// Errors of the I/O hooks: EPIPE/ECONNRESET/ENODEV/ENXIO/EIO before any byte
/// -> kUnavailable; after some bytes -> kDataLoss; ENOSPC/EFBIG -> kDataLoss;
/// no progress until the deadline -> kDeadlineExceeded (detail: bytes written).
///
/// Thread safety: not thread-safe (as PrinterPort).
class FdPrinterPort : public PrinterPort {
 public:
  ~FdPrinterPort() override;

 protected:
  explicit FdPrinterPort(std::string name) : PrinterPort(std::move(name)) {}
  /// Takes ownership of an open descriptor (made non-blocking here).
  void Adopt(int fd);
  int fd() const { return fd_; }
  /// Writes all of `data` within `timeout` (a backend that paces its writes
  /// calls it chunk by chunk).
  Status DoWrite(ByteView data, std::chrono::milliseconds timeout) override;

 private:
  Result<size_t> DoRead(std::span<uint8_t> out, std::chrono::milliseconds timeout) override;
  Status DoClose() override;
  Status DoAbort() override;

  int fd_ = -1;
};

/// Maps an errno of open()/connect() to an Error (kUnavailable for absent
/// devices and refused connections, kPermissionDenied, kDeadlineExceeded, ...).
Error OpenError(int err, const char* message);

}  // namespace mykey::printer
