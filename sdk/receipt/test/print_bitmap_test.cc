#include <cmath>
#include <string>
#include <vector>

#include "mykey/receipt/image.h"
#include "mykey/testing/catch.h"

namespace mykey::receipt {
namespace {

GreyImage Filled(int width, int height, uint8_t grey) {
  return GreyImage{
      width, height,
      std::vector<uint8_t>(static_cast<size_t>(width) * static_cast<size_t>(height), grey)};
}

double BlackDensity(const Bitmap& bitmap, int x, int y, int w, int h) {
  return static_cast<double>(bitmap.Cropped(x, y, w, h).CountBlack()) / (w * h);
}

// A logo: a black disc and a black bar on white, drawn at `scale` times 100 x 50 pixels.
GreyImage Logo(int scale) {
  GreyImage logo = Filled(100 * scale, 50 * scale, 255);
  for (int y = 0; y < logo.height; ++y) {
    for (int x = 0; x < logo.width; ++x) {
      const double dx = x / static_cast<double>(scale) - 25;
      const double dy = y / static_cast<double>(scale) - 25;
      const bool disc = dx * dx + dy * dy < 20 * 20;
      const bool bar = x >= 55 * scale && x < 95 * scale && y >= 20 * scale && y < 30 * scale;
      if (disc || bar) logo.pixels[static_cast<size_t>(y * logo.width + x)] = 0;
    }
  }
  return logo;
}

TEST_CASE("A grey gradient dithers to a black density that follows the grey level") {
  GreyImage gradient = Filled(256, 64, 0);
  for (int y = 0; y < 64; ++y) {
    for (int x = 0; x < 256; ++x)
      gradient.pixels[static_cast<size_t>(y * 256 + x)] = static_cast<uint8_t>(x);
  }
  auto dithered = ToPrintBitmap(gradient);
  REQUIRE(dithered);
  REQUIRE(dithered->width() == 256);
  REQUIRE(dithered->height() == 64);
  for (int band = 0; band < 8; ++band) {
    INFO("band " << band);
    const double mean_grey = band * 32 + 15.5;
    CHECK(BlackDensity(*dithered, band * 32, 0, 32, 64) ==
          Approx(1 - mean_grey / 255).margin(0.04));
  }
  CHECK(BlackDensity(*dithered, 0, 0, 256, 64) == Approx(0.5).margin(0.01));
}

TEST_CASE("Flat greys dither to their density; white stays paper and black stays solid") {
  for (int grey : {0, 64, 128, 192, 255}) {
    INFO("grey " << grey);
    auto dithered = ToPrintBitmap(Filled(200, 100, static_cast<uint8_t>(grey)));
    REQUIRE(dithered);
    CHECK(BlackDensity(*dithered, 0, 0, 200, 100) == Approx(1 - grey / 255.0).margin(0.01));
  }
  CHECK(ToPrintBitmap(Filled(50, 50, 255))->CountBlack() == 0);
  CHECK(ToPrintBitmap(Filled(50, 50, 0))->CountBlack() == 2500);
}

TEST_CASE("Scaling averages areas: 1000 x 500 to 384 dots wide is 384 x 192") {
  // A fine checkerboard averages to 50% grey: it dithers to half the dots, not to moire.
  GreyImage checker = Filled(1000, 500, 255);
  for (int y = 0; y < 500; ++y) {
    for (int x = 0; x < 1000; ++x) {
      if ((x + y) % 2 == 0) checker.pixels[static_cast<size_t>(y * 1000 + x)] = 0;
    }
  }
  PrintBitmapOptions options;
  options.width_dots = 384;
  auto bitmap = ToPrintBitmap(checker, options);
  REQUIRE(bitmap);
  CHECK(bitmap->width() == 384);
  CHECK(bitmap->height() == 192);
  CHECK(BlackDensity(*bitmap, 0, 0, 384, 192) == Approx(0.5).margin(0.02));
  // At half size every dot averages two black and two white pixels: 127.5, a flat mid grey
  // (sampling one pixel per dot would give solid black or white instead).
  options.width_dots = 500;
  options.halftone = Halftone::kThreshold;
  options.threshold = 100;
  CHECK(ToPrintBitmap(checker, options)->CountBlack() == 0);
  options.threshold = 200;
  CHECK(ToPrintBitmap(checker, options)->CountBlack() == 500 * 250);
}

TEST_CASE("A black-on-white logo keeps its shape when scaled down, dithered or thresholded") {
  const GreyImage big = Logo(4);  // 400 x 200
  const GreyImage expected_grey = Logo(1);
  Bitmap expected = *Bitmap::Create(100, 50);
  for (int y = 0; y < 50; ++y) {
    for (int x = 0; x < 100; ++x) expected.Set(x, y, expected_grey.At(x, y) < 128);
  }
  for (Halftone halftone : {Halftone::kThreshold, Halftone::kFloydSteinberg}) {
    INFO("halftone " << static_cast<int>(halftone));
    PrintBitmapOptions options;
    options.width_dots = 100;
    options.halftone = halftone;
    auto bitmap = ToPrintBitmap(big, options);
    REQUIRE(bitmap);
    REQUIRE(bitmap->width() == 100);
    REQUIRE(bitmap->height() == 50);
    int differ = 0;
    for (int y = 0; y < 50; ++y) {
      for (int x = 0; x < 100; ++x) differ += bitmap->Get(x, y) != expected.Get(x, y) ? 1 : 0;
    }
    CHECK(differ < 50);               // edge dots only: 1% of 5000
    CHECK(bitmap->Get(25, 25));       // the disc's centre
    CHECK(bitmap->Get(75, 25));       // the bar
    CHECK_FALSE(bitmap->Get(75, 5));  // paper above the bar
    CHECK_FALSE(bitmap->Get(2, 2));
  }
}

TEST_CASE("Upscaling repeats pixels: a 2 x 2 pattern at 8 dots is four 4 x 4 blocks") {
  const GreyImage tiny{2, 2, {0, 255, 255, 0}};
  PrintBitmapOptions options;
  options.width_dots = 8;
  auto bitmap = ToPrintBitmap(tiny, options);
  REQUIRE(bitmap);
  CHECK(bitmap->height() == 8);
  CHECK(bitmap->Cropped(0, 0, 4, 4).CountBlack() == 16);
  CHECK(bitmap->Cropped(4, 0, 4, 4).CountBlack() == 0);
  CHECK(bitmap->Cropped(4, 4, 4, 4).CountBlack() == 16);
}

TEST_CASE("A colour PNG logo with a transparent background loads over white and prints") {
  // 40 x 20 RGBA: transparent black background, an opaque red block (x 4-15, y 5-14) and a
  // half-transparent black block (x 24-35).
  auto logo = LoadGreyImage(std::string(MYKEY_RECEIPT_TEST_DATA_DIR) + "/logo-rgba.png");
  REQUIRE(logo);
  CHECK(logo->At(0, 0) == 255);
  CHECK(logo->At(39, 19) == 255);
  CHECK(logo->At(10, 10) == 81);  // red's luminance
  CHECK(logo->At(30, 10) == 127);
  PrintBitmapOptions options;
  options.width_dots = 80;
  options.halftone = Halftone::kThreshold;
  auto bitmap = ToPrintBitmap(*logo, options);
  REQUIRE(bitmap);
  CHECK(bitmap->height() == 40);
  CHECK(bitmap->Cropped(8, 10, 24, 20).CountBlack() == 24 * 20);
  CHECK(bitmap->Cropped(48, 10, 24, 20).CountBlack() == 24 * 20);
  CHECK(bitmap->CountBlack() == 2 * 24 * 20);
}

TEST_CASE("Converting an empty image or to a bad width or threshold is refused") {
  CHECK(ToPrintBitmap(GreyImage{}).error().code() == ErrorCode::kInvalidArgument);
  CHECK_FALSE(ToPrintBitmap(GreyImage{10, 10, std::vector<uint8_t>(50, 0)}));
  PrintBitmapOptions negative;
  negative.width_dots = -1;
  CHECK_FALSE(ToPrintBitmap(Filled(4, 4, 0), negative));
  PrintBitmapOptions too_tall;
  too_tall.width_dots = 60000;
  CHECK_FALSE(ToPrintBitmap(Filled(1, 2, 0), too_tall));
  PrintBitmapOptions threshold;
  threshold.halftone = Halftone::kThreshold;
  threshold.threshold = 0;
  CHECK_FALSE(ToPrintBitmap(Filled(4, 4, 0), threshold));
}

}  // namespace
}  // namespace mykey::receipt
