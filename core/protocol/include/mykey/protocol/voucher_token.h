#pragma once

// The voucher token: what the QR code of a paper point voucher carries, signed
// by the cloud's voucher key, checked offline by anyone with the published
// public keys (terminal, a shop's phone), redeemed once online.
//
// Text form: "MKV:" followed by Base45 (RFC 9285) of 93 bytes, 144 characters
// in all, every one in the QR alphanumeric set (a version 6-M QR symbol).
//
// Binary form, all integers big-endian, fixed width (offset: size field):
//
//    0: 1  format version, 0x01
//    1: 1  kind: 0x01 granted (free, not a prepaid instrument), 0x02 sold for cash
//    2: 8  key id: EcdsaKeyId of the cloud voucher key that signed
//   10: 6  serial: VoucherSerial::value() (< 31^9)
//   16: 3  municipality: the 6-digit local government code (全国地方公共団体コード,
//          with its check digit), as a number (e.g. 131016 = 0x01FFC8)
//   19: 2  programme number within the municipality (0 = its own points)
//   21: 4  amount in points, 1..kMaxVoucherAmount
//   25: 2  issue date: days since 2020-01-01 (a JST calendar day)
//   27: 2  expiry date: days since 2020-01-01 (a JST calendar day, inclusive)
//   29: 64 signature: ECDSA P-256, raw r || s, over SHA-256 of bytes 0..28,
//          s in low-S form (s <= n/2), so a voucher has one valid text
//
// Clock rule: dates are calendar days in Japan (UTC+9, no daylight saving). A
// voucher is valid from the start of its issue day through the end of its
// expiry day, Japan time. A terminal's clock may be off, so an issue date up to
// kIssueDateToleranceDays after today is accepted; nothing is tolerated at
// expiry (a voucher is refused from 00:00 JST the day after its expiry date;
// the cloud's clock decides at online redemption).

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/crypto/ecdsa.h"
#include "mykey/protocol/errors.h"
#include "mykey/protocol/voucher_serial.h"

namespace mykey::protocol {

/// Prefix of the text form; tells a scanner that a QR code is a MyKey voucher.
inline constexpr std::string_view kVoucherTokenPrefix = "MKV:";
/// The format version this code writes and reads.
inline constexpr uint8_t kVoucherFormatVersion = 1;
/// Signed bytes (before the signature).
inline constexpr size_t kVoucherPayloadSize = 29;
/// Payload plus signature.
inline constexpr size_t kVoucherTokenBinarySize = kVoucherPayloadSize + 64;
/// Length of the text form: prefix plus Base45 of the binary form (144).
inline constexpr size_t kVoucherTokenTextSize = kVoucherTokenPrefix.size() +
                                                3 * (kVoucherTokenBinarySize / 2) +
                                                2 * (kVoucherTokenBinarySize % 2);
/// Largest amount a voucher may carry, in points.
inline constexpr uint32_t kMaxVoucherAmount = 1'000'000;
/// Day 0 of the date fields; dates run to 2020-01-01 + 65535 days (2199-06-06).
inline constexpr std::chrono::year_month_day kVoucherDateEpoch{
    std::chrono::year{2020}, std::chrono::January, std::chrono::day{1}};
/// How far in the future (Japan time) an issue date may be before a voucher is
/// refused as not yet valid: one calendar day, for terminal clocks that are off.
inline constexpr std::chrono::days kIssueDateToleranceDays{1};
/// Japan Standard Time's offset from UTC.
inline constexpr std::chrono::hours kJapanUtcOffset{9};

/// Whether the value was granted for free or sold for cash (a prepaid
/// instrument under 資金決済法, which must expire within 6 months of issue to
/// stay outside the registration rule).
enum class VoucherKind : uint8_t {
  kGranted = 1,
  kSold = 2,
};

/// Which points a voucher pays out: a municipality by its 6-digit local
/// government code, and a programme number within it (0 = the municipality's
/// own points; events and projects have their own numbers, assigned by the
/// cloud).
///
/// Thread safety: a value type.
struct VoucherProgramme {
  uint32_t municipality_code = 0;
  uint16_t number = 0;
  friend bool operator==(const VoucherProgramme&, const VoucherProgramme&) = default;
};

/// What the cloud decides when it issues a voucher.
///
/// Thread safety: a value type.
struct VoucherFields {
  VoucherSerial serial;
  VoucherKind kind = VoucherKind::kGranted;
  VoucherProgramme programme;
  /// In points, 1..kMaxVoucherAmount.
  uint32_t amount = 0;
  /// The JST calendar day of issue.
  std::chrono::year_month_day issued;
  /// The last JST calendar day on which the voucher may be used.
  std::chrono::year_month_day expires;
  friend bool operator==(const VoucherFields&, const VoucherFields&) = default;
};

/// A decoded token: well-formed, not yet verified.
///
/// Thread safety: a value type.
struct VoucherToken {
  uint8_t version = kVoucherFormatVersion;
  crypto::EcdsaKeyId key_id{};
  VoucherFields fields;
  /// Raw r || s, 64 bytes.
  Bytes signature;
};

/// True if `code` is a 6-digit local government code: prefecture 01..47 and
/// a correct check digit (6th digit = (11 - (sum of the first five digits
/// weighted 6, 5, 4, 3, 2) mod 11) mod 10; e.g. 131016 千代田区, 011002 札幌市).
bool IsValidMunicipalityCode(uint32_t code);

/// The JST calendar day of an instant.
std::chrono::year_month_day JapanDate(std::chrono::sys_seconds now);

/// The last allowed expiry date of a voucher sold on `issued`: the period
/// "from the day of issue, within 6 months" counts the issue day itself and,
/// as the Civil Code (民法 143条) counts months, ends at the end of the day
/// before the same day 6 months later, or at the end of that month if it has
/// no such day. 2024-01-15 -> 2024-07-14; 2024-01-01 -> 2024-06-30;
/// 2024-08-31 -> 2025-02-28; 2023-08-30 -> 2024-02-29.
std::chrono::year_month_day LatestSoldVoucherExpiry(std::chrono::year_month_day issued);

/// Checks the fields as the cloud must before it signs, and as verification
/// does after the signature: valid dates in the encodable range, expiry not
/// before issue, amount 1..kMaxVoucherAmount, a known kind, a valid
/// municipality code, and for sold vouchers the 6-month rule.
/// @returns Ok; kInvalidArgument for any malformed field; kInvalidArgument
/// with detail kSoldVoucherTermTooLong for a sold voucher expiring after
/// LatestSoldVoucherExpiry(issued).
Status ValidateVoucherFields(const VoucherFields& fields);

/// The signed bytes (kVoucherPayloadSize) of a token: what its signature covers.
/// @returns kInvalidArgument if the fields cannot be encoded (see
/// ValidateVoucherFields(), but the 6-month rule is not checked here);
/// kUnimplemented for a version other than kVoucherFormatVersion.
Result<Bytes> VoucherPayload(const VoucherToken& token);

/// Signs `fields` with the cloud voucher key and writes the text form
/// (kVoucherTokenTextSize characters). The key id is the key's own
/// (EcdsaPrivateKey::KeyId()), so it always names the key that signed.
/// Deterministic: the same fields and key give the same text. The signature
/// is in low-S form (crypto::LowSEcdsaSignature()).
/// @returns the text; kInvalidArgument as ValidateVoucherFields() (including
/// kSoldVoucherTermTooLong); kInternal if signing fails.
Result<std::string> EncodeVoucherToken(const VoucherFields& fields,
                                       const crypto::EcdsaPrivateKey& key);

/// Parses the text form strictly, without checking the signature or dates;
/// only ASCII whitespace at either end (a pasted CR/LF) is ignored. Never
/// crashes and never reads past `text`, whatever it holds.
/// @returns the token, or:
///  - kInvalidArgument: no "MKV:" prefix, a character outside Base45, a bad
///    Base45 length or group, a field out of range (kind, serial, municipality
///    code, amount, dates, expiry before issue);
///  - kUnimplemented: a format version this code does not know (a newer cloud);
///  - kDataLoss: the right version but too few or too many bytes (a truncated
///    or padded scan).
Result<VoucherToken> DecodeVoucherToken(std::string_view text);

/// The public voucher keys the cloud publishes, by key id. Old keys stay in
/// the ring as long as vouchers they signed may be in circulation.
///
/// Thread safety: const methods may be called concurrently; Add() needs
/// exclusive access.
class VoucherKeyRing {
 public:
  /// Adds a key.
  /// @returns Ok, or kAlreadyExists if a key with the same id is in the ring.
  Status Add(const crypto::EcdsaPublicKey& key);
  /// The key with `id`, or nullptr.
  const crypto::EcdsaPublicKey* Find(const crypto::EcdsaKeyId& id) const;
  size_t size() const { return keys_.size(); }

 private:
  struct Entry {
    crypto::EcdsaKeyId id;
    crypto::EcdsaPublicKey key;
  };
  std::vector<Entry> keys_;
};

/// Verifies a decoded token offline, in this order: key, signature, fields,
/// dates (the clock rule at the top of this file).
/// @param now the current instant; it is turned into a JST calendar day
/// @returns Ok, or
///  - kNotFound: no key in `keys` has the token's key id;
///  - kUnauthenticated: the signature does not verify (forged or altered), or
///    its s is not in low-S form (the other of the two signatures of the
///    payload: a re-encoded copy, never what the cloud signed);
///  - kInvalidArgument: a malformed field; detail kSoldVoucherTermTooLong for a
///    sold voucher expiring more than 6 months after issue;
///  - kUnimplemented: an unknown format version;
///  - kFailedPrecondition with detail kVoucherNotYetValid (issue date more than
///    kIssueDateToleranceDays after today) or kVoucherExpired (today is after
///    the expiry date); see IsVoucherExpired() / IsVoucherNotYetValid().
Status VerifyVoucherToken(const VoucherToken& token, const VoucherKeyRing& keys,
                          std::chrono::sys_seconds now);

/// DecodeVoucherToken() then VerifyVoucherToken(): what a scanner calls.
/// @returns the verified token, or any error of the two.
Result<VoucherToken> DecodeAndVerifyVoucherToken(std::string_view text, const VoucherKeyRing& keys,
                                                 std::chrono::sys_seconds now);

}  // namespace mykey::protocol
