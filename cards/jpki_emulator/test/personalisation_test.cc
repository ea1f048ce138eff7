#include "mykey/jpki_emulator/personalisation.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "mykey/base/base64.h"
#include "mykey/crypto/random.h"
#include "mykey/crypto/rsa.h"
#include "mykey/jpki_emulator_testing/test_card.h"
#include "mykey/testing/catch.h"

namespace mykey::jpki {
namespace {

using testing::MakeTestPersonalisation;

class TempDir {
 public:
  TempDir() {
    char dir[] = "/tmp/mykey-perso-test-XXXXXX";
    REQUIRE(mkdtemp(dir) != nullptr);
    path_ = dir;
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool SameSecret(const SecretBytes& a, const SecretBytes& b) {
  return ConstantTimeEqual(a.view(), b.view());
}

// The error message of validating a card after `mutate`.
std::string ValidationError(void (*mutate)(JpkiPersonalisation&)) {
  JpkiPersonalisation card = MakeTestPersonalisation();
  mutate(card);
  Status status = ValidatePersonalisation(card);
  if (status) return "ok";
  CHECK(status.error().code() == ErrorCode::kInvalidArgument);
  return status.error().message();
}

// The error message of parsing the test card's JSON after replacing `from` by `to`.
std::string ParseError(const std::string& from, const std::string& to) {
  std::string text = SerialisePersonalisation(MakeTestPersonalisation());
  size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  auto card = ParsePersonalisation(text, "/tmp");
  if (card) return "ok";
  CHECK(card.error().code() == ErrorCode::kInvalidArgument);
  return card.error().message();
}

TEST_CASE("A personalisation survives a save and load unchanged") {
  TempDir dir;
  JpkiPersonalisation card = MakeTestPersonalisation(TokenType::kIPhone);
  card.counters = {1, 4};
  card.certificate_ef_size = 4096;
  card.counter_file = "/var/tmp/x.counters";
  REQUIRE(SavePersonalisation(card, dir.File("card.json")));
  auto loaded = LoadPersonalisation(dir.File("card.json"));
  REQUIRE(loaded);
  CHECK(loaded->token_type == TokenType::kIPhone);
  CHECK(loaded->auth_certificate == card.auth_certificate);
  CHECK(loaded->auth_ca_certificate == card.auth_ca_certificate);
  CHECK(loaded->sign_certificate == card.sign_certificate);
  CHECK(loaded->sign_ca_certificate == card.sign_ca_certificate);
  CHECK(SameSecret(loaded->auth_private_key, card.auth_private_key));
  CHECK(SameSecret(loaded->sign_private_key, card.sign_private_key));
  CHECK(SameSecret(loaded->auth_pin, card.auth_pin));
  CHECK(SameSecret(loaded->sign_password, card.sign_password));
  CHECK(loaded->counters == card.counters);
  CHECK(loaded->certificate_ef_size == 4096);
  CHECK(loaded->counter_file == "/var/tmp/x.counters");
}

TEST_CASE("The personalisation file is written with mode 0600 and carries its format tag") {
  TempDir dir;
  REQUIRE(SavePersonalisation(MakeTestPersonalisation(), dir.File("card.json")));
  struct stat st {};
  REQUIRE(stat(dir.File("card.json").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const std::string text = ReadText(dir.File("card.json"));
  CHECK(text.find("\"format\": \"mykey-jpki-card/1\"") != std::string::npos);
  CHECK(text.find("\"token_type\": \"plastic-card\"") != std::string::npos);
  CHECK(text.find("\"auth_pin\": \"1234\"") != std::string::npos);
}

TEST_CASE("Saving over an existing file replaces it atomically, leaving no temporary file") {
  TempDir dir;
  WriteText(dir.File("card.json"), "old");
  REQUIRE(SavePersonalisation(MakeTestPersonalisation(), dir.File("card.json")));
  CHECK(ReadText(dir.File("card.json")).rfind("{", 0) == 0);
  CHECK(std::system(("test $(ls -A '" + dir.path() + "' | wc -l) -eq 1").c_str()) == 0);
}

TEST_CASE("A relative counter file is resolved against the personalisation file's directory") {
  TempDir dir;
  JpkiPersonalisation card = MakeTestPersonalisation();
  card.counter_file = "card.counters";
  REQUIRE(SavePersonalisation(card, dir.File("card.json")));
  auto loaded = LoadPersonalisation(dir.File("card.json"));
  REQUIRE(loaded);
  CHECK(loaded->counter_file == dir.File("card.counters"));
}

TEST_CASE("Loading a missing personalisation file answers kNotFound") {
  auto card = LoadPersonalisation("/nonexistent-mykey/card.json");
  REQUIRE_FALSE(card);
  CHECK(card.error().code() == ErrorCode::kNotFound);
}

TEST_CASE("Saving an invalid personalisation is refused and writes nothing") {
  TempDir dir;
  JpkiPersonalisation card = MakeTestPersonalisation();
  card.auth_pin = SecretBytes(ViewOf("12345"));
  Status saved = SavePersonalisation(card, dir.File("card.json"));
  REQUIRE_FALSE(saved);
  CHECK(saved.error().code() == ErrorCode::kInvalidArgument);
  CHECK(access(dir.File("card.json").c_str(), F_OK) != 0);
}

TEST_CASE("The test personalisation is valid") {
  CHECK(ValidationError([](JpkiPersonalisation&) {}) == "ok");
}

TEST_CASE("Validation names each broken rule") {
  CHECK(ValidationError([](JpkiPersonalisation& c) { c.auth_certificate.clear(); }) ==
        std::string("auth certificate missing"));
  CHECK(ValidationError([](JpkiPersonalisation& c) { c.auth_ca_certificate.clear(); }) ==
        std::string("auth CA certificate missing"));
  CHECK(ValidationError([](JpkiPersonalisation& c) { c.auth_certificate.push_back(0); }) ==
        std::string("auth certificate is not one DER SEQUENCE"));
  CHECK(ValidationError([](JpkiPersonalisation& c) { c.auth_ca_certificate[0] = 0x31; }) ==
        std::string("auth CA certificate is not one DER SEQUENCE"));
  CHECK(ValidationError([](JpkiPersonalisation& c) { c.sign_certificate.pop_back(); }) ==
        std::string("signature certificate is not one DER SEQUENCE"));
  CHECK(ValidationError([](JpkiPersonalisation& c) {
          c.sign_ca_certificate = {0x30, 0x00, 0x00};
        }) == std::string("signature CA certificate is not one DER SEQUENCE"));
  CHECK(ValidationError([](JpkiPersonalisation& c) { c.certificate_ef_size = 1024; }) ==
        std::string("auth certificate larger than its EF"));
  CHECK(ValidationError([](JpkiPersonalisation& c) { c.certificate_ef_size = 1400; }) ==
        std::string("signature certificate larger than its EF"));
  CHECK(ValidationError([](JpkiPersonalisation& c) { c.certificate_ef_size = 0x8001; }) ==
        std::string("certificate_ef_size out of range 4..32768"));
  CHECK(ValidationError([](JpkiPersonalisation& c) { c.certificate_ef_size = 3; }) ==
        std::string("certificate_ef_size out of range 4..32768"));
  CHECK(ValidationError([](JpkiPersonalisation& c) { c.auth_private_key = SecretBytes(); }) ==
        std::string("auth private key missing"));
  CHECK(ValidationError([](JpkiPersonalisation& c) {
          c.auth_private_key = SecretBytes(ViewOf("not a key"));
        }) == std::string("auth private key is not a DER RSA private key"));
  CHECK(ValidationError([](JpkiPersonalisation& c) {
          c.auth_private_key = c.sign_private_key.Clone();
        }) == std::string("auth private key does not match the auth certificate"));
  CHECK(ValidationError([](JpkiPersonalisation& c) {
          c.sign_private_key = c.auth_private_key.Clone();
        }) == std::string("signature private key does not match the signature certificate"));
  CHECK(ValidationError([](JpkiPersonalisation& c) {
          c.sign_private_key = SecretBytes(ViewOf("xx"));
        }) == std::string("signature private key is not a DER RSA private key"));
  CHECK(ValidationError([](JpkiPersonalisation& c) { c.auth_pin = SecretBytes(ViewOf("123")); }) ==
        std::string("auth PIN must be exactly 4 ASCII digits"));
  CHECK(ValidationError([](JpkiPersonalisation& c) { c.auth_pin = SecretBytes(ViewOf("12a4")); }) ==
        std::string("auth PIN must be exactly 4 ASCII digits"));
  CHECK(ValidationError([](JpkiPersonalisation& c) {
          c.sign_password = SecretBytes(ViewOf("abc123"));
        }) == std::string("signature password must be 6-16 upper-case letters and digits"));
  CHECK(ValidationError([](JpkiPersonalisation& c) {
          c.sign_password = SecretBytes(ViewOf("ABC12"));
        }) == std::string("signature password must be 6-16 upper-case letters and digits"));
  CHECK(ValidationError([](JpkiPersonalisation& c) {
          c.sign_password = SecretBytes(ViewOf("ABCDEFGHIJKLMNOPQ"));
        }) == std::string("signature password must be 6-16 upper-case letters and digits"));
  CHECK(ValidationError([](JpkiPersonalisation& c) { c.counters.auth_pin_tries_left = 4; }) ==
        std::string("auth PIN tries left out of range 0..3"));
  CHECK(ValidationError([](JpkiPersonalisation& c) { c.counters.sign_password_tries_left = -1; }) ==
        std::string("signature password tries left out of range 0..5"));
}

TEST_CASE("The signature side may be empty") {
  CHECK(ValidationError([](JpkiPersonalisation& c) {
          c.sign_certificate.clear();
          c.sign_ca_certificate.clear();
          c.sign_private_key = SecretBytes();
        }) == "ok");
}

TEST_CASE("A key that is not RSA-2048 is refused") {
  // A 1024-bit key inside a matching stand-in certificate.
  auto random = crypto::DeterministicRandom::Create(ViewOf("seed"), ViewOf("1024"));
  REQUIRE(random);
  auto key = crypto::RsaPrivateKey::Generate(1024, **random);
  REQUIRE(key);
  JpkiPersonalisation card = MakeTestPersonalisation();
  card.auth_private_key = key->ToDer();
  card.auth_certificate = testing::MakeStandInCertificate(key->PublicKey().ToDer(), 1, 600);
  Status status = ValidatePersonalisation(card);
  REQUIRE_FALSE(status);
  CHECK(status.error().message() == std::string("auth private key is not RSA-2048 with e = 65537"));
}

TEST_CASE("Parsing names each malformed member") {
  CHECK(ParseError("\"mykey-jpki-card/1\"", "\"mykey-jpki-card/2\"") ==
        std::string("format tag is not mykey-jpki-card/1"));
  CHECK(ParseError("\"format\"", "\"formt\"") ==
        std::string("personalisation has an unknown member"));
  CHECK(ParseError("\"plastic-card\"", "\"smart-watch\"") ==
        std::string("token_type is not a known token type"));
  CHECK(ParseError("\"auth_certificate\": \"", "\"auth_certificate\": \"*") ==
        std::string("auth_certificate is not Base64"));
  CHECK(ParseError("\"auth_pin\": \"1234\"", "\"auth_pin\": 1234") ==
        std::string("auth_pin missing"));
  CHECK(ParseError("\"auth_pin\": \"1234\"", "\"auth_pin\": \"12345\"") ==
        std::string("auth PIN must be exactly 4 ASCII digits"));
  CHECK(ParseError("\"certificate_ef_size\": 2048", "\"certificate_ef_size\": -1") ==
        std::string("certificate_ef_size missing or not a positive integer"));
  CHECK(ParseError("\"certificate_ef_size\": 2048", "\"certificate_ef_size\": 40000") ==
        std::string("certificate_ef_size out of range 4..32768"));
  CHECK(ParseError("\"auth_pin_tries_left\": 3", "\"auth_pin_tries_left\": \"3\"") ==
        std::string("counters: auth_pin_tries_left missing or not an integer"));
  CHECK(ParseError("\"auth_pin_tries_left\": 3", "\"auth_pin_tries_left\": 9") ==
        std::string("auth PIN tries left out of range 0..3"));
  CHECK(ParseError("\"auth_pin_tries_left\": 3", "\"auth_tries\": 3") ==
        std::string("counters: unknown member"));
  CHECK(ParseError("\"counter_file\": \"\"", "\"counter_file\": null") ==
        std::string("counter_file missing"));
  CHECK(ParseError("{", "[") == std::string("personalisation is not valid JSON"));
  auto not_object = ParsePersonalisation("[1]", "/tmp");
  REQUIRE_FALSE(not_object);
  CHECK(not_object.error().message() == std::string("personalisation is not a JSON object"));
}

TEST_CASE("PIN counters round-trip through the counter file") {
  TempDir dir;
  auto absent = LoadPinCounters(dir.File("c.json"));
  REQUIRE(absent);
  CHECK_FALSE(absent->has_value());
  REQUIRE(SavePinCounters({2, 0}, dir.File("c.json")));
  auto loaded = LoadPinCounters(dir.File("c.json"));
  REQUIRE(loaded);
  REQUIRE(loaded->has_value());
  CHECK(**loaded == PinCounters{2, 0});
  struct stat st {};
  REQUIRE(stat(dir.File("c.json").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("Counters out of range are not written") {
  TempDir dir;
  Status saved = SavePinCounters({4, 5}, dir.File("c.json"));
  REQUIRE_FALSE(saved);
  CHECK(saved.error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("A corrupt counter file is data loss, never full tries") {
  TempDir dir;
  for (const char* text :
       {"", "{", "{}", "{\"format\":\"mykey-jpki-counters/1\"}",
        "{\"format\":\"x\",\"auth_pin_tries_left\":3,\"sign_password_tries_left\":5}",
        "{\"format\":\"mykey-jpki-counters/1\",\"auth_pin_tries_left\":3,"
        "\"sign_password_tries_left\":6}"}) {
    CAPTURE(text);
    WriteText(dir.File("c.json"), text);
    auto loaded = LoadPinCounters(dir.File("c.json"));
    REQUIRE_FALSE(loaded);
    CHECK(loaded.error().code() == ErrorCode::kDataLoss);
  }
}

}  // namespace
}  // namespace mykey::jpki
