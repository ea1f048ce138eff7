#pragma once

#include <chrono>
#include <string>

#include "mykey/printer/fd_printer_port.h"

namespace mykey::printer {

/// Whether a character device's status is read.
enum class StatusSupport : uint8_t {
  kProbe,   ///< ask DLE EOT 1 at Open(); two-way only if the device answers
  kAlways,  ///< always two-way (the device is known to answer)
  kNever,   ///< one-way (write-only printers, some USB printer class devices)
};

/// Options of CharDevicePrinterPort.
///
/// Thread safety: a value type.
struct CharDeviceOptions {
  StatusSupport status = StatusSupport::kProbe;
  /// How long Open() waits for the answer to the probe.
  std::chrono::milliseconds probe_timeout{500};
};

/// A printer behind a character device such as `/dev/usb/lp0` (Linux usblp),
/// opened O_RDWR (O_WRONLY when status is kNever). Reads and writes are bounded
/// by poll(). The device must not be a terminal in canonical mode (a serial line
/// is SerialPrinterPort's job).
///
/// Open() errors: kUnavailable (no such device, device busy or unplugged),
/// kPermissionDenied (not in the `lp` group).
///
/// Thread safety: not thread-safe (as PrinterPort).
class CharDevicePrinterPort final : public FdPrinterPort {
 public:
  /// @param path    the device path
  /// @param options status support and probe timeout
  explicit CharDevicePrinterPort(std::string path, CharDeviceOptions options = {});
  ~CharDevicePrinterPort() override = default;

 private:
  Status DoOpen() override;
  bool DoTwoWay() const override { return two_way_; }

  std::string path_;
  CharDeviceOptions options_;
  bool two_way_ = false;
};

}  // namespace mykey::printer
