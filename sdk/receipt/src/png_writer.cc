// The one place stb_image_write is used (libstb-dev).
#include <cerrno>
#include <cstdio>

#include "mykey/receipt/bitmap.h"

#include <stb/stb_image_write.h>

namespace mykey::receipt {

namespace {

void AppendToBytes(void* context, void* data, int size) {
  auto* out = static_cast<Bytes*>(context);
  const auto* bytes = static_cast<const uint8_t*>(data);
  out->insert(out->end(), bytes, bytes + size);
}

}  // namespace

Result<Bytes> EncodePng(const Bitmap& bitmap) {
  if (bitmap.empty()) return Fail(ErrorCode::kInvalidArgument, "cannot write an empty bitmap");
  const std::vector<uint8_t> grey = bitmap.ToGrey();
  Bytes out;
  if (stbi_write_png_to_func(&AppendToBytes, &out, bitmap.width(), bitmap.height(), 1, grey.data(),
                             bitmap.width()) == 0) {
    return Fail(ErrorCode::kInternal, "PNG encoder failed");
  }
  return out;
}

Status WritePng(const Bitmap& bitmap, const std::string& path, int scale) {
  if (scale < 1 || scale > 16) return Fail(ErrorCode::kInvalidArgument, "PNG scale out of range");
  if (bitmap.empty()) return Fail(ErrorCode::kInvalidArgument, "cannot write an empty bitmap");
  Bitmap scaled_storage;
  const Bitmap* source = &bitmap;
  if (scale != 1) {
    MYKEY_ASSIGN_OR_RETURN(scaled_storage, bitmap.Scaled(scale, scale));
    source = &scaled_storage;
  }
  MYKEY_ASSIGN_OR_RETURN(Bytes png, EncodePng(*source));
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    return Fail(ErrorCode::kUnavailable, "cannot create the PNG file", ErrorDomain::kOs, errno);
  }
  const size_t written = std::fwrite(png.data(), 1, png.size(), file);
  const int write_errno = errno;
  if (std::fclose(file) != 0 || written != png.size()) {
    return Fail(ErrorCode::kUnavailable, "cannot write the PNG file", ErrorDomain::kOs,
                write_errno);
  }
  return Ok();
}

}  // namespace mykey::receipt
