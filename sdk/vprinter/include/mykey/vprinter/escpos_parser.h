#pragma once

// A streaming ESC/POS command parser: bytes in any split, commands out. Pure
// code. It never fails and never crashes on any input: unknown commands are
// skipped, oversized ones are dropped without being buffered.

#include <cstddef>
#include <cstdint>
#include <string>

#include "mykey/base/bytes.h"

namespace mykey::vprinter {

/// What a parsed command is. Parameters are in Command::m / n / x / y.
enum class CommandKind : uint8_t {
  kText,                 ///< printable bytes (0x20-0xFF, no controls); data = the bytes
  kLineFeed,             ///< LF: print the line and feed one line
  kCarriageReturn,       ///< CR
  kTab,                  ///< HT
  kFormFeed,             ///< FF (standard mode: print and feed)
  kInit,                 ///< ESC @
  kPrintMode,            ///< ESC ! n
  kCharacterSize,        ///< GS ! n (n: width-1 in the high nibble, height-1 in the low)
  kBold,                 ///< ESC E n / ESC G n
  kUnderline,            ///< ESC - n
  kAlign,                ///< ESC a n
  kFeedLines,            ///< ESC d n
  kFeedDots,             ///< ESC J n
  kDefaultLineSpacing,   ///< ESC 2
  kLineSpacing,          ///< ESC 3 n
  kCodePage,             ///< ESC t n
  kFont,                 ///< ESC M n (0/48 font A, 1/49 font B)
  kInternationalSet,     ///< ESC R n
  kUpsideDown,           ///< ESC { n
  kRotate,               ///< ESC V n (0/48 off, 1/49 and 2/50 on)
  kRightSpacing,         ///< ESC SP n: n dots after each half-width character
  kAbsolutePosition,     ///< ESC $ nL nH: x = dots from the left margin
  kRelativePosition,     ///< ESC \ nL nH: x = signed dots from the current position
  kTabStops,             ///< ESC D n1 ... NUL: data = the columns (without the NUL)
  kLeftMargin,           ///< GS L nL nH: x = dots
  kPrintAreaWidth,       ///< GS W nL nH: x = dots
  kReverse,              ///< GS B n: white on black
  kKanjiOn,              ///< FS &
  kKanjiOff,             ///< FS .
  kKanjiCodeSystem,      ///< FS C n (0/48 JIS, 1/49 Shift_JIS)
  kKanjiPrintMode,       ///< FS ! n
  kKanjiUnderline,       ///< FS - n
  kRasterImage,          ///< GS v 0 m xL xH yL yH d...: m, x = bytes per row, y = rows, data
  kBitImage,             ///< ESC * m nL nH d...: m, x = columns, data (1 or 3 bytes a column)
  kGraphics,             ///< GS ( L / GS 8 L: m = the m byte, n = fn, data = the bytes after fn
  kNvImagePrint,         ///< FS p n m: n = image number (1-based), m = scale mode
  kNvImageDefine,        ///< FS q n [xL xH yL yH d...]...: n = image count, data = after n
  kQr,                   ///< GS ( k pL pH cn fn ...: m = cn, n = fn, data = the bytes after fn
  kBarcode,              ///< GS k m ...: m = system, data = the characters
  kBarcodeHeight,        ///< GS h n
  kBarcodeWidth,         ///< GS w n
  kBarcodeHri,           ///< GS H n
  kHriFont,              ///< GS f n
  kCut,                  ///< GS V m [n], ESC i, ESC m: m, n
  kProcessIdRequest,     ///< GS ( H fn 48 m 48 d1..d4: data = d1..d4
  kPrinterIdRequest,     ///< GS I n
  kStatusTransmit,       ///< GS r n
  kAutomaticStatusBack,  ///< GS a n
  kMaintenanceCounter,   ///< GS g 0 / GS g 2 m nL nH: m = '0' or '2', n = the counter number
  kStatusRequest,        ///< DLE EOT n (real-time)
  kRecoverRequest,       ///< DLE ENQ n (real-time): 1 recover, 2 recover clearing the buffers
  kClearBuffers,         ///< DLE DC4 fn 8 with its fixed parameters (real-time)
  kRealTimeOther,        ///< DLE DC4 other functions (real-time, no answer)
  kIgnored,              ///< a known command this printer does not model (skipped whole)
  kUnknown,              ///< an unknown escape sequence (its introducer and code skipped)
  kOversized,    ///< a command too large to buffer; size = the bytes seen so far, x = its whole
                 ///< size (capped at INT_MAX); the rest of it follows as kSkippedData
  kSkippedData,  ///< more bytes of an oversized command, dropped; size = their count
};

/// True for the commands a printer handles on arrival, ahead of the data
/// waiting to be printed (`DLE EOT`, `DLE ENQ`, `DLE DC4`).
bool IsRealTime(CommandKind kind);

/// One parsed command. `data` points into the parser's buffer and is valid
/// only during the sink call.
struct Command {
  CommandKind kind = CommandKind::kUnknown;
  int m = 0;
  int n = 0;
  int x = 0;
  int y = 0;
  ByteView data;
  /// Bytes the command took from the stream (the sum over all commands is the
  /// number of bytes fed, minus pending()).
  size_t size = 0;
  /// The introducer (ESC, GS, FS, DLE; 0 for text and single control bytes),
  /// the code after it, and for `GS (`, `FS (` and `GS 8 L` the letter and the
  /// function byte: what CommandName() shows.
  uint8_t prefix = 0;
  uint8_t code = 0;
  uint8_t letter = 0;
  int function = -1;
};

/// A short name of the command for reports: "ESC p", "GS ( E fn 3",
/// "GS 8 L fn 67", "ESC 0x01", "LF", "text".
std::string CommandName(const Command& command);

/// Receives parsed commands.
///
/// Thread safety: called on the thread that calls EscposParser::Feed().
class CommandSink {
 public:
  virtual ~CommandSink() = default;
  virtual void OnCommand(const Command& command) = 0;
};

/// The largest command buffered whole (a raster band); bigger ones are skipped
/// as kOversized without being buffered.
inline constexpr size_t kMaxBufferedCommand = 4 * 1024 * 1024;

/// Splits an ESC/POS byte stream into commands. Feed() may be called with any
/// split of the stream; a command cut across calls is completed by the next one.
///
/// Thread safety: not thread-safe; one connection feeds one parser.
class EscposParser {
 public:
  EscposParser() = default;
  EscposParser(const EscposParser&) = delete;
  EscposParser& operator=(const EscposParser&) = delete;

  /// Parses `bytes` and calls `sink` for every complete command, in order.
  void Feed(ByteView bytes, CommandSink& sink);
  /// Drops an incomplete command at the end of the stream (connection closed).
  /// @returns the number of bytes dropped
  size_t Reset();
  /// Bytes waiting for the rest of their command.
  size_t pending() const { return pending_.size() - offset_; }

 private:
  Bytes pending_;
  size_t offset_ = 0;
  size_t skip_ = 0;  // bytes of an oversized command still to discard
};

}  // namespace mykey::vprinter
