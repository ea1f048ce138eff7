#include "mykey/printer/printer_port.h"

#include <random>

namespace mykey::printer {
namespace {

// A printer may have queued unsolicited bytes (ASB, answers to an abandoned
// request); up to this many reads (64 KiB) take them in, stopping as soon as
// nothing is waiting, without looping forever on a chatty one. 16 reads (1 KiB)
// left a longer backlog's stale status bytes to be read as the next answer.
constexpr int kMaxDrainReads = 1024;
// Bytes that are no response skipped while waiting for one status answer.
constexpr size_t kMaxUnknownBytes = 64;
// One read takes at most this much (a status answer is 1 byte, a block 7).
constexpr size_t kReadChunk = 64;

std::chrono::milliseconds Left(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() > 0 ? left : std::chrono::milliseconds(0);
}

uint32_t RandomProcessIdStart() {
  std::random_device device;
  return device() % 10000;
}

}  // namespace

PrinterPort::PrinterPort() : next_process_id_(RandomProcessIdStart()) {}

PrinterPort::PrinterPort(std::string name)
    : name_(std::move(name)), next_process_id_(RandomProcessIdStart()) {}

Status PrinterPort::Open() {
  if (open_) return Ok();
  MYKEY_TRY(DoOpen());
  open_ = true;
  ForgetAnswers();
  return Ok();
}

Status PrinterPort::Write(ByteView data, std::chrono::milliseconds timeout) {
  if (!open_) return Fail(ErrorCode::kFailedPrecondition, "Write() before Open()");
  if (data.empty()) return Ok();
  auto written = DoWrite(data, timeout + DoLineTime(data.size()));
  if (!written && written.error().code() == ErrorCode::kUnavailable) EndConnection();
  return written;
}

Result<PrinterStatus> PrinterPort::ReadRealTimeStatus(std::chrono::milliseconds timeout) {
  MYKEY_TRY(CheckReadable("ReadRealTimeStatus() before Open()"));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  DrainInput();
  if (!open_) return Fail(ErrorCode::kUnavailable, "printer went away");
  PrinterStatus status;
  for (StatusKind kind : kAllStatusKinds) {
    const auto request = StatusRequest(kind);
    MYKEY_TRY(WriteRequest(request, deadline));
    MYKEY_ASSIGN_OR_RETURN(uint8_t byte, ReadStatusByte(deadline));
    MYKEY_TRY(ApplyStatusByte(kind, byte, status));
  }
  return status;
}

ProcessId PrinterPort::NextProcessId() {
  next_process_id_ = (next_process_id_ + 1) % 10000;
  return ProcessId::FromNumber(next_process_id_);
}

Status PrinterPort::RequestProcessId(const ProcessId& id, std::chrono::milliseconds timeout) {
  MYKEY_TRY(CheckReadable("RequestProcessId() before Open()"));
  awaited_id_ = id;
  awaited_answered_ = false;
  const auto request = ProcessIdRequest(id);
  return Write(request, timeout);
}

Status PrinterPort::AwaitProcessId(const ProcessId& id, std::chrono::milliseconds timeout) {
  MYKEY_TRY(CheckReadable("AwaitProcessId() before Open()"));
  if (!awaited_id_ || *awaited_id_ != id) {
    return Fail(ErrorCode::kFailedPrecondition, "this process ID was not the last requested");
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!awaited_answered_) {
    auto pumped = Pump(deadline);
    if (!pumped) return pumped;
  }
  return Ok();
}

Status PrinterPort::ClearBuffers(std::chrono::milliseconds timeout) {
  MYKEY_TRY(CheckReadable("ClearBuffers() before Open()"));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  DrainInput();
  if (!open_) return Fail(ErrorCode::kUnavailable, "printer went away");
  buffers_cleared_ = false;
  MYKEY_TRY(WriteRequest(kClearBuffersRequest, deadline));
  while (!buffers_cleared_) {
    auto pumped = Pump(deadline);
    if (!pumped) return pumped;
  }
  // The answers of anything dropped will never come.
  awaited_id_.reset();
  return Ok();
}

Status PrinterPort::Close() {
  if (!open_) return Ok();
  open_ = false;
  return DoClose();
}

Status PrinterPort::Abort() {
  if (!open_) return Ok();
  open_ = false;
  return DoAbort();
}

Status PrinterPort::CheckReadable(const char* not_open_message) const {
  if (!open_) return Fail(ErrorCode::kFailedPrecondition, not_open_message);
  if (!DoTwoWay()) {
    return Fail(ErrorCode::kUnimplemented, "this printer port cannot read what the printer says");
  }
  return Ok();
}

Status PrinterPort::WriteRequest(ByteView request, std::chrono::steady_clock::time_point deadline) {
  auto sent = DoWrite(request, Left(deadline) + DoLineTime(request.size()));
  if (!sent && sent.error().code() == ErrorCode::kUnavailable) EndConnection();
  return sent;
}

Status PrinterPort::Pump(std::chrono::steady_clock::time_point deadline) {
  uint8_t chunk[kReadChunk];
  auto got = DoRead(chunk, Left(deadline));
  if (!got) {
    if (got.error().code() == ErrorCode::kUnavailable) EndConnection();
    return Fail(got.error());
  }
  for (size_t i = 0; i < *got; ++i) {
    if (auto response = decoder_.Feed(chunk[i])) Dispatch(*response);
  }
  return Ok();
}

void PrinterPort::Dispatch(const Response& response) {
  switch (response.kind) {
    case ResponseKind::kStatus: status_bytes_.push_back(response.status_byte); break;
    case ResponseKind::kProcessId:
      // An answer with another id is left over from an earlier job: dropped.
      if (awaited_id_ && response.process_id == *awaited_id_) awaited_answered_ = true;
      break;
    case ResponseKind::kBuffersCleared: buffers_cleared_ = true; break;
    case ResponseKind::kUnknown: ++unknown_bytes_; break;
    case ResponseKind::kAutoStatus: break;
  }
}

Result<uint8_t> PrinterPort::ReadStatusByte(std::chrono::steady_clock::time_point deadline) {
  unknown_bytes_ = 0;
  while (status_bytes_.empty()) {
    if (unknown_bytes_ > kMaxUnknownBytes) {
      return Fail(ErrorCode::kDataLoss, "no status answer among the printer's bytes");
    }
    MYKEY_TRY(Pump(deadline));
  }
  const uint8_t byte = status_bytes_.front();
  status_bytes_.pop_front();
  return byte;
}

void PrinterPort::DrainInput() {
  for (int i = 0; i < kMaxDrainReads && open_; ++i) {
    if (!Pump(std::chrono::steady_clock::now())) break;
  }
  // Status answers nobody waits for any more (an abandoned read's) are stale.
  status_bytes_.clear();
}

void PrinterPort::EndConnection() {
  open_ = false;
  (void)DoClose();
}

void PrinterPort::ForgetAnswers() {
  decoder_.Reset();
  status_bytes_.clear();
  unknown_bytes_ = 0;
  awaited_id_.reset();
  awaited_answered_ = false;
  buffers_cleared_ = false;
}

}  // namespace mykey::printer
