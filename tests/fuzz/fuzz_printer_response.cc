// Fuzzes what a receipt printer sends back: printer::ResponseDecoder byte by
// byte, and the PrinterPort readers over it (a status read, a process-ID wait,
// a clear-buffers wait) with the input arriving before the fake printer's own
// answers.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "mykey/printer/printer_response.h"
#include "mykey/printer/printer_status.h"
#include "mykey/printer_fake/fake_printer_port.h"

namespace {

using mykey::ErrorCode;
using mykey::printer::FakePrinterPort;
using mykey::printer::IsStatusByte;
using mykey::printer::ProcessId;
using mykey::printer::ResponseDecoder;
using mykey::printer::ResponseKind;

// Aborts naming the line of the failed check, so that a crash report says which invariant broke.
void CheckAt(bool ok, int line) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_printer_response: check failed at line %d\n", line);
  std::abort();
}
#define Check(ok) CheckAt((ok), __LINE__)

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const mykey::ByteView input(data, size);
  ResponseDecoder decoder;
  size_t responses = 0;
  for (uint8_t byte : input) {
    auto response = decoder.Feed(byte);
    if (!response) continue;
    ++responses;
    if (response->kind == ResponseKind::kStatus) Check(IsStatusByte(response->status_byte));
    if (response->kind == ResponseKind::kProcessId) {
      Check(response->process_id.number() < 10000);
      Check(ProcessId::FromNumber(response->process_id.number()) == response->process_id);
    }
  }
  Check(responses <= size);

  // The same bytes in front of a printer's answers never break a reader.
  const auto zero = std::chrono::milliseconds(0);
  FakePrinterPort port;
  if (!port.Open()) std::abort();
  const ProcessId id = ProcessId::FromNumber(static_cast<uint32_t>(size % 10000));
  port.set_answers_process_id(false);
  Check(static_cast<bool>(port.RequestProcessId(id)));
  port.SendUnasked(input);
  auto waited = port.AwaitProcessId(id, zero);
  Check(waited || waited.error().code() == ErrorCode::kDeadlineExceeded);
  port.SendUnasked(input);
  auto status = port.ReadRealTimeStatus(zero);
  // The fake answers every request at once, clean: whatever came before is stale.
  Check(status && status->ready());
  port.SendUnasked(input);
  Check(static_cast<bool>(port.ClearBuffers(zero)));
  return 0;
}
