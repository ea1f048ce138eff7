// mykey-receipt-bless <dir>: writes the golden ESC/POS files (<case>.bin) and, for review, a PNG
// of each case's QR raster (<case>-qr.png, the symbol at the module size the encoder chose, with
// its quiet zone: what GS v 0 sends, or what a GS ( k printer draws). Run through
// tests/golden/rebless.sh.
#include <cstdio>
#include <string>
#include <variant>

#include "golden_documents.h"
#include "mykey/receipt/escpos_encoder.h"

namespace {

using namespace mykey::receipt;

// Writes <dir>/<name>-qr.png (-qr2, -qr3 ... for further codes) for every QR code of the case.
bool WriteQrPngs(const golden::GoldenCase& c, const EncodedReceipt& encoded,
                 const std::string& dir) {
  size_t n = 0;
  for (const Element& element : c.document.elements()) {
    const auto* qr = std::get_if<QrCode>(&element);
    if (qr == nullptr || n >= encoded.qr_codes.size()) continue;
    const QrPlacement& placement = encoded.qr_codes[n++];
    auto symbol = QrSymbol::Encode(qr->payload, qr->error_correction);
    if (!symbol) return false;
    auto raster = symbol->Render(placement.module_dots);
    if (!raster) return false;
    const std::string path =
        dir + "/" + c.name + "-qr" + (n == 1 ? std::string() : std::to_string(n)) + ".png";
    if (!WritePng(*raster, path)) {
      std::fprintf(stderr, "%s: cannot write\n", path.c_str());
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
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
    if (!WriteQrPngs(c, *encoded, dir)) return 1;
    std::printf("%-28s %6zu bytes, %zu QR code(s)\n", (c.name + ".bin").c_str(),
                encoded->bytes.size(), encoded->qr_codes.size());
  }
  return 0;
}
