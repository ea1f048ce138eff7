#include "mykey/api/metrics.h"

#include "mykey/testing/catch.h"

namespace mykey::cloud {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("Requests are counted by route, method and status") {
  Metrics metrics;
  metrics.ObserveRequest("/healthz", "GET", 200, 0.002);
  metrics.ObserveRequest("/healthz", "GET", 200, 0.002);
  metrics.ObserveRequest("unmatched", "GET", 404, 0.0001);
  const std::string text = metrics.Render();
  CHECK(Contains(text, "# TYPE mykey_http_requests_total counter\n"));
  CHECK(Contains(
      text, "mykey_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 2\n"));
  CHECK(Contains(
      text, "mykey_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1\n"));
}

TEST_CASE("Latencies fall into cumulative histogram buckets") {
  Metrics metrics;
  metrics.ObserveRequest("/r", "GET", 200, 0.002);  // <= 0.0025
  metrics.ObserveRequest("/r", "GET", 200, 0.3);    // <= 0.5
  metrics.ObserveRequest("/r", "GET", 200, 100.0);  // only +Inf
  const std::string text = metrics.Render();
  const std::string base =
      "mykey_http_request_duration_seconds_bucket{route=\"/r\",method=\"GET\",";
  CHECK(Contains(text, base + "le=\"0.001\"} 0\n"));
  CHECK(Contains(text, base + "le=\"0.0025\"} 1\n"));
  CHECK(Contains(text, base + "le=\"0.25\"} 1\n"));
  CHECK(Contains(text, base + "le=\"0.5\"} 2\n"));
  CHECK(Contains(text, base + "le=\"5\"} 2\n"));
  CHECK(Contains(text, base + "le=\"+Inf\"} 3\n"));
  CHECK(
      Contains(text, "mykey_http_request_duration_seconds_count{route=\"/r\",method=\"GET\"} 3\n"));
  CHECK(Contains(text,
                 "mykey_http_request_duration_seconds_sum{route=\"/r\",method=\"GET\"} 100.302\n"));
}

TEST_CASE("Counters, gauges and callbacks are rendered with HELP and TYPE") {
  Metrics metrics;
  metrics.AddInFlight(2);
  metrics.AddInFlight(-1);
  metrics.Increment("mykey_ledger_operations_total", "Ledger operations.", {{"op", "redeem"}});
  metrics.Increment("mykey_ledger_operations_total", "Ledger operations.", {{"op", "redeem"}}, 2);
  metrics.AddCallback("mykey_http_open_connections", "Open connections.", "gauge",
                      [] { return 7.0; });
  const std::string text = metrics.Render();
  CHECK(Contains(text, "mykey_http_requests_in_flight 1\n"));
  CHECK(Contains(text, "# HELP mykey_ledger_operations_total Ledger operations.\n"));
  CHECK(Contains(text, "mykey_ledger_operations_total{op=\"redeem\"} 3\n"));
  CHECK(
      Contains(text, "# TYPE mykey_http_open_connections gauge\nmykey_http_open_connections 7\n"));
}

TEST_CASE("Label values are escaped") {
  CHECK(EscapeLabelValue("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
}

}  // namespace
}  // namespace mykey::cloud
