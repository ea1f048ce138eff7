// CloudClient::Revocations() and JpkiAuthCas(): the trust material offline
// authentication relies on, the numbered revocation feed and the JPKI auth CAs
// (cloud/registry README, "GET /v1/revocations", "GET /v1/jpki/auth-cas").

#include <string>
#include <utility>

#include "call.h"
#include "mykey/base/base64.h"
#include "mykey/base/bytes.h"
#include "mykey/cloud_client/cloud_client.h"
#include "mykey/crypto/sha256.h"
#include "mykey/json/json.h"

namespace mykey::cloud_client {
namespace {

using json::Json;

Error MalformedFeed(const http_client::HttpResponse& response) {
  return internal::MalformedAnswer(response, "malformed revocation feed");
}

// One entry; nullopt if any field is missing or malformed.
std::optional<RevocationFeedEntry> ParseEntry(const Json& item) {
  if (!item.is_object()) return std::nullopt;
  auto seq = item.find("seq");
  auto kind = item.find("kind");
  auto action = item.find("action");
  if (seq == item.end() || !seq->is_number_integer() || kind == item.end() || !kind->is_string() ||
      action == item.end() || !action->is_string()) {
    return std::nullopt;
  }
  RevocationFeedEntry entry;
  entry.sequence = seq->get<int64_t>();
  const std::string kind_name = kind->get<std::string>();
  const std::string action_name = action->get<std::string>();
  if (action_name != "added" && action_name != "removed") return std::nullopt;
  entry.added = action_name == "added";
  const char* value_name = nullptr;
  if (kind_name == "revocation") {
    entry.kind = RevocationFeedEntry::Kind::kRevocation;
    if (!entry.added) return std::nullopt;
    value_name = "serial";
  } else if (kind_name == "suspension") {
    entry.kind = RevocationFeedEntry::Kind::kSuspension;
    value_name = "mykey_id_hash";
  } else {
    return std::nullopt;
  }
  auto value = item.find(value_name);
  if (value == item.end() || !value->is_string()) return std::nullopt;
  auto bytes = FromHex(value->get<std::string>());
  if (!bytes || bytes->empty()) return std::nullopt;
  if (entry.kind == RevocationFeedEntry::Kind::kRevocation) {
    if (bytes->size() > 20) return std::nullopt;
    entry.serial = std::move(*bytes);
  } else {
    if (bytes->size() != 32) return std::nullopt;
    entry.mykey_id_hash = std::move(*bytes);
  }
  return entry;
}

}  // namespace

Result<RevocationFeedPage> CloudClient::Revocations(int64_t since, int limit) {
  internal::ClearCloudError();
  if (since < 0 || limit < 1 || limit > 10000) {
    return Fail(ErrorCode::kInvalidArgument, "feed cursor negative or page size not 1..10000");
  }
  Call call{"GET",
            "/v1/revocations",
            {{"since", std::to_string(since)}, {"limit", std::to_string(limit)}},
            {},
            Retry::kSafe,
            {},
            true};
  MYKEY_ASSIGN_OR_RETURN(const http_client::HttpResponse response, Send(call));
  auto body = json::ParseJson(response.body);
  if (!body || !body->is_object()) return Fail(MalformedFeed(response));
  auto entries = body->find("entries");
  auto next = body->find("next");
  auto more = body->find("more");
  if (entries == body->end() || !entries->is_array() || next == body->end() ||
      !next->is_number_integer() || more == body->end() || !more->is_boolean()) {
    return Fail(MalformedFeed(response));
  }
  RevocationFeedPage page;
  page.next = next->get<int64_t>();
  page.more = more->get<bool>();
  int64_t last = since;
  for (const Json& item : *entries) {
    auto entry = ParseEntry(item);
    // The feed is numbered: every entry comes after the cursor and the one before it.
    if (!entry || entry->sequence <= last) return Fail(MalformedFeed(response));
    last = entry->sequence;
    page.entries.push_back(std::move(*entry));
  }
  if (page.next < last || page.entries.size() > static_cast<size_t>(limit)) {
    return Fail(MalformedFeed(response));
  }
  return page;
}

Result<std::vector<crypto::Certificate>> CloudClient::JpkiAuthCas() {
  internal::ClearCloudError();
  Call call{"GET", "/v1/jpki/auth-cas", {}, {}, Retry::kSafe, {}, true};
  MYKEY_ASSIGN_OR_RETURN(const http_client::HttpResponse response, Send(call));
  const auto malformed = [&response](const char* what) {
    return internal::MalformedAnswer(response, what);
  };
  auto body = json::ParseJson(response.body);
  if (!body || !body->is_object()) return Fail(malformed("malformed JPKI CA list"));
  auto listed = body->find("certificates");
  if (listed == body->end() || !listed->is_array() || listed->empty()) {
    return Fail(malformed("the cloud lists no JPKI auth CA"));
  }
  std::vector<crypto::Certificate> out;
  for (const Json& item : *listed) {
    if (!item.is_object()) return Fail(malformed("malformed JPKI CA list"));
    auto der_text = item.find("der");
    auto digest_text = item.find("sha256");
    if (der_text == item.end() || !der_text->is_string() || digest_text == item.end() ||
        !digest_text->is_string()) {
      return Fail(malformed("malformed JPKI CA list"));
    }
    auto der = Base64Decode(der_text->get<std::string>());
    if (!der) return Fail(malformed("a JPKI CA is not Base64"));
    if (ToHex(crypto::Sha256(*der)) != digest_text->get<std::string>()) {
      return Fail(malformed("a JPKI CA does not match its digest"));
    }
    auto certificate = crypto::Certificate::FromDer(*der);
    if (!certificate || !certificate->is_ca()) {
      return Fail(malformed("a JPKI CA is not a CA certificate"));
    }
    out.push_back(std::move(*certificate));
  }
  return out;
}

}  // namespace mykey::cloud_client
