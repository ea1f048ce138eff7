#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "mykey/receipt/bitmap.h"

namespace mykey::receipt {

/// Horizontal placement of a line, image or symbol on the paper.
enum class Alignment : uint8_t { kLeft, kCenter, kRight };

/// How a text line looks. Scales are character multipliers (`GS !`): 1 = normal, 2 = double.
struct TextStyle {
  int width_scale = 1;   ///< 1..8
  int height_scale = 1;  ///< 1..8
  bool bold = false;
  bool underline = false;
  Alignment alignment = Alignment::kLeft;

  friend bool operator==(const TextStyle&, const TextStyle&) = default;
};

/// A line of UTF-8 text. Longer than the paper, it wraps (full-width characters count as two
/// columns); '\n' starts a new line. Control characters other than '\n' and '\t' are refused, so
/// that text can never inject printer commands.
struct TextLine {
  std::string utf8;
  TextStyle style;
};

/// A horizontal rule across the paper.
struct Rule {
  enum class Kind : uint8_t {
    kDashes,  ///< a line of '-' in font A
    kDrawn,   ///< a solid bar drawn as a raster image
  };
  Kind kind = Kind::kDashes;
  int thickness_dots = 2;  ///< for kDrawn: 1..24
};

/// A 1-bit image, printed as `GS v 0`.
struct Image {
  Bitmap bitmap;  ///< at most the printable width of the paper
  Alignment alignment = Alignment::kCenter;
};

/// QR error correction level.
enum class QrErrorCorrection : uint8_t { kL, kM, kQ, kH };

/// A QR code (model 2). The version is the smallest that holds the payload; the module size is
/// chosen so that the symbol and its 4-module quiet zone fit the printable width.
struct QrCode {
  std::string payload;  ///< bytes; alphanumeric mode when all are in the QR alphanumeric set
  QrErrorCorrection error_correction = QrErrorCorrection::kM;
  /// Preferred dots per module, at least the profile's qr_min_module_dots; 0 = the largest the
  /// profile allows that fits.
  int module_dots = 0;
  Alignment alignment = Alignment::kCenter;
};

/// A one-dimensional barcode.
struct Barcode {
  enum class Symbology : uint8_t {
    kCode128,  ///< any printable ASCII; digit runs in code set C (two digits a symbol)
    kEan13,    ///< EAN-13 / JAN (Japanese product codes, 45/49...): 13 digits
  };
  /// kCode128: printable ASCII (0x20-0x7E), at most 80 characters. kEan13: 12 digits (the check
  /// digit is computed) or 13 (the last is checked).
  std::string data;
  Symbology symbology = Symbology::kCode128;
  int height_dots = 80;        ///< 1..255
  int module_dots = 2;         ///< narrowest bar, 1..6 dots (EAN-13: 2..6, 1 does not scan)
  bool human_readable = true;  ///< print the data under the bars
  Alignment alignment = Alignment::kCenter;
};

/// Feeds blank lines (`ESC d n`).
struct Feed {
  int lines = 1;  ///< 0..255
};

/// Cuts the paper after feeding it to the cutter (`GS V` function B).
struct Cut {
  enum class Kind : uint8_t { kFull, kPartial };
  Kind kind = Kind::kPartial;
  int feed_dots = 0;  ///< extra feed before the cut, 0..255
};

/// One element of a receipt.
using Element = std::variant<TextLine, Rule, Image, QrCode, Barcode, Feed, Cut>;

/// A receipt or voucher: a sequence of elements, printed top to bottom. Encoding checks the
/// elements (see EscPosEncoder); building never fails.
///
/// Thread safety: a value type; distinct objects may be used from different threads.
class Document {
 public:
  /// Appends a text line. @returns *this
  Document& Text(std::string utf8, TextStyle style = {});
  /// Appends a rule. @returns *this
  Document& AddRule(Rule rule = {});
  /// Appends an image. @returns *this
  Document& AddImage(Bitmap bitmap, Alignment alignment = Alignment::kCenter);
  /// Appends a QR code. @returns *this
  Document& AddQr(QrCode qr);
  /// Appends a barcode. @returns *this
  Document& AddBarcode(Barcode barcode);
  /// Appends a feed of `lines` lines. @returns *this
  Document& AddFeed(int lines = 1);
  /// Appends a cut. @returns *this
  Document& AddCut(Cut cut = {});
  /// Appends any element. @returns *this
  Document& Add(Element element);

  const std::vector<Element>& elements() const { return elements_; }

 private:
  std::vector<Element> elements_;
};

}  // namespace mykey::receipt
