#include "mykey/auth_testing/fake_authenticator.h"

#include "mykey/testing/catch.h"

namespace mykey::cloud::auth_testing {
namespace {

http::HttpRequest RequestAs(std::string_view value) {
  http::HttpRequest request;
  request.method = "GET";
  request.path = "/v1/x";
  request.headers.Add(std::string(kTestCallerHeader), std::string(value));
  return request;
}

TEST_CASE("the fake authenticator reads a terminal caller from X-Test-Caller") {
  FakeAuthenticator authenticator;
  auto caller = authenticator.Authenticate(RequestAs("terminal:T1:library:central:lib:131016"));
  REQUIRE(caller);
  CHECK(caller->kind == CallerKind::kTerminal);
  CHECK(caller->terminal_id == "T1");
  CHECK(caller->site_kind == SiteKind::kLibrary);
  CHECK(caller->site_id == "central");
  CHECK(caller->provider_id == "lib");
  CHECK(caller->municipality_code == "131016");
  CHECK(TestCallerHeader(*caller) == "terminal:T1:library:central:lib:131016");
}

TEST_CASE("the fake authenticator reads operator callers") {
  FakeAuthenticator authenticator;
  auto municipality = authenticator.Authenticate(RequestAs("operator:municipality:131016"));
  REQUIRE(municipality);
  CHECK(municipality->kind == CallerKind::kOperator);
  CHECK(municipality->scope == OperatorScope::kMunicipality);
  CHECK(municipality->scope_id == "131016");
  auto admin = authenticator.Authenticate(RequestAs("operator:admin"));
  REQUIRE(admin);
  CHECK(admin->scope == OperatorScope::kAdmin);
  CHECK(TestCallerHeader(*admin) == "operator:admin");
}

TEST_CASE("the fake authenticator refuses missing and malformed callers") {
  FakeAuthenticator authenticator;
  http::HttpRequest bare;
  CHECK(authenticator.Authenticate(bare).error().code() == ErrorCode::kUnauthenticated);
  for (const std::string_view bad :
       {"", "terminal:T1", "terminal:T1:shop:A1:p:131016", "operator:admin:x", "operator:provider",
        "operator:root:x", "terminal::merchant:A1:p:131016"}) {
    const auto caller = authenticator.Authenticate(RequestAs(bad));
    REQUIRE_FALSE(caller);
    CHECK(caller.error().code() == ErrorCode::kUnauthenticated);
  }
  CHECK(authenticator.Authenticate(RequestAs("denied")).error().code() ==
        ErrorCode::kPermissionDenied);
}

}  // namespace
}  // namespace mykey::cloud::auth_testing
