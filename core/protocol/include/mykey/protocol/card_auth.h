#pragma once

// What a My Number Card signs to authenticate its holder to the cloud
// (architecture.md, "Card authentication"): shared by the terminal SDK, which
// has the card sign it, and the cloud's registry, which verifies it.

#include <cstdint>
#include <optional>
#include <string_view>

#include "mykey/base/bytes.h"
#include "mykey/crypto/sha256.h"

namespace mykey::protocol {

/// The domain-separation tag that starts every card-authentication message.
inline constexpr std::string_view kCardAuthTag = "MYKEY-CARD-AUTH-1";

/// What a card session is for. The purpose is inside the signed message, so
/// a signature given for one purpose never opens a session for another.
enum class CardAuthPurpose : uint8_t {
  kLogin,          ///< "login": look up the holder's IDs, redeem or grant points
  kLinkService,    ///< "link-service": link a provider's ID to the holder's MyKey ID
  kCreateMyKeyId,  ///< "create-mykey-id": create or change the MyKey ID
  kMoveMyKeyId,    ///< "move-mykey-id": consent to move the MyKey ID to a renewed certificate
  kReportLost,     ///< "report-lost": the holder stops their own MyKey ID
};

/// The purpose's wire name ("login", "link-service", ...).
std::string_view CardAuthPurposeName(CardAuthPurpose purpose) noexcept;

/// The purpose with wire name `name` (exact, lower case); nullopt for any other text.
std::optional<CardAuthPurpose> ParseCardAuthPurpose(std::string_view name) noexcept;

/// The canonical message a card authenticates: four fields, each a 4-byte
/// big-endian length followed by its bytes, in this order: kCardAuthTag,
/// the challenge (as the cloud issued it), the terminal id (as the cloud
/// knows the terminal, UTF-8), the purpose's wire name. Lengths make the
/// encoding unambiguous: no two different inputs give the same message.
/// @param challenge   the cloud's random challenge (32 bytes from the cloud)
/// @param terminal_id the enrolled terminal's id the challenge is bound to
/// @param purpose     what the session is for
/// @returns the message bytes (never fails).
Bytes CardAuthMessage(ByteView challenge, std::string_view terminal_id, CardAuthPurpose purpose);

/// SHA-256 of CardAuthMessage(): the digest whose DigestInfo the card SIGNs
/// with its user-authentication key (SHA256withRSA, PKCS#1 v1.5). Verify the
/// signature with `RsaPublicKey::VerifySha256(CardAuthDigest(...), signature)`.
crypto::Sha256Digest CardAuthDigest(ByteView challenge, std::string_view terminal_id,
                                    CardAuthPurpose purpose);

/// The DER DigestInfo of CardAuthDigest() (51 bytes): exactly what the
/// terminal sends in the card's SIGN command.
Bytes CardAuthDigestInfo(ByteView challenge, std::string_view terminal_id, CardAuthPurpose purpose);

}  // namespace mykey::protocol
