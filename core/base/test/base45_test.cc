#include "mykey/base/base45.h"

#include <random>

#include "mykey/testing/catch.h"

namespace mykey {
namespace {

TEST_CASE("Base45 matches the RFC 9285 examples") {
  CHECK(Base45Encode(ViewOf("AB")) == "BB8");
  CHECK(Base45Encode(ViewOf("Hello!!")) == "%69 VD92EX0");
  CHECK(Base45Encode(ViewOf("base-45")) == "UJCLQE7W581");
  CHECK(Base45Encode(ViewOf("")) == "");
  CHECK(Base45Decode("QED8WEX0").value() == BytesOf("ietf!"));
  CHECK(Base45Decode("BB8").value() == BytesOf("AB"));
  CHECK(Base45Decode("%69 VD92EX0").value() == BytesOf("Hello!!"));
  CHECK(Base45Decode("").value().empty());
}

TEST_CASE("Base45 encodes the extreme byte values at the edges of the groups") {
  CHECK(Base45Encode(Bytes{0x00}) == "00");
  CHECK(Base45Encode(Bytes{0xFF}) == "U5");
  CHECK(Base45Encode(Bytes{0xFF, 0xFF}) == "FGW");
  CHECK(Base45Decode("FGW").value() == (Bytes{0xFF, 0xFF}));
  CHECK(Base45Decode("U5").value() == Bytes{0xFF});
}

TEST_CASE("Base45 decoding refuses characters outside the alphabet and reports where") {
  for (std::string_view text : {"bb8", "BB#", "BB8\n", "BB8=", "Q\xC3\x89"}) {
    INFO(text);
    auto decoded = Base45Decode(text);
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error().code() == ErrorCode::kInvalidArgument);
    CHECK(decoded.error().domain() == ErrorDomain::kParse);
  }
  CHECK(Base45Decode("BB#").error().detail() == 2);
}

TEST_CASE("Base45 decoding refuses a length of 1 modulo 3") {
  for (std::string_view text : {"B", "BB8B", "BB8BB8B"}) {
    INFO(text);
    auto decoded = Base45Decode(text);
    REQUIRE_FALSE(decoded);
    CHECK(decoded.error().code() == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("Base45 decoding refuses groups that overflow 16 or 8 bits") {
  // "GGW" = 16 + 16*45 + 32*2025 = 65536; "::" = 44 + 44*45 = 2024 > 255.
  CHECK(Base45Decode("GGW").error().code() == ErrorCode::kInvalidArgument);
  CHECK(Base45Decode(":::").error().code() == ErrorCode::kInvalidArgument);
  CHECK(Base45Decode("V5").error().code() == ErrorCode::kInvalidArgument);  // 31 + 5*45 = 256
  CHECK(Base45Decode("BB8::").error().detail() == 3);
}

TEST_CASE("Base45 round-trips random inputs of every length up to 100 bytes") {
  std::mt19937 generator(45);
  std::uniform_int_distribution<int> byte(0, 255);
  for (size_t length = 0; length <= 100; ++length) {
    for (int round = 0; round < 20; ++round) {
      Bytes data(length);
      for (auto& b : data) b = static_cast<uint8_t>(byte(generator));
      const std::string text = Base45Encode(data);
      REQUIRE(text.size() == Base45EncodedSize(length));
      REQUIRE(text.find_first_not_of(kBase45Alphabet) == std::string::npos);
      REQUIRE(Base45Decode(text).value() == data);
    }
  }
}

}  // namespace
}  // namespace mykey
