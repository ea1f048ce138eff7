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

/// An in-memory printer for tests of code that prints. It prints (records) the
/// job bytes at once while its status is ready and holds them while a fault
/// stops it, as a real printer does: held bytes print when the fault is
/// cleared (set_status() with a ready status) unless its buffers were cleared
/// first. It answers `DLE EOT n` from a settable status, the process-ID request
/// (GS ( H fn 48) once the bytes before it printed, and the clear-buffers request
/// (DLE DC4 fn 8, which drops the held bytes). It can fail on command: absent
/// at Open(), a fault after N job bytes, writes that stop being taken, a
/// dropped connection.
///
/// A read with nothing to answer sleeps its timeout, like a silent printer.
///
/// Thread safety: not thread-safe; one test thread drives it.
class FakePrinterPort final : public PrinterPort {
 public:
  /// @param two_way whether it answers (false: a write-only printer)
  explicit FakePrinterPort(bool two_way = true) : PrinterPort("fake"), two_way_(two_way) {}
  ~FakePrinterPort() override = default;

  /// Everything printed, without the status, process-ID and clear-buffers requests.
  const Bytes& job_bytes() const { return job_bytes_; }
  /// Bytes received while a fault stopped it, waiting to print.
  const Bytes& held_bytes() const { return held_bytes_; }
  /// The status it reports from now on; a ready status prints the held bytes.
  void set_status(const PrinterStatus& status);
  const PrinterStatus& status() const { return status_; }
  /// After `bytes` more job bytes, `status` applies (paper out mid-job).
  void FaultAfter(size_t bytes, const PrinterStatus& status);
  /// Open() fails with kUnavailable while set.
  void set_absent(bool absent) { absent_ = absent; }
  /// Takes `bytes` more job bytes, then Write() fails with kDeadlineExceeded
  /// (detail: the bytes it took) until set_stalled(false).
  void StallAfter(size_t bytes) { stall_after_ = bytes; }
  /// Write() of job bytes fails with kDeadlineExceeded while set.
  void set_stalled(bool stalled);
  /// Whether it answers process-ID requests (default true: a printer with GS ( H).
  void set_answers_process_id(bool answers) { answers_process_id_ = answers; }
  /// Whether it knows the clear-buffers request (default true).
  void set_clears_buffers(bool clears) { clears_buffers_ = clears; }
  /// The connection is dropped: reads and writes fail with kUnavailable until
  /// the next Open() (a printer that closed an idle connection).
  void DropConnection() { dropped_ = true; }
  /// Queues bytes it sends unasked, before its next answers (ASB blocks,
  /// answers left over from another job).
  void SendUnasked(ByteView bytes) { answers_.insert(answers_.end(), bytes.begin(), bytes.end()); }

  /// How many times status was read (DLE EOT 1 requests).
  size_t status_reads() const { return status_reads_; }
  /// How many process-ID requests printed (answered or not).
  size_t process_id_requests() const { return process_id_requests_; }
  /// How many clear-buffers requests it answered.
  size_t buffer_clears() const { return buffer_clears_; }
  /// How many times it was opened, and closed by Abort().
  size_t opens() const { return opens_; }
  size_t aborts() const { return aborts_; }

 private:
  Status DoOpen() override;
  Status DoWrite(ByteView data, std::chrono::milliseconds timeout) override;
  Result<size_t> DoRead(std::span<uint8_t> out, std::chrono::milliseconds timeout) override;
  Status DoClose() override { return Ok(); }
  Status DoAbort() override;
  bool DoTwoWay() const override { return two_way_; }

  bool AnswerRequest(ByteView data);
  void Receive(uint8_t byte);
  void Print(uint8_t byte);

  bool two_way_;
  bool absent_ = false;
  bool dropped_ = false;
  std::optional<size_t> stall_after_;
  bool answers_process_id_ = true;
  bool clears_buffers_ = true;
  PrinterStatus status_;
  std::optional<size_t> fault_after_;
  PrinterStatus fault_status_;
  Bytes job_bytes_;
  Bytes held_bytes_;
  std::deque<uint8_t> answers_;
  size_t status_reads_ = 0;
  size_t process_id_requests_ = 0;
  size_t buffer_clears_ = 0;
  size_t opens_ = 0;
  size_t aborts_ = 0;
};

}  // namespace mykey::printer
