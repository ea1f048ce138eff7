#include "mykey/vprinter/virtual_printer.h"

#include <algorithm>

#include "print_model.h"

namespace mykey::vprinter {
namespace {

// Finished jobs kept in memory (the oldest are dropped; files keep them all).
constexpr size_t kMaxJobsKept = 256;
// 203 dpi: dots per millimetre.
constexpr double kDotsPerMm = 203.0 / 25.4;

}  // namespace

std::string PrintedText::utf8() const {
  std::string out;
  for (const TextSpan& span : spans) out += span.utf8;
  return out;
}

int AdvanceDots(const PrintedElement& element) {
  if (const auto* text = std::get_if<PrintedText>(&element)) {
    int height = 0;
    for (const TextSpan& span : text->spans) height = std::max(height, span.height_dots);
    return std::max(height, text->line_spacing_dots);
  }
  if (const auto* raster = std::get_if<PrintedRaster>(&element)) {
    return raster->height * raster->scale_y;
  }
  if (const auto* qr = std::get_if<PrintedQr>(&element)) return qr->modules * qr->module_dots;
  if (const auto* barcode = std::get_if<PrintedBarcode>(&element)) {
    const int hri_lines = barcode->hri == 3 ? 2 : barcode->hri != 0 ? 1 : 0;
    return std::clamp(barcode->height_dots, 1, 255) +
           hri_lines * (barcode->hri_font == 1 ? 17 : 24);
  }
  if (const auto* box = std::get_if<PrintedPlaceholder>(&element)) return box->height_dots;
  if (const auto* feed = std::get_if<PrintedFeed>(&element)) return feed->dots;
  return 0;
}

const char* JobEventName(JobEvent::Kind kind) {
  switch (kind) {
    case JobEvent::Kind::kInterrupted: return "interrupted";
    case JobEvent::Kind::kResumed: return "resumed";
    case JobEvent::Kind::kCleared: return "cleared";
    case JobEvent::Kind::kDiscarded: return "discarded";
  }
  return "interrupted";
}

const char* FaultCommandName(Fault fault) {
  switch (fault) {
    case Fault::kNone: return "ok";
    case Fault::kPaperOut: return "paper-out";
    case Fault::kPaperNearEnd: return "paper-near-end";
    case Fault::kCoverOpen: return "cover-open";
    case Fault::kOffline: return "offline";
    case Fault::kError: return "error";
  }
  return "ok";
}

std::optional<Fault> ParseFaultCommand(std::string_view name) {
  for (Fault fault : {Fault::kNone, Fault::kPaperOut, Fault::kPaperNearEnd, Fault::kCoverOpen,
                      Fault::kOffline, Fault::kError}) {
    if (name == FaultCommandName(fault)) return fault;
  }
  return std::nullopt;
}

VirtualPrinter::VirtualPrinter(VirtualPrinterOptions options) : options_(options) {
  const bool threaded = options_.print_speed_mm_s > 0 || options_.print_thread;
  model_ = std::make_unique<PrintModel>(options_, /*print_on_receive=*/!threaded);
  if (threaded) print_thread_ = std::thread([this] { PrintLoop(); });
}

VirtualPrinter::~VirtualPrinter() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  if (print_thread_.joinable()) print_thread_.join();
}

VirtualPrinter::Output VirtualPrinter::TakeOutput(bool jobs) {
  Output out;
  if (jobs) out.jobs = model_->TakeFinished();
  out.replies = model_->has_replies();
  out.room = model_->TakeRoomFreed();
  if (!out.jobs.empty()) ++delivering_;  // until Deliver() stored them
  if (out.replies || out.room) {
    if (output_listener_) output_listener_();
  }
  return out;
}

void VirtualPrinter::Deliver(Output output) {
  if (output.jobs.empty()) return;
  std::function<void(const PrintedJob&)> listener;
  {
    std::lock_guard lock(mutex_);
    listener = listener_;
  }
  for (const PrintedJob& job : output.jobs) {
    if (listener) listener(job);
  }
  std::lock_guard lock(mutex_);
  for (PrintedJob& job : output.jobs) jobs_.push_back(std::move(job));
  if (jobs_.size() > kMaxJobsKept) {
    jobs_.erase(jobs_.begin(),
                jobs_.begin() + static_cast<std::ptrdiff_t>(jobs_.size() - kMaxJobsKept));
  }
  finished_count_ += output.jobs.size();
  --delivering_;
  changed_.notify_all();
}

void VirtualPrinter::PrintLoop() {
  using Clock = std::chrono::steady_clock;
  const double dots_per_second = options_.print_speed_mm_s * kDotsPerMm;
  // When the paper has moved for everything printed so far: overheads do not add up, the paper
  // time of a job is its length over the speed.
  Clock::time_point paper_free = Clock::now();
  std::unique_lock lock(mutex_);
  while (!stop_) {
    if (model_->has_finished()) {
      // Jobs ended outside printing (buffers cleared): rendered here too, never on the
      // thread that answers the host.
      Output out = TakeOutput(/*jobs=*/true);
      lock.unlock();
      Deliver(std::move(out));
      lock.lock();
      continue;
    }
    if (!model_->CanPrint()) {
      changed_.wait(lock);
      continue;
    }
    printing_ = true;
    const Clock::time_point started = Clock::now();
    const int dots = model_->PrintNext();
    Output out = TakeOutput(/*jobs=*/true);
    lock.unlock();
    Deliver(std::move(out));
    lock.lock();
    if (dots > 0 && dots_per_second > 0) {
      const auto paper = std::chrono::duration<double>(dots / dots_per_second);
      paper_free =
          std::max(paper_free, started) + std::chrono::duration_cast<Clock::duration>(paper);
      changed_.wait_until(lock, paper_free, [&] { return stop_; });
    }
    printing_ = false;
    changed_.notify_all();
  }
}

Bytes VirtualPrinter::Feed(ByteView bytes) {
  Bytes replies;
  Output out;
  {
    std::lock_guard lock(mutex_);
    bytes_received_ += bytes.size();
    parser_.Feed(bytes, *model_);
    replies = model_->TakeReplies();
    out = TakeOutput(/*jobs=*/!print_thread_.joinable());
  }
  changed_.notify_all();
  Deliver(std::move(out));
  return replies;
}

void VirtualPrinter::EndOfStream() {
  Output out;
  {
    std::lock_guard lock(mutex_);
    (void)parser_.Reset();
    model_->EndOfStream();
    out = TakeOutput(/*jobs=*/!print_thread_.joinable());
  }
  changed_.notify_all();
  Deliver(std::move(out));
}

Bytes VirtualPrinter::TakeReplies() {
  std::lock_guard lock(mutex_);
  return model_->TakeReplies();
}

void VirtualPrinter::set_output_listener(std::function<void()> listener) {
  std::lock_guard lock(mutex_);
  output_listener_ = std::move(listener);
}

bool VirtualPrinter::receive_buffer_full() const {
  std::lock_guard lock(mutex_);
  return model_->buffer_full();
}

void VirtualPrinter::SetFault(Fault fault) {
  Output out;
  {
    std::lock_guard lock(mutex_);
    model_->SetFault(fault);
    out = TakeOutput(/*jobs=*/!print_thread_.joinable());
  }
  changed_.notify_all();
  Deliver(std::move(out));
}

void VirtualPrinter::SetFaultAfter(Fault fault, size_t bytes) {
  Output out;
  {
    std::lock_guard lock(mutex_);
    model_->SetFaultAfter(fault, bytes);
    out = TakeOutput(/*jobs=*/!print_thread_.joinable());
  }
  changed_.notify_all();
  Deliver(std::move(out));
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
  return changed_.wait_for(lock, timeout, [&] { return finished_count_ >= count; });
}

bool VirtualPrinter::WaitUntilIdle(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] {
    return !model_->CanPrint() && !model_->has_finished() && !printing_ && delivering_ == 0;
  });
}

size_t VirtualPrinter::bytes_received() const {
  std::lock_guard lock(mutex_);
  return bytes_received_;
}

PrinterCounters VirtualPrinter::counters() const {
  std::lock_guard lock(mutex_);
  PrinterCounters out = model_->counters();
  out.bytes_received = bytes_received_;
  return out;
}

}  // namespace mykey::vprinter
