#include "mykey/auth/cloud_authenticator.h"

#include <optional>
#include <string>

#include "mykey/auth/request_transaction.h"
#include "mykey/crypto/ecdsa.h"
#include "mykey/protocol/request_signature.h"

namespace mykey::cloud {

namespace {

/// How often expired nonces are deleted.
constexpr int64_t kNoncePurgeIntervalMs = 60'000;
/// The most terminal keys kept prepared for verification (about 6 KiB each).
constexpr size_t kMaxPreparedKeys = 4096;
/// last_seen_at_ms is written at most this often per terminal.
constexpr int64_t kLastSeenResolutionMs = 60'000;

constexpr Error kBadSignature(ErrorCode::kUnauthenticated, "request signature not valid");

bool IsValidTerminalId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (const char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

/// The token of "Bearer <token>" (scheme case-insensitive), or nullopt.
std::optional<std::string_view> BearerToken(std::string_view authorization) {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() <= kScheme.size() ||
      !http::EqualsIgnoreCase(authorization.substr(0, kScheme.size()), kScheme)) {
    return std::nullopt;
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  return token;
}

}  // namespace

Result<std::shared_ptr<const crypto::PreparedEcdsaPublicKey>> CloudAuthenticator::PreparedKey(
    const Bytes& der) {
  const std::string id(der.begin(), der.end());
  {
    std::lock_guard lock(prepared_keys_mu_);
    const auto found = prepared_keys_.find(id);
    if (found != prepared_keys_.end()) return found->second;
  }
  const auto key = crypto::EcdsaPublicKey::FromDer(der);
  if (!key) return Fail(ErrorCode::kInternal, "stored key unreadable");
  // Prepared outside the lock: two threads may both prepare a new key; one
  // of the (equal) results is kept.
  MYKEY_ASSIGN_OR_RETURN(std::shared_ptr<const crypto::PreparedEcdsaPublicKey> prepared,
                         crypto::PreparedEcdsaPublicKey::Prepare(*key));
  std::lock_guard lock(prepared_keys_mu_);
  if (prepared_keys_.size() >= kMaxPreparedKeys) prepared_keys_.clear();
  return prepared_keys_.emplace(id, std::move(prepared)).first->second;
}

Error CloudAuthenticator::Refuse(std::string_view reason, Error error) {
  if (metrics_ != nullptr) {
    metrics_->Increment(kAuthFailuresMetric, "Requests refused by authentication, by reason.",
                        {{"reason", std::string(reason)}});
  }
  return error;
}

void CloudAuthenticator::CountSuccess(std::string_view kind) {
  if (metrics_ != nullptr) {
    metrics_->Increment(kAuthSuccessesMetric, "Authenticated requests, by caller kind.",
                        {{"kind", std::string(kind)}});
  }
}

Result<Caller> CloudAuthenticator::DoAuthenticate(const http::HttpRequest& request) {
  return AuthenticateAny(request, NonceRecording::kOwnTransaction);
}

Result<Caller> CloudAuthenticator::DoAuthenticateInRoute(const http::HttpRequest& request) {
  return AuthenticateAny(request, NonceRecording::kInRouteTransaction);
}

Result<Caller> CloudAuthenticator::AuthenticateAny(const http::HttpRequest& request,
                                                   NonceRecording recording) {
  const auto authorization = request.headers.Get("Authorization");
  const bool signed_request = request.headers.Has(protocol::kTerminalHeader) ||
                              request.headers.Has(protocol::kSignatureHeader);
  if (authorization && signed_request) {
    return Fail(Refuse("ambiguous_credentials",
                       Error(ErrorCode::kUnauthenticated,
                             "send either a terminal signature or an API token, not both")));
  }
  if (signed_request) return AuthenticateTerminal(request, recording);
  if (authorization) return AuthenticateOperator(*authorization);
  return Fail(Refuse("no_credentials", Error(ErrorCode::kUnauthenticated, "credentials missing")));
}

Result<Caller> CloudAuthenticator::AuthenticateOperator(std::string_view authorization) {
  const auto token = BearerToken(authorization);
  if (!token) {
    return Fail(Refuse(
        "malformed", Error(ErrorCode::kUnauthenticated, "Authorization must be 'Bearer <token>'")));
  }
  auto caller = tokens_.Authenticate(*token);
  if (!caller) {
    switch (caller.error().code()) {
      case ErrorCode::kUnauthenticated: return Fail(Refuse("bad_token", caller.error()));
      case ErrorCode::kPermissionDenied: return Fail(Refuse("revoked_token", caller.error()));
      default: return Fail(Refuse("store_error", caller.error()));
    }
  }
  CountSuccess("operator");
  return caller;
}

Result<Caller> CloudAuthenticator::AuthenticateTerminal(const http::HttpRequest& request,
                                                        NonceRecording recording) {
  const auto terminal_id = request.headers.Get(protocol::kTerminalHeader);
  const auto timestamp_text = request.headers.Get(protocol::kTimestampHeader);
  const auto nonce = request.headers.Get(protocol::kNonceHeader);
  const auto signature = request.headers.Get(protocol::kSignatureHeader);
  if (!terminal_id || !timestamp_text || !nonce || !signature) {
    return Fail(Refuse("malformed", Error(ErrorCode::kUnauthenticated,
                                          "a signed request needs X-Mykey-Terminal, "
                                          "X-Mykey-Timestamp, X-Mykey-Nonce, X-Mykey-Signature")));
  }
  if (!IsValidTerminalId(*terminal_id)) {
    return Fail(Refuse(
        "malformed", Error(ErrorCode::kUnauthenticated, "X-Mykey-Terminal is not a terminal id")));
  }
  if (!protocol::IsValidRequestNonce(*nonce)) {
    return Fail(Refuse("malformed", Error(ErrorCode::kUnauthenticated,
                                          "X-Mykey-Nonce must be 16..64 of A-Z a-z 0-9 - _")));
  }
  const auto timestamp = protocol::ParseRequestTimestamp(*timestamp_text);
  if (!timestamp) {
    return Fail(Refuse(
        "malformed", Error(ErrorCode::kUnauthenticated, "X-Mykey-Timestamp must be Unix seconds")));
  }
  const int64_t now_ms = clock_();
  const int64_t now_s = now_ms / 1000;
  const int64_t skew = now_s > *timestamp ? now_s - *timestamp : *timestamp - now_s;
  if (skew > protocol::kRequestSignatureWindowSeconds) {
    return Fail(Refuse("timestamp_out_of_window",
                       Error(ErrorCode::kUnauthenticated,
                             "X-Mykey-Timestamp is more than 300 s from the cloud's clock")));
  }

  std::optional<TerminalRecord> terminal;
  const std::string select =
      std::string("SELECT ") + std::string(kTerminalColumns) + " FROM auth_terminals WHERE id = $1";
  const Status read =
      store_.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
        terminal.reset();
        MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow(select, {*terminal_id}));
        if (row) terminal = TerminalFromRow(*row);
        return Ok();
      });
  if (!read) return Fail(Refuse("store_error", read.error()));
  if (!terminal) return Fail(Refuse("unknown_terminal", kBadSignature));

  const auto key = PreparedKey(terminal->public_key_der);
  if (!key) return Fail(Refuse("store_error", key.error()));
  const std::string target = protocol::CanonicalRequestTarget(request.path, request.query);
  if (!protocol::VerifyRequestSignature(**key, request.method, target, *timestamp, *nonce,
                                        request.body, *signature)) {
    return Fail(Refuse("bad_signature", kBadSignature));
  }
  if (terminal->status == TerminalStatus::kSuspended) {
    return Fail(
        Refuse("suspended_terminal", Error(ErrorCode::kPermissionDenied, "terminal suspended")));
  }

  // The nonce can be replayed only while its timestamp is inside the window:
  // keep it until then (plus a second for the rounding of now_s).
  PendingNonce pending;
  pending.terminal_id = terminal->id;
  pending.nonce = std::string(*nonce);
  pending.expires_at_ms = (*timestamp + protocol::kRequestSignatureWindowSeconds + 1) * 1000;
  pending.now_ms = now_ms;
  int64_t purge_due = next_nonce_purge_ms_.load(std::memory_order_relaxed);
  pending.purge_expired = now_ms >= purge_due &&
                          next_nonce_purge_ms_.compare_exchange_strong(
                              purge_due, now_ms + kNoncePurgeIntervalMs, std::memory_order_relaxed);
  pending.touch_last_seen =
      !terminal->last_seen_at_ms || now_ms - *terminal->last_seen_at_ms >= kLastSeenResolutionMs;

  Caller caller;
  if (recording == NonceRecording::kInRouteTransaction) {
    // The authenticator outlives the requests it authenticates.
    pending.on_replay = [this] {
      (void)Refuse("replayed_nonce",
                   Error(ErrorCode::kUnauthenticated, "X-Mykey-Nonce used already"));
    };
    caller.pending_nonce = std::move(pending);
  } else {
    bool replayed = false;
    const Status recorded =
        store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
          MYKEY_ASSIGN_OR_RETURN(const bool fresh, RecordRequestNonce(tx, pending));
          replayed = !fresh;
          return Ok();
        });
    if (!recorded) return Fail(Refuse("store_error", recorded.error()));
    if (replayed) {
      return Fail(Refuse("replayed_nonce",
                         Error(ErrorCode::kUnauthenticated, "X-Mykey-Nonce used already")));
    }
  }

  caller.kind = CallerKind::kTerminal;
  caller.terminal_id = terminal->id;
  caller.site_kind = terminal->site.kind;
  caller.site_id = terminal->site.id;
  caller.provider_id = terminal->site.provider_id;
  caller.municipality_code = terminal->site.municipality_code;
  CountSuccess("terminal");
  return caller;
}

}  // namespace mykey::cloud
