#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"

namespace mykey::receipt {

/// A 1-bit image as a thermal printer prints it: each pixel is black (dot printed) or white.
/// Stored one byte per pixel for simple drawing; PackRows() gives the printer's packed layout.
///
/// Thread safety: a value type; distinct objects may be used from different threads.
class Bitmap {
 public:
  /// Largest width or height accepted by Create() (a receipt is at most a few metres long).
  static constexpr int kMaxSide = 65535;

  /// An empty 0x0 bitmap.
  Bitmap() = default;

  /// A white bitmap of `width` x `height` dots.
  /// @returns kInvalidArgument if a side is negative or larger than kMaxSide.
  static Result<Bitmap> Create(int width, int height);

  /// Unpacks rows in the `GS v 0` layout (MSB = leftmost dot, each row padded to whole bytes).
  /// @param packed      the raster bytes
  /// @param width_bytes bytes per row
  /// @param height      number of rows
  /// @returns kInvalidArgument if `packed` is not width_bytes * height bytes or a side is too big.
  static Result<Bitmap> FromPackedRows(ByteView packed, int width_bytes, int height);

  int width() const { return width_; }
  int height() const { return height_; }
  bool empty() const { return width_ == 0 || height_ == 0; }

  /// True if the dot at (x, y) is black; false outside the bitmap.
  bool Get(int x, int y) const;
  /// Sets the dot at (x, y); ignored outside the bitmap (drawing clips).
  void Set(int x, int y, bool black);
  /// Fills the rectangle (clipped to the bitmap) with black or white.
  void FillRect(int x, int y, int w, int h, bool black);
  /// ORs `src` onto this bitmap with its top-left corner at (x, y), clipped.
  void Draw(const Bitmap& src, int x, int y);
  /// Number of black dots (tests and checks).
  int CountBlack() const;

  /// The rows packed 8 dots per byte, MSB first, each row padded to whole bytes: the data of
  /// `GS v 0`. Bytes per row is (width + 7) / 8.
  Bytes PackRows() const;

  /// A copy with every dot scaled by integer factors (1..16).
  /// @returns kInvalidArgument for a factor outside 1..16 or a result larger than kMaxSide.
  Result<Bitmap> Scaled(int factor_x, int factor_y) const;

  /// A copy of the rectangle (clipped to this bitmap).
  Bitmap Cropped(int x, int y, int w, int h) const;

  /// 8-bit grey pixels, 0 = black, 255 = white, row-major (for image writers and decoders).
  std::vector<uint8_t> ToGrey() const;

  friend bool operator==(const Bitmap&, const Bitmap&) = default;

 private:
  int width_ = 0;
  int height_ = 0;
  std::vector<uint8_t> dots_;  // 1 = black
};

/// Writes `bitmap` as an 8-bit greyscale PNG (black dots on white).
/// @param bitmap the image; must not be empty
/// @param path   file to create or overwrite
/// @param scale  each dot becomes scale x scale pixels (1..16)
/// @returns kInvalidArgument for an empty bitmap or a bad scale; kUnavailable (domain kOs, errno)
///          if the file cannot be written.
Status WritePng(const Bitmap& bitmap, const std::string& path, int scale = 1);

/// Encodes `bitmap` as an 8-bit greyscale PNG in memory.
/// @returns kInvalidArgument for an empty bitmap; kInternal if the encoder fails.
Result<Bytes> EncodePng(const Bitmap& bitmap);

}  // namespace mykey::receipt
