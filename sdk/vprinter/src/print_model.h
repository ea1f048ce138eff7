#pragma once

// The state machine of the virtual printer: what arrives (real-time requests
// answered at once, the rest into the receive buffer), what prints (one
// buffered command at a time, building the job), faults and their recovery.
// Single-threaded: VirtualPrinter calls it under its lock.

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mykey/base/bytes.h"
#include "mykey/printer/printer_status.h"
#include "mykey/receipt/text.h"
#include "mykey/vprinter/escpos_parser.h"
#include "mykey/vprinter/virtual_printer.h"

namespace mykey::vprinter {

/// The printer's state between commands.
///
/// Thread safety: not thread-safe; VirtualPrinter serialises every call.
class PrintModel final : public CommandSink {
 public:
  /// @param print_on_receive print each command as it arrives (no print thread)
  PrintModel(const VirtualPrinterOptions& options, bool print_on_receive);

  /// A command from the host: real-time ones are handled now, the rest is
  /// buffered (and printed at once when print_on_receive).
  void OnCommand(const Command& command) override;
  /// The connection ended: the job ends once the buffer before it has printed.
  void EndOfStream();

  void SetFault(Fault fault);
  void SetFaultAfter(Fault fault, size_t bytes);
  const printer::PrinterStatus& status() const { return status_; }

  /// True when a buffered command can be taken now (printed, or thrown away
  /// under FaultPolicy::kDiscard).
  bool CanPrint() const;
  /// Prints the next buffered command. @returns the paper it moved, in dots.
  int PrintNext();

  Bytes TakeReplies() { return std::exchange(replies_, {}); }
  bool has_replies() const { return !replies_.empty(); }
  std::vector<PrintedJob> TakeFinished() { return std::exchange(finished_, {}); }
  bool has_finished() const { return !finished_.empty(); }
  /// True once after the buffer went from full to not full.
  bool TakeRoomFreed() { return std::exchange(room_freed_, false); }
  size_t buffered_bytes() const { return buffered_bytes_; }
  bool buffer_full() const { return buffered_bytes_ >= options_.receive_buffer_bytes; }
  /// The counters (bytes_received is VirtualPrinter's).
  PrinterCounters counters() const;

 private:
  struct Buffered {
    Command command;  // data re-pointed at `data` when printed
    Bytes data;
    bool end_of_stream = false;
  };
  // An image kept in memory: NV images (FS q), graphics (GS ( L).
  struct StoredImage {
    int width = 0;
    int height = 0;
    Bytes packed;  // rows, MSB = leftmost dot
    int scale_x = 1;
    int scale_y = 1;
  };

  // Receiving and real-time requests.
  void Receive(const Command& c);
  void Buffer(Buffered item);
  void Recover(int n);
  void ClearBuffers(const std::string& reason);
  void CountTowardsFault(size_t bytes);
  void ApplyFault(Fault fault);
  void OnStatusChanged(bool was_ready, const std::array<uint8_t, 4>& asb_before);
  std::array<uint8_t, 4> AsbBytes() const;
  void Reply(std::initializer_list<uint8_t> bytes);
  void PrintAllIfOnReceive();

  // Jobs.
  void StartJob();
  void FinishJob(bool cut);
  void MarkDiscarded();
  void AddEvent(JobEvent event);
  JobEvent EventHere(JobEvent::Kind kind, std::string reason) const;
  void Ignore(const Command& c, const std::string& detail = {});
  void Unknown(const Command& c);

  // Printing.
  void ResetFormatting();
  void Execute(const Command& c);
  bool Room(size_t bytes);
  void AddElement(PrintedElement element);
  void Clip(const std::string& what, int width, const Placement& placement);
  Placement CurrentPlacement() const;
  int LineArea() const;
  void BeginLine();
  void PrintLine();
  void FlushLine();
  void Feed(int dots);
  void FeedLines(int n);
  void AddChar(char32_t c, bool full_width);
  void AddGap(int dots);
  void AddSingleByte(uint8_t b);
  void AddText(ByteView bytes);
  void Tab();
  void MoveTo(const Command& c, int position);
  void SetTabStops(ByteView columns);
  void AddBitImage(const Command& c);
  void AddRaster(const Command& c);
  void AddImage(const StoredImage& image, const std::string& source);
  void HandleGraphics(const Command& c);
  void DefineNvImages(const Command& c);
  void PrintNvImage(const Command& c);
  void HandleQr(const Command& c);
  void AddBarcode(const Command& c);
  void AnswerPrinterId(const Command& c);
  void AnswerStatus(const Command& c);
  void AnswerProcessId(const Command& c);

  VirtualPrinterOptions options_;
  bool print_on_receive_;
  int paper_dots_;
  printer::PrinterStatus status_;
  std::optional<Fault> pending_fault_;
  size_t fault_countdown_ = 0;
  bool offline_fault_ = false;  // Fault::kOffline (not a consequence of another fault)
  bool interrupted_ = false;    // an interruption was recorded and printing has not resumed
  int asb_mask_ = 0;
  Bytes replies_;

  std::deque<Buffered> buffer_;
  size_t buffered_bytes_ = 0;
  bool room_freed_ = false;

  std::optional<PrintedJob> job_;
  bool job_has_content_ = false;
  std::vector<JobEvent> pending_events_;  // for the job that has not started yet
  std::vector<PrintedJob> finished_;
  int next_job_number_;
  size_t stored_bytes_ = 0;
  size_t bytes_cleared_ = 0;
  size_t process_ids_answered_ = 0;
  std::string last_process_id_;

  // Memory that survives ESC @ and jobs.
  std::map<int, StoredImage> nv_images_;                          // FS q, by number (1-based)
  std::map<std::pair<int, int>, StoredImage> nv_graphics_;        // GS ( L fn 67, by key
  std::map<std::pair<int, int>, StoredImage> download_graphics_;  // GS ( L fn 83
  std::optional<StoredImage> graphics_buffer_;                    // GS ( L fn 112 / 113

  // Formatting (ESC @ resets it).
  int width_scale_ = 1;
  int height_scale_ = 1;
  bool bold_ = false;
  int underline_ = 0;
  int kanji_underline_ = 0;
  bool kanji_double_width_ = false;
  bool kanji_double_height_ = false;
  int font_ = 0;
  bool reverse_ = false;
  bool rotated_ = false;
  bool upside_down_ = false;
  int right_spacing_ = 0;
  int left_margin_ = 0;
  int area_width_ = 0;
  std::vector<int> tab_stops_;  // dots from the start of the print area
  Justification justification_ = Justification::kLeft;
  int line_spacing_ = 30;
  bool kanji_mode_ = false;
  bool shift_jis_ = false;
  int code_page_ = 0;
  int international_set_ = 0;
  std::optional<uint8_t> kanji_lead_;
  int barcode_height_ = 162;
  int barcode_module_ = 3;
  int barcode_hri_ = 0;
  int hri_font_ = 0;
  bool code_c_ = false;
  int qr_module_ = 3;
  char qr_level_ = 'L';
  std::string qr_payload_;

  // The line being filled.
  std::vector<TextSpan> line_;
  int line_width_ = 0;
  Placement line_placement_;
  bool line_upside_down_ = false;
};

}  // namespace mykey::vprinter
