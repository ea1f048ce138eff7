#include "mykey/crypto/rsa.h"

#include "mykey/testing/catch.h"
#include "test_keys.h"

namespace mykey::crypto {
namespace {

using testing::TestKey;

TEST_CASE("RSA key generation from the same deterministic seed gives the same key") {
  auto r1 = DeterministicRandom::Create(ViewOf("reproducible"), ViewOf("key"));
  auto r2 = DeterministicRandom::Create(ViewOf("reproducible"), ViewOf("key"));
  REQUIRE(r1);
  REQUIRE(r2);
  auto k1 = RsaPrivateKey::Generate(2048, **r1);
  auto k2 = RsaPrivateKey::Generate(2048, **r2);
  REQUIRE(k1);
  REQUIRE(k2);
  CHECK(k1->bits() == 2048);
  CHECK(k1->ToDer().view().size() > 1000);
  CHECK(ToHex(k1->ToDer().view()) == ToHex(k2->ToDer().view()));
  CHECK(k1->PublicKey().exponent() == 65537);
}

TEST_CASE("RSA keys from different labels differ") {
  CHECK(TestKey("a").PublicKey().ToDer() != TestKey("b").PublicKey().ToDer());
}

TEST_CASE("RSA key generation refuses silly sizes") {
  auto random = DeterministicRandom::Create(ViewOf("s"), ViewOf("l"));
  REQUIRE(random);
  auto key = RsaPrivateKey::Generate(100, **random);
  REQUIRE_FALSE(key);
  CHECK(key.error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("A DigestInfo signature verifies as SHA256withRSA") {
  const RsaPrivateKey& key = TestKey("a");
  const Sha256Digest digest = Sha256(ViewOf("challenge"));
  auto signature = key.SignDigestInfo(Sha256DigestInfo(digest));
  REQUIRE(signature);
  CHECK(signature->size() == 256);
  CHECK(key.PublicKey().VerifySha256(digest, *signature));
  // SignSha256 is the same operation (PKCS#1 v1.5 is deterministic).
  auto again = key.SignSha256(digest);
  REQUIRE(again);
  CHECK(*again == *signature);
}

TEST_CASE("A tampered signature, another digest or another key is refused") {
  const RsaPrivateKey& key = TestKey("a");
  const Sha256Digest digest = Sha256(ViewOf("challenge"));
  auto signature = key.SignSha256(digest);
  REQUIRE(signature);

  Bytes tampered = *signature;
  tampered[100] ^= 0x01;
  auto r1 = key.PublicKey().VerifySha256(digest, tampered);
  REQUIRE_FALSE(r1);
  CHECK(r1.error().code() == ErrorCode::kUnauthenticated);

  auto r2 = key.PublicKey().VerifySha256(Sha256(ViewOf("other")), *signature);
  REQUIRE_FALSE(r2);
  CHECK(r2.error().code() == ErrorCode::kUnauthenticated);

  auto r3 = TestKey("b").PublicKey().VerifySha256(digest, *signature);
  REQUIRE_FALSE(r3);
  CHECK(r3.error().code() == ErrorCode::kUnauthenticated);

  auto r4 = key.PublicKey().VerifySha256(digest, ByteView(*signature).first(255));
  REQUIRE_FALSE(r4);
  CHECK(r4.error().code() == ErrorCode::kUnauthenticated);
}

TEST_CASE("A DigestInfo too long for the key is refused") {
  const Bytes too_long(246, 0x30);
  auto signature = TestKey("a").SignDigestInfo(too_long);
  REQUIRE_FALSE(signature);
  CHECK(signature.error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("RSA keys round-trip through DER") {
  const RsaPrivateKey& key = TestKey("a");
  auto parsed = RsaPrivateKey::FromDer(key.ToDer().view());
  REQUIRE(parsed);
  CHECK(parsed->bits() == 2048);
  CHECK(parsed->PublicKey().ToDer() == key.PublicKey().ToDer());

  const Bytes spki = key.PublicKey().ToDer();
  auto pub = RsaPublicKey::FromDer(spki);
  REQUIRE(pub);
  CHECK(pub->bits() == 2048);
  CHECK(pub->exponent() == 65537);
}

TEST_CASE("Garbage is not accepted as a key") {
  const Bytes garbage = {0x30, 0x03, 0x02, 0x01, 0x00};
  auto pub = RsaPublicKey::FromDer(garbage);
  REQUIRE_FALSE(pub);
  CHECK(pub.error().code() == ErrorCode::kInvalidArgument);
  CHECK(pub.error().domain() == ErrorDomain::kMbedTls);
  auto priv = RsaPrivateKey::FromDer(garbage);
  REQUIRE_FALSE(priv);
  CHECK(priv.error().code() == ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace mykey::crypto
