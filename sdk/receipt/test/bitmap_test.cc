#include "mykey/receipt/bitmap.h"

#include "mykey/testing/catch.h"

namespace mykey::receipt {
namespace {

TEST_CASE("A bitmap packs rows MSB first, padded to whole bytes, and unpacks to the same dots") {
  auto bitmap = Bitmap::Create(10, 2);
  REQUIRE(bitmap);
  bitmap->Set(0, 0, true);
  bitmap->Set(9, 0, true);
  bitmap->Set(1, 1, true);
  const Bytes packed = bitmap->PackRows();
  CHECK(packed == Bytes{0x80, 0x40, 0x40, 0x00});

  auto back = Bitmap::FromPackedRows(packed, 2, 2);
  REQUIRE(back);
  CHECK(back->width() == 16);
  CHECK(back->Get(0, 0));
  CHECK(back->Get(9, 0));
  CHECK(back->Get(1, 1));
  CHECK(back->CountBlack() == 3);
}

TEST_CASE("Unpacking raster data of the wrong length is refused") {
  const Bytes packed = {0xFF, 0x00, 0xFF};
  auto bitmap = Bitmap::FromPackedRows(packed, 2, 2);
  REQUIRE_FALSE(bitmap);
  CHECK(bitmap.error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("A bitmap refuses negative or huge sizes") {
  CHECK_FALSE(Bitmap::Create(-1, 5));
  CHECK_FALSE(Bitmap::Create(5, Bitmap::kMaxSide + 1));
}

TEST_CASE("Scaling repeats every dot and cropping keeps the rectangle") {
  auto bitmap = Bitmap::Create(2, 1);
  REQUIRE(bitmap);
  bitmap->Set(1, 0, true);
  auto scaled = bitmap->Scaled(3, 2);
  REQUIRE(scaled);
  CHECK(scaled->width() == 6);
  CHECK(scaled->height() == 2);
  CHECK(scaled->CountBlack() == 6);
  CHECK_FALSE(scaled->Get(2, 1));
  CHECK(scaled->Get(3, 1));
  const Bitmap cropped = scaled->Cropped(2, 0, 10, 1);
  CHECK(cropped.width() == 4);
  CHECK(cropped.CountBlack() == 3);
  CHECK_FALSE(bitmap->Scaled(0, 1));
}

TEST_CASE("Drawing clips at the edges instead of writing outside") {
  auto canvas = Bitmap::Create(4, 4);
  auto dot = Bitmap::Create(3, 3);
  REQUIRE(canvas);
  REQUIRE(dot);
  dot->FillRect(0, 0, 3, 3, true);
  canvas->Draw(*dot, 2, 2);
  canvas->Draw(*dot, -2, -2);
  CHECK(canvas->CountBlack() == 4 + 1);
}

TEST_CASE("A PNG starts with the PNG signature and an empty bitmap is refused") {
  auto bitmap = Bitmap::Create(3, 3);
  REQUIRE(bitmap);
  auto png = EncodePng(*bitmap);
  REQUIRE(png);
  REQUIRE(png->size() > 8);
  CHECK((*png)[1] == 'P');
  CHECK((*png)[2] == 'N');
  CHECK((*png)[3] == 'G');
  CHECK_FALSE(EncodePng(Bitmap{}));
  auto status = WritePng(*bitmap, "/nonexistent-dir/x.png");
  REQUIRE_FALSE(status);
  CHECK(status.error().code() == ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace mykey::receipt
