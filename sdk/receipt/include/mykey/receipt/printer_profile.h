#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mykey/base/result.h"
#include "mykey/receipt/text.h"

namespace mykey::receipt {

/// What a receipt printer can do: paper, fonts, native QR, kanji mode, code page. The encoder
/// uses native commands where the profile has them and raster images (`GS v 0`) otherwise.
///
/// Thread safety: a value type; distinct objects may be used from different threads.
struct PrinterProfile {
  std::string name;
  int paper_mm = 58;
  int printable_dots = 384;  ///< 384 on 58 mm paper, 576 on 80 mm, at 203 dpi
  int dpi = 203;
  int font_a_width_dots = 12;  ///< font A is 12 x 24 dots (kanji 24 x 24)
  int font_a_height_dots = 24;
  int columns = 32;            ///< font A characters per line: 32 (58 mm), 48 (80 mm)
  int line_spacing_dots = 30;  ///< set with `ESC 3 n` at the start of every job
  bool kanji = true;           ///< Shift_JIS kanji mode (`FS C 1`, `FS &`, `FS .`)
  /// Single-byte text (`ESC t n`). With `kanji`, a code page byte in a Shift_JIS lead range
  /// (0x81-0x9F, 0xE0-0xFC) is never sent: the character prints as a kanji or a raster instead.
  CodePage code_page = CodePage::kPc437;
  bool native_qr = true;       ///< `GS ( k` QR model 2
  bool native_barcode = true;  ///< `GS k` CODE128
  int qr_min_module_dots = 3;  ///< smallest module that still scans from paper
  int qr_max_module_dots = 8;  ///< cap on the automatic module size
  int max_raster_rows = 2048;  ///< taller images are sent as several `GS v 0` bands

  /// Checks the fields are consistent (positive sizes, columns x font width <= printable dots,
  /// 1 <= qr_min_module_dots <= qr_max_module_dots <= 16).
  /// @returns kInvalidArgument naming the first bad field.
  Status Validate() const;

  /// A preset by name (see PrinterProfileNames()).
  /// @returns kNotFound for an unknown name.
  static Result<PrinterProfile> Named(std::string_view name);
};

/// The preset names: "generic-58-kanji", "generic-80-kanji", "generic-58-raster-only",
/// "generic-80-raster-only", "generic-58-kanji-raster-qr". The kanji presets use the katakana
/// page (`ESC t 1`), the raster-only ones printable ASCII only.
std::vector<std::string_view> PrinterProfileNames();

}  // namespace mykey::receipt
