#include "mykey/receipt/bitmap.h"

#include <algorithm>
#include <cstddef>

namespace mykey::receipt {

namespace {
size_t Index(int x, int y, int width) {
  return static_cast<size_t>(y) * static_cast<size_t>(width) + static_cast<size_t>(x);
}
}  // namespace

Result<Bitmap> Bitmap::Create(int width, int height) {
  if (width < 0 || height < 0 || width > kMaxSide || height > kMaxSide) {
    return Fail(ErrorCode::kInvalidArgument, "bitmap size out of range");
  }
  Bitmap bitmap;
  bitmap.width_ = width;
  bitmap.height_ = height;
  bitmap.dots_.assign(static_cast<size_t>(width) * static_cast<size_t>(height), 0);
  return bitmap;
}

Result<Bitmap> Bitmap::FromPackedRows(ByteView packed, int width_bytes, int height) {
  if (width_bytes < 0 || height < 0 || width_bytes * 8 > kMaxSide || height > kMaxSide) {
    return Fail(ErrorCode::kInvalidArgument, "raster size out of range");
  }
  if (packed.size() != static_cast<size_t>(width_bytes) * static_cast<size_t>(height)) {
    return Fail(ErrorCode::kInvalidArgument, "raster data length does not match its size");
  }
  MYKEY_ASSIGN_OR_RETURN(Bitmap bitmap, Create(width_bytes * 8, height));
  for (int y = 0; y < height; ++y) {
    for (int xb = 0; xb < width_bytes; ++xb) {
      const uint8_t byte = packed[Index(xb, y, width_bytes)];
      for (int bit = 0; bit < 8; ++bit) {
        if ((byte & (0x80 >> bit)) != 0) bitmap.Set(xb * 8 + bit, y, true);
      }
    }
  }
  return bitmap;
}

bool Bitmap::Get(int x, int y) const {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return false;
  return dots_[Index(x, y, width_)] != 0;
}

void Bitmap::Set(int x, int y, bool black) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
  dots_[Index(x, y, width_)] = black ? 1 : 0;
}

void Bitmap::FillRect(int x, int y, int w, int h, bool black) {
  const int x0 = std::max(x, 0);
  const int y0 = std::max(y, 0);
  const int x1 = std::min(x + w, width_);
  const int y1 = std::min(y + h, height_);
  for (int yy = y0; yy < y1; ++yy) {
    for (int xx = x0; xx < x1; ++xx) dots_[Index(xx, yy, width_)] = black ? 1 : 0;
  }
}

void Bitmap::Draw(const Bitmap& src, int x, int y) {
  for (int sy = 0; sy < src.height_; ++sy) {
    const int ty = y + sy;
    if (ty < 0 || ty >= height_) continue;
    for (int sx = 0; sx < src.width_; ++sx) {
      const int tx = x + sx;
      if (tx < 0 || tx >= width_) continue;
      if (src.dots_[Index(sx, sy, src.width_)] != 0) dots_[Index(tx, ty, width_)] = 1;
    }
  }
}

int Bitmap::CountBlack() const {
  return static_cast<int>(std::count(dots_.begin(), dots_.end(), uint8_t{1}));
}

Bytes Bitmap::PackRows() const {
  const int width_bytes = (width_ + 7) / 8;
  Bytes out(static_cast<size_t>(width_bytes) * static_cast<size_t>(height_), 0);
  for (int y = 0; y < height_; ++y) {
    for (int x = 0; x < width_; ++x) {
      if (dots_[Index(x, y, width_)] != 0) {
        out[Index(x / 8, y, width_bytes)] |= static_cast<uint8_t>(0x80 >> (x % 8));
      }
    }
  }
  return out;
}

Result<Bitmap> Bitmap::Scaled(int factor_x, int factor_y) const {
  if (factor_x < 1 || factor_x > 16 || factor_y < 1 || factor_y > 16) {
    return Fail(ErrorCode::kInvalidArgument, "bitmap scale factor out of range");
  }
  MYKEY_ASSIGN_OR_RETURN(Bitmap out, Create(width_ * factor_x, height_ * factor_y));
  for (int y = 0; y < out.height_; ++y) {
    for (int x = 0; x < out.width_; ++x) {
      out.dots_[Index(x, y, out.width_)] = dots_[Index(x / factor_x, y / factor_y, width_)];
    }
  }
  return out;
}

Bitmap Bitmap::Cropped(int x, int y, int w, int h) const {
  const int x0 = std::clamp(x, 0, width_);
  const int y0 = std::clamp(y, 0, height_);
  const int x1 = std::clamp(x + w, x0, width_);
  const int y1 = std::clamp(y + h, y0, height_);
  Bitmap out;
  out.width_ = x1 - x0;
  out.height_ = y1 - y0;
  out.dots_.resize(static_cast<size_t>(out.width_) * static_cast<size_t>(out.height_));
  for (int yy = y0; yy < y1; ++yy) {
    for (int xx = x0; xx < x1; ++xx) {
      out.dots_[Index(xx - x0, yy - y0, out.width_)] = dots_[Index(xx, yy, width_)];
    }
  }
  return out;
}

std::vector<uint8_t> Bitmap::ToGrey() const {
  std::vector<uint8_t> grey(dots_.size());
  std::transform(dots_.begin(), dots_.end(), grey.begin(),
                 [](uint8_t dot) { return dot != 0 ? uint8_t{0} : uint8_t{255}; });
  return grey;
}

}  // namespace mykey::receipt
