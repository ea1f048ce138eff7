#pragma once

// Offline authorisation: what the terminal checks by itself, when the cloud
// cannot be reached, before it approves a redemption that the journal will
// forward later. The refusal reasons are typed (OfflineRefusal).
//
// What offline authentication proves (and what it does not):
//  - the card holds the private key of a JPKI user-authentication
//    certificate that chains, by key, to one of the cached JPKI auth CAs;
//  - the certificate is in its validity window by this terminal's clock, has
//    digitalSignature, and its serial is not in the cached revocation set;
//  - the holder knew the PIN just now: the card signed, after VERIFY, the
//    DigestInfo of CardAuthDigest(challenge, terminal id, "login") over a
//    32-byte challenge this terminal made for this transaction (single use,
//    120 s), so an old signature cannot be replayed;
//  - the MyKey ID given for the redemption is not suspended in the cached set.
// It does NOT prove that the MyKey ID belongs to this card: only the cloud
// maps certificates to MyKey IDs. The host supplies the ID it trusts (e.g.
// from this terminal's own earlier online session with the same
// certificate); the cloud checks the balance and the ID when the entry is
// forwarded and may refuse it then (a final "refused" entry). Revocations
// and suspensions newer than the last sync are not known offline: the
// limits bound that risk.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/crypto/x509.h"
#include "mykey/revocation/revocation_set.h"

namespace mykey::journal {

/// Why an offline authorisation was refused. Carried in the Error's detail
/// (domain kNone, 501..) of a kPermissionDenied / kResourceExhausted /
/// kUnauthenticated / kFailedPrecondition error: read it with OfflineRefusalOf().
enum class OfflineRefusal : uint8_t {
  kAmountInvalid = 1,       ///< amount < 1, or no MyKey ID / programme (kInvalidArgument)
  kOverOperationLimit,      ///< amount over max_amount_per_operation (kResourceExhausted)
  kOverTotalLimit,          ///< outstanding points would pass max_outstanding_points
  kOverCountLimit,          ///< outstanding entries would pass max_outstanding_count
  kOverHolderLimit,         ///< this MyKey ID's outstanding points would pass max_points_per_holder
  kOldestTooOld,            ///< the oldest unforwarded entry is older than max_oldest_age
  kRevocationSetStale,      ///< the revocation set is missing or older than its max age
  kChallengeUnknown,        ///< not a challenge this terminal made, used, or expired
  kCertificateMalformed,    ///< the certificate does not parse or is not RSA
  kCertificateUntrusted,    ///< no cached JPKI auth CA signed it, or it may not authenticate
  kCertificateExpired,      ///< past notAfter by this terminal's clock
  kCertificateNotYetValid,  ///< before notBefore
  kCertificateRevoked,      ///< its serial is in the revocation set
  kCardSuspended,           ///< the MyKey ID is suspended in the revocation set
  kSignatureInvalid,        ///< the card's signature over the challenge does not verify
};

/// The stable name of a refusal ("over_total_limit", "certificate_revoked").
std::string_view OfflineRefusalName(OfflineRefusal refusal) noexcept;

/// The refusal an error carries, or nullopt if it is not an offline refusal.
std::optional<OfflineRefusal> OfflineRefusalOf(const Error& error) noexcept;

/// The error for `refusal` (its ErrorCode as listed on the enum).
Error OfflineRefusalError(OfflineRefusal refusal) noexcept;

/// The limits of offline mode (the terminal's configuration).
///
/// Thread safety: a value type.
struct OfflineLimits {
  int64_t max_amount_per_operation = 1000;  ///< points in one redemption
  int64_t max_outstanding_points = 10000;   ///< points journalled and not yet forwarded
  int64_t max_outstanding_count = 50;       ///< entries journalled and not yet forwarded
  int64_t max_points_per_holder = 3000;     ///< outstanding points of one MyKey ID
  /// The oldest unforwarded entry may be this old; then offline mode stops.
  /// Keep it well under the cloud's idempotency window (24 h).
  std::chrono::seconds max_oldest_age = std::chrono::hours(12);
};

/// What the card gave for an offline authentication.
struct OfflineCardEvidence {
  Bytes certificate_der;  ///< the card's user-authentication certificate
  Bytes challenge;        ///< the challenge from Journal::NewChallenge()
  Bytes signature;        ///< the card's SIGN of OfflineChallengeDigestInfo()
};

/// What a checked card is, for the journal (no full serial is kept).
struct OfflineCardIdentity {
  Bytes serial;  ///< the certificate serial (kept in memory only)
  std::chrono::sys_seconds not_after;
};

/// The DigestInfo the card must SIGN offline: CardAuthDigestInfo(challenge,
/// terminal_id, kLogin) (the same message as online, with a local challenge).
Bytes OfflineChallengeDigestInfo(ByteView challenge, std::string_view terminal_id);

/// The card checks of offline authentication (see the top of this file),
/// in this order: certificate parses and is RSA, chains to an anchor and may
/// authenticate, validity window, revocation, signature. (Challenge freshness
/// and the MyKey ID's suspension are checked by Journal::Authorise().)
/// @param anchors     the cached JPKI auth CA certificates (every generation)
/// @param revocations the current revocation set (sealed)
/// @param terminal_id the enrolled terminal id (inside the signed message)
/// @param now         this terminal's clock
/// @returns the card's identity; an OfflineRefusal error (kCertificate...,
///          kSignatureInvalid).
Result<OfflineCardIdentity> CheckCardOffline(const OfflineCardEvidence& evidence,
                                             std::span<const crypto::Certificate> anchors,
                                             const revocation::RevocationSet& revocations,
                                             std::string_view terminal_id,
                                             std::chrono::sys_seconds now);

}  // namespace mykey::journal
