#include "mykey/registry/mykey_id.h"

#include <array>

#include "mykey/base/bytes.h"

namespace mykey::cloud {

bool IsValidMyKeyId(std::string_view id) noexcept {
  if (id.size() != kMyKeyIdLength) return false;
  for (char c : id) {
    if (kMyKeyIdAlphabet.find(c) == std::string_view::npos) return false;
  }
  return true;
}

std::optional<std::string> NormaliseMyKeyId(std::string_view typed) {
  std::string id(typed);
  for (char& c : id) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  if (!IsValidMyKeyId(id)) return std::nullopt;
  return id;
}

Result<std::string> GenerateMyKeyId(crypto::RandomSource& random) {
  // 248 = 8 * 31: bytes below it map uniformly onto the alphabet.
  constexpr uint8_t kLimit = static_cast<uint8_t>(8 * kMyKeyIdAlphabet.size());
  std::string id;
  std::array<uint8_t, 16> pool{};
  while (id.size() < kMyKeyIdLength) {
    MYKEY_TRY(random.Fill(pool));
    for (uint8_t b : pool) {
      if (b >= kLimit) continue;
      id.push_back(kMyKeyIdAlphabet[b % kMyKeyIdAlphabet.size()]);
      if (id.size() == kMyKeyIdLength) break;
    }
  }
  return id;
}

crypto::Sha256Digest MyKeyIdHash(std::string_view id) {
  return crypto::Sha256(ViewOf(id));
}

}  // namespace mykey::cloud
