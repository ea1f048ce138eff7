// CloudClient's points calls over a scripted HttpTransport: what each sends,
// how answers and refusals come back, which calls are retried with their key.
#include <deque>

#include "mykey/cloud_client/cloud_client.h"
#include "mykey/json/json.h"
#include "mykey/testing/catch.h"

namespace mykey::cloud_client {
namespace {

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

struct Fixture {
  ScriptedTransport transport;
  std::unique_ptr<crypto::RandomSource> random;
  std::unique_ptr<CloudClient> client;

  Fixture() {
    auto created = crypto::DeterministicRandom::Create(ViewOf("points-test"), ViewOf("n"));
    REQUIRE(created);
    random = std::move(*created);
    auto key_random = crypto::DeterministicRandom::Create(ViewOf("points-test"), ViewOf("key"));
    REQUIRE(key_random);
    auto key = crypto::EcdsaPrivateKey::Generate(**key_random);
    REQUIRE(key);
    CloudClientOptions options;
    options.base_url = "https://cloud.example.jp";
    options.max_attempts = 3;
    options.retry_backoff = std::chrono::milliseconds(0);
    options.now_seconds = [] { return int64_t{1'775'005'200}; };
    options.random = random.get();
    auto made = CloudClient::Create(transport, std::move(options),
                                    TerminalIdentity{"0123456789abcdef01234567", std::move(*key)});
    REQUIRE(made);
    client = std::move(*made);
  }
};

constexpr const char* kConversion =
    R"({"operation":"conversion","conversion_id":7,"partner_id":"rail","mykey_id":"AB23CD45",)"
    R"("channel":"coupon","partner_points":300,"points":300,"programme_id":1,"state":"pending",)"
    R"("lands_at_ms":1776214800000,"premium":0,"created_at_ms":1775005200000})";

TEST_CASE("ConvertCoupon sends the session and code and retries a lost answer with its key") {
  Fixture f;
  f.transport.Break(ErrorCode::kUnavailable);
  f.transport.Answer(201, kConversion, {{"Idempotent-Replayed", "true"}});
  auto converted = f.client->ConvertCoupon("SESSION", "ABCD-EFGH", "key-1");
  REQUIRE(converted);
  CHECK(converted->conversion_id == 7);
  CHECK(converted->points == 300);
  CHECK(converted->state == "pending");
  CHECK(converted->lands_at_ms == 1776214800000);
  CHECK(converted->replayed);
  CHECK(converted->idempotency_key == "key-1");
  REQUIRE(f.transport.requests.size() == 2);
  for (const auto& request : f.transport.requests) {
    CHECK(request.method == "POST");
    CHECK(request.url == "https://cloud.example.jp/v1/coupon-conversions");
    CHECK(HeaderOf(request, "Idempotency-Key") == "key-1");
    auto body = json::ParseJson(request.body);
    REQUIRE(body);
    CHECK((*body)["session"] == "SESSION");
    CHECK((*body)["code"] == "ABCD-EFGH");
  }
}

TEST_CASE("ConvertCoupon reports the cloud's refusal reason and refuses bad input locally") {
  Fixture f;
  f.transport.Answer(409, R"({"error":{"code":"conflict","message":"used","request_id":"r1",)"
                          R"("reason":"coupon_used"}})");
  auto used = f.client->ConvertCoupon("SESSION", "ABCD");
  REQUIRE_FALSE(used);
  CHECK(LastCloudError().code == CloudErrorCode::kConflict);
  CHECK(LastCloudError().reason == "coupon_used");
  CHECK(f.transport.requests.size() == 1);
  CHECK_FALSE(f.client->ConvertCoupon("", "ABCD"));
  CHECK_FALSE(f.client->ConvertCoupon("SESSION", ""));
  CHECK(f.transport.requests.size() == 1);
  f.transport.Answer(201, R"({"conversion_id":7})");
  CHECK_FALSE(f.client->ConvertCoupon("SESSION", "ABCD"));
  CHECK(LastCloudError().code == CloudErrorCode::kBadResponse);
}

TEST_CASE("Donate sends the donation with an opt-in name and parses the answer") {
  Fixture f;
  f.transport.Answer(201,
                     R"({"operation":"donation","donation_id":3,"transfer_id":9,"project_id":4,)"
                     R"("programme_id":1,"mykey_id":"AB23CD45","amount":40,"balance":60,)"
                     R"("created_at_ms":1})");
  CloudClient::DonateRequest request;
  request.session = "SESSION";
  request.programme_id = 1;
  request.project_id = 4;
  request.amount = 40;
  request.display_name = "Hanako";
  auto donated = f.client->Donate(request);
  REQUIRE(donated);
  CHECK(donated->donation_id == 3);
  CHECK(donated->balance == 60);
  CHECK_FALSE(donated->idempotency_key.empty());
  REQUIRE(f.transport.requests.size() == 1);
  CHECK(f.transport.requests[0].url == "https://cloud.example.jp/v1/donations");
  auto body = json::ParseJson(f.transport.requests[0].body);
  REQUIRE(body);
  CHECK((*body)["display_name"] == "Hanako");
  CHECK((*body)["project_id"] == 4);
  request.display_name.clear();
  f.transport.Answer(409, R"({"error":{"code":"conflict","message":"low","request_id":"r",)"
                          R"("reason":"insufficient_balance"}})");
  CHECK_FALSE(f.client->Donate(request));
  CHECK(LastCloudError().reason == "insufficient_balance");
  auto second = json::ParseJson(f.transport.requests[1].body);
  REQUIRE(second);
  CHECK_FALSE(second->contains("display_name"));
}

TEST_CASE("SetDefaultMunicipality puts the choice for the session's holder") {
  Fixture f;
  f.transport.Answer(200, R"({"mykey_id":"AB23CD45","municipality_code":"131016"})");
  CHECK(f.client->SetDefaultMunicipality("SESSION", "AB23CD45", "131016"));
  REQUIRE(f.transport.requests.size() == 1);
  CHECK(f.transport.requests[0].method == "PUT");
  CHECK(f.transport.requests[0].url ==
        "https://cloud.example.jp/v1/holders/AB23CD45/default-municipality");
  CHECK_FALSE(f.client->SetDefaultMunicipality("SESSION", "AB/3CD45", "131016"));
  CHECK(f.transport.requests.size() == 1);
}

}  // namespace
}  // namespace mykey::cloud_client
