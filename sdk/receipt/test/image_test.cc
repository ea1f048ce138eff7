#include "mykey/receipt/image.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
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

TEST_CASE("Pixels outside a grey image read as the nearest border pixel") {
  const GreyImage image{2, 1, {0, 255}};
  CHECK(image.At(-5, 0) == 0);
  CHECK(image.At(9, 3) == 255);
}

}  // namespace
}  // namespace mykey::receipt
