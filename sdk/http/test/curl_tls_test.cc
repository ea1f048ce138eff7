// CurlHttpTransport against a TLS server on loopback (core/http_server with a
// certificate from a test CA): the configured anchor is trusted, anything
// else is refused, and kept-alive connections carry several exchanges.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "mykey/base/base64.h"
#include "mykey/crypto/random.h"
#include "mykey/crypto/rsa.h"
#include "mykey/crypto/x509.h"
#include "mykey/http_client/curl_http_transport.h"
#include "mykey/http_server/http_server.h"
#include "mykey/testing/catch.h"

namespace mykey::http_client {
namespace {

class Echo final : public http::HttpHandler {
  http::HttpResponse DoHandle(const http::HttpRequest& request) override {
    return http::HttpResponse::WithBody(200, "text/plain", request.method + " " + request.body);
  }
};

struct TempDir {
  std::string path;
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "mykey-tls-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::string Write(const std::string& name, const std::string& text) const {
    const std::string file = path + "/" + name;
    std::ofstream(file) << text;
    return file;
  }
};

crypto::RsaPrivateKey Key(std::string_view label) {
  auto random = crypto::DeterministicRandom::Create(ViewOf("curl-tls-test"), ViewOf(label));
  REQUIRE(random);
  auto key = crypto::RsaPrivateKey::Generate(2048, **random);
  REQUIRE(key);
  return std::move(*key);
}

std::string CaPem(const crypto::RsaPrivateKey& key, std::string_view dn) {
  const uint8_t serial[] = {0x01};
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  auto der = crypto::CertificateBuilder()
                 .SetSubject(dn)
                 .SetSerial(serial)
                 .SetValidity(now - std::chrono::hours(24), now + std::chrono::hours(24))
                 .SetSubjectPublicKey(key.PublicKey())
                 .SetCa(true)
                 .SetKeyUsage(crypto::kKeyUsageKeyCertSign)
                 .Build(key);
  REQUIRE(der);
  return PemEncode("CERTIFICATE", *der);
}

struct TlsServer {
  TempDir dir;
  Echo echo;
  std::unique_ptr<http::HttpServer> server;
  std::string ca_file;
  std::string other_ca_file;

  TlsServer() {
    const crypto::RsaPrivateKey ca_key = Key("ca");
    const std::string ca_pem = CaPem(ca_key, "C=JP, O=mykey test, CN=Test Root");
    ca_file = dir.Write("ca.pem", ca_pem);
    other_ca_file = dir.Write("other.pem", CaPem(Key("other"), "C=JP, O=other, CN=Other Root"));
    auto ca = crypto::Certificate::FromPem(ca_pem);
    REQUIRE(ca);
    const crypto::RsaPrivateKey server_key = Key("server");
    const uint8_t serial[] = {0x02};
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    auto der = crypto::CertificateBuilder()
                   .SetSubject("C=JP, O=mykey test, CN=127.0.0.1")
                   .SetIssuer(*ca)
                   .SetSerial(serial)
                   .SetValidity(now - std::chrono::hours(24), now + std::chrono::hours(24))
                   .SetSubjectPublicKey(server_key.PublicKey())
                   .SetKeyUsage(crypto::kKeyUsageDigitalSignature)
                   .Build(ca_key);
    REQUIRE(der);
    http::HttpServerOptions options;
    options.tls_certificate_file = dir.Write("server.pem", PemEncode("CERTIFICATE", *der));
    options.tls_private_key_file =
        dir.Write("server.key", PemEncode("RSA PRIVATE KEY", server_key.ToDer().view()));
    auto started = http::HttpServer::Start(echo, options);
    INFO((started ? "" : started.error().ToString()));
    REQUIRE(started);
    server = std::move(*started);
  }

  std::string Url() const { return "https://127.0.0.1:" + std::to_string(server->port()) + "/x"; }
};

TEST_CASE("TLS to a server whose certificate chains to the configured anchor succeeds") {
  TlsServer tls;
  CurlHttpOptions options;
  options.ca_file = tls.ca_file;
  auto transport = CurlHttpTransport::Create(options);
  REQUIRE(transport);
  for (int i = 0; i < 3; ++i) {  // over one kept-alive connection
    HttpRequest request;
    request.method = "POST";
    request.url = tls.Url();
    request.body = "hello " + std::to_string(i);
    auto response = (*transport)->RoundTrip(request);
    INFO((response ? "" : response.error().ToString()));
    REQUIRE(response);
    CHECK(response->status == 200);
    CHECK(response->body == "POST hello " + std::to_string(i));
  }
}

TEST_CASE("TLS to a server of another anchor, or the system store, is refused as unauthenticated") {
  TlsServer tls;
  CurlHttpOptions options;
  options.ca_file = tls.other_ca_file;
  auto transport = CurlHttpTransport::Create(options);
  REQUIRE(transport);
  HttpRequest request;
  request.url = tls.Url();
  auto refused = (*transport)->RoundTrip(request);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == ErrorCode::kUnauthenticated);
  CHECK(refused.error().domain() == ErrorDomain::kCurl);

  auto system = CurlHttpTransport::Create({});
  REQUIRE(system);
  auto untrusted = (*system)->RoundTrip(request);
  REQUIRE_FALSE(untrusted);
  CHECK(untrusted.error().code() == ErrorCode::kUnauthenticated);
}

TEST_CASE("An answer over the body cap is kResourceExhausted") {
  TlsServer tls;
  CurlHttpOptions options;
  options.ca_file = tls.ca_file;
  options.max_response_bytes = 8;
  auto transport = CurlHttpTransport::Create(options);
  REQUIRE(transport);
  HttpRequest request;
  request.method = "POST";
  request.url = tls.Url();
  request.body = "more than eight bytes";
  auto response = (*transport)->RoundTrip(request);
  REQUIRE_FALSE(response);
  CHECK(response.error().code() == ErrorCode::kResourceExhausted);
}

}  // namespace
}  // namespace mykey::http_client
