// Independent cross-check: the openssl command line must accept what we write.

#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "mykey/base/base64.h"
#include "mykey/crypto/crl.h"
#include "mykey/testing/catch.h"
#include "mykey/testing/temp_dir.h"
#include "test_pki.h"

namespace mykey::crypto {
namespace {

using ::mykey::testing::CommandResult;
using ::mykey::testing::TempDir;

using testing::Date;
using testing::TestCa;
using testing::TestEe;
using testing::TestKey;

::mykey::testing::CommandResult Run(const std::string& command) {
  return ::mykey::testing::RunCommand(command);
}

std::string AtTime(std::chrono::sys_seconds at) {
  return " -attime " + std::to_string(at.time_since_epoch().count());
}

bool HaveOpenssl() {
  return Run("openssl version").exit_code == 0;
}

TEST_CASE("openssl parses our certificates and sees the JPKI profile extensions") {
  REQUIRE(HaveOpenssl());
  TempDir dir;
  const Certificate ca = TestCa(2023);
  const uint8_t serial[] = {0x7A, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
  const Certificate ee = TestEe(ca, 2023, serial, Date(2024, 5, 1), Date(2029, 3, 14));

  const CommandResult ca_text =
      Run("openssl x509 -inform DER -noout -text -in " + dir.Write("ca.der", ca.der()));
  INFO(ca_text.output);
  REQUIRE(ca_text.exit_code == 0);
  CHECK_THAT(ca_text.output, Catch::Contains("CA:TRUE"));
  CHECK_THAT(ca_text.output, Catch::Contains("Certificate Sign, CRL Sign"));
  CHECK_THAT(ca_text.output, Catch::Contains("DirName:C = JP, O = JPKI"));
  CHECK_THAT(ca_text.output, Catch::Contains("sha256WithRSAEncryption"));
  CHECK_THAT(ca_text.output, Catch::Contains("Public-Key: (2048 bit)"));
  CHECK_THAT(ca_text.output, Catch::Contains("Exponent: 65537"));

  const CommandResult ee_text =
      Run("openssl x509 -inform DER -noout -text -in " + dir.Write("ee.der", ee.der()));
  INFO(ee_text.output);
  REQUIRE(ee_text.exit_code == 0);
  CHECK_THAT(ee_text.output, Catch::Contains("Subject: C = JP, CN = TESTID0123456789"));
  CHECK_THAT(ee_text.output, Catch::Contains("Digital Signature"));
  CHECK_THAT(ee_text.output, Catch::Contains("(0x7a01020304050607)"));
  CHECK_THAT(ee_text.output, Catch::Contains("Not After : Mar 14 00:00:00 2029 GMT"));
}

TEST_CASE("openssl verify accepts the chain with two CA generations sharing one DN") {
  REQUIRE(HaveOpenssl());
  TempDir dir;
  const Certificate ca2019 = TestCa(2019);
  const Certificate ca2023 = TestCa(2023);
  const uint8_t serial[] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
  const Certificate ee = TestEe(ca2019, 2019, serial, Date(2024, 5, 1), Date(2029, 3, 14));
  const std::string anchors = dir.Write("anchors.pem", ca2023.ToPem() + ca2019.ToPem());
  const std::string ee_pem = dir.Write("ee.pem", ee.ToPem());

  const CommandResult ok =
      Run("openssl verify" + AtTime(Date(2025, 1, 1)) + " -CAfile " + anchors + " " + ee_pem);
  INFO(ok.output);
  CHECK(ok.exit_code == 0);

  // Only the other generation: refused, although the DN is the same.
  const std::string wrong = dir.Write("wrong.pem", ca2023.ToPem());
  const CommandResult refused =
      Run("openssl verify" + AtTime(Date(2025, 1, 1)) + " -CAfile " + wrong + " " + ee_pem);
  INFO(refused.output);
  CHECK(refused.exit_code != 0);

  // After notAfter: expired.
  const CommandResult expired =
      Run("openssl verify" + AtTime(Date(2030, 1, 1)) + " -CAfile " + anchors + " " + ee_pem);
  INFO(expired.output);
  CHECK(expired.exit_code != 0);
  CHECK_THAT(expired.output, Catch::Contains("expired"));
}

TEST_CASE("openssl verifies our CRL's signature and sees a revoked certificate") {
  REQUIRE(HaveOpenssl());
  TempDir dir;
  const Certificate ca = TestCa(2023);
  const uint8_t serial[] = {0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42};
  const Certificate ee = TestEe(ca, 2023, serial, Date(2024, 5, 1), Date(2029, 3, 14));
  auto crl_der = CrlBuilder()
                     .SetIssuer(ca)
                     .SetThisUpdate(Date(2024, 6, 1))
                     .SetNextUpdate(Date(2024, 6, 30))
                     .SetCrlNumber(7)
                     .AddRevoked(Bytes{0x01, 0x02}, Date(2024, 5, 20))
                     .AddRevoked(serial, Date(2024, 5, 21))
                     .Build(TestKey("ca-2023"));
  REQUIRE(crl_der);
  const std::string crl_file = dir.Write("crl.der", *crl_der);
  const std::string ca_pem = dir.Write("ca.pem", ca.ToPem());

  const CommandResult verified =
      Run("openssl crl -inform DER -noout -in " + crl_file + " -CAfile " + ca_pem);
  INFO(verified.output);
  CHECK(verified.exit_code == 0);
  CHECK_THAT(verified.output, Catch::Contains("verify OK"));

  const CommandResult text = Run("openssl crl -inform DER -noout -text -in " + crl_file);
  INFO(text.output);
  REQUIRE(text.exit_code == 0);
  CHECK_THAT(text.output, Catch::Contains("Serial Number: 4242424242424242"));
  CHECK_THAT(text.output, Catch::Contains("Serial Number: 0102"));
  CHECK_THAT(text.output, Catch::Contains("X509v3 CRL Number"));
  CHECK_THAT(text.output, Catch::Contains("Version 2"));

  // Signed by the other generation: openssl must refuse it.
  const std::string other_pem = dir.Write("other.pem", TestCa(2019).ToPem());
  const CommandResult refused =
      Run("openssl crl -inform DER -noout -in " + crl_file + " -CAfile " + other_pem);
  INFO(refused.output);
  CHECK_THAT(refused.output, !Catch::Contains("verify OK"));

  const std::string crl_pem = dir.Write("crl.pem", PemEncode("X509 CRL", *crl_der));
  const std::string ee_pem = dir.Write("ee.pem", ee.ToPem());
  const CommandResult revoked = Run("openssl verify -crl_check" + AtTime(Date(2024, 6, 10)) +
                                    " -CAfile " + ca_pem + " -CRLfile " + crl_pem + " " + ee_pem);
  INFO(revoked.output);
  CHECK(revoked.exit_code != 0);
  CHECK_THAT(revoked.output, Catch::Contains("revoked"));
}

}  // namespace
}  // namespace mykey::crypto
