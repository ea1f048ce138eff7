#pragma once

#include <chrono>
#include <optional>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/printer/printer_port.h"
#include "mykey/printer/printer_status.h"

namespace mykey::printer {

/// How PrintJob() learns that a job has printed.
enum class Completion : uint8_t {
  /// After the job, the process-ID request (GS ( H fn 48); the job has printed
  /// when the printer answers it (Epson TM-T88V, TM-T20II and later, and
  /// printers compatible with them). A job that did not print completely is
  /// cleared from the printer with DLE DC4 fn 8.
  kProcessId,
  /// The printer lacks GS ( H: only the DLE EOT status after the job, which a
  /// printer answers on arrival with the job maybe still in its buffer. A clean
  /// status is kUnconfirmed unless PrintJobOptions::trust_status_only.
  kStatusOnly,
};

/// "process-id", "status-only" (the names the configuration uses).
const char* CompletionName(Completion completion);

/// What became of a print job.
enum class JobResult : uint8_t {
  kPrinted,      ///< the printer answered the job's process ID (or, trusted, a clean status)
  kUnconfirmed,  ///< the bytes went out, nobody can say whether all of them printed
  kNotPrinted,   ///< refused before writing, or the printer stopped with a fault before the end
};

/// "printed", "unconfirmed", "not printed".
const char* JobResultName(JobResult result);

/// Whether the printer dropped what it held of a job that did not print completely.
enum class BufferClear : uint8_t {
  kNotNeeded,       ///< printed, refused before writing, or a one-way job written whole
  kAcknowledged,    ///< the printer answered DLE DC4 fn 8: nothing of the job prints later
  kUnacknowledged,  ///< asked on the job's connection and on a new one, never answered:
                    ///< the rest of the job may print once the fault is cleared
  kNotAsked,        ///< Completion::kStatusOnly or a one-way port: not asked; the rest
                    ///< of the job may print once the fault is cleared
};

/// "not needed", "acknowledged", "unacknowledged", "not asked".
const char* BufferClearName(BufferClear clear);

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
  /// The statuses read before and after the job (two-way ports only). `after`
  /// is the last one read; a printed job may show a fault that came after it
  /// (paper end tripped by the final feed): the next job is then refused.
  std::optional<PrinterStatus> before;
  std::optional<PrinterStatus> after;
  /// The job's bytes the port took (all of them unless the write failed).
  size_t bytes_written = 0;
  /// Completion::kProcessId: the printer answered the job's process ID.
  bool process_id_answered = false;
  /// From the end of the write until the answer (or until giving up).
  std::chrono::milliseconds completion_wait{0};
  /// What was done about the rest of a job that did not print completely.
  BufferClear buffer_clear = BufferClear::kNotNeeded;
  /// The connection was found gone before the job and opened again.
  bool reconnected = false;
  /// The transport error after which the job could not be confirmed (unset otherwise).
  std::optional<Error> error;

  bool printed() const { return result == JobResult::kPrinted; }
};

/// A text line of 48 characters at 150 mm/s and 1/6" line spacing is about
/// 1,700 bytes/s, a raster image 57,000 (58 mm) to 86,000 (80 mm): printing
/// 2,000 bytes/s is slow enough for any of our jobs on a ~150 mm/s printer.
inline constexpr uint32_t kDefaultPrintBytesPerSecond = 2000;

/// Options of PrintJob().
///
/// Thread safety: a value type.
struct PrintJobOptions {
  /// How long the job's write may take beyond the line's transfer time (PrinterPort::Write()).
  std::chrono::milliseconds write_timeout = kDefaultWriteTimeout;
  std::chrono::milliseconds status_timeout = kDefaultStatusTimeout;
  /// Whether a paper-near-end printer still takes jobs (it usually can).
  bool allow_paper_near_end = true;
  /// How the end of the job is confirmed: say kStatusOnly for a printer without GS ( H.
  Completion completion = Completion::kProcessId;
  /// With kStatusOnly: a clean status after the job counts as printed (the
  /// behaviour before process IDs: a printer may still hold the job, and paper
  /// running out in its last lines goes unnoticed). Ignored with kProcessId.
  bool trust_status_only = false;
  /// The process-ID answer is awaited completion_base + bytes / print_bytes_per_second
  /// (+ the line's transfer time) after the write.
  std::chrono::milliseconds completion_base{3000};
  uint32_t print_bytes_per_second = kDefaultPrintBytesPerSecond;
  /// While waiting for the answer, the status is read this often; a fault (other
  /// than an auto-recoverable error alone, such as a hot head) ends the wait.
  std::chrono::milliseconds status_poll_interval{500};
  /// How long the answer to the clear-buffers request is awaited.
  std::chrono::milliseconds clear_timeout{1000};
};

/// How long PrintJob() waits for the process-ID answer of a job of `bytes`
/// (before the port's LineTime()): completion_base + bytes / print_bytes_per_second.
std::chrono::milliseconds CompletionTimeout(const PrintJobOptions& options, size_t bytes);

/// Prints one job with proof where the port can give it.
///
/// On a two-way port:
///  1. reads the status before, refusing when paper end, cover open, offline
///     or in error (kNotPrinted, refused_before_write). A connection found gone
///     (a printer that dropped an idle connection) is opened once more and
///     asked again;
///  2. writes the job;
///  3. kProcessId: writes the process-ID request and waits for its answer,
///     reading the status every status_poll_interval. Answered: kPrinted (the
///     final status goes to `after`). A fault before the answer: kNotPrinted
///     with that fault. No answer in time, or the transport lost: kUnconfirmed
///     (`error` says which transport error). kStatusOnly: reads the status:
///     a fault is kNotPrinted, a clean status kUnconfirmed, or kPrinted when
///     trust_status_only;
///  4. after a job that did not print completely (kNotPrinted after the write,
///     kUnconfirmed): reads the status (on a new connection if the job's one
///     is stuck or gone), asks the printer to clear its buffers (kProcessId
///     only; on a new connection when unanswered on the job's), then closes
///     the port dropping unsent bytes; the next job opens a new connection.
/// On a one-way port the result is kUnconfirmed once the bytes are written.
///
/// The port is opened when it is not open yet.
///
/// @param port  the printer
/// @param job   the ESC/POS bytes of the whole job (ending with a cut)
/// @returns the outcome (refused, failed and unconfirmed jobs are outcomes);
///          an error only when no byte of the job was written (it did not
///          print and may be sent again as the same job): Open()'s errors, the
///          status before unreadable after one reconnect, the connection gone
///          at the write (kUnavailable).
Result<JobOutcome> PrintJob(PrinterPort& port, ByteView job, const PrintJobOptions& options = {});

}  // namespace mykey::printer
