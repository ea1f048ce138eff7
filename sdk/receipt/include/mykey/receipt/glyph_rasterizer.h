#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/base/result.h"
#include "mykey/receipt/bitmap.h"

namespace mykey::receipt {

/// Debian's fonts-noto-cjk: Noto Sans CJK, face 0 is the Japanese (JP) one.
inline constexpr char kDefaultCjkFontPath[] =
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
/// Debian's fonts-dejavu-core: fallback for symbols and monochrome emoji Noto CJK lacks.
inline constexpr char kDefaultFallbackFontPath[] =
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/// One face of a font file.
struct FontFace {
  std::string path;
  int face_index = 0;    ///< index in a collection (.ttc)
  bool required = true;  ///< a missing required face is an error, a missing optional one skipped
};

/// Noto Sans CJK JP (required) then DejaVu Sans (optional).
std::vector<FontFace> DefaultFontFaces();

/// How RenderText() lays out a line.
struct TextRenderOptions {
  int pixel_height = 24;  ///< em height in dots: 24 for normal text, 48 for double height
  int pixel_width = 0;    ///< em width in dots; 0 = same as pixel_height (48 for double width)
  bool bold = false;
  /// If > 0, a grid like the printer's: each character gets a cell of EastAsianWidth() x
  /// column_dots and is centred (squeezed if wider); the bitmap is columns x column_dots wide.
  /// If 0, proportional layout by the font's advances.
  int column_dots = 0;
};

/// Draws text into 1-bit bitmaps with FreeType, falling back face by face for characters the
/// first face lacks; a character no face has is drawn as the first face's .notdef box (never as
/// '?'; the encoder refuses such text, see HasGlyph()). The bitmap is
/// pixel_height tall, baseline at 88% of it (the CJK ideographic em box), glyph grey levels
/// thresholded at 50%.
///
/// Thread safety: not thread-safe (FreeType faces are not); use one per thread.
class GlyphRasterizer {
 public:
  /// Opens the fonts.
  /// @param faces the faces in fallback order; at least one
  /// @returns kNotFound (domain kOs) if a required font file does not exist; kInvalidArgument
  ///          if `faces` is empty or a file is not a font or lacks the face index; kInternal if
  ///          FreeType cannot start.
  static Result<std::unique_ptr<GlyphRasterizer>> Open(
      std::vector<FontFace> faces = DefaultFontFaces());
  ~GlyphRasterizer();
  GlyphRasterizer(const GlyphRasterizer&) = delete;
  GlyphRasterizer& operator=(const GlyphRasterizer&) = delete;

  /// A line of text, proportional layout.
  /// @param utf8         the text (one line; '\n' is drawn as nothing)
  /// @param pixel_height em height in dots (4..512)
  /// @param bold         emboldened outlines
  /// @returns kInvalidArgument for malformed UTF-8 or a size out of range.
  Result<Bitmap> RenderTextLine(std::string_view utf8, int pixel_height, bool bold = false);

  /// A line of text with full options (see TextRenderOptions).
  /// @returns kInvalidArgument for malformed UTF-8 or sizes out of range; kInternal if FreeType
  ///          fails on a glyph.
  Result<Bitmap> RenderText(std::string_view utf8, const TextRenderOptions& options);

  /// True if some face has a glyph for `c`.
  bool HasGlyph(char32_t c) const;

 private:
  struct Fonts;
  explicit GlyphRasterizer(std::unique_ptr<Fonts> fonts);
  std::unique_ptr<Fonts> fonts_;
};

}  // namespace mykey::receipt
