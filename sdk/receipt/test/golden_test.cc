// Golden ESC/POS files: tests/golden/receipt/<case>.bin, written by tests/golden/rebless.sh.
#include <fstream>
#include <iterator>

#include "golden_documents.h"
#include "mykey/receipt/escpos_encoder.h"
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

}  // namespace
}  // namespace mykey::receipt
