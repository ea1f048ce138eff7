#include "mykey/printer/printer_response.h"

#include "mykey/printer/printer_status.h"

namespace mykey::printer {
namespace {

// The header of the block answers (GS ( H, DLE DC4 fn 8): the pattern of
// neither a status byte nor an ASB byte.
constexpr uint8_t kHeader = 0x37;
constexpr uint8_t kProcessIdIdentifier = 0x22;
constexpr uint8_t kClearedIdentifier = 0x25;
constexpr size_t kProcessIdAnswerSize = 7;
constexpr uint8_t kAutoStatusMask = 0x93;
constexpr uint8_t kAutoStatusFirst = 0x10;
// Bytes 2..4 of an ASB block have bits 4 and 7 clear.
constexpr uint8_t kAutoStatusRestMask = 0x90;
constexpr size_t kAutoStatusLength = 4;

bool IsDigit(uint8_t byte) {
  return byte >= '0' && byte <= '9';
}

}  // namespace

ProcessId ProcessId::FromNumber(uint32_t number) {
  ProcessId id;
  number %= 10000;
  for (size_t i = 4; i-- > 0;) {
    id.digits_[i] = static_cast<uint8_t>('0' + number % 10);
    number /= 10;
  }
  return id;
}

Result<ProcessId> ProcessId::FromDigits(const std::array<uint8_t, 4>& digits) {
  for (size_t i = 0; i < digits.size(); ++i) {
    if (!IsDigit(digits[i])) {
      return Fail(ErrorCode::kInvalidArgument, "a process ID digit is not 0..9",
                  ErrorDomain::kParse, static_cast<int64_t>(i));
    }
  }
  ProcessId id;
  id.digits_ = digits;
  return id;
}

uint32_t ProcessId::number() const {
  uint32_t number = 0;
  for (uint8_t digit : digits_) number = number * 10 + (digit - '0');
  return number;
}

std::string ProcessId::ToString() const {
  return std::string(digits_.begin(), digits_.end());
}

std::array<uint8_t, 11> ProcessIdRequest(const ProcessId& id) {
  const auto& d = id.digits();
  return {0x1D, 0x28, 0x48, 0x06, 0x00, 0x30, 0x30, d[0], d[1], d[2], d[3]};
}

std::array<uint8_t, 7> ProcessIdAnswer(const ProcessId& id) {
  const auto& d = id.digits();
  return {kHeader, kProcessIdIdentifier, d[0], d[1], d[2], d[3], 0x00};
}

std::optional<Response> ResponseDecoder::Feed(uint8_t byte) {
  if (length_ == 0) return Start(byte);
  if (bytes_[0] == kHeader) {
    if (length_ == 1) {
      if (byte != kProcessIdIdentifier && byte != kClearedIdentifier) return Restart(byte);
      bytes_[length_++] = byte;
      return std::nullopt;
    }
    const bool cleared = bytes_[1] == kClearedIdentifier;
    const size_t end = cleared ? kBuffersClearedAnswer.size() - 1 : kProcessIdAnswerSize - 1;
    if (length_ < end) {
      if (!IsDigit(byte)) return Restart(byte);
      bytes_[length_++] = byte;
      return std::nullopt;
    }
    if (byte != 0x00) return Restart(byte);
    length_ = 0;
    Response response;
    response.kind = cleared ? ResponseKind::kBuffersCleared : ResponseKind::kProcessId;
    if (!cleared) {
      // The digits were checked as they came.
      response.process_id = *ProcessId::FromDigits({bytes_[2], bytes_[3], bytes_[4], bytes_[5]});
    }
    return response;
  }
  // Inside an ASB block.
  if ((byte & kAutoStatusRestMask) != 0) return Restart(byte);
  bytes_[length_++] = byte;
  if (length_ < kAutoStatusLength) return std::nullopt;
  Response response;
  response.kind = ResponseKind::kAutoStatus;
  for (size_t i = 0; i < kAutoStatusLength; ++i) response.auto_status[i] = bytes_[i];
  length_ = 0;
  return response;
}

std::optional<Response> ResponseDecoder::Restart(uint8_t byte) {
  // A header taken for the digit '7' of a broken answer, followed by an
  // identifier: the answer that follows a broken one (garbage) begins there.
  if (bytes_[0] == kHeader && length_ >= 3 && bytes_[length_ - 1] == kHeader &&
      (byte == kProcessIdIdentifier || byte == kClearedIdentifier)) {
    bytes_[0] = kHeader;
    bytes_[1] = byte;
    length_ = 2;
    return std::nullopt;
  }
  length_ = 0;
  return Start(byte);
}

std::optional<Response> ResponseDecoder::Start(uint8_t byte) {
  if (byte == kHeader || (byte & kAutoStatusMask) == kAutoStatusFirst) {
    bytes_[0] = byte;
    length_ = 1;
    return std::nullopt;
  }
  Response response;
  if (IsStatusByte(byte)) {
    response.kind = ResponseKind::kStatus;
    response.status_byte = byte;
  }
  return response;
}

}  // namespace mykey::printer
