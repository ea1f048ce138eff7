#include "mykey/api/metrics.h"

#include <cstdio>

namespace mykey::cloud {

namespace {

std::string FormatDouble(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.9g", value);
  return text;
}

std::string FormatLabels(const Metrics::Labels& labels) {
  if (labels.empty()) return {};
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ',';
    out += labels[i].first + "=\"" + EscapeLabelValue(labels[i].second) + "\"";
  }
  return out + "}";
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

void Metrics::ObserveRequest(std::string_view route, std::string_view method, int status,
                             double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{std::string(route), std::string(method), status}];
  Histogram& histogram = latencies_[{std::string(route), std::string(method)}];
  for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    if (seconds <= kLatencyBuckets[i]) ++histogram.buckets[i];
  }
  ++histogram.count;
  histogram.sum += seconds;
}

void Metrics::AddInFlight(int delta) {
  std::lock_guard lock(mu_);
  in_flight_ += delta;
}

void Metrics::Increment(std::string_view name, std::string_view help, const Labels& labels,
                        uint64_t by) {
  std::lock_guard lock(mu_);
  auto it = counters_.find(name);
  if (it == counters_.end()) it = counters_.emplace(std::string(name), Counter{}).first;
  if (it->second.help.empty()) it->second.help = std::string(help);
  it->second.values[labels] += by;
}

void Metrics::AddCallback(std::string name, std::string help, std::string type,
                          std::function<double()> read) {
  std::lock_guard lock(mu_);
  callbacks_.push_back({std::move(name), std::move(help), std::move(type), std::move(read)});
}

std::string Metrics::Render() const {
  std::string out;
  std::vector<Callback> callbacks;
  {
    std::lock_guard lock(mu_);
    out += "# HELP mykey_http_requests_total HTTP requests by route, method and status.\n";
    out += "# TYPE mykey_http_requests_total counter\n";
    for (const auto& [key, count] : requests_) {
      const auto& [route, method, status] = key;
      out +=
          "mykey_http_requests_total" +
          FormatLabels({{"route", route}, {"method", method}, {"status", std::to_string(status)}}) +
          " " + std::to_string(count) + "\n";
    }
    out += "# HELP mykey_http_request_duration_seconds HTTP request latency by route and method.\n";
    out += "# TYPE mykey_http_request_duration_seconds histogram\n";
    for (const auto& [key, histogram] : latencies_) {
      const auto& [route, method] = key;
      const std::string base =
          "route=\"" + EscapeLabelValue(route) + "\",method=\"" + EscapeLabelValue(method) + "\"";
      for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
        out += "mykey_http_request_duration_seconds_bucket{" + base + ",le=\"" +
               FormatDouble(kLatencyBuckets[i]) + "\"} " + std::to_string(histogram.buckets[i]) +
               "\n";
      }
      out += "mykey_http_request_duration_seconds_bucket{" + base + ",le=\"+Inf\"} " +
             std::to_string(histogram.count) + "\n";
      out += "mykey_http_request_duration_seconds_sum{" + base + "} " +
             FormatDouble(histogram.sum) + "\n";
      out += "mykey_http_request_duration_seconds_count{" + base + "} " +
             std::to_string(histogram.count) + "\n";
    }
    out += "# HELP mykey_http_requests_in_flight HTTP requests being handled.\n";
    out += "# TYPE mykey_http_requests_in_flight gauge\n";
    out += "mykey_http_requests_in_flight " + std::to_string(in_flight_) + "\n";
    for (const auto& [name, counter] : counters_) {
      out += "# HELP " + name + " " + counter.help + "\n";
      out += "# TYPE " + name + " counter\n";
      for (const auto& [labels, value] : counter.values) {
        out += name + FormatLabels(labels) + " " + std::to_string(value) + "\n";
      }
    }
    callbacks = callbacks_;
  }
  // Read outside the lock: a callback may take locks of its own.
  for (const Callback& callback : callbacks) {
    out += "# HELP " + callback.name + " " + callback.help + "\n";
    out += "# TYPE " + callback.name + " " + callback.type + "\n";
    out += callback.name + " " + FormatDouble(callback.read()) + "\n";
  }
  return out;
}

}  // namespace mykey::cloud
