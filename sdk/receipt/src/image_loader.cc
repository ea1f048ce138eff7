// The one place stb_image (the decoder half of libstb-dev) is used: reading scanned or
// photographed vouchers from PNG and JPEG files.
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "mykey/receipt/image.h"

#include <stb/stb_image.h>

namespace mykey::receipt {

uint8_t GreyImage::At(int x, int y) const {
  x = x < 0 ? 0 : (x >= width ? width - 1 : x);
  y = y < 0 ? 0 : (y >= height ? height - 1 : y);
  return pixels[static_cast<size_t>(y) * static_cast<size_t>(width) + static_cast<size_t>(x)];
}

PixelView GreyImage::view() const {
  return PixelView{pixels.data(), width, height, width, PixelFormat::kGrey8};
}

GreyImage GreyImage::FromBitmap(const Bitmap& bitmap) {
  return GreyImage{bitmap.width(), bitmap.height(), bitmap.ToGrey()};
}

Result<GreyImage> LoadGreyImage(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return Fail(ErrorCode::kNotFound, "cannot open the image file", ErrorDomain::kOs, errno);
  }
  int width = 0;
  int height = 0;
  int channels = 0;
  // The header first: a small file can claim a huge image, and decoding allocates it.
  if (stbi_info_from_file(file, &width, &height, &channels) == 0 || width <= 0 || height <= 0) {
    std::fclose(file);
    return Fail(ErrorCode::kInvalidArgument, "not a PNG or JPEG image");
  }
  const int64_t pixels = static_cast<int64_t>(width) * height;
  if (pixels > kMaxImagePixels) {
    std::fclose(file);
    return Fail(ErrorCode::kInvalidArgument, "image larger than 40 megapixels (kMaxImagePixels)",
                ErrorDomain::kNone, pixels);
  }
  // Grey and alpha: a logo's transparent background is often black underneath.
  stbi_uc* data = stbi_load_from_file(file, &width, &height, &channels, 2);
  std::fclose(file);
  if (data == nullptr || width <= 0 || height <= 0) {
    if (data != nullptr) stbi_image_free(data);
    return Fail(ErrorCode::kInvalidArgument, "not a PNG or JPEG image");
  }
  GreyImage image;
  image.width = width;
  image.height = height;
  const size_t size = static_cast<size_t>(width) * static_cast<size_t>(height);
  image.pixels.resize(size);
  for (size_t i = 0; i < size; ++i) {
    // Composited over white paper.
    const unsigned grey = data[2 * i];
    const unsigned alpha = data[2 * i + 1];
    image.pixels[i] = static_cast<uint8_t>((grey * alpha + 255U * (255U - alpha) + 127U) / 255U);
  }
  stbi_image_free(data);
  return image;
}

}  // namespace mykey::receipt
