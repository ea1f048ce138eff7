#include "mykey/crypto/ecdsa.h"

#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "mykey/base/base64.h"
#include "mykey/testing/catch.h"
#include "mykey/testing/temp_dir.h"

namespace mykey::crypto {
namespace {

using ::mykey::testing::CommandResult;
using ::mykey::testing::TempDir;

EcdsaPrivateKey TestEcKey(std::string_view label) {
  auto random = DeterministicRandom::Create(ViewOf("ecdsa-test-seed"), ViewOf(label));
  REQUIRE(random);
  auto key = EcdsaPrivateKey::Generate(**random);
  REQUIRE(key);
  return std::move(*key);
}

Bytes Hex(std::string_view hex) {
  auto bytes = FromHex(hex);
  REQUIRE(bytes);
  return *bytes;
}

// RFC 6979 appendix A.2.5: the P-256 key.
constexpr std::string_view kRfc6979Scalar =
    "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721";

// A SEC1 ECPrivateKey without the optional public key: mbedTLS derives it.
Bytes Sec1Der(std::string_view scalar_hex) {
  Bytes der = Hex("3031020101 0420");
  const Bytes scalar = Hex(scalar_hex);
  der.insert(der.end(), scalar.begin(), scalar.end());
  const Bytes params = Hex("A00A 0608 2A8648CE3D030107");
  der.insert(der.end(), params.begin(), params.end());
  return der;
}

TEST_CASE("ECDSA signing follows RFC 6979 (test vectors A.2.5, SHA-256)") {
  auto key = EcdsaPrivateKey::FromDer(Sec1Der(kRfc6979Scalar));
  REQUIRE(key);
  CHECK(ToHex(key->PublicKey().point()) ==
        "04"
        "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6"
        "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299");

  auto sample = key->Sign(Sha256(ViewOf("sample")));
  REQUIRE(sample);
  CHECK(ToHex(*sample) ==
        "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"
        "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8");
  auto test = key->Sign(Sha256(ViewOf("test")));
  REQUIRE(test);
  CHECK(ToHex(*test) ==
        "F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367"
        "019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083");
}

TEST_CASE("ECDSA signatures are 64 bytes, repeatable, and verify with the public key") {
  const EcdsaPrivateKey key = TestEcKey("sign");
  const Sha256Digest digest = Sha256(ViewOf("voucher payload"));
  auto first = key.Sign(digest);
  auto second = key.Sign(digest);
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->size() == kEcdsaP256SignatureSize);
  CHECK(*first == *second);
  CHECK(key.PublicKey().Verify(digest, *first));
}

TEST_CASE("ECDSA verification refuses a changed digest, signature, length or key") {
  const EcdsaPrivateKey key = TestEcKey("sign");
  const Sha256Digest digest = Sha256(ViewOf("voucher payload"));
  const Bytes signature = key.Sign(digest).value();
  const EcdsaPublicKey public_key = key.PublicKey();

  Sha256Digest other_digest = digest;
  other_digest[31] ^= 0x01;
  CHECK(public_key.Verify(other_digest, signature).error().code() == ErrorCode::kUnauthenticated);

  for (size_t at : {size_t{0}, size_t{31}, size_t{32}, size_t{63}}) {
    Bytes tampered = signature;
    tampered[at] ^= 0x80;
    INFO("byte " << at);
    CHECK(public_key.Verify(digest, tampered).error().code() == ErrorCode::kUnauthenticated);
  }
  CHECK(public_key.Verify(digest, ByteView(signature).first(63)).error().code() ==
        ErrorCode::kUnauthenticated);
  CHECK(public_key.Verify(digest, Bytes(64, 0x00)).error().code() == ErrorCode::kUnauthenticated);
  CHECK(public_key.Verify(digest, Bytes(64, 0xFF)).error().code() == ErrorCode::kUnauthenticated);
  CHECK(TestEcKey("other").PublicKey().Verify(digest, signature).error().code() ==
        ErrorCode::kUnauthenticated);
}

TEST_CASE("Of the two signatures (r, s) and (r, n - s) exactly one is low-S; both verify") {
  auto key = EcdsaPrivateKey::FromDer(Sec1Der(kRfc6979Scalar));
  REQUIRE(key);
  const Sha256Digest digest = Sha256(ViewOf("sample"));
  // RFC 6979's "sample" signature has a high s (above n/2).
  const Bytes high = key->Sign(digest).value();
  CHECK_FALSE(IsLowSEcdsaSignature(high));
  auto low = LowSEcdsaSignature(high);
  REQUIRE(low);
  CHECK(ToHex(*low) ==
        "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716"
        "0834E36AD29A83BF2BC9385E491D6099C8FDF9D1ED67AA7EA5F51F93782857A9");  // n - s
  CHECK(IsLowSEcdsaSignature(*low));
  CHECK(key->PublicKey().Verify(digest, high));
  CHECK(key->PublicKey().Verify(digest, *low));
  // "test" has a low s: unchanged.
  const Bytes test = key->Sign(Sha256(ViewOf("test"))).value();
  CHECK(IsLowSEcdsaSignature(test));
  CHECK(LowSEcdsaSignature(test).value() == test);

  const EcdsaPrivateKey other = TestEcKey("low-s");
  int high_seen = 0;
  for (int i = 0; i < 64; ++i) {
    const Sha256Digest d = Sha256(ViewOf("message " + std::to_string(i)));
    const Bytes signature = other.Sign(d).value();
    const Bytes normal = LowSEcdsaSignature(signature).value();
    INFO(i);
    CHECK(IsLowSEcdsaSignature(normal));
    CHECK(other.PublicKey().Verify(d, normal));
    if (normal != signature) {
      ++high_seen;
      CHECK_FALSE(IsLowSEcdsaSignature(signature));
      CHECK(std::equal(normal.begin(), normal.begin() + 32, signature.begin()));  // same r
    }
  }
  CHECK(high_seen > 10);  // about half
}

TEST_CASE(
    "Low-S checks the boundaries: 0 and n are out of range, n/2 is low, n/2 + 1 maps to n/2") {
  const Bytes r = Hex("01" + std::string(62, '0'));
  auto with_s = [&](std::string_view s_hex) {
    Bytes signature = r;
    const Bytes s = Hex(s_hex);
    signature.insert(signature.end(), s.begin(), s.end());
    return signature;
  };
  const std::string half = "7FFFFFFF800000007FFFFFFFFFFFFFFFDE737D56D38BCF4279DCE5617E3192A8";
  const std::string half_plus_one =
      "7FFFFFFF800000007FFFFFFFFFFFFFFFDE737D56D38BCF4279DCE5617E3192A9";
  const std::string n = "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";
  CHECK(IsLowSEcdsaSignature(with_s(half)));
  CHECK_FALSE(IsLowSEcdsaSignature(with_s(half_plus_one)));
  CHECK(LowSEcdsaSignature(with_s(half_plus_one)).value() == with_s(half));
  CHECK_FALSE(IsLowSEcdsaSignature(with_s(std::string(64, '0'))));
  CHECK(LowSEcdsaSignature(with_s(std::string(64, '0'))).error().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(LowSEcdsaSignature(with_s(n)).error().code() == ErrorCode::kInvalidArgument);
  CHECK_FALSE(IsLowSEcdsaSignature(ByteView(with_s(half)).first(63)));
  CHECK(LowSEcdsaSignature(ByteView(with_s(half)).first(63)).error().code() ==
        ErrorCode::kInvalidArgument);
}

TEST_CASE("A prepared ECDSA key verifies exactly the signatures its key verifies") {
  for (const char* label : {"prepared-1", "prepared-2", "prepared-3"}) {
    const EcdsaPrivateKey key = TestEcKey(label);
    const EcdsaPublicKey public_key = key.PublicKey();
    auto prepared = PreparedEcdsaPublicKey::Prepare(public_key);
    if (!prepared) FAIL(prepared.error().ToString());
    CHECK((*prepared)->key() == public_key);
    const PreparedEcdsaPublicKey& p = **prepared;
    for (int m = 0; m < 8; ++m) {
      const Sha256Digest digest = Sha256(ViewOf(std::string(label) + std::to_string(m)));
      const Bytes signature = key.Sign(digest).value();
      INFO(label << " message " << m);
      CHECK(public_key.Verify(digest, signature));
      CHECK(p.Verify(digest, signature));
      Sha256Digest other_digest = digest;
      other_digest[static_cast<size_t>(m)] ^= 0x01;
      CHECK(p.Verify(other_digest, signature).error().code() == ErrorCode::kUnauthenticated);
      for (size_t at : {size_t{0}, size_t{31}, size_t{32}, size_t{63}}) {
        Bytes tampered = signature;
        tampered[at] ^= static_cast<uint8_t>(1u << (at % 8));
        CHECK_FALSE(public_key.Verify(digest, tampered));
        CHECK(p.Verify(digest, tampered).error().code() == ErrorCode::kUnauthenticated);
      }
      // s replaced by n - s verifies too (ECDSA's malleability): both agree.
      Bytes negated = signature;
      const Bytes n =
          FromHex("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551").value();
      int borrow = 0;
      for (size_t i = 32; i-- > 0;) {
        const int d = n[i] - signature[32 + i] - borrow;
        negated[32 + i] = static_cast<uint8_t>(d & 0xFF);
        borrow = d < 0 ? 1 : 0;
      }
      CHECK(static_cast<bool>(public_key.Verify(digest, negated)) ==
            static_cast<bool>(p.Verify(digest, negated)));
      CHECK(TestEcKey("someone else").PublicKey().Verify(digest, signature).error().code() ==
            ErrorCode::kUnauthenticated);
      auto other = PreparedEcdsaPublicKey::Prepare(TestEcKey("someone else").PublicKey());
      REQUIRE(other);
      CHECK((*other)->Verify(digest, signature).error().code() == ErrorCode::kUnauthenticated);
    }
    const Sha256Digest digest = Sha256(ViewOf("edges"));
    const Bytes n =
        FromHex("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551").value();
    Bytes r_is_n = key.Sign(digest).value();
    std::copy(n.begin(), n.end(), r_is_n.begin());
    Bytes s_is_n = key.Sign(digest).value();
    std::copy(n.begin(), n.end(), s_is_n.begin() + 32);
    for (const Bytes& bad : {Bytes(64, 0x00), Bytes(64, 0xFF), r_is_n, s_is_n}) {
      CHECK(p.Verify(digest, bad).error().code() == ErrorCode::kUnauthenticated);
    }
    CHECK(p.Verify(digest, Bytes(63, 0x01)).error().code() == ErrorCode::kUnauthenticated);
  }
}

TEST_CASE("ECDSA keys generated from the same deterministic source are the same") {
  CHECK(TestEcKey("a").PublicKey() == TestEcKey("a").PublicKey());
  CHECK_FALSE(TestEcKey("a").PublicKey() == TestEcKey("b").PublicKey());
}

TEST_CASE("ECDSA private keys round-trip through SEC1 DER and PEM") {
  const EcdsaPrivateKey key = TestEcKey("der");
  const SecretBytes der = key.ToDer();
  REQUIRE_FALSE(der.empty());
  CHECK(der.view()[0] == 0x30);
  auto from_der = EcdsaPrivateKey::FromDer(der.view());
  REQUIRE(from_der);
  CHECK(from_der->PublicKey() == key.PublicKey());

  const std::string pem = key.ToPem();
  CHECK(pem.rfind("-----BEGIN EC PRIVATE KEY-----\n", 0) == 0);
  auto from_pem = EcdsaPrivateKey::FromPem(pem);
  REQUIRE(from_pem);
  CHECK(from_pem->KeyId() == key.KeyId());
}

TEST_CASE("ECDSA public keys round-trip through SPKI DER, PEM and the raw point") {
  const EcdsaPublicKey key = TestEcKey("spki").PublicKey();
  const Bytes der = key.ToDer();
  CHECK(der.size() == 91);
  CHECK(EcdsaPublicKey::FromDer(der).value() == key);
  CHECK(EcdsaPublicKey::FromPem(key.ToPem()).value() == key);
  CHECK(EcdsaPublicKey::FromUncompressedPoint(key.point()).value() == key);
}

TEST_CASE("the key id is the first 8 bytes of SHA-256 over the SPKI DER") {
  const EcdsaPrivateKey key = TestEcKey("id");
  const Sha256Digest digest = Sha256(key.PublicKey().ToDer());
  const EcdsaKeyId id = key.PublicKey().KeyId();
  CHECK(std::equal(id.begin(), id.end(), digest.begin()));
  CHECK(key.KeyId() == id);
}

TEST_CASE("malformed or foreign keys are refused as invalid arguments") {
  CHECK(EcdsaPrivateKey::FromDer(Bytes{0x30, 0x00}).error().code() == ErrorCode::kInvalidArgument);
  CHECK(EcdsaPublicKey::FromDer(Bytes{0x30, 0x03, 0x02, 0x01, 0x01}).error().code() ==
        ErrorCode::kInvalidArgument);
  // A scalar of zero is not a private key.
  CHECK(EcdsaPrivateKey::FromDer(Sec1Der(std::string(64, '0'))).error().code() ==
        ErrorCode::kInvalidArgument);
  // The point (1, 1) is not on the curve.
  Bytes point(kEcdsaP256PointSize, 0x00);
  point[0] = 0x04;
  point[32] = 0x01;
  point[64] = 0x01;
  CHECK(EcdsaPublicKey::FromUncompressedPoint(point).error().code() == ErrorCode::kInvalidArgument);
  // Compressed form is not accepted.
  Bytes compressed(33, 0x11);
  compressed[0] = 0x02;
  CHECK(EcdsaPublicKey::FromUncompressedPoint(compressed).error().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(EcdsaPrivateKey::FromPem("no pem here").error().code() == ErrorCode::kNotFound);
}

TEST_CASE("DER signatures convert to raw r||s and back, minimal and positive") {
  Bytes raw(64, 0x00);
  raw[31] = 0x01;  // r = 1
  raw[32] = 0x80;  // s has its top bit set: needs a 00 pad in DER
  const Bytes der = EcdsaSignatureToDer(raw).value();
  CHECK(ToHex(der) == "3026020101022100" + ToHex(ByteView(raw).subspan(32)));
  CHECK(EcdsaSignatureFromDer(der).value() == raw);

  const EcdsaPrivateKey key = TestEcKey("der-sig");
  const Sha256Digest digest = Sha256(ViewOf("x"));
  const Bytes signed_der = key.SignDer(digest).value();
  CHECK(key.PublicKey().VerifyDer(digest, signed_der));
  CHECK(EcdsaSignatureFromDer(signed_der).value() == key.Sign(digest).value());

  CHECK_FALSE(EcdsaSignatureToDer(Bytes(63)));
  CHECK_FALSE(EcdsaSignatureFromDer(Hex("3006020101020101 00")));  // trailing byte
  CHECK_FALSE(EcdsaSignatureFromDer(Hex("30060201FF020101")));     // negative
  CHECK_FALSE(EcdsaSignatureFromDer(Hex("3007020200010201 01")));  // non-minimal
  CHECK_FALSE(EcdsaSignatureFromDer(Hex("3005020101020101")));     // wrong length
  CHECK(key.PublicKey().VerifyDer(digest, Hex("3000")).error().code() ==
        ErrorCode::kUnauthenticated);
}

// ------------------------------------------------------ openssl cross-check

::mykey::testing::CommandResult Run(const std::string& command) {
  return ::mykey::testing::RunCommand(command);
}

TEST_CASE("openssl verifies our ECDSA signature and reads our keys") {
  REQUIRE(Run("openssl version").exit_code == 0);
  TempDir dir;
  const EcdsaPrivateKey key = TestEcKey("openssl");
  const std::string message = "MKV: a voucher payload";
  const Bytes signature = key.SignDer(Sha256(ViewOf(message))).value();
  const std::string pub = dir.Write("pub.pem", key.PublicKey().ToPem());
  const std::string msg = dir.Write("msg.bin", message);
  const std::string sig = dir.Write("sig.der", signature);

  const CommandResult ok =
      Run("openssl dgst -sha256 -verify " + pub + " -signature " + sig + " " + msg);
  INFO(ok.output);
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.output, Catch::Contains("Verified OK"));

  const std::string tampered = dir.Write("tampered.bin", message + "!");
  CHECK(Run("openssl dgst -sha256 -verify " + pub + " -signature " + sig + " " + tampered)
            .exit_code != 0);

  // openssl derives the same public key from our private key.
  const std::string priv = dir.Write("key.pem", key.ToPem());
  const CommandResult derived = Run("openssl ec -in " + priv + " -pubout");
  INFO(derived.output);
  REQUIRE(derived.exit_code == 0);
  CHECK_THAT(derived.output, Catch::Contains(key.PublicKey().ToPem()));
}

TEST_CASE("we verify openssl's ECDSA signature and read its SEC1 and PKCS#8 keys") {
  REQUIRE(Run("openssl version").exit_code == 0);
  TempDir dir;
  const std::string key = dir.File("key.pem");
  const std::string pub = dir.File("pub.pem");
  const std::string pkcs8 = dir.File("key8.pem");
  const std::string sig = dir.File("sig.der");
  const std::string message = "signed by openssl";
  const std::string msg = dir.Write("msg.bin", message);
  for (const std::string& command :
       {"openssl ecparam -name prime256v1 -genkey -noout -out " + key,
        "openssl ec -in " + key + " -pubout -out " + pub,
        "openssl pkcs8 -topk8 -nocrypt -in " + key + " -out " + pkcs8,
        "openssl dgst -sha256 -sign " + key + " -out " + sig + " " + msg}) {
    const CommandResult result = Run(command);
    INFO(command << "\n" << result.output);
    REQUIRE(result.exit_code == 0);
  }

  auto public_key = EcdsaPublicKey::FromPem(std::string(
      reinterpret_cast<const char*>(dir.Read("pub.pem").data()), dir.Read("pub.pem").size()));
  REQUIRE(public_key);
  const Bytes der_signature = dir.Read("sig.der");
  const Sha256Digest digest = Sha256(ViewOf(message));
  CHECK(public_key->VerifyDer(digest, der_signature));
  auto raw = EcdsaSignatureFromDer(der_signature);
  REQUIRE(raw);
  CHECK(public_key->Verify(digest, *raw));
  CHECK_FALSE(public_key->Verify(Sha256(ViewOf("other")), *raw));

  for (const char* file : {"key.pem", "key8.pem"}) {
    const Bytes text = dir.Read(file);
    auto private_key = EcdsaPrivateKey::FromPem(
        std::string(reinterpret_cast<const char*>(text.data()), text.size()));
    INFO(file);
    REQUIRE(private_key);
    CHECK(private_key->PublicKey() == *public_key);
  }
}

}  // namespace
}  // namespace mykey::crypto
