#pragma once

// The redeem_voucher flow's seam: a presented voucher is checked offline,
// then redeemed online once (CounterVoucherRedeemer in voucher_counter.h;
// fakes in the tests). Pure values and an interface.

#include <cstdint>
#include <optional>
#include <string>

namespace mykey::terminal {

/// The voucher as the holder presents it: exactly one of the three.
///
/// Thread safety: a value type.
struct PresentedVoucher {
  std::string image;   ///< path of a PNG/JPEG a scanner wrote
  std::string token;   ///< the QR code's text ("MKV:...")
  std::string serial;  ///< typed by the clerk (the QR would not scan)
};

/// The offline check of a presented voucher.
///
/// Thread safety: a value type.
struct VoucherCheck {
  /// Empty: passed. Otherwise the refusal: "voucher_expired",
  /// "voucher_invalid" (not a voucher, forged, unknown key, malformed, a
  /// mistyped serial), "voucher_unreadable" (no QR code in the image, not an
  /// image), "voucher_keys_missing" (no cached keys yet).
  std::string refusal;
  std::string serial;             ///< the voucher's serial
  std::string text;               ///< what goes to the cloud: the token or the serial
  std::optional<int64_t> amount;  ///< from a verified token
};

/// The online redemption.
///
/// Thread safety: a value type.
struct VoucherRedemption {
  /// Empty: redeemed. Otherwise "voucher_already_redeemed",
  /// "voucher_expired", "voucher_invalid" (unknown, voided, never printed),
  /// "voucher_not_accepted", or a counter::CounterErrorCodeName
  /// ("cloud_unreachable", "outcome_unknown", ...).
  std::string refusal;
  std::string serial;
  int64_t amount = 0;
  int64_t programme_id = 0;
  std::string state;            ///< the cloud's voucher state ("redeemed")
  std::string idempotency_key;  ///< of the redemption (also for outcome_unknown)
};

/// Checks a voucher offline and redeems it online.
///
/// Thread safety: called from the flow's thread only.
class VoucherRedeemer {
 public:
  virtual ~VoucherRedeemer() = default;
  /// Decodes and verifies the voucher offline (no cloud call).
  virtual VoucherCheck Check(const PresentedVoucher& voucher) = 0;
  /// Redeems a voucher that passed Check() at the cloud, once.
  virtual VoucherRedemption Redeem(const VoucherCheck& checked) = 0;
};

}  // namespace mykey::terminal
