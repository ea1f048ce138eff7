#include "mykey/journal/offline_authorisation.h"

#include <array>

#include "mykey/protocol/card_auth.h"

namespace mykey::journal {
namespace {

constexpr int64_t kRefusalBase = 500;

struct RefusalInfo {
  OfflineRefusal refusal;
  ErrorCode code;
  const char* name;
  const char* message;
};

constexpr std::array kRefusals = {
    RefusalInfo{OfflineRefusal::kAmountInvalid, ErrorCode::kInvalidArgument, "amount_invalid",
                "offline: amount below 1, or no MyKey ID or programme"},
    RefusalInfo{OfflineRefusal::kOverOperationLimit, ErrorCode::kResourceExhausted,
                "over_operation_limit", "offline: amount over the per-operation limit"},
    RefusalInfo{OfflineRefusal::kOverTotalLimit, ErrorCode::kResourceExhausted, "over_total_limit",
                "offline: outstanding points over the limit"},
    RefusalInfo{OfflineRefusal::kOverCountLimit, ErrorCode::kResourceExhausted, "over_count_limit",
                "offline: outstanding entries over the limit"},
    RefusalInfo{OfflineRefusal::kOverHolderLimit, ErrorCode::kResourceExhausted,
                "over_holder_limit", "offline: the holder's outstanding points over the limit"},
    RefusalInfo{OfflineRefusal::kOldestTooOld, ErrorCode::kFailedPrecondition, "oldest_too_old",
                "offline: the oldest unforwarded entry is too old"},
    RefusalInfo{OfflineRefusal::kRevocationSetStale, ErrorCode::kFailedPrecondition,
                "revocation_set_stale", "offline: the revocation set is missing or stale"},
    RefusalInfo{OfflineRefusal::kChallengeUnknown, ErrorCode::kUnauthenticated, "challenge_unknown",
                "offline: unknown, used or expired challenge"},
    RefusalInfo{OfflineRefusal::kCertificateMalformed, ErrorCode::kUnauthenticated,
                "certificate_malformed", "offline: the card's certificate is malformed"},
    RefusalInfo{OfflineRefusal::kCertificateUntrusted, ErrorCode::kUnauthenticated,
                "certificate_untrusted", "offline: the card's certificate is not trusted"},
    RefusalInfo{OfflineRefusal::kCertificateExpired, ErrorCode::kPermissionDenied,
                "certificate_expired", "offline: the card's certificate has expired"},
    RefusalInfo{OfflineRefusal::kCertificateNotYetValid, ErrorCode::kPermissionDenied,
                "certificate_not_yet_valid", "offline: the card's certificate is not yet valid"},
    RefusalInfo{OfflineRefusal::kCertificateRevoked, ErrorCode::kPermissionDenied,
                "certificate_revoked", "offline: the card's certificate is revoked"},
    RefusalInfo{OfflineRefusal::kCardSuspended, ErrorCode::kPermissionDenied, "card_suspended",
                "offline: the MyKey ID is suspended"},
    RefusalInfo{OfflineRefusal::kSignatureInvalid, ErrorCode::kUnauthenticated, "signature_invalid",
                "offline: the card's signature does not verify"},
};

const RefusalInfo* Find(OfflineRefusal refusal) {
  for (const RefusalInfo& info : kRefusals) {
    if (info.refusal == refusal) return &info;
  }
  return nullptr;
}

}  // namespace

std::string_view OfflineRefusalName(OfflineRefusal refusal) noexcept {
  const RefusalInfo* info = Find(refusal);
  return info != nullptr ? info->name : "unknown";
}

std::optional<OfflineRefusal> OfflineRefusalOf(const Error& error) noexcept {
  if (error.domain() != ErrorDomain::kNone) return std::nullopt;
  for (const RefusalInfo& info : kRefusals) {
    if (error.detail() == kRefusalBase + static_cast<int64_t>(info.refusal) &&
        error.code() == info.code) {
      return info.refusal;
    }
  }
  return std::nullopt;
}

Error OfflineRefusalError(OfflineRefusal refusal) noexcept {
  const RefusalInfo* info = Find(refusal);
  if (info == nullptr) return Error(ErrorCode::kInternal, "offline: unknown refusal");
  return Error(info->code, info->message, ErrorDomain::kNone,
               kRefusalBase + static_cast<int64_t>(refusal));
}

Bytes OfflineChallengeDigestInfo(ByteView challenge, std::string_view terminal_id) {
  return protocol::CardAuthDigestInfo(challenge, terminal_id, protocol::CardAuthPurpose::kLogin);
}

Result<OfflineCardIdentity> CheckCardOffline(const OfflineCardEvidence& evidence,
                                             std::span<const crypto::Certificate> anchors,
                                             const revocation::RevocationSet& revocations,
                                             std::string_view terminal_id,
                                             std::chrono::sys_seconds now) {
  auto certificate = crypto::Certificate::FromDer(evidence.certificate_der);
  if (!certificate) return Fail(OfflineRefusalError(OfflineRefusal::kCertificateMalformed));
  auto key = certificate->PublicKey();
  if (!key) return Fail(OfflineRefusalError(OfflineRefusal::kCertificateMalformed));
  // An end-entity certificate that may sign: the card's authentication key.
  if (certificate->is_ca() ||
      (certificate->has_key_usage() &&
       (certificate->key_usage() & crypto::kKeyUsageDigitalSignature) == 0)) {
    return Fail(OfflineRefusalError(OfflineRefusal::kCertificateUntrusted));
  }
  const Status chain = crypto::VerifyChain(*certificate, anchors, now);
  if (!chain) {
    if (crypto::IsCertificateExpired(chain.error())) {
      return Fail(OfflineRefusalError(OfflineRefusal::kCertificateExpired));
    }
    if (crypto::IsCertificateNotYetValid(chain.error())) {
      return Fail(OfflineRefusalError(OfflineRefusal::kCertificateNotYetValid));
    }
    return Fail(OfflineRefusalError(OfflineRefusal::kCertificateUntrusted));
  }
  OfflineCardIdentity identity;
  identity.serial = certificate->serial();
  identity.not_after = certificate->not_after();
  if (revocations.IsRevoked(identity.serial)) {
    return Fail(OfflineRefusalError(OfflineRefusal::kCertificateRevoked));
  }
  const crypto::Sha256Digest digest =
      protocol::CardAuthDigest(evidence.challenge, terminal_id, protocol::CardAuthPurpose::kLogin);
  if (!key->VerifySha256(digest, evidence.signature)) {
    return Fail(OfflineRefusalError(OfflineRefusal::kSignatureInvalid));
  }
  return identity;
}

}  // namespace mykey::journal
