#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/base/result.h"
#include "mykey/receipt/bitmap.h"
#include "mykey/receipt/document.h"

namespace mykey::receipt {

/// Quiet zone around a QR symbol, in modules (ISO/IEC 18004).
inline constexpr int kQrQuietZoneModules = 4;

/// How the payload is encoded in the symbol.
enum class QrMode : uint8_t { kNumeric, kAlphanumeric, kByte };

/// A QR code model 2 symbol made by libqrencode: the module matrix.
///
/// Thread safety: a value type; distinct objects may be used from different threads.
class QrSymbol {
 public:
  /// Encodes `payload` in the smallest version that holds it, in one segment: numeric if all are
  /// digits, alphanumeric if all are in the QR alphanumeric set (Base45 is), bytes otherwise.
  /// @returns kInvalidArgument for an empty payload; kOutOfRange if it does not fit version 40
  ///          at this level; kInternal if libqrencode fails otherwise.
  static Result<QrSymbol> Encode(std::string_view payload, QrErrorCorrection level);

  int version() const { return version_; }
  /// Modules per side: 17 + 4 x version.
  int modules() const { return modules_; }
  QrMode mode() const { return mode_; }
  QrErrorCorrection level() const { return level_; }
  /// True for a dark module; (0,0) is the top-left module, no quiet zone.
  bool Dark(int x, int y) const;

  /// The symbol as dots: each module module_dots x module_dots, with `quiet_zone_modules` of
  /// white around it.
  /// @returns kInvalidArgument for module_dots outside 1..16 or a negative quiet zone.
  Result<Bitmap> Render(int module_dots, int quiet_zone_modules = kQrQuietZoneModules) const;

 private:
  int version_ = 0;
  int modules_ = 0;
  QrMode mode_ = QrMode::kByte;
  QrErrorCorrection level_ = QrErrorCorrection::kM;
  std::vector<uint8_t> dark_;
};

/// Chooses the module size: the largest size in [min_dots, max_dots] (or exactly `preferred`
/// when > 0, if it is at least min_dots and fits) for which modules + 2 x quiet zone fits in
/// `printable_dots`.
/// @returns kOutOfRange if even min_dots does not fit, or `preferred` is below min_dots (1-2 dot
///          modules do not scan from paper) or does not fit; kInvalidArgument for inconsistent
///          bounds.
Result<int> ChooseQrModuleDots(int modules, int printable_dots, int min_dots, int max_dots,
                               int preferred = 0);

/// Decodes the one QR code in `bitmap` with ZXing-cpp.
/// @returns the payload bytes; kNotFound if no QR code decodes; kInternal if ZXing throws.
Result<std::string> DecodeQr(const Bitmap& bitmap);

/// Decodes `bitmap` with ZXing-cpp and checks it gives back `payload` exactly. This is the proof
/// that a voucher's QR will scan before it is sent to the printer.
/// @returns kDataLoss if no QR code decodes or it decodes to something else.
Status VerifyQrRaster(const Bitmap& bitmap, std::string_view payload);

/// A CODE128 barcode drawn as dots (made with ZXing-cpp's writer), with a 10-module quiet zone.
/// @param data        printable ASCII, 1..80 characters
/// @param module_dots dots per module, 1..6
/// @param height_dots bar height, 1..255
/// @returns kInvalidArgument for bad data or sizes; kInternal if ZXing fails.
Result<Bitmap> RenderCode128(std::string_view data, int module_dots, int height_dots);

/// Decodes the one CODE128 barcode in `bitmap` with ZXing-cpp.
/// @returns the data; kNotFound if none decodes; kInternal if ZXing throws.
Result<std::string> DecodeCode128(const Bitmap& bitmap);

/// Quiet zones of an EAN-13 symbol, in modules: 11 on the left, 7 on the right (ISO/IEC 15420).
inline constexpr int kEan13LeftQuietModules = 11;
inline constexpr int kEan13RightQuietModules = 7;
/// Modules of an EAN-13 symbol without its quiet zones.
inline constexpr int kEan13Modules = 95;

/// The 13 digits of an EAN-13 (JAN) code: 12 digits with their check digit appended, or 13
/// digits whose check digit is right.
/// @returns kInvalidArgument for anything but 12 or 13 digits, or a wrong check digit.
/// Thread safety: safe from any thread.
Result<std::string> Ean13WithCheckDigit(std::string_view digits);

/// An EAN-13 barcode drawn as dots (ZXing-cpp's writer), with its 11- and 7-module quiet zones,
/// bars at full height (the digits are printed as a text line by the encoder).
/// @param digits      12 or 13 digits (see Ean13WithCheckDigit())
/// @param module_dots dots per module, 1..6
/// @param height_dots bar height, 1..255
/// @returns kInvalidArgument for bad digits or sizes; kInternal if ZXing fails.
Result<Bitmap> RenderEan13(std::string_view digits, int module_dots, int height_dots);

/// Decodes the one EAN-13 barcode in `bitmap` with ZXing-cpp.
/// @returns the 13 digits; kNotFound if none decodes; kInternal if ZXing throws.
Result<std::string> DecodeEan13(const Bitmap& bitmap);

}  // namespace mykey::receipt
