#include "barcode_symbols.h"

#include <numeric>

#include "mykey/testing/catch.h"

namespace mykey::vprinter {
namespace {

// The runs as modules: "1" for each dot of a bar, "0" for a space, at 1 dot a module.
std::string Modules(const BarcodeRuns& runs) {
  std::string out;
  bool bar = true;
  for (int run : runs.runs) {
    out.append(static_cast<size_t>(run), bar ? '1' : '0');
    bar = !bar;
  }
  return out;
}

TEST_CASE("EAN-13 is 95 modules with the check digit added; the first digit picks the parity") {
  auto ean = EncodeBarcode(67, "490123456789", 1);
  REQUIRE(ean);
  CHECK(ean->symbology == "EAN13");
  CHECK(ean->hri == "4901234567894");
  const std::string modules = Modules(*ean);
  REQUIRE(modules.size() == 95);
  CHECK(modules.substr(0, 3) == "101");
  // First digit 4: L G L L G G for digits 2-7; digit 2 is 9 in L: 0001011.
  CHECK(modules.substr(3, 7) == "0001011");
  // Digit 3 is 0 in G: 0100111.
  CHECK(modules.substr(10, 7) == "0100111");
  CHECK(modules.substr(45, 5) == "01010");
  // The check digit 4 in R: 1011100.
  CHECK(modules.substr(85, 7) == "1011100");
  CHECK(modules.substr(92) == "101");
  CHECK(EncodeBarcode(2, "4901234567894", 3)->width() == 95 * 3);
}

TEST_CASE("A wrong EAN/UPC check digit or length is invalid data") {
  for (auto [system, data] : {std::pair{67, "4901234567890"}, std::pair{67, "49012345"},
                              std::pair{65, "012345678901"}, std::pair{68, "4901234x"}}) {
    CAPTURE(data);
    auto encoded = EncodeBarcode(system, data, 2);
    REQUIRE_FALSE(encoded);
    CHECK(encoded.error().code() == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("UPC-A and EAN-8 have their sizes and check digits") {
  auto upc = EncodeBarcode(0, "01234567890", 1);
  REQUIRE(upc);
  CHECK(upc->hri == "012345678905");
  CHECK(Modules(*upc).size() == 95);
  auto ean8 = EncodeBarcode(3, "4901234", 1);
  REQUIRE(ean8);
  CHECK(ean8->hri == "49012347");
  CHECK(Modules(*ean8).size() == 67);
}

TEST_CASE("CODE39 adds start and stop; wide elements follow the GS w table") {
  auto code = EncodeBarcode(69, "AB", 2);
  REQUIRE(code);
  CHECK(code->hri == "*AB*");
  // 4 characters of 9 elements, 3 of them wide (5 dots at narrow 2), and 3 gaps.
  CHECK(code->runs.size() == 4 * 9 + 3);
  CHECK(code->width() == 4 * (6 * 2 + 3 * 5) + 3 * 2);
  CHECK(EncodeBarcode(4, "*AB*", 2)->hri == "*AB*");
  CHECK_FALSE(EncodeBarcode(4, "ab", 2));
  CHECK_FALSE(EncodeBarcode(4, "A*B", 2));
}

TEST_CASE("ITF takes pairs of digits (an odd last digit is dropped), CODABAR needs A-D") {
  auto itf = EncodeBarcode(70, "123", 2);
  REQUIRE(itf);
  CHECK(itf->hri == "12");
  CHECK(itf->runs.size() == 4 + 10 + 3);
  CHECK_FALSE(EncodeBarcode(5, "12a4", 2));
  auto codabar = EncodeBarcode(71, "a123b", 2);
  REQUIRE(codabar);
  CHECK(codabar->runs.size() == 5 * 7 + 4);
  CHECK_FALSE(EncodeBarcode(6, "1234", 2));
  CHECK_FALSE(EncodeBarcode(6, "A1B2A", 2));
}

TEST_CASE("Symbologies not drawn here are unimplemented, with their names") {
  auto upce = EncodeBarcode(66, "0123456", 2);
  REQUIRE_FALSE(upce);
  CHECK(upce.error().code() == ErrorCode::kUnimplemented);
  CHECK(BarcodeSystemName(66) == "UPC-E");
  CHECK(BarcodeSystemName(2) == "EAN13");
  CHECK(BarcodeSystemName(200) == "system 200");
}

}  // namespace
}  // namespace mykey::vprinter
