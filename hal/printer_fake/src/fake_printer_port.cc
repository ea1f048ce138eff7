#include "mykey/printer_fake/fake_printer_port.h"

namespace mykey::printer {

void FakePrinterPort::FaultAfter(size_t bytes, const PrinterStatus& status) {
  fault_after_ = bytes;
  fault_status_ = status;
  if (bytes == 0) {
    status_ = status;
    fault_after_.reset();
  }
}

Status FakePrinterPort::DoOpen() {
  if (absent_) return Fail(ErrorCode::kUnavailable, "fake printer is absent");
  answers_.clear();
  return Ok();
}

Status FakePrinterPort::DoWrite(ByteView data, std::chrono::milliseconds) {
  if (data.size() == 3 && data[0] == kDle && data[1] == kEot && data[2] >= 1 && data[2] <= 4) {
    if (!two_way_) return Ok();
    const auto kind = static_cast<StatusKind>(data[2]);
    if (kind == StatusKind::kPrinter) ++status_reads_;
    answers_.push_back(EncodeStatusByte(kind, status_));
    return Ok();
  }
  if (stalled_) return Fail(ErrorCode::kDeadlineExceeded, "fake printer stalled");
  for (uint8_t byte : data) {
    if (fault_after_) {
      if (*fault_after_ == 0) {
        status_ = fault_status_;
        fault_after_.reset();
      } else {
        --*fault_after_;
      }
    }
    // A faulted printer discards what it is sent.
    if (status_.ready()) job_bytes_.push_back(byte);
  }
  if (fault_after_ && *fault_after_ == 0) {
    status_ = fault_status_;
    fault_after_.reset();
  }
  return Ok();
}

Result<size_t> FakePrinterPort::DoRead(std::span<uint8_t> out, std::chrono::milliseconds) {
  if (answers_.empty() || out.empty()) {
    return Fail(ErrorCode::kDeadlineExceeded, "fake printer has nothing to say");
  }
  size_t n = 0;
  while (n < out.size() && !answers_.empty()) {
    out[n++] = answers_.front();
    answers_.pop_front();
  }
  return n;
}

}  // namespace mykey::printer
