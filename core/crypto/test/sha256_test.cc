#include "mykey/crypto/sha256.h"

#include "mykey/testing/catch.h"

namespace mykey::crypto {
namespace {

TEST_CASE("SHA-256 of the empty string matches the FIPS 180 vector") {
  CHECK(ToHex(Sha256({})) == "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855");
}

TEST_CASE("SHA-256 of abc matches the FIPS 180 vector") {
  CHECK(ToHex(Sha256(ViewOf("abc"))) ==
        "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
}

TEST_CASE("SHA-256 of the two-block message matches the FIPS 180 vector") {
  CHECK(ToHex(Sha256(ViewOf("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))) ==
        "248D6A61D20638B8E5C026930C3E6039A33CE45964FF2167F6ECEDD419DB06C1");
}

TEST_CASE("SHA-256 DigestInfo is the 19-byte prefix followed by the hash, 51 bytes") {
  const Sha256Digest digest = Sha256(ViewOf("abc"));
  const Bytes info = Sha256DigestInfo(digest);
  REQUIRE(info.size() == 51);
  CHECK(ToSpacedHex(Sha256DigestInfoPrefix()) ==
        "30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20");
  CHECK(ToHex(ByteView(info).first(19)) == ToHex(Sha256DigestInfoPrefix()));
  CHECK(ToHex(ByteView(info).subspan(19)) == ToHex(digest));
}

}  // namespace
}  // namespace mykey::crypto
