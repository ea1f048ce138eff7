#pragma once

#include <chrono>
#include <optional>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/printer/printer_port.h"
#include "mykey/printer/printer_status.h"

namespace mykey::printer {

/// What became of a print job.
enum class JobResult : uint8_t {
  kPrinted,      ///< two-way port: the status after the job showed no fault
  kUnconfirmed,  ///< one-way port: the bytes went out, nobody can say if they printed
  kNotPrinted,   ///< refused before writing, or the status after says it failed
};

/// "printed", "unconfirmed", "not printed".
const char* JobResultName(JobResult result);

/// The outcome of PrintJob(): what happened and why.
///
/// Thread safety: a value type.
struct JobOutcome {
  JobResult result = JobResult::kNotPrinted;
  /// Why not printed (kNone when printed or unconfirmed).
  PrinterFault fault = PrinterFault::kNone;
  /// True when the job was refused before any byte was written (safe to retry
  /// as the same job); false once bytes went out.
  bool refused_before_write = false;
  /// The statuses read before and after the job (two-way ports only).
  std::optional<PrinterStatus> before;
  std::optional<PrinterStatus> after;
  size_t bytes_written = 0;

  bool printed() const { return result == JobResult::kPrinted; }
};

/// Options of PrintJob().
///
/// Thread safety: a value type.
struct PrintJobOptions {
  std::chrono::milliseconds write_timeout = kDefaultWriteTimeout;
  std::chrono::milliseconds status_timeout = kDefaultStatusTimeout;
  /// Whether a paper-near-end printer still takes jobs (it usually can).
  bool allow_paper_near_end = true;
};

/// Prints one job with proof where the port can give it: reads the status
/// before (refusing when paper end, cover open, offline or in error), writes
/// the bytes, reads the status after. A job whose status after shows a fault
/// is reported kNotPrinted with that fault. On a one-way port the result is
/// kUnconfirmed once the bytes are written.
///
/// The port is opened when it is not open yet.
///
/// @param port  the printer
/// @param job   the ESC/POS bytes of the whole job (ending with a cut)
/// @returns the outcome (a refused or failed job is an outcome, not an error);
///          transport errors of Open(), Write() and ReadRealTimeStatus()
///          (kUnavailable, kDeadlineExceeded, kDataLoss) when the job's fate
///          cannot be known — a caller must treat those as "maybe printed".
Result<JobOutcome> PrintJob(PrinterPort& port, ByteView job, const PrintJobOptions& options = {});

}  // namespace mykey::printer
