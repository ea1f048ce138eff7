#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace mykey::cloud {

/// Upper bounds (seconds) of the request latency histogram buckets.
inline constexpr std::array<double, 13> kLatencyBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0};

/// The cloud's metrics in Prometheus text format (version 0.0.4):
/// `mykey_http_requests_total{route,method,status}`,
/// `mykey_http_request_duration_seconds{route,method}` (histogram),
/// `mykey_http_requests_in_flight`, counters other modules add (ledger
/// operations) and gauges read at scrape time (store errors, connections).
/// Route labels are route patterns, never raw paths, so the label set stays
/// small and no identifier reaches the metrics.
///
/// Thread safety: all methods are safe to call concurrently.
class Metrics {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  /// Counts one finished request and its latency.
  void ObserveRequest(std::string_view route, std::string_view method, int status, double seconds);
  /// Changes the in-flight gauge.
  void AddInFlight(int delta);
  /// Adds to counter `name` (a `_total` name) with `labels`.
  void Increment(std::string_view name, std::string_view help, const Labels& labels,
                 uint64_t by = 1);
  /// Registers a value read at every scrape (a gauge, or a counter kept
  /// elsewhere when `type` is "counter").
  void AddCallback(std::string name, std::string help, std::string type,
                   std::function<double()> read);
  /// The whole exposition.
  std::string Render() const;

 private:
  struct Histogram {
    std::array<uint64_t, kLatencyBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };
  struct Counter {
    std::string help;
    std::map<Labels, uint64_t> values;
  };
  struct Callback {
    std::string name, help, type;
    std::function<double()> read;
  };

  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, Histogram> latencies_;
  int64_t in_flight_ = 0;
  std::map<std::string, Counter, std::less<>> counters_;
  std::vector<Callback> callbacks_;
};

/// Escapes a Prometheus label value (backslash, quote, newline).
std::string EscapeLabelValue(std::string_view value);

}  // namespace mykey::cloud
