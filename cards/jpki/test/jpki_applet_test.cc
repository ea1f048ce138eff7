#include "mykey/jpki/jpki_applet.h"

#include <initializer_list>
#include <string>

#include "mykey/scripted/scripted_card_reader.h"
#include "mykey/testing/catch.h"

namespace mykey::jpki {
namespace {

using hal::ScriptedCardReader;
using iso7816::ApduTrace;
using iso7816::CardChannel;

constexpr std::string_view kSelectAp = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";
constexpr std::string_view kSelectTokenInfo = "00 A4 02 0C 02 00 06";
constexpr std::string_view kSelectAuthCert = "00 A4 02 0C 02 00 0A";
constexpr std::string_view kSelectAuthCaCert = "00 A4 02 0C 02 00 0B";
constexpr std::string_view kSelectSignCaCert = "00 A4 02 0C 02 00 02";
constexpr std::string_view kSelectAuthKey = "00 A4 02 0C 02 00 17";
constexpr std::string_view kSelectAuthPin = "00 A4 02 0C 02 00 18";
constexpr std::string_view kTriesLeft = "00 20 00 80";
constexpr std::string_view kVerify1234 = "00 20 00 80 04 31 32 33 34";

Bytes Hex(std::string_view hex) {
  auto bytes = FromHex(hex);
  REQUIRE(bytes);
  return *bytes;
}

Bytes Concat(const Bytes& a, const Bytes& b) {
  Bytes out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

Bytes Ok(const Bytes& data) {
  return Concat(data, {0x90, 0x00});
}

// A fake DER certificate of `total` bytes: 30 82 LL LL + a counting pattern.
Bytes FakeCertificate(size_t total) {
  Bytes cert = {0x30, 0x82, static_cast<uint8_t>((total - 4) >> 8),
                static_cast<uint8_t>((total - 4) & 0xFF)};
  for (size_t i = 4; i < total; ++i) cert.push_back(static_cast<uint8_t>(i * 7));
  return cert;
}

// The EF: the certificate followed by filler, as on the card.
Bytes CertificateEf(const Bytes& cert, size_t ef_size) {
  Bytes ef = cert;
  ef.resize(ef_size, 0xFF);
  return ef;
}

Bytes Slice(const Bytes& b, size_t from, size_t n) {
  return Bytes(b.begin() + static_cast<std::ptrdiff_t>(from),
               b.begin() + static_cast<std::ptrdiff_t>(from + n));
}

Pin AuthPin(std::string_view digits) {
  auto pin = Pin::AuthPin(digits);
  REQUIRE(pin);
  return std::move(*pin);
}

crypto::Sha256Digest TestDigest() {
  crypto::Sha256Digest digest;
  for (size_t i = 0; i < digest.size(); ++i) digest[i] = static_cast<uint8_t>(i);
  return digest;
}

struct Fixture {
  Fixture() {
    REQUIRE(reader.Connect());
    channel.set_trace(&trace);
  }
  // Script and run a successful SELECT of the AP.
  void Selected() {
    reader.Expect(kSelectAp, "90 00");
    REQUIRE(applet.Select());
  }
  ScriptedCardReader reader;
  CardChannel channel{reader};
  ApduTrace trace;
  JpkiApplet applet{channel};
};

void CheckCardError(const Error& error, ErrorCode code, uint16_t sw) {
  CHECK(error.code() == code);
  CHECK(error.Is(ErrorDomain::kCardStatus, sw));
}

// ---------------------------------------------------------------- SELECT AP

TEST_CASE("Select sends the golden SELECT of the JPKI AID", "[jpki][select]") {
  Fixture f;
  f.reader.Expect(kSelectAp, "90 00");
  REQUIRE(f.applet.Select());
  CHECK(f.applet.selected());
  CHECK(f.reader.AllConsumed());
  CHECK(f.reader.mismatches().empty());
}

TEST_CASE("Select of a card without the applet gives kNotFound no JPKI applet", "[jpki][select]") {
  Fixture f;
  f.reader.Expect(kSelectAp, "6A 82");
  auto status = f.applet.Select();
  REQUIRE_FALSE(status);
  CheckCardError(status.error(), ErrorCode::kNotFound, 0x6A82);
  CHECK(std::string(status.error().message()) == "no JPKI applet");
  CHECK_FALSE(f.applet.selected());
}

TEST_CASE("Select maps other status words through the table", "[jpki][select]") {
  struct Case {
    const char* sw;
    uint16_t value;
    ErrorCode code;
  };
  for (const Case& c : {Case{"6D 00", 0x6D00, ErrorCode::kUnimplemented},
                        Case{"6E 00", 0x6E00, ErrorCode::kUnimplemented},
                        Case{"6F 00", 0x6F00, ErrorCode::kInternal},
                        Case{"67 00", 0x6700, ErrorCode::kInvalidArgument},
                        Case{"6A 86", 0x6A86, ErrorCode::kInvalidArgument}}) {
    Fixture f;
    f.reader.Expect(kSelectAp, c.sw);
    auto status = f.applet.Select();
    REQUIRE_FALSE(status);
    CheckCardError(status.error(), c.code, c.value);
  }
}

TEST_CASE("Select with the card removed gives kAborted", "[jpki][select]") {
  Fixture f;
  f.reader.ExpectThenFail(kSelectAp, Error(ErrorCode::kAborted, "card removed"));
  auto status = f.applet.Select();
  REQUIRE_FALSE(status);
  CHECK(status.error().code() == ErrorCode::kAborted);
}

TEST_CASE("commands before Select fail with kFailedPrecondition and send nothing",
          "[jpki][select]") {
  Fixture f;
  CHECK(f.applet.ReadTokenType().error().code() == ErrorCode::kFailedPrecondition);
  CHECK(f.applet.ReadAuthCertificate().error().code() == ErrorCode::kFailedPrecondition);
  CHECK(f.applet.AuthPinTriesLeft().error().code() == ErrorCode::kFailedPrecondition);
  CHECK(f.applet.VerifyAuthPin(AuthPin("1234")).error().code() == ErrorCode::kFailedPrecondition);
  CHECK(f.applet.SignWithAuthKey(TestDigest()).error().code() == ErrorCode::kFailedPrecondition);
  CHECK(f.reader.transmissions().empty());
}

// ---------------------------------------------------------------- token type

TEST_CASE("ReadTokenType reads the 32-byte label of EF 0006", "[jpki][token]") {
  for (TokenType type : {TokenType::kPlasticCard, TokenType::kAndroidPhone, TokenType::kIPhone,
                         TokenType::kJukiCard}) {
    Fixture f;
    f.Selected();
    Bytes label = BytesOf(TokenLabel(type));
    label.resize(32, ' ');
    f.reader.Expect(kSelectTokenInfo, "90 00").Expect(Hex("00 B0 00 00 20"), Ok(label));
    auto read = f.applet.ReadTokenType();
    REQUIRE(read);
    CHECK(*read == type);
    CHECK(f.reader.AllConsumed());
  }
}

TEST_CASE("an unknown token label is unimplemented", "[jpki][token]") {
  Fixture f;
  f.Selected();
  Bytes label = BytesOf("JPKIAPFUTURETOKEN");
  label.resize(32, ' ');
  f.reader.Expect(kSelectTokenInfo, "90 00").Expect(Hex("00 B0 00 00 20"), Ok(label));
  auto read = f.applet.ReadTokenType();
  REQUIRE_FALSE(read);
  CHECK(read.error().code() == ErrorCode::kUnimplemented);
}

TEST_CASE("a short token info is data loss", "[jpki][token]") {
  Fixture f;
  f.Selected();
  f.reader.Expect(kSelectTokenInfo, "90 00").Expect(Hex("00 B0 00 00 20"), Ok(BytesOf("JPKI")));
  auto read = f.applet.ReadTokenType();
  REQUIRE_FALSE(read);
  CHECK(read.error().code() == ErrorCode::kDataLoss);
}

TEST_CASE("a missing token info EF gives kNotFound", "[jpki][token]") {
  Fixture f;
  f.Selected();
  f.reader.Expect(kSelectTokenInfo, "6A 82");
  auto read = f.applet.ReadTokenType();
  REQUIRE_FALSE(read);
  CheckCardError(read.error(), ErrorCode::kNotFound, 0x6A82);
}

// ---------------------------------------------------------------- certificates

TEST_CASE("the auth certificate is read in 256-byte chunks up to its DER length", "[jpki][cert]") {
  Fixture f;
  f.Selected();
  const Bytes cert = FakeCertificate(600);
  const Bytes ef = CertificateEf(cert, 2048);
  f.reader.Expect(kSelectAuthCert, "90 00")
      .Expect(Hex("00 B0 00 00 00"), Ok(Slice(ef, 0, 256)))
      .Expect(Hex("00 B0 01 00 00"), Ok(Slice(ef, 256, 256)))
      .Expect(Hex("00 B0 02 00 58"), Ok(Slice(ef, 512, 88)));
  auto read = f.applet.ReadAuthCertificate();
  REQUIRE(read);
  CHECK(*read == cert);
  CHECK(f.reader.AllConsumed());
  CHECK(f.reader.mismatches().empty());
}

TEST_CASE("a certificate shorter than one chunk is cut at its DER length", "[jpki][cert]") {
  Fixture f;
  f.Selected();
  Bytes cert = {0x30, 0x81, 0x80};
  cert.resize(3 + 0x80, 0x42);
  f.reader.Expect(kSelectAuthCaCert, "90 00")
      .Expect(Hex("00 B0 00 00 00"), Ok(CertificateEf(cert, 256)));
  auto read = f.applet.ReadAuthCaCertificate();
  REQUIRE(read);
  CHECK(*read == cert);
  CHECK(f.reader.AllConsumed());
}

TEST_CASE("a certificate of exactly two chunks needs no third read", "[jpki][cert]") {
  Fixture f;
  f.Selected();
  const Bytes cert = FakeCertificate(512);
  f.reader.Expect(kSelectSignCaCert, "90 00")
      .Expect(Hex("00 B0 00 00 00"), Ok(Slice(cert, 0, 256)))
      .Expect(Hex("00 B0 01 00 00"), Ok(Slice(cert, 256, 256)));
  auto read = f.applet.ReadSignCaCertificate();
  REQUIRE(read);
  CHECK(*read == cert);
  CHECK(f.reader.AllConsumed());
}

TEST_CASE("a card that returns short chunks is read on from where it stopped", "[jpki][cert]") {
  Fixture f;
  f.Selected();
  const Bytes cert = FakeCertificate(300);
  f.reader.Expect(kSelectAuthCert, "90 00")
      .Expect(Hex("00 B0 00 00 00"), Ok(Slice(cert, 0, 200)))
      .Expect(Hex("00 B0 00 C8 64"), Ok(Slice(cert, 200, 100)));
  auto read = f.applet.ReadAuthCertificate();
  REQUIRE(read);
  CHECK(*read == cert);
}

TEST_CASE("certificate reads go through the channel's 61xx and 6Cxx handling", "[jpki][cert]") {
  Fixture f;
  f.Selected();
  const Bytes cert = FakeCertificate(300);
  f.reader.Expect(kSelectAuthCert, "90 00")
      .Expect("00 B0 00 00 00", "61 00")
      .Expect(Hex("00 C0 00 00 00"), Ok(Slice(cert, 0, 256)))
      .Expect("00 B0 01 00 2C", "6C 2C")
      .Expect(Hex("00 B0 01 00 2C"), Ok(Slice(cert, 256, 44)));
  auto read = f.applet.ReadAuthCertificate();
  REQUIRE(read);
  CHECK(*read == cert);
}

TEST_CASE("reading the auth certificate of a phone token before the PIN is denied",
          "[jpki][cert]") {
  Fixture f;
  f.Selected();
  f.reader.Expect(kSelectAuthCert, "90 00").Expect("00 B0 00 00 00", "69 82");
  auto read = f.applet.ReadAuthCertificate();
  REQUIRE_FALSE(read);
  CheckCardError(read.error(), ErrorCode::kPermissionDenied, 0x6982);
}

TEST_CASE("certificate read errors map through the table", "[jpki][cert]") {
  struct Case {
    const char* select_sw;
    const char* read_sw;
    uint16_t value;
    ErrorCode code;
  };
  for (const Case& c : {Case{"6A 82", nullptr, 0x6A82, ErrorCode::kNotFound},
                        Case{"90 00", "6B 00", 0x6B00, ErrorCode::kOutOfRange},
                        Case{"90 00", "67 00", 0x6700, ErrorCode::kInvalidArgument},
                        Case{"90 00", "6D 00", 0x6D00, ErrorCode::kUnimplemented},
                        Case{"90 00", "6E 00", 0x6E00, ErrorCode::kUnimplemented},
                        Case{"90 00", "6F 00", 0x6F00, ErrorCode::kInternal},
                        Case{"90 00", "69 86", 0x6986, ErrorCode::kFailedPrecondition}}) {
    INFO(c.value);
    Fixture f;
    f.Selected();
    f.reader.Expect(kSelectAuthCert, c.select_sw);
    if (c.read_sw != nullptr) f.reader.Expect("00 B0 00 00 00", c.read_sw);
    auto read = f.applet.ReadAuthCertificate();
    REQUIRE_FALSE(read);
    CheckCardError(read.error(), c.code, c.value);
    CHECK(f.reader.AllConsumed());
  }
}

TEST_CASE("a 6B00 past the end mid-certificate is out of range", "[jpki][cert]") {
  Fixture f;
  f.Selected();
  const Bytes cert = FakeCertificate(600);
  f.reader.Expect(kSelectAuthCert, "90 00")
      .Expect(Hex("00 B0 00 00 00"), Ok(Slice(cert, 0, 256)))
      .Expect("00 B0 01 00 00", "6B 00");
  auto read = f.applet.ReadAuthCertificate();
  REQUIRE_FALSE(read);
  CheckCardError(read.error(), ErrorCode::kOutOfRange, 0x6B00);
}

TEST_CASE("a card removed in the middle of a certificate read gives kAborted", "[jpki][cert]") {
  Fixture f;
  f.Selected();
  const Bytes cert = FakeCertificate(600);
  f.reader.Expect(kSelectAuthCert, "90 00")
      .Expect(Hex("00 B0 00 00 00"), Ok(Slice(cert, 0, 256)))
      .ExpectThenFail("00 B0 01 00 00", Error(ErrorCode::kAborted, "card removed"));
  auto read = f.applet.ReadAuthCertificate();
  REQUIRE_FALSE(read);
  CHECK(read.error().code() == ErrorCode::kAborted);
  CHECK_FALSE(f.applet.selected());
  CHECK_FALSE(f.reader.connected());
}

TEST_CASE("an EF without a DER certificate is data loss", "[jpki][cert]") {
  for (std::string_view head :
       {"FF FF FF FF", "30 80 00 00", "30 84 00 00 01 00", "30 81 05", "30 83 01 00 00"}) {
    INFO(head);
    Fixture f;
    f.Selected();
    Bytes ef = Hex(head);
    ef.resize(256, 0xFF);
    f.reader.Expect(kSelectAuthCert, "90 00").Expect(Hex("00 B0 00 00 00"), Ok(ef));
    auto read = f.applet.ReadAuthCertificate();
    REQUIRE_FALSE(read);
    CHECK(read.error().code() == ErrorCode::kDataLoss);
  }
}

TEST_CASE("an empty READ BINARY answer is data loss", "[jpki][cert]") {
  Fixture f;
  f.Selected();
  f.reader.Expect(kSelectAuthCert, "90 00").Expect("00 B0 00 00 00", "90 00");
  auto read = f.applet.ReadAuthCertificate();
  REQUIRE_FALSE(read);
  CHECK(read.error().code() == ErrorCode::kDataLoss);
}

TEST_CASE("a garbled one-byte answer fails the read as a mute card", "[jpki][cert]") {
  Fixture f;
  f.Selected();
  f.reader.Expect(kSelectAuthCert, "90 00").Expect("00 B0 00 00 00", "90");
  auto read = f.applet.ReadAuthCertificate();
  REQUIRE_FALSE(read);
  CHECK(read.error().code() == ErrorCode::kAborted);
  CHECK_FALSE(f.applet.selected());
}

TEST_CASE("the largest certificate stops before READ BINARY offset 0x8000", "[jpki][cert]") {
  Fixture f;
  f.Selected();
  const Bytes cert = FakeCertificate(0x8000);
  f.reader.Expect(kSelectAuthCert, "90 00");
  for (size_t offset = 0; offset < cert.size(); offset += 256) {
    Bytes command = {0x00, 0xB0, static_cast<uint8_t>(offset >> 8),
                     static_cast<uint8_t>(offset & 0xFF), 0x00};
    f.reader.Expect(command, Ok(Slice(cert, offset, 256)));
  }
  auto read = f.applet.ReadAuthCertificate();
  REQUIRE(read);
  CHECK(read->size() == 0x8000);
  for (const auto& t : f.reader.transmissions()) {
    if (t.command[1] == 0xB0) CHECK((t.command[2] & 0x80) == 0);
  }
}

// ---------------------------------------------------------------- PIN tries

TEST_CASE("AuthPinTriesLeft sends an empty VERIFY after selecting EF 0018", "[jpki][pin]") {
  Fixture f;
  f.Selected();
  f.reader.Expect(kSelectAuthPin, "90 00").Expect(kTriesLeft, "63 C3");
  auto status = f.applet.AuthPinTriesLeft();
  REQUIRE(status);
  CHECK(status->tries_left == 3);
  CHECK_FALSE(status->verified);
  CHECK_FALSE(status->blocked);
  CHECK(f.reader.AllConsumed());
}

TEST_CASE("AuthPinTriesLeft reports verified, blocked and one try left", "[jpki][pin]") {
  struct Case {
    const char* sw;
    PinStatus expected;
  };
  for (const Case& c : {Case{"90 00", {3, true, false}}, Case{"69 84", {0, false, true}},
                        Case{"69 83", {0, false, true}}, Case{"63 C0", {0, false, true}},
                        Case{"63 C1", {1, false, false}}}) {
    INFO(c.sw);
    Fixture f;
    f.Selected();
    f.reader.Expect(kSelectAuthPin, "90 00").Expect(kTriesLeft, c.sw);
    auto status = f.applet.AuthPinTriesLeft();
    REQUIRE(status);
    CHECK(status->tries_left == c.expected.tries_left);
    CHECK(status->verified == c.expected.verified);
    CHECK(status->blocked == c.expected.blocked);
  }
}

TEST_CASE("AuthPinTriesLeft maps other status words through the table", "[jpki][pin]") {
  for (const uint16_t sw : std::initializer_list<uint16_t>{0x6D00, 0x6E00, 0x6F00, 0x6700}) {
    Fixture f;
    f.Selected();
    Bytes response = {static_cast<uint8_t>(sw >> 8), static_cast<uint8_t>(sw & 0xFF)};
    f.reader.Expect(kSelectAuthPin, "90 00").Expect(Hex(kTriesLeft), response);
    auto status = f.applet.AuthPinTriesLeft();
    REQUIRE_FALSE(status);
    CHECK(status.error().Is(ErrorDomain::kCardStatus, sw));
  }
  Fixture f;
  f.Selected();
  f.reader.Expect(kSelectAuthPin, "6A 82");
  CheckCardError(f.applet.AuthPinTriesLeft().error(), ErrorCode::kNotFound, 0x6A82);
}

// ---------------------------------------------------------------- VERIFY

TEST_CASE("VerifyAuthPin sends the golden VERIFY and consumes the PIN", "[jpki][pin]") {
  Fixture f;
  f.Selected();
  f.reader.Expect(kSelectAuthPin, "90 00").Expect(kVerify1234, "90 00");
  REQUIRE(f.applet.VerifyAuthPin(AuthPin("1234")));
  CHECK(f.applet.auth_pin_verified());
  CHECK(f.reader.AllConsumed());
}

TEST_CASE("a wrong PIN is unauthenticated with the tries left", "[jpki][pin]") {
  Fixture f;
  f.Selected();
  f.reader.Expect(kSelectAuthPin, "90 00").Expect(kVerify1234, "63 C2");
  auto status = f.applet.VerifyAuthPin(AuthPin("1234"));
  REQUIRE_FALSE(status);
  CheckCardError(status.error(), ErrorCode::kUnauthenticated, 0x63C2);
  CHECK(TriesLeftFromError(status.error()) == 2);
  CHECK_FALSE(f.applet.auth_pin_verified());
}

TEST_CASE("the try that reaches zero and a blocked PIN are resource exhausted", "[jpki][pin]") {
  for (const uint16_t sw : std::initializer_list<uint16_t>{0x63C0, 0x6984}) {
    Fixture f;
    f.Selected();
    Bytes response = {static_cast<uint8_t>(sw >> 8), static_cast<uint8_t>(sw & 0xFF)};
    f.reader.Expect(kSelectAuthPin, "90 00").Expect(Hex(kVerify1234), response);
    auto status = f.applet.VerifyAuthPin(AuthPin("1234"));
    REQUIRE_FALSE(status);
    CheckCardError(status.error(), ErrorCode::kResourceExhausted, sw);
  }
}

TEST_CASE("VerifyAuthPin maps other status words through the table", "[jpki][pin]") {
  struct Case {
    const char* sw;
    uint16_t value;
    ErrorCode code;
  };
  for (const Case& c : {Case{"67 00", 0x6700, ErrorCode::kInvalidArgument},
                        Case{"6D 00", 0x6D00, ErrorCode::kUnimplemented},
                        Case{"6E 00", 0x6E00, ErrorCode::kUnimplemented},
                        Case{"6F 00", 0x6F00, ErrorCode::kInternal},
                        Case{"69 82", 0x6982, ErrorCode::kPermissionDenied}}) {
    Fixture f;
    f.Selected();
    f.reader.Expect(kSelectAuthPin, "90 00").Expect(kVerify1234, c.sw);
    auto status = f.applet.VerifyAuthPin(AuthPin("1234"));
    REQUIRE_FALSE(status);
    CheckCardError(status.error(), c.code, c.value);
  }
}

TEST_CASE("VerifyAuthPin refuses a signature password without sending it", "[jpki][pin]") {
  Fixture f;
  f.Selected();
  auto password = Pin::SignPassword("ABC123");
  REQUIRE(password);
  auto status = f.applet.VerifyAuthPin(std::move(*password));
  REQUIRE_FALSE(status);
  CHECK(status.error().code() == ErrorCode::kInvalidArgument);
  CHECK(f.reader.transmissions().size() == 1);  // the SELECT only
}

TEST_CASE("VerifyAuthPin with the card removed gives kAborted and forgets the state",
          "[jpki][pin]") {
  Fixture f;
  f.Selected();
  f.reader.Expect(kSelectAuthPin, "90 00")
      .ExpectThenFail(kVerify1234, Error(ErrorCode::kAborted, "card removed"));
  auto status = f.applet.VerifyAuthPin(AuthPin("1234"));
  REQUIRE_FALSE(status);
  CHECK(status.error().code() == ErrorCode::kAborted);
  CHECK_FALSE(f.applet.selected());
}

TEST_CASE("a PIN never appears in the trace or in any error string", "[jpki][pin]") {
  Fixture f;
  f.Selected();
  f.reader.Expect(kSelectAuthPin, "90 00")
      .Expect("00 20 00 80 04 37 33 39 31", "63 C2")
      .Expect(kSelectAuthPin, "90 00")
      .Expect("00 20 00 80 04 37 33 39 31", "69 84")
      .Expect(kSelectAuthPin, "90 00")
      .Expect("00 20 00 80 04 37 33 39 31", "90 00")
      .Expect(kSelectAuthPin, "90 00")
      .Expect("00 24 01 80 04 35 35 38 32", "69 82");
  std::string errors;
  for (int i = 0; i < 3; ++i) {
    auto status = f.applet.VerifyAuthPin(AuthPin("7391"));
    if (!status) errors += status.error().ToString() + "\n";
  }
  auto changed = f.applet.ChangeAuthPin(AuthPin("5582"));
  REQUIRE_FALSE(changed);
  errors += changed.error().ToString();
  CHECK(f.reader.AllConsumed());

  const std::string text = f.trace.ToString({.response_data = true, .timing = true});
  for (std::string_view secret : {"37 33 39 31", "7391", "35 35 38 32", "5582", "37 33", "35 35"}) {
    INFO(secret);
    CHECK(text.find(secret) == std::string::npos);
    CHECK(errors.find(secret) == std::string::npos);
  }
  size_t masked = 0;
  for (size_t at = text.find("** ** ** **"); at != std::string::npos;
       at = text.find("** ** ** **", at + 1)) {
    ++masked;
  }
  CHECK(masked == 4);
}

// ---------------------------------------------------------------- SIGN

constexpr std::string_view kSignTestDigest =
    "80 2A 00 80 33"
    " 30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20"
    " 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F"
    " 10 11 12 13 14 15 16 17 18 19 1A 1B 1C 1D 1E 1F"
    " 00";

TEST_CASE("SignWithAuthKey selects the key and sends the golden SIGN", "[jpki][sign]") {
  Fixture f;
  f.Selected();
  const Bytes signature(256, 0x5A);
  f.reader.Expect(kSelectAuthKey, "90 00").Expect(Hex(kSignTestDigest), Ok(signature));
  auto signed_ = f.applet.SignWithAuthKey(TestDigest());
  REQUIRE(signed_);
  CHECK(*signed_ == signature);
  CHECK(f.reader.AllConsumed());
}

TEST_CASE("SIGN alone gets the long timeout", "[jpki][sign]") {
  Fixture f;
  f.Selected();
  f.reader.Expect(kSelectAuthKey, "90 00").Expect(Hex(kSignTestDigest), Ok(Bytes(256, 1)));
  REQUIRE(f.applet.SignWithAuthKey(TestDigest()));
  const auto& sent = f.reader.transmissions();
  REQUIRE(sent.size() == 3);
  CHECK(sent[0].timeout == hal::kDefaultTransmitTimeout);
  CHECK(sent[1].timeout == hal::kDefaultTransmitTimeout);
  CHECK(sent[2].timeout == std::chrono::milliseconds(10000));
}

TEST_CASE("SIGN without a verified PIN is denied", "[jpki][sign]") {
  Fixture f;
  f.Selected();
  f.reader.Expect(kSelectAuthKey, "90 00").Expect(kSignTestDigest, "69 82");
  auto signed_ = f.applet.SignWithAuthKey(TestDigest());
  REQUIRE_FALSE(signed_);
  CheckCardError(signed_.error(), ErrorCode::kPermissionDenied, 0x6982);
  CHECK(std::string(signed_.error().message()) == "PIN not verified");
}

TEST_CASE("a T=0 SIGN answer is collected with GET RESPONSE", "[jpki][sign]") {
  Fixture f;
  f.Selected();
  const Bytes signature(256, 0x77);
  f.reader.Expect(kSelectAuthKey, "90 00")
      .Expect(kSignTestDigest, "61 00")
      .Expect(Hex("00 C0 00 00 00"), Ok(signature));
  auto signed_ = f.applet.SignWithAuthKey(TestDigest());
  REQUIRE(signed_);
  CHECK(*signed_ == signature);
}

TEST_CASE("SIGN errors map through the table", "[jpki][sign]") {
  struct Case {
    const char* select_sw;
    const char* sign_sw;
    uint16_t value;
    ErrorCode code;
  };
  for (const Case& c : {Case{"6A 82", nullptr, 0x6A82, ErrorCode::kNotFound},
                        Case{"90 00", "67 00", 0x6700, ErrorCode::kInvalidArgument},
                        Case{"90 00", "6A 80", 0x6A80, ErrorCode::kInvalidArgument},
                        Case{"90 00", "69 85", 0x6985, ErrorCode::kFailedPrecondition},
                        Case{"90 00", "6D 00", 0x6D00, ErrorCode::kUnimplemented},
                        Case{"90 00", "6E 00", 0x6E00, ErrorCode::kUnimplemented},
                        Case{"90 00", "6F 00", 0x6F00, ErrorCode::kInternal}}) {
    INFO(c.value);
    Fixture f;
    f.Selected();
    f.reader.Expect(kSelectAuthKey, c.select_sw);
    if (c.sign_sw != nullptr) f.reader.Expect(kSignTestDigest, c.sign_sw);
    auto signed_ = f.applet.SignWithAuthKey(TestDigest());
    REQUIRE_FALSE(signed_);
    CheckCardError(signed_.error(), c.code, c.value);
  }
}

TEST_CASE("a signature that is not 256 bytes is data loss", "[jpki][sign]") {
  Fixture f;
  f.Selected();
  f.reader.Expect(kSelectAuthKey, "90 00").Expect(Hex(kSignTestDigest), Ok(Bytes(255, 1)));
  auto signed_ = f.applet.SignWithAuthKey(TestDigest());
  REQUIRE_FALSE(signed_);
  CHECK(signed_.error().code() == ErrorCode::kDataLoss);
}

// ---------------------------------------------------------------- CHANGE PIN

TEST_CASE("ChangeAuthPin before a good VERIFY sends nothing", "[jpki][change]") {
  Fixture f;
  f.Selected();
  auto status = f.applet.ChangeAuthPin(AuthPin("5678"));
  REQUIRE_FALSE(status);
  CHECK(status.error().code() == ErrorCode::kFailedPrecondition);
  CHECK(f.reader.transmissions().size() == 1);
}

TEST_CASE("ChangeAuthPin after a good VERIFY sends the golden CHANGE REFERENCE DATA",
          "[jpki][change]") {
  Fixture f;
  f.Selected();
  f.reader.Expect(kSelectAuthPin, "90 00")
      .Expect(kVerify1234, "90 00")
      .Expect(kSelectAuthPin, "90 00")
      .Expect("00 24 01 80 04 35 36 37 38", "90 00");
  REQUIRE(f.applet.VerifyAuthPin(AuthPin("1234")));
  REQUIRE(f.applet.ChangeAuthPin(AuthPin("5678")));
  CHECK(f.reader.AllConsumed());
}

TEST_CASE("ChangeAuthPin errors map through the table", "[jpki][change]") {
  struct Case {
    const char* sw;
    uint16_t value;
    ErrorCode code;
  };
  for (const Case& c : {Case{"69 82", 0x6982, ErrorCode::kPermissionDenied},
                        Case{"69 84", 0x6984, ErrorCode::kResourceExhausted},
                        Case{"67 00", 0x6700, ErrorCode::kInvalidArgument},
                        Case{"6D 00", 0x6D00, ErrorCode::kUnimplemented},
                        Case{"6F 00", 0x6F00, ErrorCode::kInternal}}) {
    Fixture f;
    f.Selected();
    f.reader.Expect(kSelectAuthPin, "90 00")
        .Expect(kVerify1234, "90 00")
        .Expect(kSelectAuthPin, "90 00")
        .Expect("00 24 01 80 04 35 36 37 38", c.sw);
    REQUIRE(f.applet.VerifyAuthPin(AuthPin("1234")));
    auto status = f.applet.ChangeAuthPin(AuthPin("5678"));
    REQUIRE_FALSE(status);
    CheckCardError(status.error(), c.code, c.value);
  }
}

TEST_CASE("re-selecting the applet forgets the verified PIN", "[jpki][change]") {
  Fixture f;
  f.Selected();
  f.reader.Expect(kSelectAuthPin, "90 00").Expect(kVerify1234, "90 00");
  REQUIRE(f.applet.VerifyAuthPin(AuthPin("1234")));
  f.Selected();
  CHECK_FALSE(f.applet.auth_pin_verified());
  CHECK(f.applet.ChangeAuthPin(AuthPin("5678")).error().code() == ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace mykey::jpki
