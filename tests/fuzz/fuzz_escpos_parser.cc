// Fuzzes the virtual printer's ESC/POS parser and model (sdk/vprinter): any
// byte stream, in any split, must be parsed without crashing, give the same
// jobs however it is split, answer only valid status bytes, and render.
//
// Input: byte 0 = chunk size for the split feed (0 -> 1 byte at a time), then
// the stream.

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "mykey/printer/printer_status.h"
#include "mykey/vprinter/job_render.h"
#include "mykey/vprinter/virtual_printer.h"

namespace {

using mykey::Bytes;
using mykey::ByteView;
using mykey::vprinter::PrintedJob;
using mykey::vprinter::VirtualPrinter;

struct Run {
  Bytes replies;
  std::vector<PrintedJob> jobs;
};

Run Feed(ByteView stream, size_t chunk, bool faulted) {
  VirtualPrinter printer;
  if (faulted) printer.SetFaultAfter(mykey::vprinter::Fault::kPaperOut, stream.size() / 2);
  Run run;
  for (size_t at = 0; at < stream.size(); at += chunk) {
    const Bytes replies = printer.Feed(stream.subspan(at, std::min(chunk, stream.size() - at)));
    run.replies.insert(run.replies.end(), replies.begin(), replies.end());
  }
  printer.EndOfStream();
  run.jobs = printer.jobs();
  return run;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t chunk = data[0] == 0 ? 1 : data[0];
  const ByteView stream(data + 1, size - 1);

  const Run whole = Feed(stream, stream.size() + 1, false);
  const Run split = Feed(stream, chunk, false);

  // Every answer is a status byte, and there is never more than one per request byte triple.
  for (uint8_t b : whole.replies) {
    if (!mykey::printer::IsStatusByte(b)) std::abort();
  }
  if (whole.replies.size() > stream.size() / 3) std::abort();
  // The split does not change what was printed or answered.
  if (whole.replies != split.replies) std::abort();
  if (whole.jobs.size() != split.jobs.size()) std::abort();
  for (size_t i = 0; i < whole.jobs.size(); ++i) {
    const PrintedJob& a = whole.jobs[i];
    const PrintedJob& b = split.jobs[i];
    if (a.text_lines != b.text_lines || a.bytes_received != b.bytes_received ||
        a.elements.size() != b.elements.size() || a.cut != b.cut || a.completed != b.completed) {
      std::abort();
    }
    // Job bytes never exceed the stream.
    if (a.bytes_received > stream.size()) std::abort();
    auto page = mykey::vprinter::RenderJob(a, nullptr);
    if (!page || page->width() != a.paper_dots) std::abort();
  }

  // A printer that runs out of paper half-way still parses everything.
  const Run faulted = Feed(stream, chunk, true);
  for (uint8_t b : faulted.replies) {
    if (!mykey::printer::IsStatusByte(b)) std::abort();
  }
  return 0;
}
