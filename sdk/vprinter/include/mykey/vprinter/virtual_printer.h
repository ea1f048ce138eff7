#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "mykey/base/bytes.h"
#include "mykey/printer/printer_status.h"
#include "mykey/vprinter/escpos_parser.h"

namespace mykey::vprinter {

/// Horizontal placement of a printed line or image (`ESC a`).
enum class Justification : uint8_t { kLeft, kCenter, kRight };

/// Where a line or an image may print: the print area from the left margin
/// (`GS L`) with its width (`GS W`), and the justification within it.
struct Placement {
  Justification justification = Justification::kLeft;
  int left = 0;   ///< dots from the paper's left edge
  int width = 0;  ///< dots; 0 = up to the paper's right edge
};

/// A bit image printed in a line (`ESC *`), already scaled to dots.
struct InlineImage {
  int width = 0;
  int height = 0;
  Bytes packed;  ///< rows of (width + 7) / 8 bytes, MSB = leftmost dot
};

/// A run of a line printed with one style.
struct TextSpan {
  std::string utf8;
  int width_scale = 1;   ///< 1..8
  int height_scale = 1;  ///< 1..8
  bool bold = false;
  int underline = 0;      ///< 0 off, 1 or 2 dots
  int width_dots = 0;     ///< the span's width on paper (cells, right spacing, rotation)
  int height_dots = 24;   ///< the span's height on paper
  int font = 0;           ///< 0 font A (12 x 24 half-width), 1 font B (9 x 17); kanji are 24 x 24
  bool reverse = false;   ///< `GS B`: white on black
  bool rotated = false;   ///< `ESC V`: each character turned 90 degrees clockwise
  int right_spacing = 0;  ///< `ESC SP`: dots after each half-width character (scaled)
  bool blank = false;     ///< a gap (`HT`, `ESC $`): white; utf8 shows it as spaces
  std::optional<InlineImage> image;  ///< a bit image (`ESC *`) instead of characters
};

/// One printed line (possibly empty: a blank line).
struct PrintedText {
  std::vector<TextSpan> spans;
  Placement placement;
  int line_spacing_dots = 30;  ///< the advance is max(this, the tallest span)
  bool upside_down = false;    ///< `ESC {`: the line turned 180 degrees
  std::string utf8() const;
};

/// A raster image: `GS v 0`, graphics (`GS ( L` / `GS 8 L`), an NV image (`FS p`).
struct PrintedRaster {
  int width_bytes = 0;
  int height = 0;
  int scale_x = 1;
  int scale_y = 1;
  Bytes packed;  ///< MSB = leftmost dot
  Placement placement;
  std::string source = "GS v 0";  ///< the command that printed it
};

/// A `GS ( k` QR code (model 2).
struct PrintedQr {
  std::string payload;
  int module_dots = 3;  ///< `GS ( k` fn 67, 1..16
  char level = 'L';     ///< 'L', 'M', 'Q', 'H' (fn 69)
  int modules = 0;      ///< modules per side of the symbol
  Placement placement;
};

/// A `GS k` barcode.
struct PrintedBarcode {
  int system = 73;        ///< `GS k m`: 73 = CODE128 (65..79 with a length, 0..6 NUL-terminated)
  std::string symbology;  ///< "EAN13", "CODE39", ...; empty when not drawn (a box instead)
  std::string data;       ///< the characters (CODE128: code-set selectors removed)
  std::string hri_text;   ///< what is printed as HRI (EAN/UPC: with the check digit)
  int height_dots = 162;
  int module_dots = 3;
  int width_dots = 0;  ///< the bars' width
  int hri = 0;         ///< `GS H`: 0 none, 1 above, 2 below, 3 both
  int hri_font = 0;    ///< `GS f`: 0 font A, 1 font B
  Placement placement;
};

/// Something the printer could not draw, printed as a labelled box (an NV
/// image that was never stored).
struct PrintedPlaceholder {
  std::string label;
  int width_dots = 0;
  int height_dots = 0;
  Placement placement;
};

/// Paper fed without printing.
struct PrintedFeed {
  int dots = 0;
};

using PrintedElement = std::variant<PrintedText, PrintedRaster, PrintedQr, PrintedBarcode,
                                    PrintedPlaceholder, PrintedFeed>;

/// The paper an element takes, in dots (the same figure the renderer advances by).
int AdvanceDots(const PrintedElement& element);

/// Something that happened to a job while it printed.
struct JobEvent {
  enum class Kind : uint8_t {
    kInterrupted,  ///< a fault stopped printing (the rest waits in the buffer)
    kResumed,      ///< the fault cleared and printing went on
    kCleared,      ///< the buffers were cleared: the unprinted rest was dropped
    kDiscarded,    ///< (discard policy) a fault threw the rest of the job away
  };
  Kind kind = Kind::kInterrupted;
  std::string reason;        ///< the fault ("paper end"), or what cleared ("DLE DC4 fn 8")
  int page_dots = 0;         ///< how far down the page it happened
  size_t job_bytes = 0;      ///< job bytes processed before it
  size_t bytes_dropped = 0;  ///< kCleared: the bytes thrown away
};

/// "interrupted", "resumed", "cleared", "discarded".
const char* JobEventName(JobEvent::Kind kind);

/// Something printed only in part: wider than the print area.
struct ClippedElement {
  std::string what;  ///< "QR code", "barcode", "raster image", ...
  int width_dots = 0;
  int area_dots = 0;
};

/// One job: from its first byte (after a cut, or at the start of a
/// connection) to its cut, or to the end of the connection. A stretch that
/// neither prints nor is a cut blank slip (an `ESC @` or `ESC d` after the
/// cut) is no job.
struct PrintedJob {
  int number = 0;             ///< 1, 2, ... per VirtualPrinter (first_job_number on)
  size_t bytes_received = 0;  ///< job bytes the print engine processed (real-time requests not)
  size_t bytes_dropped = 0;   ///< job bytes thrown away unprinted (cleared or discarded)
  bool cut = false;           ///< the paper was cut at its end
  bool completed = true;      ///< all of it printed
  std::string failure;        ///< why not completed ("paper end", "cover open", "offline", ...)
  std::vector<std::string> text_lines;  ///< every printed text line, decoded to UTF-8
  std::vector<PrintedElement> elements;
  std::vector<JobEvent> events;           ///< faults, resumes, clears, in order
  std::vector<ClippedElement> clipped;    ///< elements wider than the print area
  std::vector<std::string> process_ids;   ///< `GS ( H` requests answered within the job
  std::map<std::string, size_t> ignored;  ///< known commands not modelled, by name
  std::map<std::string, size_t> unknown;  ///< unknown escapes and oversized commands, by name
  int paper_dots = 384;
  int page_dots = 0;  ///< the paper it took (the sum of AdvanceDots())
};

/// A condition the virtual printer can be put in.
enum class Fault : uint8_t {
  kNone,          ///< everything fine ("ok": clears all faults)
  kPaperOut,      ///< paper end: offline, paper-end stop, sensor empty
  kPaperNearEnd,  ///< paper near end: still prints
  kCoverOpen,     ///< cover open: offline
  kOffline,       ///< offline without another cause
  kError,         ///< auto-cutter error: offline until `DLE ENQ 1/2` (or "ok")
};

/// "ok", "paper-out", "paper-near-end", "cover-open", "offline", "error".
const char* FaultCommandName(Fault fault);
/// Parses the names above. @returns std::nullopt for anything else.
std::optional<Fault> ParseFaultCommand(std::string_view name);

/// What a fault does to the data waiting to print.
enum class FaultPolicy : uint8_t {
  kResume,   ///< like a real printer: keep it, print it once the fault clears
  kDiscard,  ///< throw away the rest of the job in progress and what comes while faulted
};

/// Options of VirtualPrinter.
struct VirtualPrinterOptions {
  int paper_dots = 384;  ///< 384 (58 mm) or 576 (80 mm) at 203 dpi
  /// Paper speed in mm/s (at 203 dpi): printing takes the time the paper
  /// needs; 0 prints at once (tests).
  double print_speed_mm_s = 0;
  /// Print on a thread of the printer's own even at speed 0, so that the job
  /// listener (rendering) never runs on the feeding thread. A speed above 0
  /// always prints on that thread.
  bool print_thread = false;
  /// Receive buffer: data waiting to print. PrinterServer stops reading the
  /// connection while this much waits (flow control).
  size_t receive_buffer_bytes = 1024 * 1024;
  FaultPolicy fault_policy = FaultPolicy::kResume;
  int first_job_number = 1;
};

/// Counters of a VirtualPrinter.
struct PrinterCounters {
  size_t bytes_received = 0;  ///< everything received (job bytes and real-time requests)
  size_t bytes_buffered = 0;  ///< received, not printed yet
  size_t bytes_cleared = 0;   ///< dropped by clear-buffer requests
  size_t process_ids_answered = 0;
  std::string last_process_id;  ///< the last `GS ( H` answered ("" if none)
};

class PrintModel;

/// The behavioural model of an ESC/POS receipt printer. Bytes received are
/// parsed at once: real-time requests (`DLE EOT`, `DLE ENQ`, `DLE DC4`) are
/// answered on arrival, everything else waits in the receive buffer and is
/// printed in order at the paper speed, building each job's elements and text.
/// Answers that depend on printing (`GS ( H` process ID, `GS I`, `GS r`,
/// automatic status back) come when the data before them has printed. Faults
/// (paper out, cover open, offline, auto-cutter error), also after N bytes of
/// the coming job, stop printing; the buffer is kept and printing resumes
/// when the fault clears (or, FaultPolicy::kDiscard, the rest of the job is
/// thrown away). `DLE DC4 fn 8` and `DLE ENQ 2` clear the buffers.
///
/// Thread safety: thread-safe; Feed()/EndOfStream() come from one connection
/// at a time, faults and queries from any thread. The job listener runs
/// without the lock held, on the printing thread (or, printing at once
/// without print_thread, on the thread that fed or cleared the fault).
class VirtualPrinter {
 public:
  explicit VirtualPrinter(VirtualPrinterOptions options = {});
  ~VirtualPrinter();
  VirtualPrinter(const VirtualPrinter&) = delete;
  VirtualPrinter& operator=(const VirtualPrinter&) = delete;

  /// Processes bytes from the host.
  /// @returns the bytes to send back now (answers), possibly empty; later
  ///          answers wait in TakeReplies()
  Bytes Feed(ByteView bytes);
  /// The connection ended: an incomplete command is dropped, the job in
  /// progress ends (not cut) once what came before has printed, and
  /// automatic status back is switched off.
  void EndOfStream();
  /// Answers produced since the last Feed() or TakeReplies().
  Bytes TakeReplies();
  /// Called when answers wait in TakeReplies() or room came free in the
  /// receive buffer. It runs with the printer's lock held: it may only signal
  /// (write an eventfd), never call the printer.
  void set_output_listener(std::function<void()> listener);
  /// True while the receive buffer holds receive_buffer_bytes or more.
  bool receive_buffer_full() const;

  /// Puts the printer in `fault` now (kNone clears every fault).
  void SetFault(Fault fault);
  /// Puts the printer in `fault` once `bytes` more job bytes have arrived
  /// (at the command that reaches that count; 0 = now).
  void SetFaultAfter(Fault fault, size_t bytes);
  /// The status it answers to `DLE EOT` now.
  printer::PrinterStatus status() const;

  /// Called with every finished job (after it is stored).
  void set_job_listener(std::function<void(const PrintedJob&)> listener);
  /// The finished jobs, oldest first.
  std::vector<PrintedJob> jobs() const;
  size_t jobs_finished() const;
  /// Waits until at least `count` jobs have finished.
  /// @returns false if the timeout passed first
  bool WaitForJobs(size_t count, std::chrono::milliseconds timeout) const;
  /// Waits until nothing is left to print (the buffer is empty, or every
  /// byte in it waits for a fault to clear) and no job listener runs.
  /// @returns false if the timeout passed first
  bool WaitUntilIdle(std::chrono::milliseconds timeout) const;
  /// Total bytes received (job bytes and real-time requests).
  size_t bytes_received() const;
  PrinterCounters counters() const;

  const VirtualPrinterOptions& options() const { return options_; }

 private:
  // Takes what the model finished and signals the output listener, under the
  // lock; Deliver() hands the jobs to the job listener and stores them, without.
  struct Output {
    std::vector<PrintedJob> jobs;
    bool replies = false;
    bool room = false;
  };
  Output TakeOutput(bool jobs);
  void Deliver(Output output);
  void PrintLoop();

  VirtualPrinterOptions options_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;  // jobs finished, idle, printing wake-up
  std::unique_ptr<PrintModel> model_;
  EscposParser parser_;
  std::vector<PrintedJob> jobs_;
  std::function<void(const PrintedJob&)> listener_;
  std::function<void()> output_listener_;
  size_t bytes_received_ = 0;
  size_t finished_count_ = 0;
  int delivering_ = 0;     // job listeners running
  bool printing_ = false;  // the print thread is printing a command (or feeding its paper)
  bool stop_ = false;
  std::thread print_thread_;
};

}  // namespace mykey::vprinter
