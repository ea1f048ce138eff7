#include "mykey/api/request_log.h"

#include <cstdio>
#include <ctime>

#include "mykey/base/mask.h"
#include "mykey/json/json.h"

namespace mykey::cloud {

namespace {

std::string FormatTime(int64_t time_ms) {
  const time_t seconds = static_cast<time_t>(time_ms / 1000);
  tm utc{};
  gmtime_r(&seconds, &utc);
  char text[96];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(time_ms % 1000));
  return text;
}

}  // namespace

std::string FormatRequestLogLine(const RequestLogRecord& record) {
  json::OrderedJson line = json::OrderedJson::object();
  line["time"] = FormatTime(record.time_ms);
  line["request_id"] = record.request_id;
  line["method"] = record.method;
  line["route"] = record.route;
  line["status"] = record.status;
  line["duration_ms"] = static_cast<double>(static_cast<int64_t>(record.duration_ms * 1000)) / 1000;
  line["remote"] = record.remote;
  if (!record.error_code.empty()) line["error"] = record.error_code;
  if (!record.identifiers.empty()) {
    json::OrderedJson ids = json::OrderedJson::object();
    for (const auto& [name, value] : record.identifiers) ids[name] = MaskIdentifier(value);
    line["ids"] = std::move(ids);
  }
  return json::Dump(line);
}

RequestLog::RequestLog(Sink sink) : sink_(std::move(sink)) {}

void RequestLog::Write(const RequestLogRecord& record) const {
  const std::string line = FormatRequestLogLine(record);
  if (sink_) {
    sink_(line);
    return;
  }
  // One fwrite of the whole line keeps lines whole between threads.
  const std::string with_newline = line + "\n";
  std::fwrite(with_newline.data(), 1, with_newline.size(), stdout);
  std::fflush(stdout);
}

}  // namespace mykey::cloud
