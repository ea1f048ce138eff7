#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mykey/printer/fd_printer_port.h"

namespace mykey::printer {

/// Flow control on a serial line.
enum class FlowControl : uint8_t {
  kNone,
  kRtsCts,   ///< hardware (CRTSCTS)
  kXonXoff,  ///< software (IXON/IXOFF); no printer answer contains XON or XOFF
  /// The printer drops DTR (our DSR) while its buffer is nearly full. termios
  /// has no such mode: the port asserts DTR and RTS (TIOCMSET), then writes in
  /// chunks of kDsrDtrChunk bytes, each only while DSR is up (TIOCMGET) and
  /// after the line has sent the one before (TIOCOUTQ empty). Needs a port with
  /// modem lines (a pty has none: Open() refuses it).
  kDsrDtr,
};

/// Bytes written at a time with FlowControl::kDsrDtr. After the printer drops
/// DSR at most this chunk and what the UART's FIFO holds (16 bytes on a
/// 16550) still reach it, so its busy threshold must leave 32 bytes free.
/// While it signals busy nothing goes out, status requests included (as with
/// RTS/CTS).
inline constexpr size_t kDsrDtrChunk = 16;

/// Parity of each character (8 data bits either way).
enum class Parity : uint8_t { kNone, kEven, kOdd };

/// The line speeds SerialPrinterPort supports, slowest first.
inline constexpr std::array<uint32_t, 11> kSerialSpeeds = {
    1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600};

/// True when `baud` is one of kSerialSpeeds.
bool IsSerialSpeed(uint32_t baud);

/// "none", "rtscts", "xonxoff", "dsrdtr" (the names the configuration uses).
const char* FlowControlName(FlowControl flow);
/// "none", "even", "odd".
const char* ParityName(Parity parity);

/// Options of SerialPrinterPort.
///
/// Thread safety: a value type.
struct SerialOptions {
  /// One of kSerialSpeeds (others: kInvalidArgument at Open()).
  uint32_t baud = 38400;
  FlowControl flow = FlowControl::kRtsCts;
  Parity parity = Parity::kNone;
  /// 1 or 2 (others: kInvalidArgument at Open()).
  uint8_t stop_bits = 1;
};

/// A printer on a serial port (`/dev/ttyS0`, `/dev/ttyUSB0`), raw, 8 data
/// bits, with the options' speed, parity, stop bits and flow control.
/// Two-way: status answers come back on the same line. A write may take the
/// line's transfer time (LineTime(): start + 8 data + parity + stop bits per
/// byte at the baud rate; 24.5 s for 23.5 KB at 9600 8N1) on top of its timeout.
/// Abort() flushes the output queue before closing.
///
/// Open() errors: kUnavailable (no such port, busy), kPermissionDenied (not
/// in the `dialout` group), kInvalidArgument (unsupported speed or stop bits,
/// the path is not a terminal, or kDsrDtr on a port without modem lines).
///
/// Thread safety: not thread-safe (as PrinterPort).
class SerialPrinterPort final : public FdPrinterPort {
 public:
  SerialPrinterPort(std::string path, SerialOptions options = {});
  ~SerialPrinterPort() override = default;

 private:
  Status DoOpen() override;
  Status DoWrite(ByteView data, std::chrono::milliseconds timeout) override;
  bool DoTwoWay() const override { return true; }
  std::chrono::milliseconds DoLineTime(size_t bytes) const override;

  std::string path_;
  SerialOptions options_;
};

}  // namespace mykey::printer
