#include "mykey/protocol/voucher_token.h"

#include <algorithm>

#include "mykey/base/base45.h"
#include "mykey/crypto/sha256.h"
#include "mykey/protocol/typed_text.h"

namespace mykey::protocol {

namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

constexpr size_t kSignatureSize = crypto::kEcdsaP256SignatureSize;
static_assert(kVoucherTokenBinarySize == kVoucherPayloadSize + kSignatureSize);
static_assert(kVoucherTokenTextSize == 144);

// Offsets in the binary form (see the header).
constexpr size_t kVersionAt = 0;
constexpr size_t kKindAt = 1;
constexpr size_t kKeyIdAt = 2;
constexpr size_t kSerialAt = 10;
constexpr size_t kMunicipalityAt = 16;
constexpr size_t kProgrammeAt = 19;
constexpr size_t kAmountAt = 21;
constexpr size_t kIssuedAt = 25;
constexpr size_t kExpiresAt = 27;
static_assert(kExpiresAt + 2 == kVoucherPayloadSize);

constexpr uint32_t kMaxDayNumber = 0xFFFF;
constexpr uint32_t kMaxMunicipalityCode = 479'999;

void AppendBe(Bytes& out, uint64_t value, size_t width) {
  for (size_t i = width; i-- > 0;) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

uint64_t LoadBe(ByteView in, size_t at, size_t width) {
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) value = (value << 8) | in[at + i];
  return value;
}

// Days since kVoucherDateEpoch, or -1 if the date is invalid or out of range.
int64_t DayNumber(const year_month_day& date) {
  if (!date.ok()) return -1;
  const int64_t n = (sys_days(date) - sys_days(kVoucherDateEpoch)).count();
  return n < 0 || n > kMaxDayNumber ? -1 : n;
}

year_month_day DateOfDayNumber(uint64_t n) {
  return year_month_day(sys_days(kVoucherDateEpoch) + days(static_cast<int64_t>(n)));
}

// Everything ValidateVoucherFields() checks except the 6-month rule: what a
// well-formed token must satisfy.
Status CheckFieldFormat(const VoucherFields& fields) {
  if (fields.kind != VoucherKind::kGranted && fields.kind != VoucherKind::kSold) {
    return Fail(ErrorCode::kInvalidArgument, "unknown voucher kind");
  }
  if (fields.serial.value() >= VoucherSerial::kValueLimit) {
    return Fail(ErrorCode::kInvalidArgument, "voucher serial out of range");
  }
  if (!IsValidMunicipalityCode(fields.programme.municipality_code)) {
    return Fail(ErrorCode::kInvalidArgument, "not a valid local government code");
  }
  if (fields.amount == 0 || fields.amount > kMaxVoucherAmount) {
    return Fail(ErrorCode::kInvalidArgument, "voucher amount outside 1..1000000 points");
  }
  const int64_t issued = DayNumber(fields.issued);
  const int64_t expires = DayNumber(fields.expires);
  if (issued < 0 || expires < 0) {
    return Fail(ErrorCode::kInvalidArgument, "voucher date invalid or outside 2020..2199");
  }
  if (expires < issued) {
    return Fail(ErrorCode::kInvalidArgument, "voucher expires before it is issued");
  }
  return Ok();
}

Status CheckSoldTerm(const VoucherFields& fields) {
  if (fields.kind == VoucherKind::kSold &&
      sys_days(fields.expires) > sys_days(LatestSoldVoucherExpiry(fields.issued))) {
    return Fail(ErrorCode::kInvalidArgument, "a sold voucher must expire within 6 months of issue",
                ErrorDomain::kNone, kSoldVoucherTermTooLong);
  }
  return Ok();
}

}  // namespace

bool IsValidMunicipalityCode(uint32_t code) {
  if (code > kMaxMunicipalityCode) return false;
  const uint32_t prefecture = code / 10'000;
  if (prefecture < 1 || prefecture > 47) return false;
  uint32_t digits = code / 10;
  uint32_t sum = 0;
  for (uint32_t weight = 2; weight <= 6; ++weight) {
    sum += (digits % 10) * weight;
    digits /= 10;
  }
  return (11 - sum % 11) % 10 == code % 10;
}

year_month_day JapanDate(std::chrono::sys_seconds now) {
  return year_month_day(std::chrono::floor<days>(now + kJapanUtcOffset));
}

year_month_day LatestSoldVoucherExpiry(year_month_day issued) {
  const year_month_day same_day_later = issued + std::chrono::months{6};
  if (same_day_later.ok()) return year_month_day(sys_days(same_day_later) - days{1});
  // No such day (the 29th-31st in a shorter month): the end of that month.
  return year_month_day(std::chrono::year_month_day_last(
      same_day_later.year(), std::chrono::month_day_last(same_day_later.month())));
}

Status ValidateVoucherFields(const VoucherFields& fields) {
  MYKEY_TRY(CheckFieldFormat(fields));
  return CheckSoldTerm(fields);
}

Result<Bytes> VoucherPayload(const VoucherToken& token) {
  if (token.version != kVoucherFormatVersion) {
    return Fail(ErrorCode::kUnimplemented, "unknown voucher format version");
  }
  const VoucherFields& fields = token.fields;
  MYKEY_TRY(CheckFieldFormat(fields));
  Bytes out;
  out.reserve(kVoucherTokenBinarySize);
  out.push_back(token.version);
  out.push_back(static_cast<uint8_t>(fields.kind));
  out.insert(out.end(), token.key_id.begin(), token.key_id.end());
  AppendBe(out, fields.serial.value(), 6);
  AppendBe(out, fields.programme.municipality_code, 3);
  AppendBe(out, fields.programme.number, 2);
  AppendBe(out, fields.amount, 4);
  AppendBe(out, static_cast<uint64_t>(DayNumber(fields.issued)), 2);
  AppendBe(out, static_cast<uint64_t>(DayNumber(fields.expires)), 2);
  return out;
}

Result<std::string> EncodeVoucherToken(const VoucherFields& fields,
                                       const crypto::EcdsaPrivateKey& key) {
  MYKEY_TRY(ValidateVoucherFields(fields));
  VoucherToken token;
  token.key_id = key.KeyId();
  token.fields = fields;
  MYKEY_ASSIGN_OR_RETURN(Bytes binary, VoucherPayload(token));
  MYKEY_ASSIGN_OR_RETURN(const Bytes signed_bytes, key.Sign(crypto::Sha256(binary)));
  // One valid signature per voucher: (r, n - s) would verify too.
  MYKEY_ASSIGN_OR_RETURN(const Bytes signature, crypto::LowSEcdsaSignature(signed_bytes));
  binary.insert(binary.end(), signature.begin(), signature.end());
  return std::string(kVoucherTokenPrefix) + Base45Encode(binary);
}

Result<VoucherToken> DecodeVoucherToken(std::string_view text) {
  // A token pasted from a scanner app or a file often ends with a CR/LF.
  text = TrimAsciiWhitespace(text);
  if (!text.starts_with(kVoucherTokenPrefix)) {
    return Fail(ErrorCode::kInvalidArgument, "not a voucher token (no MKV: prefix)");
  }
  text.remove_prefix(kVoucherTokenPrefix.size());
  // Bound the work on junk before decoding: far longer than any version's token.
  if (text.size() > 4 * kVoucherTokenTextSize) {
    return Fail(ErrorCode::kInvalidArgument, "voucher token far too long");
  }
  MYKEY_ASSIGN_OR_RETURN(const Bytes binary, Base45Decode(text));
  if (binary.empty()) return Fail(ErrorCode::kDataLoss, "voucher token is empty");
  if (binary[kVersionAt] != kVoucherFormatVersion) {
    return Fail(ErrorCode::kUnimplemented, "unknown voucher format version");
  }
  if (binary.size() != kVoucherTokenBinarySize) {
    return Fail(ErrorCode::kDataLoss, "voucher token has the wrong length", ErrorDomain::kParse,
                static_cast<int64_t>(std::min(binary.size(), kVoucherTokenBinarySize)));
  }
  const ByteView in(binary);
  VoucherToken token;
  token.version = binary[kVersionAt];
  const uint8_t kind = binary[kKindAt];
  if (kind != static_cast<uint8_t>(VoucherKind::kGranted) &&
      kind != static_cast<uint8_t>(VoucherKind::kSold)) {
    return Fail(ErrorCode::kInvalidArgument, "unknown voucher kind", ErrorDomain::kParse, kKindAt);
  }
  token.fields.kind = static_cast<VoucherKind>(kind);
  std::copy_n(binary.begin() + kKeyIdAt, token.key_id.size(), token.key_id.begin());
  MYKEY_ASSIGN_OR_RETURN(token.fields.serial, VoucherSerial::FromValue(LoadBe(in, kSerialAt, 6)));
  token.fields.programme.municipality_code = static_cast<uint32_t>(LoadBe(in, kMunicipalityAt, 3));
  token.fields.programme.number = static_cast<uint16_t>(LoadBe(in, kProgrammeAt, 2));
  token.fields.amount = static_cast<uint32_t>(LoadBe(in, kAmountAt, 4));
  token.fields.issued = DateOfDayNumber(LoadBe(in, kIssuedAt, 2));
  token.fields.expires = DateOfDayNumber(LoadBe(in, kExpiresAt, 2));
  MYKEY_TRY(CheckFieldFormat(token.fields));
  token.signature.assign(binary.begin() + kVoucherPayloadSize, binary.end());
  return token;
}

Status VoucherKeyRing::Add(const crypto::EcdsaPublicKey& key) {
  const crypto::EcdsaKeyId id = key.KeyId();
  if (Find(id) != nullptr) {
    return Fail(ErrorCode::kAlreadyExists, "a voucher key with this id is already in the ring");
  }
  keys_.push_back({id, key});
  return Ok();
}

const crypto::EcdsaPublicKey* VoucherKeyRing::Find(const crypto::EcdsaKeyId& id) const {
  for (const Entry& entry : keys_) {
    if (entry.id == id) return &entry.key;
  }
  return nullptr;
}

Status VerifyVoucherToken(const VoucherToken& token, const VoucherKeyRing& keys,
                          std::chrono::sys_seconds now) {
  // The signature covers the payload rebuilt from the fields, so a token
  // edited after decoding fails like a forged one.
  MYKEY_ASSIGN_OR_RETURN(const Bytes payload, VoucherPayload(token));
  const crypto::EcdsaPublicKey* key = keys.Find(token.key_id);
  if (key == nullptr) return Fail(ErrorCode::kNotFound, "voucher signed by an unknown key");
  MYKEY_TRY(key->Verify(crypto::Sha256(payload), token.signature));
  // (r, n - s) verifies as well: only the low-S one is the voucher's, so a
  // voucher has exactly one valid QR text.
  if (!crypto::IsLowSEcdsaSignature(token.signature)) {
    return Fail(ErrorCode::kUnauthenticated, "voucher signature is not in low-S form");
  }
  MYKEY_TRY(CheckSoldTerm(token.fields));

  const sys_days today(JapanDate(now));
  if (sys_days(token.fields.issued) > today + kIssueDateToleranceDays) {
    return Fail(ErrorCode::kFailedPrecondition, "voucher issued in the future", ErrorDomain::kNone,
                kVoucherNotYetValid);
  }
  if (today > sys_days(token.fields.expires)) {
    return Fail(ErrorCode::kFailedPrecondition, "voucher expired", ErrorDomain::kNone,
                kVoucherExpired);
  }
  return Ok();
}

Result<VoucherToken> DecodeAndVerifyVoucherToken(std::string_view text, const VoucherKeyRing& keys,
                                                 std::chrono::sys_seconds now) {
  MYKEY_ASSIGN_OR_RETURN(VoucherToken token, DecodeVoucherToken(text));
  MYKEY_TRY(VerifyVoucherToken(token, keys, now));
  return token;
}

}  // namespace mykey::protocol
