#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "mykey/printer/fd_printer_port.h"

namespace mykey::printer {

/// Flow control on a serial line.
enum class FlowControl : uint8_t {
  kNone,
  kRtsCts,   ///< hardware (CRTSCTS)
  kXonXoff,  ///< software (IXON/IXOFF); status bytes never look like XON/XOFF
};

/// Options of SerialPrinterPort.
///
/// Thread safety: a value type.
struct SerialOptions {
  /// 9600, 19200, 38400, 57600, 115200 (others: kInvalidArgument at Open()).
  uint32_t baud = 38400;
  FlowControl flow = FlowControl::kRtsCts;
};

/// A printer on a serial port (`/dev/ttyS0`, `/dev/ttyUSB0`), raw 8N1 at the
/// given speed. Two-way: status answers come back on the same line.
///
/// Open() errors: kUnavailable (no such port, busy), kPermissionDenied (not
/// in the `dialout` group), kInvalidArgument (unsupported speed, or the path
/// is not a terminal).
///
/// Thread safety: not thread-safe (as PrinterPort).
class SerialPrinterPort final : public FdPrinterPort {
 public:
  SerialPrinterPort(std::string path, SerialOptions options = {});
  ~SerialPrinterPort() override = default;

 private:
  Status DoOpen() override;
  bool DoTwoWay() const override { return true; }

  std::string path_;
  SerialOptions options_;
};

}  // namespace mykey::printer
