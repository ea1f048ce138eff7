#include "mykey/terminal/console.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "mykey/terminal/messages.h"
#include "mykey/voucher/voucher_layout.h"

namespace mykey::terminal {
namespace {

std::optional<int64_t> Amount(std::string_view text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

ClerkCommand Starting(OperationKind kind) {
  ClerkCommand command;
  command.action = ClerkCommand::Action::kStart;
  command.request.kind = kind;
  return command;
}

ClerkCommand AskingFor(OperationKind kind) {
  ClerkCommand command = Starting(kind);
  command.action = ClerkCommand::Action::kAskMore;
  return command;
}

}  // namespace

ClerkCommand ParseClerkLine(const TerminalConfig& config, std::string_view line) {
  line = Trim(line);
  ClerkCommand none;
  if (line == "q" || line == "Q") {
    none.action = ClerkCommand::Action::kQuit;
    return none;
  }
  switch (config.mode) {
    case Mode::kShop:
      if (line.empty()) return none;
      if (line == "r" || line == "R") return AskingFor(OperationKind::kRefund);
      if (line == "w" || line == "W") return Starting(OperationKind::kWhoIsThis);
      if (line == "v" || line == "V") return AskingFor(OperationKind::kRedeemVoucher);
      if (auto amount = Amount(line)) {
        ClerkCommand command = Starting(OperationKind::kRedeem);
        command.request.amount = *amount;
        return command;
      }
      break;
    case Mode::kLibrary:
      if (line.empty()) return Starting(OperationKind::kLibraryLookup);
      break;
    case Mode::kFacility:
      if (line.empty()) return Starting(OperationKind::kFacilityEntry);
      if (line == "v" || line == "V") return AskingFor(OperationKind::kRedeemVoucher);
      break;
    case Mode::kKiosk:
      if (line == "1") return Starting(OperationKind::kCreateMyKeyId);
      if (line == "2") return AskingFor(OperationKind::kLinkService);
      if (line == "3") return AskingFor(OperationKind::kIssueVoucher);
      if (line == "4") return AskingFor(OperationKind::kRedeemCoupon);
      if (line == "5") return Starting(OperationKind::kReportLost);
      if (line == "6") return Starting(OperationKind::kPendingVouchers);
      if (line == "7") return AskingFor(OperationKind::kReprintVoucher);
      if (line == "8") return AskingFor(OperationKind::kVoidVoucher);
      if (line.empty()) return none;
      break;
  }
  none.invalid = true;
  return none;
}

bool PutVoucherInput(std::string_view typed, OperationRequest& request) {
  typed = Trim(typed);
  if (typed.empty()) return false;
  if (typed.substr(0, 4) == "MKV:") {
    request.voucher_token = std::string(typed);
  } else if (typed.front() == '/') {
    request.voucher_image = std::string(typed);
  } else {
    request.voucher_serial = std::string(typed);
  }
  return true;
}

Console::Console(int in, int out, TerminalConfig config, OperationDesk& desk, std::mutex* tty_gate)
    : in_(in), out_(out), config_(std::move(config)), desk_(desk), tty_gate_(tty_gate) {
  style_.ansi = ::isatty(out_) == 1;
}

void Console::Show(const Screen& screen) {
  std::string text = RenderScreen(screen, style_);
  std::string_view rest = text;
  while (!rest.empty()) {
    ssize_t n = ::write(out_, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    rest.remove_prefix(static_cast<size_t>(n));
  }
}

ssize_t Console::ReadSome(char* buf, size_t size, int ms) {
  std::unique_lock<std::mutex> gate;
  if (tty_gate_ != nullptr) gate = std::unique_lock<std::mutex>(*tty_gate_);
  // An operation may be about to ask for the PIN on this terminal: its keys
  // are not the clerk's.
  if (desk_.Current()) return 0;
  pollfd fd{in_, POLLIN, 0};
  int ready = ::poll(&fd, 1, ms);
  if (ready <= 0) return 0;
  ssize_t n = ::read(in_, buf, size);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 0;
  return n <= 0 ? -1 : n;
}

// Reads a line; false on stop or end of input. While waiting, an operation
// from elsewhere (the POS, the idle loop) is followed on screen.
Screen Console::Idle() {
  shown_queue_ = desk_.offline_queue();
  return IdleScreen(config_, shown_queue_);
}

bool Console::ReadLine(std::string& line, const std::atomic<bool>& stop, bool idle) {
  line.clear();
  while (!stop.load()) {
    // The offline queue changed (journalled, forwarded, cloud back or gone):
    // the idle screen says so at once.
    if (idle && desk_.offline_queue() != shown_queue_) Show(Idle());
    // Several lines may come in one read (a keyboard scanner types fast):
    // one line at a time, the rest kept for the next prompt.
    if (size_t end = typed_.find('\n'); end != std::string::npos) {
      line = typed_.substr(0, end);
      typed_.erase(0, end + 1);
      return true;
    }
    if (auto current = desk_.Current()) {
      Follow(*current, stop);
      // The desk settles (the card is taken away) before it is free again.
      while (!stop.load() && !desk_.WaitUntilFree(std::chrono::milliseconds(250))) {
        if (desk_.Current() != current) break;
      }
      Show(Idle());
      continue;
    }
    char buf[256];
    ssize_t n = ReadSome(buf, sizeof buf, 250);
    if (n < 0) return false;
    if (n == 0) continue;
    typed_.append(buf, static_cast<size_t>(n));
  }
  return false;
}

std::string Console::Ask(std::string_view prompt, const std::atomic<bool>& stop) {
  Screen screen = Idle();
  screen.lines = {std::string(prompt)};
  Show(screen);
  std::string line;
  if (!ReadLine(line, stop, false)) return {};
  return std::string(Trim(line));
}

void Console::Follow(const std::string& id, const std::atomic<bool>& stop) {
  uint64_t seen = 0;
  while (!stop.load()) {
    auto snapshot = desk_.WaitForChange(id, seen, std::chrono::milliseconds(250));
    if (!snapshot) return;
    seen = snapshot->events.size();
    // A library tap nobody made is not worth a screen.
    if (snapshot->preemptible && IsFinal(snapshot->state) && snapshot->result &&
        snapshot->result->reason == "timeout") {
      return;
    }
    if (!snapshot->preemptible || seen > 1) Show(OperationScreen(config_, *snapshot));
    if (IsFinal(snapshot->state)) {
      // Leave the result up a moment, or until the clerk presses Enter.
      for (int slice = 0; slice < 16 && !stop.load(); ++slice) {
        char buf[64];
        if (ReadSome(buf, sizeof buf, 250) != 0) break;
      }
      return;
    }
  }
}

void Console::Start(ClerkCommand command, const std::atomic<bool>& stop) {
  const Language l = config_.language;
  if (command.action == ClerkCommand::Action::kAskMore) {
    OperationRequest& r = command.request;
    switch (r.kind) {
      case OperationKind::kRefund: {
        // The 取引番号 as printed on the redemption's receipt ("R1042"), or its digits.
        auto id = voucher::ParseRedemptionNumber(Ask(Say(l, Phrase::kEnterRedemptionId), stop));
        auto amount = Amount(Ask(Say(l, Phrase::kEnterRefundAmount), stop));
        if (!id || !amount) return;
        r.redemption_id = *id;
        r.amount = *amount;
        break;
      }
      case OperationKind::kLinkService:
        r.service_id = Ask(Say(l, Phrase::kEnterServiceId), stop);
        break;
      case OperationKind::kIssueVoucher: {
        auto amount = Amount(Ask(Say(l, Phrase::kEnterVoucherAmount), stop));
        if (!amount) return;
        r.amount = *amount;
        break;
      }
      case OperationKind::kRedeemCoupon: r.coupon = Ask(Say(l, Phrase::kEnterCoupon), stop); break;
      case OperationKind::kRedeemVoucher:
        if (!PutVoucherInput(Ask(Say(l, Phrase::kEnterVoucher), stop), r)) return;
        break;
      case OperationKind::kReprintVoucher:
      case OperationKind::kVoidVoucher:
        r.voucher_serial = Ask(Say(l, Phrase::kVoucherSerial), stop);
        if (r.voucher_serial.empty()) return;
        break;
      default: break;
    }
  }
  auto id = desk_.Submit(command.request, Submitter::kConsole);
  if (!id) {
    Screen busy = Idle();
    busy.tone = Tone::kError;
    busy.lines = {std::string(Say(l, Phrase::kPleaseWait))};
    Show(busy);
    return;
  }
  Follow(*id, stop);
}

void Console::Run(const std::atomic<bool>& stop) {
  bool idle_shown = false;
  while (!stop.load()) {
    if (!idle_shown) Show(Idle());
    idle_shown = false;
    std::string line;
    if (!ReadLine(line, stop, true)) return;
    ClerkCommand command = ParseClerkLine(config_, line);
    switch (command.action) {
      case ClerkCommand::Action::kQuit: return;
      case ClerkCommand::Action::kNone:
        if (command.invalid) {
          Screen screen = Idle();
          screen.tone = Tone::kError;
          screen.lines.emplace_back(Say(config_.language, Phrase::kInvalidInput));
          Show(screen);
          idle_shown = true;
        }
        break;
      case ClerkCommand::Action::kStart:
      case ClerkCommand::Action::kAskMore: Start(std::move(command), stop); break;
    }
  }
}

}  // namespace mykey::terminal
