#include "mykey/protocol/request_signature.h"

#include <vector>

#include "mykey/base/base64.h"
#include "mykey/testing/catch.h"

namespace mykey::protocol {
namespace {

crypto::EcdsaPrivateKey TestKey(std::string_view label) {
  auto random =
      crypto::DeterministicRandom::Create(ViewOf("request-signature-test"), ViewOf(label));
  REQUIRE(random);
  auto key = crypto::EcdsaPrivateKey::Generate(**random);
  REQUIRE(key);
  return std::move(*key);
}

constexpr std::string_view kNonce = "n0nce-0123456789_abc";

TEST_CASE("the canonical request string has the golden bytes") {
  const std::string canonical =
      CanonicalRequestString("POST", "/v1/terminals/self?a=1", 1700000000, kNonce, "{}");
  CHECK(canonical ==
        "MYKEY-REQ-1\n"
        "POST\n"
        "/v1/terminals/self?a=1\n"
        "1700000000\n"
        "n0nce-0123456789_abc\n"
        "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
}

TEST_CASE("the canonical request string of an empty body ends with the empty body's digest") {
  CHECK(CanonicalRequestString("GET", "/", 0, kNonce, "") ==
        "MYKEY-REQ-1\nGET\n/\n0\nn0nce-0123456789_abc\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("the canonical target percent-encodes all but unreserved characters") {
  const std::vector<std::pair<std::string, std::string>> query = {
      {"q", "a b+c/d"}, {"flag", ""}, {"名", "値"}, {"x", "~._-"}};
  CHECK(CanonicalRequestTarget("/v1/links/a b", query) ==
        "/v1/links/a%20b?q=a%20b%2Bc%2Fd&flag=&%E5%90%8D=%E5%80%A4&x=~._-");
  CHECK(CanonicalRequestTarget("/v1/terminals/self") == "/v1/terminals/self");
}

TEST_CASE("the canonical target keeps the order of query arguments") {
  const std::vector<std::pair<std::string, std::string>> query = {
      {"b", "1"}, {"a", "2"}, {"b", "3"}};
  CHECK(CanonicalRequestTarget("/p", query) == "/p?b=1&a=2&b=3");
}

TEST_CASE("a signed request verifies with the terminal's public key") {
  const crypto::EcdsaPrivateKey key = TestKey("terminal-1");
  auto headers = SignRequest(key, "t1", "POST", "/v1/x", "{\"a\":1}", 1700000000, kNonce);
  REQUIRE(headers);
  CHECK(headers->terminal == "t1");
  CHECK(headers->timestamp == "1700000000");
  CHECK(headers->nonce == kNonce);
  const auto raw = Base64Decode(headers->signature);
  REQUIRE(raw);
  CHECK(raw->size() == 64);
  CHECK(VerifyRequestSignature(key.PublicKey(), "POST", "/v1/x", 1700000000, kNonce, "{\"a\":1}",
                               headers->signature));
}

TEST_CASE("signing is deterministic for a key and a request") {
  const crypto::EcdsaPrivateKey key = TestKey("terminal-1");
  auto first = SignRequest(key, "t1", "GET", "/v1/terminals/self", "", 1700000000, kNonce);
  auto second = SignRequest(key, "t1", "GET", "/v1/terminals/self", "", 1700000000, kNonce);
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->signature == second->signature);
}

TEST_CASE("a signature does not verify when any signed part changes") {
  const crypto::EcdsaPrivateKey key = TestKey("terminal-1");
  const crypto::EcdsaPublicKey public_key = key.PublicKey();
  auto headers = SignRequest(key, "t1", "POST", "/v1/x?a=1", "body", 1700000000, kNonce);
  REQUIRE(headers);
  const std::string& sig = headers->signature;
  const auto refused = [](const Status& status) {
    return !status && status.error().code() == ErrorCode::kUnauthenticated;
  };
  CHECK(refused(
      VerifyRequestSignature(public_key, "PUT", "/v1/x?a=1", 1700000000, kNonce, "body", sig)));
  CHECK(refused(
      VerifyRequestSignature(public_key, "POST", "/v1/x?a=2", 1700000000, kNonce, "body", sig)));
  CHECK(refused(
      VerifyRequestSignature(public_key, "POST", "/v1/x?a=1", 1700000001, kNonce, "body", sig)));
  CHECK(refused(VerifyRequestSignature(public_key, "POST", "/v1/x?a=1", 1700000000,
                                       "another-nonce-0123", "body", sig)));
  CHECK(refused(
      VerifyRequestSignature(public_key, "POST", "/v1/x?a=1", 1700000000, kNonce, "bodY", sig)));
  CHECK(refused(VerifyRequestSignature(TestKey("terminal-2").PublicKey(), "POST", "/v1/x?a=1",
                                       1700000000, kNonce, "body", sig)));
}

TEST_CASE("a prepared key verifies the same requests as the plain key") {
  const crypto::EcdsaPrivateKey key = TestKey("terminal-1");
  auto prepared = crypto::PreparedEcdsaPublicKey::Prepare(key.PublicKey());
  REQUIRE(prepared);
  const crypto::PreparedEcdsaPublicKey& p = **prepared;
  auto headers = SignRequest(key, "t1", "POST", "/v1/x?a=1", "body", 1700000000, kNonce);
  REQUIRE(headers);
  const std::string& sig = headers->signature;
  CHECK(VerifyRequestSignature(p, "POST", "/v1/x?a=1", 1700000000, kNonce, "body", sig));
  const auto refused = [](const Status& status) {
    return !status && status.error().code() == ErrorCode::kUnauthenticated;
  };
  CHECK(refused(VerifyRequestSignature(p, "POST", "/v1/x?a=1", 1700000000, kNonce, "bodY", sig)));
  CHECK(refused(VerifyRequestSignature(p, "POST", "/v1/x?a=1", 1700000001, kNonce, "body", sig)));
  CHECK(
      refused(VerifyRequestSignature(p, "POST", "/v1/x?a=1", 1700000000, kNonce, "body", "AAAA")));
  auto other = crypto::PreparedEcdsaPublicKey::Prepare(TestKey("terminal-2").PublicKey());
  REQUIRE(other);
  CHECK(refused(
      VerifyRequestSignature(**other, "POST", "/v1/x?a=1", 1700000000, kNonce, "body", sig)));
}

TEST_CASE("a signature that is not Base64 of 64 bytes is refused as unauthenticated") {
  const crypto::EcdsaPublicKey public_key = TestKey("terminal-1").PublicKey();
  const std::string too_long(200, 'A');
  for (const std::string_view bad : {std::string_view(""), std::string_view("not base64!"),
                                     std::string_view("AAAA"), std::string_view(too_long)}) {
    const Status status = VerifyRequestSignature(public_key, "GET", "/", 1, kNonce, "", bad);
    REQUIRE_FALSE(status);
    CHECK(status.error().code() == ErrorCode::kUnauthenticated);
  }
}

TEST_CASE("a nonce has 16 to 64 url-safe characters") {
  CHECK(IsValidRequestNonce("abcdefghijklmnop"));
  CHECK(IsValidRequestNonce(std::string(64, 'Z')));
  CHECK(IsValidRequestNonce("AZaz09-_AZaz09-_"));
  CHECK_FALSE(IsValidRequestNonce("abcdefghijklmno"));
  CHECK_FALSE(IsValidRequestNonce(std::string(65, 'a')));
  CHECK_FALSE(IsValidRequestNonce("abcdefghijklmno="));
  CHECK_FALSE(IsValidRequestNonce("abcdefghijklmn o"));
  CHECK_FALSE(SignRequest(TestKey("terminal-1"), "t1", "GET", "/", "", 1, "short"));
}

TEST_CASE("a new nonce is valid and differs each time") {
  auto random = crypto::DeterministicRandom::Create(ViewOf("nonce"), ViewOf("test"));
  REQUIRE(random);
  auto first = NewRequestNonce(**random);
  auto second = NewRequestNonce(**random);
  REQUIRE(first);
  REQUIRE(second);
  CHECK(IsValidRequestNonce(*first));
  CHECK(first->size() == 32);
  CHECK(*first != *second);
}

TEST_CASE("a request timestamp is plain decimal seconds") {
  CHECK(ParseRequestTimestamp("1700000000").value() == 1700000000);
  CHECK(ParseRequestTimestamp("0").value() == 0);
  for (const std::string_view bad :
       {"", "-1", "+1", "01", "1.5", "17e8", " 1", "1 ", "9999999999999999999"}) {
    CHECK_FALSE(ParseRequestTimestamp(bad));
  }
}

}  // namespace
}  // namespace mykey::protocol
