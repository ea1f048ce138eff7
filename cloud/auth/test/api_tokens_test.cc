#include "mykey/auth/api_tokens.h"

#include <regex>

#include "auth_fixture.h"

namespace mykey::cloud {
namespace {

using auth_test::AuthStore;
using auth_test::TestClock;
using auth_test::TestRandom;

struct Fixture {
  AuthStore db;
  TestClock clock;
  std::unique_ptr<crypto::RandomSource> random = TestRandom("tokens");
  ApiTokenDirectory tokens{*db.store, *random, clock.Function()};

  IssuedApiToken Issue(std::string_view scope, std::string_view name = "desk") {
    auto parsed = ParseTokenScope(scope);
    REQUIRE(parsed);
    auto issued = tokens.Issue(*parsed, name);
    REQUIRE(issued);
    return *issued;
  }
};

TEST_CASE("token scopes are parsed from scope:id text") {
  CHECK(ParseTokenScope("municipality:131016").value() ==
        TokenScope{OperatorScope::kMunicipality, "131016"});
  CHECK(ParseTokenScope("provider:shopA").value() == TokenScope{OperatorScope::kProvider, "shopA"});
  CHECK(ParseTokenScope("partner:air-miles").value() ==
        TokenScope{OperatorScope::kPartner, "air-miles"});
  CHECK(ParseTokenScope("admin").value() == TokenScope{OperatorScope::kAdmin, ""});
  for (const std::string_view bad : {"", "root", "admin:x", "municipality", "municipality:",
                                     "municipality:131017", "provider:a b", "provider:"}) {
    const auto parsed = ParseTokenScope(bad);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code() == ErrorCode::kInvalidArgument);
  }
  CHECK(FormatTokenScope({OperatorScope::kMunicipality, "131016"}) == "municipality:131016");
  CHECK(FormatTokenScope({OperatorScope::kAdmin, ""}) == "admin");
}

TEST_CASE("an issued token is mk_, a 12-digit id and a 64-digit secret") {
  Fixture f;
  const IssuedApiToken issued = f.Issue("municipality:131016", "Chiyoda points desk");
  CHECK(std::regex_match(issued.token, std::regex("mk_[0-9a-f]{12}_[0-9a-f]{64}")));
  CHECK(issued.token.substr(3, 12) == issued.record.id);
  CHECK(issued.record.name == "Chiyoda points desk");
  CHECK(issued.record.created_at_ms == auth_test::kStartMs);
  CHECK(f.db.Count("SELECT count(*) FROM auth_api_tokens WHERE length(secret_hash) = 32") == 1);
}

TEST_CASE("a token authenticates as an operator of its scope") {
  Fixture f;
  const IssuedApiToken issued = f.Issue("provider:shopA");
  auto caller = f.tokens.Authenticate(issued.token);
  REQUIRE(caller);
  CHECK(caller->kind == CallerKind::kOperator);
  CHECK(caller->scope == OperatorScope::kProvider);
  CHECK(caller->scope_id == "shopA");
  CHECK(caller->token_id == issued.record.id);
}

TEST_CASE("a wrong, unknown or malformed token is unauthenticated") {
  Fixture f;
  const IssuedApiToken issued = f.Issue("admin");
  std::string wrong_secret = issued.token;
  wrong_secret.back() = wrong_secret.back() == '0' ? '1' : '0';
  std::string unknown_id = issued.token;
  unknown_id[3] = unknown_id[3] == '0' ? '1' : '0';
  std::string upper = issued.token;
  upper.back() = 'A';
  for (const std::string& token :
       {wrong_secret, unknown_id, upper, std::string("mk_"), issued.token.substr(1),
        issued.token + "0", std::string("Bearer ") + issued.token}) {
    const auto caller = f.tokens.Authenticate(token);
    REQUIRE_FALSE(caller);
    CHECK(caller.error().code() == ErrorCode::kUnauthenticated);
  }
}

TEST_CASE("a revoked token is refused as permission denied") {
  Fixture f;
  const IssuedApiToken issued = f.Issue("municipality:131016");
  f.clock.Advance(5000);
  REQUIRE(f.tokens.Revoke(issued.record.id));
  const auto caller = f.tokens.Authenticate(issued.token);
  REQUIRE_FALSE(caller);
  CHECK(caller.error().code() == ErrorCode::kPermissionDenied);
  f.clock.Advance(5000);
  REQUIRE(f.tokens.Revoke(issued.record.id));
  auto list = f.tokens.List();
  REQUIRE(list);
  REQUIRE(list->size() == 1);
  CHECK((*list)[0].revoked_at_ms == auth_test::kStartMs + 5000);
}

TEST_CASE("revoking an unknown token is not found") {
  Fixture f;
  const Status revoked = f.tokens.Revoke("000000000000");
  REQUIRE_FALSE(revoked);
  CHECK(revoked.error().code() == ErrorCode::kNotFound);
}

TEST_CASE("tokens are listed oldest first without their secrets") {
  Fixture f;
  const IssuedApiToken first = f.Issue("admin", "root");
  f.clock.Advance(1);
  const IssuedApiToken second = f.Issue("partner:air-miles", "miles");
  auto list = f.tokens.List();
  REQUIRE(list);
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].id == first.record.id);
  CHECK((*list)[0].scope == TokenScope{OperatorScope::kAdmin, ""});
  CHECK((*list)[1].scope == TokenScope{OperatorScope::kPartner, "air-miles"});
  CHECK_FALSE((*list)[1].revoked_at_ms);
}

TEST_CASE("a token needs a name and a valid scope") {
  Fixture f;
  CHECK_FALSE(f.tokens.Issue({OperatorScope::kAdmin, ""}, ""));
  CHECK_FALSE(f.tokens.Issue({OperatorScope::kMunicipality, "999999"}, "x"));
  CHECK_FALSE(f.tokens.Issue({OperatorScope::kAdmin, "x"}, "x"));
  CHECK(f.db.Count("SELECT count(*) FROM auth_api_tokens") == 0);
}

}  // namespace
}  // namespace mykey::cloud
