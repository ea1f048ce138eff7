// Golden ESC/POS files: tests/golden/receipt/<case>.bin, written by tests/golden/rebless.sh.
#include <fstream>
#include <iterator>
#include <string>
#include <variant>
#include <vector>

#include "golden_documents.h"
#include "mykey/receipt/escpos_encoder.h"
#include "mykey/receipt/image.h"
#include "mykey/testing/catch.h"

namespace mykey::receipt {
namespace {

Bytes ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST_CASE("Every golden document encodes to exactly its golden ESC/POS bytes") {
  for (const golden::GoldenCase& c : golden::GoldenCases()) {
    INFO(c.name << " (re-bless with tests/golden/rebless.sh after an intended change)");
    auto profile = PrinterProfile::Named(c.profile);
    REQUIRE(profile);
    EscPosEncoder encoder(*profile);
    auto encoded = encoder.Encode(c.document);
    REQUIRE(encoded);
    const Bytes expected = ReadFile(std::string(MYKEY_RECEIPT_GOLDEN_DIR) + "/" + c.name + ".bin");
    REQUIRE_FALSE(expected.empty());
    const Bytes& actual = encoded->bytes;
    const auto mismatch =
        std::mismatch(actual.begin(), actual.end(), expected.begin(), expected.end());
    INFO("first difference at byte " << (mismatch.first - actual.begin()) << " of " << actual.size()
                                     << " (golden " << expected.size() << ")");
    CHECK(actual == expected);
  }
}

TEST_CASE("Every golden QR review PNG is the case's current QR raster and decodes to its payload") {
  int checked = 0;
  for (const golden::GoldenCase& c : golden::GoldenCases()) {
    auto profile = PrinterProfile::Named(c.profile);
    REQUIRE(profile);
    EscPosEncoder encoder(*profile);
    auto encoded = encoder.Encode(c.document);
    REQUIRE(encoded);
    size_t n = 0;
    for (const Element& element : c.document.elements()) {
      const auto* qr = std::get_if<QrCode>(&element);
      if (qr == nullptr) continue;
      REQUIRE(n < encoded->qr_codes.size());
      const int module_dots = encoded->qr_codes[n++].module_dots;
      const std::string name =
          c.name + "-qr" + (n == 1 ? std::string() : std::to_string(n)) + ".png";
      INFO(name << " (re-bless with tests/golden/rebless.sh after an intended change)");
      auto png = LoadGreyImage(std::string(MYKEY_RECEIPT_GOLDEN_DIR) + "/" + name);
      REQUIRE(png);
      auto raster = QrSymbol::Encode(qr->payload, qr->error_correction)->Render(module_dots);
      REQUIRE(raster);
      CHECK(png->pixels == raster->ToGrey());
      CHECK(DecodeQrCodes(png->view()) == std::vector<std::string>{qr->payload});
      ++checked;
    }
  }
  CHECK(checked == 3);
}

}  // namespace
}  // namespace mykey::receipt
