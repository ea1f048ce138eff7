#pragma once

#include <string>
#include <string_view>

#include "mykey/auth/caller.h"
#include "mykey/base/result.h"
#include "mykey/http_server/http_message.h"

namespace mykey::cloud::auth_testing {

/// The header FakeAuthenticator reads.
inline constexpr std::string_view kTestCallerHeader = "X-Test-Caller";

/// A RequestAuthenticator for the domain modules' tests: the caller is
/// written in plain text in one header, no keys or store needed.
///
///     X-Test-Caller: terminal:T1:merchant:A1:shopA:131016
///                    (terminal id, site kind, site id, provider id, municipality)
///     X-Test-Caller: operator:municipality:131016
///     X-Test-Caller: operator:provider:shopA   (also partner:ID)
///     X-Test-Caller: operator:admin
///     X-Test-Caller: denied        (kPermissionDenied, as a suspended terminal)
///
/// A missing header or any other value is kUnauthenticated, as a request
/// without valid credentials would be.
///
/// Thread safety: stateless; Authenticate() may be called concurrently.
class FakeAuthenticator final : public RequestAuthenticator {
 private:
  Result<Caller> DoAuthenticate(const http::HttpRequest& request) override;
};

/// Parses an X-Test-Caller value (see FakeAuthenticator).
/// @returns the Caller; kPermissionDenied for "denied"; kUnauthenticated for
///          anything else that is not one of the forms above.
Result<Caller> ParseTestCaller(std::string_view value);

/// The X-Test-Caller value for `caller` (the inverse of ParseTestCaller()).
std::string TestCallerHeader(const Caller& caller);

}  // namespace mykey::cloud::auth_testing
