// The voucher and receipt pages as the virtual printer draws them, compared pixel for pixel with
// tests/golden/voucher/*.png. A font package update changes them: re-bless with
// tests/golden/rebless.sh and review the images.
#include <string>

#include "mykey/receipt/glyph_rasterizer.h"
#include "mykey/receipt/image.h"
#include "mykey/testing/catch.h"
#include "mykey/voucher_testing/sample_vouchers.h"

namespace mykey::voucher {
namespace {

TEST_CASE("Vouchers and receipts render exactly as the golden PNGs on 58 and 80 mm") {
  auto rasterizer = receipt::GlyphRasterizer::Open();
  REQUIRE(rasterizer);
  auto renders = testing::GoldenRenders();
  REQUIRE(renders);
  REQUIRE(renders->size() == 10);
  for (const testing::GoldenRender& render : *renders) {
    const std::string path = std::string(MYKEY_VOUCHER_GOLDEN_DIR) + "/" + render.name + ".png";
    INFO("golden file " << path << " (if fonts changed: tests/golden/rebless.sh, then review)");
    auto profile = receipt::PrinterProfile::Named(render.profile);
    REQUIRE(profile);
    auto page = testing::RenderOnVirtualPrinter(render.document, *profile, rasterizer->get());
    REQUIRE(page);
    auto golden = receipt::LoadGreyImage(path);
    REQUIRE(golden);
    const receipt::GreyImage actual = receipt::GreyImage::FromBitmap(*page);
    REQUIRE(actual.width == golden->width);
    REQUIRE(actual.height == golden->height);
    size_t differing = 0;
    for (size_t i = 0; i < actual.pixels.size(); ++i) {
      if (actual.pixels[i] != golden->pixels[i]) ++differing;
    }
    INFO(differing << " pixels differ");
    CHECK(differing == 0);
  }
}

}  // namespace
}  // namespace mykey::voucher
