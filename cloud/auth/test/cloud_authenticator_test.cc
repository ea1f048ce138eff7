#include "mykey/auth/cloud_authenticator.h"

#include "auth_fixture.h"
#include "mykey/auth/request_transaction.h"
#include "mykey/protocol/request_signature.h"

namespace mykey::cloud {
namespace {

using auth_test::AuthStore;
using auth_test::ShopA1;
using auth_test::TerminalKey;
using auth_test::TestClock;
using auth_test::TestRandom;

struct Fixture {
  AuthStore db;
  TestClock clock;
  Metrics metrics;
  std::unique_ptr<CloudAuth> auth;
  crypto::EcdsaPrivateKey key = TerminalKey("till-1");
  std::string terminal_id;
  int nonce_counter = 0;

  Fixture() {
    auto created =
        CloudAuth::Create(*db.store, &metrics, TestRandom("authenticator"), clock.Function());
    REQUIRE(created);
    auth = std::move(*created);
    auto code = auth->enrollment().IssueCode(ShopA1(), std::chrono::hours(1));
    REQUIRE(code);
    auto enrolled = auth->enrollment().Enroll(code->code, key.PublicKey().ToDer(), "Till 1");
    REQUIRE(enrolled);
    terminal_id = enrolled->terminal_id;
  }

  std::string NextNonce() { return "nonce-" + std::to_string(1000000000 + ++nonce_counter); }

  /// A POST of `body` to /v1/test?x=1 signed by `signer` at `timestamp`.
  http::HttpRequest Signed(const crypto::EcdsaPrivateKey& signer, int64_t timestamp,
                           const std::string& nonce, const std::string& body = "{\"a\":1}") {
    http::HttpRequest request;
    request.method = "POST";
    request.path = "/v1/test";
    request.query = {{"x", "1"}};
    request.body = body;
    auto headers = protocol::SignRequest(
        signer, terminal_id, request.method,
        protocol::CanonicalRequestTarget(request.path, request.query), body, timestamp, nonce);
    REQUIRE(headers);
    request.headers.Add("X-Mykey-Terminal", headers->terminal);
    request.headers.Add("X-Mykey-Timestamp", headers->timestamp);
    request.headers.Add("X-Mykey-Nonce", headers->nonce);
    request.headers.Add("X-Mykey-Signature", headers->signature);
    return request;
  }
  http::HttpRequest Signed() { return Signed(key, clock.seconds(), NextNonce()); }

  Result<Caller> Authenticate(const http::HttpRequest& request) {
    return auth->authenticator().Authenticate(request);
  }

  bool Counted(std::string_view reason) {
    return metrics.Render().find("mykey_auth_failures_total{reason=\"" + std::string(reason) +
                                 "\"} 1") != std::string::npos;
  }
};

void CheckRefused(const Result<Caller>& caller, ErrorCode code) {
  REQUIRE_FALSE(caller);
  CHECK(caller.error().code() == code);
}

TEST_CASE("a signed request authenticates its terminal with the site it enrolled for") {
  Fixture f;
  auto caller = f.Authenticate(f.Signed());
  REQUIRE(caller);
  CHECK(caller->kind == CallerKind::kTerminal);
  CHECK(caller->terminal_id == f.terminal_id);
  CHECK(caller->site_kind == SiteKind::kMerchant);
  CHECK(caller->site_id == "A1");
  CHECK(caller->provider_id == "shopA");
  CHECK(caller->municipality_code == "131016");
  CHECK(f.metrics.Render().find("mykey_auth_requests_total{kind=\"terminal\"} 1") !=
        std::string::npos);
  CHECK(f.auth->terminals().Find(f.terminal_id)->last_seen_at_ms == auth_test::kStartMs);
}

TEST_CASE("a request from an unknown terminal is unauthenticated") {
  Fixture f;
  f.terminal_id = "0123456789abcdef01234567";
  CheckRefused(f.Authenticate(f.Signed()), ErrorCode::kUnauthenticated);
  CHECK(f.Counted("unknown_terminal"));
}

TEST_CASE("a request signed with another key is unauthenticated") {
  Fixture f;
  const auto other = TerminalKey("intruder");
  CheckRefused(f.Authenticate(f.Signed(other, f.clock.seconds(), f.NextNonce())),
               ErrorCode::kUnauthenticated);
  CHECK(f.Counted("bad_signature"));
}

TEST_CASE("a request whose body was changed after signing is unauthenticated") {
  Fixture f;
  http::HttpRequest request = f.Signed();
  request.body = "{\"a\":2}";
  CheckRefused(f.Authenticate(request), ErrorCode::kUnauthenticated);
  CHECK(f.Counted("bad_signature"));
}

TEST_CASE("a request whose path or query was changed after signing is unauthenticated") {
  Fixture f;
  http::HttpRequest path = f.Signed();
  path.path = "/v1/other";
  CheckRefused(f.Authenticate(path), ErrorCode::kUnauthenticated);
  http::HttpRequest query = f.Signed();
  query.query = {{"x", "2"}};
  CheckRefused(f.Authenticate(query), ErrorCode::kUnauthenticated);
}

TEST_CASE("a timestamp more than 300 s old is refused") {
  Fixture f;
  CHECK(f.Authenticate(f.Signed(f.key, f.clock.seconds() - 300, f.NextNonce())));
  CheckRefused(f.Authenticate(f.Signed(f.key, f.clock.seconds() - 301, f.NextNonce())),
               ErrorCode::kUnauthenticated);
  CHECK(f.Counted("timestamp_out_of_window"));
}

TEST_CASE("a timestamp more than 300 s ahead is refused") {
  Fixture f;
  CHECK(f.Authenticate(f.Signed(f.key, f.clock.seconds() + 300, f.NextNonce())));
  CheckRefused(f.Authenticate(f.Signed(f.key, f.clock.seconds() + 301, f.NextNonce())),
               ErrorCode::kUnauthenticated);
  CHECK(f.Counted("timestamp_out_of_window"));
}

TEST_CASE("a replayed request is refused") {
  Fixture f;
  const http::HttpRequest request = f.Signed();
  REQUIRE(f.Authenticate(request));
  f.clock.Advance(299'000);
  CheckRefused(f.Authenticate(request), ErrorCode::kUnauthenticated);
  CHECK(f.Counted("replayed_nonce"));
}

/// Runs `fn` as a value-moving route does: authenticated for the route's
/// transaction, the nonce recorded in it.
Status InRouteTransaction(Fixture& f, const http::HttpRequest& request,
                          const Store::TransactionFunction& fn) {
  auto caller = f.auth->authenticator().Authenticate(request, NonceRecording::kInRouteTransaction);
  if (!caller) return Fail(caller.error());
  return WithRequestTransaction(*f.db.store, *caller, fn);
}

/// A route's work: one row in a table of its own (made by WorkTable()).
Status Work(Transaction& tx) {
  MYKEY_TRY(tx.Execute("INSERT INTO route_work (n) VALUES (1)"));
  return Ok();
}

void WorkTable(Fixture& f) {
  REQUIRE(f.db.store->WithTransaction(TransactionMode::kReadWrite, [](Transaction& tx) -> Status {
    MYKEY_TRY(tx.Execute("CREATE TABLE route_work (n INTEGER)"));
    return Ok();
  }));
}

TEST_CASE(
    "a request authenticated for its route's transaction leaves its nonce to that transaction") {
  Fixture f;
  WorkTable(f);
  const http::HttpRequest request = f.Signed();
  auto caller = f.auth->authenticator().Authenticate(request, NonceRecording::kInRouteTransaction);
  REQUIRE(caller);
  REQUIRE(caller->pending_nonce);
  CHECK(caller->pending_nonce->terminal_id == f.terminal_id);
  CHECK(f.db.Count("SELECT count(*) FROM auth_request_nonces") == 0);
  const uint64_t commits = f.db.store->stats().commits;
  REQUIRE(WithRequestTransaction(*f.db.store, *caller, Work));
  // The nonce and the route's work in one commit.
  CHECK(f.db.store->stats().commits == commits + 1);
  CHECK(f.db.Count("SELECT count(*) FROM auth_request_nonces") == 1);
  CHECK(f.db.Count("SELECT count(*) FROM route_work") == 1);
}

TEST_CASE("a request replayed into its route's transaction is refused and does no work") {
  Fixture f;
  WorkTable(f);
  const http::HttpRequest request = f.Signed();
  REQUIRE(InRouteTransaction(f, request, Work));
  f.clock.Advance(10'000);
  CHECK_FALSE(f.Counted("replayed_nonce"));
  const Status replay = InRouteTransaction(f, request, Work);
  REQUIRE_FALSE(replay);
  CHECK(replay.error().code() == ErrorCode::kUnauthenticated);
  CHECK(f.Counted("replayed_nonce"));
  // Nor is it accepted on a route that records nonces itself.
  CheckRefused(f.Authenticate(request), ErrorCode::kUnauthenticated);
  CHECK(f.db.Count("SELECT count(*) FROM route_work") == 1);
}

TEST_CASE("a replay racing its original into the route's transaction does its work once") {
  Fixture f;
  WorkTable(f);
  const http::HttpRequest request = f.Signed();
  auto first = f.auth->authenticator().Authenticate(request, NonceRecording::kInRouteTransaction);
  auto second = f.auth->authenticator().Authenticate(request, NonceRecording::kInRouteTransaction);
  REQUIRE(first);
  REQUIRE(second);  // neither is recorded yet
  REQUIRE(WithRequestTransaction(*f.db.store, *first, Work));
  const Status late = WithRequestTransaction(*f.db.store, *second, Work);
  REQUIRE_FALSE(late);
  CHECK(late.error().code() == ErrorCode::kUnauthenticated);
  CHECK(f.db.Count("SELECT count(*) FROM route_work") == 1);
}

TEST_CASE("a refused route transaction undoes its work but keeps the nonce") {
  Fixture f;
  WorkTable(f);
  const http::HttpRequest request = f.Signed();
  const Status refused = InRouteTransaction(f, request, [](Transaction& tx) -> Status {
    MYKEY_TRY(Work(tx));
    return Fail(ErrorCode::kFailedPrecondition, "the balance is too low");
  });
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == ErrorCode::kFailedPrecondition);
  CHECK(f.db.Count("SELECT count(*) FROM route_work") == 0);
  CHECK(f.db.Count("SELECT count(*) FROM auth_request_nonces") == 1);
  // The same request later, when it would succeed, stays refused as a replay...
  const Status replay = InRouteTransaction(f, request, Work);
  REQUIRE_FALSE(replay);
  CHECK(replay.error().code() == ErrorCode::kUnauthenticated);
  CHECK(f.db.Count("SELECT count(*) FROM route_work") == 0);
  // ...while the terminal's retry with a new nonce goes through.
  REQUIRE(InRouteTransaction(f, f.Signed(), Work));
  CHECK(f.db.Count("SELECT count(*) FROM route_work") == 1);
}

TEST_CASE("a nonce is per terminal") {
  Fixture f;
  const std::string nonce = f.NextNonce();
  REQUIRE(f.Authenticate(f.Signed(f.key, f.clock.seconds(), nonce)));
  const crypto::EcdsaPrivateKey second_key = TerminalKey("till-2");
  auto code = f.auth->enrollment().IssueCode(ShopA1(), std::chrono::hours(1));
  REQUIRE(code);
  auto second = f.auth->enrollment().Enroll(code->code, second_key.PublicKey().ToDer(), "Till 2");
  REQUIRE(second);
  f.terminal_id = second->terminal_id;
  auto caller = f.Authenticate(f.Signed(second_key, f.clock.seconds(), nonce));
  REQUIRE(caller);
  CHECK(caller->terminal_id == second->terminal_id);
}

TEST_CASE("used nonces are purged once their timestamps have left the window") {
  Fixture f;
  REQUIRE(f.Authenticate(f.Signed()));
  REQUIRE(f.Authenticate(f.Signed()));
  CHECK(f.db.Count("SELECT count(*) FROM auth_request_nonces") == 2);
  f.clock.Advance(301'000);
  REQUIRE(f.Authenticate(f.Signed()));
  CHECK(f.db.Count("SELECT count(*) FROM auth_request_nonces") == 1);
}

TEST_CASE("a suspended terminal is refused as permission denied and can be resumed") {
  Fixture f;
  REQUIRE(f.auth->terminals().SetStatus(f.terminal_id, TerminalStatus::kSuspended));
  CheckRefused(f.Authenticate(f.Signed()), ErrorCode::kPermissionDenied);
  CHECK(f.Counted("suspended_terminal"));
  REQUIRE(f.auth->terminals().SetStatus(f.terminal_id, TerminalStatus::kActive));
  CHECK(f.Authenticate(f.Signed()));
}

TEST_CASE("a suspended terminal's bad signature is unauthenticated, not denied") {
  Fixture f;
  REQUIRE(f.auth->terminals().SetStatus(f.terminal_id, TerminalStatus::kSuspended));
  CheckRefused(f.Authenticate(f.Signed(TerminalKey("intruder"), f.clock.seconds(), f.NextNonce())),
               ErrorCode::kUnauthenticated);
}

TEST_CASE("signed requests with missing or malformed headers are unauthenticated") {
  Fixture f;
  for (const char* header :
       {"X-Mykey-Timestamp", "X-Mykey-Nonce", "X-Mykey-Signature", "X-Mykey-Terminal"}) {
    http::HttpRequest request = f.Signed();
    request.headers.Remove(header);
    CheckRefused(f.Authenticate(request), ErrorCode::kUnauthenticated);
  }
  http::HttpRequest short_nonce = f.Signed();
  short_nonce.headers.Set("X-Mykey-Nonce", "short");
  CheckRefused(f.Authenticate(short_nonce), ErrorCode::kUnauthenticated);
  http::HttpRequest padded_time = f.Signed();
  padded_time.headers.Set("X-Mykey-Timestamp", "0" + std::to_string(f.clock.seconds()));
  CheckRefused(f.Authenticate(padded_time), ErrorCode::kUnauthenticated);
  http::HttpRequest bad_id = f.Signed();
  bad_id.headers.Set("X-Mykey-Terminal", "a'b");
  CheckRefused(f.Authenticate(bad_id), ErrorCode::kUnauthenticated);
  CHECK(f.metrics.Render().find("mykey_auth_failures_total{reason=\"malformed\"} 7") !=
        std::string::npos);
}

TEST_CASE("a request without credentials is unauthenticated") {
  Fixture f;
  http::HttpRequest request;
  request.method = "GET";
  request.path = "/v1/x";
  CheckRefused(f.Authenticate(request), ErrorCode::kUnauthenticated);
  CHECK(f.Counted("no_credentials"));
}

TEST_CASE("an operator token authenticates as its scope") {
  Fixture f;
  auto issued = f.auth->tokens().Issue({OperatorScope::kMunicipality, "131016"}, "desk");
  REQUIRE(issued);
  http::HttpRequest request;
  request.method = "GET";
  request.path = "/v1/x";
  request.headers.Add("Authorization", "Bearer " + issued->token);
  auto caller = f.Authenticate(request);
  REQUIRE(caller);
  CHECK(caller->kind == CallerKind::kOperator);
  CHECK(caller->scope == OperatorScope::kMunicipality);
  CHECK(caller->scope_id == "131016");
  CHECK(caller->token_id == issued->record.id);

  request.headers.Set("Authorization", "bearer " + issued->token);
  CHECK(f.Authenticate(request));
  request.headers.Set("Authorization", "Basic " + issued->token);
  CheckRefused(f.Authenticate(request), ErrorCode::kUnauthenticated);
  CHECK(f.Counted("malformed"));
  request.headers.Set("Authorization", "Bearer mk_000000000000_" + std::string(64, '0'));
  CheckRefused(f.Authenticate(request), ErrorCode::kUnauthenticated);
  CHECK(f.Counted("bad_token"));
  REQUIRE(f.auth->tokens().Revoke(issued->record.id));
  request.headers.Set("Authorization", "Bearer " + issued->token);
  CheckRefused(f.Authenticate(request), ErrorCode::kPermissionDenied);
  CHECK(f.Counted("revoked_token"));
}

TEST_CASE("a request with both a signature and a token is unauthenticated") {
  Fixture f;
  auto issued = f.auth->tokens().Issue({OperatorScope::kAdmin, ""}, "root");
  REQUIRE(issued);
  http::HttpRequest request = f.Signed();
  request.headers.Add("Authorization", "Bearer " + issued->token);
  CheckRefused(f.Authenticate(request), ErrorCode::kUnauthenticated);
  CHECK(f.Counted("ambiguous_credentials"));
}

}  // namespace
}  // namespace mykey::cloud
