#pragma once

// Paper point vouchers in the ledger: issue (against a holder's points or
// sold for cash) in two phases for proof of print, void, reprint as a
// duplicate, online redemption once, expiry by the programme's policy, and a
// reconciliation that includes the voucher liability. See the "Vouchers"
// section of cloud/ledger/README.md.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/auth/caller.h"
#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/crypto/ecdsa.h"
#include "mykey/crypto/random.h"
#include "mykey/ledger/ledger_service.h"
#include "mykey/store/migrations.h"
#include "mykey/store/store.h"

namespace mykey::cloud {

/// The schema component of the voucher tables.
inline constexpr std::string_view kVoucherSchema = "vouchers";

/// The voucher tables, numbered 1..N for the "vouchers" component. They refer
/// to the core and ledger schemas, so migrate those first:
///
///     MYKEY_TRY(Migrate(store, kVoucherSchema, VoucherMigrations()));
std::span<const Migration> VoucherMigrations();

/// Why a voucher operation was refused, beyond the LedgerReason values the
/// voucher operations share with the ledger (kInsufficientBalance,
/// kProgrammeNotAccepted, kCrossMunicipalityRefused, kMerchantSuspended,
/// kNotAllowed, kUnknownProgramme, kUnknownMerchant, kIdempotencyKeyReuse,
/// kInvalidRequest). Carried in an Error's detail (domain kNone); read it
/// with VoucherReasonOf().
enum class VoucherReason : int64_t {
  kNone = 0,
  kUnknownVoucher = 2001,  ///< kNotFound (also a voucher the caller may not see)
  kAlreadyRedeemed,        ///< kFailedPrecondition: the serial was redeemed before
  kAlreadyVoided,          ///< kFailedPrecondition: the voucher was voided
  kAlreadyIssued,          ///< kFailedPrecondition: void of a voucher confirmed printed
  kNotIssued,              ///< kFailedPrecondition: redemption before the print was confirmed
  kVoucherExpired,         ///< kFailedPrecondition: past its expiry day (or swept)
  kSoldTermTooLong,        ///< kInvalidArgument: a sold voucher beyond 6 months
};

/// The VoucherReason of an error (kNone for others).
VoucherReason VoucherReasonOf(const Error& error) noexcept;
/// The stable snake_case name ("already_redeemed").
const char* VoucherReasonName(VoucherReason reason) noexcept;

/// Where a voucher stands.
enum class VoucherState : uint8_t {
  kPendingPrint,  ///< issued at the cloud, points moved out, print not yet confirmed
  kIssued,        ///< the printer confirmed the job: in circulation
  kVoided,        ///< never (validly) printed: points back to the holder / sale cancelled
  kRedeemed,      ///< used once at a merchant (final)
  kExpired,       ///< past its expiry, swept by the programme's policy (final)
};
/// "pending_print", "issued", "voided", "redeemed", "expired".
const char* VoucherStateName(VoucherState state) noexcept;

/// What happens to an unredeemed voucher after its expiry day.
enum class VoucherExpiryPolicy : uint8_t {
  kSink,    ///< the points go to the programme's expiry sink (default)
  kReturn,  ///< points vouchers: the points return to the holder as a new lot
};

/// How a VoucherService behaves.
struct VoucherOptions {
  /// How long an idempotency key's result is kept and replayed.
  std::chrono::milliseconds idempotency_window{std::chrono::hours(24)};
  /// A voucher still pending_print this long after issue is voided by
  /// SweepPendingVouchers() (the terminal never came back).
  std::chrono::milliseconds pending_timeout{std::chrono::hours(1)};
  /// Points returned to a holder into a new lot (void of a voucher whose lots
  /// have expired since, or expiry with kReturn) are valid this long.
  std::chrono::milliseconds return_grace{std::chrono::hours(24 * 30)};
  /// Vouchers a sweep handles per transaction.
  int sweep_batch = 500;
  /// The time, Unix milliseconds; null: the system clock. Tests inject one.
  std::function<int64_t()> clock;
};

/// A voucher to issue.
struct VoucherIssueRequest {
  std::string idempotency_key;  ///< 1..255 printable ASCII characters
  bool sold = false;            ///< true: sold for cash; false: against the holder's points
  std::string mykey_id;         ///< the holder (points vouchers only; empty when sold)
  int64_t programme_id = 0;
  int64_t amount = 0;  ///< points, 1..protocol::kMaxVoucherAmount
  /// The last Japan day it may be used, "YYYY-MM-DD"; not before today. For a
  /// sold voucher at most LatestSoldVoucherExpiry(today); empty there: that day.
  std::string expires_on;
};

/// A voucher as the operations answer it.
struct Voucher {
  int64_t voucher_id = 0;
  std::string serial;     ///< VoucherSerial::ToString(): "7KQ4-MX2P-R9"
  std::string operation;  ///< the call that answered: "issue", "confirm_printed", "void",
                          ///< "reprint", "redemption" or "lookup"
  std::string kind;       ///< "granted" (points) or "sold"
  int64_t programme_id = 0;
  std::string municipality_code;
  std::string mykey_id;  ///< the holder of a points voucher ("" when sold)
  int64_t amount = 0;
  std::string issued_on;      ///< Japan day of issue
  std::string expires_on;     ///< last Japan day of use
  int64_t expires_at_ms = 0;  ///< redeemable while the cloud's clock is before this
  std::string token;          ///< the signed token text ("MKV:...")
  std::string key_id;         ///< hex of the signing key's id
  VoucherState state = VoucherState::kPendingPrint;
  int64_t reprints = 0;    ///< how many duplicates were asked for
  bool duplicate = false;  ///< this answer is for a reprint: print 再発行
  int64_t issuer_merchant_id = 0;
  std::optional<int64_t> redeemed_merchant_id;
  int64_t created_at_ms = 0;
  std::optional<int64_t> printed_at_ms;
  std::optional<int64_t> finished_at_ms;  ///< voided, redeemed or expired then
  bool replayed = false;
};

/// A published voucher verification key.
struct VoucherKey {
  std::string key_id;    ///< hex of EcdsaKeyId
  Bytes public_key;      ///< uncompressed P-256 point, 65 bytes
  bool current = false;  ///< the key new vouchers are signed with
  int64_t created_at_ms = 0;
  std::optional<int64_t> retired_at_ms;
};

/// Vouchers of one programme, by state (a voucher counts as issued only once
/// its print was confirmed).
struct VoucherProgrammeSummary {
  int64_t programme_id = 0;
  std::string programme_code;
  int64_t pending_count = 0, pending_points = 0;
  int64_t issued_count = 0, issued_points = 0;  ///< confirmed printed, still outstanding
  int64_t redeemed_count = 0, redeemed_points = 0;
  int64_t expired_count = 0, expired_points = 0;
  int64_t voided_count = 0, voided_points = 0;
  int64_t reprints = 0;
};

/// The ledger's reconciliation with the vouchers taken apart.
struct VoucherReconcileReport {
  ReconcileReport ledger;          ///< LedgerService::Reconcile()
  int64_t outstanding = 0;         ///< voucher liability: vouchers pending_print or issued
  int64_t redeemed_unsettled = 0;  ///< redeemed vouchers owed to merchants
  int64_t other = 0;               ///< ledger.other without the two above
  /// issued == holder_balances + held + spent + expired + outstanding +
  /// redeemed_unsettled + other, and each voucher account matches its vouchers.
  std::vector<std::string> problems;  ///< the ledger's problems and the voucher ones
  bool ok() const { return problems.empty(); }
};

/// Paper vouchers over the ledger's accounts. Every operation is one store
/// transaction of double-entry transfers and is idempotent per caller and key
/// (the core idempotency records, so GET /v1/operations/{key} finds them).
///
/// Who may do what (checked here):
///  - Issue, ConfirmPrinted, Void, Reprint: a terminal whose site is a
///    merchant row (shop, kiosk, ...), for a programme of the site's
///    municipality or one whose municipality allows cross-municipality use;
///    the later calls only for a voucher issued at the same site.
///  - Redeem: a terminal of an active merchant that accepts the programme
///    (cross-municipality policy as for point redemptions).
///  - Find: the issuing site's or redeeming merchant's terminals, an
///    operator of the programme's municipality, admin.
///  - SetExpiryPolicy, Summary: an operator of the municipality, admin.
///
/// Errors every operation may return besides those listed:
/// kPermissionDenied (LedgerReason kNotAllowed); kInvalidArgument
/// (kInvalidRequest); kFailedPrecondition (kIdempotencyKeyReuse); store errors.
///
/// Thread safety: all methods may be called concurrently.
class VoucherService {
 public:
  /// @param store        borrowed; migrated (core, ledger, vouchers); must outlive this
  /// @param ledger       borrowed, for Reconcile(); must outlive this
  /// @param signing_key  the cloud's voucher key; its public key is recorded in
  ///                     cloud_keys (purpose voucher_signing) if absent
  /// @returns the service; kFailedPrecondition if another current voucher key
  ///          is recorded; kInternal if there is no randomness; store errors.
  static Result<std::unique_ptr<VoucherService>> Create(Store& store, LedgerService& ledger,
                                                        crypto::EcdsaPrivateKey signing_key,
                                                        VoucherOptions options = {});
  ~VoucherService();
  VoucherService(const VoucherService&) = delete;
  VoucherService& operator=(const VoucherService&) = delete;

  /// Issues a voucher in state kPendingPrint, signed with the current key.
  /// Points: taken from the holder's lots soonest-expiring first (expired
  /// lots met are expired first) into the voucher liability. Sold: from the
  /// programme's issuance account. Issue date: the cloud's Japan day.
  /// @returns the voucher (a replay answers the original one);
  ///          kNotFound (kUnknownProgramme, kUnknownMerchant);
  ///          kPermissionDenied (kMerchantSuspended, kCrossMunicipalityRefused);
  ///          kFailedPrecondition (kInsufficientBalance);
  ///          kInvalidArgument (kSoldTermTooLong; kInvalidRequest for an
  ///          amount, day or MyKey ID out of range).
  Result<Voucher> Issue(const Caller& caller, const VoucherIssueRequest& request);

  /// The printer confirmed the job: kPendingPrint -> kIssued. Confirming an
  /// issued one answers it again.
  /// @returns kNotFound (kUnknownVoucher); kFailedPrecondition (kAlreadyVoided,
  ///          kAlreadyRedeemed, kVoucherExpired).
  Result<Voucher> ConfirmPrinted(const Caller& caller, std::string_view idempotency_key,
                                 std::string_view serial);

  /// Voids a voucher whose print failed: points back to the lots they came
  /// from (a lot expired since: a new lot valid return_grace), a sold one's
  /// sale cancelled. Voiding a voided one answers it again.
  /// @returns kNotFound (kUnknownVoucher); kFailedPrecondition (kAlreadyIssued,
  ///          kAlreadyRedeemed, kVoucherExpired).
  Result<Voucher> Void(const Caller& caller, std::string_view idempotency_key,
                       std::string_view serial);

  /// A duplicate (再発行) of a pending or issued voucher: the same serial and
  /// token, duplicate = true, reprints + 1. No value moves: the serial is
  /// redeemable once whatever the number of papers.
  /// @returns kNotFound (kUnknownVoucher); kFailedPrecondition (kAlreadyVoided,
  ///          kAlreadyRedeemed, kVoucherExpired).
  Result<Voucher> Reprint(const Caller& caller, std::string_view idempotency_key,
                          std::string_view serial);

  /// Redeems a voucher online at the caller's merchant, once. Clock rule:
  /// redeemable while the cloud's clock is before the end of the expiry day
  /// in Japan (expires_at_ms). The liability moves to what the municipality
  /// owes the merchant.
  /// @returns kNotFound (kUnknownVoucher, kUnknownMerchant); kPermissionDenied
  ///          (kProgrammeNotAccepted, kCrossMunicipalityRefused,
  ///          kMerchantSuspended); kFailedPrecondition (kAlreadyRedeemed,
  ///          kAlreadyVoided, kNotIssued, kVoucherExpired).
  Result<Voucher> Redeem(const Caller& caller, std::string_view idempotency_key,
                         std::string_view serial);

  /// The voucher by serial (operation "lookup").
  /// @returns kNotFound (kUnknownVoucher, also one the caller may not see);
  ///          kInvalidArgument for a malformed serial.
  Result<Voucher> Find(const Caller& caller, std::string_view serial);

  /// The published verification keys, current first (anyone may read them).
  Result<std::vector<VoucherKey>> PublicKeys();

  /// Sets what happens to the programme's expired vouchers.
  /// @returns kNotFound (kUnknownProgramme).
  Status SetExpiryPolicy(const Caller& caller, int64_t programme_id, VoucherExpiryPolicy policy);

  /// What the programmes' municipalities owe a merchant for the vouchers it
  /// redeemed, per Japan day and programme in [from_day, to_day]:
  ///
  ///     date,merchant_id,programme_id,programme_code,vouchers,points
  ///     2026-04-01,1,1,health,2,700
  ///
  /// An operator sees its municipality's programmes, admin all.
  /// @returns kInvalidArgument for a malformed or reversed period or one over
  ///          367 days; kNotFound (LedgerReason kUnknownMerchant).
  Result<std::string> SettlementCsv(const Caller& caller, int64_t merchant_id,
                                    std::string_view from_day, std::string_view to_day);

  /// Vouchers per programme of a municipality.
  /// @returns kInvalidArgument for a code that is not 6 digits.
  Result<std::vector<VoucherProgrammeSummary>> Summary(const Caller& caller,
                                                       std::string_view municipality_code);

  /// Expires unredeemed vouchers past their expiry (pending ones included)
  /// by their programme's policy, in batches. Idempotent, safe concurrently.
  Result<SweepReport> SweepExpiredVouchers();

  /// Voids vouchers pending_print for longer than pending_timeout.
  Result<SweepReport> SweepPendingVouchers();

  /// LedgerService::Reconcile() and the voucher invariants: the liability of
  /// each programme equals its pending and issued vouchers; what is owed to
  /// each merchant for vouchers equals its redeemed vouchers; each points
  /// voucher's lots add up to its amount. Read-only.
  Result<VoucherReconcileReport> Reconcile();

  int64_t NowMs() const;

 private:
  VoucherService(Store& store, LedgerService& ledger, crypto::EcdsaPrivateKey signing_key,
                 std::unique_ptr<crypto::RandomSource> random, VoucherOptions options);
  Result<std::string> NewSerial();

  Store& store_;
  LedgerService& ledger_;
  crypto::EcdsaPrivateKey signing_key_;
  std::mutex random_mu_;
  std::unique_ptr<crypto::RandomSource> random_;
  VoucherOptions options_;
};

/// "sink" / "return".
const char* VoucherExpiryPolicyName(VoucherExpiryPolicy policy) noexcept;

}  // namespace mykey::cloud
