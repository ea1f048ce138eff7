// The printed voucher page still scans when photographed reasonably: a little scaled, blurred,
// rotated, noisy or skewed. (Success rates of harsher degradations are figures:
// sdk/voucher/bench/voucher_scan_bench.cc.)
#include <string>

#include "image_degradation.h"
#include "mykey/receipt/glyph_rasterizer.h"
#include "mykey/testing/catch.h"
#include "mykey/voucher/voucher_layout.h"
#include "mykey/voucher/voucher_scanner.h"
#include "mykey/voucher_testing/sample_vouchers.h"

namespace mykey::voucher {
namespace {

TEST_CASE("A printed voucher page scans after mild degradations on 58 and 80 mm") {
  auto key = testing::SampleVoucherKey();
  REQUIRE(key);
  auto ring = testing::SampleKeyRing();
  REQUIRE(ring);
  auto data = testing::SamplePrintData(testing::SampleSoldFields(), *key);
  REQUIRE(data);
  auto rasterizer = receipt::GlyphRasterizer::Open();
  REQUIRE(rasterizer);
  for (const char* name : {"generic-58-kanji", "generic-80-kanji"}) {
    auto profile = receipt::PrinterProfile::Named(name);
    REQUIRE(profile);
    auto doc = BuildVoucherDocument(*data, *profile);
    REQUIRE(doc);
    auto page = testing::RenderOnVirtualPrinter(*doc, *profile, rasterizer->get());
    REQUIRE(page);
    const receipt::GreyImage clean = receipt::GreyImage::FromBitmap(*page);
    for (const bench::Degradation& degradation : bench::MildDegradations()) {
      INFO(name << ", " << degradation.name);
      const receipt::GreyImage degraded = degradation.apply(clean);
      auto scanned = ScanVoucher(degraded.view(), *ring, testing::SampleNow());
      REQUIRE(scanned);
      CHECK(scanned->fields() == testing::SampleSoldFields());
    }
  }
}

TEST_CASE("Degradations change the picture and keep it the expected size") {
  const receipt::GreyImage image{40, 20, std::vector<uint8_t>(800, 255)};
  receipt::GreyImage marked = image;
  marked.pixels[410] = 0;
  CHECK(bench::Scale(marked, 2.0).width == 80);
  CHECK(bench::Scale(marked, 0.5).height == 10);
  CHECK(bench::GaussianBlur(marked, 1.0).pixels != marked.pixels);
  CHECK(bench::AddNoise(image, 20, 1).pixels != image.pixels);
  CHECK(bench::AddNoise(image, 20, 1).pixels == bench::AddNoise(image, 20, 1).pixels);
  const receipt::GreyImage turned = bench::Rotate(marked, 90);
  CHECK(turned.width == 20);
  CHECK(turned.height == 40);
  CHECK(bench::PerspectiveSkew(marked, 0.2).pixels != marked.pixels);
}

}  // namespace
}  // namespace mykey::voucher
