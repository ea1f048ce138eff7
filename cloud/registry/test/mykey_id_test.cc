#include "mykey/registry/mykey_id.h"

#include <map>
#include <set>

#include "mykey/testing/catch.h"

namespace mykey::cloud {
namespace {

TEST_CASE("the MyKey ID alphabet has 31 symbols and no look-alikes") {
  CHECK(kMyKeyIdAlphabet.size() == 31);
  for (char excluded : {'0', '1', 'I', 'O', 'U'}) {
    CHECK(kMyKeyIdAlphabet.find(excluded) == std::string_view::npos);
  }
  std::set<char> symbols(kMyKeyIdAlphabet.begin(), kMyKeyIdAlphabet.end());
  CHECK(symbols.size() == kMyKeyIdAlphabet.size());
}

TEST_CASE("a MyKey ID is exactly eight symbols of the alphabet") {
  CHECK(IsValidMyKeyId("23456789"));
  CHECK(IsValidMyKeyId("ZXY2KQ7M"));
  CHECK_FALSE(IsValidMyKeyId("ZXY2KQ7"));
  CHECK_FALSE(IsValidMyKeyId("ZXY2KQ7MM"));
  CHECK_FALSE(IsValidMyKeyId("ZXY2KQ7O"));  // O
  CHECK_FALSE(IsValidMyKeyId("ZXY2KQ70"));  // 0
  CHECK_FALSE(IsValidMyKeyId("ZXY2KQ7I"));
  CHECK_FALSE(IsValidMyKeyId("zxy2kq7m"));
  CHECK_FALSE(IsValidMyKeyId(""));
}

TEST_CASE("a typed MyKey ID is upper-cased, look-alikes are refused rather than guessed") {
  CHECK(NormaliseMyKeyId("zxy2kq7m") == "ZXY2KQ7M");
  CHECK(NormaliseMyKeyId("ZXY2KQ7M") == "ZXY2KQ7M");
  CHECK_FALSE(NormaliseMyKeyId("zxy2kq7o"));
  CHECK_FALSE(NormaliseMyKeyId("ZXY2-KQ7"));
  CHECK_FALSE(NormaliseMyKeyId("ZXY2KQ7M "));
}

TEST_CASE("random MyKey IDs are valid and use every symbol in every position") {
  auto random = crypto::DeterministicRandom::Create(BytesOf("mykey-id"), BytesOf("test"));
  REQUIRE(random);
  std::set<std::string> ids;
  std::map<char, int> counts;
  for (int i = 0; i < 2000; ++i) {
    auto id = GenerateMyKeyId(**random);
    REQUIRE(id);
    REQUIRE(IsValidMyKeyId(*id));
    ids.insert(*id);
    for (char c : *id) ++counts[c];
  }
  CHECK(ids.size() == 2000);
  CHECK(counts.size() == kMyKeyIdAlphabet.size());
  // 16,000 symbols over 31: about 516 each; a biased draw would skew far more.
  for (const auto& [symbol, count] : counts) {
    CHECK(count > 400);
    CHECK(count < 640);
  }
}

TEST_CASE("the feed's MyKey ID hash is SHA-256 of the eight ASCII symbols") {
  CHECK(ToHex(MyKeyIdHash("23456789")) ==
        "F14F286CA435D1FA3B9D8041E8F06AA0AF7AB28EA8EDCD7E11FD485A100B632B");
}

}  // namespace
}  // namespace mykey::cloud
