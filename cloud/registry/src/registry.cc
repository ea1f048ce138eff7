#include "mykey/registry/registry.h"

#include <algorithm>
#include <array>
#include <utility>

#include "mykey/crypto/crl.h"
#include "mykey/crypto/sha256.h"
#include "mykey/registry/mykey_id.h"

namespace mykey::cloud {

namespace {

using protocol::CardAuthPurpose;

struct RefusalInfo {
  RegistryRefusal refusal;
  ErrorCode code;
  const char* name;
  const char* message;
};

constexpr std::array<RefusalInfo, 23> kRefusals = {{
    {RegistryRefusal::kSignatureInvalid, ErrorCode::kUnauthenticated, "signature_invalid",
     "the card's signature does not verify"},
    {RegistryRefusal::kCertificateUntrusted, ErrorCode::kUnauthenticated, "certificate_untrusted",
     "the certificate was not issued by a JPKI user-authentication CA"},
    {RegistryRefusal::kCertificateExpired, ErrorCode::kPermissionDenied, "certificate_expired",
     "the card's certificate has expired"},
    {RegistryRefusal::kCertificateNotYetValid, ErrorCode::kPermissionDenied,
     "certificate_not_yet_valid", "the card's certificate is not valid yet"},
    {RegistryRefusal::kCertificateRevoked, ErrorCode::kPermissionDenied, "certificate_revoked",
     "the card's certificate is revoked"},
    {RegistryRefusal::kCardSuspended, ErrorCode::kPermissionDenied, "card_suspended",
     "the MyKey ID is suspended"},
    {RegistryRefusal::kChallengeUnknown, ErrorCode::kNotFound, "challenge_unknown",
     "no such challenge; ask for a new one"},
    {RegistryRefusal::kChallengeExpired, ErrorCode::kFailedPrecondition, "challenge_expired",
     "the challenge has expired; ask for a new one"},
    {RegistryRefusal::kChallengeUsed, ErrorCode::kFailedPrecondition, "challenge_used",
     "the challenge was used already; ask for a new one"},
    {RegistryRefusal::kChallengeOtherTerminal, ErrorCode::kPermissionDenied,
     "challenge_other_terminal", "the challenge was issued to another terminal"},
    {RegistryRefusal::kSessionUnknown, ErrorCode::kUnauthenticated, "session_unknown",
     "no such card session"},
    {RegistryRefusal::kSessionExpired, ErrorCode::kUnauthenticated, "session_expired",
     "the card session has expired"},
    {RegistryRefusal::kSessionOtherTerminal, ErrorCode::kPermissionDenied, "session_other_terminal",
     "the card session belongs to another terminal"},
    {RegistryRefusal::kSessionPurpose, ErrorCode::kPermissionDenied, "session_purpose",
     "the card session was opened for another purpose"},
    {RegistryRefusal::kNoMyKeyId, ErrorCode::kNotFound, "no_mykey_id", "the card has no MyKey ID"},
    {RegistryRefusal::kHasMyKeyId, ErrorCode::kAlreadyExists, "has_mykey_id",
     "the card has a MyKey ID already"},
    {RegistryRefusal::kMyKeyIdTaken, ErrorCode::kAlreadyExists, "mykey_id_taken",
     "this MyKey ID is taken"},
    {RegistryRefusal::kMyKeyIdUnknown, ErrorCode::kNotFound, "mykey_id_unknown",
     "no such MyKey ID"},
    {RegistryRefusal::kNoRenewalLink, ErrorCode::kNotFound, "no_renewal_link",
     "no renewal link leads from a card with a MyKey ID to this card"},
    {RegistryRefusal::kRenewalLinkConflict, ErrorCode::kAlreadyExists, "renewal_link_conflict",
     "the new serial is linked to another old serial already"},
    {RegistryRefusal::kNoServiceLink, ErrorCode::kNotFound, "no_service_link",
     "no ID is linked for this provider"},
    {RegistryRefusal::kCrlUntrusted, ErrorCode::kUnauthenticated, "crl_untrusted",
     "no configured JPKI user-authentication CA signed the CRL"},
    {RegistryRefusal::kNotSuspended, ErrorCode::kFailedPrecondition, "not_suspended",
     "the MyKey ID is not suspended"},
}};

const RefusalInfo* InfoOf(RegistryRefusal refusal) {
  for (const RefusalInfo& info : kRefusals) {
    if (info.refusal == refusal) return &info;
  }
  return nullptr;
}

internal::Unexpected Refuse(RegistryRefusal refusal) {
  const RefusalInfo* info = InfoOf(refusal);
  // Every refusal has a row in kRefusals (registry_test checks each name).
  if (info == nullptr) return Fail(ErrorCode::kInternal, "a registry refusal without a row");
  return Fail(Error(info->code, info->message, ErrorDomain::kNone, static_cast<int64_t>(refusal)));
}

constexpr size_t kMaxTerminalId = 128;
constexpr size_t kMaxSerial = 20;
constexpr size_t kMaxServiceId = 64;
constexpr size_t kMaxProviderId = 64;
constexpr int kMaxRenewalHops = 8;
constexpr int kRandomIdAttempts = 8;

/// Serials as the registry keys them: unsigned big-endian without leading
/// zero octets (as Certificate::serial() and Crl::RevokedSerials() give them).
Bytes NormaliseSerial(ByteView serial) {
  size_t skip = 0;
  while (skip + 1 < serial.size() && serial[skip] == 0) ++skip;
  return Bytes(serial.begin() + static_cast<std::ptrdiff_t>(skip), serial.end());
}

Bytes TokenHash(std::string_view token) {
  const crypto::Sha256Digest digest = crypto::Sha256(ViewOf(token));
  return Bytes(digest.begin(), digest.end());
}

bool IsHexToken(std::string_view token, size_t length) {
  if (token.size() != length) return false;
  return std::all_of(token.begin(), token.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); });
}

bool IsPrintableText(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b >= 0x20 && b != 0x7F;
  });
}

/// A card session as loaded for a holder's request.
struct LoadedSession {
  Bytes serial;
  CardAuthPurpose purpose = CardAuthPurpose::kLogin;
  std::optional<int64_t> holder_id;
  std::string mykey_id;
};

/// The holder bound to `serial` and whether they are stopped.
struct HolderRow {
  int64_t id = 0;
  std::string mykey_id;
  bool stopped = false;
};

Result<std::optional<HolderRow>> HolderBySerial(Transaction& tx, ByteView serial) {
  MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow("SELECT h.id, h.mykey_id, s.holder_id"
                                               " FROM registry_holders h"
                                               " LEFT JOIN registry_stop_list s"
                                               " ON s.holder_id = h.id WHERE h.serial = $1",
                                               {serial}));
  if (!row) return std::optional<HolderRow>();
  return std::optional<HolderRow>(HolderRow{row->Int(0), row->Text(1), !row->IsNull(2)});
}

Result<std::optional<HolderRow>> HolderByMyKeyId(Transaction& tx, std::string_view mykey_id) {
  MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow("SELECT h.id, h.mykey_id, s.holder_id"
                                               " FROM registry_holders h"
                                               " LEFT JOIN registry_stop_list s"
                                               " ON s.holder_id = h.id WHERE h.mykey_id = $1",
                                               {mykey_id}));
  if (!row) return std::optional<HolderRow>();
  return std::optional<HolderRow>(HolderRow{row->Int(0), row->Text(1), !row->IsNull(2)});
}

Result<bool> SerialRevoked(Transaction& tx, ByteView serial) {
  MYKEY_ASSIGN_OR_RETURN(
      auto row,
      tx.QueryRow("SELECT seq FROM registry_revoked_serials WHERE serial = $1", {serial}));
  return row.has_value();
}

/// Loads and checks a card session: known, fresh, this terminal's, the
/// certificate not revoked since, the holder not stopped since, and (if
/// given) opened for `purpose`.
Result<LoadedSession> LoadSession(Transaction& tx, SessionRef ref, int64_t now_ms,
                                  std::optional<CardAuthPurpose> purpose) {
  if (!IsHexToken(ref.token, 64)) return Refuse(RegistryRefusal::kSessionUnknown);
  MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow("SELECT terminal_id, serial, purpose, expires_at_ms"
                                               " FROM registry_sessions WHERE token_hash = $1",
                                               {TokenHash(ref.token)}));
  if (!row) return Refuse(RegistryRefusal::kSessionUnknown);
  if (row->Int(3) <= now_ms) return Refuse(RegistryRefusal::kSessionExpired);
  if (row->Text(0) != ref.terminal_id) return Refuse(RegistryRefusal::kSessionOtherTerminal);
  LoadedSession session;
  session.serial = row->Blob(1);
  const auto parsed = protocol::ParseCardAuthPurpose(row->Text(2));
  if (!parsed) return Fail(ErrorCode::kInternal, "a stored session has an unknown purpose");
  session.purpose = *parsed;
  if (purpose && session.purpose != *purpose) return Refuse(RegistryRefusal::kSessionPurpose);
  MYKEY_ASSIGN_OR_RETURN(const bool revoked, SerialRevoked(tx, session.serial));
  if (revoked) return Refuse(RegistryRefusal::kCertificateRevoked);
  MYKEY_ASSIGN_OR_RETURN(auto holder, HolderBySerial(tx, session.serial));
  if (holder) {
    if (holder->stopped) return Refuse(RegistryRefusal::kCardSuspended);
    session.holder_id = holder->id;
    session.mykey_id = holder->mykey_id;
  }
  return session;
}

/// Reserves `count` feed sequence numbers. @returns the first.
Result<int64_t> ReserveSequences(Transaction& tx, size_t count) {
  const auto n = static_cast<int64_t>(count);
  MYKEY_TRY(
      tx.Execute("UPDATE registry_feed_state SET last_seq = last_seq + $1 WHERE id = 1", {n}));
  MYKEY_ASSIGN_OR_RETURN(auto row,
                         tx.QueryRow("SELECT last_seq FROM registry_feed_state WHERE id = 1"));
  if (!row) return Fail(ErrorCode::kInternal, "the registry feed state row is missing");
  return row->Int(0) - n + 1;
}

Result<int64_t> LastSequence(Transaction& tx) {
  MYKEY_ASSIGN_OR_RETURN(auto row,
                         tx.QueryRow("SELECT last_seq FROM registry_feed_state WHERE id = 1"));
  if (!row) return Fail(ErrorCode::kInternal, "the registry feed state row is missing");
  return row->Int(0);
}

Status AddStopEvent(Transaction& tx, std::string_view mykey_id, bool added) {
  MYKEY_ASSIGN_OR_RETURN(const int64_t seq, ReserveSequences(tx, 1));
  const crypto::Sha256Digest hash = MyKeyIdHash(mykey_id);
  MYKEY_TRY(tx.Execute(
      "INSERT INTO registry_stop_events (seq, mykey_id_hash, action) VALUES ($1, $2, $3)",
      {seq, ByteView(hash), added ? "added" : "removed"}));
  return Ok();
}

Status StopHolder(Transaction& tx, const HolderRow& holder, StopReporter reporter) {
  if (holder.stopped) return Ok();
  MYKEY_TRY(tx.Execute("INSERT INTO registry_stop_list (holder_id, reported_by) VALUES ($1, $2)",
                       {holder.id, reporter == StopReporter::kHolder ? "holder" : "operator"}));
  return AddStopEvent(tx, holder.mykey_id, true);
}

/// Splits `total` items into chunks of 512, 256, ..., 1 so that a batched
/// statement has few distinct texts (each is prepared once per connection).
size_t NextChunk(size_t remaining) {
  size_t chunk = 512;
  while (chunk > remaining) chunk /= 2;
  return chunk;
}

std::string Placeholders(size_t first, size_t count, size_t per_row) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) out += ", ";
    out += per_row > 1 ? "(" : "";
    for (size_t j = 0; j < per_row; ++j) {
      if (j > 0) out += ", ";
      out += "$" + std::to_string(first + i * per_row + j);
    }
    out += per_row > 1 ? ")" : "";
  }
  return out;
}

}  // namespace

const char* RefusalName(RegistryRefusal refusal) noexcept {
  const RefusalInfo* info = InfoOf(refusal);
  return info != nullptr ? info->name : "unknown";
}

std::optional<RegistryRefusal> RefusalOf(const Error& error) noexcept {
  if (error.domain() != ErrorDomain::kNone) return std::nullopt;
  for (const RefusalInfo& info : kRefusals) {
    if (static_cast<int64_t>(info.refusal) == error.detail() && info.code == error.code()) {
      return info.refusal;
    }
  }
  return std::nullopt;
}

Result<std::unique_ptr<RegistryService>> RegistryService::Create(
    Store& store, RegistryConfig config, std::unique_ptr<crypto::RandomSource> random) {
  if (config.auth_ca_certificates.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "no JPKI auth CA certificate is configured");
  }
  std::vector<crypto::Certificate> anchors;
  for (const Bytes& der : config.auth_ca_certificates) {
    auto certificate = crypto::Certificate::FromDer(der);
    if (!certificate) {
      return Fail(ErrorCode::kInvalidArgument, "a configured CA certificate does not parse");
    }
    if (!certificate->is_ca()) {
      return Fail(ErrorCode::kInvalidArgument, "a configured CA certificate is not a CA");
    }
    anchors.push_back(std::move(*certificate));
  }
  if (!random) {
    MYKEY_ASSIGN_OR_RETURN(random, crypto::SystemRandom::Create());
  }
  return std::unique_ptr<RegistryService>(
      new RegistryService(store, std::move(config), std::move(anchors), std::move(random)));
}

RegistryService::RegistryService(Store& store, RegistryConfig config,
                                 std::vector<crypto::Certificate> anchors,
                                 std::unique_ptr<crypto::RandomSource> random)
    : store_(store),
      config_(std::move(config)),
      anchors_(std::move(anchors)),
      random_(std::move(random)) {}

int64_t RegistryService::NowMs() const {
  const auto now = config_.clock ? config_.clock() : std::chrono::system_clock::now();
  return std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
}

Status RegistryService::Fill(std::span<uint8_t> out) {
  std::lock_guard lock(random_mu_);
  return random_->Fill(out);
}

Result<std::string> RegistryService::RandomMyKeyId() {
  std::lock_guard lock(random_mu_);
  return GenerateMyKeyId(*random_);
}

Result<CardChallenge> RegistryService::IssueChallenge(std::string_view terminal_id) {
  if (terminal_id.empty() || terminal_id.size() > kMaxTerminalId) {
    return Fail(ErrorCode::kInvalidArgument, "a terminal id has 1..128 bytes");
  }
  CardChallenge challenge;
  challenge.challenge.resize(32);
  std::array<uint8_t, 16> id{};
  MYKEY_TRY(Fill(challenge.challenge));
  MYKEY_TRY(Fill(id));
  challenge.id = ToHex(id);
  const int64_t now = NowMs();
  const int64_t challenge_ttl_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.challenge_ttl).count();
  const int64_t session_ttl_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(config_.session_ttl).count();
  challenge.expires_at_ms = now + challenge_ttl_ms;
  const Status status =
      store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
        // Purge what expired one TTL ago: until then a late answer still reads as
        // "expired" rather than "unknown".
        MYKEY_TRY(tx.Execute("DELETE FROM registry_challenges WHERE expires_at_ms < $1",
                             {now - challenge_ttl_ms}));
        MYKEY_TRY(tx.Execute("DELETE FROM registry_sessions WHERE expires_at_ms < $1",
                             {now - session_ttl_ms}));
        MYKEY_TRY(tx.Execute(
            "INSERT INTO registry_challenges (id, challenge, terminal_id, expires_at_ms)"
            " VALUES ($1, $2, $3, $4)",
            {challenge.id, ByteView(challenge.challenge), terminal_id, challenge.expires_at_ms}));
        return Ok();
      });
  if (!status) return Fail(status.error());
  return challenge;
}

Result<CardSession> RegistryService::OpenSession(std::string_view terminal_id,
                                                 const CardAuthentication& authentication) {
  auto certificate = crypto::Certificate::FromDer(authentication.certificate);
  if (!certificate) {
    return Fail(ErrorCode::kInvalidArgument, "the certificate is not a DER X.509 certificate");
  }
  const int64_t now = NowMs();

  // 1. Consume the challenge, whatever happens next: one signature attempt each.
  Bytes challenge;
  if (!IsHexToken(authentication.challenge_id, 32)) {
    return Refuse(RegistryRefusal::kChallengeUnknown);
  }
  const Status consumed =
      store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
        MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow("SELECT challenge, terminal_id, expires_at_ms,"
                                                     " used FROM registry_challenges WHERE id = $1",
                                                     {authentication.challenge_id}));
        if (!row) return Refuse(RegistryRefusal::kChallengeUnknown);
        if (row->Text(1) != terminal_id) return Refuse(RegistryRefusal::kChallengeOtherTerminal);
        if (row->Int(3) != 0) return Refuse(RegistryRefusal::kChallengeUsed);
        if (row->Int(2) <= now) return Refuse(RegistryRefusal::kChallengeExpired);
        MYKEY_ASSIGN_OR_RETURN(
            const int64_t changed,
            tx.Execute("UPDATE registry_challenges SET used = 1 WHERE id = $1 AND used = 0",
                       {authentication.challenge_id}));
        if (changed != 1) return Refuse(RegistryRefusal::kChallengeUsed);
        challenge = row->Blob(0);
        return Ok();
      });
  if (!consumed) return Fail(consumed.error());

  // 2. The card holds the certificate's key: the signature proves it.
  auto key = certificate->PublicKey();
  if (!key) return Refuse(RegistryRefusal::kCertificateUntrusted);
  const crypto::Sha256Digest digest =
      protocol::CardAuthDigest(challenge, terminal_id, authentication.purpose);
  if (!key->VerifySha256(digest, authentication.signature)) {
    return Refuse(RegistryRefusal::kSignatureInvalid);
  }

  // 3. The certificate: an end-entity signing certificate of a configured CA,
  // valid now. (Its own validity first, so that an expired anchor reads as
  // untrusted rather than as an expired card.)
  const auto at = std::chrono::floor<std::chrono::seconds>(
      std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(now)));
  if (certificate->is_ca() ||
      (certificate->has_key_usage() &&
       (certificate->key_usage() & crypto::kKeyUsageDigitalSignature) == 0)) {
    return Refuse(RegistryRefusal::kCertificateUntrusted);
  }
  if (auto valid = certificate->CheckValidAt(at); !valid) {
    if (crypto::IsCertificateNotYetValid(valid.error())) {
      return Refuse(RegistryRefusal::kCertificateNotYetValid);
    }
    return Refuse(RegistryRefusal::kCertificateExpired);
  }
  if (!crypto::VerifyChain(*certificate, anchors_, at)) {
    return Refuse(RegistryRefusal::kCertificateUntrusted);
  }

  // 4. Revocation, stop list, and the session.
  std::array<uint8_t, 32> token_bytes{};
  MYKEY_TRY(Fill(token_bytes));
  CardSession session;
  session.token = ToHex(token_bytes);
  session.expires_at_ms =
      now + std::chrono::duration_cast<std::chrono::milliseconds>(config_.session_ttl).count();
  session.serial_hex = certificate->SerialHex();
  const Bytes serial = NormaliseSerial(certificate->serial());
  const Status status =
      store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
        session.mykey_id.reset();
        MYKEY_ASSIGN_OR_RETURN(const bool revoked, SerialRevoked(tx, serial));
        if (revoked) return Refuse(RegistryRefusal::kCertificateRevoked);
        MYKEY_ASSIGN_OR_RETURN(auto holder, HolderBySerial(tx, serial));
        if (holder) {
          if (holder->stopped) return Refuse(RegistryRefusal::kCardSuspended);
          session.mykey_id = holder->mykey_id;
        }
        MYKEY_TRY(tx.Execute(
            "INSERT INTO registry_sessions (token_hash, terminal_id, serial, purpose, "
            "expires_at_ms)"
            " VALUES ($1, $2, $3, $4, $5)",
            {TokenHash(session.token), terminal_id, serial,
             protocol::CardAuthPurposeName(authentication.purpose), session.expires_at_ms}));
        return Ok();
      });
  if (!status) return Fail(status.error());
  return session;
}

Result<std::string> RegistryService::SetMyKeyId(SessionRef ref, std::optional<std::string> chosen,
                                                bool create) {
  if (chosen) {
    auto normalised = NormaliseMyKeyId(*chosen);
    if (!normalised) {
      return Fail(ErrorCode::kInvalidArgument,
                  "a MyKey ID has 8 symbols from 23456789ABCDEFGHJKLMNPQRSTVWXYZ");
    }
    chosen = std::move(*normalised);
  }
  // Random candidates are drawn before the transaction (which may be retried).
  std::vector<std::string> candidates;
  if (!chosen) {
    for (int i = 0; i < kRandomIdAttempts; ++i) {
      MYKEY_ASSIGN_OR_RETURN(std::string candidate, RandomMyKeyId());
      candidates.push_back(std::move(candidate));
    }
  }
  const int64_t now = NowMs();
  std::string result;
  const Status status =
      store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
        MYKEY_ASSIGN_OR_RETURN(LoadedSession session,
                               LoadSession(tx, ref, now, CardAuthPurpose::kCreateMyKeyId));
        if (create && session.holder_id) return Refuse(RegistryRefusal::kHasMyKeyId);
        if (!create && !session.holder_id) return Refuse(RegistryRefusal::kNoMyKeyId);
        std::optional<std::string> id;
        if (chosen) {
          MYKEY_ASSIGN_OR_RETURN(auto owner, HolderByMyKeyId(tx, *chosen));
          if (owner) {
            // Choosing one's own ID again changes nothing.
            if (session.holder_id && owner->id == *session.holder_id) {
              result = *chosen;
              return Ok();
            }
            return Refuse(RegistryRefusal::kMyKeyIdTaken);
          }
          id = chosen;
        } else {
          for (const std::string& candidate : candidates) {
            MYKEY_ASSIGN_OR_RETURN(auto owner, HolderByMyKeyId(tx, candidate));
            if (!owner) {
              id = candidate;
              break;
            }
          }
          // Eight draws all taken: the ID space is nearly full, or the random source is broken.
          if (!id) return Fail(ErrorCode::kResourceExhausted, "no free MyKey ID was drawn");
        }
        if (create) {
          MYKEY_TRY(tx.Execute("INSERT INTO registry_holders (mykey_id, serial) VALUES ($1, $2)",
                               {*id, session.serial}));
        } else {
          MYKEY_ASSIGN_OR_RETURN(auto old_row,
                                 tx.QueryRow("SELECT mykey_id FROM registry_holders WHERE id = $1",
                                             {*session.holder_id}));
          MYKEY_TRY(tx.Execute("UPDATE registry_holders SET mykey_id = $1 WHERE id = $2",
                               {*id, *session.holder_id}));
          if (config_.on_mykey_id_change && old_row) {
            MYKEY_TRY(config_.on_mykey_id_change(tx, old_row->Text(0), *id));
          }
        }
        result = *id;
        return Ok();
      });
  if (!status) return Fail(status.error());
  return result;
}

Result<std::string> RegistryService::CreateMyKeyId(SessionRef session,
                                                   std::optional<std::string> chosen) {
  return SetMyKeyId(session, std::move(chosen), true);
}

Result<std::string> RegistryService::ChangeMyKeyId(SessionRef session,
                                                   std::optional<std::string> chosen) {
  return SetMyKeyId(session, std::move(chosen), false);
}

Result<std::string> RegistryService::MoveMyKeyId(SessionRef ref) {
  const int64_t now = NowMs();
  std::string result;
  const Status status =
      store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
        MYKEY_ASSIGN_OR_RETURN(LoadedSession session,
                               LoadSession(tx, ref, now, CardAuthPurpose::kMoveMyKeyId));
        if (session.holder_id) return Refuse(RegistryRefusal::kHasMyKeyId);
        Bytes serial = session.serial;
        for (int hop = 0; hop < kMaxRenewalHops; ++hop) {
          MYKEY_ASSIGN_OR_RETURN(
              auto link,
              tx.QueryRow("SELECT old_serial FROM registry_renewal_links WHERE new_serial = $1",
                          {serial}));
          if (!link) break;
          serial = link->Blob(0);
          MYKEY_ASSIGN_OR_RETURN(auto holder, HolderBySerial(tx, serial));
          if (!holder) continue;
          if (holder->stopped) return Refuse(RegistryRefusal::kCardSuspended);
          MYKEY_TRY(tx.Execute("UPDATE registry_holders SET serial = $1 WHERE id = $2",
                               {session.serial, holder->id}));
          result = holder->mykey_id;
          return Ok();
        }
        return Refuse(RegistryRefusal::kNoRenewalLink);
      });
  if (!status) return Fail(status.error());
  return result;
}

Status RegistryService::LinkService(SessionRef ref, std::string_view provider_id,
                                    std::string_view service_id) {
  if (provider_id.empty() || provider_id.size() > kMaxProviderId) {
    return Fail(ErrorCode::kInvalidArgument, "a provider id has 1..64 bytes");
  }
  if (service_id.empty() || service_id.size() > kMaxServiceId || !IsPrintableText(service_id)) {
    return Fail(ErrorCode::kInvalidArgument,
                "a service id has 1..64 bytes without control characters");
  }
  const int64_t now = NowMs();
  return store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
    MYKEY_ASSIGN_OR_RETURN(LoadedSession session,
                           LoadSession(tx, ref, now, CardAuthPurpose::kLinkService));
    if (!session.holder_id) return Refuse(RegistryRefusal::kNoMyKeyId);
    MYKEY_TRY(
        tx.Execute("INSERT INTO registry_service_links (holder_id, provider_id, service_id)"
                   " VALUES ($1, $2, $3) ON CONFLICT (holder_id, provider_id)"
                   " DO UPDATE SET service_id = excluded.service_id",
                   {*session.holder_id, provider_id, service_id}));
    return Ok();
  });
}

Result<std::string> RegistryService::SessionMyKeyId(SessionRef ref) {
  const int64_t now = NowMs();
  std::string result;
  const Status status =
      store_.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
        MYKEY_ASSIGN_OR_RETURN(LoadedSession session, LoadSession(tx, ref, now, std::nullopt));
        if (!session.holder_id) return Refuse(RegistryRefusal::kNoMyKeyId);
        result = session.mykey_id;
        return Ok();
      });
  if (!status) return Fail(status.error());
  return result;
}

Result<std::string> RegistryService::LookupService(SessionRef ref, std::string_view provider_id) {
  if (provider_id.empty() || provider_id.size() > kMaxProviderId) {
    return Fail(ErrorCode::kInvalidArgument, "a provider id has 1..64 bytes");
  }
  const int64_t now = NowMs();
  std::string result;
  const Status status =
      store_.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
        MYKEY_ASSIGN_OR_RETURN(LoadedSession session, LoadSession(tx, ref, now, std::nullopt));
        if (!session.holder_id) return Refuse(RegistryRefusal::kNoMyKeyId);
        MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow("SELECT service_id FROM registry_service_links"
                                                     " WHERE holder_id = $1 AND provider_id = $2",
                                                     {*session.holder_id, provider_id}));
        if (!row) return Refuse(RegistryRefusal::kNoServiceLink);
        result = row->Text(0);
        return Ok();
      });
  if (!status) return Fail(status.error());
  return result;
}

Status RegistryService::UnlinkService(SessionRef ref, std::string_view provider_id) {
  if (provider_id.empty() || provider_id.size() > kMaxProviderId) {
    return Fail(ErrorCode::kInvalidArgument, "a provider id has 1..64 bytes");
  }
  const int64_t now = NowMs();
  return store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
    MYKEY_ASSIGN_OR_RETURN(LoadedSession session,
                           LoadSession(tx, ref, now, CardAuthPurpose::kLinkService));
    if (!session.holder_id) return Refuse(RegistryRefusal::kNoMyKeyId);
    MYKEY_ASSIGN_OR_RETURN(const int64_t removed,
                           tx.Execute("DELETE FROM registry_service_links"
                                      " WHERE holder_id = $1 AND provider_id = $2",
                                      {*session.holder_id, provider_id}));
    if (removed == 0) return Refuse(RegistryRefusal::kNoServiceLink);
    return Ok();
  });
}

Result<std::string> RegistryService::ReportLost(SessionRef ref) {
  const int64_t now = NowMs();
  std::string result;
  const Status status =
      store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
        MYKEY_ASSIGN_OR_RETURN(LoadedSession session,
                               LoadSession(tx, ref, now, CardAuthPurpose::kReportLost));
        if (!session.holder_id) return Refuse(RegistryRefusal::kNoMyKeyId);
        MYKEY_TRY(StopHolder(tx, HolderRow{*session.holder_id, session.mykey_id, false},
                             StopReporter::kHolder));
        result = session.mykey_id;
        return Ok();
      });
  if (!status) return Fail(status.error());
  return result;
}

Status RegistryService::Suspend(std::string_view mykey_id, StopReporter reporter) {
  auto id = NormaliseMyKeyId(mykey_id);
  if (!id) return Fail(ErrorCode::kInvalidArgument, "not a valid MyKey ID");
  return store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
    MYKEY_ASSIGN_OR_RETURN(auto holder, HolderByMyKeyId(tx, *id));
    if (!holder) return Refuse(RegistryRefusal::kMyKeyIdUnknown);
    return StopHolder(tx, *holder, reporter);
  });
}

Status RegistryService::Resume(std::string_view mykey_id) {
  auto id = NormaliseMyKeyId(mykey_id);
  if (!id) return Fail(ErrorCode::kInvalidArgument, "not a valid MyKey ID");
  return store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
    MYKEY_ASSIGN_OR_RETURN(auto holder, HolderByMyKeyId(tx, *id));
    if (!holder) return Refuse(RegistryRefusal::kMyKeyIdUnknown);
    if (!holder->stopped) return Refuse(RegistryRefusal::kNotSuspended);
    MYKEY_TRY(tx.Execute("DELETE FROM registry_stop_list WHERE holder_id = $1", {holder->id}));
    return AddStopEvent(tx, holder->mykey_id, false);
  });
}

Result<size_t> RegistryService::ImportRenewalLinks(std::span<const RenewalLink> links) {
  std::vector<RenewalLink> normalised;
  normalised.reserve(links.size());
  for (const RenewalLink& link : links) {
    RenewalLink n{NormaliseSerial(link.old_serial), NormaliseSerial(link.new_serial)};
    if (n.old_serial.empty() || n.new_serial.empty() || n.old_serial.size() > kMaxSerial ||
        n.new_serial.size() > kMaxSerial) {
      return Fail(ErrorCode::kInvalidArgument, "a certificate serial has 1..20 octets");
    }
    if (n.old_serial == n.new_serial) {
      return Fail(ErrorCode::kInvalidArgument, "a renewal link joins two different serials");
    }
    normalised.push_back(std::move(n));
  }
  size_t added = 0;
  const Status status =
      store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
        added = 0;
        for (const RenewalLink& link : normalised) {
          MYKEY_ASSIGN_OR_RETURN(
              auto row,
              tx.QueryRow("SELECT old_serial FROM registry_renewal_links WHERE new_serial = $1",
                          {ByteView(link.new_serial)}));
          if (row) {
            if (row->Blob(0) != link.old_serial)
              return Refuse(RegistryRefusal::kRenewalLinkConflict);
            continue;
          }
          MYKEY_TRY(tx.Execute(
              "INSERT INTO registry_renewal_links (new_serial, old_serial) VALUES ($1, $2)",
              {ByteView(link.new_serial), ByteView(link.old_serial)}));
          ++added;
        }
        return Ok();
      });
  if (!status) return Fail(status.error());
  return added;
}

Result<CrlImportReport> RegistryService::ImportCrl(ByteView der) {
  auto crl = crypto::Crl::FromDer(der);
  if (!crl) return Fail(ErrorCode::kInvalidArgument, "the CRL is not a DER X.509 CRL");

  // The issuer by key: candidates whose key identifier matches first, then
  // every other anchor; the signature decides, never the name alone.
  std::vector<size_t> order;
  const Bytes aki = crl->authority_key_id();
  for (size_t i = 0; i < anchors_.size(); ++i) {
    if (!aki.empty() && anchors_[i].subject_key_id() == aki) order.push_back(i);
  }
  for (size_t i = 0; i < anchors_.size(); ++i) {
    if (std::find(order.begin(), order.end(), i) == order.end()) order.push_back(i);
  }
  std::optional<size_t> issuer;
  for (size_t i : order) {
    const crypto::Certificate& ca = anchors_[i];
    if (ca.has_key_usage() && (ca.key_usage() & crypto::kKeyUsageCrlSign) == 0) continue;
    if (ca.subject() != crl->issuer()) continue;
    if (crl->VerifySignedBy(ca)) {
      issuer = i;
      break;
    }
  }
  if (!issuer) return Refuse(RegistryRefusal::kCrlUntrusted);
  const crypto::Certificate& ca = anchors_[*issuer];
  Bytes issuer_key = ca.subject_key_id();
  if (issuer_key.empty()) {
    const crypto::Sha256Digest digest = crypto::Sha256(ca.der());
    issuer_key.assign(digest.begin(), digest.end());
  }
  const int64_t this_update_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(crl->this_update().time_since_epoch())
          .count();

  const std::vector<Bytes>& serials = crl->RevokedSerials();
  CrlImportReport report;
  report.listed = serials.size();
  report.issuer_index = static_cast<int>(*issuer);
  const Status status =
      store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
        report.added = 0;
        MYKEY_ASSIGN_OR_RETURN(
            auto previous,
            tx.QueryRow(
                "SELECT this_update_ms FROM registry_crl_imports WHERE authority_key_id = $1",
                {ByteView(issuer_key)}));
        if (previous && previous->Int(0) > this_update_ms) {
          return Fail(ErrorCode::kFailedPrecondition,
                      "a newer CRL of this CA has been imported already");
        }
        std::vector<SqlValue> params;
        std::vector<const Bytes*> fresh;
        size_t at = 0;
        while (at < serials.size()) {
          const size_t count = NextChunk(serials.size() - at);
          // Which of this chunk are known already?
          params.clear();
          for (size_t i = 0; i < count; ++i) params.emplace_back(ByteView(serials[at + i]));
          MYKEY_ASSIGN_OR_RETURN(
              auto known, tx.Query("SELECT serial FROM registry_revoked_serials WHERE serial IN (" +
                                       Placeholders(1, count, 1) + ")",
                                   params));
          std::vector<Bytes> known_serials;
          known_serials.reserve(known.size());
          for (const Row& row : known) known_serials.push_back(row.Blob(0));
          std::sort(known_serials.begin(), known_serials.end());
          fresh.clear();
          for (size_t i = 0; i < count; ++i) {
            const Bytes& serial = serials[at + i];
            if (!std::binary_search(known_serials.begin(), known_serials.end(), serial)) {
              fresh.push_back(&serial);
            }
          }
          at += count;
          // Insert the new ones, numbered in CRL order.
          size_t done = 0;
          while (done < fresh.size()) {
            const size_t insert_count = NextChunk(fresh.size() - done);
            MYKEY_ASSIGN_OR_RETURN(int64_t seq, ReserveSequences(tx, insert_count));
            params.clear();
            for (size_t i = 0; i < insert_count; ++i) {
              params.emplace_back(seq++);
              params.emplace_back(ByteView(*fresh[done + i]));
            }
            MYKEY_TRY(tx.Execute("INSERT INTO registry_revoked_serials (seq, serial) VALUES " +
                                     Placeholders(1, insert_count, 2),
                                 params));
            done += insert_count;
          }
          report.added += fresh.size();
        }
        MYKEY_TRY(tx.Execute(
            "INSERT INTO registry_crl_imports (authority_key_id, crl_number, this_update_ms,"
            " revoked_count) VALUES ($1, $2, $3, $4) ON CONFLICT (authority_key_id) DO UPDATE SET"
            " crl_number = excluded.crl_number, this_update_ms = excluded.this_update_ms,"
            " revoked_count = excluded.revoked_count",
            {ByteView(issuer_key), crl->crl_number(), this_update_ms,
             static_cast<int64_t>(serials.size())}));
        MYKEY_ASSIGN_OR_RETURN(report.last_sequence, LastSequence(tx));
        return Ok();
      });
  if (!status) return Fail(status.error());
  return report;
}

Result<FeedPage> RegistryService::Revocations(int64_t since, size_t limit) {
  if (limit == 0 || limit > 10000) {
    return Fail(ErrorCode::kInvalidArgument, "a feed page has 1..10000 entries");
  }
  if (since < 0) return Fail(ErrorCode::kInvalidArgument, "a feed cursor is not negative");
  FeedPage page;
  const auto fetch = static_cast<int64_t>(limit) + 1;
  const Status status =
      store_.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
        page = FeedPage{};
        MYKEY_ASSIGN_OR_RETURN(auto revoked,
                               tx.Query("SELECT seq, serial FROM registry_revoked_serials"
                                        " WHERE seq > $1 ORDER BY seq LIMIT $2",
                                        {since, fetch}));
        MYKEY_ASSIGN_OR_RETURN(
            auto stops, tx.Query("SELECT seq, action, mykey_id_hash FROM registry_stop_events"
                                 " WHERE seq > $1 ORDER BY seq LIMIT $2",
                                 {since, fetch}));
        size_t r = 0;
        size_t s = 0;
        while ((r < revoked.size() || s < stops.size()) && page.entries.size() <= limit) {
          FeedEntry entry;
          if (s >= stops.size() || (r < revoked.size() && revoked[r].Int(0) < stops[s].Int(0))) {
            entry.sequence = revoked[r].Int(0);
            entry.kind = FeedEntry::Kind::kRevocation;
            entry.serial = revoked[r].Blob(1);
            ++r;
          } else {
            entry.sequence = stops[s].Int(0);
            entry.kind = FeedEntry::Kind::kSuspension;
            entry.added = stops[s].Text(1) == "added";
            entry.mykey_id_hash = stops[s].Blob(2);
            ++s;
          }
          page.entries.push_back(std::move(entry));
        }
        if (page.entries.size() > limit) {
          page.entries.resize(limit);
          page.more = true;
        }
        page.next = page.entries.empty() ? since : page.entries.back().sequence;
        return Ok();
      });
  if (!status) return Fail(status.error());
  return page;
}

Result<bool> RegistryService::IsRevoked(ByteView serial) {
  const Bytes normalised = NormaliseSerial(serial);
  bool revoked = false;
  const Status status =
      store_.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
        MYKEY_ASSIGN_OR_RETURN(revoked, SerialRevoked(tx, normalised));
        return Ok();
      });
  if (!status) return Fail(status.error());
  return revoked;
}

}  // namespace mykey::cloud
