#include "mykey/receipt/printer_profile.h"

namespace mykey::receipt {

namespace {

PrinterProfile Generic(std::string name, int paper_mm, bool kanji, bool native) {
  PrinterProfile p;
  p.name = std::move(name);
  p.paper_mm = paper_mm;
  p.printable_dots = paper_mm == 80 ? 576 : 384;
  p.columns = paper_mm == 80 ? 48 : 32;
  p.kanji = kanji;
  // Japanese models start in the katakana page; PC437's letters and signs sit on Shift_JIS lead
  // bytes, which such a printer reads as half of a kanji.
  p.code_page = kanji ? CodePage::kKatakana : (native ? CodePage::kPc437 : CodePage::kAsciiOnly);
  p.native_qr = native;
  p.native_barcode = native;
  return p;
}

}  // namespace

Status PrinterProfile::Validate() const {
  if (printable_dots < 8 || printable_dots > 4096) {
    return Fail(ErrorCode::kInvalidArgument, "profile: printable_dots out of range");
  }
  if (font_a_width_dots < 1 || font_a_height_dots < 1 || font_a_height_dots > 255) {
    return Fail(ErrorCode::kInvalidArgument, "profile: font size out of range");
  }
  if (columns < 2 || columns * font_a_width_dots > printable_dots) {
    return Fail(ErrorCode::kInvalidArgument, "profile: columns do not fit the printable width");
  }
  if (line_spacing_dots < 1 || line_spacing_dots > 255) {
    return Fail(ErrorCode::kInvalidArgument, "profile: line_spacing_dots out of range");
  }
  if (qr_min_module_dots < 1 || qr_max_module_dots < qr_min_module_dots ||
      qr_max_module_dots > 16) {
    return Fail(ErrorCode::kInvalidArgument, "profile: QR module size bounds out of range");
  }
  if (max_raster_rows < 1 || max_raster_rows > 65535) {
    return Fail(ErrorCode::kInvalidArgument, "profile: max_raster_rows out of range");
  }
  return Ok();
}

Result<PrinterProfile> PrinterProfile::Named(std::string_view name) {
  if (name == "generic-58-kanji") return Generic(std::string(name), 58, true, true);
  if (name == "generic-80-kanji") return Generic(std::string(name), 80, true, true);
  if (name == "generic-58-raster-only") return Generic(std::string(name), 58, false, false);
  if (name == "generic-80-raster-only") return Generic(std::string(name), 80, false, false);
  if (name == "generic-58-kanji-raster-qr") {
    PrinterProfile p = Generic(std::string(name), 58, true, true);
    p.native_qr = false;
    return p;
  }
  return Fail(ErrorCode::kNotFound, "no printer profile of that name");
}

std::vector<std::string_view> PrinterProfileNames() {
  return {"generic-58-kanji", "generic-80-kanji", "generic-58-raster-only",
          "generic-80-raster-only", "generic-58-kanji-raster-qr"};
}

}  // namespace mykey::receipt
