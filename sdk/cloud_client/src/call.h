#pragma once

// CloudClient::Call, shared by the .cc files that implement CloudClient's
// calls (cloud_client.cc and the per-area files such as revocation_calls.cc).

#include <string>
#include <utility>
#include <vector>

#include "mykey/cloud_client/cloud_client.h"

namespace mykey::cloud_client {

struct CloudClient::Call {
  std::string method;
  std::string path;  // decoded path
  std::vector<std::pair<std::string, std::string>> query;
  std::string body;  // JSON text or empty
  Retry retry = Retry::kNever;
  std::string idempotency_key;
  bool sign = true;
};

namespace internal {

/// A kBadResponse CloudError for an answer that does not parse as expected,
/// with `what` as its message and the answer's status and request id,
/// recorded as the thread's LastCloudError().
Error MalformedAnswer(const http_client::HttpResponse& response, const char* what);

}  // namespace internal

}  // namespace mykey::cloud_client
