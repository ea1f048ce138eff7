#include "mykey/printer/printer_status.h"

namespace mykey::printer {
namespace {

constexpr bool Bit(uint8_t byte, int bit) {
  return ((byte >> bit) & 1U) != 0;
}
constexpr unsigned Set(bool on, int bit) {
  return on ? (1U << bit) : 0U;
}

}  // namespace

std::array<uint8_t, 3> StatusRequest(StatusKind kind) {
  return {kDle, kEot, static_cast<uint8_t>(kind)};
}

Status ApplyStatusByte(StatusKind kind, uint8_t byte, PrinterStatus& status) {
  if (!IsStatusByte(byte)) {
    return Fail(ErrorCode::kDataLoss, "status byte without the fixed bit pattern",
                ErrorDomain::kParse, byte);
  }
  switch (kind) {
    case StatusKind::kPrinter:
      status.drawer_pin_high = Bit(byte, 2);
      status.offline = Bit(byte, 3);
      status.waiting_for_recovery = Bit(byte, 5);
      status.feed_button_pressed = Bit(byte, 6);
      break;
    case StatusKind::kOfflineCause:
      status.cover_open = Bit(byte, 2);
      status.feeding_by_button = Bit(byte, 3);
      status.paper_end_stop = Bit(byte, 5);
      status.error = Bit(byte, 6);
      break;
    case StatusKind::kErrorCause:
      status.recoverable_error = Bit(byte, 2);
      status.autocutter_error = Bit(byte, 3);
      status.unrecoverable_error = Bit(byte, 5);
      status.auto_recoverable_error = Bit(byte, 6);
      break;
    case StatusKind::kPaperSensor:
      // Printers with two sensors report them in separate bits, printers with
      // one set both: either bit means the condition.
      status.paper_near_end = Bit(byte, 2) || Bit(byte, 3);
      status.paper_end = Bit(byte, 5) || Bit(byte, 6);
      break;
  }
  return Ok();
}

Result<PrinterStatus> ParsePrinterStatus(const std::array<uint8_t, 4>& answers) {
  PrinterStatus status;
  for (size_t i = 0; i < kAllStatusKinds.size(); ++i) {
    MYKEY_TRY(ApplyStatusByte(kAllStatusKinds[i], answers[i], status));
  }
  return status;
}

uint8_t EncodeStatusByte(StatusKind kind, const PrinterStatus& s) {
  unsigned byte = kStatusFixedBits;
  switch (kind) {
    case StatusKind::kPrinter:
      byte |= Set(s.drawer_pin_high, 2) | Set(s.offline, 3) | Set(s.waiting_for_recovery, 5) |
              Set(s.feed_button_pressed, 6);
      break;
    case StatusKind::kOfflineCause:
      byte |= Set(s.cover_open, 2) | Set(s.feeding_by_button, 3) | Set(s.paper_end_stop, 5) |
              Set(s.error, 6);
      break;
    case StatusKind::kErrorCause:
      byte |= Set(s.recoverable_error, 2) | Set(s.autocutter_error, 3) |
              Set(s.unrecoverable_error, 5) | Set(s.auto_recoverable_error, 6);
      break;
    case StatusKind::kPaperSensor:
      byte |= (s.paper_near_end ? 0x0CU : 0U) | (s.paper_end ? 0x60U : 0U);
      break;
  }
  return static_cast<uint8_t>(byte);
}

PrinterFault FaultOf(const PrinterStatus& s) {
  if (s.paper_end || s.paper_end_stop) return PrinterFault::kPaperEnd;
  if (s.cover_open) return PrinterFault::kCoverOpen;
  if (s.unrecoverable_error) return PrinterFault::kUnrecoverableError;
  if (s.autocutter_error) return PrinterFault::kAutocutterError;
  if (s.any_error()) return PrinterFault::kError;
  if (s.offline) return PrinterFault::kOffline;
  return PrinterFault::kNone;
}

const char* FaultName(PrinterFault fault) {
  switch (fault) {
    case PrinterFault::kNone: return "none";
    case PrinterFault::kPaperEnd: return "paper end";
    case PrinterFault::kCoverOpen: return "cover open";
    case PrinterFault::kUnrecoverableError: return "unrecoverable error";
    case PrinterFault::kAutocutterError: return "auto-cutter error";
    case PrinterFault::kError: return "error";
    case PrinterFault::kOffline: return "offline";
  }
  return "unknown";
}

std::string PrinterStatus::ToString() const {
  std::string out;
  auto add = [&](bool on, const char* what) {
    if (!on) return;
    if (!out.empty()) out += ", ";
    out += what;
  };
  add(offline, "offline");
  add(paper_end || paper_end_stop, "paper end");
  add(paper_near_end, "paper near end");
  add(cover_open, "cover open");
  add(unrecoverable_error, "unrecoverable error");
  add(autocutter_error, "auto-cutter error");
  add(recoverable_error, "recoverable error");
  add(auto_recoverable_error, "auto-recoverable error");
  add(error && !unrecoverable_error && !autocutter_error && !recoverable_error &&
          !auto_recoverable_error,
      "error");
  add(feed_button_pressed, "feed button pressed");
  return out.empty() ? "online" : out;
}

}  // namespace mykey::printer
