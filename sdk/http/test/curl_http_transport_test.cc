#include "mykey/http_client/curl_http_transport.h"

#include <curl/curl.h>

#include "mykey/testing/catch.h"

namespace mykey::http_client {
namespace {

TEST_CASE("CurlError maps each CURLcode family to one ErrorCode") {
  struct Row {
    CURLcode curl;
    ErrorCode code;
  };
  const Row rows[] = {
      {CURLE_COULDNT_RESOLVE_HOST, ErrorCode::kUnavailable},
      {CURLE_COULDNT_CONNECT, ErrorCode::kUnavailable},
      {CURLE_SEND_ERROR, ErrorCode::kAborted},
      {CURLE_SEND_FAIL_REWIND, ErrorCode::kAborted},
      {CURLE_RECV_ERROR, ErrorCode::kAborted},
      {CURLE_GOT_NOTHING, ErrorCode::kAborted},
      {CURLE_PARTIAL_FILE, ErrorCode::kAborted},
      {CURLE_OPERATION_TIMEDOUT, ErrorCode::kDeadlineExceeded},
      {CURLE_PEER_FAILED_VERIFICATION, ErrorCode::kUnauthenticated},
      {CURLE_SSL_CONNECT_ERROR, ErrorCode::kUnauthenticated},
      {CURLE_SSL_CACERT_BADFILE, ErrorCode::kUnauthenticated},
      {CURLE_URL_MALFORMAT, ErrorCode::kInvalidArgument},
      {CURLE_UNSUPPORTED_PROTOCOL, ErrorCode::kInvalidArgument},
      {CURLE_FILESIZE_EXCEEDED, ErrorCode::kResourceExhausted},
      {CURLE_OUT_OF_MEMORY, ErrorCode::kInternal},
      {CURLE_BAD_FUNCTION_ARGUMENT, ErrorCode::kInternal},
  };
  for (const Row& row : rows) {
    INFO(curl_easy_strerror(row.curl));
    const Error error = CurlError(row.curl);
    CHECK(error.code() == row.code);
    CHECK(error.Is(ErrorDomain::kCurl, row.curl));
  }
}

TEST_CASE("Only https and loopback plain http are accepted") {
  CHECK(IsLoopbackHttpUrl("http://127.0.0.1:8080/v1/x"));
  CHECK(IsLoopbackHttpUrl("http://localhost/healthz"));
  CHECK(IsLoopbackHttpUrl("HTTP://[::1]:1/"));
  CHECK_FALSE(IsLoopbackHttpUrl("http://127.0.0.1.example.com/"));
  CHECK_FALSE(IsLoopbackHttpUrl("http://localhostx/"));
  CHECK_FALSE(IsLoopbackHttpUrl("https://127.0.0.1/"));

  auto transport = CurlHttpTransport::Create({});
  REQUIRE(transport);
  HttpRequest request;
  request.url = "http://cloud.example.com/v1/terminals/self";
  auto refused = (*transport)->RoundTrip(request);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("CurlHttpTransport refuses zero timeouts, a zero cap and an unreadable CA file") {
  CurlHttpOptions options;
  options.total_timeout = std::chrono::milliseconds(0);
  CHECK(CurlHttpTransport::Create(options).error().code() == ErrorCode::kInvalidArgument);
  CurlHttpOptions no_cap;
  no_cap.max_response_bytes = 0;
  CHECK(CurlHttpTransport::Create(no_cap).error().code() == ErrorCode::kInvalidArgument);
  CurlHttpOptions ca;
  ca.ca_file = "/nonexistent/ca.pem";
  CHECK(CurlHttpTransport::Create(ca).error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("A refused connection to loopback is kUnavailable") {
  auto transport = CurlHttpTransport::Create({});
  REQUIRE(transport);
  HttpRequest request;
  request.url = "http://127.0.0.1:1/healthz";  // port 1: nothing listens
  auto result = (*transport)->RoundTrip(request);
  REQUIRE_FALSE(result);
  CHECK(result.error().code() == ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace mykey::http_client
