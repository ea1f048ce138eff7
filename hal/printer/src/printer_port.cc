#include "mykey/printer/printer_port.h"

namespace mykey::printer {
namespace {

// A printer may have queued unsolicited bytes (ASB, answers to an abandoned
// request); this many reads clear them without looping forever on a chatty one.
constexpr int kMaxDiscardReads = 16;
// Bytes without the status pattern skipped while waiting for one answer.
constexpr int kMaxSkippedBytes = 64;

std::chrono::milliseconds Left(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() > 0 ? left : std::chrono::milliseconds(0);
}

}  // namespace

Status PrinterPort::Open() {
  if (open_) return Ok();
  MYKEY_TRY(DoOpen());
  open_ = true;
  return Ok();
}

Status PrinterPort::Write(ByteView data, std::chrono::milliseconds timeout) {
  if (!open_) return Fail(ErrorCode::kFailedPrecondition, "Write() before Open()");
  if (data.empty()) return Ok();
  auto written = DoWrite(data, timeout);
  if (!written && written.error().code() == ErrorCode::kUnavailable) EndConnection();
  return written;
}

Result<PrinterStatus> PrinterPort::ReadRealTimeStatus(std::chrono::milliseconds timeout) {
  if (!open_) return Fail(ErrorCode::kFailedPrecondition, "ReadRealTimeStatus() before Open()");
  if (!DoTwoWay()) {
    return Fail(ErrorCode::kUnimplemented, "this printer port cannot read status");
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  DiscardInput();
  if (!open_) return Fail(ErrorCode::kUnavailable, "printer went away");
  PrinterStatus status;
  for (StatusKind kind : kAllStatusKinds) {
    const auto request = StatusRequest(kind);
    auto sent = DoWrite(request, Left(deadline));
    if (!sent) {
      if (sent.error().code() == ErrorCode::kUnavailable) EndConnection();
      return Fail(sent.error());
    }
    auto byte = ReadStatusByte(deadline);
    if (!byte) {
      if (byte.error().code() == ErrorCode::kUnavailable) EndConnection();
      return Fail(byte.error());
    }
    MYKEY_TRY(ApplyStatusByte(kind, *byte, status));
  }
  return status;
}

Status PrinterPort::Close() {
  if (!open_) return Ok();
  open_ = false;
  return DoClose();
}

Result<uint8_t> PrinterPort::ReadStatusByte(std::chrono::steady_clock::time_point deadline) {
  for (int skipped = 0; skipped < kMaxSkippedBytes; ++skipped) {
    uint8_t byte = 0;
    MYKEY_ASSIGN_OR_RETURN(size_t got, DoRead({&byte, 1}, Left(deadline)));
    if (got == 1 && IsStatusByte(byte)) return byte;
  }
  return Fail(ErrorCode::kDataLoss, "no status answer among the printer's bytes");
}

void PrinterPort::DiscardInput() {
  uint8_t scratch[256];
  for (int i = 0; i < kMaxDiscardReads; ++i) {
    auto got = DoRead(scratch, std::chrono::milliseconds(0));
    if (!got) {
      if (got.error().code() == ErrorCode::kUnavailable) EndConnection();
      return;
    }
  }
}

void PrinterPort::EndConnection() {
  open_ = false;
  (void)DoClose();
}

}  // namespace mykey::printer
