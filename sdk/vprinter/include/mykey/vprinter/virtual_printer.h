#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "mykey/base/bytes.h"
#include "mykey/printer/printer_status.h"
#include "mykey/vprinter/escpos_parser.h"

namespace mykey::vprinter {

/// Horizontal placement of a printed line or image (`ESC a`).
enum class Justification : uint8_t { kLeft, kCenter, kRight };

/// A run of text printed with one style.
struct TextSpan {
  std::string utf8;
  int width_scale = 1;   ///< 1..8
  int height_scale = 1;  ///< 1..8
  bool bold = false;
  int underline = 0;   ///< 0 off, 1 or 2 dots
  int width_dots = 0;  ///< 12 per half-width and 24 per full-width character, times width_scale
};

/// One printed line of text (possibly empty: a blank line).
struct PrintedText {
  std::vector<TextSpan> spans;
  Justification justification = Justification::kLeft;
  int line_spacing_dots = 30;  ///< the advance is max(this, the tallest span)
  std::string utf8() const;
};

/// A `GS v 0` raster image.
struct PrintedRaster {
  int width_bytes = 0;
  int height = 0;
  int scale_x = 1;
  int scale_y = 1;
  Bytes packed;  ///< MSB = leftmost dot
  Justification justification = Justification::kLeft;
};

/// A `GS ( k` QR code (model 2).
struct PrintedQr {
  std::string payload;
  int module_dots = 3;  ///< `GS ( k` fn 67, 1..16
  char level = 'L';     ///< 'L', 'M', 'Q', 'H' (fn 69)
  Justification justification = Justification::kLeft;
};

/// A `GS k` barcode.
struct PrintedBarcode {
  int system = 73;   ///< `GS k m`: 73 = CODE128 (65..79 with a length, 0..6 NUL-terminated)
  std::string data;  ///< the characters, code-set selectors of CODE128 removed
  int height_dots = 162;
  int module_dots = 3;
  int hri = 0;  ///< `GS H`: 0 none, 1 above, 2 below, 3 both
  Justification justification = Justification::kLeft;
};

/// Paper fed without printing.
struct PrintedFeed {
  int dots = 0;
};

using PrintedElement =
    std::variant<PrintedText, PrintedRaster, PrintedQr, PrintedBarcode, PrintedFeed>;

/// One job: from its first byte (after a cut, or at the start of a
/// connection) to its cut, or to the end of the connection.
struct PrintedJob {
  int number = 0;             ///< 1, 2, ... per VirtualPrinter
  size_t bytes_received = 0;  ///< job bytes (real-time requests not counted)
  bool cut = false;           ///< ended by a cut (false: the connection ended)
  bool completed = true;      ///< printed without a fault
  std::string failure;        ///< why not completed ("paper end", "cover open", "offline")
  std::vector<std::string> text_lines;  ///< every printed text line, decoded to UTF-8
  std::vector<PrintedElement> elements;
  size_t unknown_commands = 0;  ///< skipped unknown or oversized commands
  int paper_dots = 384;
};

/// A condition the virtual printer can be put in.
enum class Fault : uint8_t {
  kNone,          ///< everything fine ("ok": clears all faults)
  kPaperOut,      ///< paper end: offline, paper-end stop, sensor empty
  kPaperNearEnd,  ///< paper near end: still prints
  kCoverOpen,     ///< cover open: offline
  kOffline,       ///< offline without another cause
};

/// "ok", "paper-out", "paper-near-end", "cover-open", "offline".
const char* FaultCommandName(Fault fault);
/// Parses the names above. @returns std::nullopt for anything else.
std::optional<Fault> ParseFaultCommand(std::string_view name);

/// Options of VirtualPrinter.
struct VirtualPrinterOptions {
  int paper_dots = 384;  ///< 384 (58 mm) or 576 (80 mm) at 203 dpi
};

/// The behavioural model of an ESC/POS receipt printer: it parses the byte
/// stream of a connection, answers `DLE EOT n` at once (also mid-job), builds
/// each job's printed elements and decoded text, and can be faulted (paper
/// out, cover open, offline), also after N bytes of the coming job. While
/// faulted it keeps answering status, discards what it is sent, and the job in
/// progress is marked failed with the reason.
///
/// Thread safety: thread-safe; Feed()/EndOfStream() come from one connection
/// at a time, faults and job queries from any thread. The job listener runs on
/// the feeding thread, without the lock held.
class VirtualPrinter {
 public:
  explicit VirtualPrinter(VirtualPrinterOptions options = {});
  ~VirtualPrinter();
  VirtualPrinter(const VirtualPrinter&) = delete;
  VirtualPrinter& operator=(const VirtualPrinter&) = delete;

  /// Processes bytes from the host.
  /// @returns the bytes to send back (status answers), possibly empty
  Bytes Feed(ByteView bytes);
  /// The connection ended: an incomplete command is dropped and the job in
  /// progress ends (not cut).
  void EndOfStream();

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
  /// Total bytes received (job bytes and real-time requests).
  size_t bytes_received() const;

  const VirtualPrinterOptions& options() const { return options_; }

 private:
  class Model;

  VirtualPrinterOptions options_;
  mutable std::mutex mutex_;
  mutable std::condition_variable jobs_changed_;
  std::unique_ptr<Model> model_;
  EscposParser parser_;
  std::vector<PrintedJob> jobs_;
  std::function<void(const PrintedJob&)> listener_;
  size_t bytes_received_ = 0;
  size_t finished_count_ = 0;
};

}  // namespace mykey::vprinter
