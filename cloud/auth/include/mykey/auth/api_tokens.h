#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/auth/auth_schema.h"
#include "mykey/auth/caller.h"
#include "mykey/base/result.h"
#include "mykey/crypto/random.h"
#include "mykey/store/store.h"

namespace mykey::cloud {

/// What a token may act for: a scope and its id (empty for admin).
///
/// Thread safety: a value type; not synchronised.
struct TokenScope {
  OperatorScope scope = OperatorScope::kAdmin;
  std::string scope_id;

  friend bool operator==(const TokenScope&, const TokenScope&) = default;
};

/// Parses "municipality:131016", "provider:shopA", "partner:p1" or "admin".
/// @returns the scope; kInvalidArgument for another scope name, a missing or
///          malformed id (a municipality code with a wrong check digit), or
///          an id after "admin".
Result<TokenScope> ParseTokenScope(std::string_view text);
/// The text ParseTokenScope() reads.
std::string FormatTokenScope(const TokenScope& scope);

/// An operator API token as stored (never its secret).
///
/// Thread safety: a value type; not synchronised.
struct ApiTokenRecord {
  std::string id;  ///< 12 lower-case hex digits
  std::string name;
  TokenScope scope;
  int64_t created_at_ms = 0;
  std::optional<int64_t> revoked_at_ms;
};

/// A token just issued: `token` is shown once.
///
/// Thread safety: a value type; not synchronised.
struct IssuedApiToken {
  ApiTokenRecord record;
  /// `mk_<id>_<secret>`: the id, then 64 lower-case hex digits (256 bits) of
  /// secret. Sent as `Authorization: Bearer <token>`.
  std::string token;
};

/// The operator API tokens of a store (schema component "auth"). Secrets are
/// stored as SHA-256 hashes and compared in constant time.
///
/// Thread safety: safe to call from any thread (the random source is used
/// under a lock; the store serialises).
class ApiTokenDirectory {
 public:
  /// @param store  borrowed; must outlive this object and have the auth schema
  /// @param random borrowed; ids and secrets come from it
  /// @param clock  Unix milliseconds
  ApiTokenDirectory(Store& store, crypto::RandomSource& random,
                    UnixMillisClock clock = SystemUnixMillis)
      : store_(store), random_(random), clock_(std::move(clock)) {}

  /// Issues a token.
  /// @param scope what it may act for (see ParseTokenScope())
  /// @param name  a label, 1..200 bytes ("chiyoda points desk")
  /// @returns the token (shown once); kInvalidArgument for a bad scope or
  ///          name; kInternal if randomness fails; store errors.
  Result<IssuedApiToken> Issue(const TokenScope& scope, std::string_view name);
  /// @returns every token, oldest first; store errors.
  Result<std::vector<ApiTokenRecord>> List();
  /// Revokes a token at once. Revoking a revoked token keeps the first time.
  /// @returns kNotFound if there is no token `id`; store errors.
  Status Revoke(std::string_view id);

  /// Checks a bearer token.
  /// @returns the operator Caller; kUnauthenticated if it is malformed,
  ///          unknown or its secret does not match; kPermissionDenied if it
  ///          is revoked; store errors.
  Result<Caller> Authenticate(std::string_view token);

 private:
  Store& store_;
  std::mutex random_mu_;
  crypto::RandomSource& random_;
  UnixMillisClock clock_;
};

}  // namespace mykey::cloud
