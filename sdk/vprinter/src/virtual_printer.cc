#include "mykey/vprinter/virtual_printer.h"

#include <algorithm>

#include "mykey/receipt/text.h"

namespace mykey::vprinter {
namespace {

using printer::PrinterStatus;
using printer::StatusKind;

constexpr int kDefaultLineSpacing = 30;
constexpr int kHalfWidthDots = 12;
constexpr int kFullWidthDots = 24;
// Bounds on what one job may hold, so that no input can exhaust memory.
constexpr size_t kMaxElementsPerJob = 100000;
constexpr size_t kMaxStoredBytesPerJob = 64 * 1024 * 1024;
constexpr size_t kMaxQrPayload = 7089;
// Finished jobs kept in memory (the oldest are dropped; files keep them all).
constexpr size_t kMaxJobsKept = 256;
constexpr char32_t kReplacement = 0xFFFD;

Justification JustificationOf(int n) {
  switch (n) {
    case 1:
    case '1': return Justification::kCenter;
    case 2:
    case '2': return Justification::kRight;
    default: return Justification::kLeft;
  }
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

bool IsShiftJisLead(uint8_t b) {
  return (b >= 0x81 && b <= 0x9F) || (b >= 0xE0 && b <= 0xFC);
}

}  // namespace

std::string PrintedText::utf8() const {
  std::string out;
  for (const TextSpan& span : spans) out += span.utf8;
  return out;
}

const char* FaultCommandName(Fault fault) {
  switch (fault) {
    case Fault::kNone: return "ok";
    case Fault::kPaperOut: return "paper-out";
    case Fault::kPaperNearEnd: return "paper-near-end";
    case Fault::kCoverOpen: return "cover-open";
    case Fault::kOffline: return "offline";
  }
  return "ok";
}

std::optional<Fault> ParseFaultCommand(std::string_view name) {
  for (Fault fault :
       {Fault::kNone, Fault::kPaperOut, Fault::kPaperNearEnd, Fault::kCoverOpen, Fault::kOffline}) {
    if (name == FaultCommandName(fault)) return fault;
  }
  return std::nullopt;
}

// The printer's state between commands. Runs under VirtualPrinter::mutex_.
class VirtualPrinter::Model final : public CommandSink {
 public:
  explicit Model(int paper_dots) : paper_dots_(paper_dots) { ResetFormatting(); }

  Bytes TakeReplies() { return std::exchange(replies_, {}); }
  std::vector<PrintedJob> TakeFinished() { return std::exchange(finished_, {}); }
  const PrinterStatus& status() const { return status_; }

  void SetFault(Fault fault) {
    switch (fault) {
      case Fault::kNone: status_ = PrinterStatus{}; break;
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
      case Fault::kOffline: status_.offline = true; break;
    }
    pending_fault_.reset();
  }

  void SetFaultAfter(Fault fault, size_t bytes) {
    if (bytes == 0) {
      SetFault(fault);
      return;
    }
    pending_fault_ = fault;
    fault_countdown_ = bytes;
  }

  void EndOfStream() {
    if (job_ && job_->completed) FlushLine();
    if (job_) FinishJob(/*cut=*/false);
    kanji_lead_.reset();
  }

  void OnCommand(const Command& c) override {
    if (c.kind == CommandKind::kStatusRequest) {
      if (c.n >= 1 && c.n <= 4) {
        replies_.push_back(EncodeStatusByte(static_cast<StatusKind>(c.n), status_));
      }
      return;
    }
    if (c.kind == CommandKind::kRealTimeOther) return;

    if (!job_) StartJob();
    job_->bytes_received += c.size;
    CountTowardsFault(c.size);
    if (!status_.ready()) MarkFailed();

    if (c.kind == CommandKind::kCut) {
      if (job_->completed) FlushLine();
      FinishJob(/*cut=*/true);
      return;
    }
    if (!job_->completed) return;  // a faulted printer prints nothing more
    Execute(c);
  }

 private:
  void ResetFormatting() {
    width_scale_ = 1;
    height_scale_ = 1;
    bold_ = false;
    underline_ = 0;
    kanji_underline_ = 0;
    kanji_double_width_ = false;
    kanji_double_height_ = false;
    justification_ = Justification::kLeft;
    line_spacing_ = kDefaultLineSpacing;
    kanji_mode_ = false;
    shift_jis_ = false;
    code_page_ = receipt::CodePage::kPc437;
    barcode_height_ = 162;
    barcode_module_ = 3;
    barcode_hri_ = 0;
    qr_module_ = 3;
    qr_level_ = 'L';
    qr_payload_.clear();
    kanji_lead_.reset();
    line_.clear();
    line_width_ = 0;
  }

  void StartJob() {
    job_.emplace();
    job_->number = ++job_count_;
    job_->paper_dots = paper_dots_;
    stored_bytes_ = 0;
  }

  void MarkFailed() {
    if (!job_->completed) return;
    job_->completed = false;
    job_->failure = printer::FaultName(printer::FaultOf(status_));
    line_.clear();
    line_width_ = 0;
  }

  void CountTowardsFault(size_t bytes) {
    if (!pending_fault_) return;
    if (bytes < fault_countdown_) {
      fault_countdown_ -= bytes;
      return;
    }
    const Fault fault = *pending_fault_;
    SetFault(fault);
  }

  void FinishJob(bool cut) {
    job_->cut = cut;
    finished_.push_back(std::move(*job_));
    job_.reset();
    line_.clear();
    line_width_ = 0;
    kanji_lead_.reset();
  }

  bool Room(size_t bytes) {
    if (job_->elements.size() >= kMaxElementsPerJob) return false;
    if (stored_bytes_ + bytes > kMaxStoredBytesPerJob) return false;
    stored_bytes_ += bytes;
    return true;
  }

  void AddElement(PrintedElement element) {
    if (Room(0)) job_->elements.push_back(std::move(element));
  }

  void Feed(int dots) {
    if (dots > 0) AddElement(PrintedFeed{dots});
  }

  // Prints the line buffer (an empty buffer prints a blank line).
  void PrintLine() {
    PrintedText text;
    text.spans = std::move(line_);
    text.justification = line_justification_.value_or(justification_);
    text.line_spacing_dots = line_spacing_;
    line_.clear();
    line_width_ = 0;
    line_justification_.reset();
    std::string utf8 = text.utf8();
    if (!Room(utf8.size())) return;
    job_->text_lines.push_back(std::move(utf8));
    job_->elements.push_back(std::move(text));
  }

  // Flushes a partly filled line before an image or a feed.
  void FlushLine() {
    if (!line_.empty()) PrintLine();
  }

  void AddChar(char32_t c, bool full_width) {
    const bool kanji = full_width;
    const int w = kanji && kanji_double_width_ ? std::max(2, width_scale_) : width_scale_;
    const int h = kanji && kanji_double_height_ ? std::max(2, height_scale_) : height_scale_;
    const int dots = (full_width ? kFullWidthDots : kHalfWidthDots) * w;
    if (line_width_ + dots > paper_dots_ && line_width_ > 0) PrintLine();
    if (line_.empty()) line_justification_ = justification_;
    const int underline = kanji ? std::max(underline_, kanji_underline_) : underline_;
    if (line_.empty() || line_.back().width_scale != w || line_.back().height_scale != h ||
        line_.back().bold != bold_ || line_.back().underline != underline) {
      TextSpan span;
      span.width_scale = w;
      span.height_scale = h;
      span.bold = bold_;
      span.underline = underline;
      line_.push_back(std::move(span));
    }
    line_.back().utf8 += receipt::EncodeUtf8(std::u32string_view(&c, 1));
    line_.back().width_dots += dots;
    line_width_ += dots;
  }

  void AddSingleByte(uint8_t b) {
    if (kanji_mode_ && b >= 0xA1 && b <= 0xDF) {
      AddChar(0xFF61 + (b - 0xA1U), false);  // JIS X 0201 katakana, half-width
      return;
    }
    auto c = receipt::CharOfCodePageByte(b, kanji_mode_ ? receipt::CodePage::kPc437 : code_page_);
    AddChar(c.value_or(kReplacement), false);
  }

  void AddText(ByteView bytes) {
    for (uint8_t b : bytes) {
      // With the Shift_JIS code system (FS C 1) a lead byte (0x81-0x9F, 0xE0-0xFC) starts a kanji
      // whether or not FS & selected kanji mode, as on Japanese models: FS & matters to JIS only.
      if (!kanji_mode_ && !kanji_lead_ && !(shift_jis_ && IsShiftJisLead(b))) {
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
        AddChar(c.value_or(kReplacement), true);
        continue;
      }
      // JIS bytes are 0x21-0x7E only: a byte above 0x80 means Shift_JIS whatever FS C said.
      if (IsShiftJisLead(b) || (!shift_jis_ && b >= 0x21 && b <= 0x7E)) {
        kanji_lead_ = b;
        continue;
      }
      AddSingleByte(b);
    }
  }

  void Execute(const Command& c) {
    switch (c.kind) {
      case CommandKind::kText: AddText(c.data); break;
      case CommandKind::kLineFeed:
      case CommandKind::kFormFeed: PrintLine(); break;
      case CommandKind::kCarriageReturn: break;
      case CommandKind::kTab: {
        // Tab stops every 8 half-width columns.
        const int stop = 8 * kHalfWidthDots * width_scale_;
        const int target = (line_width_ / stop + 1) * stop;
        while (line_width_ < target && line_width_ + kHalfWidthDots <= paper_dots_) {
          AddChar(U' ', false);
        }
        break;
      }
      case CommandKind::kInit:
        // ESC @ clears the line buffer and the modes; the job goes on.
        ResetFormatting();
        break;
      case CommandKind::kPrintMode:
        bold_ = (c.n & 0x08) != 0;
        height_scale_ = (c.n & 0x10) != 0 ? 2 : 1;
        width_scale_ = (c.n & 0x20) != 0 ? 2 : 1;
        underline_ = (c.n & 0x80) != 0 ? 1 : 0;
        break;
      case CommandKind::kCharacterSize:
        width_scale_ = ((c.n >> 4) & 7) + 1;
        height_scale_ = (c.n & 7) + 1;
        break;
      case CommandKind::kBold: bold_ = (c.n & 1) != 0; break;
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
      case CommandKind::kAlign: justification_ = JustificationOf(c.n); break;
      case CommandKind::kFeedLines:
        PrintLine();
        Feed(c.n * line_spacing_);
        break;
      case CommandKind::kFeedDots:
        FlushLine();
        Feed(c.n);
        break;
      case CommandKind::kDefaultLineSpacing: line_spacing_ = kDefaultLineSpacing; break;
      case CommandKind::kLineSpacing: line_spacing_ = c.n; break;
      case CommandKind::kCodePage:
        code_page_ = c.n == 1 ? receipt::CodePage::kKatakana : receipt::CodePage::kPc437;
        break;
      case CommandKind::kKanjiOn: kanji_mode_ = true; break;
      case CommandKind::kKanjiOff:
        kanji_mode_ = false;
        kanji_lead_.reset();
        break;
      case CommandKind::kKanjiCodeSystem: shift_jis_ = c.n == 1 || c.n == '1'; break;
      case CommandKind::kRasterImage: AddRaster(c); break;
      case CommandKind::kQr: HandleQr(c); break;
      case CommandKind::kBarcode: AddBarcode(c); break;
      case CommandKind::kBarcodeHeight: barcode_height_ = std::max(1, c.n); break;
      case CommandKind::kBarcodeWidth: barcode_module_ = std::clamp(c.n, 1, 6); break;
      case CommandKind::kBarcodeHri: barcode_hri_ = c.n & 3; break;
      case CommandKind::kUnknown:
      case CommandKind::kOversized: ++job_->unknown_commands; break;
      default: break;
    }
  }

  void AddRaster(const Command& c) {
    FlushLine();
    if (c.x <= 0 || c.y <= 0) return;
    if (!Room(c.data.size())) return;
    PrintedRaster raster;
    raster.width_bytes = c.x;
    raster.height = c.y;
    raster.scale_x = (c.m & 1) != 0 ? 2 : 1;
    raster.scale_y = (c.m & 2) != 0 ? 2 : 1;
    raster.packed.assign(c.data.begin(), c.data.end());
    raster.justification = justification_;
    job_->elements.push_back(std::move(raster));
  }

  void HandleQr(const Command& c) {
    if (c.m != 49 || c.data.empty()) return;  // cn 49: QR code
    switch (c.n) {
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
        PrintedQr qr;
        qr.payload = qr_payload_;
        qr.module_dots = qr_module_;
        qr.level = qr_level_;
        qr.justification = justification_;
        AddElement(std::move(qr));
        break;
      }
      default: break;
    }
  }

  void AddBarcode(const Command& c) {
    FlushLine();
    PrintedBarcode barcode;
    barcode.system = c.m;
    barcode.height_dots = barcode_height_;
    barcode.module_dots = barcode_module_;
    barcode.hri = barcode_hri_;
    barcode.justification = justification_;
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
    if (!barcode.data.empty()) AddElement(std::move(barcode));
  }

  int paper_dots_;
  PrinterStatus status_;
  std::optional<Fault> pending_fault_;
  size_t fault_countdown_ = 0;
  Bytes replies_;
  std::optional<PrintedJob> job_;
  std::vector<PrintedJob> finished_;
  int job_count_ = 0;
  size_t stored_bytes_ = 0;

  // Formatting.
  int width_scale_ = 1;
  int height_scale_ = 1;
  bool bold_ = false;
  int underline_ = 0;
  int kanji_underline_ = 0;
  bool kanji_double_width_ = false;
  bool kanji_double_height_ = false;
  Justification justification_ = Justification::kLeft;
  int line_spacing_ = kDefaultLineSpacing;
  bool kanji_mode_ = false;
  bool shift_jis_ = false;
  receipt::CodePage code_page_ = receipt::CodePage::kPc437;
  std::optional<uint8_t> kanji_lead_;
  int barcode_height_ = 162;
  int barcode_module_ = 3;
  int barcode_hri_ = 0;
  bool code_c_ = false;
  int qr_module_ = 3;
  char qr_level_ = 'L';
  std::string qr_payload_;

  // The line being filled.
  std::vector<TextSpan> line_;
  int line_width_ = 0;
  std::optional<Justification> line_justification_;
};

VirtualPrinter::VirtualPrinter(VirtualPrinterOptions options)
    : options_(options), model_(std::make_unique<Model>(options.paper_dots)) {}

VirtualPrinter::~VirtualPrinter() = default;

Bytes VirtualPrinter::Feed(ByteView bytes) {
  Bytes replies;
  std::vector<PrintedJob> finished;
  std::function<void(const PrintedJob&)> listener;
  {
    std::lock_guard lock(mutex_);
    bytes_received_ += bytes.size();
    parser_.Feed(bytes, *model_);
    replies = model_->TakeReplies();
    finished = model_->TakeFinished();
    listener = listener_;
  }
  for (const PrintedJob& job : finished) {
    if (listener) listener(job);
  }
  if (!finished.empty()) {
    std::lock_guard lock(mutex_);
    for (PrintedJob& job : finished) jobs_.push_back(std::move(job));
    if (jobs_.size() > kMaxJobsKept) {
      jobs_.erase(jobs_.begin(),
                  jobs_.begin() + static_cast<std::ptrdiff_t>(jobs_.size() - kMaxJobsKept));
    }
    finished_count_ += finished.size();
    jobs_changed_.notify_all();
  }
  return replies;
}

void VirtualPrinter::EndOfStream() {
  std::vector<PrintedJob> finished;
  std::function<void(const PrintedJob&)> listener;
  {
    std::lock_guard lock(mutex_);
    (void)parser_.Reset();
    model_->EndOfStream();
    finished = model_->TakeFinished();
    listener = listener_;
  }
  for (const PrintedJob& job : finished) {
    if (listener) listener(job);
  }
  std::lock_guard lock(mutex_);
  finished_count_ += finished.size();
  for (PrintedJob& job : finished) jobs_.push_back(std::move(job));
  jobs_changed_.notify_all();
}

void VirtualPrinter::SetFault(Fault fault) {
  std::lock_guard lock(mutex_);
  model_->SetFault(fault);
}

void VirtualPrinter::SetFaultAfter(Fault fault, size_t bytes) {
  std::lock_guard lock(mutex_);
  model_->SetFaultAfter(fault, bytes);
}

printer::PrinterStatus VirtualPrinter::status() const {
  std::lock_guard lock(mutex_);
  return model_->status();
}

void VirtualPrinter::set_job_listener(std::function<void(const PrintedJob&)> listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
}

std::vector<PrintedJob> VirtualPrinter::jobs() const {
  std::lock_guard lock(mutex_);
  return jobs_;
}

size_t VirtualPrinter::jobs_finished() const {
  std::lock_guard lock(mutex_);
  return finished_count_;
}

bool VirtualPrinter::WaitForJobs(size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return jobs_changed_.wait_for(lock, timeout, [&] { return finished_count_ >= count; });
}

size_t VirtualPrinter::bytes_received() const {
  std::lock_guard lock(mutex_);
  return bytes_received_;
}

}  // namespace mykey::vprinter
