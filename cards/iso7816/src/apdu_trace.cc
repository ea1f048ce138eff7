#include "mykey/iso7816/apdu_trace.h"

#include <cstdio>

namespace mykey::iso7816 {
namespace {

constexpr size_t kHeaderSize = 4;

// Copies the command, keeping only the header of a secret-bearing one.
Bytes Redacted(ByteView command, bool& redacted) {
  redacted = CarriesSecret(command) && command.size() > kHeaderSize;
  const size_t keep = redacted ? kHeaderSize : command.size();
  return Bytes(command.begin(), command.begin() + static_cast<std::ptrdiff_t>(keep));
}

std::string Millis(std::chrono::microseconds us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%03lldms", static_cast<long long>(us.count() / 1000),
                static_cast<long long>(us.count() % 1000));
  return buf;
}

}  // namespace

bool CarriesSecret(ByteView command) {
  if (command.size() < 2) return false;
  switch (command[1]) {
    case 0x20:
    case 0x21:
    case 0x24:
    case 0x25:
    case 0x2C:
    case 0x2D: return true;
    default: return false;
  }
}

ApduTrace::ApduTrace() : start_(std::chrono::steady_clock::now()) {}

void ApduTrace::RecordExchange(ByteView command, const Result<Bytes>& response,
                               std::chrono::steady_clock::time_point sent,
                               std::chrono::steady_clock::time_point answered) {
  TracedExchange entry;
  entry.command = Redacted(command, entry.redacted);
  if (response) {
    entry.response = *response;
    bytes_received_ += response->size();
  } else {
    entry.error = response.error();
  }
  entry.at = std::chrono::duration_cast<std::chrono::microseconds>(sent - start_);
  entry.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(answered - sent);
  ++apdu_count_;
  bytes_sent_ += command.size();
  exchanges_.push_back(std::move(entry));
}

void ApduTrace::RecordRefusal(ByteView command, const Error& error) {
  TracedExchange entry;
  entry.command = Redacted(command, entry.redacted);
  entry.refused = true;
  entry.error = error;
  entry.at = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start_);
  ++refused_count_;
  exchanges_.push_back(std::move(entry));
}

std::string ApduTrace::ToString(TraceFormat format) const {
  std::string out;
  size_t n = 0;
  for (const TracedExchange& e : exchanges_) {
    out += "#" + std::to_string(++n) + " ";
    if (format.timing) out += "+" + Millis(e.at) + " ";
    out += "-> " + ToSpacedHex(e.command);
    if (e.redacted) out += " ** ** ** **";
    out += "\n   <- ";
    if (e.refused) {
      out += "REFUSED (" + e.error->ToString() + ")";
    } else if (e.error) {
      out += "ERROR (" + e.error->ToString() + ")";
    } else if (format.response_data || e.response.size() <= 2) {
      out += ToSpacedHex(e.response);
    } else {
      const ByteView sw = ByteView(e.response).last(2);
      out += "[" + std::to_string(e.response.size() - 2) + " bytes] " + ToSpacedHex(sw);
    }
    if (format.timing && !e.refused) out += " (" + Millis(e.elapsed) + ")";
    out += "\n";
  }
  return out;
}

void ApduTrace::Clear() {
  start_ = std::chrono::steady_clock::now();
  exchanges_.clear();
  apdu_count_ = 0;
  bytes_sent_ = 0;
  bytes_received_ = 0;
  refused_count_ = 0;
}

}  // namespace mykey::iso7816
