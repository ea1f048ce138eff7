#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mykey/base/result.h"
#include "mykey/receipt/bitmap.h"

namespace mykey::receipt {

/// How the pixels of a camera frame or decoded file are laid out. Planar and semi-planar YUV
/// frames (NV12, NV21, I420/YV12) are passed as their Y plane, which is a kGrey8 image: `data`
/// the plane, `row_stride` its stride (the chroma planes that follow are not read).
enum class PixelFormat : uint8_t {
  kGrey8,   ///< one byte per pixel, 0 = black, 255 = white (also the Y plane of NV12/NV21/I420)
  kRgb24,   ///< three bytes per pixel, R G B
  kBgr24,   ///< three bytes per pixel, B G R (OpenCV, many V4L2 drivers)
  kRgba32,  ///< four bytes per pixel, R G B A (alpha ignored)
  kBgra32,  ///< four bytes per pixel, B G R A (alpha ignored; Android, Windows, DRM XRGB8888)
  kYuyv,    ///< packed 4:2:2, Y0 U Y1 V (V4L2 YUYV / YUY2): two bytes per pixel, luma only used
  kUyvy,    ///< packed 4:2:2, U Y0 V Y1 (V4L2 UYVY): two bytes per pixel, luma only used
};

/// Bytes per pixel of a format (for YUYV and UYVY, 4 bytes per 2 pixels: 2).
/// Thread safety: safe from any thread.
int BytesPerPixel(PixelFormat format);

/// Borrowed pixels: a camera frame buffer or a GreyImage. Rows may be padded (`row_stride`).
///
/// Thread safety: a view; the pixels must outlive it and not change while it is read.
struct PixelView {
  const uint8_t* data = nullptr;
  int width = 0;
  int height = 0;
  int row_stride = 0;  ///< bytes from one row to the next; 0 = width x BytesPerPixel(format)
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

/// The largest image LoadGreyImage() decodes: 40 megapixels (a 7300 x 5475 picture; phone
/// photos are 12-50 MP, a scan of a voucher far less). Decoding takes two bytes a pixel.
inline constexpr int64_t kMaxImagePixels = 40'000'000;

/// Reads a PNG or JPEG file (also BMP, GIF, PNM, what stb_image reads) as greyscale; colour is
/// converted to luminance and transparent pixels are composited over white (paper). The size is
/// read from the header first: a larger image than kMaxImagePixels is refused before decoding.
/// @param path the image file
/// @returns the image; kNotFound (domain kOs, errno) if the file cannot be opened;
///          kInvalidArgument if it is not an image stb_image can decode, or has more than
///          kMaxImagePixels pixels (detail: its pixel count).
Result<GreyImage> LoadGreyImage(const std::string& path);

/// Decodes every QR code found in `image` with ZXing-cpp (try harder, rotations included), in
/// any PixelFormat (colour is read as luminance; YUYV/UYVY as their Y bytes, no conversion).
/// A picture that gives nothing is tried again as grey with its contrast stretched (the darkest
/// and lightest 1 % to black and white: a faded thermal print, dim light), then also smoothed
/// with a 3 x 3 mean (sensor noise); those passes cost time only when the first finds nothing.
/// @returns the payloads, in ZXing's order, at least one; kInvalidArgument for a view with no
///          pixels, non-positive sizes, a stride shorter than a row or an unknown format;
///          kNotFound if no QR code decodes; kInternal if ZXing throws.
Result<std::vector<std::string>> DecodeQrCodes(const PixelView& image);

}  // namespace mykey::receipt
