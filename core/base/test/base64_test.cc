#include "mykey/base/base64.h"

#include "mykey/testing/catch.h"

namespace mykey {
namespace {

TEST_CASE("Base64 matches the RFC 4648 test vectors") {
  CHECK(Base64Encode(ViewOf("")) == "");
  CHECK(Base64Encode(ViewOf("f")) == "Zg==");
  CHECK(Base64Encode(ViewOf("fo")) == "Zm8=");
  CHECK(Base64Encode(ViewOf("foo")) == "Zm9v");
  CHECK(Base64Encode(ViewOf("foobar")) == "Zm9vYmFy");
  CHECK(Base64Decode("Zm9vYg==").value() == BytesOf("foob"));
  CHECK(Base64Decode("Zm9v\nYmFy").value() == BytesOf("foobar"));
}

TEST_CASE("Base64 decoding refuses bad characters, lengths and data after padding") {
  CHECK_FALSE(Base64Decode("Zm9*"));
  CHECK_FALSE(Base64Decode("Zm9"));
  CHECK_FALSE(Base64Decode("Zg==Zg=="));
}

TEST_CASE("PEM round-trips and reports a missing block as not found") {
  Bytes der(100, 0x42);
  std::string pem = PemEncode("CERTIFICATE", der);
  CHECK(pem.rfind("-----BEGIN CERTIFICATE-----\n", 0) == 0);
  CHECK(PemDecode(pem, "CERTIFICATE").value() == der);
  CHECK(PemDecode(pem, "X509 CRL").error().code() == ErrorCode::kNotFound);
}

}  // namespace
}  // namespace mykey
