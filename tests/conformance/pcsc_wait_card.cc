// mykey_pcsc_wait_card READER present|absent [TIMEOUT_MS]
//
// Waits, with PC/SC events (SCardGetStatusChange through hal/pcsc), until
// pcscd reports a card present in (or absent from) READER. For shell tests
// that must not sleep. Exit 0 when the state is reached, 1 on timeout or
// error, 2 on a usage error.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mykey/pcsc/pcsc_reader.h"

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::fputs("usage: mykey_pcsc_wait_card READER present|absent [TIMEOUT_MS]\n", stderr);
    return 2;
  }
  const std::string_view reader = argv[1];
  const std::string_view state = argv[2];
  const long timeout_ms = argc == 4 ? std::strtol(argv[3], nullptr, 10) : 10000;
  if ((state != "present" && state != "absent") || timeout_ms <= 0) {
    std::fputs("usage: mykey_pcsc_wait_card READER present|absent [TIMEOUT_MS]\n", stderr);
    return 2;
  }
  mykey::hal::PcscReaderMonitor monitor;
  const std::chrono::milliseconds timeout(timeout_ms);
  if (state == "present") {
    auto info = monitor.WaitForCard(reader, timeout);
    if (!info) {
      std::fprintf(stderr, "no card in %s: %s\n", argv[1], info.error().ToString().c_str());
      return 1;
    }
    return 0;
  }
  auto gone = monitor.WaitForCardRemoval(reader, timeout);
  if (!gone) {
    std::fprintf(stderr, "card still in %s: %s\n", argv[1], gone.error().ToString().c_str());
    return 1;
  }
  return 0;
}
