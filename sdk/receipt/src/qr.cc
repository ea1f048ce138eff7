// The one place libqrencode is used: QR symbols and module size.
#include "mykey/receipt/qr.h"

#include <qrencode.h>

#include <algorithm>
#include <cerrno>
#include <memory>

namespace mykey::receipt {

namespace {

bool IsQrAlphanumeric(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || c == ' ' || c == '$' || c == '%' ||
         c == '*' || c == '+' || c == '-' || c == '.' || c == '/' || c == ':';
}

QRecLevel LevelOf(QrErrorCorrection level) {
  switch (level) {
    case QrErrorCorrection::kL: return QR_ECLEVEL_L;
    case QrErrorCorrection::kM: return QR_ECLEVEL_M;
    case QrErrorCorrection::kQ: return QR_ECLEVEL_Q;
    case QrErrorCorrection::kH: return QR_ECLEVEL_H;
  }
  return QR_ECLEVEL_M;
}

struct InputDeleter {
  void operator()(QRinput* input) const { QRinput_free(input); }
};
struct CodeDeleter {
  void operator()(QRcode* code) const { QRcode_free(code); }
};

}  // namespace

Result<QrSymbol> QrSymbol::Encode(std::string_view payload, QrErrorCorrection level) {
  if (payload.empty()) return Fail(ErrorCode::kInvalidArgument, "empty QR payload");
  if (payload.size() > 7089) return Fail(ErrorCode::kOutOfRange, "QR payload too long");
  QrMode mode = QrMode::kByte;
  if (std::all_of(payload.begin(), payload.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    mode = QrMode::kNumeric;
  } else if (std::all_of(payload.begin(), payload.end(), IsQrAlphanumeric)) {
    mode = QrMode::kAlphanumeric;
  }
  std::unique_ptr<QRinput, InputDeleter> input(QRinput_new2(0, LevelOf(level)));
  if (!input)
    return Fail(ErrorCode::kInternal, "libqrencode: out of memory", ErrorDomain::kOs, errno);
  const QRencodeMode qr_mode = mode == QrMode::kNumeric        ? QR_MODE_NUM
                               : mode == QrMode::kAlphanumeric ? QR_MODE_AN
                                                               : QR_MODE_8;
  if (QRinput_append(input.get(), qr_mode, static_cast<int>(payload.size()),
                     reinterpret_cast<const unsigned char*>(payload.data())) != 0) {
    return Fail(ErrorCode::kInternal, "libqrencode refused the payload", ErrorDomain::kOs, errno);
  }
  errno = 0;
  std::unique_ptr<QRcode, CodeDeleter> code(QRcode_encodeInput(input.get()));
  if (!code) {
    if (errno == ERANGE) {
      return Fail(ErrorCode::kOutOfRange, "QR payload does not fit version 40 at this level");
    }
    return Fail(ErrorCode::kInternal, "libqrencode failed", ErrorDomain::kOs, errno);
  }
  QrSymbol symbol;
  symbol.version_ = code->version;
  symbol.modules_ = code->width;
  symbol.mode_ = mode;
  symbol.level_ = level;
  const size_t count = static_cast<size_t>(code->width) * static_cast<size_t>(code->width);
  symbol.dark_.resize(count);
  for (size_t i = 0; i < count; ++i) symbol.dark_[i] = code->data[i] & 1;
  return symbol;
}

bool QrSymbol::Dark(int x, int y) const {
  if (x < 0 || y < 0 || x >= modules_ || y >= modules_) return false;
  return dark_[static_cast<size_t>(y) * static_cast<size_t>(modules_) + static_cast<size_t>(x)] !=
         0;
}

Result<Bitmap> QrSymbol::Render(int module_dots, int quiet_zone_modules) const {
  if (module_dots < 1 || module_dots > 16 || quiet_zone_modules < 0 || quiet_zone_modules > 16) {
    return Fail(ErrorCode::kInvalidArgument, "QR module size or quiet zone out of range");
  }
  const int side = (modules_ + 2 * quiet_zone_modules) * module_dots;
  MYKEY_ASSIGN_OR_RETURN(Bitmap bitmap, Bitmap::Create(side, side));
  for (int y = 0; y < modules_; ++y) {
    for (int x = 0; x < modules_; ++x) {
      if (Dark(x, y)) {
        bitmap.FillRect((x + quiet_zone_modules) * module_dots,
                        (y + quiet_zone_modules) * module_dots, module_dots, module_dots, true);
      }
    }
  }
  return bitmap;
}

Result<int> ChooseQrModuleDots(int modules, int printable_dots, int min_dots, int max_dots,
                               int preferred) {
  if (modules < 21 || printable_dots < 1 || min_dots < 1 || max_dots < min_dots || max_dots > 16 ||
      preferred < 0 || preferred > 16) {
    return Fail(ErrorCode::kInvalidArgument, "QR module size bounds out of range");
  }
  const int side_modules = modules + 2 * kQrQuietZoneModules;
  const int fits = printable_dots / side_modules;
  if (preferred > 0) {
    if (preferred < min_dots) {
      return Fail(ErrorCode::kOutOfRange,
                  "requested QR module size is below the printer's minimum (smaller modules do "
                  "not scan from paper)");
    }
    if (preferred > fits) {
      return Fail(
          ErrorCode::kOutOfRange,
          "QR code with its quiet zone does not fit the paper at the requested module size");
    }
    return preferred;
  }
  if (fits < min_dots) {
    return Fail(
        ErrorCode::kOutOfRange,
        "QR code with its quiet zone does not fit the paper even at the minimum module size");
  }
  return std::min(fits, max_dots);
}

Result<std::string> Ean13WithCheckDigit(std::string_view digits) {
  if ((digits.size() != 12 && digits.size() != 13) ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Fail(ErrorCode::kInvalidArgument, "EAN-13 data must be 12 or 13 digits");
  }
  // Weights 1, 3, 1, 3 ... from the left over the first 12 digits.
  int sum = 0;
  for (size_t i = 0; i < 12; ++i) sum += (digits[i] - '0') * (i % 2 == 0 ? 1 : 3);
  const auto check = static_cast<char>('0' + (10 - sum % 10) % 10);
  if (digits.size() == 13 && digits[12] != check) {
    return Fail(ErrorCode::kInvalidArgument, "EAN-13 check digit does not match the data");
  }
  std::string out(digits.substr(0, 12));
  out.push_back(check);
  return out;
}

}  // namespace mykey::receipt
