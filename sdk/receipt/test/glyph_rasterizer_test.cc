#include "mykey/receipt/glyph_rasterizer.h"

#include "mykey/testing/catch.h"

namespace mykey::receipt {
namespace {

GlyphRasterizer& Fonts() {
  static std::unique_ptr<GlyphRasterizer> rasterizer = [] {
    auto opened = GlyphRasterizer::Open();
    REQUIRE(opened);
    return std::move(*opened);
  }();
  return *rasterizer;
}

TEST_CASE("A missing font file is reported as not found") {
  auto rasterizer = GlyphRasterizer::Open({FontFace{"/nonexistent/font.ttc", 0, true}});
  REQUIRE_FALSE(rasterizer);
  CHECK(rasterizer.error().code() == ErrorCode::kNotFound);
  CHECK(rasterizer.error().domain() == ErrorDomain::kOs);
}

TEST_CASE("A missing optional fallback font is skipped") {
  auto rasterizer = GlyphRasterizer::Open(
      {FontFace{kDefaultCjkFontPath, 0, true}, FontFace{"/nonexistent/font.ttf", 0, false}});
  CHECK(rasterizer);
}

TEST_CASE("The Japanese font has 𠮷, 髙 and 﨑, and no font has U+E000 or 🍣") {
  CHECK(Fonts().HasGlyph(U'\U00020BB7'));
  CHECK(Fonts().HasGlyph(U'髙'));
  CHECK(Fonts().HasGlyph(U'﨑'));
  CHECK_FALSE(Fonts().HasGlyph(U'\uE000'));
  CHECK_FALSE(Fonts().HasGlyph(U'\U0001F363'));
}

TEST_CASE("Kanji render 24 dots tall and one em wide each, with their glyph, not .notdef") {
  auto line = Fonts().RenderTextLine("有効期限", 24);
  REQUIRE(line);
  CHECK(line->height() == 24);
  CHECK(line->width() == 96);
  // U+3097 is unassigned: the font's .notdef box, which a missing glyph would be drawn as.
  auto box = Fonts().RenderTextLine("\u3097", 24);
  REQUIRE(box);
  REQUIRE(box->width() == 24);
  for (const char* kanji : {"有", "効", "期", "限", "𠮷", "髙", "﨑"}) {
    INFO(kanji);
    auto glyph = Fonts().RenderTextLine(kanji, 24);
    REQUIRE(glyph);
    CHECK(glyph->CountBlack() > 30);
    CHECK(*glyph != *box);
  }
}

TEST_CASE("Bold text has more ink than regular text") {
  auto regular = Fonts().RenderTextLine("髙橋", 24, false);
  auto bold = Fonts().RenderTextLine("髙橋", 24, true);
  REQUIRE(regular);
  REQUIRE(bold);
  CHECK(bold->CountBlack() > regular->CountBlack());
}

TEST_CASE("On the printer grid a half-width character takes one column, a kanji two") {
  TextRenderOptions options;
  options.column_dots = 12;
  auto line = Fonts().RenderText("AB𠮷W", options);
  REQUIRE(line);
  CHECK(line->width() == 12 * 5);
  // Nothing spills out of the last cell.
  CHECK(line->CountBlack() > 0);
}

TEST_CASE("Double size text is twice as tall") {
  TextRenderOptions options;
  options.pixel_height = 48;
  options.pixel_width = 48;
  auto line = Fonts().RenderText("﨑", options);
  REQUIRE(line);
  CHECK(line->height() == 48);
  CHECK(line->width() == 48);
}

TEST_CASE("Rendering refuses sizes out of range and malformed UTF-8") {
  CHECK_FALSE(Fonts().RenderTextLine("a", 2));
  CHECK_FALSE(Fonts().RenderTextLine("\xFF", 24));
}

}  // namespace
}  // namespace mykey::receipt
