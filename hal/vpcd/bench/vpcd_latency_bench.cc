// Measures one APDU through libpcsclite + pcscd + vpcd + VpcdBridge, with and
// without TCP_QUICKACK on the card side (pcsc-test-stack.md, "latency trap").
// A benchmark, not a test: it prints figures and judges nothing.
//
// Needs a running pcscd with the vpcd driver: tests/system/pcscd_fixture.sh start <dir>
// Usage: mykey_vpcd_latency_bench [--count N] [--slow-count M] [--slot S]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "mykey/pcsc/pcsc_reader.h"
#include "mykey/vpcd/vpcd_bridge.h"

namespace {

using mykey::Bytes;
using mykey::ByteView;
using Clock = std::chrono::steady_clock;

// Answers 90 00 to everything, like a SELECT that succeeds.
class SelectCard final : public mykey::hal::VirtualCard {
 public:
  Bytes PowerOn() override { return {0x3B, 0x80, 0x80, 0x01, 0x01}; }
  void PowerOff() override {}
  Bytes Reset() override { return PowerOn(); }
  Bytes Process(ByteView) override { return {0x90, 0x00}; }
};

std::string ReaderName(unsigned slot) {
  return "Virtual PCD 00 0" + std::to_string(slot);
}

// Runs `count` SELECTs; prints the figures. Returns false on any failure.
bool Measure(bool quick_ack, int count, unsigned slot) {
  SelectCard card;
  mykey::hal::VpcdBridgeOptions options;
  options.port = mykey::hal::VpcdPort(static_cast<uint16_t>(slot));
  options.quick_ack = quick_ack;
  mykey::hal::VpcdBridge bridge(card, options);
  mykey::hal::PcscReaderMonitor monitor;
  const std::string reader_name = ReaderName(slot);

  bridge.Insert();
  auto present = monitor.WaitForCard(reader_name, std::chrono::seconds{10});
  if (!present) {
    std::fprintf(stderr, "card not seen in %s: %s\n", reader_name.c_str(),
                 present.error().ToString().c_str());
    return false;
  }
  auto reader = monitor.OpenReader(reader_name);
  if (!reader || !(*reader)->Connect()) {
    std::fprintf(stderr, "cannot connect to %s\n", reader_name.c_str());
    return false;
  }
  const Bytes select = {0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0,
                        0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01};
  // One exchange first, so connection set-up is not measured.
  if (!(*reader)->Transmit(select)) return false;
  Clock::time_point start = Clock::now();
  for (int i = 0; i < count; ++i) {
    auto response = (*reader)->Transmit(select);
    if (!response) {
      std::fprintf(stderr, "APDU %d failed: %s\n", i, response.error().ToString().c_str());
      return false;
    }
  }
  double total_us = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
  std::printf("TCP_QUICKACK %-3s: %5d APDUs in %10.1f ms = %9.1f us per APDU\n",
              quick_ack ? "on" : "off", count, total_us / 1000.0, total_us / count);
  (void)(*reader)->Disconnect();
  bridge.Remove();
  (void)monitor.WaitForCardRemoval(reader_name, std::chrono::seconds{10});
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int count = 1000;
  int slow_count = 20;  // without QUICKACK each APDU costs ~40 ms
  unsigned slot = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--count") == 0) count = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--slow-count") == 0) slow_count = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--slot") == 0) slot = static_cast<unsigned>(std::atoi(argv[i + 1]));
  }
  bool ok = Measure(true, count, slot);
  ok = Measure(false, slow_count, slot) && ok;
  return ok ? 0 : 1;
}
