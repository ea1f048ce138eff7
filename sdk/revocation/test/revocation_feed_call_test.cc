// CloudClient::Revocations() over a scripted transport: the query it sends
// and how it reads (and refuses) the feed's pages.
#include <deque>

#include "mykey/cloud_client/cloud_client.h"
#include "mykey/testing/catch.h"

namespace mykey::cloud_client {
namespace {

class OneAnswer final : public http_client::HttpTransport {
 public:
  explicit OneAnswer(std::string body) : body_(std::move(body)) {}
  std::vector<std::string> urls;

 private:
  Result<http_client::HttpResponse> DoRoundTrip(const http_client::HttpRequest& request) override {
    urls.push_back(request.url);
    http_client::HttpResponse response;
    response.status = 200;
    response.body = body_;
    return response;
  }
  std::string body_;
};

Result<RevocationFeedPage> Ask(const std::string& body, int64_t since,
                               std::vector<std::string>* urls = nullptr) {
  OneAnswer transport(body);
  auto key = crypto::SystemRandom::Create();
  REQUIRE(key);
  auto ecdsa = crypto::EcdsaPrivateKey::Generate(**key);
  REQUIRE(ecdsa);
  CloudClientOptions options;
  options.base_url = "http://127.0.0.1:1";
  auto client =
      CloudClient::Create(transport, options, TerminalIdentity{"term-1", std::move(*ecdsa)});
  REQUIRE(client);
  auto page = (*client)->Revocations(since, 500);
  if (urls != nullptr) *urls = transport.urls;
  return page;
}

TEST_CASE("Revocations reads serials and suspensions and asks from the cursor") {
  const std::string hash(64, 'a');
  std::vector<std::string> urls;
  auto page = Ask(R"({"entries":[{"seq":8,"kind":"revocation","action":"added","serial":"0A1B"},)"
                  R"({"seq":9,"kind":"suspension","action":"removed","mykey_id_hash":")" +
                      hash + R"("}],"next":9,"more":true})",
                  7, &urls);
  REQUIRE(page);
  REQUIRE(page->entries.size() == 2);
  CHECK(page->entries[0].kind == RevocationFeedEntry::Kind::kRevocation);
  CHECK(page->entries[0].serial == Bytes{0x0A, 0x1B});
  CHECK(page->entries[1].kind == RevocationFeedEntry::Kind::kSuspension);
  CHECK_FALSE(page->entries[1].added);
  CHECK(page->entries[1].mykey_id_hash.size() == 32);
  CHECK(page->next == 9);
  CHECK(page->more);
  REQUIRE(urls.size() == 1);
  CHECK(urls[0] == "http://127.0.0.1:1/v1/revocations?since=7&limit=500");
}

TEST_CASE("Revocations refuses a page that is out of order, unknown or malformed") {
  const char* bad[] = {
      R"({"entries":[{"seq":3,"kind":"revocation","action":"added","serial":"01"}],"next":3,"more":false})",
      R"({"entries":[{"seq":8,"kind":"other","action":"added","serial":"01"}],"next":8,"more":false})",
      R"({"entries":[{"seq":8,"kind":"revocation","action":"removed","serial":"01"}],"next":8,"more":false})",
      R"({"entries":[{"seq":8,"kind":"revocation","action":"added","serial":"zz"}],"next":8,"more":false})",
      R"({"entries":[{"seq":8,"kind":"suspension","action":"added","mykey_id_hash":"00"}],"next":8,"more":false})",
      R"({"entries":[],"more":false})",
  };
  for (const char* body : bad) {
    INFO(body);
    auto page = Ask(body, 7);
    REQUIRE_FALSE(page);
    CHECK(CloudErrorCodeOf(page.error()) == CloudErrorCode::kBadResponse);
  }
}

}  // namespace
}  // namespace mykey::cloud_client
