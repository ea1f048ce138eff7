#include "mykey/protocol/card_auth.h"

#include <array>
#include <utility>

namespace mykey::protocol {

namespace {

constexpr std::array<std::pair<CardAuthPurpose, std::string_view>, 5> kPurposeNames = {{
    {CardAuthPurpose::kLogin, "login"},
    {CardAuthPurpose::kLinkService, "link-service"},
    {CardAuthPurpose::kCreateMyKeyId, "create-mykey-id"},
    {CardAuthPurpose::kMoveMyKeyId, "move-mykey-id"},
    {CardAuthPurpose::kReportLost, "report-lost"},
}};

void AppendField(Bytes& out, ByteView field) {
  const auto size = static_cast<uint32_t>(field.size());
  out.push_back(static_cast<uint8_t>(size >> 24));
  out.push_back(static_cast<uint8_t>(size >> 16));
  out.push_back(static_cast<uint8_t>(size >> 8));
  out.push_back(static_cast<uint8_t>(size));
  out.insert(out.end(), field.begin(), field.end());
}

}  // namespace

std::string_view CardAuthPurposeName(CardAuthPurpose purpose) noexcept {
  for (const auto& [value, name] : kPurposeNames) {
    if (value == purpose) return name;
  }
  return "login";
}

std::optional<CardAuthPurpose> ParseCardAuthPurpose(std::string_view name) noexcept {
  for (const auto& [value, text] : kPurposeNames) {
    if (text == name) return value;
  }
  return std::nullopt;
}

Bytes CardAuthMessage(ByteView challenge, std::string_view terminal_id, CardAuthPurpose purpose) {
  const std::string_view purpose_name = CardAuthPurposeName(purpose);
  Bytes out;
  out.reserve(16 + kCardAuthTag.size() + challenge.size() + terminal_id.size() +
              purpose_name.size());
  AppendField(out, ViewOf(kCardAuthTag));
  AppendField(out, challenge);
  AppendField(out, ViewOf(terminal_id));
  AppendField(out, ViewOf(purpose_name));
  return out;
}

crypto::Sha256Digest CardAuthDigest(ByteView challenge, std::string_view terminal_id,
                                    CardAuthPurpose purpose) {
  return crypto::Sha256(CardAuthMessage(challenge, terminal_id, purpose));
}

Bytes CardAuthDigestInfo(ByteView challenge, std::string_view terminal_id,
                         CardAuthPurpose purpose) {
  return crypto::Sha256DigestInfo(CardAuthDigest(challenge, terminal_id, purpose));
}

}  // namespace mykey::protocol
