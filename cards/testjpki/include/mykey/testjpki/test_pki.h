#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/crypto/rsa.h"
#include "mykey/crypto/x509.h"
#include "mykey/jpki_emulator/personalisation.h"
#include "mykey/jpki_profile/jpki_profile.h"

namespace mykey::testjpki {

/// The test hierarchy's names: the JPKI DN shape (jpki-card.md §6) with a
/// TEST marker in the first OU, so that nobody mistakes it for the real one.
inline constexpr std::string_view kAuthCaDn =
    "C=JP, O=JPKI, OU=JPKI for user authentication TEST, OU=Japan Agency for Local Authority "
    "Information Systems";
inline constexpr std::string_view kSignCaDn =
    "C=JP, O=JPKI, OU=JPKI for digital signature TEST, OU=Japan Agency for Local Authority "
    "Information Systems";
/// CRL distribution points (directory names, as JPKI uses, not URLs).
inline constexpr std::string_view kAuthCrlDistributionPoint =
    "C=JP, O=JPKI, OU=JPKI for user authentication TEST, OU=CRL Distribution Points";
inline constexpr std::string_view kSignCrlDistributionPoint =
    "C=JP, O=JPKI, OU=JPKI for digital signature TEST, OU=CRL Distribution Points";

/// The CA generations made by default (the real JPKI has these three).
inline const std::vector<int> kDefaultGenerations = {2015, 2019, 2023};

/// Which of the two JPKI hierarchies.
enum class CaKind : uint8_t {
  kAuth,  ///< user authentication (利用者証明用)
  kSign,  ///< digital signature (署名用)
};

/// "YYYY-MM-DD" -> a day. @returns kInvalidArgument if malformed or not a real date.
Result<std::chrono::sys_days> ParseDate(std::string_view text);
/// A day as "YYYY-MM-DD".
std::string FormatDate(std::chrono::sys_days day);
/// "MM-DD" -> a month and day (02-29 allowed). @returns kInvalidArgument if malformed.
Result<std::chrono::month_day> ParseMonthDay(std::string_view text);

/// The `n`-th birthday strictly after `after` (n >= 1). A 02-29 birthday
/// falls on 02-28 in common years.
std::chrono::sys_days NthBirthdayAfter(std::chrono::month_day birthday, std::chrono::sys_days after,
                                       int n);

/// One CA generation: its certificate and private key.
///
/// Thread safety: immutable after creation; const methods may be called concurrently.
struct CaGeneration {
  int generation = 0;  ///< the year it was created (2015, 2019, 2023)
  crypto::Certificate certificate;
  crypto::RsaPrivateKey key;
};

/// How an issued certificate relates to "now".
enum class CardValidity : uint8_t {
  kNormal,       ///< issued on `issued` (default: now)
  kExpired,      ///< issued 6 years before now: its certificates expired before now
  kNotYetValid,  ///< issued 30 days after now
};

/// What to put on a test card (options as a value object).
struct CardOptions {
  /// Which holder: keys, CN and default birthday are derived from seed + index.
  uint32_t index = 0;
  /// The CA generation; 0 = the latest one whose validity started by the issue date.
  int generation = 0;
  /// "Today" for defaults; tests pass a fixed day so that output is repeatable.
  std::chrono::sys_days now{};
  /// The issue date; defaults to `now` (or derived from `validity`).
  std::optional<std::chrono::sys_days> issued;
  /// The holder's birthday; defaults to a day derived from seed + index.
  std::optional<std::chrono::month_day> birthday;
  /// The card's own expiry; the certificates end there if it is before the
  /// 5th birthday after issue. Default: the 10th birthday after issue.
  std::optional<std::chrono::sys_days> card_expiry;
  CardValidity validity = CardValidity::kNormal;
  jpki::TokenType token_type = jpki::TokenType::kPlasticCard;
  std::string auth_pin = "1234";         ///< 4 digits
  std::string sign_password = "ABC123";  ///< 6-16 upper-case letters and digits
  int auth_pin_tries_left = jpki::kAuthPinMaxTries;
  int sign_password_tries_left = jpki::kSignPasswordMaxTries;
  std::string counter_file;  ///< copied into the personalisation
};

/// A personalised test card and what a test wants to know about it.
///
/// Thread safety: a value type (move-only: it holds private keys).
struct IssuedCard {
  jpki::JpkiPersonalisation personalisation;
  crypto::Certificate auth_certificate;
  crypto::Certificate sign_certificate;
  int generation = 0;
  std::chrono::month_day birthday;
};

/// What to put in a test CRL.
struct CrlOptions {
  CaKind kind = CaKind::kAuth;
  /// The CA generation that signs; 0 = the latest.
  int generation = 0;
  std::chrono::sys_seconds this_update{};
  /// Default: thisUpdate + 1 day (J-LIS publishes daily).
  std::optional<std::chrono::sys_seconds> next_update;
  /// Default: days since 1970-01-01 of thisUpdate (grows daily).
  std::optional<uint64_t> crl_number;
  /// Serials to list (unsigned big-endian), revoked at thisUpdate.
  std::vector<Bytes> serials;
  /// This many more random serials (from the seed), revoked in the year before thisUpdate.
  size_t random_count = 0;
};

/// A deterministic test PKI with the JPKI profile (jpki-card.md §6): for each
/// generation a self-signed auth CA and a signature CA (RSA-2048, e=65537,
/// BasicConstraints and KeyUsage critical, CRL DP as directory name, same DN
/// across generations), end-entity certificates and personalised emulated
/// cards, and CRLs. Everything is a pure function of the seed and the
/// arguments: the same input gives byte-identical output.
///
/// Never for production: the seed *is* the private keys.
///
/// Thread safety: const methods may be called concurrently.
class TestPki {
 public:
  /// Generates the hierarchy (two RSA-2048 keys per generation).
  /// @param seed        any text; the same seed gives the same keys and certificates
  /// @param generations years, e.g. {2015, 2019, 2023}; each CA is valid from
  ///                    Jan 1st of that year for 10 years
  /// @returns kInvalidArgument for an empty seed, no generations, a duplicate
  /// or a year outside 1990..2100.
  static Result<TestPki> Create(std::string_view seed,
                                const std::vector<int>& generations = kDefaultGenerations);

  /// Loads a hierarchy written by Save().
  /// @returns kNotFound if DIR/testjpki.json is absent; kInvalidArgument if a
  /// file is malformed or a key does not match its certificate.
  static Result<TestPki> Load(const std::string& dir);

  /// Writes DIR/testjpki.json, DIR/{auth,sign}-ca-<gen>.{der,pem} and
  /// DIR/private/{auth,sign}-ca-<gen>.key.der (mode 0600, directory 0700).
  /// @returns kUnavailable (domain kOs) if a file cannot be written.
  Status Save(const std::string& dir) const;

  TestPki(TestPki&&) noexcept;
  TestPki& operator=(TestPki&&) noexcept;
  ~TestPki();

  const std::string& seed() const;
  /// Generations in ascending order.
  std::vector<int> generations() const;
  /// @returns kNotFound if there is no such generation.
  Result<const CaGeneration*> Ca(CaKind kind, int generation) const;
  /// All CA certificates of one kind (ascending generation): trust anchors.
  std::vector<crypto::Certificate> CaCertificates(CaKind kind) const;

  /// The opaque CN of holder `index`: 16 upper-case letters and digits.
  std::string CommonName(uint32_t index) const;

  /// Issues an auth and a signature certificate and personalises a card.
  /// Auth certificate: subject C=JP + CN only, serial 8 random octets
  /// (positive; a new serial for each issue date and generation), KeyUsage
  /// digitalSignature, SKID/AKID, CRL DP; notBefore = issue day 00:00:00 UTC,
  /// notAfter = 14:59:59 UTC (23:59:59 JST) on the 5th birthday after
  /// issue, or on the card's expiry if earlier.
  /// @returns kInvalidArgument for a bad PIN, password, tries-left count, or
  /// a missing `now`; kNotFound for an unknown generation.
  Result<IssuedCard> IssueCard(const CardOptions& options) const;

  /// Builds a DER CRL signed by the chosen CA generation.
  /// @returns kNotFound for an unknown generation; kInvalidArgument for a bad serial.
  Result<Bytes> MakeCrl(const CrlOptions& options) const;

 private:
  struct State;
  explicit TestPki(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace mykey::testjpki
