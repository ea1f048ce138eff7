#pragma once

#include <cstdint>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"

namespace mykey::iso7816 {

/// An ISO/IEC 7816-4 response APDU: response data followed by SW1 SW2.
///
/// Thread safety: a value type; distinct objects may be used from distinct threads.
class ResponseApdu {
 public:
  /// Splits a raw response into data and status word.
  /// @returns kDataLoss (domain kParse) if it has fewer than 2 bytes.
  static Result<ResponseApdu> Parse(ByteView raw);

  /// Builds a response from its parts.
  ResponseApdu(Bytes data, uint16_t sw) : data_(std::move(data)), sw_(sw) {}

  const Bytes& data() const { return data_; }
  /// Moves the data out (for large reads).
  Bytes TakeData() { return std::move(data_); }
  uint16_t sw() const { return sw_; }
  uint8_t sw1() const { return static_cast<uint8_t>(sw_ >> 8); }
  uint8_t sw2() const { return static_cast<uint8_t>(sw_ & 0xFF); }
  /// True for 9000.
  bool ok() const { return sw_ == 0x9000; }

  /// Ok() for 9000, else ErrorFromStatusWord(sw()).
  Status ToStatus() const;

 private:
  Bytes data_;
  uint16_t sw_;
};

}  // namespace mykey::iso7816
