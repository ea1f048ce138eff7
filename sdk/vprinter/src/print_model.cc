#include "print_model.h"

#include <algorithm>
#include <cctype>

#include "barcode_symbols.h"
#include "character_sets.h"
#include "mykey/receipt/bitmap.h"
#include "mykey/receipt/qr.h"
#include "mykey/receipt/text.h"

namespace mykey::vprinter {
namespace {

using printer::PrinterStatus;
using printer::StatusKind;

constexpr int kDefaultLineSpacing = 30;
constexpr int kFontAWidth = 12;
constexpr int kFontAHeight = 24;
constexpr int kFontBWidth = 9;
constexpr int kFontBHeight = 17;
constexpr int kKanjiWidth = 24;
constexpr int kDefaultTabDots = 8 * kFontAWidth;
constexpr int kMaxTabStops = 32;
// Bounds on what one job may hold, so that no input can exhaust memory.
constexpr size_t kMaxElementsPerJob = 100000;
constexpr size_t kMaxStoredBytesPerJob = 64 * 1024 * 1024;
constexpr size_t kMaxQrPayload = 7089;
constexpr size_t kMaxStoredImages = 256;
constexpr char32_t kReplacement = 0xFFFD;
// What a printer prints for a kanji code it has no character for (geta mark).
constexpr char32_t kUndefinedKanji = 0x3013;
// The size of the box printed for an NV image never stored.
constexpr int kPlaceholderWidth = 192;
constexpr int kPlaceholderHeight = 64;

// GS I: what the printer says it is.
constexpr uint8_t kModelId = 0x20;
constexpr uint8_t kTypeId = 0x03;  // 2-byte character codes, auto-cutter
constexpr uint8_t kVersionId = 0x01;

Justification JustificationOf(int n) {
  switch (n) {
    case 1:
    case '1': return Justification::kCenter;
    case 2:
    case '2': return Justification::kRight;
    default: return Justification::kLeft;
  }
}

// ESC/POS switches: n or its ASCII digit.
bool On(int n) {
  return (n & 1) != 0;
}

// JIS X 0208 row/cell bytes (0x21-0x7E each) to Shift_JIS.
uint16_t JisToShiftJis(uint8_t j1, uint8_t j2) {
  const unsigned s1 = ((j1 + 1U) >> 1) + (j1 <= 0x5E ? 0x70U : 0xB0U);
  unsigned s2 = j2;
  if ((j1 & 1U) != 0) {
    s2 += j2 >= 0x60 ? 0x20U : 0x1FU;
  } else {
    s2 += 0x7EU;
  }
  return static_cast<uint16_t>((s1 << 8) | (s2 & 0xFFU));
}

int Le16(ByteView data, size_t at) {
  return data[at] | (data[at + 1] << 8);
}

uint8_t Bit(bool on, int bit) {
  return on ? static_cast<uint8_t>(1U << bit) : 0;
}

int AreaOf(const Placement& placement, int paper) {
  const int left = std::clamp(placement.left, 0, paper);
  const int room = paper - left;
  return placement.width > 0 ? std::min(placement.width, room) : room;
}

// Commands that only ask for an answer: between jobs they start none.
bool AnswersOnly(CommandKind kind) {
  return kind == CommandKind::kProcessIdRequest || kind == CommandKind::kPrinterIdRequest ||
         kind == CommandKind::kStatusTransmit || kind == CommandKind::kAutomaticStatusBack ||
         kind == CommandKind::kMaintenanceCounter;
}

bool PrintsSomething(const PrintedElement& element) {
  if (const auto* text = std::get_if<PrintedText>(&element)) {
    return std::any_of(text->spans.begin(), text->spans.end(), [](const TextSpan& s) {
      return s.image || (!s.blank && s.utf8.find_first_not_of(' ') != std::string::npos);
    });
  }
  return !std::holds_alternative<PrintedFeed>(element);
}

// Packs a 1-bit image given by `dot(x, y)` into rows.
template <typename DotFn>
Bytes PackRows(int width, int height, DotFn dot) {
  const int row_bytes = (width + 7) / 8;
  Bytes packed(static_cast<size_t>(row_bytes) * static_cast<size_t>(height), 0);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      if (dot(x, y)) packed[static_cast<size_t>(y * row_bytes + x / 8)] |= 0x80U >> (x % 8);
    }
  }
  return packed;
}

}  // namespace

PrintModel::PrintModel(const VirtualPrinterOptions& options, bool print_on_receive)
    : options_(options),
      print_on_receive_(print_on_receive),
      paper_dots_(options.paper_dots),
      next_job_number_(std::max(1, options.first_job_number)) {
  ResetFormatting();
}

PrinterCounters PrintModel::counters() const {
  PrinterCounters out;
  out.bytes_buffered = buffered_bytes_;
  out.bytes_cleared = bytes_cleared_;
  out.process_ids_answered = process_ids_answered_;
  out.last_process_id = last_process_id_;
  return out;
}

// ---------------------------------------------------------------- receiving

void PrintModel::OnCommand(const Command& c) {
  Receive(c);
}

void PrintModel::Receive(const Command& c) {
  switch (c.kind) {
    case CommandKind::kStatusRequest:
      if (c.n >= 1 && c.n <= 4) {
        replies_.push_back(EncodeStatusByte(static_cast<StatusKind>(c.n), status_));
      }
      return;
    case CommandKind::kRecoverRequest: Recover(c.n); return;
    case CommandKind::kClearBuffers:
      ClearBuffers("DLE DC4 fn 8");
      Reply({0x37, 0x25, 0x00});
      return;
    case CommandKind::kRealTimeOther: return;
    default: break;
  }
  CountTowardsFault(c.size);
  Buffered item;
  item.command = c;
  if (c.kind != CommandKind::kOversized && c.kind != CommandKind::kSkippedData) {
    item.data.assign(c.data.begin(), c.data.end());
  }
  item.command.data = {};
  Buffer(std::move(item));
}

void PrintModel::Buffer(Buffered item) {
  const bool data = !item.end_of_stream;
  buffered_bytes_ += item.command.size;
  buffer_.push_back(std::move(item));
  // Data that arrives while the printer cannot print waits: say why in its job.
  if (data && !status_.ready() && !interrupted_ && options_.fault_policy == FaultPolicy::kResume) {
    AddEvent(
        EventHere(JobEvent::Kind::kInterrupted, printer::FaultName(printer::FaultOf(status_))));
    interrupted_ = true;
  }
  PrintAllIfOnReceive();
}

void PrintModel::EndOfStream() {
  asb_mask_ = 0;
  Buffered item;
  item.end_of_stream = true;
  Buffer(std::move(item));
}

void PrintModel::PrintAllIfOnReceive() {
  if (!print_on_receive_) return;
  // Bounded: every pass takes one buffered command.
  while (CanPrint()) (void)PrintNext();
}

void PrintModel::Reply(std::initializer_list<uint8_t> bytes) {
  replies_.insert(replies_.end(), bytes.begin(), bytes.end());
}

// `DLE ENQ n`: recover from a recoverable error (auto-cutter), 2 after clearing the buffers.
void PrintModel::Recover(int n) {
  if (n != 1 && n != 2) return;
  if (!status_.autocutter_error && !status_.recoverable_error) return;
  const bool was_ready = status_.ready();
  const auto asb_before = AsbBytes();
  if (n == 2) ClearBuffers("DLE ENQ 2");
  status_.autocutter_error = false;
  status_.recoverable_error = false;
  status_.error = status_.unrecoverable_error || status_.auto_recoverable_error;
  status_.offline = status_.paper_end || status_.cover_open || status_.error || offline_fault_;
  OnStatusChanged(was_ready, asb_before);
}

void PrintModel::ClearBuffers(const std::string& reason) {
  const size_t dropped = buffered_bytes_;
  const bool line_dropped = !line_.empty();
  const bool connection_ended = std::any_of(buffer_.begin(), buffer_.end(),
                                            [](const Buffered& b) { return b.end_of_stream; });
  if (buffer_full()) room_freed_ = true;
  buffer_.clear();
  buffered_bytes_ = 0;
  bytes_cleared_ += dropped;
  line_.clear();
  line_width_ = 0;
  kanji_lead_.reset();
  graphics_buffer_.reset();
  interrupted_ = false;
  if (dropped == 0 && !line_dropped) {
    pending_events_.clear();
    // Nothing waited to print: the job in progress (if any) goes on, to the end of its
    // connection if that had come.
    if (connection_ended) {
      Buffered end;
      end.end_of_stream = true;
      buffer_.push_back(std::move(end));
    }
    return;
  }
  if (!job_) StartJob();  // data that never began to print
  JobEvent event = EventHere(JobEvent::Kind::kCleared, reason);
  event.bytes_dropped = dropped;
  job_->events.push_back(std::move(event));
  job_->bytes_received += dropped;
  job_->bytes_dropped += dropped;
  if (job_->completed) {
    job_->completed = false;
    job_->failure =
        status_.ready() ? "buffers cleared" : printer::FaultName(printer::FaultOf(status_));
  }
  FinishJob(/*cut=*/false);
}

void PrintModel::CountTowardsFault(size_t bytes) {
  if (!pending_fault_) return;
  if (bytes < fault_countdown_) {
    fault_countdown_ -= bytes;
    return;
  }
  SetFault(*pending_fault_);
}

void PrintModel::SetFault(Fault fault) {
  const bool was_ready = status_.ready();
  const auto asb_before = AsbBytes();
  ApplyFault(fault);
  pending_fault_.reset();
  OnStatusChanged(was_ready, asb_before);
}

void PrintModel::SetFaultAfter(Fault fault, size_t bytes) {
  if (bytes == 0) {
    SetFault(fault);
    return;
  }
  pending_fault_ = fault;
  fault_countdown_ = bytes;
}

void PrintModel::ApplyFault(Fault fault) {
  switch (fault) {
    case Fault::kNone:
      status_ = PrinterStatus{};
      offline_fault_ = false;
      break;
    case Fault::kPaperOut:
      status_.offline = true;
      status_.paper_end = true;
      status_.paper_end_stop = true;
      status_.paper_near_end = true;
      break;
    case Fault::kPaperNearEnd: status_.paper_near_end = true; break;
    case Fault::kCoverOpen:
      status_.offline = true;
      status_.cover_open = true;
      break;
    case Fault::kOffline:
      status_.offline = true;
      offline_fault_ = true;
      break;
    case Fault::kError:
      status_.offline = true;
      status_.error = true;
      status_.autocutter_error = true;
      break;
  }
}

std::array<uint8_t, 4> PrintModel::AsbBytes() const {
  const PrinterStatus& s = status_;
  return {
      static_cast<uint8_t>(0x10 | Bit(s.drawer_pin_high, 2) | Bit(s.offline, 3) |
                           Bit(s.cover_open, 5) | Bit(s.feeding_by_button, 6)),
      static_cast<uint8_t>(Bit(s.waiting_for_recovery, 0) | Bit(s.feed_button_pressed, 1) |
                           Bit(s.recoverable_error, 2) | Bit(s.autocutter_error, 3) |
                           Bit(s.unrecoverable_error, 5) | Bit(s.auto_recoverable_error, 6)),
      static_cast<uint8_t>((s.paper_near_end ? 0x03 : 0) | (s.paper_end ? 0x0C : 0)),
      0x00,
  };
}

void PrintModel::OnStatusChanged(bool was_ready, const std::array<uint8_t, 4>& asb_before) {
  const auto asb = AsbBytes();
  if (asb_mask_ != 0 && asb != asb_before) Reply({asb[0], asb[1], asb[2], asb[3]});
  const bool ready = status_.ready();
  if (was_ready && !ready) {
    const std::string reason = printer::FaultName(printer::FaultOf(status_));
    if (options_.fault_policy == FaultPolicy::kDiscard) {
      if (job_ && job_->completed) MarkDiscarded();
      return;
    }
    if (job_ || !buffer_.empty()) {
      AddEvent(EventHere(JobEvent::Kind::kInterrupted, reason));
      interrupted_ = true;
    }
  } else if (!was_ready && ready) {
    if (interrupted_) AddEvent(EventHere(JobEvent::Kind::kResumed, {}));
    interrupted_ = false;
    PrintAllIfOnReceive();
  }
}

// ---------------------------------------------------------------- printing

bool PrintModel::CanPrint() const {
  if (buffer_.empty()) return false;
  return status_.ready() || options_.fault_policy == FaultPolicy::kDiscard;
}

int PrintModel::PrintNext() {
  Buffered item = std::move(buffer_.front());
  buffer_.pop_front();
  const bool was_full = buffer_full();
  buffered_bytes_ -= item.command.size;
  if (was_full && !buffer_full()) room_freed_ = true;
  if (item.end_of_stream) {
    if (job_) {
      if (job_->completed) FlushLine();
      FinishJob(/*cut=*/false);
    }
    pending_events_.clear();  // the connection that waited ended with nothing more
    kanji_lead_.reset();
    return 0;
  }
  Command c = item.command;
  c.data = item.data;
  if (!job_ && AnswersOnly(c.kind)) {
    // Between jobs (a process ID after the cut), a request is no job of its own.
    if (status_.ready()) Execute(c);
    return 0;
  }
  if (!job_) StartJob();
  job_->bytes_received += item.command.size;
  if (!status_.ready() && job_->completed) MarkDiscarded();  // kDiscard only: kResume waits
  if (c.kind == CommandKind::kCut) {
    const bool printed = job_->completed;
    if (printed) FlushLine();
    FinishJob(/*cut=*/printed);
    return 0;
  }
  if (!job_->completed) {
    job_->bytes_dropped += c.size;
    return 0;
  }
  const int before = job_->page_dots;
  Execute(c);
  return job_ ? job_->page_dots - before : 0;
}

void PrintModel::StartJob() {
  job_.emplace();
  job_->paper_dots = paper_dots_;
  job_->events = std::exchange(pending_events_, {});
  job_has_content_ = false;
  stored_bytes_ = 0;
}

void PrintModel::FinishJob(bool cut) {
  PrintedJob job = std::move(*job_);
  job_.reset();
  line_.clear();
  line_width_ = 0;
  kanji_lead_.reset();
  job.cut = cut;
  // A stretch that printed nothing, cut no blank slip and lost no data is no job (an ESC @ or
  // ESC d after the cut), even if it waited for a fault to clear.
  const bool blank_slip = cut && job.page_dots > 0;
  const bool lost_data = std::any_of(job.events.begin(), job.events.end(), [](const JobEvent& e) {
    return e.kind == JobEvent::Kind::kCleared || e.kind == JobEvent::Kind::kDiscarded;
  });
  if (!job_has_content_ && !blank_slip && !lost_data) return;
  job.number = next_job_number_++;
  finished_.push_back(std::move(job));
}

void PrintModel::MarkDiscarded() {
  const std::string reason = printer::FaultName(printer::FaultOf(status_));
  job_->completed = false;
  job_->failure = reason;
  job_->events.push_back(EventHere(JobEvent::Kind::kDiscarded, reason));
  line_.clear();
  line_width_ = 0;
}

JobEvent PrintModel::EventHere(JobEvent::Kind kind, std::string reason) const {
  JobEvent event;
  event.kind = kind;
  event.reason = std::move(reason);
  if (job_) {
    event.page_dots = job_->page_dots;
    event.job_bytes = job_->bytes_received;
  }
  return event;
}

void PrintModel::AddEvent(JobEvent event) {
  if (job_) {
    job_->events.push_back(std::move(event));
  } else {
    pending_events_.push_back(std::move(event));
  }
}

void PrintModel::Ignore(const Command& c, const std::string& detail) {
  if (!job_) return;
  std::string name = CommandName(c);
  if (!detail.empty()) name += " (" + detail + ")";
  if (job_->ignored.size() < 256 || job_->ignored.count(name) != 0) ++job_->ignored[name];
}

void PrintModel::Unknown(const Command& c) {
  if (!job_) return;
  const std::string name = CommandName(c);
  if (job_->unknown.size() < 256 || job_->unknown.count(name) != 0) ++job_->unknown[name];
}

void PrintModel::ResetFormatting() {
  width_scale_ = 1;
  height_scale_ = 1;
  bold_ = false;
  underline_ = 0;
  kanji_underline_ = 0;
  kanji_double_width_ = false;
  kanji_double_height_ = false;
  font_ = 0;
  reverse_ = false;
  rotated_ = false;
  upside_down_ = false;
  right_spacing_ = 0;
  left_margin_ = 0;
  area_width_ = 0;
  tab_stops_.clear();
  for (int stop = kDefaultTabDots; tab_stops_.size() < kMaxTabStops; stop += kDefaultTabDots) {
    tab_stops_.push_back(stop);
  }
  justification_ = Justification::kLeft;
  line_spacing_ = kDefaultLineSpacing;
  kanji_mode_ = false;
  shift_jis_ = false;
  code_page_ = 0;
  international_set_ = 0;
  barcode_height_ = 162;
  barcode_module_ = 3;
  barcode_hri_ = 0;
  hri_font_ = 0;
  qr_module_ = 3;
  qr_level_ = 'L';
  qr_payload_.clear();
  kanji_lead_.reset();
  graphics_buffer_.reset();
  line_.clear();
  line_width_ = 0;
}

bool PrintModel::Room(size_t bytes) {
  if (job_->elements.size() >= kMaxElementsPerJob) return false;
  if (stored_bytes_ + bytes > kMaxStoredBytesPerJob) return false;
  stored_bytes_ += bytes;
  return true;
}

void PrintModel::AddElement(PrintedElement element) {
  if (!Room(0)) return;
  job_->page_dots += AdvanceDots(element);
  if (PrintsSomething(element)) job_has_content_ = true;
  job_->elements.push_back(std::move(element));
}

void PrintModel::Clip(const std::string& what, int width, const Placement& placement) {
  const int area = AreaOf(placement, paper_dots_);
  if (width > area && job_->clipped.size() < 256) job_->clipped.push_back({what, width, area});
}

Placement PrintModel::CurrentPlacement() const {
  Placement placement;
  placement.justification = justification_;
  placement.left = std::min(left_margin_, paper_dots_);
  placement.width = area_width_;
  return placement;
}

int PrintModel::LineArea() const {
  const Placement placement = line_.empty() ? CurrentPlacement() : line_placement_;
  // A print area narrower than a character still takes one character a line.
  return std::max(AreaOf(placement, paper_dots_), kKanjiWidth);
}

void PrintModel::BeginLine() {
  if (!line_.empty()) return;
  line_placement_ = CurrentPlacement();
  line_upside_down_ = upside_down_;
}

// Prints the line buffer (an empty buffer prints a blank line).
void PrintModel::PrintLine() {
  PrintedText text;
  const bool started = !line_.empty();
  text.spans = std::move(line_);
  text.placement = started ? line_placement_ : CurrentPlacement();
  text.upside_down = started ? line_upside_down_ : upside_down_;
  text.line_spacing_dots = line_spacing_;
  line_.clear();
  line_width_ = 0;
  std::string utf8 = text.utf8();
  size_t bytes = utf8.size();
  for (const TextSpan& span : text.spans) {
    if (span.image) bytes += span.image->packed.size();
  }
  if (!Room(bytes)) return;
  job_->text_lines.push_back(std::move(utf8));
  AddElement(std::move(text));
}

// Prints a partly filled line before an image or a feed.
void PrintModel::FlushLine() {
  if (!line_.empty()) PrintLine();
}

void PrintModel::Feed(int dots) {
  if (dots > 0) AddElement(PrintedFeed{dots});
}

// ESC d n: print the buffer and feed n lines in all (printing the line is the first).
void PrintModel::FeedLines(int n) {
  if (line_.empty()) {
    Feed(n * line_spacing_);
    return;
  }
  PrintLine();
  if (n > 1) Feed((n - 1) * line_spacing_);
}

void PrintModel::AddChar(char32_t c, bool full_width) {
  const bool kanji = full_width;
  const int w = kanji && kanji_double_width_ ? std::max(2, width_scale_) : width_scale_;
  const int h = kanji && kanji_double_height_ ? std::max(2, height_scale_) : height_scale_;
  const int font = kanji ? 0 : font_;
  const int cell_w = (kanji ? kKanjiWidth : font == 1 ? kFontBWidth : kFontAWidth) * w;
  const int cell_h = (font == 1 ? kFontBHeight : kFontAHeight) * h;
  // ESC SP spacing (doubled with double width) is for single-byte characters.
  const int spacing = kanji ? 0 : right_spacing_ * w;
  const int advance = (rotated_ ? cell_h : cell_w) + spacing;
  const int height = rotated_ ? cell_w : cell_h;
  if (!line_.empty() && line_width_ + advance > LineArea()) PrintLine();
  BeginLine();
  // No underline on rotated characters.
  const int underline = rotated_ ? 0 : kanji ? std::max(underline_, kanji_underline_) : underline_;
  const TextSpan* last = line_.empty() ? nullptr : &line_.back();
  if (last == nullptr || last->blank || last->image || last->width_scale != w ||
      last->height_scale != h || last->bold != bold_ || last->underline != underline ||
      last->font != font || last->reverse != reverse_ || last->rotated != rotated_ ||
      last->right_spacing != spacing) {
    TextSpan span;
    span.width_scale = w;
    span.height_scale = h;
    span.bold = bold_;
    span.underline = underline;
    span.font = font;
    span.reverse = reverse_;
    span.rotated = rotated_;
    span.right_spacing = spacing;
    span.height_dots = 0;
    line_.push_back(std::move(span));
  }
  TextSpan& span = line_.back();
  span.utf8 += receipt::EncodeUtf8(std::u32string_view(&c, 1));
  span.width_dots += advance;
  span.height_dots = std::max(span.height_dots, height);
  line_width_ += advance;
}

// White space to a tab stop or a position: no characters, shown as spaces in the text.
void PrintModel::AddGap(int dots) {
  if (dots <= 0) return;
  BeginLine();
  TextSpan gap;
  gap.blank = true;
  gap.width_dots = dots;
  gap.height_dots = 0;
  gap.utf8.assign(static_cast<size_t>(std::max(1, (dots + kFontAWidth / 2) / kFontAWidth)), ' ');
  line_.push_back(std::move(gap));
  line_width_ += dots;
}

void PrintModel::AddSingleByte(uint8_t b) {
  if (kanji_mode_ && b >= 0xA1 && b <= 0xDF) {
    AddChar(0xFF61 + (b - 0xA1U), false);  // JIS X 0201 katakana, half-width
    return;
  }
  const int page = kanji_mode_ ? 0 : code_page_;
  AddChar(CharOfByte(b, international_set_, page).value_or(kReplacement), false);
}

void PrintModel::AddText(ByteView bytes) {
  for (uint8_t b : bytes) {
    // With the Shift_JIS code system (FS C 1) a lead byte (0x81-0x9F, 0xE0-0xFC) starts a kanji
    // whether or not FS & selected kanji mode, as on Japanese models: FS & matters to JIS only.
    if (!kanji_mode_ && !kanji_lead_ && !(shift_jis_ && receipt::IsShiftJisLeadByte(b))) {
      AddSingleByte(b);
      continue;
    }
    if (kanji_lead_) {
      const uint8_t lead = *kanji_lead_;
      kanji_lead_.reset();
      std::optional<char32_t> c;
      if (lead < 0x80) {
        if (b >= 0x21 && b <= 0x7E) c = receipt::CharOfShiftJis(JisToShiftJis(lead, b));
      } else {
        c = receipt::CharOfShiftJis(static_cast<uint16_t>((lead << 8) | b));
      }
      AddChar(c.value_or(kUndefinedKanji), true);
      continue;
    }
    // JIS bytes are 0x21-0x7E only: a byte above 0x80 means Shift_JIS whatever FS C said.
    if (receipt::IsShiftJisLeadByte(b) || (!shift_jis_ && b >= 0x21 && b <= 0x7E)) {
      kanji_lead_ = b;
      continue;
    }
    AddSingleByte(b);
  }
}

// HT: to the next tab stop; none left (or past the print area): ignored.
void PrintModel::Tab() {
  const auto next = std::upper_bound(tab_stops_.begin(), tab_stops_.end(), line_width_);
  if (next == tab_stops_.end() || *next > LineArea()) return;
  AddGap(*next - line_width_);
}

// ESC $ / ESC \: the print position, in dots from the start of the print area.
void PrintModel::MoveTo(const Command& c, int position) {
  if (position < 0 || position > LineArea()) {
    Ignore(c, "outside the print area");
    return;
  }
  if (position < line_width_) {
    Ignore(c, "backwards");
    return;
  }
  AddGap(position - line_width_);
}

// ESC D n1 ... nk: tab stops at columns of the current character width.
void PrintModel::SetTabStops(ByteView columns) {
  tab_stops_.clear();
  const int column = ((font_ == 1 ? kFontBWidth : kFontAWidth) + right_spacing_) * width_scale_;
  int last = 0;
  for (uint8_t n : columns) {
    // Columns must ascend; the list ends at the first that does not.
    if (n <= last || tab_stops_.size() >= kMaxTabStops) break;
    last = n;
    tab_stops_.push_back(n * column);
  }
}

// ESC * m nL nH d...: a bit image in the line, columns of 8 or 24 dots.
void PrintModel::AddBitImage(const Command& c) {
  int scale_x = 1;
  int scale_y = 1;
  int dots = 24;
  switch (c.m) {
    case 0: scale_x = 2, scale_y = 3, dots = 8; break;
    case 1: scale_y = 3, dots = 8; break;
    case 32: scale_x = 2; break;
    case 33: break;
    default: Ignore(c, "mode " + std::to_string(c.m)); return;
  }
  const int per_column = dots / 8;
  int columns = c.x;
  if (columns <= 0) return;
  BeginLine();
  const int room = LineArea() - line_width_;
  if (columns * scale_x > room) {
    Clip("bit image", line_width_ + columns * scale_x, line_placement_);
    columns = std::max(0, room / scale_x);
  }
  if (columns == 0) return;
  InlineImage image;
  image.width = columns * scale_x;
  image.height = dots * scale_y;
  image.packed = PackRows(image.width, image.height, [&](int x, int y) {
    const int column = x / scale_x;
    const int dot = y / scale_y;
    const uint8_t byte = c.data[static_cast<size_t>(column * per_column + dot / 8)];
    return ((byte >> (7 - dot % 8)) & 1) != 0;
  });
  TextSpan span;
  span.width_dots = image.width;
  span.height_dots = image.height;
  span.image = std::move(image);
  line_width_ += span.width_dots;
  line_.push_back(std::move(span));
}

void PrintModel::AddRaster(const Command& c) {
  FlushLine();
  if (c.x <= 0 || c.y <= 0) return;
  if (!Room(c.data.size())) return;
  PrintedRaster raster;
  raster.width_bytes = c.x;
  raster.height = c.y;
  raster.scale_x = (c.m & 1) != 0 ? 2 : 1;
  raster.scale_y = (c.m & 2) != 0 ? 2 : 1;
  raster.packed.assign(c.data.begin(), c.data.end());
  raster.placement = CurrentPlacement();
  Clip("raster image", raster.width_bytes * 8 * raster.scale_x, raster.placement);
  AddElement(std::move(raster));
}

void PrintModel::AddImage(const StoredImage& image, const std::string& source) {
  FlushLine();
  if (image.width <= 0 || image.height <= 0 || !Room(image.packed.size())) return;
  PrintedRaster raster;
  raster.width_bytes = (image.width + 7) / 8;
  raster.height = image.height;
  raster.scale_x = image.scale_x;
  raster.scale_y = image.scale_y;
  raster.packed = image.packed;
  raster.placement = CurrentPlacement();
  raster.source = source;
  Clip(source, image.width * image.scale_x, raster.placement);
  AddElement(std::move(raster));
}

namespace {

// Graphics data of GS ( L fn 67/83/112 (raster) or 68/84/113 (columns): width x height dots.
std::optional<Bytes> GraphicsRows(ByteView data, int width, int height, bool columns) {
  if (width <= 0 || height <= 0) return std::nullopt;
  const size_t w = static_cast<size_t>(width);
  const size_t h = static_cast<size_t>(height);
  if (!columns) {
    const size_t bytes = (w + 7) / 8 * h;
    if (data.size() < bytes) return std::nullopt;
    return Bytes(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(bytes));
  }
  const size_t per_column = (h + 7) / 8;
  if (data.size() < per_column * w) return std::nullopt;
  return PackRows(width, height, [&](int x, int y) {
    const uint8_t byte = data[static_cast<size_t>(x) * per_column + static_cast<size_t>(y) / 8];
    return ((byte >> (7 - y % 8)) & 1) != 0;
  });
}

}  // namespace

// GS ( L / GS 8 L: m = 48; fn 112/113 store in the print buffer, fn 50 print it; fn 67/68
// and 83/84 define NV or download graphics under a key, fn 69 and 85 print them.
void PrintModel::HandleGraphics(const Command& c) {
  const ByteView p = c.data;
  auto store = [&](ByteView data, int width, int height, bool columns, StoredImage& into) -> bool {
    auto rows = GraphicsRows(data, width, height, columns);
    if (!rows) return false;
    // Several colour planes print as one: any dot of any colour is black.
    if (into.width == width && into.height == height && into.packed.size() == rows->size()) {
      for (size_t i = 0; i < rows->size(); ++i) into.packed[i] |= (*rows)[i];
    } else {
      into.width = width;
      into.height = height;
      into.packed = std::move(*rows);
    }
    return true;
  };
  switch (c.n) {
    case 112:
    case 113: {
      // a bx by c xL xH yL yH d...
      if (p.size() < 8) break;
      StoredImage image = graphics_buffer_.value_or(StoredImage{});
      if (!store(p.subspan(8), Le16(p, 4), Le16(p, 6), c.n == 113, image)) {
        Ignore(c, "data shorter than its size");
        return;
      }
      image.scale_x = p[1] == 2 ? 2 : 1;
      image.scale_y = p[2] == 2 ? 2 : 1;
      graphics_buffer_ = std::move(image);
      return;
    }
    case 50:
      if (graphics_buffer_) AddImage(*graphics_buffer_, "GS ( L");
      graphics_buffer_.reset();
      return;
    case 67:
    case 68:
    case 83:
    case 84: {
      // a kc1 kc2 b xL xH yL yH [c d...]...
      if (p.size() < 9) break;
      auto& memory = (c.n == 67 || c.n == 68) ? nv_graphics_ : download_graphics_;
      if (memory.size() >= kMaxStoredImages) break;
      const int width = Le16(p, 4);
      const int height = Le16(p, 6);
      const bool columns = c.n == 68 || c.n == 84;
      const size_t plane =
          columns ? static_cast<size_t>(width) * ((static_cast<size_t>(height) + 7) / 8)
                  : (static_cast<size_t>(width) + 7) / 8 * static_cast<size_t>(height);
      StoredImage image;
      size_t at = 8;
      for (int colour = 0; colour < std::max(1, static_cast<int>(p[3])); ++colour) {
        if (p.size() < at + 1 + plane || !store(p.subspan(at + 1), width, height, columns, image)) {
          Ignore(c, "data shorter than its size");
          return;
        }
        at += 1 + plane;
      }
      memory[{p[1], p[2]}] = std::move(image);
      return;
    }
    case 69:
    case 85: {
      // kc1 kc2 x y
      if (p.size() < 4) break;
      const auto& memory = c.n == 69 ? nv_graphics_ : download_graphics_;
      const char* kind = c.n == 69 ? "NV graphics" : "download graphics";
      const std::string key =
          std::string(1, static_cast<char>(p[0])) + std::string(1, static_cast<char>(p[1]));
      auto found = memory.find({p[0], p[1]});
      if (found == memory.end()) {
        FlushLine();
        PrintedPlaceholder box{std::string(kind) + " " + key, kPlaceholderWidth, kPlaceholderHeight,
                               CurrentPlacement()};
        AddElement(std::move(box));
        return;
      }
      StoredImage image = found->second;
      image.scale_x = p[2] == 2 ? 2 : 1;
      image.scale_y = p[3] == 2 ? 2 : 1;
      AddImage(image, std::string(kind) + " " + key);
      return;
    }
    default: break;
  }
  Ignore(c);
}

// FS q n [xL xH yL yH d...]...: NV bit images 1..n, x * 8 by y * 8 dots, column format. They
// replace the images stored before and outlive jobs and ESC @.
void PrintModel::DefineNvImages(const Command& c) {
  nv_images_.clear();
  const ByteView p = c.data;
  size_t at = 0;
  for (int number = 1; number <= c.n && at + 4 <= p.size(); ++number) {
    const int width = Le16(p, at) * 8;
    const int height = Le16(p, at + 2) * 8;
    const size_t bytes = static_cast<size_t>(width) * static_cast<size_t>(height) / 8;
    at += 4;
    auto rows = GraphicsRows(p.subspan(at), width, height, /*columns=*/true);
    at += bytes;
    if (!rows) continue;
    nv_images_[number] = StoredImage{width, height, std::move(*rows), 1, 1};
  }
}

// FS p n m: prints NV bit image n (m: 1 double width, 2 double height, 3 both).
void PrintModel::PrintNvImage(const Command& c) {
  auto found = nv_images_.find(c.n);
  if (found == nv_images_.end()) {
    FlushLine();
    PrintedPlaceholder box{"NV image " + std::to_string(c.n), kPlaceholderWidth, kPlaceholderHeight,
                           CurrentPlacement()};
    AddElement(std::move(box));
    return;
  }
  StoredImage image = found->second;
  const int m = c.m >= 48 ? c.m - 48 : c.m;
  image.scale_x = (m & 1) != 0 ? 2 : 1;
  image.scale_y = (m & 2) != 0 ? 2 : 1;
  AddImage(image, "FS p " + std::to_string(c.n));
}

void PrintModel::HandleQr(const Command& c) {
  if (c.m != 49 || c.data.empty()) {  // cn 49: QR code; others (PDF417, MaxiCode, ...) not
    Ignore(c, "symbol other than QR");
    return;
  }
  switch (c.n) {
    case 65: break;  // model
    case 67: qr_module_ = std::clamp(static_cast<int>(c.data[0]), 1, 16); break;
    case 69: {
      static constexpr char kLevels[] = {'L', 'M', 'Q', 'H'};
      const int level = c.data[0] >= 48 ? c.data[0] - 48 : c.data[0];
      if (level >= 0 && level < 4) qr_level_ = kLevels[level];
      break;
    }
    case 80:
      // Store: m = 48, then the data.
      if (c.data[0] == 48 && c.data.size() - 1 <= kMaxQrPayload) {
        qr_payload_.assign(c.data.begin() + 1, c.data.end());
      }
      break;
    case 81: {
      if (qr_payload_.empty()) break;
      FlushLine();
      receipt::QrErrorCorrection level = receipt::QrErrorCorrection::kL;
      switch (qr_level_) {
        case 'M': level = receipt::QrErrorCorrection::kM; break;
        case 'Q': level = receipt::QrErrorCorrection::kQ; break;
        case 'H': level = receipt::QrErrorCorrection::kH; break;
        default: break;
      }
      auto symbol = receipt::QrSymbol::Encode(qr_payload_, level);
      if (!symbol) {
        Ignore(c, "data too large for a symbol");
        break;
      }
      PrintedQr qr;
      qr.payload = qr_payload_;
      qr.module_dots = qr_module_;
      qr.level = qr_level_;
      qr.modules = symbol->modules();
      qr.placement = CurrentPlacement();
      Clip("QR code", qr.modules * qr.module_dots, qr.placement);
      AddElement(std::move(qr));
      break;
    }
    default: Ignore(c); break;
  }
}

void PrintModel::AddBarcode(const Command& c) {
  FlushLine();
  PrintedBarcode barcode;
  barcode.system = c.m;
  barcode.height_dots = barcode_height_;
  barcode.module_dots = barcode_module_;
  barcode.hri = barcode_hri_;
  barcode.hri_font = hri_font_;
  barcode.placement = CurrentPlacement();
  const bool code128 = c.m == 73;
  for (size_t i = 0; i < c.data.size(); ++i) {
    const uint8_t b = c.data[i];
    if (code128 && b == '{' && i + 1 < c.data.size()) {
      const uint8_t next = c.data[++i];
      if (next == '{') barcode.data += '{';
      code_c_ = next == 'C' ? true : (next == 'A' || next == 'B') ? false : code_c_;
      continue;
    }
    if (code128 && code_c_) {
      if (b < 100) {
        barcode.data += static_cast<char>('0' + b / 10);
        barcode.data += static_cast<char>('0' + b % 10);
      }
      continue;
    }
    if (b >= 0x20 && b < 0x7F) barcode.data += static_cast<char>(b);
  }
  code_c_ = false;
  if (barcode.data.empty()) return;
  barcode.hri_text = barcode.data;
  if (code128) {
    auto bars = receipt::RenderCode128(barcode.data, std::clamp(barcode.module_dots, 1, 6),
                                       std::clamp(barcode.height_dots, 1, 255));
    if (!bars) {
      Ignore(c, "data CODE128 cannot hold");
      return;
    }
    barcode.symbology = "CODE128";
    barcode.width_dots = bars->width();
  } else {
    auto runs = EncodeBarcode(c.m, barcode.data, barcode.module_dots);
    if (runs) {
      barcode.symbology = runs->symbology;
      barcode.hri_text = runs->hri;
      barcode.width_dots = runs->width();
    } else if (runs.error().code() == ErrorCode::kUnimplemented) {
      // Drawn as a box as wide as the data would need.
      barcode.width_dots = static_cast<int>(barcode.data.size()) * 11 * barcode.module_dots;
      Ignore(c, BarcodeSystemName(c.m) + " drawn as a box");
    } else {
      // A printer prints nothing for data the symbology cannot hold.
      Ignore(c, "invalid " + BarcodeSystemName(c.m) + " data");
      return;
    }
  }
  Clip("barcode", barcode.width_dots, barcode.placement);
  AddElement(std::move(barcode));
}

// GS I n: model, type and version IDs (one byte each), or text blocks 5F ... 00.
void PrintModel::AnswerPrinterId(const Command& c) {
  auto text = [&](const std::string& s) {
    replies_.push_back(0x5F);
    replies_.insert(replies_.end(), s.begin(), s.end());
    replies_.push_back(0x00);
  };
  switch (c.n) {
    case 1:
    case 49: Reply({kModelId}); return;
    case 2:
    case 50: Reply({kTypeId}); return;
    case 3:
    case 51: Reply({kVersionId}); return;
    case 65: text("1.00 mykey"); return;
    case 66: text("MYKEY"); return;
    case 67: text(paper_dots_ >= 576 ? "mykey-vprinter 80mm" : "mykey-vprinter 58mm"); return;
    case 68: text("VP0000001"); return;
    case 69: text("KANJI JAPANESE"); return;
    default: Ignore(c); return;
  }
}

// GS r n: 1 paper sensors, 2 drawer kick-out connector (one byte, bit 4 clear).
void PrintModel::AnswerStatus(const Command& c) {
  switch (c.n) {
    case 1:
    case 49:
      Reply({static_cast<uint8_t>((status_.paper_near_end ? 0x03 : 0) |
                                  (status_.paper_end ? 0x0C : 0))});
      return;
    case 2:
    case 50: Reply({Bit(status_.drawer_pin_high, 0)}); return;
    default: Ignore(c); return;
  }
}

// GS ( H fn 48: answered here, in order, so only once everything before it has printed.
void PrintModel::AnswerProcessId(const Command& c) {
  if (c.data.size() != 4 ||
      !std::all_of(c.data.begin(), c.data.end(), [](uint8_t d) { return d >= '0' && d <= '9'; })) {
    Ignore(c, "process ID not 4 digits");
    return;
  }
  const std::string id(c.data.begin(), c.data.end());
  Reply({0x37, 0x22, c.data[0], c.data[1], c.data[2], c.data[3], 0x00});
  ++process_ids_answered_;
  last_process_id_ = id;
  if (job_ && job_->process_ids.size() < 256) job_->process_ids.push_back(id);
}

void PrintModel::Execute(const Command& c) {
  switch (c.kind) {
    case CommandKind::kText: AddText(c.data); break;
    case CommandKind::kLineFeed:
    case CommandKind::kFormFeed: PrintLine(); break;
    case CommandKind::kCarriageReturn: break;
    case CommandKind::kTab: Tab(); break;
    case CommandKind::kInit:
      // ESC @ clears the line buffer and the modes; the job goes on.
      ResetFormatting();
      break;
    case CommandKind::kPrintMode:
      font_ = c.n & 1;
      bold_ = (c.n & 0x08) != 0;
      height_scale_ = (c.n & 0x10) != 0 ? 2 : 1;
      width_scale_ = (c.n & 0x20) != 0 ? 2 : 1;
      underline_ = (c.n & 0x80) != 0 ? 1 : 0;
      break;
    case CommandKind::kCharacterSize:
      width_scale_ = ((c.n >> 4) & 7) + 1;
      height_scale_ = (c.n & 7) + 1;
      break;
    case CommandKind::kBold: bold_ = On(c.n); break;
    case CommandKind::kUnderline:
      underline_ = (c.n == 1 || c.n == '1') ? 1 : (c.n == 2 || c.n == '2') ? 2 : 0;
      break;
    case CommandKind::kKanjiUnderline:
      kanji_underline_ = (c.n == 1 || c.n == '1') ? 1 : (c.n == 2 || c.n == '2') ? 2 : 0;
      break;
    case CommandKind::kKanjiPrintMode:
      kanji_double_width_ = (c.n & 0x04) != 0;
      kanji_double_height_ = (c.n & 0x08) != 0;
      kanji_underline_ = (c.n & 0x80) != 0 ? 1 : 0;
      break;
    case CommandKind::kFont:
      if (c.n != 0 && c.n != 1 && c.n != 48 && c.n != 49) Ignore(c, "font " + std::to_string(c.n));
      font_ = (c.n == 1 || c.n == 49) ? 1 : 0;
      break;
    case CommandKind::kInternationalSet:
      if (IsSupportedInternationalSet(c.n)) {
        international_set_ = c.n;
      } else {
        Ignore(c, "set " + std::to_string(c.n) + ", printed as USA");
        international_set_ = 0;
      }
      break;
    case CommandKind::kUpsideDown: upside_down_ = On(c.n); break;
    case CommandKind::kRotate: rotated_ = c.n == 1 || c.n == 2 || c.n == 49 || c.n == 50; break;
    case CommandKind::kRightSpacing: right_spacing_ = c.n; break;
    case CommandKind::kAbsolutePosition: MoveTo(c, c.x); break;
    case CommandKind::kRelativePosition: MoveTo(c, line_width_ + c.x); break;
    case CommandKind::kTabStops: SetTabStops(c.data); break;
    case CommandKind::kLeftMargin: left_margin_ = c.x; break;
    case CommandKind::kPrintAreaWidth: area_width_ = c.x; break;
    case CommandKind::kReverse: reverse_ = On(c.n); break;
    case CommandKind::kAlign: justification_ = JustificationOf(c.n); break;
    case CommandKind::kFeedLines: FeedLines(c.n); break;
    case CommandKind::kFeedDots:
      FlushLine();
      Feed(c.n);
      break;
    case CommandKind::kDefaultLineSpacing: line_spacing_ = kDefaultLineSpacing; break;
    case CommandKind::kLineSpacing: line_spacing_ = c.n; break;
    case CommandKind::kCodePage:
      if (IsSupportedCodePage(c.n)) {
        code_page_ = c.n;
      } else {
        Ignore(c, "page " + std::to_string(c.n) + ", printed as PC437");
        code_page_ = 0;
      }
      break;
    case CommandKind::kKanjiOn: kanji_mode_ = true; break;
    case CommandKind::kKanjiOff:
      kanji_mode_ = false;
      kanji_lead_.reset();
      break;
    case CommandKind::kKanjiCodeSystem: shift_jis_ = c.n == 1 || c.n == '1'; break;
    case CommandKind::kRasterImage: AddRaster(c); break;
    case CommandKind::kBitImage: AddBitImage(c); break;
    case CommandKind::kGraphics: HandleGraphics(c); break;
    case CommandKind::kNvImageDefine: DefineNvImages(c); break;
    case CommandKind::kNvImagePrint: PrintNvImage(c); break;
    case CommandKind::kQr: HandleQr(c); break;
    case CommandKind::kBarcode: AddBarcode(c); break;
    case CommandKind::kBarcodeHeight: barcode_height_ = std::max(1, c.n); break;
    case CommandKind::kBarcodeWidth: barcode_module_ = std::clamp(c.n, 1, 6); break;
    case CommandKind::kBarcodeHri: barcode_hri_ = c.n & 3; break;
    case CommandKind::kHriFont: hri_font_ = c.n & 1; break;
    case CommandKind::kProcessIdRequest: AnswerProcessId(c); break;
    case CommandKind::kPrinterIdRequest: AnswerPrinterId(c); break;
    case CommandKind::kStatusTransmit: AnswerStatus(c); break;
    case CommandKind::kAutomaticStatusBack: {
      asb_mask_ = c.n & 0x0F;
      if (asb_mask_ != 0) {
        const auto asb = AsbBytes();
        Reply({asb[0], asb[1], asb[2], asb[3]});
      }
      break;
    }
    case CommandKind::kMaintenanceCounter:
      // GS g 2 answers the counter (this printer counts nothing: 0); GS g 0 resets it.
      if (c.m == '2') Reply({0x5F, '0', 0x00});
      break;
    case CommandKind::kIgnored: Ignore(c); break;
    case CommandKind::kUnknown:
    case CommandKind::kOversized: Unknown(c); break;
    default: break;
  }
}

}  // namespace mykey::vprinter
