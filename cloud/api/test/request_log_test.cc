#include "mykey/api/request_log.h"

#include "mykey/json/json.h"
#include "mykey/testing/catch.h"

namespace mykey::cloud {
namespace {

TEST_CASE("A request log line is one JSON object with the request's facts") {
  RequestLogRecord record;
  record.time_ms = 1700000000123;
  record.request_id = "abc";
  record.method = "POST";
  record.route = "/v1/municipalities/{code}";
  record.status = 409;
  record.duration_ms = 1.23456;
  record.remote = "127.0.0.1";
  record.error_code = "conflict";
  const std::string line = FormatRequestLogLine(record);
  CHECK(line.find('\n') == std::string::npos);
  auto parsed = json::ParseJson(line);
  REQUIRE(parsed);
  CHECK((*parsed)["time"] == "2023-11-14T22:13:20.123Z");
  CHECK((*parsed)["request_id"] == "abc");
  CHECK((*parsed)["route"] == "/v1/municipalities/{code}");
  CHECK((*parsed)["status"] == 409);
  CHECK((*parsed)["duration_ms"] == 1.234);
  CHECK((*parsed)["remote"] == "127.0.0.1");
  CHECK((*parsed)["error"] == "conflict");
  CHECK_FALSE(parsed->contains("ids"));
}

TEST_CASE("Identifiers in the request log are masked") {
  RequestLogRecord record;
  record.identifiers = {{"mykey_id", "AB12CD34"}, {"cert_serial", "0123456789ABCDEF"}};
  const std::string line = FormatRequestLogLine(record);
  CHECK(line.find("AB12CD34") == std::string::npos);
  CHECK(line.find("0123456789ABCDEF") == std::string::npos);
  auto parsed = json::ParseJson(line);
  REQUIRE(parsed);
  CHECK((*parsed)["ids"]["mykey_id"] == "******34");
  CHECK((*parsed)["ids"]["cert_serial"] == "**************EF");
}

TEST_CASE("The request log hands whole lines to its sink") {
  std::vector<std::string> lines;
  RequestLog log([&](std::string_view line) { lines.emplace_back(line); });
  RequestLogRecord record;
  record.request_id = "x";
  log.Write(record);
  log.Write(record);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].front() == '{');
  CHECK(lines[0].back() == '}');
}

}  // namespace
}  // namespace mykey::cloud
