#include "mykey/journal/offline_authorisation.h"

#include "mykey/testing/catch.h"
#include "test_card.h"

namespace mykey::journal {
namespace {

using testing::Pki;
using testing::TestCard;

constexpr std::string_view kTerminal = "term-0001";

std::chrono::sys_seconds Now() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::vector<crypto::Certificate> Anchors() {
  return Pki().CaCertificates(testjpki::CaKind::kAuth);
}

OfflineRefusal RefusalOf(const Result<OfflineCardIdentity>& result) {
  REQUIRE_FALSE(result);
  auto refusal = OfflineRefusalOf(result.error());
  REQUIRE(refusal);
  return *refusal;
}

const Bytes kChallenge(32, 0x5A);

TEST_CASE("A trusted, valid, unrevoked card that signed the challenge passes offline") {
  const TestCard card(1);
  revocation::RevocationSet set;
  auto identity =
      CheckCardOffline(card.Sign(kChallenge, kTerminal), Anchors(), set, kTerminal, Now());
  REQUIRE(identity);
  CHECK(identity->serial == card.serial);
}

TEST_CASE("A revoked certificate is refused offline") {
  const TestCard card(2);
  revocation::RevocationSet set;
  REQUIRE(set.AddSerial(card.serial));
  set.Seal();
  CHECK(RefusalOf(CheckCardOffline(card.Sign(kChallenge, kTerminal), Anchors(), set, kTerminal,
                                   Now())) == OfflineRefusal::kCertificateRevoked);
}

TEST_CASE("A signature over another challenge or for another terminal is refused") {
  const TestCard card(3);
  revocation::RevocationSet set;
  OfflineCardEvidence evidence = card.Sign(kChallenge, kTerminal);
  evidence.challenge = Bytes(32, 0x11);
  CHECK(RefusalOf(CheckCardOffline(evidence, Anchors(), set, kTerminal, Now())) ==
        OfflineRefusal::kSignatureInvalid);
  CHECK(RefusalOf(CheckCardOffline(card.Sign(kChallenge, "term-0002"), Anchors(), set, kTerminal,
                                   Now())) == OfflineRefusal::kSignatureInvalid);
}

TEST_CASE("A card of another JPKI is untrusted") {
  const TestCard card(4, testjpki::CardValidity::kNormal, testing::OtherPki());
  revocation::RevocationSet set;
  CHECK(RefusalOf(CheckCardOffline(card.Sign(kChallenge, kTerminal), Anchors(), set, kTerminal,
                                   Now())) == OfflineRefusal::kCertificateUntrusted);
}

TEST_CASE("Expired and not-yet-valid certificates are refused by the terminal's clock") {
  revocation::RevocationSet set;
  const TestCard expired(5, testjpki::CardValidity::kExpired);
  CHECK(RefusalOf(CheckCardOffline(expired.Sign(kChallenge, kTerminal), Anchors(), set, kTerminal,
                                   Now())) == OfflineRefusal::kCertificateExpired);
  const TestCard early(6, testjpki::CardValidity::kNotYetValid);
  CHECK(RefusalOf(CheckCardOffline(early.Sign(kChallenge, kTerminal), Anchors(), set, kTerminal,
                                   Now())) == OfflineRefusal::kCertificateNotYetValid);
}

TEST_CASE("A CA certificate or garbage in place of the card's certificate is refused") {
  revocation::RevocationSet set;
  const TestCard card(7);
  OfflineCardEvidence evidence = card.Sign(kChallenge, kTerminal);
  const auto anchors = Anchors();
  evidence.certificate_der.assign(anchors[0].der().begin(), anchors[0].der().end());
  CHECK(RefusalOf(CheckCardOffline(evidence, anchors, set, kTerminal, Now())) ==
        OfflineRefusal::kCertificateUntrusted);
  evidence.certificate_der = Bytes{0x30, 0x03, 0x02, 0x01, 0x01};
  CHECK(RefusalOf(CheckCardOffline(evidence, anchors, set, kTerminal, Now())) ==
        OfflineRefusal::kCertificateMalformed);
}

TEST_CASE("Every refusal has a name and survives the trip through an Error") {
  for (int i = 1; i <= static_cast<int>(OfflineRefusal::kSignatureInvalid); ++i) {
    const auto refusal = static_cast<OfflineRefusal>(i);
    CHECK(OfflineRefusalName(refusal) != "unknown");
    CHECK(OfflineRefusalOf(OfflineRefusalError(refusal)) == refusal);
  }
  CHECK_FALSE(OfflineRefusalOf(Error(ErrorCode::kPermissionDenied, "other")));
}

}  // namespace
}  // namespace mykey::journal
