// voucher_scan_bench [png ...]: figures for vouchers, not a test.
//
//  1. per printer profile: QR version, modules, dots per module, symbol size, bytes per voucher
//     job, time to build the document and encode it (the encoder's ZXing proof included);
//  2. the voucher pages as the virtual printer renders them (or the PNG files given, e.g.
//     tests/golden/voucher/voucher-58.png), each degraded (scaled to phone-photo resolution down
//     and up, blurred, noisy, rotated, skewed) and scanned with ScanVoucher(): success rate per
//     degradation and paper width, and decode time per image.
//
// Build it in Release for meaningful times.
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "image_degradation.h"
#include "mykey/receipt/escpos_encoder.h"
#include "mykey/receipt/glyph_rasterizer.h"
#include "mykey/receipt/image.h"
#include "mykey/voucher/voucher_layout.h"
#include "mykey/voucher/voucher_scanner.h"
#include "mykey/voucher_testing/sample_vouchers.h"

namespace {

using namespace mykey;
using Clock = std::chrono::steady_clock;

double Milliseconds(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

struct Page {
  std::string label;
  int paper_mm = 58;
  receipt::GreyImage image;
};

receipt::PrinterProfile Profile(const std::string& name) {
  if (name == "generic-80-kanji-raster-qr") {
    receipt::PrinterProfile p = *receipt::PrinterProfile::Named("generic-80-kanji");
    p.name = name;
    p.native_qr = false;
    return p;
  }
  return *receipt::PrinterProfile::Named(name);
}

int Die(const char* what, const Error& error) {
  std::fprintf(stderr, "%s: %s\n", what, error.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  auto key = voucher::testing::SampleVoucherKey();
  auto ring = voucher::testing::SampleKeyRing();
  auto rasterizer = receipt::GlyphRasterizer::Open();
  if (!key) return Die("key", key.error());
  if (!ring) return Die("key ring", ring.error());
  if (!rasterizer) return Die("fonts", rasterizer.error());
  const auto now = voucher::testing::SampleNow();
  const protocol::VoucherFields granted = voucher::testing::SampleGrantedFields();
  auto sold = voucher::testing::SamplePrintData(voucher::testing::SampleSoldFields(), *key);
  auto duplicate = voucher::testing::SamplePrintData(granted, *key, granted.serial);
  if (!sold || !duplicate) return Die("print data", sold ? duplicate.error() : sold.error());

  const std::vector<std::string> profiles = {"generic-58-kanji", "generic-58-kanji-raster-qr",
                                             "generic-80-kanji", "generic-80-kanji-raster-qr"};
  std::printf("== Voucher jobs (token %zu characters, QR level M)\n", sold->token.size());
  std::printf("%-28s %7s %7s %6s %9s %10s %14s %12s\n", "profile", "version", "modules", "dots",
              "side mm", "job bytes", "build+encode", "sign token");
  std::vector<Page> pages;
  for (const std::string& name : profiles) {
    const receipt::PrinterProfile profile = Profile(name);
    receipt::EscPosEncoder encoder(profile, rasterizer->get());
    constexpr int kRounds = 20;
    // Warm-up: fonts and the Shift_JIS tables load on first use.
    if (auto doc = voucher::BuildVoucherDocument(*sold, profile); !doc || !encoder.Encode(*doc)) {
      return 1;
    }
    Result<receipt::EncodedReceipt> encoded = Fail(ErrorCode::kInternal, "not run");
    const auto start = Clock::now();
    for (int i = 0; i < kRounds; ++i) {
      auto doc = voucher::BuildVoucherDocument(*sold, profile);
      if (!doc) return Die("build", doc.error());
      encoded = encoder.Encode(*doc);
      if (!encoded) return Die("encode", encoded.error());
    }
    const double encode_ms = Milliseconds(Clock::now() - start) / kRounds;
    const auto sign_start = Clock::now();
    for (int i = 0; i < kRounds; ++i) {
      if (!protocol::EncodeVoucherToken(voucher::testing::SampleSoldFields(), *key)) return 1;
    }
    const double sign_ms = Milliseconds(Clock::now() - sign_start) / kRounds;
    const receipt::QrPlacement& qr = encoded->qr_codes.front();
    std::printf("%-28s %7d %7d %6d %9.1f %10zu %11.2f ms %9.2f ms\n", name.c_str(), qr.version,
                qr.modules, qr.module_dots, qr.modules * qr.module_dots * 25.4 / profile.dpi,
                encoded->bytes.size(), encode_ms, sign_ms);
    if (argc <= 1) {
      for (const auto* data : {&*sold, &*duplicate}) {
        auto doc = voucher::BuildVoucherDocument(*data, profile);
        if (!doc) return Die("build", doc.error());
        auto page = voucher::testing::RenderOnVirtualPrinter(*doc, profile, rasterizer->get());
        if (!page) return Die("render", page.error());
        pages.push_back({name + (data == &*sold ? " sold" : " duplicate"), profile.paper_mm,
                         receipt::GreyImage::FromBitmap(*page)});
      }
    }
  }
  for (int i = 1; i < argc; ++i) {
    auto image = receipt::LoadGreyImage(argv[i]);
    if (!image) return Die(argv[i], image.error());
    pages.push_back({argv[i], image->width > 480 ? 80 : 58, std::move(*image)});
  }

  std::printf("\n== Scanning %zu voucher pages (ScanVoucher: ZXing decode + ECDSA verify)\n",
              pages.size());
  std::printf("%-20s %8s %8s %10s %14s\n", "degradation", "58 mm", "80 mm", "image px",
              "decode ms/img");
  int all_ok[2] = {0, 0};
  int all_total[2] = {0, 0};
  for (const voucher::bench::Degradation& degradation : voucher::bench::StandardDegradations()) {
    int ok[2] = {0, 0};
    int total[2] = {0, 0};
    double decode_ms = 0;
    long pixels = 0;
    std::map<std::string, int> failures;
    for (const Page& page : pages) {
      const receipt::GreyImage degraded = degradation.apply(page.image);
      pixels += static_cast<long>(degraded.width) * degraded.height;
      const auto start = Clock::now();
      auto scanned = voucher::ScanVoucher(degraded.view(), *ring, now);
      decode_ms += Milliseconds(Clock::now() - start);
      const int paper = page.paper_mm == 80 ? 1 : 0;
      ++total[paper];
      if (scanned) {
        ++ok[paper];
      } else {
        ++failures[voucher::ScanFailureName(voucher::ScanFailureOf(scanned.error()))];
      }
    }
    for (int p = 0; p < 2; ++p) {
      all_ok[p] += ok[p];
      all_total[p] += total[p];
    }
    char rate58[32], rate80[32];
    std::snprintf(rate58, sizeof rate58, "%d/%d", ok[0], total[0]);
    std::snprintf(rate80, sizeof rate80, "%d/%d", ok[1], total[1]);
    std::string why;
    for (const auto& [name, count] : failures) why += " " + name + " x" + std::to_string(count);
    std::printf("%-20s %8s %8s %10ld %14.1f%s\n", degradation.name.c_str(), rate58, rate80,
                pixels / static_cast<long>(pages.size()),
                decode_ms / static_cast<double>(pages.size()), why.c_str());
  }
  std::printf("all degradations: 58 mm %d/%d, 80 mm %d/%d\n", all_ok[0], all_total[0], all_ok[1],
              all_total[1]);
  return 0;
}
