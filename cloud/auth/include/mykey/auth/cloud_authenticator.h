#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "mykey/api/metrics.h"
#include "mykey/auth/api_tokens.h"
#include "mykey/auth/auth_schema.h"
#include "mykey/auth/caller.h"
#include "mykey/auth/terminal_directory.h"
#include "mykey/base/result.h"
#include "mykey/crypto/ecdsa.h"
#include "mykey/store/store.h"

namespace mykey::cloud {

/// The counter of refused requests, by reason (see CloudAuthenticator).
inline constexpr std::string_view kAuthFailuresMetric = "mykey_auth_failures_total";
/// The counter of authenticated requests, by caller kind (terminal, operator).
inline constexpr std::string_view kAuthSuccessesMetric = "mykey_auth_requests_total";

/// The cloud's RequestAuthenticator: signed terminal requests (MYKEY-REQ-1,
/// mykey/protocol/request_signature.h) and operator bearer tokens
/// (`Authorization: Bearer mk_<id>_<secret>`), chosen by the headers present.
///
/// A terminal request is refused with kUnauthenticated when a signature
/// header is missing or malformed, the terminal is unknown, the signature does
/// not verify over the canonical string, the timestamp is more than 300 s
/// from the cloud's clock (either way), or the nonce was used by that
/// terminal before (nonces are kept, with an expiry, until their timestamp
/// has left the window; expired ones are purged about once a minute); with
/// kPermissionDenied when the terminal is suspended (checked after the
/// signature). An operator request is refused as ApiTokenDirectory::
/// Authenticate() says. A request with both kinds of credentials, or none,
/// is kUnauthenticated.
///
/// Each refusal counts `mykey_auth_failures_total{reason}` with reason one of
/// no_credentials, ambiguous_credentials, malformed, unknown_terminal,
/// bad_signature, timestamp_out_of_window, replayed_nonce,
/// suspended_terminal, bad_token, revoked_token, store_error; each success
/// `mykey_auth_requests_total{kind}`.
///
/// With NonceRecording::kInRouteTransaction the terminal's nonce is not
/// written here but handed to the route in `Caller::pending_nonce`
/// (WithRequestTransaction() records it in the route's transaction, and
/// refuses a replay there, counted as replayed_nonce through
/// PendingNonce::on_replay).
///
/// Terminal keys are kept prepared for verification
/// (crypto::PreparedEcdsaPublicKey, about 6 KiB each, at most 4,096 of them):
/// a signature check then costs about 0.6 of a plain one. Every request is
/// still verified.
///
/// Thread safety: Authenticate() may be called concurrently.
class CloudAuthenticator final : public RequestAuthenticator {
 public:
  /// @param store   borrowed; must outlive this object and have the auth schema
  /// @param tokens  borrowed; checks operator tokens
  /// @param metrics borrowed, may be null; receives the counters above
  /// @param clock   Unix milliseconds
  CloudAuthenticator(Store& store, ApiTokenDirectory& tokens, Metrics* metrics,
                     UnixMillisClock clock = SystemUnixMillis)
      : store_(store), tokens_(tokens), metrics_(metrics), clock_(std::move(clock)) {}

 private:
  Result<Caller> DoAuthenticate(const http::HttpRequest& request) override;
  Result<Caller> DoAuthenticateInRoute(const http::HttpRequest& request) override;
  Result<Caller> AuthenticateAny(const http::HttpRequest& request, NonceRecording recording);
  Result<Caller> AuthenticateTerminal(const http::HttpRequest& request, NonceRecording recording);
  Result<Caller> AuthenticateOperator(std::string_view authorization);
  /// Counts a refusal and returns `error`.
  Error Refuse(std::string_view reason, Error error);
  void CountSuccess(std::string_view kind);

  /// The terminal key stored as `der`, prepared for verification (kept in
  /// `prepared_keys_`). @returns kInternal for a key that does not parse.
  Result<std::shared_ptr<const crypto::PreparedEcdsaPublicKey>> PreparedKey(const Bytes& der);

  Store& store_;
  ApiTokenDirectory& tokens_;
  Metrics* metrics_;
  UnixMillisClock clock_;
  std::atomic<int64_t> next_nonce_purge_ms_{0};
  /// Terminal keys by their stored DER (a key never changes for a terminal
  /// id; a re-enrolled terminal has a new key), each with mbedTLS's table of
  /// its multiples; emptied when it holds kMaxPreparedKeys.
  std::mutex prepared_keys_mu_;
  std::unordered_map<std::string, std::shared_ptr<const crypto::PreparedEcdsaPublicKey>>
      prepared_keys_;
};

}  // namespace mykey::cloud
