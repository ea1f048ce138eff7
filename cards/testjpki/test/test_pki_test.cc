#include "mykey/testjpki/test_pki.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>

#include "mykey/crypto/crl.h"
#include "mykey/testing/catch.h"
#include "mykey/testing/temp_dir.h"

namespace mykey::testjpki {
namespace {

using namespace std::chrono;
using testing::TempDir;

const TestPki& Pki() {
  static TestPki pki = std::move(*TestPki::Create("unit-test-seed"));
  return pki;
}

sys_days Day(int y, unsigned m, unsigned d) {
  return sys_days(year_month_day(year(y), month(m), day(d)));
}

CardOptions Options(uint32_t index) {
  CardOptions options;
  options.index = index;
  options.now = Day(2025, 6, 15);
  return options;
}

TEST_CASE("The hierarchy has three generations of auth and signature CAs with the JPKI profile") {
  const TestPki& pki = Pki();
  CHECK(pki.generations() == std::vector<int>{2015, 2019, 2023});
  std::vector<Bytes> key_ids;
  for (int generation : pki.generations()) {
    auto ca = pki.Ca(CaKind::kAuth, generation);
    REQUIRE(ca);
    const crypto::Certificate& cert = (*ca)->certificate;
    CHECK(cert.subject() == kAuthCaDn);
    CHECK(cert.issuer() == kAuthCaDn);
    CHECK(cert.is_ca());
    CHECK(cert.key_usage() == (crypto::kKeyUsageKeyCertSign | crypto::kKeyUsageCrlSign));
    REQUIRE(cert.crl_distribution_points().size() == 1);
    CHECK(cert.crl_distribution_points()[0] ==
          "DirName: " + std::string(kAuthCrlDistributionPoint));
    auto key = cert.PublicKey();
    REQUIRE(key);
    CHECK(key->bits() == 2048);
    CHECK(key->exponent() == 65537);
    CHECK(cert.not_before() == Day(generation, 1, 1));
    CHECK(cert.not_after() == Day(generation + 10, 1, 1));
    CHECK(cert.VerifySignedBy(cert));
    CHECK(cert.authority_key_id() == cert.subject_key_id());
    key_ids.push_back(cert.subject_key_id());

    auto sign = pki.Ca(CaKind::kSign, generation);
    REQUIRE(sign);
    CHECK((*sign)->certificate.subject() == kSignCaDn);
    CHECK((*sign)->certificate.is_ca());
  }
  // Same DN, different keys.
  std::sort(key_ids.begin(), key_ids.end());
  CHECK(std::unique(key_ids.begin(), key_ids.end()) == key_ids.end());
  CHECK_FALSE(pki.Ca(CaKind::kAuth, 2011));
}

TEST_CASE("The same seed gives byte-identical CAs and cards, another seed does not") {
  auto a = TestPki::Create("unit-test-seed", {2023});
  auto b = TestPki::Create("other-seed", {2023});
  REQUIRE(a);
  REQUIRE(b);
  const crypto::Certificate& shared = (*Pki().Ca(CaKind::kAuth, 2023))->certificate;
  CHECK(std::ranges::equal((*a->Ca(CaKind::kAuth, 2023))->certificate.der(), shared.der()));
  CHECK_FALSE(std::ranges::equal((*b->Ca(CaKind::kAuth, 2023))->certificate.der(), shared.der()));

  auto card1 = Pki().IssueCard(Options(7));
  auto card2 = a->IssueCard(Options(7));
  REQUIRE(card1);
  REQUIRE(card2);
  CHECK(std::ranges::equal(card1->auth_certificate.der(), card2->auth_certificate.der()));
  CHECK(ToHex(card1->personalisation.auth_private_key.view()) ==
        ToHex(card2->personalisation.auth_private_key.view()));
  CHECK(Pki().CommonName(7) == a->CommonName(7));
  CHECK(Pki().CommonName(7) != b->CommonName(7));
}

TEST_CASE("An auth certificate names only C and an opaque CN and chains to its generation") {
  auto card = Pki().IssueCard(Options(1));
  REQUIRE(card);
  const crypto::Certificate& cert = card->auth_certificate;
  const std::string cn = Pki().CommonName(1);
  CHECK(cn.size() == 16);
  CHECK(std::all_of(cn.begin(), cn.end(), [](char c) {
    return std::isupper(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c));
  }));
  CHECK(cert.subject() == "C=JP, CN=" + cn);
  CHECK(cert.subject_common_name() == cn);
  CHECK(cert.issuer() == kAuthCaDn);
  CHECK(cert.serial().size() == 8);
  CHECK(cert.serial()[0] < 0x80);
  CHECK(cert.key_usage() == crypto::kKeyUsageDigitalSignature);
  CHECK_FALSE(cert.is_ca());
  CHECK(card->generation == 2023);
  const crypto::Certificate& ca = (*Pki().Ca(CaKind::kAuth, 2023))->certificate;
  CHECK(cert.authority_key_id() == ca.subject_key_id());
  CHECK(cert.crl_distribution_points().size() == 1);

  const auto anchors = Pki().CaCertificates(CaKind::kAuth);
  CHECK(crypto::VerifyChain(cert, anchors, Day(2025, 6, 15)));
  auto issuer = crypto::FindIssuer(cert, anchors);
  REQUIRE(issuer);
  CHECK(*issuer == 2);
  CHECK(card->sign_certificate.VerifySignedBy((*Pki().Ca(CaKind::kSign, 2023))->certificate));
}

TEST_CASE("An auth certificate runs from the issue day to the 5th birthday after it") {
  CardOptions options = Options(2);
  options.issued = Day(2024, 5, 1);
  options.birthday = month_day(March / 14);
  auto card = Pki().IssueCard(options);
  REQUIRE(card);
  CHECK(card->auth_certificate.not_before() == sys_seconds(Day(2024, 5, 1)));
  CHECK(card->auth_certificate.not_after() ==
        sys_seconds(Day(2029, 3, 14)) + hours(14) + minutes(59) + seconds(59));
  CHECK(card->generation == 2023);

  // The card's own expiry comes first.
  options.card_expiry = Day(2027, 1, 31);
  auto short_card = Pki().IssueCard(options);
  REQUIRE(short_card);
  CHECK(floor<days>(short_card->auth_certificate.not_after()) == Day(2027, 1, 31));
  // A new issue gives a new serial.
  CHECK(card->auth_certificate.serial() != Pki().IssueCard(Options(2))->auth_certificate.serial());
}

TEST_CASE("Birthdays are counted strictly after the issue day and 02-29 falls on 02-28") {
  CHECK(NthBirthdayAfter(March / 14, Day(2024, 5, 1), 1) == Day(2025, 3, 14));
  CHECK(NthBirthdayAfter(March / 14, Day(2024, 3, 14), 1) == Day(2025, 3, 14));
  CHECK(NthBirthdayAfter(March / 14, Day(2024, 3, 13), 5) == Day(2028, 3, 14));
  CHECK(NthBirthdayAfter(February / 29, Day(2024, 3, 1), 1) == Day(2025, 2, 28));
  CHECK(NthBirthdayAfter(February / 29, Day(2024, 3, 1), 4) == Day(2028, 2, 29));
}

TEST_CASE("An expired card's certificate is expired now and a future card's is not yet valid") {
  CardOptions options = Options(3);
  options.validity = CardValidity::kExpired;
  auto expired = Pki().IssueCard(options);
  REQUIRE(expired);
  auto check = expired->auth_certificate.CheckValidAt(options.now);
  REQUIRE_FALSE(check);
  CHECK(crypto::IsCertificateExpired(check.error()));
  CHECK(expired->generation == 2019);
  const auto anchors = Pki().CaCertificates(CaKind::kAuth);
  auto chain = crypto::VerifyChain(expired->auth_certificate, anchors, options.now);
  REQUIRE_FALSE(chain);
  CHECK(crypto::IsCertificateExpired(chain.error()));
  // It was valid when issued.
  CHECK(crypto::VerifyChain(expired->auth_certificate, anchors,
                            expired->auth_certificate.not_before() + days(1)));

  options.validity = CardValidity::kNotYetValid;
  auto future = Pki().IssueCard(options);
  REQUIRE(future);
  auto early = future->auth_certificate.CheckValidAt(options.now);
  REQUIRE_FALSE(early);
  CHECK(crypto::IsCertificateNotYetValid(early.error()));

  // An explicit issue date that would not be expired is refused.
  options.validity = CardValidity::kExpired;
  options.issued = options.now;
  CHECK_FALSE(Pki().IssueCard(options));
}

TEST_CASE("A card is personalised with its token type, secrets and counters") {
  CardOptions options = Options(4);
  options.token_type = jpki::TokenType::kIPhone;
  options.auth_pin = "4821";
  options.sign_password = "TESTPASS9";
  options.auth_pin_tries_left = 0;
  options.counter_file = "card4.counters";
  auto card = Pki().IssueCard(options);
  REQUIRE(card);
  const jpki::JpkiPersonalisation& p = card->personalisation;
  CHECK(p.token_type == jpki::TokenType::kIPhone);
  CHECK(std::ranges::equal(p.auth_pin.view(), ViewOf("4821")));
  CHECK(std::ranges::equal(p.sign_password.view(), ViewOf("TESTPASS9")));
  CHECK(p.counters.auth_pin_tries_left == 0);
  CHECK(p.counters.sign_password_tries_left == 5);
  CHECK(p.counter_file == "card4.counters");
  CHECK(std::ranges::equal(p.auth_certificate, card->auth_certificate.der()));
  CHECK(std::ranges::equal(p.auth_ca_certificate,
                           (*Pki().Ca(CaKind::kAuth, 2023))->certificate.der()));
  CHECK(jpki::ValidatePersonalisation(p));

  TempDir dir;
  REQUIRE(jpki::SavePersonalisation(p, dir.File("card.json")));
  auto loaded = jpki::LoadPersonalisation(dir.File("card.json"));
  REQUIRE(loaded);
  CHECK(loaded->auth_certificate == p.auth_certificate);
  CHECK(loaded->counters.auth_pin_tries_left == 0);
}

TEST_CASE("Malformed PINs, passwords and counters are refused") {
  CardOptions options = Options(5);
  options.auth_pin = "12345";
  CHECK(Pki().IssueCard(options).error().code() == ErrorCode::kInvalidArgument);
  options = Options(5);
  options.sign_password = "abc123";
  CHECK(Pki().IssueCard(options).error().code() == ErrorCode::kInvalidArgument);
  options = Options(5);
  options.auth_pin_tries_left = 4;
  CHECK(Pki().IssueCard(options).error().code() == ErrorCode::kInvalidArgument);
  options = Options(5);
  options.generation = 2011;
  CHECK(Pki().IssueCard(options).error().code() == ErrorCode::kNotFound);
  options = Options(5);
  options.now = {};
  CHECK(Pki().IssueCard(options).error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("A CRL lists the given and the random serials and is signed by the chosen generation") {
  auto card = Pki().IssueCard(Options(6));
  REQUIRE(card);
  CrlOptions options;
  options.generation = 2019;
  options.this_update = sys_seconds(Day(2025, 6, 15));
  options.serials = {card->auth_certificate.serial(), Bytes{0x01, 0x02}};
  options.random_count = 1000;
  auto der = Pki().MakeCrl(options);
  REQUIRE(der);
  auto crl = crypto::Crl::FromDer(*der);
  REQUIRE(crl);
  CHECK(crl->revoked_count() == 1002);
  CHECK(crl->IsRevoked(card->auth_certificate.serial()));
  CHECK(crl->IsRevoked(Bytes{0x01, 0x02}));
  CHECK(crl->issuer() == kAuthCaDn);
  CHECK(crl->this_update() == sys_seconds(Day(2025, 6, 15)));
  CHECK(crl->next_update() == sys_seconds(Day(2025, 6, 16)));
  const crypto::Certificate& ca2019 = (*Pki().Ca(CaKind::kAuth, 2019))->certificate;
  const crypto::Certificate& ca2023 = (*Pki().Ca(CaKind::kAuth, 2023))->certificate;
  CHECK(crl->VerifySignedBy(ca2019));
  CHECK_FALSE(crl->VerifySignedBy(ca2023));
  CHECK(crl->authority_key_id() == ca2019.subject_key_id());
  // Deterministic.
  CHECK(*Pki().MakeCrl(options) == *der);

  options.kind = CaKind::kSign;
  options.generation = 0;
  auto sign_crl = crypto::Crl::FromDer(*Pki().MakeCrl(options));
  REQUIRE(sign_crl);
  CHECK(sign_crl->issuer() == kSignCaDn);
  CHECK(sign_crl->VerifySignedBy((*Pki().Ca(CaKind::kSign, 2023))->certificate));
}

TEST_CASE("A saved hierarchy loads back with the same certificates and protected keys") {
  TempDir dir;
  REQUIRE(Pki().Save(dir.path()));
  struct stat st {};
  REQUIRE(::stat(dir.File("private/auth-ca-2023.key.der").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(::stat(dir.File("private").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  CHECK(::stat(dir.File("auth-ca-2015.pem").c_str(), &st) == 0);
  CHECK(::stat(dir.File("sign-ca-2019.der").c_str(), &st) == 0);
  CHECK(::stat(dir.File("testjpki.json").c_str(), &st) == 0);

  auto loaded = TestPki::Load(dir.path());
  REQUIRE(loaded);
  CHECK(loaded->seed() == "unit-test-seed");
  CHECK(loaded->generations() == Pki().generations());
  for (int generation : Pki().generations()) {
    CHECK(std::ranges::equal((*loaded->Ca(CaKind::kAuth, generation))->certificate.der(),
                             (*Pki().Ca(CaKind::kAuth, generation))->certificate.der()));
  }
  auto missing = TestPki::Load(dir.File("nowhere"));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == ErrorCode::kNotFound);
}

TEST_CASE("Dates and birthdays are parsed strictly") {
  CHECK(ParseDate("2024-02-29").value() == Day(2024, 2, 29));
  CHECK_FALSE(ParseDate("2023-02-29"));
  CHECK_FALSE(ParseDate("2024-2-29"));
  CHECK_FALSE(ParseDate("2024-02-29x"));
  CHECK(FormatDate(Day(2024, 2, 9)) == "2024-02-09");
  CHECK(ParseMonthDay("02-29").value() == February / 29);
  CHECK_FALSE(ParseMonthDay("13-01"));
  CHECK_FALSE(ParseMonthDay("0229"));
}

}  // namespace
}  // namespace mykey::testjpki
