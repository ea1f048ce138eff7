#pragma once

// Who is calling the cloud, as every route handler sees it. Terminals sign
// their requests with their enrolled ECDSA P-256 key; operators (municipal
// staff, service providers, partner companies) present scoped API tokens.
// RequestAuthenticator turns a request into a Caller; the domain modules
// (registry, ledger) decide what each Caller may do.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "mykey/base/result.h"
#include "mykey/http_server/http_message.h"

namespace mykey::cloud {

enum class CallerKind : uint8_t { kTerminal, kOperator };

/// What an operator token may act for.
enum class OperatorScope : uint8_t {
  kMunicipality,  ///< scope_id: the 6-digit local government code
  kProvider,      ///< scope_id: the provider id (a shop chain, a library)
  kPartner,       ///< scope_id: the partner id (converts its points into the scheme)
  kAdmin,         ///< the scheme operator: everything, for `mykey-cloud admin`
};

/// Where an enrolled terminal stands.
enum class SiteKind : uint8_t { kMerchant, kLibrary, kKiosk, kFacility };

/// The stable lower-case name of a site kind ("merchant", "library",
/// "kiosk", "facility"), as the API and the store write it.
const char* SiteKindName(SiteKind kind) noexcept;
/// Parses SiteKindName() text. @returns nullopt for anything else.
std::optional<SiteKind> ParseSiteKind(std::string_view name) noexcept;

/// The stable lower-case name of a scope ("municipality", "provider",
/// "partner", "admin").
const char* OperatorScopeName(OperatorScope scope) noexcept;
/// Parses OperatorScopeName() text. @returns nullopt for anything else.
std::optional<OperatorScope> ParseOperatorScope(std::string_view name) noexcept;

/// A signed request's nonce that the authenticator checked but left for the
/// route's own transaction to record (NonceRecording::kInRouteTransaction;
/// see WithRequestTransaction() in mykey/auth/request_transaction.h).
///
/// Thread safety: a value type.
struct PendingNonce {
  std::string terminal_id;
  std::string nonce;
  int64_t expires_at_ms = 0;     ///< kept until then: its timestamp leaves the window
  int64_t now_ms = 0;            ///< the cloud's clock when the request was checked
  bool purge_expired = false;    ///< also delete the expired nonces (about once a minute)
  bool touch_last_seen = false;  ///< also write the terminal's last_seen_at_ms
  /// Called once by WithRequestTransaction() when it refuses the request as a replay (the
  /// authenticator counts it in `mykey_auth_failures_total`); may be empty.
  std::function<void()> on_replay;
};

/// How a signed terminal request's nonce is recorded.
enum class NonceRecording : uint8_t {
  /// In a transaction of its own, before Authenticate() returns (read-only
  /// routes, and every route that does not record it itself).
  kOwnTransaction,
  /// Not yet: the Caller carries it as `pending_nonce`, and the route's one
  /// read-write transaction records it (WithRequestTransaction()), so a
  /// value-moving request commits once.
  kInRouteTransaction,
};

/// An authenticated caller.
///
/// Thread safety: a value type.
struct Caller {
  CallerKind kind = CallerKind::kTerminal;

  // Terminals (kind == kTerminal):
  std::string terminal_id;  ///< the enrolled terminal
  SiteKind site_kind = SiteKind::kMerchant;
  std::string site_id;            ///< the merchant or facility id the terminal is enrolled for
  std::string provider_id;        ///< the provider whose service IDs this terminal may read
  std::string municipality_code;  ///< the municipality of the site

  // Operators (kind == kOperator):
  OperatorScope scope = OperatorScope::kMunicipality;
  std::string scope_id;  ///< see OperatorScope
  std::string token_id;  ///< which token (for audit logs; never the secret)

  /// Set only by Authenticate(..., kInRouteTransaction) for a signed
  /// terminal request: the nonce the route must record in its transaction.
  std::optional<PendingNonce> pending_nonce;
};

/// Authenticates one request.
///
/// Errors (mapped by the API layer to its error model):
///  - kUnauthenticated: no credentials, a bad signature or token, a stale
///    timestamp, a replayed nonce;
///  - kPermissionDenied: a suspended terminal or a revoked token.
///
/// Thread safety: Authenticate() is called concurrently by the server threads.
class RequestAuthenticator {
 public:
  virtual ~RequestAuthenticator() = default;
  /// @param request   the request to authenticate
  /// @param recording kInRouteTransaction: a terminal's nonce is checked
  ///                  against those recorded but left in the Caller's
  ///                  `pending_nonce`; the caller of this function must then
  ///                  record it with WithRequestTransaction() (authenticators
  ///                  that keep no nonces ignore this)
  /// @returns the caller, or an error as listed above.
  Result<Caller> Authenticate(const http::HttpRequest& request,
                              NonceRecording recording = NonceRecording::kOwnTransaction) {
    return recording == NonceRecording::kOwnTransaction ? DoAuthenticate(request)
                                                        : DoAuthenticateInRoute(request);
  }

 private:
  virtual Result<Caller> DoAuthenticate(const http::HttpRequest& request) = 0;
  /// The kInRouteTransaction variant; by default DoAuthenticate().
  virtual Result<Caller> DoAuthenticateInRoute(const http::HttpRequest& request) {
    return DoAuthenticate(request);
  }
};

}  // namespace mykey::cloud
