#include "mykey/terminal/console_screen.h"

#include <algorithm>

#include "mykey/receipt/text.h"
#include "mykey/terminal/messages.h"

namespace mykey::terminal {
namespace {

// Cuts `utf8` to at most `columns` display columns (whole characters).
std::string Fit(std::string_view utf8, int columns) {
  auto decoded = receipt::DecodeUtf8(utf8);
  if (!decoded) return std::string(utf8.substr(0, static_cast<size_t>(std::max(columns, 0))));
  std::u32string kept;
  int used = 0;
  for (char32_t c : *decoded) {
    int w = receipt::EastAsianWidth(c);
    if (used + w > columns) break;
    used += w;
    kept.push_back(c);
  }
  return receipt::EncodeUtf8(kept);
}

// A menu ("1: …  2: …"), its items separated by two spaces, as lines of at
// most `columns` (the default box's inside), so no item is cut off.
std::vector<std::string> MenuLines(std::string_view menu, int columns = 60) {
  std::vector<std::string> lines;
  std::string line;
  while (!menu.empty()) {
    const size_t gap = menu.find("  ");
    std::string_view item = menu.substr(0, gap);
    menu = gap == std::string_view::npos ? std::string_view() : menu.substr(gap + 2);
    if (item.empty()) continue;
    std::string wider = line.empty() ? std::string(item) : line + "  " + std::string(item);
    if (!line.empty() && DisplayWidth(wider) > columns) {
      lines.push_back(std::move(line));
      line = std::string(item);
    } else {
      line = std::move(wider);
    }
  }
  if (!line.empty()) lines.push_back(std::move(line));
  return lines;
}

std::string Repeat(std::string_view piece, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += piece;
  return out;
}

const char* ColourOf(Tone tone) {
  switch (tone) {
    case Tone::kNormal: return "\x1b[1;37m";
    case Tone::kAttention: return "\x1b[1;33m";
    case Tone::kSuccess: return "\x1b[1;32m";
    case Tone::kError: return "\x1b[1;31m";
  }
  return "";
}

}  // namespace

int DisplayWidth(std::string_view utf8) {
  auto decoded = receipt::DecodeUtf8(utf8);
  if (!decoded) return static_cast<int>(utf8.size());
  int width = 0;
  for (char32_t c : *decoded) width += receipt::EastAsianWidth(c);
  return width;
}

std::string GroupedNumber(int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}

std::string RenderScreen(const Screen& screen, const ScreenStyle& style) {
  const int width = std::max(style.width, 20);
  const int inner = width - 4;  // "┃ " and " ┃"
  std::string bold = style.ansi ? ColourOf(screen.tone) : "";
  std::string reset = style.ansi ? "\x1b[0m" : "";
  auto row = [&](std::string_view text, bool strong) {
    std::string cut = Fit(text, inner);
    std::string line = "┃ ";
    line += strong ? bold + cut + reset : cut;
    line += Repeat(" ", inner - DisplayWidth(cut));
    line += " ┃\n";
    return line;
  };
  std::string out;
  if (style.ansi) out += "\x1b[2J\x1b[H";
  out += "┏" + Repeat("━", width - 2) + "┓\n";
  out += row(screen.title, true);
  out += "┣" + Repeat("━", width - 2) + "┫\n";
  out += row("", false);
  for (const auto& line : screen.lines) {
    out += row(line, true);
    out += row("", false);
  }
  if (!screen.footer.empty()) {
    out += "┠" + Repeat("─", width - 2) + "┨\n";
    out += row(screen.footer, false);
  }
  out += "┗" + Repeat("━", width - 2) + "┛\n";
  return out;
}

Screen IdleScreen(const TerminalConfig& config,
                  const std::optional<OfflineQueueStatus>& offline_queue) {
  const Language l = config.language;
  Screen screen;
  screen.title = config.site_name.empty() ? std::string("MyKey") : config.site_name;
  switch (config.mode) {
    case Mode::kShop:
      screen.lines = {std::string(Say(l, Phrase::kShopIdle)),
                      std::string(Say(l, Phrase::kVoucherKey))};
      break;
    case Mode::kLibrary: screen.lines = {std::string(Say(l, Phrase::kLibraryIdle))}; break;
    case Mode::kKiosk:
      screen.lines = {std::string(Say(l, Phrase::kKioskIdle))};
      for (Phrase menu : {Phrase::kKioskMenu, Phrase::kKioskStaffMenu}) {
        for (std::string& line : MenuLines(Say(l, menu))) screen.lines.push_back(std::move(line));
      }
      break;
    case Mode::kFacility:
      screen.lines = {
          config.facility.name, std::string(Say(l, Phrase::kFacilityIdle)),
          GroupedNumber(config.facility.fee) + " " + std::string(Say(l, Phrase::kPoints)),
          std::string(Say(l, Phrase::kVoucherKey))};
      break;
  }
  if (offline_queue && (offline_queue->pending > 0 || !offline_queue->cloud_reachable)) {
    std::string line =
        std::string(Say(l, Phrase::kOfflinePending)) + ": " + GroupedNumber(offline_queue->pending);
    if (!offline_queue->cloud_reachable) {
      line += " (" + std::string(Say(l, Phrase::kServerUnreachable)) + ")";
    }
    screen.lines.push_back(std::move(line));
  }
  screen.footer = std::string(Say(l, Phrase::kCommandHelp));
  return screen;
}

Screen OperationScreen(const TerminalConfig& config, const OperationSnapshot& snapshot) {
  const Language l = config.language;
  Screen screen;
  screen.title = config.site_name.empty() ? std::string("MyKey") : config.site_name;
  if (!snapshot.result) {
    std::string stage = "checking_request";
    std::optional<int64_t> tries;
    for (const auto& event : snapshot.events) {
      if (event.kind == EventKind::kStage || event.kind == EventKind::kProgress) stage = event.name;
      if (event.kind == EventKind::kPinTriesLeft) tries = event.value;
    }
    screen.tone = Tone::kAttention;
    if (snapshot.request.kind == OperationKind::kRedeem && snapshot.request.amount > 0) {
      screen.lines.push_back(GroupedNumber(snapshot.request.amount) + " " +
                             std::string(Say(l, Phrase::kPoints)));
    }
    if (stage == "waiting_for_card") {
      screen.lines.emplace_back(Say(l, Phrase::kPresentCard));
    } else {
      screen.lines.emplace_back(StageText(l, stage));
    }
    if (stage == "waiting_for_pin" && tries) {
      screen.lines.push_back(std::string(Say(l, Phrase::kPinTriesLeft)) + ": " +
                             std::to_string(*tries));
    }
    screen.footer = std::string(Say(l, Phrase::kPleaseWait));
    return screen;
  }
  const OperationResult& r = *snapshot.result;
  switch (r.state) {
    case OperationState::kDone:
      screen.tone = Tone::kSuccess;
      screen.lines.emplace_back(Say(l, Phrase::kDone));
      break;
    case OperationState::kCancelled:
      screen.tone = Tone::kAttention;
      screen.lines.emplace_back(Say(l, Phrase::kCancelled));
      break;
    default:
      screen.tone = Tone::kError;
      screen.lines.emplace_back(Say(l, Phrase::kFailed));
      screen.lines.push_back(ReasonText(l, r.reason));
      if (r.pin_tries_left) {
        screen.lines.push_back(std::string(Say(l, Phrase::kPinTriesLeft)) + ": " +
                               std::to_string(*r.pin_tries_left));
      }
      break;
  }
  if (r.state == OperationState::kDone) {
    if (r.amount) {
      screen.lines.push_back(GroupedNumber(*r.amount) + " " + std::string(Say(l, Phrase::kPoints)));
    }
    if (r.balance) {
      screen.lines.push_back(std::string(Say(l, Phrase::kBalance)) + ": " +
                             GroupedNumber(*r.balance) + " " +
                             std::string(Say(l, Phrase::kPoints)));
    }
    if (!r.service_id.empty()) {
      Phrase label = config.mode == Mode::kLibrary ? Phrase::kLibraryNumber : Phrase::kServiceId;
      screen.lines.push_back(std::string(Say(l, label)) + ": " + r.service_id);
    }
    if (snapshot.request.kind == OperationKind::kCreateMyKeyId && !r.mykey_id_masked.empty()) {
      screen.lines.push_back(std::string(Say(l, Phrase::kMyKeyId)) + ": " + r.mykey_id_masked);
    }
    if (!r.voucher_serial.empty()) {
      screen.lines.push_back(std::string(Say(l, Phrase::kVoucherSerial)) + ": " + r.voucher_serial);
    }
    if (snapshot.request.kind == OperationKind::kPendingVouchers) {
      if (r.pending_vouchers.empty()) {
        screen.lines.push_back(std::string(Say(l, Phrase::kVoucherSerial)) + ": -");
      }
      for (const PendingVoucher& v : r.pending_vouchers) {
        screen.lines.push_back(v.serial + "  " + GroupedNumber(v.amount) + " " +
                               std::string(Say(l, Phrase::kPoints)) + "  ~" + v.expires_on);
      }
    }
    if (r.print == PrintState::kPrinted || r.print == PrintState::kUnconfirmed) {
      screen.lines.emplace_back(Say(l, Phrase::kReceiptPrinted));
    } else if (r.print == PrintState::kNotPrinted || r.print == PrintState::kUnknown) {
      screen.lines.emplace_back(Say(l, Phrase::kReceiptNotPrinted));
    }
  }
  screen.footer = std::string(Say(l, Phrase::kTakeCard));
  return screen;
}

}  // namespace mykey::terminal
