// The one place ZXing-cpp is used: decoding QR codes and barcodes from rasters (the proof that
// a printed code scans) and drawing CODE128. ZXing may throw; every call is caught here.
#define ZX_USE_UTF8 1
#include <ZXing/BarcodeFormat.h>
#include <ZXing/BitMatrix.h>
#include <ZXing/DecodeHints.h>
#include <ZXing/ImageView.h>
#include <ZXing/MultiFormatWriter.h>
#include <ZXing/ReadBarcode.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include "mykey/receipt/image.h"
#include "mykey/receipt/qr.h"

namespace mykey::receipt {

namespace {

Result<std::string> Decode(const Bitmap& bitmap, ZXing::BarcodeFormat format) {
  if (bitmap.empty()) return Fail(ErrorCode::kNotFound, "empty image");
  const std::vector<uint8_t> grey = bitmap.ToGrey();
  try {
    ZXing::DecodeHints hints;
    hints.setFormats(format);
    hints.setTryHarder(true);
    const ZXing::ImageView view(grey.data(), bitmap.width(), bitmap.height(),
                                ZXing::ImageFormat::Lum);
    const ZXing::Result result = ZXing::ReadBarcode(view, hints);
    if (!result.isValid()) return Fail(ErrorCode::kNotFound, "no barcode decoded from the image");
    const ZXing::ByteArray& bytes = result.bytes();
    return std::string(bytes.begin(), bytes.end());
  } catch (const std::exception&) {
    return Fail(ErrorCode::kInternal, "ZXing failed while decoding");
  }
}

// A one-dimensional symbol drawn by ZXing's writer, one module = module_dots, bars
// height_dots tall, with quiet zones of `left` and `right` modules.
Result<Bitmap> DrawLinear(ZXing::BarcodeFormat format, std::string_view data, int left, int right,
                          int module_dots, int height_dots) {
  try {
    const std::wstring contents(data.begin(), data.end());
    const ZXing::BitMatrix bars =
        ZXing::MultiFormatWriter(format).setMargin(0).encode(contents, 1, 1);
    const int modules = left + bars.width() + right;
    MYKEY_ASSIGN_OR_RETURN(Bitmap bitmap, Bitmap::Create(modules * module_dots, height_dots));
    for (int x = 0; x < bars.width(); ++x) {
      if (bars.get(x, 0)) {
        bitmap.FillRect((x + left) * module_dots, 0, module_dots, height_dots, true);
      }
    }
    return bitmap;
  } catch (const std::exception&) {
    return Fail(ErrorCode::kInternal, "ZXing failed to draw a barcode");
  }
}

}  // namespace

Result<std::string> DecodeQr(const Bitmap& bitmap) {
  return Decode(bitmap, ZXing::BarcodeFormat::QRCode);
}

Result<std::string> DecodeCode128(const Bitmap& bitmap) {
  return Decode(bitmap, ZXing::BarcodeFormat::Code128);
}

Result<std::string> DecodeEan13(const Bitmap& bitmap) {
  return Decode(bitmap, ZXing::BarcodeFormat::EAN13);
}

Status VerifyQrRaster(const Bitmap& bitmap, std::string_view payload) {
  Result<std::string> decoded = DecodeQr(bitmap);
  if (!decoded) return Fail(ErrorCode::kDataLoss, "rendered QR code does not decode");
  if (*decoded != payload) {
    return Fail(ErrorCode::kDataLoss, "rendered QR code decodes to something else");
  }
  return Ok();
}

Result<Bitmap> RenderCode128(std::string_view data, int module_dots, int height_dots) {
  if (data.empty() || data.size() > 80) {
    return Fail(ErrorCode::kInvalidArgument, "CODE128 data must be 1..80 characters");
  }
  for (char c : data) {
    if (c < 0x20 || c > 0x7E) {
      return Fail(ErrorCode::kInvalidArgument, "CODE128 data must be printable ASCII");
    }
  }
  if (module_dots < 1 || module_dots > 6 || height_dots < 1 || height_dots > 255) {
    return Fail(ErrorCode::kInvalidArgument, "CODE128 module size or height out of range");
  }
  constexpr int kQuietModules = 10;
  return DrawLinear(ZXing::BarcodeFormat::Code128, data, kQuietModules, kQuietModules, module_dots,
                    height_dots);
}

Result<Bitmap> RenderEan13(std::string_view digits, int module_dots, int height_dots) {
  MYKEY_ASSIGN_OR_RETURN(std::string checked, Ean13WithCheckDigit(digits));
  if (module_dots < 1 || module_dots > 6 || height_dots < 1 || height_dots > 255) {
    return Fail(ErrorCode::kInvalidArgument, "EAN-13 module size or height out of range");
  }
  return DrawLinear(ZXing::BarcodeFormat::EAN13, checked, kEan13LeftQuietModules,
                    kEan13RightQuietModules, module_dots, height_dots);
}

int BytesPerPixel(PixelFormat format) {
  switch (format) {
    case PixelFormat::kGrey8: return 1;
    case PixelFormat::kRgb24:
    case PixelFormat::kBgr24: return 3;
    case PixelFormat::kRgba32:
    case PixelFormat::kBgra32: return 4;
    case PixelFormat::kYuyv:
    case PixelFormat::kUyvy: return 2;
  }
  return 0;
}

namespace {

// ZXing's view of a frame: its format, and for packed YUV the luma bytes read as grey with a
// pixel stride of 2 (Y first in YUYV, second in UYVY).
ZXing::ImageView ZXingView(const PixelView& image, int row_stride) {
  switch (image.format) {
    case PixelFormat::kGrey8:
      return {image.data, image.width, image.height, ZXing::ImageFormat::Lum, row_stride};
    case PixelFormat::kRgb24:
      return {image.data, image.width, image.height, ZXing::ImageFormat::RGB, row_stride};
    case PixelFormat::kBgr24:
      return {image.data, image.width, image.height, ZXing::ImageFormat::BGR, row_stride};
    case PixelFormat::kRgba32:
      return {image.data, image.width, image.height, ZXing::ImageFormat::RGBX, row_stride};
    case PixelFormat::kBgra32:
      return {image.data, image.width, image.height, ZXing::ImageFormat::BGRX, row_stride};
    case PixelFormat::kYuyv:
      return {image.data, image.width, image.height, ZXing::ImageFormat::Lum, row_stride, 2};
    case PixelFormat::kUyvy:
      return {image.data + 1, image.width, image.height, ZXing::ImageFormat::Lum, row_stride, 2};
  }
  return {image.data, 0, 0, ZXing::ImageFormat::None};
}

}  // namespace

namespace {

// One ZXing pass over a view: the payloads of the valid QR codes (possibly none).
std::vector<std::string> ReadQrPayloads(const ZXing::ImageView& view) {
  ZXing::DecodeHints hints;
  hints.setFormats(ZXing::BarcodeFormat::QRCode);
  hints.setTryHarder(true);
  hints.setTryRotate(true);
  std::vector<std::string> payloads;
  for (const ZXing::Result& result : ZXing::ReadBarcodes(view, hints)) {
    if (!result.isValid()) continue;
    const ZXing::ByteArray& bytes = result.bytes();
    payloads.emplace_back(bytes.begin(), bytes.end());
  }
  return payloads;
}

// The luminance of each pixel, row after row (width x height bytes).
std::vector<uint8_t> Luminance(const PixelView& image, int row_stride, int bytes_per_pixel) {
  std::vector<uint8_t> grey(static_cast<size_t>(image.width) * static_cast<size_t>(image.height));
  size_t out = 0;
  for (int y = 0; y < image.height; ++y) {
    const uint8_t* row = image.data + static_cast<ptrdiff_t>(y) * row_stride;
    for (int x = 0; x < image.width; ++x, ++out) {
      const uint8_t* px = row + static_cast<ptrdiff_t>(x) * bytes_per_pixel;
      unsigned r = px[0], g = px[0], b = px[0];
      switch (image.format) {
        case PixelFormat::kRgb24:
        case PixelFormat::kRgba32: r = px[0], g = px[1], b = px[2]; break;
        case PixelFormat::kBgr24:
        case PixelFormat::kBgra32: r = px[2], g = px[1], b = px[0]; break;
        case PixelFormat::kUyvy: r = g = b = px[1]; break;
        case PixelFormat::kGrey8:
        case PixelFormat::kYuyv: break;
      }
      grey[out] = static_cast<uint8_t>((77 * r + 150 * g + 29 * b) >> 8);
    }
  }
  return grey;
}

// Stretches the grey levels so that the darkest 1 % become black and the lightest 1 % white: a
// faded thermal print or a photo in dim light keeps only a fraction of the contrast.
// @returns false when the image is already (nearly) full range or flat.
bool StretchContrast(std::vector<uint8_t>& grey) {
  size_t histogram[256] = {};
  for (uint8_t v : grey) ++histogram[v];
  const size_t tail = grey.size() / 100;
  int low = 0;  // the darkest level with more than 1 % of the pixels at or below it
  for (size_t seen = histogram[0]; low < 255 && seen <= tail;) seen += histogram[++low];
  int high = 255;  // the lightest with more than 1 % at or above it
  for (size_t seen = histogram[255]; high > 0 && seen <= tail;) seen += histogram[--high];
  if (high - low < 8 || high - low > 200) return false;
  for (uint8_t& v : grey) {
    const int stretched = (static_cast<int>(v) - low) * 255 / (high - low);
    v = static_cast<uint8_t>(std::clamp(stretched, 0, 255));
  }
  return true;
}

// A 3 x 3 mean: sensor noise down to a third, at the cost of a little sharpness.
std::vector<uint8_t> BoxFiltered(const std::vector<uint8_t>& grey, int width, int height) {
  std::vector<uint8_t> out(grey.size());
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      int sum = 0;
      int count = 0;
      for (int dy = -1; dy <= 1; ++dy) {
        for (int dx = -1; dx <= 1; ++dx) {
          const int yy = y + dy;
          const int xx = x + dx;
          if (yy < 0 || yy >= height || xx < 0 || xx >= width) continue;
          sum +=
              grey[static_cast<size_t>(yy) * static_cast<size_t>(width) + static_cast<size_t>(xx)];
          ++count;
        }
      }
      out[static_cast<size_t>(y) * static_cast<size_t>(width) + static_cast<size_t>(x)] =
          static_cast<uint8_t>(sum / count);
    }
  }
  return out;
}

}  // namespace

Result<std::vector<std::string>> DecodeQrCodes(const PixelView& image) {
  const int bytes_per_pixel = BytesPerPixel(image.format);
  if (bytes_per_pixel == 0) return Fail(ErrorCode::kInvalidArgument, "unknown pixel format");
  if (image.data == nullptr || image.width <= 0 || image.height <= 0) {
    return Fail(ErrorCode::kInvalidArgument, "image has no pixels");
  }
  const int row_stride = image.row_stride == 0 ? image.width * bytes_per_pixel : image.row_stride;
  if (row_stride < image.width * bytes_per_pixel) {
    return Fail(ErrorCode::kInvalidArgument, "image row stride shorter than a row");
  }
  try {
    std::vector<std::string> payloads = ReadQrPayloads(ZXingView(image, row_stride));
    if (payloads.empty()) {
      // Second chances, only for a picture that gave nothing: the contrast stretched (a faded
      // print), then also smoothed (a noisy one).
      std::vector<uint8_t> grey = Luminance(image, row_stride, bytes_per_pixel);
      const bool stretched = StretchContrast(grey);
      if (stretched) {
        payloads = ReadQrPayloads(
            ZXing::ImageView(grey.data(), image.width, image.height, ZXing::ImageFormat::Lum));
      }
      if (payloads.empty()) {
        const std::vector<uint8_t> smooth = BoxFiltered(grey, image.width, image.height);
        payloads = ReadQrPayloads(
            ZXing::ImageView(smooth.data(), image.width, image.height, ZXing::ImageFormat::Lum));
      }
    }
    if (payloads.empty()) return Fail(ErrorCode::kNotFound, "no QR code decoded from the image");
    return payloads;
  } catch (const std::exception&) {
    return Fail(ErrorCode::kInternal, "ZXing failed while decoding");
  }
}

}  // namespace mykey::receipt
