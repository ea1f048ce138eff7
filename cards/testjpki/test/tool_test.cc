// Runs the mykey-testjpki executable: exit codes, determinism, and an
// independent openssl cross-check of what it writes.

#include <string>

#include "mykey/base/base64.h"
#include "mykey/crypto/crl.h"
#include "mykey/crypto/x509.h"
#include "mykey/jpki_emulator/personalisation.h"
#include "mykey/testing/catch.h"
#include "mykey/testing/temp_dir.h"

#ifndef MYKEY_TESTJPKI_TOOL
#error "MYKEY_TESTJPKI_TOOL must name the mykey-testjpki executable"
#endif

namespace mykey::testjpki {
namespace {

using testing::TempDir;

Bytes ReadBytes(const std::string& path) {
  return TempDir::ReadFileBytes(path);
}
::mykey::testing::CommandResult Run(const std::string& command) {
  return ::mykey::testing::RunCommand(command);
}

const std::string kTool = MYKEY_TESTJPKI_TOOL;

std::string ReadText(const std::string& path) {
  const Bytes bytes = ReadBytes(path);
  return std::string(bytes.begin(), bytes.end());
}

testing::CommandResult Tool(const std::string& args) {
  return Run("'" + kTool + "' " + args);
}

/// One hierarchy for the tests that only read it (two generations keep it quick).
const TempDir& SharedPki() {
  static TempDir dir;
  static const bool made = [] {
    return Tool("init --seed tool-test --generations 2019,2023 --out " + dir.path()).exit_code == 0;
  }();
  REQUIRE(made);
  return dir;
}

TEST_CASE("The tool answers --help on every command and exits 2 on usage errors") {
  CHECK(Tool("--help").exit_code == 0);
  for (const char* command : {"init", "card", "crl"}) {
    const auto help = Tool(std::string(command) + " --help");
    CHECK(help.exit_code == 0);
    CHECK_THAT(help.output, Catch::Contains("usage: mykey-testjpki"));
  }
  CHECK(Tool("").exit_code == 2);
  CHECK(Tool("frobnicate").exit_code == 2);
  CHECK(Tool("init --out /tmp/x").exit_code == 2);  // no seed
  CHECK(Tool("init --seed s --out /tmp/x --bogus").exit_code == 2);
  CHECK(Tool("init --seed s --out /tmp/x --generations 20x5").exit_code == 2);
  const TempDir& pki = SharedPki();
  CHECK(Tool("card --pki " + pki.path() + " --index 1").exit_code == 2);  // no --out
  TempDir out;
  const auto bad_pin =
      Tool("card --pki " + pki.path() + " --out " + out.File("c.json") + " --index 1 --pin 12");
  CHECK(bad_pin.exit_code == 2);
  CHECK_THAT(bad_pin.output, Catch::Contains("PIN"));
  CHECK(Tool("card --pki " + pki.path() + " --out " + out.File("c.json") +
             " --index 1 --now 2025-13-01")
            .exit_code == 2);
  CHECK(
      Tool("crl --pki " + pki.path() + " --out " + out.File("c.der") + " --revoke XYZ").exit_code ==
      2);
  CHECK(Tool("crl --pki " + pki.path() + " --out " + out.File("c.der") + " --generation 2011")
            .exit_code == 2);
}

TEST_CASE("The tool exits 1 when the hierarchy cannot be read") {
  TempDir out;
  const auto missing = Tool("card --pki " + out.File("none") + " --out " + out.File("c.json") +
                            " --index 1 --now 2025-06-15");
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.output, Catch::Contains("cannot load"));
}

TEST_CASE("The tool writes byte-identical files for the same seed and arguments") {
  TempDir a, b;
  for (const TempDir* dir : {&a, &b}) {
    REQUIRE(Tool("init --seed same-seed --generations 2023 --out " + dir->File("pki")).exit_code ==
            0);
    REQUIRE(Tool("card --pki " + dir->File("pki") + " --out " + dir->File("card.json") +
                 " --index 3 --now 2025-06-15 --birthday 07-07")
                .exit_code == 0);
    REQUIRE(Tool("crl --pki " + dir->File("pki") + " --out " + dir->File("crl.der") +
                 " --revoke-card " + dir->File("card.json") + " --random 50 --now 2025-06-15")
                .exit_code == 0);
  }
  for (const char* file :
       {"pki/auth-ca-2023.der", "pki/auth-ca-2023.pem", "pki/sign-ca-2023.der",
        "pki/private/auth-ca-2023.key.der", "pki/testjpki.json", "card.json", "crl.der"}) {
    INFO(file);
    const Bytes first = ReadBytes(a.File(file));
    CHECK_FALSE(first.empty());
    CHECK(first == ReadBytes(b.File(file)));
  }
  auto crl = crypto::Crl::FromDer(ReadBytes(a.File("crl.der")));
  REQUIRE(crl);
  CHECK(crl->revoked_count() == 51);
  auto card = jpki::LoadPersonalisation(a.File("card.json"));
  REQUIRE(card);
  auto cert = crypto::Certificate::FromDer(card->auth_certificate);
  REQUIRE(cert);
  CHECK(crl->IsRevoked(cert->serial()));
}

TEST_CASE("The card command prints the serial and CN and honours its options") {
  const TempDir& pki = SharedPki();
  TempDir out;
  const auto result = Tool("card --pki " + pki.path() + " --out " + out.File("card.json") +
                           " --index 9 --now 2025-06-15 --token android-phone --pin 9876" +
                           " --tries-left 1 --generation 2019 --issued 2022-04-01" +
                           " --birthday 12-24 --counter-file card9.counters");
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  auto card = jpki::LoadPersonalisation(out.File("card.json"));
  REQUIRE(card);
  auto cert = crypto::Certificate::FromDer(card->auth_certificate);
  REQUIRE(cert);
  CHECK_THAT(result.output, Catch::Contains("serial " + cert->SerialHex()));
  CHECK_THAT(result.output, Catch::Contains("cn " + cert->subject_common_name()));
  CHECK_THAT(result.output, Catch::Contains("not-after 2026-12-24"));
  CHECK(card->token_type == jpki::TokenType::kAndroidPhone);
  CHECK(std::ranges::equal(card->auth_pin.view(), ViewOf("9876")));
  CHECK(card->counters.auth_pin_tries_left == 1);
  // The loader resolves a relative counter file against the card file's directory.
  CHECK(card->counter_file == out.File("card9.counters"));
  auto ca = crypto::Certificate::FromDer(ReadBytes(pki.File("auth-ca-2019.der")));
  REQUIRE(ca);
  CHECK(cert->VerifySignedBy(*ca));

  const auto expired = Tool("card --pki " + pki.path() + " --out " + out.File("old.json") +
                            " --index 10 --now 2025-06-15 --expired");
  REQUIRE(expired.exit_code == 0);
  auto old_card = jpki::LoadPersonalisation(out.File("old.json"));
  REQUIRE(old_card);
  auto old_cert = crypto::Certificate::FromDer(old_card->auth_certificate);
  REQUIRE(old_cert);
  using namespace std::chrono;
  CHECK(old_cert->not_after() < sys_days(year(2025) / June / 15));
}

TEST_CASE("openssl accepts the tool's hierarchy, cards and CRL") {
  REQUIRE(Run("openssl version").exit_code == 0);
  const TempDir& pki = SharedPki();
  TempDir out;
  REQUIRE(Tool("card --pki " + pki.path() + " --out " + out.File("card.json") +
               " --index 11 --now 2025-06-15")
              .exit_code == 0);
  auto card = jpki::LoadPersonalisation(out.File("card.json"));
  REQUIRE(card);
  const std::string ee_pem = out.Write("ee.pem", PemEncode("CERTIFICATE", card->auth_certificate));
  const std::string anchors = out.Write("anchors.pem", ReadText(pki.File("auth-ca-2019.pem")) +
                                                           ReadText(pki.File("auth-ca-2023.pem")));
  // 2025-06-16 00:00:00 UTC
  const std::string at = " -attime 1750032000";
  const auto text =
      Run("openssl x509 -inform DER -noout -text -in " + pki.File("auth-ca-2023.der"));
  INFO(text.output);
  REQUIRE(text.exit_code == 0);
  CHECK_THAT(text.output, Catch::Contains("OU = JPKI for user authentication TEST"));
  CHECK_THAT(text.output, Catch::Contains("CA:TRUE"));
  CHECK_THAT(text.output, Catch::Contains("DirName:"));

  const auto verify = Run("openssl verify" + at + " -CAfile " + anchors + " " + ee_pem);
  INFO(verify.output);
  CHECK(verify.exit_code == 0);

  const auto sign_ca =
      Run("openssl verify" + at + " -CAfile " + pki.File("sign-ca-2023.pem") + " " +
          out.Write("sign.pem", PemEncode("CERTIFICATE", card->sign_certificate)));
  INFO(sign_ca.output);
  CHECK(sign_ca.exit_code == 0);

  REQUIRE(Tool("crl --pki " + pki.path() + " --out " + out.File("crl.der") + " --revoke-card " +
               out.File("card.json") + " --now 2025-06-15")
              .exit_code == 0);
  const auto crl = Run("openssl crl -inform DER -noout -in " + out.File("crl.der") + " -CAfile " +
                       pki.File("auth-ca-2023.pem"));
  INFO(crl.output);
  CHECK(crl.exit_code == 0);
  CHECK_THAT(crl.output, Catch::Contains("verify OK"));
  CHECK(Run("openssl crl -inform DER -in " + out.File("crl.der") + " -out " + out.File("crl.pem"))
            .exit_code == 0);
  const auto revoked = Run("openssl verify -crl_check" + at + " -CAfile " + anchors + " -CRLfile " +
                           out.File("crl.pem") + " " + ee_pem);
  INFO(revoked.output);
  CHECK(revoked.exit_code != 0);
  CHECK_THAT(revoked.output, Catch::Contains("revoked"));
}

}  // namespace
}  // namespace mykey::testjpki
