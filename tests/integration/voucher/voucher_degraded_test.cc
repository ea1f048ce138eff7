// The printed voucher page still scans when photographed reasonably: a little scaled, blurred,
// rotated, noisy or skewed. (Success rates of harsher degradations are figures:
// sdk/voucher/bench/voucher_scan_bench.cc.)
#include <algorithm>
#include <cmath>
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
      for (uint32_t seed = 0; seed < (degradation.seeded ? 3u : 1u); ++seed) {
        INFO(name << ", " << degradation.name << ", seed " << seed);
        const receipt::GreyImage degraded = degradation.apply(clean, seed);
        auto scanned = ScanVoucher(degraded.view(), *ring, testing::SampleNow());
        REQUIRE(scanned);
        CHECK(scanned->fields() == testing::SampleSoldFields());
      }
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
  const receipt::GreyImage shifted = bench::Shift(marked, 3, 5);
  CHECK(shifted.width == 43);
  CHECK(shifted.At(3 + 10, 5 + 10) == 0);  // pixel 410 = (10, 10)
}

// Mean absolute difference of two pictures of one size.
double Difference(const receipt::GreyImage& a, const receipt::GreyImage& b) {
  REQUIRE(a.pixels.size() == b.pixels.size());
  double sum = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) sum += std::abs(a.pixels[i] - b.pixels[i]);
  return sum / static_cast<double>(a.pixels.size());
}

TEST_CASE("JPEG compression loses more at lower quality and keeps flat areas flat") {
  // A checkerboard of 3-pixel squares: edges in every block.
  receipt::GreyImage board{48, 48, std::vector<uint8_t>(48 * 48)};
  for (int y = 0; y < 48; ++y) {
    for (int x = 0; x < 48; ++x)
      board.pixels[static_cast<size_t>(y * 48 + x)] = ((x / 3 + y / 3) % 2) ? 255 : 0;
  }
  const double q75 = Difference(bench::JpegCompress(board, 75), board);
  const double q40 = Difference(bench::JpegCompress(board, 40), board);
  const double q15 = Difference(bench::JpegCompress(board, 15), board);
  CHECK(q75 > 0);
  CHECK(q75 < q40);
  CHECK(q40 < q15);
  CHECK(bench::JpegCompress(board, 100).pixels.size() == board.pixels.size());
  CHECK(Difference(bench::JpegCompress(board, 100), board) < 2);
  const receipt::GreyImage grey{16, 16, std::vector<uint8_t>(256, 200)};
  // A flat block stays flat: only its level moves, by at most half a DC step (53 / 8 / 2).
  const receipt::GreyImage flat = bench::JpegCompress(grey, 15);
  CHECK(std::all_of(flat.pixels.begin(), flat.pixels.end(),
                    [&](uint8_t p) { return p == flat.pixels[0]; }));
  CHECK(std::abs(flat.pixels[0] - 200) <= 4);
}

TEST_CASE("A faded print and uneven light keep black darker than white") {
  const receipt::GreyImage image{2, 1, {0, 255}};
  CHECK(bench::Fade(image, 128, 255).pixels == std::vector<uint8_t>{128, 255});
  CHECK(bench::Fade(image, 90, 170).pixels == std::vector<uint8_t>{90, 170});
  const receipt::GreyImage white{100, 10, std::vector<uint8_t>(1000, 255)};
  const receipt::GreyImage shadow = bench::Shadow(white, 0.3, 0);  // left to right
  CHECK(shadow.At(0, 5) > 250);
  CHECK(shadow.At(99, 5) < 80);
  const receipt::GreyImage spot = bench::Spotlight(white, 0.2, 0.5, 0.5);
  CHECK(spot.At(50, 5) > 250);
  CHECK(spot.At(0, 0) < 60);
}

}  // namespace
}  // namespace mykey::voucher
