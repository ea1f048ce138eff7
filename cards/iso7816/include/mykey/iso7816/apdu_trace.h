#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "mykey/base/bytes.h"
#include "mykey/base/error.h"
#include "mykey/base/result.h"

namespace mykey::iso7816 {

/// One command/response exchange as recorded by ApduTrace.
struct TracedExchange {
  /// The command as sent, except for a redacted command, where only the
  /// 4-byte header is kept (not even the length of the secret).
  Bytes command;
  /// True when the command data was a secret and was dropped.
  bool redacted = false;
  /// True when the AID firewall refused the command: it was never sent.
  bool refused = false;
  /// The response (data + SW1 SW2); empty when refused or failed.
  Bytes response;
  /// The transport or firewall error, if the exchange failed.
  std::optional<Error> error;
  /// When the command was sent, from the trace's start.
  std::chrono::microseconds at{0};
  /// How long the reader took to answer.
  std::chrono::microseconds elapsed{0};
};

/// What ApduTrace::ToString() prints.
struct TraceFormat {
  /// Print response data bytes (otherwise their count only).
  bool response_data = false;
  /// Print times (leave off for golden comparisons).
  bool timing = true;
};

/// True for the commands whose data is a secret: VERIFY (INS 20, 21),
/// CHANGE REFERENCE DATA (24, 25) and RESET RETRY COUNTER (2C, 2D), any CLA.
bool CarriesSecret(ByteView command);

/// A Recording of the APDUs a CardChannel exchanges, with direction and
/// timing, and the counts a benchmark reports ("APDUs and bytes exchanged").
///
/// PINs never reach it: the data of VERIFY / CHANGE REFERENCE DATA / RESET
/// RETRY COUNTER is dropped before recording (only the header is kept, and
/// ToString() prints a fixed mask `** ** ** **` whatever the real length).
/// bytes_sent() counts the real bytes on the wire.
///
/// Thread safety: not thread-safe; belongs to the channel's owner.
class ApduTrace {
 public:
  ApduTrace();

  /// Records one exchange that reached the reader.
  void RecordExchange(ByteView command, const Result<Bytes>& response,
                      std::chrono::steady_clock::time_point sent,
                      std::chrono::steady_clock::time_point answered);
  /// Records a command the AID firewall refused (never sent).
  void RecordRefusal(ByteView command, const Error& error);

  const std::vector<TracedExchange>& exchanges() const { return exchanges_; }
  /// APDUs that reached the reader (refused ones excluded).
  size_t apdu_count() const { return apdu_count_; }
  /// Command bytes sent / response bytes received (status words included).
  size_t bytes_sent() const { return bytes_sent_; }
  size_t bytes_received() const { return bytes_received_; }
  /// Commands the AID firewall refused.
  size_t refused_count() const { return refused_count_; }

  /// One line per direction:
  /// `#1 +0.012ms -> 00 A4 04 0C 0A D3 92 ...` then `   <- 90 00 (0.050ms)`.
  std::string ToString(TraceFormat format = {}) const;

  /// Forgets everything and restarts the clock.
  void Clear();

 private:
  std::chrono::steady_clock::time_point start_;
  std::vector<TracedExchange> exchanges_;
  size_t apdu_count_ = 0;
  size_t bytes_sent_ = 0;
  size_t bytes_received_ = 0;
  size_t refused_count_ = 0;
};

}  // namespace mykey::iso7816
