#include "mykey/printer_fake/fake_printer_port.h"

#include <algorithm>
#include <thread>

#include "mykey/printer/printer_response.h"

namespace mykey::printer {
namespace {

constexpr size_t kProcessIdRequestSize = 11;

// The process-ID request with any digits: `1D 28 48 06 00 30 30 d1..d4`.
std::optional<ProcessId> ProcessIdRequestAtEnd(const Bytes& bytes) {
  if (bytes.size() < kProcessIdRequestSize) return std::nullopt;
  const uint8_t* tail = bytes.data() + bytes.size() - kProcessIdRequestSize;
  const auto pattern = ProcessIdRequest(ProcessId());
  if (!std::equal(pattern.begin(), pattern.begin() + 7, tail)) return std::nullopt;
  auto id = ProcessId::FromDigits({tail[7], tail[8], tail[9], tail[10]});
  if (!id) return std::nullopt;
  return *id;
}

}  // namespace

void FakePrinterPort::set_status(const PrinterStatus& status) {
  status_ = status;
  if (!status_.ready()) return;
  // Recovered: what it held prints now.
  Bytes held;
  held.swap(held_bytes_);
  for (uint8_t byte : held) Print(byte);
}

void FakePrinterPort::FaultAfter(size_t bytes, const PrinterStatus& status) {
  fault_after_ = bytes;
  fault_status_ = status;
  if (bytes == 0) {
    status_ = status;
    fault_after_.reset();
  }
}

void FakePrinterPort::set_stalled(bool stalled) {
  if (stalled) {
    stall_after_ = 0;
  } else {
    stall_after_.reset();
  }
}

Status FakePrinterPort::DoOpen() {
  if (absent_) return Fail(ErrorCode::kUnavailable, "fake printer is absent");
  dropped_ = false;
  answers_.clear();
  ++opens_;
  return Ok();
}

Status FakePrinterPort::DoAbort() {
  ++aborts_;
  return Ok();
}

bool FakePrinterPort::AnswerRequest(ByteView data) {
  if (data.size() == 3 && data[0] == kDle && data[1] == kEot && data[2] >= 1 && data[2] <= 4) {
    if (!two_way_) return true;
    const auto kind = static_cast<StatusKind>(data[2]);
    if (kind == StatusKind::kPrinter) ++status_reads_;
    answers_.push_back(EncodeStatusByte(kind, status_));
    return true;
  }
  if (std::equal(data.begin(), data.end(), kClearBuffersRequest.begin(),
                 kClearBuffersRequest.end())) {
    if (clears_buffers_) {
      held_bytes_.clear();
      ++buffer_clears_;
      if (two_way_)
        answers_.insert(answers_.end(), kBuffersClearedAnswer.begin(), kBuffersClearedAnswer.end());
    }
    return true;
  }
  return false;
}

Status FakePrinterPort::DoWrite(ByteView data, std::chrono::milliseconds) {
  if (dropped_) return Fail(ErrorCode::kUnavailable, "fake printer dropped the connection");
  if (AnswerRequest(data)) return Ok();
  size_t taken = 0;
  for (uint8_t byte : data) {
    if (stall_after_) {
      if (*stall_after_ == 0) {
        return Fail(ErrorCode::kDeadlineExceeded, "fake printer stopped taking bytes",
                    ErrorDomain::kNone, static_cast<int64_t>(taken));
      }
      --*stall_after_;
    }
    Receive(byte);
    ++taken;
  }
  if (fault_after_ && *fault_after_ == 0) {
    status_ = fault_status_;
    fault_after_.reset();
  }
  return Ok();
}

void FakePrinterPort::Receive(uint8_t byte) {
  if (fault_after_) {
    if (*fault_after_ == 0) {
      status_ = fault_status_;
      fault_after_.reset();
    } else {
      --*fault_after_;
    }
  }
  // A stopped printer keeps what it is sent, and prints it in order later.
  if (status_.ready() && held_bytes_.empty()) {
    Print(byte);
  } else {
    held_bytes_.push_back(byte);
  }
}

void FakePrinterPort::Print(uint8_t byte) {
  job_bytes_.push_back(byte);
  const auto id = ProcessIdRequestAtEnd(job_bytes_);
  if (!id) return;
  job_bytes_.resize(job_bytes_.size() - kProcessIdRequestSize);
  ++process_id_requests_;
  if (!answers_process_id_ || !two_way_) return;
  const auto answer = ProcessIdAnswer(*id);
  answers_.insert(answers_.end(), answer.begin(), answer.end());
}

Result<size_t> FakePrinterPort::DoRead(std::span<uint8_t> out, std::chrono::milliseconds timeout) {
  if (dropped_) return Fail(ErrorCode::kUnavailable, "fake printer dropped the connection");
  if (answers_.empty() || out.empty()) {
    if (timeout.count() > 0) std::this_thread::sleep_for(timeout);
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
