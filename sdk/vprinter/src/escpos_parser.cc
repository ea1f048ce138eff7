#include "mykey/vprinter/escpos_parser.h"

#include <algorithm>
#include <cstdio>
#include <iterator>

namespace mykey::vprinter {
namespace {

constexpr uint8_t kHt = 0x09;
constexpr uint8_t kLf = 0x0A;
constexpr uint8_t kFf = 0x0C;
constexpr uint8_t kCr = 0x0D;
constexpr uint8_t kDle = 0x10;
constexpr uint8_t kFs = 0x1C;
constexpr uint8_t kEsc = 0x1B;
constexpr uint8_t kGs = 0x1D;

// Longest NUL-terminated argument list accepted (ESC D tabs, GS k data).
constexpr size_t kMaxTerminated = 256;

// The outcome of looking at the start of the buffer.
struct Step {
  enum State : uint8_t { kMore, kDone, kTooBig } state = kMore;
  size_t size = 0;  // kDone: bytes taken; kTooBig: the whole command's size
};

Step More() {
  return {};
}
Step Done(size_t size) {
  return {Step::kDone, size};
}

class Reader {
 public:
  explicit Reader(ByteView buf) : buf_(buf) {}
  bool Has(size_t n) const { return buf_.size() >= n; }
  uint8_t At(size_t i) const { return buf_[i]; }
  size_t Le16(size_t i) const {
    return static_cast<size_t>(buf_[i]) | (static_cast<size_t>(buf_[i + 1]) << 8);
  }
  ByteView Slice(size_t from, size_t to) const { return buf_.subspan(from, to - from); }
  size_t size() const { return buf_.size(); }

 private:
  ByteView buf_;
};

// A command of `total` bytes whose header is complete: done, more, or too big.
Step Sized(const Reader& r, size_t total) {
  if (total > kMaxBufferedCommand) return {Step::kTooBig, total};
  if (!r.Has(total)) return More();
  return Done(total);
}

Step Simple(const Reader& r, Command& out, CommandKind kind, size_t total) {
  if (!r.Has(total)) return More();
  out.kind = kind;
  if (total >= 3) out.n = r.At(2);
  return Done(total);
}

// A NUL-terminated argument list from `from` (ESC D tabs, GS k data): the
// whole command's size, more, or (no NUL within kMaxTerminated) kIgnored.
Step Terminated(const Reader& r, Command& out, CommandKind kind, size_t from) {
  for (size_t i = from; i < std::min(r.size(), kMaxTerminated); ++i) {
    if (r.At(i) == 0) {
      out.kind = kind;
      out.data = r.Slice(from, i);
      return Done(i + 1);
    }
  }
  if (r.size() >= kMaxTerminated) {
    out.kind = CommandKind::kIgnored;
    return Done(kMaxTerminated);
  }
  return More();
}

Step ParseEsc(const Reader& r, Command& out) {
  if (!r.Has(2)) return More();
  switch (r.At(1)) {
    case '@': return Simple(r, out, CommandKind::kInit, 2);
    case '!': return Simple(r, out, CommandKind::kPrintMode, 3);
    case 'E':
    case 'G': return Simple(r, out, CommandKind::kBold, 3);
    case '-': return Simple(r, out, CommandKind::kUnderline, 3);
    case 'a': return Simple(r, out, CommandKind::kAlign, 3);
    case 'd': return Simple(r, out, CommandKind::kFeedLines, 3);
    case 'J': return Simple(r, out, CommandKind::kFeedDots, 3);
    case '2': return Simple(r, out, CommandKind::kDefaultLineSpacing, 2);
    case '3': return Simple(r, out, CommandKind::kLineSpacing, 3);
    case 't': return Simple(r, out, CommandKind::kCodePage, 3);
    case 'M': return Simple(r, out, CommandKind::kFont, 3);
    case 'R': return Simple(r, out, CommandKind::kInternationalSet, 3);
    case '{': return Simple(r, out, CommandKind::kUpsideDown, 3);
    case 'V': return Simple(r, out, CommandKind::kRotate, 3);
    case ' ': return Simple(r, out, CommandKind::kRightSpacing, 3);
    case '$':
    case '\\': {
      if (!r.Has(4)) return More();
      out.kind = r.At(1) == '$' ? CommandKind::kAbsolutePosition : CommandKind::kRelativePosition;
      const size_t value = r.Le16(2);
      out.x = static_cast<int>(out.kind == CommandKind::kRelativePosition && value >= 0x8000
                                   ? static_cast<long>(value) - 0x10000
                                   : static_cast<long>(value));
      return Done(4);
    }
    case 'i':
    case 'm':
      out.kind = CommandKind::kCut;
      out.m = 1;
      return Done(2);
    case 'L':
    case 'S':
    case 'v':
    case '<': return Simple(r, out, CommandKind::kIgnored, 2);
    case 'U':
    case 'r':
    case 'T':
    case '=':
    case '%':
    case '?':
    case 'K':
    case 'e':
    case 'u':
    case 'l': return Simple(r, out, CommandKind::kIgnored, 3);
    case 'c': return Simple(r, out, CommandKind::kIgnored, 4);
    case 'p': return Simple(r, out, CommandKind::kIgnored, 5);
    case 'W': return Simple(r, out, CommandKind::kIgnored, 10);
    case 'D': return Terminated(r, out, CommandKind::kTabStops, 2);
    case '*': {
      // Bit image: m nL nH, then k columns of 1 (8-dot) or 3 (24-dot) bytes.
      if (!r.Has(5)) return More();
      const size_t columns = r.Le16(3);
      const size_t per_column = (r.At(2) == 32 || r.At(2) == 33) ? 3 : 1;
      const size_t total = 5 + columns * per_column;
      Step step = Sized(r, total);
      if (step.state != Step::kDone) return step;
      out.kind = CommandKind::kBitImage;
      out.m = r.At(2);
      out.x = static_cast<int>(columns);
      out.data = r.Slice(5, total);
      return step;
    }
    case '&': {
      // User-defined characters: y c1 c2, then per character x and y*x bytes.
      if (!r.Has(5)) return More();
      const size_t y = r.At(2);
      const int first = r.At(3);
      const int last = r.At(4);
      out.kind = CommandKind::kIgnored;
      if (last < first || y > 3) return Done(5);
      size_t at = 5;
      for (int c = first; c <= last; ++c) {
        if (!r.Has(at + 1)) return More();
        at += 1 + y * r.At(at);
      }
      return Sized(r, at);
    }
    case '(': {
      if (!r.Has(5)) return More();
      out.kind = CommandKind::kIgnored;
      return Sized(r, 5 + r.Le16(3));
    }
    default: out.kind = CommandKind::kUnknown; return Done(2);
  }
}

// GS ( L pL pH m fn ... and GS 8 L p1 p2 p3 p4 m fn ...: `header` bytes before m.
Step Graphics(const Reader& r, Command& out, size_t header, size_t total) {
  Step step = Sized(r, total);
  if (step.state != Step::kDone) return step;
  if (total < header + 2) {
    out.kind = CommandKind::kIgnored;
    return step;
  }
  out.kind = CommandKind::kGraphics;
  out.m = r.At(header);
  out.n = r.At(header + 1);
  out.function = out.n;
  out.data = r.Slice(header + 2, total);
  return step;
}

Step ParseGs(const Reader& r, Command& out) {
  if (!r.Has(2)) return More();
  switch (r.At(1)) {
    case '!': return Simple(r, out, CommandKind::kCharacterSize, 3);
    case 'h': return Simple(r, out, CommandKind::kBarcodeHeight, 3);
    case 'w': return Simple(r, out, CommandKind::kBarcodeWidth, 3);
    case 'H': return Simple(r, out, CommandKind::kBarcodeHri, 3);
    case 'f': return Simple(r, out, CommandKind::kHriFont, 3);
    case 'B': return Simple(r, out, CommandKind::kReverse, 3);
    case 'I': return Simple(r, out, CommandKind::kPrinterIdRequest, 3);
    case 'r': return Simple(r, out, CommandKind::kStatusTransmit, 3);
    case 'a': return Simple(r, out, CommandKind::kAutomaticStatusBack, 3);
    case 'b':
    case '/':
    case 'T':
    case 'E':
    case 'j': return Simple(r, out, CommandKind::kIgnored, 3);
    case 'L':
    case 'W': {
      if (!r.Has(4)) return More();
      out.kind = r.At(1) == 'L' ? CommandKind::kLeftMargin : CommandKind::kPrintAreaWidth;
      out.x = static_cast<int>(r.Le16(2));
      return Done(4);
    }
    case 'P':
    case '$':
    case '\\': return Simple(r, out, CommandKind::kIgnored, 4);
    case ':': return Simple(r, out, CommandKind::kIgnored, 2);
    case '^': return Simple(r, out, CommandKind::kIgnored, 5);
    case 'g': {
      // GS g 0 m nL nH (initialise) and GS g 2 m nL nH (transmit) a maintenance counter.
      if (!r.Has(3)) return More();
      if (r.At(2) != '0' && r.At(2) != '2') {
        out.kind = CommandKind::kUnknown;
        return Done(3);
      }
      if (!r.Has(6)) return More();
      out.kind = CommandKind::kMaintenanceCounter;
      out.m = r.At(2);
      out.n = static_cast<int>(r.Le16(4));
      return Done(6);
    }
    case 'V': {
      if (!r.Has(3)) return More();
      const int m = r.At(2);
      const bool has_n = m == 65 || m == 66 || m == 97 || m == 98 || m == 103 || m == 104;
      if (has_n && !r.Has(4)) return More();
      out.kind = CommandKind::kCut;
      out.m = m;
      out.n = has_n ? r.At(3) : 0;
      return Done(has_n ? 4 : 3);
    }
    case 'v': {
      if (!r.Has(3)) return More();
      if (r.At(2) != '0') {
        out.kind = CommandKind::kUnknown;
        return Done(3);
      }
      if (!r.Has(8)) return More();
      const size_t width_bytes = r.Le16(4);
      const size_t rows = r.Le16(6);
      const size_t total = 8 + width_bytes * rows;
      Step step = Sized(r, total);
      if (step.state != Step::kDone) return step;
      out.kind = CommandKind::kRasterImage;
      out.m = r.At(3);
      out.x = static_cast<int>(width_bytes);
      out.y = static_cast<int>(rows);
      out.data = r.Slice(8, total);
      return step;
    }
    case 'k': {
      if (!r.Has(3)) return More();
      const int m = r.At(2);
      out.m = m;
      if (m <= 6) return Terminated(r, out, CommandKind::kBarcode, 3);
      if (!r.Has(4)) return More();
      const size_t total = 4 + r.At(3);
      if (!r.Has(total)) return More();
      out.kind = CommandKind::kBarcode;
      out.data = r.Slice(4, total);
      return Done(total);
    }
    case '(': {
      if (!r.Has(5)) return More();
      const size_t length = r.Le16(3);
      const size_t total = 5 + length;
      const uint8_t letter = r.At(2);
      out.letter = letter;
      if (letter == 'L') return Graphics(r, out, 5, total);
      Step step = Sized(r, total);
      if (step.state != Step::kDone) return step;
      if (letter == 'k' && length >= 2) {
        out.kind = CommandKind::kQr;
        out.m = r.At(5);
        out.n = r.At(6);
        out.function = out.n;
        out.data = r.Slice(7, total);
      } else if (letter == 'H' && length == 6 && r.At(5) == 48 && r.At(6) == 48) {
        out.kind = CommandKind::kProcessIdRequest;
        out.function = 48;
        out.data = r.Slice(7, total);
      } else {
        out.kind = CommandKind::kIgnored;
        if (length >= 1) out.function = r.At(5);
      }
      return step;
    }
    case '8': {
      // GS 8 L p1 p2 p3 p4 m fn: graphics with a 32-bit length.
      if (!r.Has(3)) return More();
      out.letter = r.At(2);
      if (!r.Has(7)) return More();
      size_t length = 0;
      for (size_t i = 0; i < 4; ++i) length |= static_cast<size_t>(r.At(3 + i)) << (8 * i);
      if (r.At(2) != 'L') {
        out.kind = CommandKind::kIgnored;
        return Sized(r, 7 + length);
      }
      return Graphics(r, out, 7, 7 + length);
    }
    case '*': {
      if (!r.Has(4)) return More();
      out.kind = CommandKind::kIgnored;
      return Sized(r, 4 + static_cast<size_t>(r.At(2)) * r.At(3) * 8);
    }
    default: out.kind = CommandKind::kUnknown; return Done(2);
  }
}

// FS q n [xL xH yL yH d1...dk]1...n with k = x * y * 8.
Step NvImageDefine(const Reader& r, Command& out) {
  if (!r.Has(3)) return More();
  const size_t count = r.At(2);
  size_t at = 3;
  for (size_t i = 0; i < count; ++i) {
    if (!r.Has(at + 4)) return More();
    const size_t bytes = r.Le16(at) * r.Le16(at + 2) * 8;
    at += 4 + bytes;
    if (at > kMaxBufferedCommand) return {Step::kTooBig, at};
  }
  Step step = Sized(r, at);
  if (step.state != Step::kDone) return step;
  out.kind = CommandKind::kNvImageDefine;
  out.n = static_cast<int>(count);
  out.data = r.Slice(3, at);
  return step;
}

Step ParseFs(const Reader& r, Command& out) {
  if (!r.Has(2)) return More();
  switch (r.At(1)) {
    case '&': return Simple(r, out, CommandKind::kKanjiOn, 2);
    case '.': return Simple(r, out, CommandKind::kKanjiOff, 2);
    case 'C': return Simple(r, out, CommandKind::kKanjiCodeSystem, 3);
    case '!': return Simple(r, out, CommandKind::kKanjiPrintMode, 3);
    case '-': return Simple(r, out, CommandKind::kKanjiUnderline, 3);
    case 'W': return Simple(r, out, CommandKind::kIgnored, 3);
    case 'S': return Simple(r, out, CommandKind::kIgnored, 4);
    case 'p': {
      if (!r.Has(4)) return More();
      out.kind = CommandKind::kNvImagePrint;
      out.n = r.At(2);
      out.m = r.At(3);
      return Done(4);
    }
    case 'q': return NvImageDefine(r, out);
    case '2': return Simple(r, out, CommandKind::kIgnored, 4 + 72);
    case '(': {
      if (!r.Has(5)) return More();
      out.kind = CommandKind::kIgnored;
      out.letter = r.At(2);
      const size_t total = 5 + r.Le16(3);
      if (total > 5 && r.Has(6)) out.function = r.At(5);
      return Sized(r, total);
    }
    default: out.kind = CommandKind::kUnknown; return Done(2);
  }
}

// DLE DC4 fn 8 d1..d7: clear the buffers, only with these parameters.
constexpr uint8_t kClearParameters[] = {1, 3, 20, 1, 6, 2, 8};

Step ParseDle(const Reader& r, Command& out) {
  if (!r.Has(2)) return More();
  switch (r.At(1)) {
    case 0x04: return Simple(r, out, CommandKind::kStatusRequest, 3);
    case 0x05: return Simple(r, out, CommandKind::kRecoverRequest, 3);
    case 0x14: {
      if (!r.Has(3)) return More();
      const int fn = r.At(2);
      const size_t total = fn == 8 ? 10 : (fn == 1 || fn == 2) ? 5 : fn == 7 ? 4 : 3;
      if (!r.Has(total)) return More();
      out.kind = CommandKind::kRealTimeOther;
      out.n = fn;
      out.function = fn;
      if (fn == 8 && std::equal(std::begin(kClearParameters), std::end(kClearParameters),
                                r.Slice(3, 10).begin())) {
        out.kind = CommandKind::kClearBuffers;
      }
      return Done(total);
    }
    default:
      // A lone DLE: a control byte this printer ignores.
      out.kind = CommandKind::kIgnored;
      return Done(1);
  }
}

Step ParseOne(const Reader& r, Command& out) {
  const uint8_t first = r.At(0);
  if (first >= 0x20) {
    size_t end = 1;
    while (end < r.size() && r.At(end) >= 0x20) ++end;
    out.kind = CommandKind::kText;
    out.data = r.Slice(0, end);
    return Done(end);
  }
  Step step;
  switch (first) {
    case kLf: out.kind = CommandKind::kLineFeed; return Done(1);
    case kCr: out.kind = CommandKind::kCarriageReturn; return Done(1);
    case kHt: out.kind = CommandKind::kTab; return Done(1);
    case kFf: out.kind = CommandKind::kFormFeed; return Done(1);
    case kEsc: step = ParseEsc(r, out); break;
    case kGs: step = ParseGs(r, out); break;
    case kFs: step = ParseFs(r, out); break;
    case kDle: step = ParseDle(r, out); break;
    default:
      out.kind = CommandKind::kIgnored;
      out.code = first;
      return Done(1);
  }
  out.prefix = first;
  if (r.Has(2)) out.code = r.At(1);
  if (step.state == Step::kDone && step.size == 1) out.prefix = 0, out.code = first;
  return step;
}

const char* PrefixName(uint8_t prefix) {
  switch (prefix) {
    case kEsc: return "ESC";
    case kGs: return "GS";
    case kFs: return "FS";
    case kDle: return "DLE";
    default: return "";
  }
}

std::string ByteName(uint8_t b) {
  switch (b) {
    case 0x04: return "EOT";
    case 0x05: return "ENQ";
    case 0x14: return "DC4";
    case ' ': return "SP";
    default: break;
  }
  if (b > 0x20 && b < 0x7F) return std::string(1, static_cast<char>(b));
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", b);
  return hex;
}

}  // namespace

void EscposParser::Feed(ByteView bytes, CommandSink& sink) {
  if (skip_ > 0 && !bytes.empty()) {
    Command skipped;
    skipped.kind = CommandKind::kSkippedData;
    skipped.size = std::min(skip_, bytes.size());
    skip_ -= skipped.size;
    bytes = bytes.subspan(skipped.size);
    sink.OnCommand(skipped);
  }
  if (bytes.empty()) return;
  pending_.insert(pending_.end(), bytes.begin(), bytes.end());
  // Bounded: every pass consumes at least one byte or stops.
  while (offset_ < pending_.size()) {
    const Reader reader(ByteView(pending_).subspan(offset_));
    Command command;
    const Step step = ParseOne(reader, command);
    if (step.state == Step::kMore) break;
    if (step.state == Step::kTooBig) {
      const size_t available = pending_.size() - offset_;
      command.kind = CommandKind::kOversized;
      command.size = available;
      command.x = static_cast<int>(std::min<size_t>(step.size, 0x7FFFFFFF));
      sink.OnCommand(command);
      skip_ = step.size - available;
      offset_ = pending_.size();
      break;
    }
    command.size = step.size;
    sink.OnCommand(command);
    offset_ += step.size;
  }
  // Keep only the unparsed tail.
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(offset_));
  offset_ = 0;
}

bool IsRealTime(CommandKind kind) {
  return kind == CommandKind::kStatusRequest || kind == CommandKind::kRecoverRequest ||
         kind == CommandKind::kClearBuffers || kind == CommandKind::kRealTimeOther;
}

std::string CommandName(const Command& c) {
  switch (c.kind) {
    case CommandKind::kText: return "text";
    case CommandKind::kLineFeed: return "LF";
    case CommandKind::kCarriageReturn: return "CR";
    case CommandKind::kTab: return "HT";
    case CommandKind::kFormFeed: return "FF";
    case CommandKind::kOversized:
    case CommandKind::kSkippedData: return "oversized command";
    default: break;
  }
  if (c.prefix == 0) return ByteName(c.code);
  std::string name = std::string(PrefixName(c.prefix)) + " " + ByteName(c.code);
  if (c.letter != 0) name += " " + ByteName(c.letter);
  if (c.function >= 0) name += " fn " + std::to_string(c.function);
  return name;
}

size_t EscposParser::Reset() {
  const size_t dropped = pending_.size() - offset_;
  pending_.clear();
  offset_ = 0;
  skip_ = 0;
  return dropped;
}

}  // namespace mykey::vprinter
