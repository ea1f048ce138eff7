// Fuzzes the virtual printer's ESC/POS parser and model (sdk/vprinter): any
// byte stream, in any split, must be parsed without crashing, give the same
// jobs and answers however it is split, and render. A printer that runs out
// of paper half-way and gets it back prints the same jobs as one that never
// ran out (unless the stream clears the buffers); one that throws faulted
// jobs away still parses everything.
//
// Input: byte 0 = chunk size for the split feed (0 -> 1 byte at a time), then
// the stream.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "mykey/vprinter/job_render.h"
#include "mykey/vprinter/virtual_printer.h"

namespace {

using mykey::Bytes;
using mykey::ByteView;
using mykey::vprinter::Fault;
using mykey::vprinter::FaultPolicy;
using mykey::vprinter::PrintedJob;
using mykey::vprinter::VirtualPrinter;
using mykey::vprinter::VirtualPrinterOptions;

struct Run {
  Bytes replies;
  std::vector<PrintedJob> jobs;
};

enum class Faulted { kNo, kResumed, kDiscarded };

Run Feed(ByteView stream, size_t chunk, Faulted faulted) {
  VirtualPrinterOptions options;
  if (faulted == Faulted::kDiscarded) options.fault_policy = FaultPolicy::kDiscard;
  VirtualPrinter printer(options);
  if (faulted != Faulted::kNo) printer.SetFaultAfter(Fault::kPaperOut, stream.size() / 2);
  Run run;
  for (size_t at = 0; at < stream.size(); at += chunk) {
    const Bytes replies = printer.Feed(stream.subspan(at, std::min(chunk, stream.size() - at)));
    run.replies.insert(run.replies.end(), replies.begin(), replies.end());
  }
  printer.EndOfStream();
  printer.SetFault(Fault::kNone);  // paper loaded: what waited prints
  const Bytes later = printer.TakeReplies();
  run.replies.insert(run.replies.end(), later.begin(), later.end());
  run.jobs = printer.jobs();
  return run;
}

bool SameJobs(const std::vector<PrintedJob>& a, const std::vector<PrintedJob>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].number != b[i].number || a[i].text_lines != b[i].text_lines ||
        a[i].bytes_received != b[i].bytes_received ||
        a[i].elements.size() != b[i].elements.size() || a[i].cut != b[i].cut ||
        a[i].completed != b[i].completed || a[i].page_dots != b[i].page_dots ||
        a[i].process_ids != b[i].process_ids) {
      return false;
    }
  }
  return true;
}

bool ClearsBuffers(ByteView stream) {
  static constexpr uint8_t kClear[] = {0x10, 0x14, 8, 1, 3, 20, 1, 6, 2, 8};
  return std::search(stream.begin(), stream.end(), std::begin(kClear), std::end(kClear)) !=
         stream.end();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t chunk = data[0] == 0 ? 1 : data[0];
  const ByteView stream(data + 1, size - 1);

  const Run whole = Feed(stream, stream.size() + 1, Faulted::kNo);
  const Run split = Feed(stream, chunk, Faulted::kNo);

  // Answers are bounded: the longest (GS I text) is 21 bytes for a 3-byte request.
  if (whole.replies.size() > 8 * stream.size()) std::abort();
  // The split does not change what was printed or answered.
  if (whole.replies != split.replies) std::abort();
  if (!SameJobs(whole.jobs, split.jobs)) std::abort();
  for (const PrintedJob& job : whole.jobs) {
    // Job bytes never exceed the stream; a job prints, cuts paper, or lost data.
    if (job.bytes_received > stream.size()) std::abort();
    if (job.bytes_dropped > job.bytes_received) std::abort();
    int page = 0;
    for (const auto& element : job.elements) page += mykey::vprinter::AdvanceDots(element);
    if (page != job.page_dots) std::abort();
    auto rendered = mykey::vprinter::RenderJob(job, nullptr);
    if (!rendered || rendered->width() != job.paper_dots) std::abort();
  }

  // Out of paper half-way, then paper loaded: the same jobs, completed the same.
  const Run resumed = Feed(stream, chunk, Faulted::kResumed);
  if (!ClearsBuffers(stream) && !SameJobs(whole.jobs, resumed.jobs)) std::abort();

  // A printer that throws the faulted job away still parses everything.
  const Run discarded = Feed(stream, chunk, Faulted::kDiscarded);
  if (discarded.replies.size() > 8 * stream.size() + 64) std::abort();
  return 0;
}
