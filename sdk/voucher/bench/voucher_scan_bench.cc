// voucher_scan_bench [png ...]: figures for vouchers, not a test.
//
//  1. per printer profile: QR version, modules, dots per module, symbol size, bytes per voucher
//     job, time to build the document and encode it (the encoder's ZXing proof included);
//  2. the distinct voucher pages as the virtual printer renders them (a raster-QR page is
//     pixel for pixel its native-QR twin and is counted once), or the PNG files given (e.g.
//     tests/golden/voucher/voucher-58.png), each degraded (scaled to phone-photo resolution
//     down and up, blurred, noisy, rotated, skewed, JPEG-compressed, faded, unevenly lit,
//     combined "photos") with kSeeds seeds each and scanned with ScanVoucher(): success per
//     degradation and paper width, decode time per image, and success per category.
//
// Build it in Release for meaningful times:
//   cmake --preset release && cmake --build --preset release --target voucher_scan_bench -j2
//   build/release/sdk/voucher/voucher_scan_bench
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iterator>
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

// Seeds per degradation (see voucher::bench::Degradation): 0 is the nominal parameters.
constexpr uint32_t kSeeds = 5;

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
        Page rendered{name + (data == &*sold ? " sold" : " duplicate"), profile.paper_mm,
                      receipt::GreyImage::FromBitmap(*page)};
        // The virtual printer draws a raster QR exactly as the native one: count it once.
        bool seen = false;
        for (Page& p : pages) {
          if (p.image.width == rendered.image.width && p.image.pixels == rendered.image.pixels) {
            p.label += " = " + rendered.label;
            seen = true;
          }
        }
        if (!seen) pages.push_back(std::move(rendered));
      }
    }
  }
  for (int i = 1; i < argc; ++i) {
    auto image = receipt::LoadGreyImage(argv[i]);
    if (!image) return Die(argv[i], image.error());
    pages.push_back({argv[i], image->width > 480 ? 80 : 58, std::move(*image)});
  }

  std::printf(
      "\n== Scanning %zu distinct voucher pages (ScanVoucher: ZXing decode + ECDSA "
      "verify), %u seeds per degradation\n",
      pages.size(), kSeeds);
  for (const Page& page : pages) std::printf("   %s\n", page.label.c_str());
  std::printf("%-22s %9s %9s %10s %14s\n", "degradation", "58 mm", "80 mm", "image px",
              "decode ms/img");
  struct Tally {
    int ok[2] = {0, 0};
    int total[2] = {0, 0};
  };
  std::vector<std::pair<std::string, Tally>> categories;  // in first-seen order
  Tally all;
  for (const voucher::bench::Degradation& degradation : voucher::bench::StandardDegradations()) {
    Tally tally;
    double decode_ms = 0;
    long pixels = 0;
    int scans = 0;
    std::map<std::string, int> failures;
    const uint32_t seeds = degradation.seeded ? kSeeds : 1;
    for (const Page& page : pages) {
      for (uint32_t seed = 0; seed < seeds; ++seed) {
        const receipt::GreyImage degraded = degradation.apply(page.image, seed);
        pixels += static_cast<long>(degraded.width) * degraded.height;
        const auto start = Clock::now();
        auto scanned = voucher::ScanVoucher(degraded.view(), *ring, now);
        decode_ms += Milliseconds(Clock::now() - start);
        ++scans;
        const int paper = page.paper_mm == 80 ? 1 : 0;
        ++tally.total[paper];
        if (scanned) {
          ++tally.ok[paper];
        } else {
          ++failures[voucher::ScanFailureName(voucher::ScanFailureOf(scanned.error()))];
        }
      }
    }
    auto category = std::find_if(categories.begin(), categories.end(),
                                 [&](const auto& c) { return c.first == degradation.category; });
    if (category == categories.end()) {
      categories.emplace_back(degradation.category, Tally{});
      category = std::prev(categories.end());
    }
    for (int p = 0; p < 2; ++p) {
      category->second.ok[p] += tally.ok[p];
      category->second.total[p] += tally.total[p];
      all.ok[p] += tally.ok[p];
      all.total[p] += tally.total[p];
    }
    char rate58[32], rate80[32];
    std::snprintf(rate58, sizeof rate58, "%d/%d", tally.ok[0], tally.total[0]);
    std::snprintf(rate80, sizeof rate80, "%d/%d", tally.ok[1], tally.total[1]);
    std::string why;
    for (const auto& [name, count] : failures) why += " " + name + " x" + std::to_string(count);
    std::printf("%-22s %9s %9s %10ld %14.1f%s\n", degradation.name.c_str(), rate58, rate80,
                pixels / scans, decode_ms / scans, why.c_str());
  }
  auto percent = [](int ok, int total) { return total == 0 ? 0.0 : 100.0 * ok / total; };
  std::printf("\n== Success per category\n%-10s %16s %16s %16s\n", "category", "58 mm", "80 mm",
              "both");
  for (const auto& [name, t] : categories) {
    char c58[32], c80[32], both[32];
    std::snprintf(c58, sizeof c58, "%d/%d %3.0f%%", t.ok[0], t.total[0],
                  percent(t.ok[0], t.total[0]));
    std::snprintf(c80, sizeof c80, "%d/%d %3.0f%%", t.ok[1], t.total[1],
                  percent(t.ok[1], t.total[1]));
    std::snprintf(both, sizeof both, "%d/%d %3.0f%%", t.ok[0] + t.ok[1], t.total[0] + t.total[1],
                  percent(t.ok[0] + t.ok[1], t.total[0] + t.total[1]));
    std::printf("%-10s %16s %16s %16s\n", name.c_str(), c58, c80, both);
  }
  std::printf("all degradations: 58 mm %d/%d (%.0f%%), 80 mm %d/%d (%.0f%%)\n", all.ok[0],
              all.total[0], percent(all.ok[0], all.total[0]), all.ok[1], all.total[1],
              percent(all.ok[1], all.total[1]));
  return 0;
}
