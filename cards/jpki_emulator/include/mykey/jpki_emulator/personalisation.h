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
  Bytes auth_certificate;        ///< EF 000A, DER
  Bytes auth_ca_certificate;     ///< EF 000B, DER
  Bytes sign_certificate;        ///< EF 0001, DER (may be empty)
  Bytes sign_ca_certificate;     ///< EF 0002, DER (may be empty)
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

/// The format tag of a personalisation file.
inline constexpr std::string_view kPersonalisationFormat = "mykey-jpki-card/1";
/// The format tag of a PIN counter file.
inline constexpr std::string_view kPinCountersFormat = "mykey-jpki-counters/1";
/// Largest EF the card addresses with READ BINARY's 15-bit offset.
inline constexpr size_t kMaxEfSize = 0x8000;

/// Checks every rule a card must satisfy: certificates DER-shaped (one
/// SEQUENCE, nothing after it) and no larger than `certificate_ef_size`
/// (at most kMaxEfSize); the auth certificate and auth CA certificate
/// present; the auth key (and the signature key, if any) a DER RSA-2048 key
/// with e = 65537 whose public key is the one in its certificate; the auth
/// PIN exactly 4 ASCII digits; the signature password 6-16 upper-case
/// letters and digits; counters between 0 and their maximum.
/// @returns kInvalidArgument with a message naming the broken rule.
Status ValidatePersonalisation(const JpkiPersonalisation& card);

/// Parses the JSON text of a personalisation file and validates it.
/// @param base_dir directory a relative `counter_file` is resolved against
///                 (the file's directory); the result holds the resolved path
/// @returns kInvalidArgument (with what is wrong) if it is malformed, has an
/// unknown or missing member, a wrong format tag, or breaks a rule.
Result<JpkiPersonalisation> ParsePersonalisation(std::string_view json_text,
                                                 const std::string& base_dir);

/// The JSON text of a personalisation file (no validation). Holds private
/// keys and PINs: callers write it only to 0600 files.
std::string SerialisePersonalisation(const JpkiPersonalisation& card);

/// Reads a personalisation file. @returns kNotFound if the file is absent;
/// kPermissionDenied/kUnavailable if it cannot be read (detail: errno);
/// kInvalidArgument (with what is wrong) if it is malformed or breaks a
/// rule (PIN format, key not RSA-2048, certificate larger than its EF).
/// A relative `counter_file` comes back resolved against the file's directory.
Result<JpkiPersonalisation> LoadPersonalisation(const std::string& path);

/// Writes a personalisation file (mode 0600, written atomically: temporary
/// file, fsync, rename). Validates first. @returns kInvalidArgument if the
/// card breaks a rule; kUnavailable/kPermissionDenied (detail: errno) if the
/// file cannot be written.
Status SavePersonalisation(const JpkiPersonalisation& card, const std::string& path);

/// Reads persisted counters; returns std::nullopt if the file does not exist yet.
/// @returns kDataLoss if the file exists but is malformed or out of range
/// (a corrupt counter file is never read as "full tries");
/// kUnavailable/kPermissionDenied (detail: errno) if it cannot be read.
Result<std::optional<PinCounters>> LoadPinCounters(const std::string& path);
/// Writes counters durably (write to a temporary file, fsync, rename, fsync
/// of the directory). @returns kInvalidArgument for counters out of range;
/// kUnavailable/kPermissionDenied (detail: errno) if the write fails.
Status SavePinCounters(const PinCounters& counters, const std::string& path);

}  // namespace mykey::jpki
