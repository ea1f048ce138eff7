#pragma once

// What a receipt printer sends back and the requests that make it answer
// beyond DLE EOT: the process-ID request (GS ( H fn 48), the real-time
// clear-buffers request (DLE DC4 fn 8), and a decoder that splits the
// printer's output into its responses. Pure code, no I/O.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"

namespace mykey::printer {

/// The four ASCII digits ('0'..'9') that name one print job in a
/// process-ID request and its answer.
///
/// Thread safety: a value type.
class ProcessId {
 public:
  /// "0000".
  ProcessId() = default;
  /// The id with the decimal digits of `number` modulo 10000 ("0042" for 42).
  static ProcessId FromNumber(uint32_t number);
  /// @returns the id of four ASCII digits; kInvalidArgument when a byte is not '0'..'9'.
  static Result<ProcessId> FromDigits(const std::array<uint8_t, 4>& digits);

  const std::array<uint8_t, 4>& digits() const { return digits_; }
  /// The number the digits spell (0..9999).
  uint32_t number() const;
  /// "0042".
  std::string ToString() const;

  bool operator==(const ProcessId&) const = default;

 private:
  std::array<uint8_t, 4> digits_ = {'0', '0', '0', '0'};
};

/// `GS ( H pL pH fn m d1 d2 d3 d4` = `1D 28 48 06 00 30 30 d1..d4` (fn 48, m 48):
/// the printer answers ProcessIdAnswer(id) once every byte sent before the
/// request has been printed. It travels in the data stream, so it is answered
/// in order, after the job it ends.
std::array<uint8_t, 11> ProcessIdRequest(const ProcessId& id);

/// The answer to ProcessIdRequest(): `37 22 d1 d2 d3 d4 00` (for emulators and tests).
std::array<uint8_t, 7> ProcessIdAnswer(const ProcessId& id);

/// `DLE DC4 fn a b c d e` = `10 14 08 01 03 14 01 06 02 08`: real-time (acted
/// on when it arrives, even while the printer is stopped by a fault): clears
/// the receive and print buffers and answers kBuffersClearedAnswer.
inline constexpr std::array<uint8_t, 10> kClearBuffersRequest = {0x10, 0x14, 0x08, 0x01, 0x03,
                                                                 0x14, 0x01, 0x06, 0x02, 0x08};
/// The answer to kClearBuffersRequest: `37 25 00`.
inline constexpr std::array<uint8_t, 3> kBuffersClearedAnswer = {0x37, 0x25, 0x00};

/// What one response of the printer is.
enum class ResponseKind : uint8_t {
  kStatus,          ///< an answer to DLE EOT n: one byte with the fixed pattern (IsStatusByte)
  kAutoStatus,      ///< an Automatic Status Back block: 4 bytes, sent unasked
  kProcessId,       ///< `37 22 d1..d4 00`: the answer to a process-ID request
  kBuffersCleared,  ///< `37 25 00`: the answer to the clear-buffers request
  kUnknown,         ///< a byte that begins none of these: skipped
};

/// One response decoded from the printer's output.
///
/// Thread safety: a value type.
struct Response {
  ResponseKind kind = ResponseKind::kUnknown;
  uint8_t status_byte = 0;                  ///< kStatus: the byte
  ProcessId process_id;                     ///< kProcessId: the id answered
  std::array<uint8_t, 4> auto_status = {};  ///< kAutoStatus: the four bytes
};

/// Splits a printer's output into responses, byte by byte, however the bytes
/// arrive in chunks. The first byte of a response says what it is, so the
/// readers of different answers are never confused:
///  - `37`: `37 22 d1..d4 00` (a process-ID answer, taken whole although its
///    digits `2` and `6` look like status bytes) or `37 25 00`;
///  - `byte & 93 == 12`: a DLE EOT answer;
///  - `byte & 93 == 10`: the first of the 4 bytes of an ASB block (the next
///    three have bits 4 and 7 clear);
///  - anything else: kUnknown.
/// A byte that cannot continue the response begun (a status answer after a
/// stray `37`) ends it: the partial response is dropped and the byte decoded
/// afresh; a `37` taken for the digit '7' of a broken answer and followed by
/// an identifier begins the next answer. So garbage hides a later answer only
/// when its bytes fit a process-ID answer exactly (a status answer `32` or `36`
/// after a stray `37 22`). Answers to requests we never send (GS I, GS ( E)
/// are not decoded.
///
/// Thread safety: not thread-safe; one reader feeds it.
class ResponseDecoder {
 public:
  /// Feeds one byte.
  /// @returns the response it completes, or nothing while one is incomplete.
  std::optional<Response> Feed(uint8_t byte);
  /// Whether a response has begun and not ended.
  bool in_response() const { return length_ > 0; }
  /// Forgets a partial response (after the connection was reopened).
  void Reset() { length_ = 0; }

 private:
  std::optional<Response> Start(uint8_t byte);
  std::optional<Response> Restart(uint8_t byte);

  std::array<uint8_t, 7> bytes_ = {};
  size_t length_ = 0;
};

}  // namespace mykey::printer
