#include "mykey/voucher/voucher_scanner.h"

#include <set>
#include <string>
#include <vector>

#include "mykey/base/base45.h"
#include "mykey/protocol/errors.h"
#include "mykey/receipt/qr.h"
#include "mykey/testing/catch.h"
#include "mykey/testing/temp_dir.h"
#include "mykey/voucher_testing/sample_vouchers.h"

namespace mykey::voucher {
namespace {

using std::chrono::days;

struct Fixture {
  Fixture() {
    auto k = testing::SampleVoucherKey();
    REQUIRE(k);
    key = std::make_unique<crypto::EcdsaPrivateKey>(std::move(*k));
    auto r = testing::SampleKeyRing();
    REQUIRE(r);
    ring = *r;
    auto t = protocol::EncodeVoucherToken(testing::SampleSoldFields(), *key);
    REQUIRE(t);
    token = *t;
  }
  std::unique_ptr<crypto::EcdsaPrivateKey> key;
  protocol::VoucherKeyRing ring;
  std::string token;
};

receipt::GreyImage QrImage(const std::string& payload) {
  auto symbol = receipt::QrSymbol::Encode(payload, receipt::QrErrorCorrection::kM);
  REQUIRE(symbol);
  auto bitmap = symbol->Render(4);
  REQUIRE(bitmap);
  return receipt::GreyImage::FromBitmap(*bitmap);
}

receipt::GreyImage VoucherPage(const char* profile_name) {
  auto profile = receipt::PrinterProfile::Named(profile_name);
  REQUIRE(profile);
  auto key = testing::SampleVoucherKey();
  REQUIRE(key);
  auto data = testing::SamplePrintData(testing::SampleSoldFields(), *key);
  REQUIRE(data);
  auto doc = BuildVoucherDocument(*data, *profile);
  REQUIRE(doc);
  auto page = testing::RenderOnVirtualPrinter(*doc, *profile, nullptr);
  REQUIRE(page);
  return receipt::GreyImage::FromBitmap(*page);
}

ScanFailure FailureOf(const Result<ScannedVoucher>& scanned) {
  REQUIRE_FALSE(scanned);
  return ScanFailureOf(scanned.error());
}

TEST_CASE("A scanned token verifies and gives back the fields it was signed with") {
  Fixture f;
  auto scanned = ScanVoucherText(f.token, f.ring, testing::SampleNow());
  REQUIRE(scanned);
  CHECK(scanned->fields() == testing::SampleSoldFields());
  CHECK(scanned->text == f.token);
  CHECK(scanned->token.key_id == f.key->KeyId());
}

TEST_CASE("A token pasted or typed by a keyboard scanner with a line end verifies") {
  Fixture f;
  for (const std::string& pasted : {f.token + "\n", f.token + "\r\n", " " + f.token + "\t"}) {
    auto scanned = ScanVoucherText(pasted, f.ring, testing::SampleNow());
    REQUIRE(scanned);
    CHECK(scanned->text == f.token);  // what goes on to the cloud, without the line end
  }
}

TEST_CASE("Each way a scanned token can be wrong has its own typed error") {
  Fixture f;
  const auto now = testing::SampleNow();
  CHECK(FailureOf(ScanVoucherText("https://example.jp/menu", f.ring, now)) ==
        ScanFailure::kNotAVoucher);
  CHECK(FailureOf(ScanVoucherText(f.token.substr(0, 60), f.ring, now)) == ScanFailure::kMalformed);
  CHECK(FailureOf(ScanVoucherText(f.token, protocol::VoucherKeyRing{}, now)) ==
        ScanFailure::kUnknownKey);

  // The last signature byte flipped: decodes, but does not verify.
  auto binary =
      Base45Decode(std::string_view(f.token).substr(protocol::kVoucherTokenPrefix.size()));
  REQUIRE(binary);
  binary->back() ^= 0x01;
  const std::string forged = std::string(protocol::kVoucherTokenPrefix) + Base45Encode(*binary);
  auto bad = ScanVoucherText(forged, f.ring, now);
  CHECK(FailureOf(bad) == ScanFailure::kBadSignature);
  CHECK(bad.error().code() == ErrorCode::kUnauthenticated);

  const auto after_expiry =
      std::chrono::sys_days(testing::SampleSoldFields().expires) + days(1);  // 09:00 JST
  auto expired = ScanVoucherText(f.token, f.ring, after_expiry);
  CHECK(FailureOf(expired) == ScanFailure::kExpired);
  CHECK(protocol::IsVoucherExpired(expired.error()));
  const auto before_issue = std::chrono::sys_days(testing::SampleSoldFields().issued) - days(5);
  CHECK(FailureOf(ScanVoucherText(f.token, f.ring, before_issue)) == ScanFailure::kNotYetValid);
}

TEST_CASE("A voucher printed on the virtual printer scans from its page on 58 and 80 mm") {
  Fixture f;
  for (const char* profile :
       {"generic-58-kanji", "generic-80-kanji", "generic-58-kanji-raster-qr"}) {
    INFO(profile);
    const receipt::GreyImage page = VoucherPage(profile);
    auto scanned = ScanVoucher(page.view(), f.ring, testing::SampleNow());
    REQUIRE(scanned);
    CHECK(scanned->fields() == testing::SampleSoldFields());
  }
}

TEST_CASE("An RGB camera frame with padded rows scans") {
  Fixture f;
  const receipt::GreyImage grey = QrImage(f.token);
  const int stride = grey.width * 3 + 5;
  std::vector<uint8_t> rgb(static_cast<size_t>(stride * grey.height), 0);
  for (int y = 0; y < grey.height; ++y) {
    for (int x = 0; x < grey.width; ++x) {
      for (int c = 0; c < 3; ++c) rgb[static_cast<size_t>(y * stride + x * 3 + c)] = grey.At(x, y);
    }
  }
  auto scanned = ScanVoucher(
      receipt::PixelView{rgb.data(), grey.width, grey.height, stride, receipt::PixelFormat::kRgb24},
      f.ring, testing::SampleNow());
  REQUIRE(scanned);
  CHECK(scanned->text == f.token);
}

TEST_CASE("In a frame with a shop's QR code and a voucher, the voucher is the one verified") {
  Fixture f;
  const receipt::GreyImage shop = QrImage("https://example.jp/shop");
  const receipt::GreyImage voucher = QrImage(f.token);
  receipt::GreyImage both;
  both.width = shop.width + voucher.width + 40;
  both.height = std::max(shop.height, voucher.height);
  both.pixels.assign(static_cast<size_t>(both.width * both.height), 255);
  for (int y = 0; y < both.height; ++y) {
    for (int x = 0; x < shop.width && y < shop.height; ++x) {
      both.pixels[static_cast<size_t>(y * both.width + x)] = shop.At(x, y);
    }
    for (int x = 0; x < voucher.width && y < voucher.height; ++x) {
      both.pixels[static_cast<size_t>(y * both.width + shop.width + 40 + x)] = voucher.At(x, y);
    }
  }
  auto scanned = ScanVoucher(both.view(), f.ring, testing::SampleNow());
  REQUIRE(scanned);
  CHECK(scanned->text == f.token);
  // Only the shop's code: not a voucher.
  CHECK(FailureOf(ScanVoucher(shop.view(), f.ring, testing::SampleNow())) ==
        ScanFailure::kNotAVoucher);
}

TEST_CASE("A frame without a QR code, or without pixels, says so") {
  Fixture f;
  receipt::GreyImage blank{300, 300, std::vector<uint8_t>(300 * 300, 255)};
  CHECK(FailureOf(ScanVoucher(blank.view(), f.ring, testing::SampleNow())) ==
        ScanFailure::kNoQrCode);
  CHECK(FailureOf(ScanVoucher(receipt::PixelView{}, f.ring, testing::SampleNow())) ==
        ScanFailure::kUnreadableImage);
}

TEST_CASE("A PNG file scans; a missing file or one that is not an image is unreadable") {
  Fixture f;
  mykey::testing::TempDir dir("voucher-scan");
  auto symbol = receipt::QrSymbol::Encode(f.token, receipt::QrErrorCorrection::kM);
  REQUIRE(symbol);
  auto bitmap = symbol->Render(5);
  REQUIRE(bitmap);
  const std::string png = dir.File("voucher.png");
  REQUIRE(receipt::WritePng(*bitmap, png));
  auto scanned = ScanVoucher(png, f.ring, testing::SampleNow());
  REQUIRE(scanned);
  CHECK(scanned->fields() == testing::SampleSoldFields());

  auto missing = ScanVoucher(dir.File("none.png"), f.ring, testing::SampleNow());
  CHECK(FailureOf(missing) == ScanFailure::kUnreadableImage);
  CHECK(missing.error().domain() == ErrorDomain::kOs);
  const std::string text = dir.Write("text.png", BytesOf("not an image"));
  CHECK(FailureOf(ScanVoucher(text, f.ring, testing::SampleNow())) ==
        ScanFailure::kUnreadableImage);
}

TEST_CASE("A typed serial is accepted as typed, and a typo is told apart from garbage") {
  const protocol::VoucherSerial serial = testing::SampleSoldFields().serial;
  std::string typed = serial.ToString();
  auto ok = VerifyTypedSerial(typed);
  REQUIRE(ok);
  CHECK(*ok == serial);
  std::string lower;
  for (char c : serial.Symbols()) lower.push_back(static_cast<char>(std::tolower(c)));
  CHECK(VerifyTypedSerial(lower.substr(0, 5) + " " + lower.substr(5)));

  // One symbol changed to another symbol of the alphabet: the check character catches it.
  std::string typo = serial.Symbols();
  typo[3] = typo[3] == 'A' ? 'B' : 'A';
  auto mismatch = VerifyTypedSerial(typo);
  REQUIRE_FALSE(mismatch);
  CHECK(ScanFailureOf(mismatch.error()) == ScanFailure::kSerialCheckFailed);

  // As a Japanese IME types it: full-width, with the katakana prolonged mark for '-'.
  std::string wide;
  for (char c : serial.ToString()) {
    if (c == '-') {
      wide += "ー";
      continue;
    }
    const char32_t w = 0xFF01 + static_cast<char32_t>(c - '!');
    wide += {static_cast<char>(0xE0 | (w >> 12)), static_cast<char>(0x80 | ((w >> 6) & 0x3F)),
             static_cast<char>(0x80 | (w & 0x3F))};
  }
  auto from_ime = VerifyTypedSerial(wide + "\r\n");
  REQUIRE(from_ime);
  CHECK(*from_ime == serial);

  auto letter_o = VerifyTypedSerial("O" + serial.Symbols().substr(1));
  REQUIRE_FALSE(letter_o);
  CHECK(ScanFailureOf(letter_o.error()) == ScanFailure::kSerialMalformed);
  auto short_serial = VerifyTypedSerial(serial.Symbols().substr(0, 8));
  REQUIRE_FALSE(short_serial);
  CHECK(ScanFailureOf(short_serial.error()) == ScanFailure::kSerialMalformed);
}

TEST_CASE("Scan failures have distinct names") {
  std::set<std::string> names;
  for (int i = 0; i <= static_cast<int>(ScanFailure::kSerialMalformed); ++i) {
    names.insert(ScanFailureName(static_cast<ScanFailure>(i)));
  }
  CHECK(names.size() == static_cast<size_t>(ScanFailure::kSerialMalformed) + 1);
}

}  // namespace
}  // namespace mykey::voucher
