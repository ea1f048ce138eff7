#pragma once

// The documents behind the golden ESC/POS files in tests/golden/receipt/, shared by the golden
// test and the bless program (mykey-receipt-bless).

#include <string>
#include <vector>

#include "mykey/receipt/document.h"
#include "mykey/receipt/printer_profile.h"

namespace mykey::receipt::golden {

struct GoldenCase {
  std::string name;  ///< file name without ".bin"
  std::string profile;
  Document document;
};

/// A 100-character Base45 string (QR alphanumeric), the size of a signed voucher token.
std::string VoucherPayload();

/// A point voucher in Japanese with its QR code and serial.
Document VoucherDocument();

/// A grey logo drawn in code, converted with ToPrintBitmap() (Floyd–Steinberg, 96 dots wide).
Bitmap ShopLogo();

/// A shop receipt in Japanese and ASCII with a logo, a JAN (EAN-13) item code and a CODE128
/// barcode.
Document ShopReceiptDocument();

/// Lines with characters outside JIS X 0208 (𠮷, 髙, 﨑), printed through the raster fallback.
Document GaijiDocument();

/// Every golden case.
std::vector<GoldenCase> GoldenCases();

}  // namespace mykey::receipt::golden
