#include "mykey/receipt/qr.h"

#include <unistd.h>
#include <array>
#include <cstdio>
#include <string>

#include "golden_documents.h"
#include "mykey/testing/catch.h"

namespace mykey::receipt {
namespace {

using golden::VoucherPayload;

TEST_CASE("A 100-character Base45 payload at level M is a version 5 alphanumeric symbol") {
  auto symbol = QrSymbol::Encode(VoucherPayload(), QrErrorCorrection::kM);
  REQUIRE(symbol);
  CHECK(symbol->mode() == QrMode::kAlphanumeric);
  CHECK(symbol->version() == 5);
  CHECK(symbol->modules() == 37);
}

TEST_CASE("Byte payloads use byte mode and digits numeric mode") {
  auto bytes = QrSymbol::Encode("https://example.jp/v?x=1", QrErrorCorrection::kL);
  REQUIRE(bytes);
  CHECK(bytes->mode() == QrMode::kByte);
  auto digits = QrSymbol::Encode("0123456789", QrErrorCorrection::kL);
  REQUIRE(digits);
  CHECK(digits->mode() == QrMode::kNumeric);
  CHECK(digits->version() == 1);
}

TEST_CASE("An empty payload or one beyond version 40 is refused") {
  auto empty = QrSymbol::Encode("", QrErrorCorrection::kM);
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code() == ErrorCode::kInvalidArgument);
  auto huge = QrSymbol::Encode(std::string(3000, 'x'), QrErrorCorrection::kH);
  REQUIRE_FALSE(huge);
  CHECK(huge.error().code() == ErrorCode::kOutOfRange);
}

TEST_CASE("The module size is the largest that fits with the quiet zone, within the caps") {
  // Version 5: 37 modules + 8 of quiet zone = 45.
  CHECK(ChooseQrModuleDots(37, 384, 3, 8) == 8);   // 58 mm: 360 dots
  CHECK(ChooseQrModuleDots(37, 576, 3, 8) == 8);   // 80 mm: capped
  CHECK(ChooseQrModuleDots(37, 384, 3, 16) == 8);  // 384 / 45 = 8.5
  CHECK(ChooseQrModuleDots(37, 576, 3, 16) == 12);
  // Version 10: 57 + 8 = 65 modules.
  CHECK(ChooseQrModuleDots(57, 384, 3, 8) == 5);
  CHECK(ChooseQrModuleDots(57, 576, 3, 8) == 8);
  CHECK(ChooseQrModuleDots(37, 384, 3, 8, 4) == 4);  // a preferred size that fits
}

TEST_CASE("A QR code that does not fit even at the minimum module size is an error") {
  // Version 30: 137 modules + 8 = 145; 384 / 145 = 2 < 3.
  auto choice = ChooseQrModuleDots(137, 384, 3, 8);
  REQUIRE_FALSE(choice);
  CHECK(choice.error().code() == ErrorCode::kOutOfRange);
  CHECK(ChooseQrModuleDots(137, 576, 3, 8) == 3);
  auto preferred = ChooseQrModuleDots(37, 384, 3, 8, 9);
  REQUIRE_FALSE(preferred);
  CHECK(preferred.error().code() == ErrorCode::kOutOfRange);
}

TEST_CASE("A requested module size below the minimum is refused: 1-2 dot modules do not scan") {
  for (int dots : {1, 2}) {
    INFO(dots);
    auto choice = ChooseQrModuleDots(37, 384, 3, 8, dots);
    REQUIRE_FALSE(choice);
    CHECK(choice.error().code() == ErrorCode::kOutOfRange);
  }
  CHECK(ChooseQrModuleDots(37, 384, 3, 8, 3) == 3);
  CHECK(ChooseQrModuleDots(37, 384, 1, 8, 1) == 1);  // a profile may allow it
}

TEST_CASE("A rendered QR code decodes back to its payload with ZXing") {
  auto symbol = QrSymbol::Encode(VoucherPayload(), QrErrorCorrection::kM);
  REQUIRE(symbol);
  auto raster = symbol->Render(3);
  REQUIRE(raster);
  CHECK(raster->width() == 45 * 3);
  CHECK(DecodeQr(*raster) == VoucherPayload());
  CHECK(VerifyQrRaster(*raster, VoucherPayload()));
}

TEST_CASE("A damaged or different QR raster fails verification with data loss") {
  auto symbol = QrSymbol::Encode(VoucherPayload(), QrErrorCorrection::kM);
  REQUIRE(symbol);
  auto raster = symbol->Render(4);
  REQUIRE(raster);
  auto other = VerifyQrRaster(*raster, "SOMETHING ELSE");
  REQUIRE_FALSE(other);
  CHECK(other.error().code() == ErrorCode::kDataLoss);
  // Wipe the middle third: more than level M can correct.
  raster->FillRect(raster->width() / 3, 0, raster->width() / 3, raster->height(), false);
  auto damaged = VerifyQrRaster(*raster, VoucherPayload());
  REQUIRE_FALSE(damaged);
  CHECK(damaged.error().code() == ErrorCode::kDataLoss);
}

TEST_CASE("zbarimg, an independent decoder, reads the QR code from a PNG we wrote") {
  auto symbol = QrSymbol::Encode(VoucherPayload(), QrErrorCorrection::kM);
  REQUIRE(symbol);
  auto raster = symbol->Render(8);
  REQUIRE(raster);
  std::array<char, 32> path{};
  std::snprintf(path.data(), path.size(), "/tmp/mykey-qr-%d.png", static_cast<int>(getpid()));
  REQUIRE(WritePng(*raster, path.data()));
  const std::string command = std::string("zbarimg --raw -q --nodbus ") + path.data();
  std::FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  std::array<char, 256> buffer{};
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    output.append(buffer.data(), n);
  const int rc = pclose(pipe);
  std::remove(path.data());
  CHECK(rc == 0);
  while (!output.empty() && output.back() == '\n') output.pop_back();
  CHECK(output == VoucherPayload());
}

TEST_CASE("A CODE128 raster decodes back to its data and bad data is refused") {
  auto bars = RenderCode128("SB-0042-20250401", 2, 60);
  REQUIRE(bars);
  CHECK(bars->height() == 60);
  CHECK(DecodeCode128(*bars) == std::string("SB-0042-20250401"));
  auto bad = RenderCode128("有効", 2, 60);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("The EAN-13 check digit is computed for 12 digits and checked for 13") {
  CHECK(Ean13WithCheckDigit("490123456789") == std::string("4901234567894"));
  CHECK(Ean13WithCheckDigit("4901234567894") == std::string("4901234567894"));
  CHECK(Ean13WithCheckDigit("978030640615") == std::string("9780306406157"));  // an ISBN
  CHECK(Ean13WithCheckDigit("450000000000") == std::string("4500000000001"));  // 4 + 5 x 3
  for (const char* bad : {"4901234567890", "49012345678", "49012345678901", "49O123456789"}) {
    INFO(bad);
    auto refused = Ean13WithCheckDigit(bad);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code() == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("An EAN-13 raster is 113 modules with its quiet zones and decodes back") {
  auto bars = RenderEan13("978030640615", 2, 50);
  REQUIRE(bars);
  CHECK(bars->width() == 113 * 2);
  CHECK(bars->Cropped(0, 0, 11 * 2, 50).CountBlack() == 0);       // left quiet zone
  CHECK(bars->Cropped(106 * 2, 0, 7 * 2, 50).CountBlack() == 0);  // right quiet zone
  CHECK(DecodeEan13(*bars) == std::string("9780306406157"));
  CHECK_FALSE(RenderEan13("9780306406150", 2, 50));
}

TEST_CASE("ZXing draws all-digit CODE128 in code set C: 14 digits take 112 modules, not 189") {
  auto bars = RenderCode128("12345678901234", 1, 10);
  REQUIRE(bars);
  CHECK(bars->width() == 11 * (1 + 7 + 1) + 13 + 20);
}

}  // namespace
}  // namespace mykey::receipt
