#pragma once

// Paper vouchers at the counter: a kiosk issues one for the authenticated
// holder and prints it with proof of print (CounterVoucherIssuer, the flow's
// VoucherIssuer seam), a shop or facility terminal checks a presented voucher
// offline against the cloud's published voucher keys and redeems it online
// once (VoucherRedeemer, CounterVoucherRedeemer). The keys are cached in a
// file next to the terminal id (VoucherKeysPathFor()), refreshed at start-up,
// enrolment and the connection test.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/base/result.h"
#include "mykey/cloud_client/cloud_client.h"
#include "mykey/counter/counter.h"
#include "mykey/protocol/voucher_token.h"
#include "mykey/terminal/flow.h"
#include "mykey/terminal/voucher_redeemer.h"
#include "mykey/voucher/voucher_issuer.h"

namespace mykey::terminal {

/// The voucher key file for a terminal whose id is kept at `id_file`: the
/// same directory, "voucher-keys.json".
std::string VoucherKeysPathFor(const std::string& id_file);

/// Writes the published keys to `path` (JSON, written to a temporary file and
/// renamed, mode 0644: the keys are public).
/// @returns Ok; kInvalidArgument for an empty list; kUnavailable (domain kOs)
///          when the file cannot be written.
Status SaveVoucherKeys(const std::string& path,
                       const std::vector<cloud_client::VoucherPublicKey>& keys);

/// Reads the keys SaveVoucherKeys() wrote.
/// @returns the key ring; kNotFound (domain kOs) when there is no file;
///          kDataLoss when it does not parse or a key is not a P-256 point.
Result<protocol::VoucherKeyRing> LoadVoucherKeys(const std::string& path);

/// Fetches the cloud's voucher keys through `counter` and caches them at `path`.
/// @returns the number of keys; the counter's errors (kCloudUnreachable, ...);
///          SaveVoucherKeys()'s.
Result<size_t> RefreshVoucherKeys(counter::Counter& counter, const std::string& path);

/// The pending-voucher file for a terminal whose id is kept at `id_file`: the
/// same directory, "pending-vouchers.json".
std::string PendingVouchersPathFor(const std::string& id_file);

/// Reads the vouchers this terminal left pending_print.
/// @returns the list (empty when there is no file); kDataLoss when it does not parse.
Result<std::vector<PendingVoucher>> LoadPendingVouchers(const std::string& path);

/// Writes the list (JSON, a temporary file renamed, mode 0600).
/// @returns Ok; kUnavailable (domain kOs) when the file cannot be written.
Status SavePendingVouchers(const std::string& path, const std::vector<PendingVoucher>& vouchers);

/// How a kiosk issues vouchers.
///
/// Thread safety: a value type.
struct VoucherIssuerSettings {
  /// A voucher whose print was not confirmed: void it (the points go back)
  /// or keep it pending_print (staff reprint it; the cloud's pending sweep
  /// voids it if nobody does).
  bool void_unprinted = true;
  int validity_days = 180;                  ///< the last valid Japan day is today + this
  std::string municipality_name;            ///< printed at the top (empty: the municipality code)
  std::string programme_name = "ポイント";  ///< printed under it
  std::vector<std::string> conditions{"1回限り有効です", "おつりは出ません"};
  /// The clock for the expiry day. Default: the system clock.
  std::function<std::chrono::sys_seconds()> now;
  /// Where vouchers kept pending are listed for a reprint (PendingVouchersPathFor());
  /// empty: none are kept (ListPending() answers kUnimplemented).
  std::string pending_path;
};

/// The kiosk's VoucherIssuer over the counter facade: issues for the
/// authenticated holder with the holder's card session (Counter::IssueVoucher),
/// choosing the holder's first programme with enough points when none is
/// given; after the print, confirms it (kPrinted) or voids / keeps it pending.
///
/// Thread safety: called from the flow's thread only.
class CounterVoucherIssuer final : public VoucherIssuer {
 public:
  /// @param counter   borrowed; must outlive the issuer
  /// @param reprinter sdk/voucher's issuer on the kiosk's printer, for
  ///                  reprints and voids of pending vouchers; borrowed, may be
  ///                  nullptr (Reprint() answers kUnimplemented)
  CounterVoucherIssuer(counter::Counter& counter, VoucherIssuerSettings settings,
                       voucher::VoucherIssuer* reprinter = nullptr);

  /// @returns the voucher to print; the counter's errors (kInsufficientBalance,
  ///          kNoMyKeyId, kSessionExpired, ...); kInsufficientBalance also
  ///          when no programme has enough points.
  Result<IssuedVoucher> Issue(int64_t programme_id, int64_t amount) override;
  /// A printed voucher is confirmed with a key derived from its issue key, asked up to three
  /// times while the cloud cannot be reached; if it still is not recorded it is listed as
  /// printed (PendingVoucher::printed), never voided.
  /// @returns Ok when the print was confirmed and the cloud recorded it;
  ///          kAborted when the voucher did not print (voided or left
  ///          pending); kUnavailable when it printed but the cloud did not record it (kept to
  ///          be confirmed); the counter's errors.
  Status ConfirmPrint(std::string_view serial, PrintState print) override;

  /// The pending list, each checked at the cloud (Counter::GetVoucher): one
  /// that is no longer pending_print (confirmed, voided by the cloud's
  /// sweep, expired) leaves the list. Unreachable cloud: the list as kept.
  /// @returns the list; kUnimplemented (no pending_path); LoadPendingVouchers()'s errors.
  Result<std::vector<PendingVoucher>> ListPending() override;
  /// Reprints through the reprinter (VoucherIssuer::Reprint, kKeepPending)
  /// with the issue's key; a confirmed duplicate leaves the list. One that printed
  /// (PendingVoucher::printed) is confirmed without printing.
  /// @returns the outcome; kNotFound (not on the list); kUnimplemented; the
  ///          counter's or the cloud's errors (a voucher no longer pending
  ///          leaves the list: kVoucherVoided, kVoucherAlreadyRedeemed, ...).
  Result<ReprintedVoucher> Reprint(std::string_view serial) override;
  /// Voids through the reprinter (or the counter) and takes it off the list.
  /// @returns the voucher; kNotFound; kFailedPrecondition for one that printed (the customer
  ///          holds it: reprint records it); the counter's errors.
  Result<PendingVoucher> Void(std::string_view serial) override;

 private:
  Result<PendingVoucher> FindPending(std::string_view serial);
  Result<cloud_client::CloudVoucher> Confirm(std::string_view serial, std::string_view issue_key);
  void KeepForStaff(std::string_view serial, bool printed);
  Status ForgetPending(std::string_view serial);
  Error RefusalAfter(const PendingVoucher& pending, const Error& cause);

  counter::Counter& counter_;
  VoucherIssuerSettings settings_;
  voucher::VoucherIssuer* reprinter_;
  std::optional<PendingVoucher> last_issued_;  // for ConfirmPrint() of the one just issued
};

/// The VoucherRedeemer of a shop or facility terminal: sdk/voucher's scanner
/// against the cached key file, then the online redemption.
///
/// Thread safety: called from the flow's thread only.
class CounterVoucherRedeemer final : public VoucherRedeemer {
 public:
  /// Redeems a token or a serial online (Counter::RedeemVoucher in the terminal).
  using OnlineRedeem =
      std::function<Result<cloud_client::CloudVoucher>(std::string_view text, std::string& key)>;

  /// @param keys_path the cached voucher keys (read at each check: a refresh
  ///                  is seen at once)
  /// @param online    the online redemption; it sets `key` to the
  ///                  idempotency key it used
  /// @param now       the clock for expiry; default: the system clock
  CounterVoucherRedeemer(std::string keys_path, OnlineRedeem online,
                         std::function<std::chrono::sys_seconds()> now = {});

  VoucherCheck Check(const PresentedVoucher& voucher) override;
  VoucherRedemption Redeem(const VoucherCheck& checked) override;

  /// The online redemption through `counter` (not owned; must outlive the result).
  static OnlineRedeem Through(counter::Counter& counter);

 private:
  std::string keys_path_;
  OnlineRedeem online_;
  std::function<std::chrono::sys_seconds()> now_;
};

/// The terminal's refusal name for a counter error of a voucher redemption
/// ("voucher_already_redeemed", "voucher_expired", "voucher_invalid",
/// "voucher_not_accepted", else counter::CounterErrorCodeName; "internal"
/// for an error that is not the counter's).
std::string VoucherRefusalOf(const Error& error);

}  // namespace mykey::terminal
