#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "mykey/printer/fd_printer_port.h"

namespace mykey::printer {

/// The raw printing port (JetDirect / "port 9100").
inline constexpr uint16_t kRawPrintPort = 9100;

/// Options of TcpPrinterPort.
///
/// Thread safety: a value type.
struct TcpPrinterOptions {
  std::string host = "127.0.0.1";
  uint16_t port = kRawPrintPort;
  std::chrono::milliseconds connect_timeout{3000};
  /// TCP keepalive: after this long without traffic the connection is probed
  /// every keepalive_interval; keepalive_probes unanswered probes end it, so a
  /// printer that vanished (power cut, cable pulled) is found gone before the
  /// next job rather than in the middle of it. Zero idle: no keepalive.
  std::chrono::seconds keepalive_idle{30};
  std::chrono::seconds keepalive_interval{10};
  int keepalive_probes = 3;
};

/// A network printer on its raw TCP port: a non-blocking connect with a
/// timeout, TCP_NODELAY (status requests are 3 bytes), TCP keepalive, and
/// status read over the same socket (two-way). Abort() resets the connection
/// (SO_LINGER 0), dropping job bytes still queued in the kernel.
///
/// Open() errors: kUnavailable (connection refused, host unknown or
/// unreachable), kDeadlineExceeded (no answer within connect_timeout).
///
/// Thread safety: not thread-safe (as PrinterPort).
class TcpPrinterPort final : public FdPrinterPort {
 public:
  explicit TcpPrinterPort(TcpPrinterOptions options);
  ~TcpPrinterPort() override = default;

 private:
  Status DoOpen() override;
  bool DoTwoWay() const override { return true; }

  TcpPrinterOptions options_;
};

}  // namespace mykey::printer
