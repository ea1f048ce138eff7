#pragma once

// Facts of the My Number Card's JPKI applet (jpki-card.md), shared by the
// driver and the emulator so that both read them from one place.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace mykey::jpki {

/// The JPKI AP: the only application this product may select.
inline constexpr std::array<uint8_t, 10> kJpkiAid = {0xD3, 0x92, 0xF0, 0x00, 0x26,
                                                     0x01, 0x00, 0x00, 0x00, 0x01};

/// Applications on the card that must never be selected (jpki-card.md §1).
inline constexpr std::array<uint8_t, 10> kCardFaceTextAid = {0xD3, 0x92, 0x10, 0x00, 0x31,
                                                             0x00, 0x01, 0x01, 0x04, 0x08};
inline constexpr std::array<uint8_t, 10> kCardFaceImageAid = {0xD3, 0x92, 0x10, 0x00, 0x31,
                                                              0x00, 0x01, 0x01, 0x04, 0x02};
inline constexpr std::array<uint8_t, 10> kResidentRegistryAid = {0xD3, 0x92, 0x10, 0x00, 0x31,
                                                                 0x00, 0x01, 0x01, 0x04, 0x01};
inline constexpr std::array<uint8_t, 10> kUnknownApAid = {0xD3, 0x92, 0x10, 0x00, 0x31,
                                                          0x00, 0x01, 0x01, 0x01, 0x00};

/// Elementary files of the JPKI AP (jpki-card.md §2).
enum class Ef : uint16_t {
  kSignCertificate = 0x0001,    ///< needs the signature password; never read here
  kSignCaCertificate = 0x0002,  ///< free
  kTokenInfo = 0x0006,          ///< free; 32-byte space-padded label
  kAuthCertificate = 0x000A,    ///< free on the plastic card, auth PIN on phone tokens
  kAuthCaCertificate = 0x000B,  ///< free
  kAuthPrivateKey = 0x0017,     ///< SIGN after auth PIN VERIFY
  kAuthPin = 0x0018,            ///< VERIFY target
  kSignPrivateKey = 0x001A,     ///< SIGN after signature password VERIFY
  kSignPassword = 0x001B,       ///< VERIFY target
};

/// What kind of token holds the JPKI applet, from EF 0006.
enum class TokenType : uint8_t {
  kPlasticCard,   ///< "JPKIAPICCTOKEN2": the My Number Card
  kAndroidPhone,  ///< "JPKIAPGPSETOKEN": smartphone JPKI on Android
  kIPhone,        ///< "JPKIAPIOSTOKEN": smartphone JPKI on iPhone
  kJukiCard,      ///< "JPKIAPICCTOKEN": the old Basic Resident Registry card
};

inline constexpr size_t kTokenLabelSize = 32;

/// The label written in the first 32 bytes of EF 0006 (without padding).
constexpr std::string_view TokenLabel(TokenType type) {
  switch (type) {
    case TokenType::kPlasticCard: return "JPKIAPICCTOKEN2";
    case TokenType::kAndroidPhone: return "JPKIAPGPSETOKEN";
    case TokenType::kIPhone: return "JPKIAPIOSTOKEN";
    case TokenType::kJukiCard: return "JPKIAPICCTOKEN";
  }
  return "";
}

/// The token type of a label with its space padding removed.
constexpr std::optional<TokenType> TokenTypeFromLabel(std::string_view label) {
  for (TokenType t : {TokenType::kPlasticCard, TokenType::kAndroidPhone, TokenType::kIPhone,
                      TokenType::kJukiCard}) {
    if (TokenLabel(t) == label) return t;
  }
  return std::nullopt;
}

/// Stable lower-case names ("plastic-card", "android-phone", "iphone", "juki-card").
constexpr std::string_view TokenTypeName(TokenType type) {
  switch (type) {
    case TokenType::kPlasticCard: return "plastic-card";
    case TokenType::kAndroidPhone: return "android-phone";
    case TokenType::kIPhone: return "iphone";
    case TokenType::kJukiCard: return "juki-card";
  }
  return "";
}

constexpr std::optional<TokenType> TokenTypeFromName(std::string_view name) {
  for (TokenType t : {TokenType::kPlasticCard, TokenType::kAndroidPhone, TokenType::kIPhone,
                      TokenType::kJukiCard}) {
    if (TokenTypeName(t) == name) return t;
  }
  return std::nullopt;
}

/// A phone token asks for the auth PIN before the auth certificate is read.
constexpr bool AuthCertificateNeedsPin(TokenType type) {
  return type == TokenType::kAndroidPhone || type == TokenType::kIPhone;
}

/// PIN rules (jpki-card.md §4).
inline constexpr size_t kAuthPinLength = 4;
inline constexpr int kAuthPinMaxTries = 3;
inline constexpr size_t kSignPasswordMinLength = 6;
inline constexpr size_t kSignPasswordMaxLength = 16;
inline constexpr int kSignPasswordMaxTries = 5;

/// The contact ATR OpenSC's JPKI driver knows (T=1, no historical bytes).
inline constexpr std::array<uint8_t, 9> kContactAtr = {0x3B, 0xE0, 0x00, 0xFF, 0x81,
                                                       0x31, 0xFE, 0x45, 0x14};

/// READ BINARY chunk size with short APDUs (Le = 00).
inline constexpr size_t kReadChunkSize = 256;

}  // namespace mykey::jpki
