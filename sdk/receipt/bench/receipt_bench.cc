// receipt_bench: prints the figures for the closing note: QR version and module size per paper
// width, bytes per voucher job, time to encode one (with and without the ZXing proof).
// A benchmark prints figures; it asserts nothing.
#include <chrono>
#include <cstdio>
#include <string>

#include "../test/golden_documents.h"
#include "mykey/receipt/escpos_encoder.h"
#include "mykey/receipt/text.h"

namespace {

using mykey::receipt::EncodeOptions;
using mykey::receipt::EscPosEncoder;
using mykey::receipt::PrinterProfile;
namespace golden = mykey::receipt::golden;

double MicrosPerEncode(const PrinterProfile& profile, const mykey::receipt::Document& doc,
                       EncodeOptions options, int runs) {
  EscPosEncoder encoder(profile, nullptr, options);
  (void)encoder.Encode(doc);  // warm up: fonts opened, tables built
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < runs; ++i) {
    auto out = encoder.Encode(doc);
    if (!out) std::fprintf(stderr, "encode failed: %s\n", out.error().ToString().c_str());
  }
  const std::chrono::duration<double, std::micro> elapsed =
      std::chrono::steady_clock::now() - start;
  return elapsed.count() / runs;
}

}  // namespace

void PrintQrSizes() {
  using mykey::receipt::ChooseQrModuleDots;
  using mykey::receipt::QrErrorCorrection;
  using mykey::receipt::QrSymbol;
  std::printf("\nQR sizing, Base45 payloads at level M (module dots: cap 8 / uncapped, min 3)\n");
  std::printf("%6s %4s %5s %14s %14s\n", "chars", "ver", "mods", "58 mm (384)", "80 mm (576)");
  for (int chars : {60, 100, 150, 200, 300, 500}) {
    std::string payload;
    for (int i = 0; i < chars; ++i)
      payload.push_back("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"[(i * 7 + 3) % 45]);
    auto symbol = QrSymbol::Encode(payload, QrErrorCorrection::kM);
    if (!symbol) continue;
    auto figure = [&](int dots) {
      auto capped = ChooseQrModuleDots(symbol->modules(), dots, 3, 8);
      auto uncapped = ChooseQrModuleDots(symbol->modules(), dots, 3, 16);
      return std::to_string(capped ? *capped : 0) + " / " +
             std::to_string(uncapped ? *uncapped : 0);
    };
    std::printf("%6d %4d %5d %14s %14s\n", chars, symbol->version(), symbol->modules(),
                figure(384).c_str(), figure(576).c_str());
  }
}

void PrintColdStart() {
  const auto t0 = std::chrono::steady_clock::now();
  (void)mykey::receipt::ShiftJisOf(U'\u6709');
  const auto t1 = std::chrono::steady_clock::now();
  auto fonts = mykey::receipt::GlyphRasterizer::Open();
  const auto t2 = std::chrono::steady_clock::now();
  const std::chrono::duration<double, std::milli> tables = t1 - t0;
  const std::chrono::duration<double, std::milli> font = t2 - t1;
  std::printf("cold start: Shift_JIS tables %.1f ms, fonts opened %.1f ms%s\n\n", tables.count(),
              font.count(), fonts ? "" : " (font missing)");
}

int main() {
  PrintColdStart();
  const mykey::receipt::Document voucher = golden::VoucherDocument();
  std::printf("voucher payload: %zu Base45 characters, EC level M\n\n",
              golden::VoucherPayload().size());
  std::printf("%-28s %4s %5s %6s %6s %8s %8s %12s %12s\n", "profile", "ver", "mods", "dots/m",
              "side", "mm", "bytes", "us/encode", "us/no-proof");
  for (const char* name : {"generic-58-kanji", "generic-80-kanji", "generic-58-kanji-raster-qr",
                           "generic-58-raster-only", "generic-80-raster-only"}) {
    auto profile = PrinterProfile::Named(name);
    if (!profile) return 1;
    EscPosEncoder encoder(*profile);
    auto out = encoder.Encode(voucher);
    if (!out || out->qr_codes.empty()) {
      std::fprintf(stderr, "%s: encode failed\n", name);
      return 1;
    }
    const auto& qr = out->qr_codes[0];
    const double with_proof = MicrosPerEncode(*profile, voucher, {}, 50);
    EncodeOptions no_proof;
    no_proof.verify_qr = false;
    const double without_proof = MicrosPerEncode(*profile, voucher, no_proof, 50);
    std::printf("%-28s %4d %5d %6d %6d %8.1f %8zu %12.0f %12.0f\n", name, qr.version, qr.modules,
                qr.module_dots, qr.side_dots, qr.side_dots * 25.4 / profile->dpi, out->bytes.size(),
                with_proof, without_proof);
  }
  PrintQrSizes();
  return 0;
}
