#include "mykey/jpki_emulator/jpki_card_emulator.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <string>

#include "mykey/crypto/rsa.h"
#include "mykey/crypto/sha256.h"
#include "mykey/jpki_emulator_testing/test_card.h"
#include "mykey/testing/catch.h"

namespace mykey::jpki {
namespace {

using testing::MakeTestPersonalisation;

Bytes Hex(std::string_view hex) {
  auto bytes = FromHex(hex);
  REQUIRE(bytes);
  return *bytes;
}

uint16_t SwOf(const Bytes& response) {
  REQUIRE(response.size() >= 2);
  return LoadBe16(response, response.size() - 2);
}

Bytes DataOf(const Bytes& response) {
  return Bytes(response.begin(), response.end() - 2);
}

std::unique_ptr<JpkiCardEmulator> MakeCard(JpkiPersonalisation card = MakeTestPersonalisation()) {
  auto emulator = JpkiCardEmulator::Create(std::move(card));
  REQUIRE(emulator);
  (*emulator)->PowerOn();
  return std::move(*emulator);
}

const char* const kSelectAp = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";

uint16_t Send(JpkiCardEmulator& card, std::string_view hex) {
  return SwOf(card.Process(Hex(hex)));
}

uint16_t SelectEf(JpkiCardEmulator& card, uint16_t fid) {
  Bytes apdu = Hex("00 A4 02 0C 02");
  AppendBe16(apdu, fid);
  return SwOf(card.Process(apdu));
}

uint16_t Verify(JpkiCardEmulator& card, std::string_view pin) {
  Bytes apdu = {0x00, 0x20, 0x00, 0x80, static_cast<uint8_t>(pin.size())};
  apdu.insert(apdu.end(), pin.begin(), pin.end());
  return SwOf(card.Process(apdu));
}

Bytes ReadAll(JpkiCardEmulator& card, size_t size) {
  Bytes out;
  while (out.size() < size) {
    size_t chunk = std::min<size_t>(256, size - out.size());
    Bytes apdu = {0x00, 0xB0, static_cast<uint8_t>(out.size() >> 8),
                  static_cast<uint8_t>(out.size() & 0xFF), static_cast<uint8_t>(chunk & 0xFF)};
    Bytes response = card.Process(apdu);
    REQUIRE(SwOf(response) == 0x9000);
    Bytes data = DataOf(response);
    REQUIRE(data.size() == chunk);
    out.insert(out.end(), data.begin(), data.end());
  }
  return out;
}

Bytes SignCommand(ByteView digest_info) {
  Bytes apdu = {0x80, 0x2A, 0x00, 0x80, static_cast<uint8_t>(digest_info.size())};
  apdu.insert(apdu.end(), digest_info.begin(), digest_info.end());
  apdu.push_back(0x00);
  return apdu;
}

std::string TempDir() {
  char dir[] = "/tmp/mykey-emulator-test-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  return dir;
}

TEST_CASE("The card answers power-on and reset with the JPKI contact ATR") {
  auto card = MakeCard();
  CHECK(card->PowerOn() == Hex("3B E0 00 FF 81 31 FE 45 14"));
  CHECK(card->Reset() == Hex("3B E0 00 FF 81 31 FE 45 14"));
}

TEST_CASE("SELECT of the JPKI AP answers 90 00 without FCI for P2 0C and 00") {
  auto card = MakeCard();
  CHECK(card->Process(Hex(kSelectAp)) == Hex("90 00"));
  CHECK(card->Process(Hex("00 A4 04 00 0A D3 92 F0 00 26 01 00 00 00 01")) == Hex("90 00"));
  CHECK(card->Process(Hex("00 A4 04 00 0A D3 92 F0 00 26 01 00 00 00 01 00")) == Hex("90 00"));
}

TEST_CASE("SELECT of any other application answers 6A 82") {
  auto card = MakeCard();
  CHECK(Send(*card, "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08") == 0x6A82);
  CHECK(Send(*card, "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 02") == 0x6A82);
  CHECK(Send(*card, "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 01") == 0x6A82);
  CHECK(Send(*card, "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 01 00") == 0x6A82);
  CHECK(Send(*card, "00 A4 04 00 07 A0 00 00 03 08 00 00") == 0x6A82);        // PIV
  CHECK(Send(*card, "00 A4 04 0C 09 D3 92 F0 00 26 01 00 00 00") == 0x6A82);  // AID prefix
  CHECK(Send(*card, "00 A4 04 0C 0B D3 92 F0 00 26 01 00 00 00 01 00") == 0x6A82);
}

TEST_CASE("SELECT of the MF answers 6A 82 whatever P1") {
  auto card = MakeCard();
  CHECK(Send(*card, "00 A4 00 0C 02 3F 00") == 0x6A82);
  CHECK(Send(*card, "00 A4 00 0C") == 0x6A82);
  CHECK(Send(*card, "00 A4 01 0C 02 3F 00") == 0x6A82);
  CHECK(Send(*card, "00 A4 02 0C 02 3F 00") == 0x6A82);
  CHECK(Send(*card, "00 A4 04 0C 02 3F 00") == 0x6A82);
  CHECK(Send(*card, "00 A4 08 0C 02 3F 00") == 0x6A82);
  CHECK(Send(*card, "00 A4 09 0C 02 3F 00") == 0x6A82);
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  CHECK(Send(*card, "00 A4 02 0C 02 3F 00") == 0x6A82);
}

TEST_CASE("SELECT with an unsupported P1 or P2 answers 6A 86") {
  auto card = MakeCard();
  CHECK(Send(*card, "00 A4 04 04 0A D3 92 F0 00 26 01 00 00 00 01") == 0x6A86);
  CHECK(Send(*card, "00 A4 03 0C") == 0x6A86);
}

TEST_CASE("SELECT EF finds the JPKI files only inside the selected AP") {
  auto card = MakeCard();
  CHECK(SelectEf(*card, 0x000A) == 0x6A82);
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  for (int fid : {0x0001, 0x0002, 0x0006, 0x000A, 0x000B, 0x0017, 0x0018, 0x001A, 0x001B}) {
    CAPTURE(fid);
    CHECK(SelectEf(*card, static_cast<uint16_t>(fid)) == 0x9000);
  }
  CHECK(SelectEf(*card, 0x0003) == 0x6A82);
  CHECK(SelectEf(*card, 0x2F00) == 0x6A82);
  CHECK(Send(*card, "00 A4 02 0C 01 0A") == 0x6A82);
}

TEST_CASE("READ BINARY returns the auth certificate followed by filler to the EF's end") {
  JpkiPersonalisation perso = MakeTestPersonalisation();
  const Bytes cert = perso.auth_certificate;
  auto card = MakeCard(std::move(perso));
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*card, 0x000A) == 0x9000);
  Bytes header = DataOf(card->Process(Hex("00 B0 00 00 04")));
  REQUIRE(header.size() == 4);
  CHECK(header[0] == 0x30);
  CHECK(header[1] == 0x82);
  CHECK(size_t{4} + LoadBe16(header, 2) == cert.size());
  Bytes ef = ReadAll(*card, 2048);
  CHECK(Bytes(ef.begin(), ef.begin() + static_cast<std::ptrdiff_t>(cert.size())) == cert);
  CHECK(std::all_of(ef.begin() + static_cast<std::ptrdiff_t>(cert.size()), ef.end(),
                    [](uint8_t b) { return b == kCertificateFiller; }));
}

TEST_CASE("READ BINARY with Le 00 returns 256 bytes") {
  auto card = MakeCard();
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*card, 0x000B) == 0x9000);
  Bytes response = card->Process(Hex("00 B0 00 00 00"));
  CHECK(SwOf(response) == 0x9000);
  CHECK(DataOf(response).size() == 256);
}

TEST_CASE("READ BINARY past the end answers 6B 00, across the end returns the rest with 62 82") {
  auto card = MakeCard();
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*card, 0x000A) == 0x9000);
  CHECK(Send(*card, "00 B0 08 00 00") == 0x6B00);  // offset 2048 = EF size
  CHECK(Send(*card, "00 B0 7F FF 01") == 0x6B00);
  Bytes response = card->Process(Hex("00 B0 07 F0 00"));  // offset 2032, Le 256
  CHECK(SwOf(response) == 0x6282);
  CHECK(DataOf(response).size() == 16);
}

TEST_CASE("READ BINARY accepts an extended Le") {
  JpkiPersonalisation perso = MakeTestPersonalisation();
  const Bytes cert = perso.auth_certificate;
  auto card = MakeCard(std::move(perso));
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*card, 0x000A) == 0x9000);
  Bytes response = card->Process(Hex("00 B0 00 00 00 08 00"));
  CHECK(SwOf(response) == 0x9000);
  CHECK(DataOf(response).size() == 2048);
}

TEST_CASE("READ BINARY without a current EF answers 69 86") {
  auto card = MakeCard();
  CHECK(Send(*card, "00 B0 00 00 00") == 0x6986);
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  CHECK(Send(*card, "00 B0 00 00 00") == 0x6986);
}

TEST_CASE("READ BINARY of a key or PIN EF answers 69 86, even with the PIN verified") {
  auto card = MakeCard();
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*card, 0x0018) == 0x9000);
  REQUIRE(Verify(*card, "1234") == 0x9000);
  for (int fid : {0x0017, 0x0018, 0x001A, 0x001B}) {
    CAPTURE(fid);
    REQUIRE(SelectEf(*card, static_cast<uint16_t>(fid)) == 0x9000);
    CHECK(Send(*card, "00 B0 00 00 00") == 0x6986);
  }
}

TEST_CASE("READ BINARY with a short EF identifier answers 6A 86; without Le or with data 67 00") {
  auto card = MakeCard();
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*card, 0x000A) == 0x9000);
  CHECK(Send(*card, "00 B0 8A 00 00") == 0x6A86);
  CHECK(Send(*card, "00 B0 00 00") == 0x6700);
  CHECK(Send(*card, "00 B0 00 00 01 00") == 0x6700);
  CHECK(Send(*card, "00 B0 00 00 01 00 00") == 0x6700);
}

TEST_CASE("The signature certificate answers 69 82 until the signature password is verified") {
  JpkiPersonalisation perso = MakeTestPersonalisation();
  const Bytes cert = perso.sign_certificate;
  auto card = MakeCard(std::move(perso));
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*card, 0x0001) == 0x9000);
  CHECK(Send(*card, "00 B0 00 00 00") == 0x6982);
  REQUIRE(SelectEf(*card, 0x0018) == 0x9000);
  REQUIRE(Verify(*card, "1234") == 0x9000);
  REQUIRE(SelectEf(*card, 0x0001) == 0x9000);
  CHECK(Send(*card, "00 B0 00 00 00") == 0x6982);  // the auth PIN is not enough
  REQUIRE(SelectEf(*card, 0x001B) == 0x9000);
  REQUIRE(Verify(*card, "ABC123") == 0x9000);
  REQUIRE(SelectEf(*card, 0x0001) == 0x9000);
  Bytes ef = ReadAll(*card, cert.size());
  CHECK(ef == cert);
}

TEST_CASE("The CA certificates and token info are free to read") {
  JpkiPersonalisation perso = MakeTestPersonalisation();
  const Bytes auth_ca = perso.auth_ca_certificate;
  const Bytes sign_ca = perso.sign_ca_certificate;
  auto card = MakeCard(std::move(perso));
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*card, 0x000B) == 0x9000);
  CHECK(ReadAll(*card, auth_ca.size()) == auth_ca);
  REQUIRE(SelectEf(*card, 0x0002) == 0x9000);
  CHECK(ReadAll(*card, sign_ca.size()) == sign_ca);
  REQUIRE(SelectEf(*card, 0x0006) == 0x9000);
  Bytes response = card->Process(Hex("00 B0 00 00 20"));
  CHECK(SwOf(response) == 0x9000);
  CHECK(DataOf(response) == BytesOf("JPKIAPICCTOKEN2                 "));
}

TEST_CASE("Token info carries the label of each token type") {
  for (TokenType type : {TokenType::kPlasticCard, TokenType::kAndroidPhone, TokenType::kIPhone,
                         TokenType::kJukiCard}) {
    auto card = MakeCard(MakeTestPersonalisation(type));
    REQUIRE(Send(*card, kSelectAp) == 0x9000);
    REQUIRE(SelectEf(*card, 0x0006) == 0x9000);
    Bytes response = card->Process(Hex("00 B0 00 00 00"));
    CHECK(SwOf(response) == 0x6282);  // the EF is 32 bytes long
    Bytes label = DataOf(response);
    REQUIRE(label.size() == 32);
    std::string text(label.begin(), label.end());
    CHECK(text.substr(0, text.find_last_not_of(' ') + 1) == TokenLabel(type));
  }
}

TEST_CASE(
    "On a phone token the auth certificate needs the auth PIN; on a plastic card it is free") {
  auto phone = MakeCard(MakeTestPersonalisation(TokenType::kAndroidPhone));
  REQUIRE(Send(*phone, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*phone, 0x000A) == 0x9000);
  CHECK(Send(*phone, "00 B0 00 00 04") == 0x6982);
  REQUIRE(SelectEf(*phone, 0x0018) == 0x9000);
  REQUIRE(Verify(*phone, "1234") == 0x9000);
  REQUIRE(SelectEf(*phone, 0x000A) == 0x9000);
  CHECK(Send(*phone, "00 B0 00 00 04") == 0x9000);

  auto plastic = MakeCard(MakeTestPersonalisation(TokenType::kPlasticCard));
  REQUIRE(Send(*plastic, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*plastic, 0x000A) == 0x9000);
  CHECK(Send(*plastic, "00 B0 00 00 04") == 0x9000);
}

TEST_CASE("VERIFY with the right auth PIN answers 90 00") {
  auto card = MakeCard();
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*card, 0x0018) == 0x9000);
  CHECK(card->Process(Hex("00 20 00 80 04 31 32 33 34")) == Hex("90 00"));
  CHECK(card->auth_pin_verified());
  CHECK(card->counters().auth_pin_tries_left == 3);
}

TEST_CASE("Wrong auth PINs count down 63 C2, 63 C1, 63 C0, then even the right PIN gets 69 84") {
  auto card = MakeCard();
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*card, 0x0018) == 0x9000);
  CHECK(Verify(*card, "0000") == 0x63C2);
  CHECK(Verify(*card, "0000") == 0x63C1);
  CHECK(Verify(*card, "0000") == 0x63C0);
  CHECK(Verify(*card, "1234") == 0x6984);
  CHECK(Send(*card, "00 20 00 80") == 0x63C0);
  CHECK_FALSE(card->auth_pin_verified());
  card->Reset();
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*card, 0x0018) == 0x9000);
  CHECK(Verify(*card, "1234") == 0x6984);
}

TEST_CASE("Only a successful VERIFY resets the counter") {
  auto card = MakeCard();
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*card, 0x0018) == 0x9000);
  CHECK(Verify(*card, "9999") == 0x63C2);
  card->Reset();
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*card, 0x0018) == 0x9000);
  CHECK(Send(*card, "00 20 00 80") == 0x63C2);  // a reset gives nothing back
  CHECK(Verify(*card, "1234") == 0x9000);
  CHECK(Send(*card, "00 20 00 80") == 0x63C3);
}

TEST_CASE("An empty VERIFY reports the tries left without using one, also when verified") {
  auto card = MakeCard();
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*card, 0x0018) == 0x9000);
  CHECK(card->Process(Hex("00 20 00 80")) == Hex("63 C3"));
  CHECK(card->Process(Hex("00 20 00 80")) == Hex("63 C3"));
  REQUIRE(SelectEf(*card, 0x001B) == 0x9000);
  CHECK(card->Process(Hex("00 20 00 80")) == Hex("63 C5"));
  REQUIRE(SelectEf(*card, 0x0018) == 0x9000);
  REQUIRE(Verify(*card, "1234") == 0x9000);
  CHECK(card->Process(Hex("00 20 00 80")) == Hex("63 C3"));
  CHECK(card->auth_pin_verified());
}

TEST_CASE("A wrong VERIFY drops an earlier verification") {
  auto card = MakeCard();
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*card, 0x0018) == 0x9000);
  REQUIRE(Verify(*card, "1234") == 0x9000);
  CHECK(Verify(*card, "4321") == 0x63C2);
  CHECK_FALSE(card->auth_pin_verified());
}

TEST_CASE("An auth PIN of the wrong length or alphabet costs a try") {
  auto card = MakeCard();
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*card, 0x0018) == 0x9000);
  CHECK(Verify(*card, "12345") == 0x63C2);
  CHECK(Verify(*card, "12") == 0x63C1);
  CHECK(Verify(*card, "12a4") == 0x63C0);
}

TEST_CASE("The signature password has 5 tries of its own") {
  auto card = MakeCard();
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*card, 0x001B) == 0x9000);
  CHECK(Verify(*card, "WRONG1") == 0x63C4);
  CHECK(Verify(*card, "WRONG1") == 0x63C3);
  CHECK(Verify(*card, "1234") == 0x63C2);  // the auth PIN is not the password
  CHECK(Verify(*card, "ABC123") == 0x9000);
  CHECK(card->counters().sign_password_tries_left == 5);
  CHECK(card->counters().auth_pin_tries_left == 3);
  CHECK(card->sign_password_verified());
  CHECK_FALSE(card->auth_pin_verified());
}

TEST_CASE("VERIFY needs a PIN EF as current EF and P1 00 P2 80") {
  auto card = MakeCard();
  CHECK(Verify(*card, "1234") == 0x6986);
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  CHECK(Verify(*card, "1234") == 0x6986);
  REQUIRE(SelectEf(*card, 0x000A) == 0x9000);
  CHECK(Verify(*card, "1234") == 0x6986);
  REQUIRE(SelectEf(*card, 0x0018) == 0x9000);
  CHECK(Send(*card, "00 20 00 81 04 31 32 33 34") == 0x6A86);
  CHECK(Send(*card, "00 20 01 80 04 31 32 33 34") == 0x6A86);
  CHECK(Send(*card, "00 20 00 80 04 31 32 33 34 00") == 0x6700);
  CHECK(card->counters().auth_pin_tries_left == 3);
}

TEST_CASE("CHANGE REFERENCE DATA needs a verified PIN and then sets the new PIN") {
  auto card = MakeCard();
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*card, 0x0018) == 0x9000);
  CHECK(Send(*card, "00 24 01 80 04 35 36 37 38") == 0x6982);
  REQUIRE(Verify(*card, "1234") == 0x9000);
  CHECK(Send(*card, "00 24 01 80 03 35 36 37") == 0x6A80);     // 3 digits
  CHECK(Send(*card, "00 24 01 80 04 35 36 37 41") == 0x6A80);  // not a digit
  CHECK(Send(*card, "00 24 00 80 04 35 36 37 38") == 0x6A86);
  CHECK(card->Process(Hex("00 24 01 80 04 35 36 37 38")) == Hex("90 00"));
  card->Reset();
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*card, 0x0018) == 0x9000);
  CHECK(Verify(*card, "1234") == 0x63C2);
  CHECK(Verify(*card, "5678") == 0x9000);
}

TEST_CASE("CHANGE REFERENCE DATA of the signature password checks its format") {
  auto card = MakeCard();
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*card, 0x001B) == 0x9000);
  REQUIRE(Verify(*card, "ABC123") == 0x9000);
  CHECK(Send(*card, "00 24 01 80 05 41 42 43 31 32") == 0x6A80);        // too short
  CHECK(Send(*card, "00 24 01 80 06 61 62 63 31 32 33") == 0x6A80);     // lower case
  CHECK(Send(*card, "00 24 01 80 07 4E 45 57 50 41 53 53") == 0x9000);  // "NEWPASS"
  CHECK(Verify(*card, "NEWPASS") == 0x9000);
}

TEST_CASE(
    "SIGN with the auth key needs the auth PIN, then returns a 256-byte SHA256withRSA "
    "signature") {
  auto card = MakeCard();
  const auto digest = crypto::Sha256(ViewOf("challenge"));
  const Bytes digest_info = crypto::Sha256DigestInfo(digest);
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*card, 0x0017) == 0x9000);
  CHECK(SwOf(card->Process(SignCommand(digest_info))) == 0x6982);
  REQUIRE(SelectEf(*card, 0x0018) == 0x9000);
  REQUIRE(Verify(*card, "1234") == 0x9000);
  REQUIRE(SelectEf(*card, 0x0017) == 0x9000);
  Bytes response = card->Process(SignCommand(digest_info));
  REQUIRE(SwOf(response) == 0x9000);
  Bytes signature = DataOf(response);
  REQUIRE(signature.size() == 256);
  auto key = crypto::RsaPublicKey::FromDer(testing::TestAuthPublicKeyDer());
  REQUIRE(key);
  CHECK(key->VerifySha256(digest, signature));
  auto other = crypto::RsaPublicKey::FromDer(testing::TestSignPublicKeyDer());
  REQUIRE(other);
  CHECK_FALSE(other->VerifySha256(digest, signature));
}

TEST_CASE("SIGN with the signature key needs the signature password, not the auth PIN") {
  auto card = MakeCard();
  const auto digest = crypto::Sha256(ViewOf("document"));
  const Bytes digest_info = crypto::Sha256DigestInfo(digest);
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*card, 0x0018) == 0x9000);
  REQUIRE(Verify(*card, "1234") == 0x9000);
  REQUIRE(SelectEf(*card, 0x001A) == 0x9000);
  CHECK(SwOf(card->Process(SignCommand(digest_info))) == 0x6982);
  REQUIRE(SelectEf(*card, 0x001B) == 0x9000);
  REQUIRE(Verify(*card, "ABC123") == 0x9000);
  REQUIRE(SelectEf(*card, 0x001A) == 0x9000);
  Bytes response = card->Process(SignCommand(digest_info));
  REQUIRE(SwOf(response) == 0x9000);
  auto key = crypto::RsaPublicKey::FromDer(testing::TestSignPublicKeyDer());
  REQUIRE(key);
  CHECK(key->VerifySha256(digest, DataOf(response)));
}

TEST_CASE("SIGN needs a key EF as current EF and well-formed parameters") {
  auto card = MakeCard();
  const Bytes digest_info = crypto::Sha256DigestInfo(crypto::Sha256(ViewOf("x")));
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*card, 0x0018) == 0x9000);
  REQUIRE(Verify(*card, "1234") == 0x9000);
  CHECK(SwOf(card->Process(SignCommand(digest_info))) == 0x6986);  // current EF is the PIN
  REQUIRE(SelectEf(*card, 0x0017) == 0x9000);
  Bytes wrong_p2 = SignCommand(digest_info);
  wrong_p2[3] = 0x81;
  CHECK(SwOf(card->Process(wrong_p2)) == 0x6A86);
  Bytes short_le = SignCommand(digest_info);
  short_le.back() = 0x80;
  CHECK(SwOf(card->Process(short_le)) == 0x6700);
  CHECK(Send(*card, "80 2A 00 80 00") == 0x6700);  // case 2: no data
  Bytes too_long(246, 0x01);
  CHECK(SwOf(card->Process(SignCommand(too_long))) == 0x6700);
  Bytes no_le = SignCommand(digest_info);
  no_le.pop_back();
  CHECK(SwOf(card->Process(no_le)) == 0x9000);
}

TEST_CASE("SIGN with the signature key on a card without one answers 6A 88") {
  JpkiPersonalisation perso = MakeTestPersonalisation();
  perso.sign_private_key = SecretBytes();
  perso.sign_certificate.clear();
  auto card = MakeCard(std::move(perso));
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*card, 0x001B) == 0x9000);
  REQUIRE(Verify(*card, "ABC123") == 0x9000);
  REQUIRE(SelectEf(*card, 0x001A) == 0x9000);
  CHECK(SwOf(card->Process(SignCommand(crypto::Sha256DigestInfo(crypto::Sha256(ViewOf("x")))))) ==
        0x6A88);
}

TEST_CASE("INTERNAL AUTHENTICATE is refused with 69 85 and ISO PSO with 6D 00") {
  auto card = MakeCard();
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*card, 0x0018) == 0x9000);
  REQUIRE(Verify(*card, "1234") == 0x9000);
  REQUIRE(SelectEf(*card, 0x0017) == 0x9000);
  CHECK(Send(*card, "00 88 00 00 04 01 02 03 04 00") == 0x6985);
  CHECK(Send(*card, "00 2A 9E 9A 04 01 02 03 04 00") == 0x6D00);
}

TEST_CASE("Unknown instructions answer 6D 00, unknown classes 6E 00") {
  auto card = MakeCard();
  CHECK(Send(*card, "00 CA 01 00 00") == 0x6D00);  // GET DATA
  CHECK(Send(*card, "00 C0 00 00 00") == 0x6D00);  // GET RESPONSE
  CHECK(Send(*card, "00 84 00 00 08") == 0x6D00);  // GET CHALLENGE
  CHECK(Send(*card, "80 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01") == 0x6D00);
  CHECK(Send(*card, "FF CA 00 00 00") == 0x6E00);
  CHECK(Send(*card, "0C A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01") == 0x6E00);
  CHECK(Send(*card, "01 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01") == 0x6E00);
}

TEST_CASE("Malformed APDUs answer 67 00") {
  auto card = MakeCard();
  CHECK(card->Process(Bytes{}) == Hex("67 00"));
  CHECK(Send(*card, "00") == 0x6700);
  CHECK(Send(*card, "00 A4 04") == 0x6700);
  CHECK(Send(*card, "00 A4 04 0C 0A D3 92") == 0x6700);           // Lc too big
  CHECK(Send(*card, "00 A4 04 0C 02 D3 92 F0 00 26") == 0x6700);  // Lc too small
  CHECK(Send(*card, "00 A4 04 0C 00 00") == 0x6700);              // 6 bytes, b4=0
  CHECK(Send(*card, "00 A4 04 0C 00 00 00 D3") == 0x6700);        // ext Lc 0
}

TEST_CASE("PowerOff, PowerOn, Reset and a re-SELECT of the AP drop the security state") {
  auto card = MakeCard();
  const Bytes sign = SignCommand(crypto::Sha256DigestInfo(crypto::Sha256(ViewOf("x"))));
  auto verified_session = [&] {
    REQUIRE(Send(*card, kSelectAp) == 0x9000);
    REQUIRE(SelectEf(*card, 0x0018) == 0x9000);
    REQUIRE(Verify(*card, "1234") == 0x9000);
    REQUIRE(SelectEf(*card, 0x001B) == 0x9000);
    REQUIRE(Verify(*card, "ABC123") == 0x9000);
    REQUIRE(SelectEf(*card, 0x0017) == 0x9000);
    REQUIRE(SwOf(card->Process(sign)) == 0x9000);
    REQUIRE(card->auth_pin_verified());
    REQUIRE(card->sign_password_verified());
  };
  auto check_dropped = [&] {
    CHECK_FALSE(card->auth_pin_verified());
    CHECK_FALSE(card->sign_password_verified());
    CHECK(SwOf(card->Process(sign)) == 0x6986);  // no current EF
    CHECK(SelectEf(*card, 0x0017) == 0x6A82);    // no AP
  };

  SECTION("power off") {
    verified_session();
    card->PowerOff();
    check_dropped();
  }
  SECTION("power on") {
    verified_session();
    card->PowerOn();
    check_dropped();
  }
  SECTION("reset") {
    verified_session();
    card->Reset();
    check_dropped();
  }
  SECTION("re-SELECT of the AP") {
    verified_session();
    REQUIRE(Send(*card, kSelectAp) == 0x9000);
    CHECK_FALSE(card->auth_pin_verified());
    CHECK_FALSE(card->sign_password_verified());
    CHECK(SwOf(card->Process(sign)) == 0x6986);
    REQUIRE(SelectEf(*card, 0x0017) == 0x9000);
    CHECK(SwOf(card->Process(sign)) == 0x6982);
  }
}

TEST_CASE("A failed SELECT keeps the current EF and the verified PIN") {
  auto card = MakeCard();
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*card, 0x0018) == 0x9000);
  REQUIRE(Verify(*card, "1234") == 0x9000);
  REQUIRE(SelectEf(*card, 0x000A) == 0x9000);
  CHECK(SelectEf(*card, 0x0099) == 0x6A82);
  CHECK(Send(*card, "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08") == 0x6A82);
  CHECK(Send(*card, "00 B0 00 00 04") == 0x9000);
  CHECK(card->auth_pin_verified());
}

TEST_CASE("PIN counters persist in the counter file across emulator instances") {
  const std::string dir = TempDir();
  const std::string counters = dir + "/counters.json";
  {
    JpkiPersonalisation perso = MakeTestPersonalisation();
    perso.counter_file = counters;
    auto card = MakeCard(std::move(perso));
    REQUIRE(Send(*card, kSelectAp) == 0x9000);
    REQUIRE(SelectEf(*card, 0x0018) == 0x9000);
    CHECK(Verify(*card, "0000") == 0x63C2);
    // Written before the answer: the file already holds the spent try.
    auto stored = LoadPinCounters(counters);
    REQUIRE(stored);
    REQUIRE(stored->has_value());
    CHECK((*stored)->auth_pin_tries_left == 2);
    CHECK(Verify(*card, "0000") == 0x63C1);
  }
  {
    JpkiPersonalisation perso = MakeTestPersonalisation();
    perso.counter_file = counters;
    auto card = MakeCard(std::move(perso));
    CHECK(card->counters().auth_pin_tries_left == 1);
    REQUIRE(Send(*card, kSelectAp) == 0x9000);
    REQUIRE(SelectEf(*card, 0x0018) == 0x9000);
    CHECK(Send(*card, "00 20 00 80") == 0x63C1);
    CHECK(Verify(*card, "0000") == 0x63C0);
  }
  {
    JpkiPersonalisation perso = MakeTestPersonalisation();
    perso.counter_file = counters;
    auto card = MakeCard(std::move(perso));
    REQUIRE(Send(*card, kSelectAp) == 0x9000);
    REQUIRE(SelectEf(*card, 0x0018) == 0x9000);
    CHECK(Verify(*card, "1234") == 0x6984);  // blocked stays blocked across restarts
  }
  std::remove(counters.c_str());
  rmdir(dir.c_str());
}

TEST_CASE("A counter file that cannot be written makes VERIFY answer 65 81 without verifying") {
  JpkiPersonalisation perso = MakeTestPersonalisation();
  perso.counter_file = "/nonexistent-mykey-dir/counters.json";
  auto card = MakeCard(std::move(perso));
  REQUIRE(Send(*card, kSelectAp) == 0x9000);
  REQUIRE(SelectEf(*card, 0x0018) == 0x9000);
  CHECK(Verify(*card, "1234") == 0x6581);
  CHECK_FALSE(card->auth_pin_verified());
  CHECK(card->counters().auth_pin_tries_left == 2);  // pessimistic: the try stays spent
}

TEST_CASE("A corrupt counter file stops the card from being built") {
  const std::string dir = TempDir();
  const std::string counters = dir + "/counters.json";
  FILE* f = std::fopen(counters.c_str(), "w");
  REQUIRE(f != nullptr);
  std::fputs("{\"format\":\"mykey-jpki-counters/1\",\"auth_pin_tries_left\":7}", f);
  std::fclose(f);
  JpkiPersonalisation perso = MakeTestPersonalisation();
  perso.counter_file = counters;
  auto card = JpkiCardEmulator::Create(std::move(perso));
  REQUIRE_FALSE(card);
  CHECK(card.error().code() == ErrorCode::kDataLoss);
  std::remove(counters.c_str());
  rmdir(dir.c_str());
}

TEST_CASE("A card whose auth key does not match its certificate is refused") {
  JpkiPersonalisation perso = MakeTestPersonalisation();
  perso.auth_private_key = perso.sign_private_key.Clone();
  auto card = JpkiCardEmulator::Create(std::move(perso));
  REQUIRE_FALSE(card);
  CHECK(card.error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("Random APDUs never crash the card and always get a status word") {
  auto card = MakeCard();
  std::mt19937 rng(20240601);
  const Bytes prefixes[] = {Hex("00 A4"), Hex("00 B0"), Hex("00 20"),
                            Hex("00 24"), Hex("80 2A"), Hex("00 88")};
  for (int i = 0; i < 20000; ++i) {
    Bytes apdu;
    if (i % 3 != 0) {
      const Bytes& p = prefixes[rng() % std::size(prefixes)];
      apdu = p;
    }
    size_t len = rng() % 24;
    if (i % 97 == 0) len = rng() % 600;
    for (size_t j = 0; j < len; ++j) apdu.push_back(static_cast<uint8_t>(rng()));
    if (i % 5 == 0) card->Process(Hex(kSelectAp));
    if (i % 7 == 0) SelectEf(*card, static_cast<uint16_t>(rng() % 0x20));
    Bytes response = card->Process(apdu);
    REQUIRE(response.size() >= 2);
    if (i % 1000 == 0) card->Reset();
  }
}

}  // namespace
}  // namespace mykey::jpki
