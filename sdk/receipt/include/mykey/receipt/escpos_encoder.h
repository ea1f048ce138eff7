#pragma once

#include <memory>
#include <vector>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/receipt/document.h"
#include "mykey/receipt/glyph_rasterizer.h"
#include "mykey/receipt/printer_profile.h"
#include "mykey/receipt/qr.h"

namespace mykey::receipt {

/// Where and how a QR code of the document was placed.
struct QrPlacement {
  int version = 0;
  int modules = 0;  ///< per side, without quiet zone
  int module_dots = 0;
  int side_dots = 0;  ///< with the quiet zone
  QrMode mode = QrMode::kByte;
  bool native = false;    ///< `GS ( k` (true) or `GS v 0` raster (false)
  bool verified = false;  ///< the raster decoded back to the payload
};

/// The printer job and what the encoder decided.
struct EncodedReceipt {
  Bytes bytes;
  std::vector<QrPlacement> qr_codes;
  int native_text_lines = 0;  ///< printed lines, after wrapping
  int raster_text_lines = 0;  ///< lines that needed the raster fallback
};

/// Encoder options.
struct EncodeOptions {
  /// Decode every QR code's raster with ZXing before returning (for native QR, our own
  /// rendering of the same symbol at the chosen module size). On for vouchers; off only for
  /// benchmarks.
  bool verify_qr = true;
  /// The fonts the encoder opens, the first time a line needs the raster fallback, when it was
  /// given no GlyphRasterizer.
  std::vector<FontFace> fonts = DefaultFontFaces();
};

/// Turns a Document into ESC/POS bytes for a printer profile. Pure code: no I/O except reading
/// the font file, lazily, the first time a line needs the raster fallback.
///
/// Text: `ESC @` init, `ESC 3` line spacing, `ESC t` code page, `FS C 1` Shift_JIS; per line
/// `ESC a` alignment, `GS !` size, `ESC E` bold, `ESC -` / `FS -` underline; characters of the
/// code page as single bytes, characters of JIS X 0208 in kanji mode (`FS &` ... `FS .`). A line
/// with any character the profile cannot print natively is drawn with the font and sent as
/// `GS v 0`: nothing ever becomes '?', nor the font's empty .notdef box: a character no font has
/// is refused. Zero-width characters (combining marks, joiners, variation selectors) are not
/// drawn; a line of nothing else is a plain line feed. QR codes: `GS ( k` or `GS v 0`. Barcodes:
/// `GS k` CODE128 (code set C for digit runs) or EAN-13, or `GS v 0`.
///
/// Thread safety: not thread-safe (holds a GlyphRasterizer); use one per thread.
class EscPosEncoder {
 public:
  /// @param profile    the printer; checked on Encode()
  /// @param rasterizer borrowed fonts for the raster fallback; if null the encoder opens
  ///                   options.fonts itself when first needed
  explicit EscPosEncoder(PrinterProfile profile, GlyphRasterizer* rasterizer = nullptr,
                         EncodeOptions options = {});
  ~EscPosEncoder();
  EscPosEncoder(const EscPosEncoder&) = delete;
  EscPosEncoder& operator=(const EscPosEncoder&) = delete;

  /// Encodes a document.
  /// @returns the job, or
  ///   kInvalidArgument: bad profile, malformed UTF-8 or a control character in text, a
  ///                     character that needs the raster and that no installed font has a glyph
  ///                     for (domain kCodePoint, detail() its code point), a style or size out of
  ///                     range, an image wider than the paper, CODE128 data that is not
  ///                     printable ASCII, EAN-13 data that is not 12 or 13 digits or whose
  ///                     check digit does not match;
  ///   kOutOfRange:      a QR code or barcode that does not fit the paper even at its minimum
  ///                     module size; a QR payload too long for version 40;
  ///   kDataLoss:        a QR code whose raster did not decode back to its payload;
  ///   kNotFound:        a line needs the raster fallback and a required font file is
  ///                     missing (a job without such a line never opens the fonts).
  Result<EncodedReceipt> Encode(const Document& document);

  const PrinterProfile& profile() const { return profile_; }

 private:
  struct Job;
  Result<GlyphRasterizer*> Rasterizer();

  PrinterProfile profile_;
  GlyphRasterizer* rasterizer_;
  std::unique_ptr<GlyphRasterizer> owned_rasterizer_;
  EncodeOptions options_;
};

/// Encodes `document` for `profile` with default fonts and options (see EscPosEncoder::Encode).
Result<Bytes> EncodeEscPos(const Document& document, const PrinterProfile& profile);

}  // namespace mykey::receipt
