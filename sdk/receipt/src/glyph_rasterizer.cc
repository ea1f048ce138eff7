// The one place FreeType is used.
#include "mykey/receipt/glyph_rasterizer.h"

#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_OUTLINE_H

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <vector>

#include "mykey/receipt/text.h"

namespace mykey::receipt {

namespace {
constexpr int kMinPixels = 4;
constexpr int kMaxPixels = 512;
// Noto Sans CJK's ideographic em box: 0.88 em above the baseline, 0.12 em below.
constexpr double kAscent = 0.88;
constexpr int kThreshold = 128;
}  // namespace

std::vector<FontFace> DefaultFontFaces() {
  return {FontFace{kDefaultCjkFontPath, 0, true}, FontFace{kDefaultFallbackFontPath, 0, false}};
}

struct GlyphRasterizer::Fonts {
  FT_Library library = nullptr;
  std::vector<FT_Face> faces;

  ~Fonts() {
    for (FT_Face face : faces) FT_Done_Face(face);
    if (library != nullptr) FT_Done_FreeType(library);
  }

  // The face with a glyph for c (the first face's .notdef if none has one).
  std::pair<FT_Face, FT_UInt> Find(char32_t c) const {
    for (FT_Face face : faces) {
      if (FT_UInt index = FT_Get_Char_Index(face, c); index != 0) return {face, index};
    }
    return {faces.front(), 0};
  }
};

GlyphRasterizer::GlyphRasterizer(std::unique_ptr<Fonts> fonts) : fonts_(std::move(fonts)) {}
GlyphRasterizer::~GlyphRasterizer() = default;

Result<std::unique_ptr<GlyphRasterizer>> GlyphRasterizer::Open(std::vector<FontFace> faces) {
  if (faces.empty()) return Fail(ErrorCode::kInvalidArgument, "no font faces given");
  auto fonts = std::make_unique<Fonts>();
  if (FT_Init_FreeType(&fonts->library) != 0) {
    return Fail(ErrorCode::kInternal, "FreeType failed to start");
  }
  for (const FontFace& spec : faces) {
    struct stat st {};
    if (::stat(spec.path.c_str(), &st) != 0) {
      if (!spec.required) continue;
      return Fail(ErrorCode::kNotFound, "font file not found", ErrorDomain::kOs, errno);
    }
    FT_Face face = nullptr;
    if (FT_New_Face(fonts->library, spec.path.c_str(), spec.face_index, &face) != 0) {
      if (!spec.required) continue;
      return Fail(ErrorCode::kInvalidArgument, "not a font file or no such face in it");
    }
    FT_Select_Charmap(face, FT_ENCODING_UNICODE);
    fonts->faces.push_back(face);
  }
  if (fonts->faces.empty()) return Fail(ErrorCode::kNotFound, "none of the fonts is installed");
  return std::unique_ptr<GlyphRasterizer>(new GlyphRasterizer(std::move(fonts)));
}

bool GlyphRasterizer::HasGlyph(char32_t c) const {
  return fonts_->Find(c).second != 0;
}

Result<Bitmap> GlyphRasterizer::RenderTextLine(std::string_view utf8, int pixel_height, bool bold) {
  TextRenderOptions options;
  options.pixel_height = pixel_height;
  options.bold = bold;
  return RenderText(utf8, options);
}

namespace {

struct Glyph {
  Bitmap bitmap;
  int left = 0;     // from the pen position
  int top = 0;      // above the baseline
  int advance = 0;  // pixels
};

Result<Glyph> LoadGlyph(FT_Face face, FT_UInt index, int width_px, int height_px, bool bold,
                        double squeeze) {
  if (FT_Set_Pixel_Sizes(face, static_cast<FT_UInt>(width_px), static_cast<FT_UInt>(height_px)) !=
      0) {
    return Fail(ErrorCode::kInternal, "font cannot be scaled to this size");
  }
  FT_Matrix matrix{static_cast<FT_Fixed>(std::lround(squeeze * 0x10000)), 0, 0, 0x10000};
  FT_Set_Transform(face, &matrix, nullptr);
  if (FT_Load_Glyph(face, index, FT_LOAD_NO_BITMAP) != 0) {
    return Fail(ErrorCode::kInternal, "FreeType cannot load a glyph");
  }
  FT_GlyphSlot slot = face->glyph;
  if (bold && slot->format == FT_GLYPH_FORMAT_OUTLINE) {
    // About 1/24 em: one dot at the printer's 24-dot size.
    FT_Outline_Embolden(&slot->outline, std::max(64L, static_cast<long>(height_px) * 64 / 24));
  }
  if (FT_Render_Glyph(slot, FT_RENDER_MODE_NORMAL) != 0) {
    return Fail(ErrorCode::kInternal, "FreeType cannot render a glyph");
  }
  const FT_Bitmap& src = slot->bitmap;
  Glyph glyph;
  MYKEY_ASSIGN_OR_RETURN(glyph.bitmap,
                         Bitmap::Create(static_cast<int>(src.width), static_cast<int>(src.rows)));
  for (unsigned y = 0; y < src.rows; ++y) {
    const unsigned char* row = src.buffer + static_cast<long>(y) * src.pitch;
    for (unsigned x = 0; x < src.width; ++x) {
      const bool black = src.pixel_mode == FT_PIXEL_MODE_MONO
                             ? (row[x / 8] & (0x80 >> (x % 8))) != 0
                             : row[x] >= kThreshold;
      if (black) glyph.bitmap.Set(static_cast<int>(x), static_cast<int>(y), true);
    }
  }
  glyph.left = slot->bitmap_left;
  glyph.top = slot->bitmap_top;
  glyph.advance = static_cast<int>((slot->advance.x + 32) >> 6);
  return glyph;
}

}  // namespace

Result<Bitmap> GlyphRasterizer::RenderText(std::string_view utf8,
                                           const TextRenderOptions& options) {
  const int height = options.pixel_height;
  const int width = options.pixel_width == 0 ? height : options.pixel_width;
  if (height < kMinPixels || height > kMaxPixels || width < kMinPixels || width > kMaxPixels ||
      options.column_dots < 0 || options.column_dots > kMaxPixels) {
    return Fail(ErrorCode::kInvalidArgument, "text size out of range");
  }
  MYKEY_ASSIGN_OR_RETURN(std::u32string text, DecodeUtf8(utf8));
  const int baseline = static_cast<int>(std::lround(kAscent * height));

  struct Placed {
    Glyph glyph;
    int pen = 0;
  };
  std::vector<Placed> placed;
  int pen = 0;
  for (char32_t c : text) {
    const int columns = EastAsianWidth(c);
    if (c == U'\n' || columns == 0) continue;  // combining marks: not drawn on a receipt grid
    const auto [face, index] = fonts_->Find(c);
    MYKEY_ASSIGN_OR_RETURN(Glyph glyph, LoadGlyph(face, index, width, height, options.bold, 1.0));
    if (options.column_dots > 0) {
      const int cell = columns * options.column_dots;
      if (glyph.advance > cell && glyph.advance > 0) {
        const double squeeze = static_cast<double>(cell) / glyph.advance;
        MYKEY_ASSIGN_OR_RETURN(glyph, LoadGlyph(face, index, width, height, options.bold, squeeze));
      }
      const int offset = (cell - std::min(glyph.advance, cell)) / 2;
      if (c != U' ') placed.push_back({std::move(glyph), pen + offset});
      pen += cell;
    } else {
      const int advance = glyph.advance;
      if (c != U' ') placed.push_back({std::move(glyph), pen});
      pen += advance;
    }
  }
  MYKEY_ASSIGN_OR_RETURN(Bitmap line, Bitmap::Create(std::max(pen, 0), height));
  for (const Placed& p : placed) {
    line.Draw(p.glyph.bitmap, p.pen + p.glyph.left, baseline - p.glyph.top);
  }
  return line;
}

}  // namespace mykey::receipt
