#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/jpki_profile/jpki_profile.h"

namespace mykey::jpki {

/// PIN counters of an emulated card: what persists between runs.
struct PinCounters {
  int auth_pin_tries_left = kAuthPinMaxTries;
  int sign_password_tries_left = kSignPasswordMaxTries;
  bool operator==(const PinCounters&) const = default;
};

/// Everything an emulated JPKI card holds (jpki-card.md §2, §4): what the
/// card's issuer writes at personalisation.
///
/// Stored as a JSON file (format "mykey-jpki-card/1"): DER objects in
/// Base64, PINs as text. It is test material: real cards are never
/// personalised by this product.
///
/// Thread safety: a value type (move-only: it holds private keys).
struct JpkiPersonalisation {
  TokenType token_type = TokenType::kPlasticCard;
  Bytes auth_certificate;      ///< EF 000A, DER
  Bytes auth_ca_certificate;   ///< EF 000B, DER
  Bytes sign_certificate;      ///< EF 0001, DER (may be empty)
  Bytes sign_ca_certificate;   ///< EF 0002, DER (may be empty)
  SecretBytes auth_private_key;  ///< EF 0017, DER PKCS#1 RSAPrivateKey (RSA-2048)
  SecretBytes sign_private_key;  ///< EF 001A, DER PKCS#1 (may be empty)
  SecretBytes auth_pin;          ///< 4 ASCII digits
  SecretBytes sign_password;     ///< 6-16 upper-case letters and digits
  PinCounters counters;          ///< initial counters
  /// Size of each certificate EF; the space after the certificate is filler.
  size_t certificate_ef_size = 2048;
  /// Where counters persist between runs; empty: they live in memory only.
  /// A relative path is relative to the personalisation file.
  std::string counter_file;
};

/// Reads a personalisation file. @returns kNotFound if the file is absent;
/// kInvalidArgument (with what is wrong) if it is malformed or breaks a
/// rule (PIN format, key not RSA-2048, certificate larger than its EF).
Result<JpkiPersonalisation> LoadPersonalisation(const std::string& path);

/// Writes a personalisation file (mode 0600, written atomically).
Status SavePersonalisation(const JpkiPersonalisation& card, const std::string& path);

/// Reads persisted counters; returns std::nullopt if the file does not exist yet.
Result<std::optional<PinCounters>> LoadPinCounters(const std::string& path);
/// Writes counters durably (write to a temporary file, fsync, rename).
Status SavePinCounters(const PinCounters& counters, const std::string& path);

}  // namespace mykey::jpki
