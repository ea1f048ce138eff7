#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/crypto/random.h"
#include "mykey/crypto/x509.h"
#include "mykey/protocol/card_auth.h"
#include "mykey/store/store.h"

namespace mykey::cloud {

/// Why the registry refused a request. Carried as the `detail` (domain
/// ErrorDomain::kNone, values 301..399 so they never collide with crypto's
/// 1..2 or protocol's 101..199) of the Error a RegistryService method returns;
/// the API shows RefusalName() as the error's `reason`. The error code of
/// each is given (and so the API status: see ApiErrorFrom()).
enum class RegistryRefusal : int64_t {
  kSignatureInvalid = 301,  ///< kUnauthenticated: the card's signature does not verify
  kCertificateUntrusted,    ///< kUnauthenticated: no configured JPKI auth CA issued it
  kCertificateExpired,      ///< kPermissionDenied: after its notAfter
  kCertificateNotYetValid,  ///< kPermissionDenied: before its notBefore
  kCertificateRevoked,      ///< kPermissionDenied: listed by an imported CRL
  kCardSuspended,           ///< kPermissionDenied: its MyKey ID is on the stop list
  kChallengeUnknown,        ///< kNotFound: no such challenge (never issued, or purged)
  kChallengeExpired,        ///< kFailedPrecondition: older than the challenge TTL
  kChallengeUsed,           ///< kFailedPrecondition: already consumed (a replay)
  kChallengeOtherTerminal,  ///< kPermissionDenied: issued to another terminal
  kSessionUnknown,          ///< kUnauthenticated: no such card session
  kSessionExpired,          ///< kUnauthenticated: older than the session TTL
  kSessionOtherTerminal,    ///< kPermissionDenied: opened at another terminal
  kSessionPurpose,          ///< kPermissionDenied: the session was opened for another purpose
  kNoMyKeyId,               ///< kNotFound: the certificate has no MyKey ID
  kHasMyKeyId,              ///< kAlreadyExists: the certificate has a MyKey ID already
  kMyKeyIdTaken,            ///< kAlreadyExists: the chosen MyKey ID belongs to someone else
  kMyKeyIdUnknown,          ///< kNotFound: no holder has this MyKey ID
  kNoRenewalLink,           ///< kNotFound: no imported link leads to a bound certificate
  kRenewalLinkConflict,     ///< kAlreadyExists: the new serial is linked to another old one
  kNoServiceLink,           ///< kNotFound: the holder has no ID at the caller's provider
  kCrlUntrusted,            ///< kUnauthenticated: no configured CA signed the CRL
  kNotSuspended,            ///< kFailedPrecondition: resuming a MyKey ID that is not stopped
};

/// The refusal's stable snake_case name ("certificate_expired").
const char* RefusalName(RegistryRefusal refusal) noexcept;
/// The refusal an error carries, or nullopt for other errors (store errors...).
std::optional<RegistryRefusal> RefusalOf(const Error& error) noexcept;

/// How the registry is set up.
struct RegistryConfig {
  /// The JPKI user-authentication CA certificates (DER), every generation in
  /// service. Certificates and CRLs are accepted only if one of these signed
  /// them (found by key, never by name: the generations share one DN).
  std::vector<Bytes> auth_ca_certificates;
  /// A challenge must be answered within this time.
  std::chrono::seconds challenge_ttl{120};
  /// A card session lasts this long.
  std::chrono::seconds session_ttl{300};
  /// Now; null: the system clock. Tests pass a clock they move.
  std::function<std::chrono::system_clock::time_point()> clock;
  /// Runs inside the transaction that changes a holder's MyKey ID (after the
  /// registry's own update), so that modules keyed by the MyKey ID (the
  /// ledger's accounts, pending conversions) move with it atomically; an
  /// error rolls the change back. Null: nothing else to move.
  std::function<Status(Transaction& tx, std::string_view old_id, std::string_view new_id)>
      on_mykey_id_change;
};

/// A challenge for a card to sign (CardAuthDigest() with the terminal's id).
struct CardChallenge {
  std::string id;   ///< 32 hex digits; names the challenge in OpenSession()
  Bytes challenge;  ///< 32 random bytes
  int64_t expires_at_ms = 0;
};

/// What a terminal sends to open a card session.
struct CardAuthentication {
  std::string challenge_id;
  Bytes certificate;  ///< the card's user-authentication certificate, DER
  Bytes signature;    ///< the card's SIGN over CardAuthDigestInfo()
  protocol::CardAuthPurpose purpose = protocol::CardAuthPurpose::kLogin;
};

/// An open card session: the token the terminal presents for this holder.
struct CardSession {
  std::string token;  ///< 64 hex digits; a bearer secret (only its hash is stored)
  int64_t expires_at_ms = 0;
  std::optional<std::string> mykey_id;  ///< the holder's MyKey ID, if they have one
  std::string serial_hex;               ///< for the request log (masked there); not sent
};

/// A card session presented by a terminal.
struct SessionRef {
  std::string_view terminal_id;  ///< the calling terminal (Caller::terminal_id)
  std::string_view token;        ///< CardSession::token
};

/// An old-to-new certificate serial link published by the JPKI side for a
/// renewed certificate or card (unsigned big-endian serials).
struct RenewalLink {
  Bytes old_serial;
  Bytes new_serial;
};

/// Who reports a card lost.
enum class StopReporter : uint8_t { kHolder, kOperator };

/// What a CRL import did.
struct CrlImportReport {
  size_t listed = 0;          ///< serials in the CRL
  size_t added = 0;           ///< serials not known before, now revoked
  int64_t last_sequence = 0;  ///< the feed's last sequence number after the import
  int issuer_index = 0;       ///< which configured CA certificate signed it
};

/// One entry of the revocation feed.
struct FeedEntry {
  enum class Kind : uint8_t { kRevocation, kSuspension };
  int64_t sequence = 0;
  Kind kind = Kind::kRevocation;
  bool added = true;    ///< false: removed (a suspension lifted)
  Bytes serial;         ///< kRevocation: the revoked certificate serial
  Bytes mykey_id_hash;  ///< kSuspension: MyKeyIdHash() of the stopped ID
};

/// A page of the feed.
struct FeedPage {
  std::vector<FeedEntry> entries;
  int64_t next = 0;   ///< pass as `since` for the next page
  bool more = false;  ///< more entries follow `next`
};

/// The MyKey registry (issue 3, jpki-card.md §7): card authentication with
/// challenges, MyKey IDs issued against the certificate serial, renewal moves,
/// service links per provider, the stop list, imported CRLs and the numbered
/// revocation feed. It keeps no history of use: no lookup is recorded.
///
/// Every method returns store errors as well as those listed (kUnavailable,
/// kAborted after retries...). Refusals carry a RegistryRefusal (RefusalOf()).
///
/// Thread safety: all methods may be called concurrently (the store
/// serialises; the random source is locked).
class RegistryService {
 public:
  /// @param store  borrowed; migrated with RegistryMigrations(); must outlive the service
  /// @param config the CA anchors, TTLs and clock
  /// @param random the source of challenges, tokens and IDs; null: crypto::SystemRandom
  /// @returns kInvalidArgument if a CA certificate does not parse, is not a
  ///          CA, or none is given; kInternal if the system random fails.
  static Result<std::unique_ptr<RegistryService>> Create(
      Store& store, RegistryConfig config, std::unique_ptr<crypto::RandomSource> random = nullptr);

  /// A fresh challenge (32 random bytes, single use, config.challenge_ttl)
  /// bound to `terminal_id`. Expired challenges and sessions are purged here.
  /// @returns kInvalidArgument for an empty or over-long (128) terminal id.
  Result<CardChallenge> IssueChallenge(std::string_view terminal_id);

  /// Opens a card session: consumes the challenge (whatever the outcome),
  /// then checks the signature over CardAuthDigest(challenge, terminal_id,
  /// purpose) with the certificate's key, the chain to a configured CA, the
  /// validity at now, the CRL serials and the stop list.
  /// @returns the session (bound to `terminal_id`, config.session_ttl) and the
  ///          MyKey ID if any; kInvalidArgument if the certificate does not
  ///          parse; refusals kChallengeUnknown, kChallengeOtherTerminal (the
  ///          challenge stays usable by its terminal), kChallengeUsed,
  ///          kChallengeExpired, kSignatureInvalid, kCertificateUntrusted,
  ///          kCertificateExpired, kCertificateNotYetValid, kCertificateRevoked,
  ///          kCardSuspended.
  Result<CardSession> OpenSession(std::string_view terminal_id,
                                  const CardAuthentication& authentication);

  /// Creates the holder's MyKey ID: `chosen` if free, else a random one.
  /// Needs a session of purpose kCreateMyKeyId (a PIN session).
  /// @returns the ID; session refusals (see below); kInvalidArgument for a
  ///          chosen ID that is not valid (IsValidMyKeyId()); kHasMyKeyId;
  ///          kMyKeyIdTaken.
  Result<std::string> CreateMyKeyId(SessionRef session, std::optional<std::string> chosen);

  /// Changes the holder's MyKey ID to `chosen` (if free) or a new random one;
  /// service links and suspension follow the holder. Session of purpose
  /// kCreateMyKeyId. @returns the new ID; as CreateMyKeyId() but kNoMyKeyId
  /// instead of kHasMyKeyId.
  Result<std::string> ChangeMyKeyId(SessionRef session, std::optional<std::string> chosen);

  /// Moves a MyKey ID from an old certificate to the session's (renewed)
  /// certificate, following imported renewal links back from it (up to 8
  /// links). The holder consents by authenticating with the new card: a
  /// session of purpose kMoveMyKeyId.
  /// @returns the moved ID; kHasMyKeyId if the new certificate has one;
  ///          kNoRenewalLink; kCardSuspended if the ID is stopped (an operator
  ///          resumes it first); session refusals.
  Result<std::string> MoveMyKeyId(SessionRef session);

  /// Links (or relinks) the holder's ID at `provider_id` (the calling
  /// terminal's provider). Session of purpose kLinkService.
  /// @returns kInvalidArgument for an empty provider or a service id outside
  ///          1..64 bytes; kNoMyKeyId; session refusals.
  Status LinkService(SessionRef session, std::string_view provider_id, std::string_view service_id);

  /// The MyKey ID of the holder whose card session this is (any purpose):
  /// how other modules (the ledger's balance, donation and coupon routes)
  /// check that a terminal presents a live session of a holder.
  /// @returns the MyKey ID; kNoMyKeyId; session refusals (kSessionUnknown,
  ///          kSessionExpired, kSessionOtherTerminal, kCertificateRevoked,
  ///          kCardSuspended).
  Result<std::string> SessionMyKeyId(SessionRef session);

  /// The holder's ID at `provider_id` and only there. Any session purpose.
  /// @returns the service id; kNoMyKeyId; kNoServiceLink; session refusals.
  Result<std::string> LookupService(SessionRef session, std::string_view provider_id);

  /// Removes the holder's link at `provider_id`. Session of purpose kLinkService.
  /// @returns kNoMyKeyId; kNoServiceLink; session refusals.
  Status UnlinkService(SessionRef session, std::string_view provider_id);

  /// The holder reports their card lost (or misused): their MyKey ID is
  /// stopped at once. Session of purpose kReportLost.
  /// @returns the stopped ID; kNoMyKeyId; session refusals.
  Result<std::string> ReportLost(SessionRef session);

  /// An operator stops a MyKey ID at once: every later session and lookup of
  /// it is refused; a feed entry is added. Stopping it again is a no-op.
  /// @returns kInvalidArgument for a malformed ID; kMyKeyIdUnknown.
  Status Suspend(std::string_view mykey_id, StopReporter reporter);

  /// An operator lifts the stop; a feed entry (removed) is added.
  /// @returns kInvalidArgument; kMyKeyIdUnknown; kNotSuspended.
  Status Resume(std::string_view mykey_id);

  /// Imports renewal links in one transaction. Links already known are
  /// skipped. @returns links added; kInvalidArgument for an empty or
  ///          over-long (20) serial or old == new; kRenewalLinkConflict if a
  ///          new serial is already linked to another old serial (nothing
  ///          is imported then).
  Result<size_t> ImportRenewalLinks(std::span<const RenewalLink> links);

  /// Imports a DER CRL: verifies its signature against the configured CAs,
  /// then adds its serials not yet known in batches, in one transaction, each
  /// with a feed sequence number. Serials are never removed (one that drops off
  /// a later CRL belongs to an expired certificate).
  /// @returns the report; kInvalidArgument if it does not parse;
  ///          kCrlUntrusted; kFailedPrecondition if a newer CRL of the same CA
  ///          was imported already (by thisUpdate).
  Result<CrlImportReport> ImportCrl(ByteView der);

  /// The feed entries with a sequence number above `since`, in order, at
  /// most `limit` (1..10000). @returns kInvalidArgument for a bad limit or
  ///          negative `since`.
  Result<FeedPage> Revocations(int64_t since, size_t limit);

  /// True if `serial` was listed by an imported CRL. (For tests and tools.)
  Result<bool> IsRevoked(ByteView serial);

  /// Now, by the configured clock, in Unix milliseconds.
  int64_t NowMs() const;

  /// The JPKI auth CA certificates this registry trusts (DER, as
  /// configured): what terminals cache to authenticate cards offline.
  const std::vector<Bytes>& AuthCaCertificates() const noexcept {
    return config_.auth_ca_certificates;
  }

 private:
  RegistryService(Store& store, RegistryConfig config, std::vector<crypto::Certificate> anchors,
                  std::unique_ptr<crypto::RandomSource> random);
  Status Fill(std::span<uint8_t> out);
  Result<std::string> RandomMyKeyId();
  Result<std::string> SetMyKeyId(SessionRef session, std::optional<std::string> chosen,
                                 bool create);

  Store& store_;
  RegistryConfig config_;
  std::vector<crypto::Certificate> anchors_;
  std::mutex random_mu_;
  std::unique_ptr<crypto::RandomSource> random_;
};

}  // namespace mykey::cloud
