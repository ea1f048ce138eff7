// The offline trust anchors file: what SaveTrustAnchors() writes,
// LoadTrustAnchors() reads back; anything else is refused.
#include "mykey/terminal/trust_anchors.h"

#include <chrono>
#include <string>
#include <vector>

#include "mykey/testing/catch.h"
#include "mykey/testing/temp_dir.h"
#include "mykey/testjpki/test_pki.h"

namespace mykey::terminal {
namespace {

const testjpki::TestPki& Pki() {
  static const testjpki::TestPki pki = [] {
    auto made = testjpki::TestPki::Create("trust-anchors", {2015, 2023});
    REQUIRE(made);
    return std::move(*made);
  }();
  return pki;
}

TEST_CASE("Saved JPKI auth CAs load back whole, every generation, in order") {
  testing::TempDir dir;
  const std::string path = dir.File("jpki-auth-ca.pem");
  const auto cas = Pki().CaCertificates(testjpki::CaKind::kAuth);
  REQUIRE(cas.size() == 2);
  REQUIRE(SaveTrustAnchors(path, cas));
  auto loaded = LoadTrustAnchors(path);
  REQUIRE(loaded);
  REQUIRE(loaded->size() == cas.size());
  for (size_t i = 0; i < cas.size(); ++i) {
    CHECK(ToHex(loaded->at(i).der()) == ToHex(cas[i].der()));
  }
}

TEST_CASE(
    "An anchors file that is missing, empty, garbled or holds a card certificate is refused") {
  testing::TempDir dir;
  CHECK(LoadTrustAnchors(dir.File("absent.pem")).error().code() == ErrorCode::kNotFound);
  CHECK(LoadTrustAnchors(dir.Write("empty.pem", std::string("no PEM here\n"))).error().code() ==
        ErrorCode::kInvalidArgument);
  CHECK_FALSE(LoadTrustAnchors(
      dir.Write("garbled.pem",
                std::string("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))));
  testjpki::CardOptions options;
  options.now = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  auto card = Pki().IssueCard(options);
  REQUIRE(card);
  const std::string leaf = dir.Write("leaf.pem", card->auth_certificate.ToPem());
  CHECK(LoadTrustAnchors(leaf).error().code() == ErrorCode::kInvalidArgument);
  CHECK(SaveTrustAnchors(dir.File("none.pem"), {}).error().code() == ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace mykey::terminal
