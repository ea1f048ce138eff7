// mykey-receipt-bless <dir>: writes the golden ESC/POS files (<case>.bin) and a PNG of each
// case's QR raster for review. Run through tests/golden/rebless.sh.
#include <cstdio>
#include <string>

#include "golden_documents.h"
#include "mykey/receipt/escpos_encoder.h"

int main(int argc, char** argv) {
  using namespace mykey::receipt;
  if (argc != 2) {
    std::fprintf(stderr, "usage: mykey-receipt-bless <golden dir>\n");
    return 2;
  }
  const std::string dir = argv[1];
  for (const golden::GoldenCase& c : golden::GoldenCases()) {
    auto profile = PrinterProfile::Named(c.profile);
    if (!profile) {
      std::fprintf(stderr, "%s: %s\n", c.name.c_str(), profile.error().ToString().c_str());
      return 1;
    }
    EscPosEncoder encoder(*profile);
    auto encoded = encoder.Encode(c.document);
    if (!encoded) {
      std::fprintf(stderr, "%s: %s\n", c.name.c_str(), encoded.error().ToString().c_str());
      return 1;
    }
    const std::string path = dir + "/" + c.name + ".bin";
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr ||
        std::fwrite(encoded->bytes.data(), 1, encoded->bytes.size(), f) != encoded->bytes.size()) {
      std::fprintf(stderr, "%s: cannot write\n", path.c_str());
      if (f != nullptr) std::fclose(f);
      return 1;
    }
    std::fclose(f);
    std::printf("%-28s %6zu bytes\n", (c.name + ".bin").c_str(), encoded->bytes.size());
  }
  return 0;
}
