#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mykey/base/result.h"
#include "mykey/receipt/bitmap.h"

namespace mykey::receipt {

/// How the pixels of a camera frame or decoded file are laid out.
enum class PixelFormat : uint8_t {
  kGrey8,  ///< one byte per pixel, 0 = black, 255 = white
  kRgb24,  ///< three bytes per pixel, R G B
};

/// Borrowed pixels: a camera frame buffer or a GreyImage. Rows may be padded (`row_stride`).
///
/// Thread safety: a view; the pixels must outlive it and not change while it is read.
struct PixelView {
  const uint8_t* data = nullptr;
  int width = 0;
  int height = 0;
  int row_stride = 0;  ///< bytes from one row to the next; 0 = width x bytes per pixel
  PixelFormat format = PixelFormat::kGrey8;
};

/// An 8-bit greyscale image that owns its pixels (row-major, no padding, 0 = black).
///
/// Thread safety: a value type; distinct objects may be used from different threads.
struct GreyImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;  ///< width x height bytes

  /// Pixel (x, y), clamped to the border (for image filters).
  uint8_t At(int x, int y) const;
  PixelView view() const;
  /// A printed bitmap as grey pixels (black dots 0, paper 255).
  static GreyImage FromBitmap(const Bitmap& bitmap);
};

/// How grey levels become printed dots.
enum class Halftone : uint8_t {
  kFloydSteinberg,  ///< error diffusion: greys and photos keep their tone as dot density
  kThreshold,       ///< each dot black below `threshold`: line art, logos, text
};

/// How ToPrintBitmap() converts an image.
struct PrintBitmapOptions {
  /// Width of the result in dots (e.g. the printable width, 384 or 576, or less for a logo);
  /// the height keeps the aspect ratio. 0 = the image's own width (no scaling).
  int width_dots = 0;
  Halftone halftone = Halftone::kFloydSteinberg;
  int threshold = 128;  ///< 1..255: grey below it prints black (kThreshold; kFloydSteinberg's
                        ///< decision level is always 128)
};

/// Converts a grey image (a logo or picture loaded with LoadGreyImage()) to a 1-bit bitmap for
/// an Image element: scaled to `options.width_dots` by area averaging (each dot the mean of the
/// pixels it covers), then Floyd–Steinberg dithered (serpentine) or thresholded. White stays
/// paper, black stays solid.
/// @returns the bitmap; kInvalidArgument for an image with no pixels or fewer pixels than
///          width x height, a width outside 0..Bitmap::kMaxSide, a result taller than
///          Bitmap::kMaxSide, or a threshold outside 1..255.
/// Thread safety: safe from any thread.
Result<Bitmap> ToPrintBitmap(const GreyImage& image, const PrintBitmapOptions& options = {});

/// Reads a PNG or JPEG file (also BMP, GIF, PNM, what stb_image reads) as greyscale; colour is
/// converted to luminance and transparent pixels are composited over white (paper).
/// @param path the image file
/// @returns the image; kNotFound (domain kOs, errno) if the file cannot be opened;
///          kInvalidArgument if it is not an image stb_image can decode.
Result<GreyImage> LoadGreyImage(const std::string& path);

/// Decodes every QR code found in `image` with ZXing-cpp (try harder, rotations included).
/// @returns the payloads, in ZXing's order, at least one; kInvalidArgument for a view with no
///          pixels, non-positive sizes or a stride shorter than a row; kNotFound if no QR code
///          decodes; kInternal if ZXing throws.
Result<std::vector<std::string>> DecodeQrCodes(const PixelView& image);

}  // namespace mykey::receipt
