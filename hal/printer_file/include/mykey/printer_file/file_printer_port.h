#pragma once

#include <string>

#include "mykey/printer/fd_printer_port.h"

namespace mykey::printer {

/// Writes the printer's bytes to a file (a spool file, a golden test, a printer
/// that is only reachable write-only). One-way: no status, jobs are unconfirmed.
///
/// Open() errors: kUnavailable (directory missing), kPermissionDenied.
/// Write() errors: kDataLoss (disk full: a short write).
///
/// Thread safety: not thread-safe (as PrinterPort).
class FilePrinterPort final : public FdPrinterPort {
 public:
  /// @param path   the file
  /// @param append append to it (true) or truncate it at Open() (false)
  explicit FilePrinterPort(std::string path, bool append = true);
  ~FilePrinterPort() override = default;

 private:
  Status DoOpen() override;
  bool DoTwoWay() const override { return false; }

  std::string path_;
  bool append_;
};

}  // namespace mykey::printer
