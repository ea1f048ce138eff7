#include "mykey/receipt/image.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include "mykey/receipt/qr.h"
#include "mykey/testing/catch.h"

namespace mykey::receipt {
namespace {

constexpr char kPayload[] = "MKV:TEST PAYLOAD 0123456789";

Bitmap QrBitmap(std::string_view payload, int module_dots = 4) {
  auto symbol = QrSymbol::Encode(payload, QrErrorCorrection::kM);
  REQUIRE(symbol);
  auto bitmap = symbol->Render(module_dots);
  REQUIRE(bitmap);
  return *bitmap;
}

std::string TempPath(const char* name) {
  return (std::filesystem::temp_directory_path() /
          (std::string("receipt_image_test_") + std::to_string(::getpid()) + "_" + name))
      .string();
}

TEST_CASE("A QR code in a grey frame decodes to its payload") {
  const GreyImage image = GreyImage::FromBitmap(QrBitmap(kPayload));
  auto payloads = DecodeQrCodes(image.view());
  REQUIRE(payloads);
  REQUIRE(payloads->size() == 1);
  CHECK(payloads->front() == kPayload);
}

TEST_CASE("A QR code in an RGB frame with padded rows decodes to its payload") {
  const GreyImage grey = GreyImage::FromBitmap(QrBitmap(kPayload));
  const int stride = grey.width * 3 + 17;
  std::vector<uint8_t> rgb(static_cast<size_t>(stride * grey.height), 0x55);
  for (int y = 0; y < grey.height; ++y) {
    for (int x = 0; x < grey.width; ++x) {
      for (int c = 0; c < 3; ++c) rgb[static_cast<size_t>(y * stride + x * 3 + c)] = grey.At(x, y);
    }
  }
  auto payloads =
      DecodeQrCodes(PixelView{rgb.data(), grey.width, grey.height, stride, PixelFormat::kRgb24});
  REQUIRE(payloads);
  CHECK(payloads->front() == kPayload);
}

// A frame of `format` holding `grey` (a QR code), rows padded by `padding` bytes.
struct Frame {
  std::vector<uint8_t> bytes;
  PixelView view;
};

// Colours with the same luminance when their red and blue are swapped, so a frame read in the
// wrong channel order has no contrast at all: dark (0, 100, 200) and light (255, 100, 103).
constexpr std::array<uint8_t, 3> kDarkRgb = {0, 100, 200};
constexpr std::array<uint8_t, 3> kLightRgb = {255, 100, 103};

Frame MakeFrame(const GreyImage& grey, PixelFormat format, int padding) {
  const int bpp = BytesPerPixel(format);
  const int stride = grey.width * bpp + padding;
  Frame frame;
  frame.bytes.assign(static_cast<size_t>(stride * grey.height), 0x55);
  for (int y = 0; y < grey.height; ++y) {
    for (int x = 0; x < grey.width; ++x) {
      uint8_t* p = &frame.bytes[static_cast<size_t>(y * stride + x * bpp)];
      const bool dark = grey.At(x, y) < 128;
      const std::array<uint8_t, 3>& rgb = dark ? kDarkRgb : kLightRgb;
      const uint8_t luma = grey.At(x, y);
      const auto put = [p](std::initializer_list<uint8_t> bytes) {
        std::copy(bytes.begin(), bytes.end(), p);
      };
      const auto inverse = static_cast<uint8_t>(255 - luma);
      switch (format) {
        case PixelFormat::kGrey8: put({luma}); break;
        case PixelFormat::kRgb24: put({rgb[0], rgb[1], rgb[2]}); break;
        case PixelFormat::kBgr24: put({rgb[2], rgb[1], rgb[0]}); break;
        case PixelFormat::kRgba32: put({rgb[0], rgb[1], rgb[2], 0}); break;
        case PixelFormat::kBgra32: put({rgb[2], rgb[1], rgb[0], 0}); break;
        // Chroma is the inverse of the luma: read as luma it would scramble the code.
        case PixelFormat::kYuyv: put({luma, inverse}); break;
        case PixelFormat::kUyvy: put({inverse, luma}); break;
      }
    }
  }
  frame.view = PixelView{frame.bytes.data(), grey.width, grey.height, stride, format};
  return frame;
}

TEST_CASE("QR codes decode from camera frames in every pixel format, with padded rows") {
  const GreyImage grey = GreyImage::FromBitmap(QrBitmap(kPayload));
  for (PixelFormat format :
       {PixelFormat::kGrey8, PixelFormat::kRgb24, PixelFormat::kBgr24, PixelFormat::kRgba32,
        PixelFormat::kBgra32, PixelFormat::kYuyv, PixelFormat::kUyvy}) {
    INFO("format " << static_cast<int>(format));
    for (int padding : {0, 12}) {
      const Frame frame = MakeFrame(grey, format, padding);
      auto payloads = DecodeQrCodes(frame.view);
      REQUIRE(payloads);
      CHECK(payloads->front() == kPayload);
    }
  }
}

TEST_CASE("A colour frame read in the wrong channel order has no contrast and does not decode") {
  // The check that the formats above are told apart: BGR bytes declared as RGB.
  const GreyImage grey = GreyImage::FromBitmap(QrBitmap(kPayload));
  Frame bgr = MakeFrame(grey, PixelFormat::kBgr24, 0);
  bgr.view.format = PixelFormat::kRgb24;
  auto payloads = DecodeQrCodes(bgr.view);
  REQUIRE_FALSE(payloads);
  CHECK(payloads.error().code() == ErrorCode::kNotFound);
}

TEST_CASE("An NV12 frame decodes from its Y plane passed as grey with the plane's stride") {
  const GreyImage grey = GreyImage::FromBitmap(QrBitmap(kPayload));
  const int stride = (grey.width + 63) / 64 * 64;  // aligned rows, as camera drivers give
  // Y plane, then the interleaved UV plane at half height (noise: it must not be read).
  std::vector<uint8_t> nv12(static_cast<size_t>(stride * grey.height * 3 / 2), 0);
  for (int y = 0; y < grey.height; ++y) {
    for (int x = 0; x < grey.width; ++x) nv12[static_cast<size_t>(y * stride + x)] = grey.At(x, y);
  }
  for (size_t i = static_cast<size_t>(stride * grey.height); i < nv12.size(); ++i) {
    nv12[i] = static_cast<uint8_t>(i * 37);
  }
  auto payloads =
      DecodeQrCodes(PixelView{nv12.data(), grey.width, grey.height, stride, PixelFormat::kGrey8});
  REQUIRE(payloads);
  CHECK(payloads->front() == kPayload);
}

TEST_CASE("Bytes per pixel: 1 grey, 3 RGB/BGR, 4 RGBA/BGRA, 2 packed YUV") {
  CHECK(BytesPerPixel(PixelFormat::kGrey8) == 1);
  CHECK(BytesPerPixel(PixelFormat::kBgr24) == 3);
  CHECK(BytesPerPixel(PixelFormat::kBgra32) == 4);
  CHECK(BytesPerPixel(PixelFormat::kYuyv) == 2);
  const GreyImage grey = GreyImage::FromBitmap(QrBitmap(kPayload));
  const Frame rgba = MakeFrame(grey, PixelFormat::kRgba32, 0);
  PixelView short_stride = rgba.view;
  short_stride.row_stride = grey.width * 3;  // a row of RGBA is 4 bytes a pixel
  CHECK(DecodeQrCodes(short_stride).error().code() == ErrorCode::kInvalidArgument);
}

// A QR page as a camera sees a worn print: black printed as `ink`, paper as `paper`, plus noise
// of about `noise` grey levels (a fixed pseudo-random sequence, so the test is repeatable).
GreyImage WornPrint(int ink, int paper, int noise) {
  const GreyImage clean = GreyImage::FromBitmap(QrBitmap(kPayload, 6));
  GreyImage worn = clean;
  uint32_t state = 12345;
  const auto next = [&state] {
    state = state * 1103515245u + 12345u;
    return static_cast<int>((state >> 16) & 0xFF);
  };
  for (uint8_t& v : worn.pixels) {
    // The sum of four uniform draws: roughly normal.
    const int n = noise == 0 ? 0 : ((next() + next() + next() + next()) - 510) * noise / 148;
    v = static_cast<uint8_t>(std::clamp((v < 128 ? ink : paper) + n, 0, 255));
  }
  return worn;
}

TEST_CASE("A faded or noisy print still decodes: the contrast is stretched, the noise smoothed") {
  for (auto [ink, paper, noise] :
       {std::array<int, 3>{150, 200, 20}, std::array<int, 3>{0, 255, 90}}) {
    CAPTURE(ink, paper, noise);
    const GreyImage worn = WornPrint(ink, paper, noise);
    auto payloads = DecodeQrCodes(worn.view());
    REQUIRE(payloads);
    CHECK(payloads->front() == kPayload);
  }
}

TEST_CASE("An image without a QR code is not found, an empty view is invalid") {
  auto blank = Bitmap::Create(200, 200);
  REQUIRE(blank);
  const GreyImage image = GreyImage::FromBitmap(*blank);
  auto none = DecodeQrCodes(image.view());
  REQUIRE_FALSE(none);
  CHECK(none.error().code() == ErrorCode::kNotFound);
  auto empty = DecodeQrCodes(PixelView{});
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code() == ErrorCode::kInvalidArgument);
  auto short_stride =
      DecodeQrCodes(PixelView{image.pixels.data(), 200, 200, 100, PixelFormat::kGrey8});
  REQUIRE_FALSE(short_stride);
  CHECK(short_stride.error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("A PNG written by WritePng loads back as the same grey pixels") {
  const Bitmap bitmap = QrBitmap(kPayload, 3);
  const std::string path = TempPath("qr.png");
  REQUIRE(WritePng(bitmap, path));
  auto loaded = LoadGreyImage(path);
  std::filesystem::remove(path);
  REQUIRE(loaded);
  CHECK(loaded->width == bitmap.width());
  CHECK(loaded->height == bitmap.height());
  CHECK(loaded->pixels == bitmap.ToGrey());
  auto payloads = DecodeQrCodes(loaded->view());
  REQUIRE(payloads);
  CHECK(payloads->front() == kPayload);
}

TEST_CASE("A missing file is not found and a file that is not an image is invalid") {
  auto missing = LoadGreyImage("/nonexistent/voucher.png");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == ErrorCode::kNotFound);
  const std::string path = TempPath("text.png");
  std::ofstream(path) << "this is not a PNG";
  auto garbage = LoadGreyImage(path);
  std::filesystem::remove(path);
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("An image above 40 megapixels is refused from its header, before decoding") {
  // A valid 8000 x 6000 1-bit PNG of 12 KB: decoded it would take 96 MB.
  auto big = LoadGreyImage(std::string(MYKEY_RECEIPT_TEST_DATA_DIR) + "/white-48mp.png");
  REQUIRE_FALSE(big);
  CHECK(big.error().code() == ErrorCode::kInvalidArgument);
  CHECK(big.error().detail() == int64_t{8000} * 6000);
}

TEST_CASE("Pixels outside a grey image read as the nearest border pixel") {
  const GreyImage image{2, 1, {0, 255}};
  CHECK(image.At(-5, 0) == 0);
  CHECK(image.At(9, 3) == 255);
}

}  // namespace
}  // namespace mykey::receipt
