#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <span>
#include <string>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/printer/printer_port.h"
#include "mykey/printer/printer_status.h"

namespace mykey::printer {

/// An in-memory printer for tests of code that prints: it records the job
/// bytes, answers `DLE EOT n` from a settable status, and can fail on command
/// (absent at Open(), a fault after N job bytes, writes that time out).
///
/// Thread safety: not thread-safe; one test thread drives it.
class FakePrinterPort final : public PrinterPort {
 public:
  /// @param two_way whether it answers status (false: a write-only printer)
  explicit FakePrinterPort(bool two_way = true) : PrinterPort("fake"), two_way_(two_way) {}
  ~FakePrinterPort() override = default;

  /// Everything written except the status requests.
  const Bytes& job_bytes() const { return job_bytes_; }
  /// The status it reports from now on.
  void set_status(const PrinterStatus& status) { status_ = status; }
  const PrinterStatus& status() const { return status_; }
  /// After `bytes` more job bytes, `status` applies (paper out mid-job).
  void FaultAfter(size_t bytes, const PrinterStatus& status);
  /// Open() fails with kUnavailable while set.
  void set_absent(bool absent) { absent_ = absent; }
  /// Write() of job bytes fails with kDeadlineExceeded while set.
  void set_stalled(bool stalled) { stalled_ = stalled; }
  /// How many times status was read (DLE EOT 1 requests).
  size_t status_reads() const { return status_reads_; }

 private:
  Status DoOpen() override;
  Status DoWrite(ByteView data, std::chrono::milliseconds timeout) override;
  Result<size_t> DoRead(std::span<uint8_t> out, std::chrono::milliseconds timeout) override;
  Status DoClose() override { return Ok(); }
  bool DoTwoWay() const override { return two_way_; }

  bool two_way_;
  bool absent_ = false;
  bool stalled_ = false;
  PrinterStatus status_;
  std::optional<size_t> fault_after_;
  PrinterStatus fault_status_;
  Bytes job_bytes_;
  std::deque<uint8_t> answers_;
  size_t status_reads_ = 0;
};

}  // namespace mykey::printer
