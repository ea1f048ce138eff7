// CloudClient over a scripted HttpTransport: signed headers, error mapping,
// and exactly which calls are retried with which idempotency key.
#include "mykey/cloud_client/cloud_client.h"

#include <deque>

#include "mykey/base/base64.h"
#include "mykey/json/json.h"
#include "mykey/protocol/request_signature.h"
#include "mykey/testing/catch.h"

namespace mykey::cloud_client {
namespace {

constexpr int64_t kNow = 1'775'005'200;  // 2026-04-01T01:00:00Z

/// Answers from a script, in order, and keeps every request.
class ScriptedTransport final : public http_client::HttpTransport {
 public:
  void Answer(int status, std::string body, http_client::HttpHeaders headers = {}) {
    http_client::HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    response.headers = std::move(headers);
    script_.emplace_back(std::move(response));
  }
  void Break(ErrorCode code) { script_.emplace_back(Fail(code, "scripted failure")); }

  std::vector<http_client::HttpRequest> requests;

 private:
  Result<http_client::HttpResponse> DoRoundTrip(const http_client::HttpRequest& request) override {
    requests.push_back(request);
    if (script_.empty()) return Fail(ErrorCode::kInternal, "script exhausted");
    Result<http_client::HttpResponse> next = std::move(script_.front());
    script_.pop_front();
    return next;
  }
  std::deque<Result<http_client::HttpResponse>> script_;
};

std::string HeaderOf(const http_client::HttpRequest& request, std::string_view name) {
  for (const auto& [key, value] : request.headers) {
    if (http_client::EqualsIgnoringCase(key, name)) return value;
  }
  return {};
}

crypto::EcdsaPrivateKey FixedKey() {
  auto random = crypto::DeterministicRandom::Create(ViewOf("cloud-client-test"), ViewOf("key"));
  REQUIRE(random);
  auto key = crypto::EcdsaPrivateKey::Generate(**random);
  REQUIRE(key);
  return std::move(*key);
}

struct Fixture {
  ScriptedTransport transport;
  std::unique_ptr<crypto::RandomSource> random;
  std::unique_ptr<CloudClient> client;
  crypto::EcdsaPublicKey public_key = FixedKey().PublicKey();

  explicit Fixture(bool enrolled = true) {
    auto created = crypto::DeterministicRandom::Create(ViewOf("cloud-client-test"), ViewOf("n"));
    REQUIRE(created);
    random = std::move(*created);
    CloudClientOptions options;
    options.base_url = "https://cloud.example.jp";
    options.max_attempts = 3;
    options.retry_backoff = std::chrono::milliseconds(0);
    options.now_seconds = [] { return kNow; };
    options.random = random.get();
    std::optional<TerminalIdentity> identity;
    if (enrolled) identity = TerminalIdentity{"0123456789abcdef01234567", FixedKey()};
    auto made = CloudClient::Create(transport, std::move(options), std::move(identity));
    REQUIRE(made);
    client = std::move(*made);
  }

  void CheckSigned(const http_client::HttpRequest& request, std::string_view target) {
    CHECK(request.url == "https://cloud.example.jp" + std::string(target));
    CHECK(HeaderOf(request, "X-Mykey-Terminal") == "0123456789abcdef01234567");
    CHECK(HeaderOf(request, "X-Mykey-Timestamp") == std::to_string(kNow));
    CHECK(protocol::VerifyRequestSignature(public_key, request.method, target, kNow,
                                           HeaderOf(request, "X-Mykey-Nonce"), request.body,
                                           HeaderOf(request, "X-Mykey-Signature")));
  }
};

const char* kSelf =
    R"({"terminal_id":"0123456789abcdef01234567","site":{"kind":"merchant","id":"1",)"
    R"("provider_id":"shopA","municipality_code":"131016"},"config":{"signature_scheme":)"
    R"("MYKEY-REQ-1","timestamp_window_s":300,"server_time":1775005207}})";

const char* kHeld =
    R"({"operation":"hold","redemption_id":7,"merchant_id":1,"programme_id":1,)"
    R"("mykey_id":"AB12CD34","amount":300,"refunded":0,"state":"held",)"
    R"("hold_expires_at_ms":1775005800000,"balance":700,"created_at_ms":1775005200000})";

TEST_CASE("Signed requests carry the golden MYKEY-REQ-1 headers for a fixed key, time and nonce") {
  Fixture f;
  f.transport.Answer(200, kSelf);
  auto result = f.client->ConnectionTest();
  REQUIRE(result);
  CHECK(result->terminal.site.id == "1");
  CHECK(result->clock_skew_s == 7);
  REQUIRE(f.transport.requests.size() == 1);
  const http_client::HttpRequest& request = f.transport.requests[0];
  CHECK(request.method == "GET");
  f.CheckSigned(request, "/v1/terminals/self");
  // Golden values: the first 16 bytes of the deterministic stream as hex, and
  // the RFC 6979 signature over the canonical string.
  CHECK(HeaderOf(request, "X-Mykey-Nonce") == "c6a2b5c7f13485171cfb0b53aaa01a94");
  CHECK(HeaderOf(request, "X-Mykey-Signature") ==
        "8mc5IjJakC1bkPg+0dH/LpMi5VDiMGsjUlBxc7I7+I9tVn0E6Dct2h2mofCLLMvCYxt9EZNFecMLI3mR8Zu6+A==");
  CHECK(HeaderOf(request, "Idempotency-Key").empty());
}

TEST_CASE("A query argument is percent-encoded into the signed target") {
  Fixture f;
  f.transport.Answer(200, R"({"provider_id":"shopA","service_id":"S-1"})");
  auto link = f.client->GetServiceLink("tok en/+");
  REQUIRE(link);
  CHECK(link->service_id == "S-1");
  f.CheckSigned(f.transport.requests[0], "/v1/service-links/self?session=tok%20en%2F%2B");
}

TEST_CASE("A redemption whose answer was lost is retried with the same key and body") {
  Fixture f;
  f.transport.Break(ErrorCode::kAborted);
  f.transport.Break(ErrorCode::kDeadlineExceeded);
  f.transport.Answer(201, kHeld, {{"Idempotent-Replayed", "true"}});
  RedeemRequest request{"AB12CD34", 1, 300, true, "till-1-sale-42"};
  auto held = f.client->Redeem(request);
  REQUIRE(held);
  CHECK(held->state == "held");
  CHECK(held->redemption_id == 7);
  CHECK(held->hold_expires_at_ms == 1775005800000);
  CHECK(held->replayed);
  CHECK(held->idempotency_key == "till-1-sale-42");
  REQUIRE(f.transport.requests.size() == 3);
  for (const http_client::HttpRequest& r : f.transport.requests) {
    CHECK(HeaderOf(r, "Idempotency-Key") == "till-1-sale-42");
    CHECK(r.body == f.transport.requests[0].body);
    f.CheckSigned(r, "/v1/redemptions");
  }
  // A fresh nonce per attempt: the cloud refuses a nonce twice.
  CHECK(HeaderOf(f.transport.requests[0], "X-Mykey-Nonce") !=
        HeaderOf(f.transport.requests[1], "X-Mykey-Nonce"));
  auto body = json::ParseJson(f.transport.requests[0].body);
  REQUIRE(body);
  CHECK((*body)["hold"] == true);
  CHECK((*body)["amount"] == 300);
}

TEST_CASE("A value-moving call generates one key and keeps it across retries") {
  Fixture f;
  f.transport.Break(ErrorCode::kAborted);
  f.transport.Answer(200, kHeld);
  auto captured = f.client->Capture(7);
  REQUIRE(captured);
  REQUIRE(f.transport.requests.size() == 2);
  const std::string key = HeaderOf(f.transport.requests[0], "Idempotency-Key");
  CHECK(key.size() == 35);
  CHECK(key.starts_with("mk-"));
  CHECK(HeaderOf(f.transport.requests[1], "Idempotency-Key") == key);
  CHECK(captured->idempotency_key == key);
  CHECK(f.transport.requests[0].url == "https://cloud.example.jp/v1/redemptions/7/capture");
}

TEST_CASE("Capture and void send a JSON body, which libcurl never re-sends by itself") {
  Fixture f;
  f.transport.Answer(200, kHeld);
  f.transport.Answer(200, kHeld);
  REQUIRE(f.client->Capture(7));
  REQUIRE(f.client->Void(7));
  REQUIRE(f.transport.requests.size() == 2);
  CHECK(f.transport.requests[0].body == "{}");
  CHECK(f.transport.requests[1].body == "{}");
  CHECK(HeaderOf(f.transport.requests[0], "Content-Type") == "application/json");
}

TEST_CASE("All answers lost ends in outcome unknown with the key, after max_attempts") {
  Fixture f;
  f.transport.Break(ErrorCode::kAborted);
  f.transport.Break(ErrorCode::kUnavailable);
  f.transport.Break(ErrorCode::kDeadlineExceeded);
  auto refund = f.client->MakeRefund(7, 50, "refund-key-1");
  REQUIRE_FALSE(refund);
  CHECK(CloudErrorCodeOf(refund.error()) == CloudErrorCode::kOutcomeUnknown);
  CHECK(refund.error().code() == ErrorCode::kAborted);
  CHECK(LastCloudError().idempotency_key == "refund-key-1");
  CHECK(f.transport.requests.size() == 3);
}

TEST_CASE("Nothing sent on any attempt is unreachable, not unknown") {
  Fixture f;
  for (int i = 0; i < 3; ++i) f.transport.Break(ErrorCode::kUnavailable);
  auto redeemed = f.client->Redeem({"AB12CD34", 1, 5, false, "k"});
  REQUIRE_FALSE(redeemed);
  CHECK(CloudErrorCodeOf(redeemed.error()) == CloudErrorCode::kUnreachable);
  CHECK(redeemed.error().code() == ErrorCode::kUnavailable);
  CHECK(f.transport.requests.size() == 3);
}

TEST_CASE("A 4xx is never retried and becomes a typed error with reason and request id") {
  Fixture f;
  f.transport.Answer(
      409,
      R"({"error":{"code":"conflict","message":"not enough points","request_id":"abc123",)"
      R"("reason":"insufficient_balance"}})",
      {{"X-Request-Id", "abc123"}});
  auto redeemed = f.client->Redeem({"AB12CD34", 1, 5000, false, "k"});
  REQUIRE_FALSE(redeemed);
  CHECK(f.transport.requests.size() == 1);
  CHECK(CloudErrorCodeOf(redeemed.error()) == CloudErrorCode::kConflict);
  CHECK(HttpStatusOf(redeemed.error()) == 409);
  CHECK(redeemed.error().code() == ErrorCode::kFailedPrecondition);
  const CloudError& error = LastCloudError();
  CHECK(error.reason == "insufficient_balance");
  CHECK(error.request_id == "abc123");
  CHECK(error.message == "not enough points");
  CHECK(error.idempotency_key == "k");
}

TEST_CASE("GETs are retried on 503 but a 500 is answered at once") {
  Fixture f;
  f.transport.Answer(503, R"({"error":{"code":"unavailable","message":"busy","request_id":"r"}})");
  f.transport.Answer(200, R"({"mykey_id":"AB12CD34","programmes":[{"programme_id":1,)"
                          R"("programme_code":"health","municipality_code":"131016",)"
                          R"("balance":700,"held":300,"lots":[]}]})");
  auto balances = f.client->Balance("AB12CD34");
  REQUIRE(balances);
  REQUIRE(balances->programmes.size() == 1);
  CHECK(balances->programmes[0].balance == 700);
  CHECK(balances->programmes[0].held == 300);
  CHECK(f.transport.requests.size() == 2);

  Fixture g;
  g.transport.Answer(500, R"({"error":{"code":"internal","message":"bug","request_id":"r9"}})");
  auto failed = g.client->Balance("AB12CD34");
  REQUIRE_FALSE(failed);
  CHECK(CloudErrorCodeOf(failed.error()) == CloudErrorCode::kCloudInternal);
  CHECK(g.transport.requests.size() == 1);
}

TEST_CASE("Calls that are not value-moving are sent once, even when the answer is lost") {
  Fixture f;
  f.transport.Break(ErrorCode::kAborted);
  auto challenge = f.client->CreateChallenge();
  REQUIRE_FALSE(challenge);
  CHECK(f.transport.requests.size() == 1);

  Fixture g;
  g.transport.Break(ErrorCode::kUnavailable);
  auto session = g.client->CreateCardSession("c", ViewOf("cert"), ViewOf("sig"),
                                             protocol::CardAuthPurpose::kLogin);
  REQUIRE_FALSE(session);
  CHECK(CloudErrorCodeOf(session.error()) == CloudErrorCode::kUnreachable);
  CHECK(g.transport.requests.size() == 1);
}

TEST_CASE("A TLS failure is reported as kTls and not retried") {
  Fixture f;
  f.transport.Break(ErrorCode::kUnauthenticated);
  auto result = f.client->ConnectionTest();
  REQUIRE_FALSE(result);
  CHECK(CloudErrorCodeOf(result.error()) == CloudErrorCode::kTls);
  CHECK(f.transport.requests.size() == 1);
}

TEST_CASE("A client without identity refuses signed calls before sending") {
  Fixture f(/*enrolled=*/false);
  auto result = f.client->ConnectionTest();
  REQUIRE_FALSE(result);
  CHECK(result.error().code() == ErrorCode::kFailedPrecondition);
  CHECK(f.transport.requests.empty());
}

TEST_CASE("An answer that is not the expected JSON is kBadResponse") {
  Fixture f;
  f.transport.Answer(200, "<html>proxy</html>");
  auto result = f.client->ConnectionTest();
  REQUIRE_FALSE(result);
  CHECK(CloudErrorCodeOf(result.error()) == CloudErrorCode::kBadResponse);
}

TEST_CASE("RecoverRedemption reads the stored answer of GET /v1/operations/{key}") {
  Fixture f;
  f.transport.Answer(200, std::string(R"({"idempotency_key":"k1","state":"completed",)"
                                      R"("status":201,"created_at_ms":1,"expires_at_ms":2,)"
                                      R"("result":)") +
                              kHeld + "}");
  auto recovered = f.client->RecoverRedemption("k1");
  REQUIRE(recovered);
  CHECK(recovered->redemption_id == 7);
  CHECK(recovered->replayed);
  CHECK(f.transport.requests[0].url == "https://cloud.example.jp/v1/operations/k1");

  f.transport.Answer(404, R"({"error":{"code":"not_found","message":"no","request_id":"x"}})");
  auto missing = f.client->RecoverRedemption("k2");
  REQUIRE_FALSE(missing);
  CHECK(CloudErrorCodeOf(missing.error()) == CloudErrorCode::kNotFound);
}

TEST_CASE("IDs and keys that would change the path are refused before sending") {
  Fixture f;
  CHECK(f.client->Balance("../admin").error().code() == ErrorCode::kInvalidArgument);
  CHECK(f.client->GetOperation("").error().code() == ErrorCode::kInvalidArgument);
  CHECK(f.client->Capture(7, "a b").error().code() == ErrorCode::kInvalidArgument);
  CHECK(f.client->Redeem({"AB23CD45", 1, 5, false, "k/1"}).error().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(f.transport.requests.empty());
}

TEST_CASE("Cloud error codes round-trip through mykey::Error") {
  for (int i = 1; i <= static_cast<int>(CloudErrorCode::kTls); ++i) {
    CloudError error;
    error.code = static_cast<CloudErrorCode>(i);
    error.http_status = 418;
    const Error made = MakeCloudError(error);
    CHECK(CloudErrorCodeOf(made) == error.code);
    CHECK(HttpStatusOf(made) == 418);
    CHECK(CloudErrorCodeName(error.code) != "none");
  }
  CHECK(CloudErrorCodeOf(Error(ErrorCode::kInternal, "x")) == CloudErrorCode::kNone);
  CHECK(CloudErrorCodeFromApi("idempotency_key_reuse") == CloudErrorCode::kIdempotencyKeyReuse);
  CHECK(CloudErrorCodeFromApi("teapot") == CloudErrorCode::kUnknownCloudError);
}

}  // namespace
}  // namespace mykey::cloud_client
