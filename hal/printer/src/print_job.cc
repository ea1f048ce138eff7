#include "mykey/printer/print_job.h"

#include <algorithm>

namespace mykey::printer {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

PrinterFault BlockingFault(const PrinterStatus& status, const PrintJobOptions& options) {
  PrinterFault fault = FaultOf(status);
  if (fault == PrinterFault::kNone && !options.allow_paper_near_end && status.paper_near_end) {
    return PrinterFault::kPaperEnd;
  }
  return fault;
}

// Whether a fault seen while waiting for the process ID ends the wait: all do
// but an auto-recoverable error alone (a hot head), after which the printer
// goes on by itself.
bool StopsTheJob(const PrinterStatus& status) {
  if (FaultOf(status) == PrinterFault::kNone) return false;
  const bool only_auto_recoverable = status.auto_recoverable_error && !status.paper_end &&
                                     !status.paper_end_stop && !status.cover_open &&
                                     !status.unrecoverable_error && !status.autocutter_error &&
                                     !status.recoverable_error;
  return !only_auto_recoverable;
}

milliseconds Since(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

// Step 1: the status before the job; a connection the printer dropped while
// idle is opened once more. Returns the status, nothing on a one-way port, or
// the error that keeps the job from being written.
Result<std::optional<PrinterStatus>> StatusBefore(PrinterPort& port, const PrintJobOptions& options,
                                                  JobOutcome& outcome) {
  if (!port.two_way()) return std::optional<PrinterStatus>();
  auto before = port.ReadRealTimeStatus(options.status_timeout);
  if (!before && before.error().code() == ErrorCode::kUnavailable) {
    (void)port.Close();
    MYKEY_TRY(port.Open());
    outcome.reconnected = true;
    if (!port.two_way()) return std::optional<PrinterStatus>();
    before = port.ReadRealTimeStatus(options.status_timeout);
  }
  if (!before) return Fail(before.error());
  return std::optional<PrinterStatus>(*before);
}

// Step 4, after a job that did not print completely: the status (from a new
// connection when the job's is stuck behind unsent bytes or gone), the buffers
// cleared (kProcessId), and the port closed dropping unsent bytes.
JobOutcome Unfinished(PrinterPort& port, const PrintJobOptions& options, JobOutcome outcome,
                      bool two_way) {
  const bool ask_clear = two_way && options.completion == Completion::kProcessId;
  std::optional<PrinterStatus> after;
  bool cleared = false;
  if (two_way && port.is_open()) {
    if (auto status = port.ReadRealTimeStatus(options.status_timeout)) after = *status;
    if (ask_clear && port.is_open()) cleared = bool(port.ClearBuffers(options.clear_timeout));
  }
  if (two_way && (!after || (ask_clear && !cleared))) {
    // Whatever is stuck in the job's connection must never reach the printer.
    (void)port.Abort();
    if (port.Open() && port.two_way()) {
      if (!after) {
        if (auto status = port.ReadRealTimeStatus(options.status_timeout)) after = *status;
      }
      if (ask_clear && port.is_open()) cleared = bool(port.ClearBuffers(options.clear_timeout));
    }
  }
  (void)port.Abort();
  // A status read while waiting stays when none could be read now.
  if (after) outcome.after = after;
  const PrinterFault fault = outcome.after ? FaultOf(*outcome.after) : PrinterFault::kNone;
  outcome.fault = fault;
  outcome.result = fault != PrinterFault::kNone ? JobResult::kNotPrinted : JobResult::kUnconfirmed;
  if (ask_clear) {
    outcome.buffer_clear = cleared ? BufferClear::kAcknowledged : BufferClear::kUnacknowledged;
  } else {
    outcome.buffer_clear = BufferClear::kNotAsked;
  }
  return outcome;
}

// Step 3 with kProcessId.
JobOutcome AwaitCompletion(PrinterPort& port, ByteView job, const PrintJobOptions& options,
                           JobOutcome outcome) {
  const ProcessId id = port.NextProcessId();
  if (auto requested = port.RequestProcessId(id, options.write_timeout); !requested) {
    outcome.error = requested.error();
    return Unfinished(port, options, std::move(outcome), /*two_way=*/true);
  }
  const auto start = Clock::now();
  const auto deadline = start + CompletionTimeout(options, job.size()) + port.LineTime(job.size());
  const milliseconds poll = std::max(options.status_poll_interval, milliseconds(1));
  bool answered = false;
  while (true) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    auto waited = port.AwaitProcessId(id, std::clamp(left, milliseconds(0), poll));
    if (waited) {
      answered = true;
      break;
    }
    if (waited.error().code() != ErrorCode::kDeadlineExceeded) {
      outcome.error = waited.error();
      break;
    }
    if (Clock::now() >= deadline) break;
    auto status = port.ReadRealTimeStatus(options.status_timeout);
    if (!status) {
      outcome.error = status.error();
      break;
    }
    outcome.after = *status;
    // The answer may have come while the status was read.
    if (port.AwaitProcessId(id, milliseconds(0))) {
      answered = true;
      break;
    }
    if (StopsTheJob(*status)) break;
  }
  outcome.completion_wait = Since(start);
  if (!answered) return Unfinished(port, options, std::move(outcome), /*two_way=*/true);
  outcome.process_id_answered = true;
  outcome.result = JobResult::kPrinted;
  if (auto after = port.ReadRealTimeStatus(options.status_timeout)) outcome.after = *after;
  return outcome;
}

// Step 3 with kStatusOnly.
JobOutcome CheckStatusOnly(PrinterPort& port, const PrintJobOptions& options, JobOutcome outcome) {
  auto after = port.ReadRealTimeStatus(options.status_timeout);
  if (!after) {
    outcome.error = after.error();
    return Unfinished(port, options, std::move(outcome), /*two_way=*/true);
  }
  outcome.after = *after;
  if (FaultOf(*after) != PrinterFault::kNone) {
    return Unfinished(port, options, std::move(outcome), /*two_way=*/true);
  }
  outcome.result = options.trust_status_only ? JobResult::kPrinted : JobResult::kUnconfirmed;
  return outcome;
}

}  // namespace

const char* CompletionName(Completion completion) {
  switch (completion) {
    case Completion::kProcessId: return "process-id";
    case Completion::kStatusOnly: return "status-only";
  }
  return "unknown";
}

const char* JobResultName(JobResult result) {
  switch (result) {
    case JobResult::kPrinted: return "printed";
    case JobResult::kUnconfirmed: return "unconfirmed";
    case JobResult::kNotPrinted: return "not printed";
  }
  return "unknown";
}

const char* BufferClearName(BufferClear clear) {
  switch (clear) {
    case BufferClear::kNotNeeded: return "not needed";
    case BufferClear::kAcknowledged: return "acknowledged";
    case BufferClear::kUnacknowledged: return "unacknowledged";
    case BufferClear::kNotAsked: return "not asked";
  }
  return "unknown";
}

milliseconds CompletionTimeout(const PrintJobOptions& options, size_t bytes) {
  const uint64_t rate = std::max<uint32_t>(options.print_bytes_per_second, 1);
  return options.completion_base + milliseconds(static_cast<int64_t>(bytes * 1000ULL / rate));
}

Result<JobOutcome> PrintJob(PrinterPort& port, ByteView job, const PrintJobOptions& options) {
  MYKEY_TRY(port.Open());
  JobOutcome outcome;
  MYKEY_ASSIGN_OR_RETURN(outcome.before, StatusBefore(port, options, outcome));
  if (outcome.before) {
    const PrinterFault fault = BlockingFault(*outcome.before, options);
    if (fault != PrinterFault::kNone) {
      outcome.result = JobResult::kNotPrinted;
      outcome.fault = fault;
      outcome.refused_before_write = true;
      return outcome;
    }
  }
  const bool two_way = port.two_way();

  auto written = port.Write(job, options.write_timeout);
  if (!written) {
    // kUnavailable: the connection was gone before any byte was taken.
    if (written.error().code() == ErrorCode::kUnavailable) return Fail(written.error());
    if (written.error().code() == ErrorCode::kDeadlineExceeded) {
      outcome.bytes_written = static_cast<size_t>(written.error().detail());
    }
    outcome.error = written.error();
    return Unfinished(port, options, std::move(outcome), two_way);
  }
  outcome.bytes_written = job.size();

  if (!two_way) {
    outcome.result = JobResult::kUnconfirmed;
    return outcome;
  }
  if (options.completion == Completion::kStatusOnly) {
    return CheckStatusOnly(port, options, std::move(outcome));
  }
  return AwaitCompletion(port, job, options, std::move(outcome));
}

}  // namespace mykey::printer
