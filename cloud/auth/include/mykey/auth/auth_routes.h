#pragma once

#include <memory>

#include "mykey/api/api_error.h"
#include "mykey/api/metrics.h"
#include "mykey/api/router.h"
#include "mykey/auth/api_tokens.h"
#include "mykey/auth/auth_schema.h"
#include "mykey/auth/caller.h"
#include "mykey/auth/cloud_authenticator.h"
#include "mykey/auth/enrollment.h"
#include "mykey/auth/terminal_directory.h"
#include "mykey/base/result.h"
#include "mykey/crypto/random.h"
#include "mykey/store/store.h"

namespace mykey::cloud {

/// Everything cloud/auth serves, over one store: enrollment, the terminal
/// directory, operator tokens and the authenticator the domain modules use.
///
///     auto auth = CloudAuth::Create(store, &api.metrics());
///     MYKEY_TRY(RegisterAuthRoutes(api.router(), **auth));
///     RegisterRegistryRoutes(api.router(), store, (*auth)->authenticator());
///
/// Thread safety: all members are safe to use from the server's threads.
class CloudAuth {
 public:
  /// @param store   borrowed; must outlive this object and have the auth
  ///                schema (MigrateAuth())
  /// @param metrics borrowed, may be null: authentication counters
  /// @param random  owned; null: the system's secure random source
  /// @param clock   Unix milliseconds
  /// @returns the bundle; kInternal if the system random source fails.
  static Result<std::unique_ptr<CloudAuth>> Create(
      Store& store, Metrics* metrics, std::unique_ptr<crypto::RandomSource> random = nullptr,
      UnixMillisClock clock = SystemUnixMillis);

  CloudAuth(const CloudAuth&) = delete;
  CloudAuth& operator=(const CloudAuth&) = delete;

  RequestAuthenticator& authenticator() { return authenticator_; }
  TerminalEnrollment& enrollment() { return enrollment_; }
  TerminalDirectory& terminals() { return terminals_; }
  ApiTokenDirectory& tokens() { return tokens_; }
  const UnixMillisClock& clock() const { return clock_; }

 private:
  CloudAuth(Store& store, Metrics* metrics, std::unique_ptr<crypto::RandomSource> random,
            UnixMillisClock clock);

  std::unique_ptr<crypto::RandomSource> random_;
  UnixMillisClock clock_;
  TerminalEnrollment enrollment_;
  TerminalDirectory terminals_;
  ApiTokenDirectory tokens_;
  CloudAuthenticator authenticator_;
};

/// Adds the routes of cloud/auth:
/// - `POST /v1/terminals/enroll` (no credentials; the enrollment code is the
///   credential): `{"enrollment_code","public_key" (Base64 SPKI DER, P-256),
///   "name"}` → 201 `{"terminal_id","site":{"kind","id","provider_id",
///   "municipality_code"},"config":{"signature_scheme","timestamp_window_s",
///   "server_time"}}`; unauthenticated for an unknown or expired code,
///   conflict for a used code or an enrolled key, invalid_field for a bad key.
/// - `GET /v1/terminals/self` (signed terminal request): the terminal's id
///   and site, the same shape; forbidden for operators.
/// - `POST /v1/enrollment-codes` (operator token): `{"site_kind","site_id",
///   "provider_id","municipality_code","ttl_hours"?}` → 201
///   `{"enrollment_code","code_id","expires_at_ms"}`. Admin tokens may issue
///   for any site; provider tokens for their provider; municipality tokens
///   for their municipality; others are forbidden.
/// @returns kAlreadyExists if the routes are registered already.
Status RegisterAuthRoutes(Router& router, CloudAuth& auth);

/// Authenticates a route's request and turns a refusal into the API error
/// (unauthenticated 401, forbidden 403, unavailable 503). For the domain
/// modules' handlers:
///
///     MYKEY_API_ASSIGN_OR_RETURN(const Caller caller, AuthenticateRoute(auth, context));
///
/// A value-moving handler passes NonceRecording::kInRouteTransaction and
/// runs its work through WithRequestTransaction() (one commit per request).
ApiResult<Caller> AuthenticateRoute(RequestAuthenticator& authenticator,
                                    const RouteContext& context,
                                    NonceRecording recording = NonceRecording::kOwnTransaction);

}  // namespace mykey::cloud
