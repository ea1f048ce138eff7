// The JPKI emulator conformance suite (jpki-card.md §2-§5): golden command
// APDUs in, status words and data out, through a hal::CardReader. Linked
// with one backend (sim_target.cc, pcsc_target.cc).

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "conformance_target.h"
#include "mykey/crypto/rsa.h"
#include "mykey/crypto/sha256.h"
#include "mykey/jpki_emulator_testing/test_card.h"
#include "mykey/testing/catch.h"

namespace mykey::conformance {
namespace {

using jpki::JpkiPersonalisation;
using jpki::TokenType;
using jpki::testing::MakeTestPersonalisation;

constexpr const char* kSelectAp = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";

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

// A session with a fresh card through the backend under test.
class Session {
 public:
  explicit Session(JpkiPersonalisation card = MakeTestPersonalisation()) {
    auto reader = SharedConformanceTarget().StartCard(std::move(card));
    if (!reader) FAIL("cannot start the card: " << reader.error().ToString());
    reader_ = *reader;
  }

  hal::CardReader& reader() { return *reader_; }

  Bytes Transmit(ByteView command) {
    auto response = reader_->Transmit(command);
    if (!response) FAIL("transmit failed: " << response.error().ToString());
    return *response;
  }
  Bytes Transmit(std::string_view hex) { return Transmit(Hex(hex)); }
  uint16_t Sw(std::string_view hex) { return SwOf(Transmit(hex)); }
  uint16_t Sw(ByteView command) { return SwOf(Transmit(command)); }

  uint16_t SelectEf(uint16_t fid) {
    Bytes apdu = Hex("00 A4 02 0C 02");
    AppendBe16(apdu, fid);
    return Sw(apdu);
  }
  uint16_t Verify(std::string_view pin) {
    Bytes apdu = {0x00, 0x20, 0x00, 0x80, static_cast<uint8_t>(pin.size())};
    apdu.insert(apdu.end(), pin.begin(), pin.end());
    return Sw(apdu);
  }
  void VerifyAuthPin() {
    REQUIRE(Sw(kSelectAp) == 0x9000);
    REQUIRE(SelectEf(0x0018) == 0x9000);
    REQUIRE(Verify("1234") == 0x9000);
  }
  // Reads `size` bytes of the current EF in 256-byte chunks (Le 00).
  Bytes Read(size_t size) {
    Bytes out;
    while (out.size() < size) {
      Bytes apdu = {0x00, 0xB0, static_cast<uint8_t>(out.size() >> 8),
                    static_cast<uint8_t>(out.size() & 0xFF), 0x00};
      Bytes response = Transmit(apdu);
      REQUIRE((SwOf(response) == 0x9000 || SwOf(response) == 0x6282));
      Bytes data = DataOf(response);
      REQUIRE(!data.empty());
      out.insert(out.end(), data.begin(), data.end());
    }
    out.resize(size);
    return out;
  }
  // Reads a certificate the way a driver must: length from the DER header.
  Bytes ReadCertificate() {
    Bytes header = DataOf(Transmit("00 B0 00 00 04"));
    REQUIRE(header.size() == 4);
    REQUIRE(header[0] == 0x30);
    REQUIRE(header[1] == 0x82);
    return Read(4 + size_t{LoadBe16(header, 2)});
  }

 private:
  hal::CardReader* reader_ = nullptr;
};

Bytes SignCommand(ByteView digest_info) {
  Bytes apdu = {0x80, 0x2A, 0x00, 0x80, static_cast<uint8_t>(digest_info.size())};
  apdu.insert(apdu.end(), digest_info.begin(), digest_info.end());
  apdu.push_back(0x00);
  return apdu;
}

TEST_CASE("The card connects with the JPKI contact ATR") {
  Session s;
  CHECK(s.reader().atr() == Hex("3B E0 00 FF 81 31 FE 45 14"));
}

TEST_CASE("SELECT of the JPKI AP answers exactly 90 00") {
  Session s;
  CHECK(s.Transmit(kSelectAp) == Hex("90 00"));
  CHECK(s.Transmit("00 A4 04 00 0A D3 92 F0 00 26 01 00 00 00 01") == Hex("90 00"));
}

TEST_CASE("SELECT of the other My Number APs, other AIDs and the MF answers 6A 82") {
  Session s;
  CHECK(s.Transmit("00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08") == Hex("6A 82"));
  CHECK(s.Transmit("00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 02") == Hex("6A 82"));
  CHECK(s.Transmit("00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 01") == Hex("6A 82"));
  CHECK(s.Transmit("00 A4 04 0C 0A D3 92 10 00 31 00 01 01 01 00") == Hex("6A 82"));
  CHECK(s.Transmit("00 A4 04 00 07 A0 00 00 03 08 00 00 00") == Hex("6A 82"));
  CHECK(s.Transmit("00 A4 04 00 06 D2 76 00 01 24 01 00") == Hex("6A 82"));  // OpenPGP
  CHECK(s.Transmit("00 A4 00 0C 02 3F 00") == Hex("6A 82"));
  CHECK(s.Transmit("00 A4 04 0C 02 3F 00") == Hex("6A 82"));
  CHECK(s.Transmit("00 A4 08 0C 02 3F 00") == Hex("6A 82"));
}

TEST_CASE("SELECT EF answers 6A 82 before the AP and for unknown files, 90 00 for JPKI files") {
  Session s;
  CHECK(s.SelectEf(0x000A) == 0x6A82);
  REQUIRE(s.Sw(kSelectAp) == 0x9000);
  for (int fid : {0x0001, 0x0002, 0x0006, 0x000A, 0x000B, 0x0017, 0x0018, 0x001A, 0x001B}) {
    CAPTURE(fid);
    CHECK(s.SelectEf(static_cast<uint16_t>(fid)) == 0x9000);
  }
  CHECK(s.SelectEf(0x0005) == 0x6A82);
  CHECK(s.SelectEf(0x2F00) == 0x6A82);
}

TEST_CASE("The auth certificate reads back byte-identical, with filler after it") {
  JpkiPersonalisation card = MakeTestPersonalisation();
  const Bytes cert = card.auth_certificate;
  Session s(std::move(card));
  REQUIRE(s.Sw(kSelectAp) == 0x9000);
  REQUIRE(s.SelectEf(0x000A) == 0x9000);
  CHECK(s.ReadCertificate() == cert);
  Bytes after = DataOf(s.Transmit(Bytes{0x00, 0xB0, static_cast<uint8_t>(cert.size() >> 8),
                                        static_cast<uint8_t>(cert.size() & 0xFF), 0x10}));
  CHECK(after == Bytes(16, 0xFF));
}

TEST_CASE("READ BINARY: 6B 00 past the end, 62 82 with the rest across it, 69 86 without an EF") {
  Session s;
  CHECK(s.Sw("00 B0 00 00 00") == 0x6986);
  REQUIRE(s.Sw(kSelectAp) == 0x9000);
  CHECK(s.Sw("00 B0 00 00 00") == 0x6986);
  REQUIRE(s.SelectEf(0x000B) == 0x9000);
  CHECK(s.Transmit("00 B0 08 00 01") == Hex("6B 00"));
  Bytes response = s.Transmit("00 B0 07 FE 00");
  CHECK(response == Hex("FF FF 62 82"));
  CHECK(s.Sw("00 B0 81 00 00") == 0x6A86);  // short EF identifier
  CHECK(s.Sw("00 B0 00 00") == 0x6700);     // no Le
}

TEST_CASE("Token info holds the space-padded label") {
  Session s(MakeTestPersonalisation(TokenType::kPlasticCard));
  REQUIRE(s.Sw(kSelectAp) == 0x9000);
  REQUIRE(s.SelectEf(0x0006) == 0x9000);
  CHECK(s.Transmit("00 B0 00 00 20") ==
        Hex("4A 50 4B 49 41 50 49 43 43 54 4F 4B 45 4E 32 20 20 20 20 20 20 20 20 20 20 20 20 20 "
            "20 20 20 20 90 00"));
}

TEST_CASE("The signature certificate answers 69 82 until the signature password is verified") {
  JpkiPersonalisation card = MakeTestPersonalisation();
  const Bytes cert = card.sign_certificate;
  Session s(std::move(card));
  REQUIRE(s.Sw(kSelectAp) == 0x9000);
  REQUIRE(s.SelectEf(0x0001) == 0x9000);
  CHECK(s.Transmit("00 B0 00 00 04") == Hex("69 82"));
  REQUIRE(s.SelectEf(0x001B) == 0x9000);
  REQUIRE(s.Verify("ABC123") == 0x9000);
  REQUIRE(s.SelectEf(0x0001) == 0x9000);
  CHECK(s.ReadCertificate() == cert);
}

TEST_CASE("The CA certificates are free to read") {
  JpkiPersonalisation card = MakeTestPersonalisation();
  const Bytes auth_ca = card.auth_ca_certificate;
  const Bytes sign_ca = card.sign_ca_certificate;
  Session s(std::move(card));
  REQUIRE(s.Sw(kSelectAp) == 0x9000);
  REQUIRE(s.SelectEf(0x000B) == 0x9000);
  CHECK(s.ReadCertificate() == auth_ca);
  REQUIRE(s.SelectEf(0x0002) == 0x9000);
  CHECK(s.ReadCertificate() == sign_ca);
}

TEST_CASE("On a phone token the auth certificate answers 69 82 until the auth PIN is verified") {
  JpkiPersonalisation card = MakeTestPersonalisation(TokenType::kIPhone);
  const Bytes cert = card.auth_certificate;
  Session s(std::move(card));
  REQUIRE(s.Sw(kSelectAp) == 0x9000);
  REQUIRE(s.SelectEf(0x000A) == 0x9000);
  CHECK(s.Transmit("00 B0 00 00 04") == Hex("69 82"));
  REQUIRE(s.SelectEf(0x0018) == 0x9000);
  REQUIRE(s.Verify("1234") == 0x9000);
  REQUIRE(s.SelectEf(0x000A) == 0x9000);
  CHECK(s.ReadCertificate() == cert);
}

TEST_CASE("Keys and PIN files are never readable") {
  Session s;
  s.VerifyAuthPin();
  for (int fid : {0x0017, 0x0018, 0x001A, 0x001B}) {
    CAPTURE(fid);
    REQUIRE(s.SelectEf(static_cast<uint16_t>(fid)) == 0x9000);
    CHECK(s.Transmit("00 B0 00 00 00") == Hex("69 86"));
  }
}

TEST_CASE("VERIFY of the auth PIN: 63 C2, 63 C1, 63 C0, then 69 84 even for the right PIN") {
  Session s;
  REQUIRE(s.Sw(kSelectAp) == 0x9000);
  REQUIRE(s.SelectEf(0x0018) == 0x9000);
  CHECK(s.Transmit("00 20 00 80") == Hex("63 C3"));
  CHECK(s.Transmit("00 20 00 80 04 30 30 30 30") == Hex("63 C2"));
  CHECK(s.Transmit("00 20 00 80 04 30 30 30 30") == Hex("63 C1"));
  CHECK(s.Transmit("00 20 00 80") == Hex("63 C1"));  // uses no try
  CHECK(s.Transmit("00 20 00 80 04 30 30 30 30") == Hex("63 C0"));
  CHECK(s.Transmit("00 20 00 80 04 31 32 33 34") == Hex("69 84"));
  CHECK(s.Transmit("00 20 00 80") == Hex("63 C0"));
}

TEST_CASE("A successful VERIFY answers 90 00 and resets the counter to its maximum") {
  Session s;
  REQUIRE(s.Sw(kSelectAp) == 0x9000);
  REQUIRE(s.SelectEf(0x0018) == 0x9000);
  CHECK(s.Transmit("00 20 00 80 04 39 39 39 39") == Hex("63 C2"));
  CHECK(s.Transmit("00 20 00 80 04 31 32 33 34") == Hex("90 00"));
  CHECK(s.Transmit("00 20 00 80") == Hex("63 C3"));
}

TEST_CASE("The signature password has its own counter of 5") {
  Session s;
  REQUIRE(s.Sw(kSelectAp) == 0x9000);
  REQUIRE(s.SelectEf(0x001B) == 0x9000);
  CHECK(s.Transmit("00 20 00 80") == Hex("63 C5"));
  CHECK(s.Verify("ZZZZZZ") == 0x63C4);
  CHECK(s.Verify("ABC123") == 0x9000);
  REQUIRE(s.SelectEf(0x0018) == 0x9000);
  CHECK(s.Transmit("00 20 00 80") == Hex("63 C3"));
}

TEST_CASE("VERIFY without a PIN EF selected answers 69 86 and costs nothing") {
  Session s;
  REQUIRE(s.Sw(kSelectAp) == 0x9000);
  CHECK(s.Verify("0000") == 0x6986);
  REQUIRE(s.SelectEf(0x0018) == 0x9000);
  CHECK(s.Transmit("00 20 00 80") == Hex("63 C3"));
}

TEST_CASE("CHANGE REFERENCE DATA: 69 82 before VERIFY, 90 00 after, and the new PIN works") {
  Session s;
  REQUIRE(s.Sw(kSelectAp) == 0x9000);
  REQUIRE(s.SelectEf(0x0018) == 0x9000);
  CHECK(s.Transmit("00 24 01 80 04 39 38 37 36") == Hex("69 82"));
  REQUIRE(s.Verify("1234") == 0x9000);
  CHECK(s.Transmit("00 24 01 80 04 39 38 37 36") == Hex("90 00"));
  REQUIRE(s.reader().Reset());
  REQUIRE(s.Sw(kSelectAp) == 0x9000);
  REQUIRE(s.SelectEf(0x0018) == 0x9000);
  CHECK(s.Verify("1234") == 0x63C2);
  CHECK(s.Verify("9876") == 0x9000);
}

TEST_CASE("SIGN with the auth key: 69 82 without the PIN, then a signature that verifies") {
  Session s;
  const auto digest = crypto::Sha256(ViewOf("conformance challenge"));
  const Bytes command = SignCommand(crypto::Sha256DigestInfo(digest));
  REQUIRE(command.size() == 5 + 51 + 1);
  REQUIRE(s.Sw(kSelectAp) == 0x9000);
  REQUIRE(s.SelectEf(0x0017) == 0x9000);
  CHECK(s.Transmit(command) == Hex("69 82"));
  s.VerifyAuthPin();
  REQUIRE(s.SelectEf(0x0017) == 0x9000);
  Bytes response = s.Transmit(command);
  REQUIRE(SwOf(response) == 0x9000);
  REQUIRE(response.size() == 258);
  auto key = crypto::RsaPublicKey::FromDer(jpki::testing::TestAuthPublicKeyDer());
  REQUIRE(key);
  CHECK(key->VerifySha256(digest, DataOf(response)));
}

TEST_CASE("SIGN with the signature key needs the signature password") {
  Session s;
  const auto digest = crypto::Sha256(ViewOf("document"));
  const Bytes command = SignCommand(crypto::Sha256DigestInfo(digest));
  s.VerifyAuthPin();
  REQUIRE(s.SelectEf(0x001A) == 0x9000);
  CHECK(s.Transmit(command) == Hex("69 82"));
  REQUIRE(s.SelectEf(0x001B) == 0x9000);
  REQUIRE(s.Verify("ABC123") == 0x9000);
  REQUIRE(s.SelectEf(0x001A) == 0x9000);
  Bytes response = s.Transmit(command);
  REQUIRE(SwOf(response) == 0x9000);
  auto key = crypto::RsaPublicKey::FromDer(jpki::testing::TestSignPublicKeyDer());
  REQUIRE(key);
  CHECK(key->VerifySha256(digest, DataOf(response)));
}

TEST_CASE("INTERNAL AUTHENTICATE answers 69 85, ISO PSO 6D 00, unknown INS 6D 00, CLA 6E 00") {
  Session s;
  s.VerifyAuthPin();
  REQUIRE(s.SelectEf(0x0017) == 0x9000);
  CHECK(s.Transmit("00 88 00 00 08 01 02 03 04 05 06 07 08 00") == Hex("69 85"));
  CHECK(s.Transmit("00 2A 9E 9A 04 01 02 03 04 00") == Hex("6D 00"));
  CHECK(s.Transmit("00 CA 00 6E 00") == Hex("6D 00"));
  CHECK(s.Transmit("80 CA 00 6E 00") == Hex("6D 00"));
  CHECK(s.Transmit("B0 B0 00 00 00") == Hex("6E 00"));
}

TEST_CASE("Inconsistent Lc answers 67 00") {
  Session s;
  CHECK(s.Transmit("00 A4 04 0C 0A D3 92 F0") == Hex("67 00"));
  CHECK(s.Transmit("00 A4 04 0C 02 D3 92 F0 00 26") == Hex("67 00"));
}

// Through APDUs, a dropped PIN state shows as the lost AP/EF selection: the
// AP must be selected again, which drops verified PINs by itself. Without the
// drop, SIGN would answer 90 00 here.
TEST_CASE("A warm reset through the reader drops the session: SIGN right after it fails") {
  Session s;
  const Bytes sign = SignCommand(crypto::Sha256DigestInfo(crypto::Sha256(ViewOf("x"))));
  s.VerifyAuthPin();
  REQUIRE(s.SelectEf(0x0017) == 0x9000);
  REQUIRE(SwOf(s.Transmit(sign)) == 0x9000);
  auto atr = s.reader().Reset();
  REQUIRE(atr);
  CHECK(*atr == Hex("3B E0 00 FF 81 31 FE 45 14"));
  CHECK(s.Transmit(sign) == Hex("69 86"));
  CHECK(s.SelectEf(0x0017) == 0x6A82);  // no AP selected any more
}

TEST_CASE("Disconnect and Connect through the reader drop the session: SIGN right after fails") {
  Session s;
  const Bytes sign = SignCommand(crypto::Sha256DigestInfo(crypto::Sha256(ViewOf("x"))));
  s.VerifyAuthPin();
  REQUIRE(s.SelectEf(0x0017) == 0x9000);
  REQUIRE(SwOf(s.Transmit(sign)) == 0x9000);
  REQUIRE(s.reader().Disconnect());
  auto atr = s.reader().Connect();
  REQUIRE(atr);
  CHECK(*atr == Hex("3B E0 00 FF 81 31 FE 45 14"));
  CHECK(s.Transmit(sign) == Hex("69 86"));
  CHECK(s.SelectEf(0x0017) == 0x6A82);
}

TEST_CASE("A re-SELECT of the AP drops the verified PIN") {
  Session s;
  s.VerifyAuthPin();
  REQUIRE(s.SelectEf(0x0017) == 0x9000);
  REQUIRE(SwOf(s.Transmit(SignCommand(crypto::Sha256DigestInfo(crypto::Sha256(ViewOf("y")))))) ==
          0x9000);
  REQUIRE(s.Sw(kSelectAp) == 0x9000);
  REQUIRE(s.SelectEf(0x0017) == 0x9000);
  CHECK(s.Transmit(SignCommand(crypto::Sha256DigestInfo(crypto::Sha256(ViewOf("x"))))) ==
        Hex("69 82"));
}

TEST_CASE("PIN counters persist across a restart of the card on the same counter file") {
  char dir[] = "/tmp/mykey-conformance-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  const std::string counters = std::string(dir) + "/counters.json";
  auto card = [&] {
    JpkiPersonalisation c = MakeTestPersonalisation();
    c.counter_file = counters;
    return c;
  };
  {
    Session s(card());
    REQUIRE(s.Sw(kSelectAp) == 0x9000);
    REQUIRE(s.SelectEf(0x0018) == 0x9000);
    CHECK(s.Verify("1111") == 0x63C2);
    CHECK(s.Verify("1111") == 0x63C1);
  }
  {
    Session s(card());  // a second emulator instance
    REQUIRE(s.Sw(kSelectAp) == 0x9000);
    REQUIRE(s.SelectEf(0x0018) == 0x9000);
    CHECK(s.Transmit("00 20 00 80") == Hex("63 C1"));
    CHECK(s.Verify("1111") == 0x63C0);
  }
  {
    Session s(card());
    REQUIRE(s.Sw(kSelectAp) == 0x9000);
    REQUIRE(s.SelectEf(0x0018) == 0x9000);
    CHECK(s.Verify("1234") == 0x6984);  // still blocked
  }
  std::remove(counters.c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace mykey::conformance
