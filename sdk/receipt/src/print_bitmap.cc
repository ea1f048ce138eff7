// Grey images to printed dots: area-average scaling, then dithering or a threshold.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "mykey/receipt/image.h"

namespace mykey::receipt {

namespace {

// Box-filters `in` (in_size samples, `stride` apart) to out_size samples: each output sample is
// the mean of the input it covers, partial input samples weighted by their overlap.
void ResampleLine(const float* in, int in_size, size_t in_stride, float* out, int out_size,
                  size_t out_stride) {
  const double scale = static_cast<double>(in_size) / out_size;
  for (int o = 0; o < out_size; ++o) {
    const double from = o * scale;
    const double to = (o + 1) * scale;
    double sum = 0;
    for (auto i = static_cast<int>(from); i < in_size && i < to; ++i) {
      const double overlap = std::min<double>(i + 1, to) - std::max<double>(i, from);
      sum += overlap * in[static_cast<size_t>(i) * in_stride];
    }
    out[static_cast<size_t>(o) * out_stride] = static_cast<float>(sum / scale);
  }
}

// `grey` (width x height) scaled to out_width x out_height.
std::vector<float> AreaAverage(const GreyImage& grey, int out_width, int out_height) {
  const auto w = static_cast<size_t>(grey.width);
  const auto h = static_cast<size_t>(grey.height);
  const auto ow = static_cast<size_t>(out_width);
  std::vector<float> source(grey.pixels.begin(),
                            grey.pixels.begin() + static_cast<std::ptrdiff_t>(w * h));
  std::vector<float> rows(ow * h);
  for (size_t y = 0; y < h; ++y) {
    ResampleLine(&source[y * w], grey.width, 1, &rows[y * ow], out_width, 1);
  }
  std::vector<float> out(ow * static_cast<size_t>(out_height));
  for (size_t x = 0; x < ow; ++x) ResampleLine(&rows[x], grey.height, ow, &out[x], out_height, ow);
  return out;
}

}  // namespace

Result<Bitmap> ToPrintBitmap(const GreyImage& image, const PrintBitmapOptions& options) {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() < static_cast<size_t>(image.width) * static_cast<size_t>(image.height)) {
    return Fail(ErrorCode::kInvalidArgument, "image has no pixels or fewer than its size");
  }
  if (options.width_dots < 0 || options.width_dots > Bitmap::kMaxSide) {
    return Fail(ErrorCode::kInvalidArgument, "print width out of range");
  }
  if (options.threshold < 1 || options.threshold > 255) {
    return Fail(ErrorCode::kInvalidArgument, "threshold must be 1..255");
  }
  const int width = options.width_dots == 0 ? image.width : options.width_dots;
  const double height_exact = static_cast<double>(image.height) * width / image.width;
  if (height_exact > Bitmap::kMaxSide) {
    return Fail(ErrorCode::kInvalidArgument, "image too tall for a bitmap at this width");
  }
  const int height = std::max(1, static_cast<int>(std::lround(height_exact)));
  std::vector<float> grey = AreaAverage(image, width, height);
  MYKEY_ASSIGN_OR_RETURN(Bitmap bitmap, Bitmap::Create(width, height));
  const auto w = static_cast<size_t>(width);
  if (options.halftone == Halftone::kThreshold) {
    for (size_t y = 0; y < static_cast<size_t>(height); ++y) {
      for (size_t x = 0; x < w; ++x) {
        if (grey[y * w + x] < static_cast<float>(options.threshold)) {
          bitmap.Set(static_cast<int>(x), static_cast<int>(y), true);
        }
      }
    }
    return bitmap;
  }
  // Floyd–Steinberg, serpentine: odd rows run right to left so errors do not drift one way.
  for (int y = 0; y < height; ++y) {
    const bool reverse = (y % 2) == 1;
    float* row = &grey[static_cast<size_t>(y) * w];
    float* next = y + 1 < height ? row + w : nullptr;
    for (int i = 0; i < width; ++i) {
      const int x = reverse ? width - 1 - i : i;
      const int ahead = reverse ? x - 1 : x + 1;
      const int behind = reverse ? x + 1 : x - 1;
      const bool black = row[x] < 128.0F;
      if (black) bitmap.Set(x, y, true);
      const float error = row[x] - (black ? 0.0F : 255.0F);
      if (ahead >= 0 && ahead < width) row[ahead] += error * 7 / 16;
      if (next != nullptr) {
        if (behind >= 0 && behind < width) next[behind] += error * 3 / 16;
        next[x] += error * 5 / 16;
        if (ahead >= 0 && ahead < width) next[ahead] += error * 1 / 16;
      }
    }
  }
  return bitmap;
}

}  // namespace mykey::receipt
