#include "mykey/printer/print_job.h"

namespace mykey::printer {
namespace {

PrinterFault BlockingFault(const PrinterStatus& status, const PrintJobOptions& options) {
  PrinterFault fault = FaultOf(status);
  if (fault == PrinterFault::kNone && !options.allow_paper_near_end && status.paper_near_end) {
    return PrinterFault::kPaperEnd;
  }
  return fault;
}

}  // namespace

const char* JobResultName(JobResult result) {
  switch (result) {
    case JobResult::kPrinted: return "printed";
    case JobResult::kUnconfirmed: return "unconfirmed";
    case JobResult::kNotPrinted: return "not printed";
  }
  return "unknown";
}

Result<JobOutcome> PrintJob(PrinterPort& port, ByteView job, const PrintJobOptions& options) {
  MYKEY_TRY(port.Open());
  JobOutcome outcome;
  const bool two_way = port.two_way();

  if (two_way) {
    MYKEY_ASSIGN_OR_RETURN(PrinterStatus before, port.ReadRealTimeStatus(options.status_timeout));
    outcome.before = before;
    const PrinterFault fault = BlockingFault(before, options);
    if (fault != PrinterFault::kNone) {
      outcome.result = JobResult::kNotPrinted;
      outcome.fault = fault;
      outcome.refused_before_write = true;
      return outcome;
    }
  }

  auto written = port.Write(job, options.write_timeout);
  if (!written) {
    // A printer that stopped mid-job (paper out) may stop taking bytes: if it
    // can still say why, the job is known not printed; otherwise its fate is unknown.
    if (two_way && port.is_open()) {
      auto after = port.ReadRealTimeStatus(options.status_timeout);
      if (after && FaultOf(*after) != PrinterFault::kNone) {
        outcome.after = *after;
        outcome.result = JobResult::kNotPrinted;
        outcome.fault = FaultOf(*after);
        return outcome;
      }
    }
    return Fail(written.error());
  }
  outcome.bytes_written = job.size();

  if (!two_way) {
    outcome.result = JobResult::kUnconfirmed;
    return outcome;
  }
  MYKEY_ASSIGN_OR_RETURN(PrinterStatus after, port.ReadRealTimeStatus(options.status_timeout));
  outcome.after = after;
  const PrinterFault fault = FaultOf(after);
  if (fault != PrinterFault::kNone) {
    outcome.result = JobResult::kNotPrinted;
    outcome.fault = fault;
    return outcome;
  }
  outcome.result = JobResult::kPrinted;
  return outcome;
}

}  // namespace mykey::printer
