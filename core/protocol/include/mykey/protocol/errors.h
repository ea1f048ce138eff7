#pragma once

#include <cstdint>

#include "mykey/base/error.h"

namespace mykey::protocol {

/// The `detail` values (domain ErrorDomain::kNone) of protocol errors, so that
/// callers can branch without reading messages. They live in 101..199 so they
/// never collide with core/crypto's certificate details (1, 2).

/// kFailedPrecondition: the voucher's issue date is later than today (Japan
/// time) plus the clock tolerance.
inline constexpr int64_t kVoucherNotYetValid = 101;
/// kFailedPrecondition: today (Japan time) is after the voucher's expiry date.
inline constexpr int64_t kVoucherExpired = 102;
/// kInvalidArgument: a voucher serial's check character does not match (a
/// typing error, most likely).
inline constexpr int64_t kVoucherSerialCheckMismatch = 103;
/// kInvalidArgument: a sold (prepaid) voucher expires more than 6 months
/// after issue (資金決済法: see LatestSoldVoucherExpiry()).
inline constexpr int64_t kSoldVoucherTermTooLong = 104;

constexpr bool IsVoucherNotYetValid(const Error& error) {
  return error.code() == ErrorCode::kFailedPrecondition &&
         error.Is(ErrorDomain::kNone, kVoucherNotYetValid);
}
constexpr bool IsVoucherExpired(const Error& error) {
  return error.code() == ErrorCode::kFailedPrecondition &&
         error.Is(ErrorDomain::kNone, kVoucherExpired);
}
constexpr bool IsVoucherSerialCheckMismatch(const Error& error) {
  return error.code() == ErrorCode::kInvalidArgument &&
         error.Is(ErrorDomain::kNone, kVoucherSerialCheckMismatch);
}
constexpr bool IsSoldVoucherTermTooLong(const Error& error) {
  return error.code() == ErrorCode::kInvalidArgument &&
         error.Is(ErrorDomain::kNone, kSoldVoucherTermTooLong);
}

}  // namespace mykey::protocol
