#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mykey::cloud {

/// One line of the request log.
struct RequestLogRecord {
  int64_t time_ms = 0;  ///< Unix time of the request's arrival
  std::string request_id;
  std::string method;
  std::string route;  ///< the route pattern, or "unmatched": never the raw path
  int status = 0;
  double duration_ms = 0;
  std::string remote;
  std::string error_code;  ///< the ApiError code name, empty on success
  /// Identifiers the handler noted (mykey_id, cert_serial): masked on output.
  std::vector<std::pair<std::string, std::string>> identifiers;
};

/// The record as one JSON line (no newline): `{"time":"2026-...Z",
/// "request_id":..,"method":..,"route":..,"status":..,"duration_ms":..,
/// "remote":..[,"error":..][,"ids":{"mykey_id":"******34"}]}`. Identifier values
/// go through MaskIdentifier(); bodies, query strings and raw paths never
/// appear, so neither does a PIN.
std::string FormatRequestLogLine(const RequestLogRecord& record);

/// Writes request log lines to a sink (default: stdout, one line each).
///
/// Thread safety: Write() may be called concurrently; each line is written
/// whole.
class RequestLog {
 public:
  using Sink = std::function<void(std::string_view line)>;
  /// @param sink receives each line without its newline; null: stdout
  explicit RequestLog(Sink sink = nullptr);
  void Write(const RequestLogRecord& record) const;

 private:
  Sink sink_;
};

}  // namespace mykey::cloud
