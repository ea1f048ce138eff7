#include "mykey/protocol/card_auth.h"

#include <algorithm>

#include "mykey/crypto/random.h"
#include "mykey/crypto/rsa.h"
#include "mykey/testing/catch.h"

namespace mykey::protocol {
namespace {

Bytes Challenge() {
  Bytes challenge(32);
  for (size_t i = 0; i < challenge.size(); ++i) challenge[i] = static_cast<uint8_t>(i);
  return challenge;
}

// Golden values computed independently (Python: struct.pack('>I', len) + field, hashlib.sha256).
TEST_CASE("the card-auth message is the tag, challenge, terminal id and purpose, length-prefixed") {
  const Bytes message = CardAuthMessage(Challenge(), "T-1001", CardAuthPurpose::kLogin);
  CHECK(ToHex(message) ==
        "000000114D594B45592D434152442D415554482D31"
        "00000020000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"
        "00000006542D31303031"
        "000000056C6F67696E");
}

TEST_CASE("the card-auth digest matches the golden SHA-256 values for each input") {
  CHECK(ToHex(CardAuthDigest(Challenge(), "T-1001", CardAuthPurpose::kLogin)) ==
        "383C9ACDC5E132C9C609AD33A5E4BF4017D4106696E47E523B4E003FF447BDF6");
  CHECK(ToHex(CardAuthDigest(Challenge(), "42", CardAuthPurpose::kLinkService)) ==
        "A0E3E66C9B1140805DBEE9F35AECA7CFA2193F624E262A4860A7F6EE9B290DAD");
  CHECK(ToHex(CardAuthDigest(Challenge(),
                             "\xE7\xAB\xAF\xE6\x9C\xAB"
                             "7",
                             CardAuthPurpose::kCreateMyKeyId)) ==
        "E4C7CDBA6A9B8DE3A0867276E31A48FBAF03C67B4B4531B114DC887792F1A438");
}

TEST_CASE("the DigestInfo the card signs is the SHA-256 prefix followed by the digest") {
  const Bytes info = CardAuthDigestInfo(Challenge(), "T-1001", CardAuthPurpose::kLogin);
  REQUIRE(info.size() == 51);
  CHECK(ToHex(info) ==
        "3031300D060960864801650304020105000420"
        "383C9ACDC5E132C9C609AD33A5E4BF4017D4106696E47E523B4E003FF447BDF6");
}

TEST_CASE("lengths keep the encoding unambiguous when bytes move between fields") {
  // "T-1" + challenge tail vs "T-" + ... : same concatenation, different messages.
  const Bytes a = CardAuthMessage(BytesOf("ab"), "c", CardAuthPurpose::kLogin);
  const Bytes b = CardAuthMessage(BytesOf("a"), "bc", CardAuthPurpose::kLogin);
  CHECK(a != b);
  CHECK(CardAuthDigest(BytesOf("ab"), "c", CardAuthPurpose::kLogin) !=
        CardAuthDigest(BytesOf("a"), "bc", CardAuthPurpose::kLogin));
}

TEST_CASE("every purpose has a distinct wire name that parses back to it") {
  const CardAuthPurpose all[] = {CardAuthPurpose::kLogin, CardAuthPurpose::kLinkService,
                                 CardAuthPurpose::kCreateMyKeyId, CardAuthPurpose::kMoveMyKeyId,
                                 CardAuthPurpose::kReportLost};
  std::vector<std::string_view> names;
  for (CardAuthPurpose purpose : all) {
    names.push_back(CardAuthPurposeName(purpose));
    CHECK(ParseCardAuthPurpose(CardAuthPurposeName(purpose)) == purpose);
  }
  std::sort(names.begin(), names.end());
  CHECK(std::unique(names.begin(), names.end()) == names.end());
  CHECK(CardAuthPurposeName(CardAuthPurpose::kLinkService) == "link-service");
  CHECK_FALSE(ParseCardAuthPurpose("Login"));
  CHECK_FALSE(ParseCardAuthPurpose(""));
  CHECK_FALSE(ParseCardAuthPurpose("link_service"));
}

TEST_CASE(
    "a card's SIGN of the DigestInfo verifies only for the same challenge, terminal and "
    "purpose") {
  auto random = crypto::DeterministicRandom::Create(BytesOf("card-auth"), BytesOf("key"));
  REQUIRE(random);
  auto key = crypto::RsaPrivateKey::Generate(2048, **random);
  REQUIRE(key);
  const Bytes challenge = Challenge();
  auto signature =
      key->SignDigestInfo(CardAuthDigestInfo(challenge, "T-1001", CardAuthPurpose::kLogin));
  REQUIRE(signature);
  const crypto::RsaPublicKey public_key = key->PublicKey();
  CHECK(public_key.VerifySha256(CardAuthDigest(challenge, "T-1001", CardAuthPurpose::kLogin),
                                *signature));
  CHECK_FALSE(public_key.VerifySha256(CardAuthDigest(challenge, "T-1002", CardAuthPurpose::kLogin),
                                      *signature));
  CHECK_FALSE(public_key.VerifySha256(
      CardAuthDigest(challenge, "T-1001", CardAuthPurpose::kLinkService), *signature));
  Bytes other = challenge;
  other[0] ^= 1;
  CHECK_FALSE(public_key.VerifySha256(CardAuthDigest(other, "T-1001", CardAuthPurpose::kLogin),
                                      *signature));
}

}  // namespace
}  // namespace mykey::protocol
