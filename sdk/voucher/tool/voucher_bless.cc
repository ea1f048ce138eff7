// mykey-voucher-bless <dir>: writes the golden PNG renders of the sample vouchers and receipts
// (as the virtual printer draws them) to <dir>/<name>.png. Run by tests/golden/rebless.sh.
#include <cstdio>
#include <memory>
#include <string>

#include "mykey/receipt/bitmap.h"
#include "mykey/receipt/glyph_rasterizer.h"
#include "mykey/voucher_testing/sample_vouchers.h"

int main(int argc, char** argv) {
  using namespace mykey;
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <golden dir>\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  auto rasterizer = receipt::GlyphRasterizer::Open();
  if (!rasterizer) {
    std::fprintf(stderr, "fonts: %s\n", rasterizer.error().ToString().c_str());
    return 1;
  }
  auto renders = voucher::testing::GoldenRenders();
  if (!renders) {
    std::fprintf(stderr, "documents: %s\n", renders.error().ToString().c_str());
    return 1;
  }
  for (const auto& render : *renders) {
    auto profile = receipt::PrinterProfile::Named(render.profile);
    if (!profile) return 1;
    auto page =
        voucher::testing::RenderOnVirtualPrinter(render.document, *profile, rasterizer->get());
    if (!page) {
      std::fprintf(stderr, "%s: %s\n", render.name.c_str(), page.error().ToString().c_str());
      return 1;
    }
    const std::string path = dir + "/" + render.name + ".png";
    if (auto written = receipt::WritePng(*page, path); !written) {
      std::fprintf(stderr, "%s: %s\n", path.c_str(), written.error().ToString().c_str());
      return 1;
    }
    std::printf("%s %dx%d\n", path.c_str(), page->width(), page->height());
  }
  return 0;
}
