#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "mykey/auth/auth_schema.h"
#include "mykey/auth/terminal_directory.h"
#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/crypto/random.h"
#include "mykey/store/store.h"

namespace mykey::cloud {

/// Longest an enrollment code may be valid.
inline constexpr std::chrono::hours kMaxEnrollmentCodeTtl{24 * 30};

/// An enrollment code as issued: the code itself is shown once and stored
/// only as a salted hash.
///
/// Thread safety: a value type; not synchronised.
struct IssuedEnrollmentCode {
  /// "K7QM-2XRD-9FHA-T3NB-WC4P-8YEJ": 24 Crockford Base32 characters in
  /// groups of 4; the first 8 name the code, the other 16 (80 bits) are
  /// its secret. Typed case-insensitively; '-' and spaces are skipped, O
  /// reads as 0 and I, L as 1.
  std::string code;
  std::string code_id;  ///< the first 8 characters: safe to log and list
  Site site;
  int64_t expires_at_ms = 0;
};

/// A terminal just enrolled.
///
/// Thread safety: a value type; not synchronised.
struct EnrolledTerminal {
  std::string terminal_id;
  Site site;
};

/// Issues one-time enrollment codes for sites and enrolls terminals with
/// them (schema component "auth").
///
/// Thread safety: safe to call from any thread (the random source is used
/// under a lock; the store serialises).
class TerminalEnrollment {
 public:
  /// @param store  borrowed; must outlive this object and have the auth schema
  /// @param random borrowed; code secrets, salts and terminal ids come from it
  /// @param clock  Unix milliseconds
  TerminalEnrollment(Store& store, crypto::RandomSource& random,
                     UnixMillisClock clock = SystemUnixMillis)
      : store_(store), random_(random), clock_(std::move(clock)) {}

  /// Issues a code for a site, valid for `ttl`.
  /// @returns the code (shown once); kInvalidArgument for a site that is not
  ///          valid (ValidateSite()) or a ttl outside 1 minute ..
  ///          kMaxEnrollmentCodeTtl; kInternal if randomness fails; store errors.
  Result<IssuedEnrollmentCode> IssueCode(const Site& site, std::chrono::seconds ttl);

  /// Enrolls a terminal: consumes the code atomically and registers the key.
  /// @param code           the code as typed
  /// @param public_key_der the terminal's ECDSA P-256 SubjectPublicKeyInfo
  /// @param name           a label for the terminal, 1..100 bytes
  /// @returns the terminal; kInvalidArgument for a key that is not a P-256
  ///          public key or a bad name; kUnauthenticated for an unknown,
  ///          mistyped or expired code (one error for all, the hash compared
  ///          in constant time); kAlreadyExists if the code was used already or
  ///          the key is enrolled already; store errors.
  Result<EnrolledTerminal> Enroll(std::string_view code, ByteView public_key_der,
                                  std::string_view name);

 private:
  Result<std::string> RandomText(size_t length, std::string_view alphabet);
  Status FillRandom(std::span<uint8_t> out);

  Store& store_;
  std::mutex random_mu_;
  crypto::RandomSource& random_;
  UnixMillisClock clock_;
};

/// Normalises a typed enrollment code: drops '-' and spaces, upper-cases,
/// reads O as 0 and I, L as 1. @returns the 24 characters, or
/// kInvalidArgument if they are not 24 Crockford Base32 characters.
Result<std::string> NormaliseEnrollmentCode(std::string_view typed);

}  // namespace mykey::cloud
