#include "mykey/http_server/http_message.h"

#include "mykey/testing/catch.h"

namespace mykey::http {
namespace {

TEST_CASE("Header lookup ignores the case of the name") {
  HeaderMap headers;
  headers.Add("Content-Type", "application/json");
  CHECK(headers.Get("content-type") == "application/json");
  CHECK(headers.Get("CONTENT-TYPE") == "application/json");
  CHECK_FALSE(headers.Get("Content-Length").has_value());
}

TEST_CASE("Setting a header replaces every field of that name in any case") {
  HeaderMap headers;
  headers.Add("X-A", "1");
  headers.Add("x-a", "2");
  headers.Set("X-a", "3");
  REQUIRE(headers.size() == 1);
  CHECK(headers.Get("x-A") == "3");
  headers.Remove("X-A");
  CHECK(headers.size() == 0);
}

TEST_CASE("Query values are found by exact name") {
  HttpRequest request;
  request.query = {{"limit", "10"}, {"Limit", "20"}};
  CHECK(request.QueryValue("limit") == "10");
  CHECK(request.QueryValue("Limit") == "20");
  CHECK_FALSE(request.QueryValue("offset").has_value());
}

TEST_CASE("A response with a body carries its content type") {
  const HttpResponse response = HttpResponse::WithBody(201, "application/json", "{}");
  CHECK(response.status == 201);
  CHECK(response.headers.Get("content-type") == "application/json");
  CHECK(response.body == "{}");
  CHECK(std::string_view(ReasonPhrase(413)) == "Content Too Large");
  CHECK(std::string_view(ReasonPhrase(799)) == "Unknown");
}

}  // namespace
}  // namespace mykey::http
