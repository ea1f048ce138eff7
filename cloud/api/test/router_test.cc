#include "mykey/api/router.h"

#include "mykey/testing/catch.h"

namespace mykey::cloud {
namespace {

RouteHandler Named(std::string name) {
  return [name](RouteContext&) { return ApiReply::Json(200, name); };
}

std::string Call(const Router::Match& match) {
  http::HttpRequest request;
  RouteContext context{request, "id", match.params, {}};
  return (*match.handler)(context).body();
}

TEST_CASE("A literal path finds its route by method") {
  Router router;
  REQUIRE(router.Add("GET", "/v1/municipalities", Named("list")));
  REQUIRE(router.Add("POST", "/v1/municipalities", Named("add")));
  auto get = router.Find("GET", "/v1/municipalities");
  REQUIRE(get.outcome == Router::Outcome::kFound);
  CHECK(Call(get) == "list");
  CHECK(Call(router.Find("POST", "/v1/municipalities")) == "add");
  CHECK(get.route == "/v1/municipalities");
}

TEST_CASE("Path parameters are captured by name") {
  Router router;
  REQUIRE(router.Add("GET", "/v1/municipalities/{code}/programmes/{id}", Named("p")));
  auto match = router.Find("GET", "/v1/municipalities/131016/programmes/7");
  REQUIRE(match.outcome == Router::Outcome::kFound);
  http::HttpRequest request;
  RouteContext context{request, "id", match.params, {}};
  CHECK(context.Param("code") == "131016");
  CHECK(context.Param("id") == "7");
  CHECK(context.Param("other").empty());
  CHECK(match.route == "/v1/municipalities/{code}/programmes/{id}");
}

TEST_CASE("A literal segment wins over a parameter") {
  Router router;
  REQUIRE(router.Add("GET", "/v1/terminals/{id}", Named("one")));
  REQUIRE(router.Add("GET", "/v1/terminals/suspended", Named("suspended")));
  CHECK(Call(router.Find("GET", "/v1/terminals/suspended")) == "suspended");
  CHECK(Call(router.Find("GET", "/v1/terminals/12")) == "one");
}

TEST_CASE("An unknown path is not found; empty parameter segments do not match") {
  Router router;
  REQUIRE(router.Add("GET", "/v1/terminals/{id}", Named("one")));
  CHECK(router.Find("GET", "/v1/terminal/1").outcome == Router::Outcome::kNotFound);
  CHECK(router.Find("GET", "/v1/terminals/").outcome == Router::Outcome::kNotFound);
  CHECK(router.Find("GET", "/v1/terminals/1/x").outcome == Router::Outcome::kNotFound);
  CHECK(router.Find("GET", "").outcome == Router::Outcome::kNotFound);
}

TEST_CASE("A known path with another method is method-not-allowed with the allowed list") {
  Router router;
  REQUIRE(router.Add("GET", "/v1/merchants", Named("list")));
  REQUIRE(router.Add("POST", "/v1/merchants", Named("add")));
  auto match = router.Find("DELETE", "/v1/merchants");
  CHECK(match.outcome == Router::Outcome::kMethodNotAllowed);
  CHECK(match.allow == std::vector<std::string>{"GET", "HEAD", "POST"});
  CHECK(match.route == "/v1/merchants");
}

TEST_CASE("HEAD is served by the GET route") {
  Router router;
  REQUIRE(router.Add("GET", "/healthz", Named("h")));
  CHECK(router.Find("HEAD", "/healthz").outcome == Router::Outcome::kFound);
}

TEST_CASE("Malformed and duplicate routes are refused") {
  Router router;
  CHECK(router.Add("GET", "v1/x", Named("x")).error().code() == ErrorCode::kInvalidArgument);
  CHECK(router.Add("GET", "/v1/x{id}", Named("x")).error().code() == ErrorCode::kInvalidArgument);
  CHECK(router.Add("GET", "/v1/x", nullptr).error().code() == ErrorCode::kInvalidArgument);
  REQUIRE(router.Add("GET", "/v1/x/{a}", Named("x")));
  CHECK(router.Add("GET", "/v1/x/{a}", Named("y")).error().code() == ErrorCode::kAlreadyExists);
}

}  // namespace
}  // namespace mykey::cloud
