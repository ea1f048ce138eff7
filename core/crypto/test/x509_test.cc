#include "mykey/crypto/x509.h"

#include <vector>

#include "mykey/testing/catch.h"
#include "test_pki.h"

namespace mykey::crypto {
namespace {

using testing::Date;
using testing::TestCa;
using testing::TestEe;
using testing::TestKey;

const uint8_t kSerial[] = {0x00, 0x9A, 0xBC, 0xDE, 0xF0, 0x12, 0x34, 0x56, 0x78};

TEST_CASE("A built CA certificate parses back with the fields it was given") {
  const Certificate ca = TestCa(2019);
  CHECK(ca.subject() == testing::kCaDn);
  CHECK(ca.issuer() == testing::kCaDn);
  CHECK(ca.SerialHex() == "0113");
  CHECK(ca.not_before() == Date(2019, 1, 1));
  CHECK(ca.not_after() == Date(2029, 1, 1));
  CHECK(ca.is_ca());
  CHECK(ca.has_key_usage());
  CHECK(ca.key_usage() == (kKeyUsageKeyCertSign | kKeyUsageCrlSign));
  CHECK(ca.subject_key_id().size() == 20);
  CHECK(ca.authority_key_id() == ca.subject_key_id());
  REQUIRE(ca.crl_distribution_points().size() == 1);
  CHECK(ca.crl_distribution_points()[0] == std::string("DirName: ") + testing::kCrlDpDn);
  auto key = ca.PublicKey();
  REQUIRE(key);
  CHECK(key->bits() == 2048);
  CHECK(key->exponent() == 65537);
  CHECK(ca.VerifySignedBy(ca));
}

TEST_CASE("A built end-entity certificate has only C and CN and its issuer's key id") {
  const Certificate ca = TestCa(2023);
  const Certificate ee = TestEe(ca, 2023, kSerial, Date(2024, 5, 1), Date(2029, 3, 14));
  CHECK(ee.subject() == "C=JP, CN=TESTID0123456789");
  CHECK(ee.subject_common_name() == "TESTID0123456789");
  CHECK(ee.issuer() == testing::kCaDn);
  CHECK(std::ranges::equal(ee.issuer_der(), ca.subject_der()));
  // Leading zero octets are not part of the serial's value.
  CHECK(ee.SerialHex() == "9ABCDEF012345678");
  CHECK_FALSE(ee.is_ca());
  CHECK(ee.key_usage() == kKeyUsageDigitalSignature);
  CHECK(ee.authority_key_id() == ca.subject_key_id());
  CHECK(ee.subject_key_id() != ca.subject_key_id());
  CHECK(ee.VerifySignedBy(ca));
}

TEST_CASE("Dates from 2050 on are written as GeneralizedTime and read back") {
  const Certificate ca = TestCa(2023);
  const Certificate ee = TestEe(ca, 2023, kSerial, Date(2049, 12, 31), Date(2051, 6, 30));
  CHECK(ee.not_before() == Date(2049, 12, 31));
  CHECK(ee.not_after() == Date(2051, 6, 30));
}

TEST_CASE("The issuer is found by key among CA generations that share one DN") {
  const std::vector<Certificate> cas = {TestCa(2015), TestCa(2019), TestCa(2023)};
  REQUIRE(cas[0].subject() == cas[2].subject());
  const Certificate ee = TestEe(cas[1], 2019, kSerial, Date(2020, 1, 1), Date(2025, 1, 1));
  auto index = FindIssuer(ee, cas);
  REQUIRE(index);
  CHECK(*index == 1);
  CHECK(VerifyChain(ee, cas, Date(2022, 1, 1)));

  // Only the wrong generations: refused although the DN matches.
  const std::vector<Certificate> others = {cas[0], cas[2]};
  auto not_found = FindIssuer(ee, others);
  REQUIRE_FALSE(not_found);
  CHECK(not_found.error().code() == ErrorCode::kNotFound);
  auto chain = VerifyChain(ee, others, Date(2022, 1, 1));
  REQUIRE_FALSE(chain);
  CHECK(chain.error().code() == ErrorCode::kUnauthenticated);
}

TEST_CASE("A trust anchor verifies as its own chain") {
  const std::vector<Certificate> cas = {TestCa(2015), TestCa(2023)};
  CHECK(VerifyChain(cas[1], cas, Date(2024, 1, 1)));
}

TEST_CASE("A certificate outside its validity is reported as expired or not yet valid") {
  const Certificate ca = TestCa(2019);
  const Certificate ee = TestEe(ca, 2019, kSerial, Date(2020, 1, 1), Date(2025, 1, 1));
  CHECK(ee.CheckValidAt(Date(2020, 1, 1)));
  CHECK(ee.CheckValidAt(Date(2025, 1, 1)));

  auto early = ee.CheckValidAt(Date(2019, 12, 31));
  REQUIRE_FALSE(early);
  CHECK(early.error().code() == ErrorCode::kFailedPrecondition);
  CHECK(IsCertificateNotYetValid(early.error()));
  CHECK_FALSE(IsCertificateExpired(early.error()));

  auto late = ee.CheckValidAt(Date(2025, 1, 1) + std::chrono::seconds(1));
  REQUIRE_FALSE(late);
  CHECK(IsCertificateExpired(late.error()));

  const std::vector<Certificate> anchors = {ca};
  auto chain = VerifyChain(ee, anchors, Date(2026, 1, 1));
  REQUIRE_FALSE(chain);
  CHECK(IsCertificateExpired(chain.error()));
}

TEST_CASE("A certificate whose anchor has expired does not verify") {
  const Certificate ca = TestCa(2015);  // until 2025-01-01
  const Certificate ee = TestEe(ca, 2015, kSerial, Date(2024, 1, 1), Date(2029, 1, 1));
  const std::vector<Certificate> anchors = {ca};
  auto chain = VerifyChain(ee, anchors, Date(2026, 1, 1));
  REQUIRE_FALSE(chain);
  CHECK(IsCertificateExpired(chain.error()));
}

TEST_CASE("A certificate with a tampered signature or body does not verify") {
  const Certificate ca = TestCa(2023);
  const Certificate ee = TestEe(ca, 2023, kSerial, Date(2024, 1, 1), Date(2029, 1, 1));
  Bytes der(ee.der().begin(), ee.der().end());
  der[der.size() - 10] ^= 0x01;  // inside the signature
  auto bad_sig = Certificate::FromDer(der);
  REQUIRE(bad_sig);
  auto r1 = bad_sig->VerifySignedBy(ca);
  REQUIRE_FALSE(r1);
  CHECK(r1.error().code() == ErrorCode::kUnauthenticated);

  Bytes body(ee.der().begin(), ee.der().end());
  const std::string cn = "TESTID0123456789";
  auto at = std::search(body.begin(), body.end(), cn.begin(), cn.end());
  REQUIRE(at != body.end());
  *at = 'X';
  auto bad_body = Certificate::FromDer(body);
  REQUIRE(bad_body);
  CHECK(bad_body->subject_common_name() == "XESTID0123456789");
  CHECK_FALSE(bad_body->VerifySignedBy(ca));
}

TEST_CASE("Certificates round-trip through PEM and garbage is refused") {
  const Certificate ca = TestCa(2023);
  auto again = Certificate::FromPem(ca.ToPem());
  REQUIRE(again);
  CHECK(std::ranges::equal(again->der(), ca.der()));

  const Bytes garbage = {0x30, 0x03, 0x02, 0x01, 0x01};
  auto bad = Certificate::FromDer(garbage);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code() == ErrorCode::kInvalidArgument);
  CHECK(bad.error().domain() == ErrorDomain::kMbedTls);

  Bytes trailing(ca.der().begin(), ca.der().end());
  trailing.push_back(0xFF);
  CHECK_FALSE(Certificate::FromDer(trailing));

  auto no_pem = Certificate::FromPem("hello");
  REQUIRE_FALSE(no_pem);
  CHECK(no_pem.error().code() == ErrorCode::kNotFound);
}

TEST_CASE("The text dump names the fields a clerk or engineer looks for") {
  const Certificate ca = TestCa(2023);
  const Certificate ee = TestEe(ca, 2023, kSerial, Date(2024, 5, 1), Date(2029, 3, 14));
  const std::string text = ee.ToText();
  CHECK_THAT(text, Catch::Contains("Version: 3"));
  CHECK_THAT(text, Catch::Contains("Serial number: 9ABCDEF012345678"));
  CHECK_THAT(text, Catch::Contains("RSA with SHA-256"));
  CHECK_THAT(text, Catch::Contains("Subject: C=JP, CN=TESTID0123456789"));
  CHECK_THAT(text, Catch::Contains("Not before: 2024-05-01 00:00:00 UTC"));
  CHECK_THAT(text, Catch::Contains("Not after:  2029-03-14 00:00:00 UTC"));
  CHECK_THAT(text, Catch::Contains("RSA 2048 bits, exponent 65537"));
  CHECK_THAT(text, Catch::Contains("Key usage (critical): digitalSignature"));
  CHECK_THAT(text, Catch::Contains("Authority key identifier"));
  CHECK_THAT(text, Catch::Contains(std::string("DirName: ") + testing::kCrlDpDn));
  CHECK_THAT(ca.ToText(), Catch::Contains("Basic constraints (critical): CA:TRUE"));
  CHECK_THAT(ca.ToText(), Catch::Contains("keyCertSign, cRLSign"));
}

TEST_CASE("The builder refuses incomplete or inconsistent input") {
  const RsaPrivateKey& key = TestKey("ca-2023");
  const uint8_t serial[] = {0x01};
  auto complete = [&] {
    CertificateBuilder b;
    b.SetSubject("C=JP, CN=X").SetSerial(serial).SetValidity(Date(2024, 1, 1), Date(2025, 1, 1));
    b.SetSubjectPublicKey(key.PublicKey());
    return b;
  };
  CHECK(complete().Build(key));

  auto no_subject = complete().SetSubject("").Build(key);
  REQUIRE_FALSE(no_subject);
  CHECK(no_subject.error().code() == ErrorCode::kInvalidArgument);

  auto bad_attribute = complete().SetSubject("C=JP, XX=1").Build(key);
  REQUIRE_FALSE(bad_attribute);
  CHECK(bad_attribute.error().code() == ErrorCode::kInvalidArgument);

  const uint8_t zero[] = {0x00};
  CHECK_FALSE(complete().SetSerial(zero).Build(key));
  CHECK_FALSE(complete().SetValidity(Date(2025, 1, 1), Date(2024, 1, 1)).Build(key));
  // Self-signed with someone else's key.
  CHECK_FALSE(complete().Build(TestKey("ee")));
  // Issued by a CA but signed with another key.
  CHECK_FALSE(complete().SetIssuer(TestCa(2023)).Build(TestKey("ca-2019")));
}

TEST_CASE("Distinguished names keep repeated attributes in order and escaped commas") {
  auto der = EncodeDistinguishedName("C=JP, OU=First, OU=Second\\, with comma, CN=Z");
  REQUIRE(der);
  auto cert = CertificateBuilder()
                  .SetSubject("C=JP, OU=First, OU=Second\\, with comma, CN=Z")
                  .SetSerial(kSerial)
                  .SetValidity(Date(2024, 1, 1), Date(2025, 1, 1))
                  .SetSubjectPublicKey(TestKey("ee").PublicKey())
                  .Build(TestKey("ee"));
  REQUIRE(cert);
  auto parsed = Certificate::FromDer(*cert);
  REQUIRE(parsed);
  CHECK(std::ranges::equal(parsed->subject_der(), *der));
  CHECK(parsed->subject() == "C=JP, OU=First, OU=Second\\, with comma, CN=Z");
}

}  // namespace
}  // namespace mykey::crypto
