#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/auth/caller.h"
#include "mykey/base/result.h"
#include "mykey/store/store.h"

namespace mykey::cloud {

/// Why the ledger refused an operation, for callers that need more than the
/// coarse ErrorCode. Carried in an Error's detail (domain kNone); read it
/// with LedgerReasonOf(). The HTTP API maps each to one error code (see
/// cloud/ledger/README.md).
enum class LedgerReason : int64_t {
  kNone = 0,
  kIdempotencyKeyReuse = 1001,  ///< kFailedPrecondition: the key was used with another request
  kInsufficientBalance,         ///< kFailedPrecondition: fewer spendable points than asked
  kProgrammeNotAccepted,        ///< kPermissionDenied: the merchant does not accept it
  kCrossMunicipalityRefused,    ///< kPermissionDenied: the programme's municipality forbids it
  kMerchantSuspended,           ///< kPermissionDenied: the merchant is suspended
  kNotAllowed,                  ///< kPermissionDenied: this caller may not do this
  kUnknownProgramme,            ///< kNotFound
  kUnknownMerchant,             ///< kNotFound (the terminal's site is not a merchant)
  kUnknownRedemption,           ///< kNotFound (also another merchant's redemption)
  kHoldExpired,                 ///< kFailedPrecondition: capture after the hold timed out
  kAlreadyCaptured,             ///< kFailedPrecondition: void of a captured redemption
  kAlreadyVoided,               ///< kFailedPrecondition: capture of a voided redemption
  kNotCaptured,                 ///< kFailedPrecondition: refund of a redemption not captured
  kRefundExceedsCaptured,       ///< kFailedPrecondition: refunds above the captured amount
  kInvalidRequest,              ///< kInvalidArgument: a field out of range
};

/// The LedgerReason of an error returned by LedgerService (kNone for store
/// errors and others).
LedgerReason LedgerReasonOf(const Error& error) noexcept;
/// The stable snake_case name of a reason ("insufficient_balance").
const char* LedgerReasonName(LedgerReason reason) noexcept;

/// How a LedgerService behaves.
struct LedgerOptions {
  /// A held redemption not captured or voided within this is released.
  std::chrono::milliseconds hold_timeout{std::chrono::minutes(10)};
  /// How long an idempotency key's result is kept and replayed.
  std::chrono::milliseconds idempotency_window{std::chrono::hours(24)};
  /// Refunded points whose original lot has expired land in a new lot that
  /// expires this long after the refund.
  std::chrono::milliseconds refund_grace{std::chrono::hours(24 * 30)};
  /// Lots or holds a sweep handles per transaction.
  int sweep_batch = 500;
  /// The time, Unix milliseconds; null: the system clock. Tests inject one.
  std::function<int64_t()> clock;
};

/// A municipal grant of points to a holder.
struct GrantRequest {
  std::string idempotency_key;  ///< 1..255 printable ASCII characters
  std::string mykey_id;         ///< 8 letters or digits
  int64_t programme_id = 0;
  int64_t amount = 0;         ///< points, 1..kMaxPoints
  int64_t expires_at_ms = 0;  ///< the lot is spendable while now < this
  std::string department;     ///< 1..100 bytes ("健康福祉部")
  std::string reason;         ///< 1..200 bytes ("volunteer, cleaning day")
};

/// What a grant did (the original result on a replay).
struct GrantResult {
  int64_t transfer_id = 0;
  int64_t lot_id = 0;
  std::string mykey_id;
  int64_t programme_id = 0;
  int64_t amount = 0;
  int64_t expires_at_ms = 0;
  int64_t balance = 0;  ///< the holder's spendable points of the programme after it
  int64_t created_at_ms = 0;
  bool replayed = false;  ///< true when this is a stored result for the same key
};

/// A redemption at the caller's merchant, immediate or held.
struct RedemptionRequest {
  std::string idempotency_key;
  std::string mykey_id;
  int64_t programme_id = 0;
  int64_t amount = 0;  ///< points, 1..kMaxPoints
  bool hold = false;   ///< true: hold now, capture or void later
};

enum class RedemptionState : uint8_t {
  kHeld,      ///< points reserved; capture or void pending
  kCaptured,  ///< points paid to the merchant (final; refunds possible)
  kVoided,    ///< the hold was voided: points returned (final)
  kExpired,   ///< the hold timed out: points returned (final)
};
/// "held", "captured", "voided", "expired".
const char* RedemptionStateName(RedemptionState state) noexcept;

/// A redemption as a capture, void or redeem call answers it.
struct Redemption {
  int64_t redemption_id = 0;
  std::string operation;  ///< "redemption", "capture" or "void": the call that answered
  int64_t merchant_id = 0;
  int64_t programme_id = 0;
  std::string mykey_id;
  int64_t amount = 0;
  int64_t refunded = 0;
  RedemptionState state = RedemptionState::kCaptured;
  std::optional<int64_t> hold_expires_at_ms;  ///< set for held redemptions
  int64_t balance = 0;  ///< the holder's spendable points of the programme after the call
  int64_t created_at_ms = 0;
  bool replayed = false;
};

/// A refund of (part of) a captured redemption by the same merchant.
struct RefundRequest {
  std::string idempotency_key;
  int64_t redemption_id = 0;
  int64_t amount = 0;  ///< 1..(captured - refunded so far)
};

struct RefundResult {
  int64_t transfer_id = 0;
  int64_t redemption_id = 0;
  int64_t amount = 0;
  int64_t refunded_total = 0;  ///< refunded of the redemption so far, this one included
  int64_t balance = 0;         ///< the holder's spendable points after it
  int64_t created_at_ms = 0;
  bool replayed = false;
};

/// A lot with points left.
struct LotBalance {
  int64_t lot_id = 0;
  std::string source;  ///< "grant", "refund" (later: "conversion", "premium")
  int64_t remaining = 0;
  int64_t expires_at_ms = 0;
};

/// A holder's points in one programme.
struct ProgrammeBalance {
  int64_t programme_id = 0;
  std::string programme_code;
  std::string municipality_code;
  int64_t balance = 0;           ///< spendable now (unexpired lots)
  int64_t held = 0;              ///< reserved by pending holds
  std::vector<LotBalance> lots;  ///< unexpired lots, soonest-expiring first
};

/// The stored answer of an operation, looked up by its idempotency key.
struct OperationRecord {
  std::string idempotency_key;
  int status_code = 0;      ///< the HTTP status of the original answer
  std::string result_json;  ///< the original answer's body
  int64_t created_at_ms = 0;
  int64_t expires_at_ms = 0;  ///< the key is kept until then
};

/// What a sweep did.
struct SweepReport {
  int64_t items = 0;   ///< lots expired or holds released
  int64_t points = 0;  ///< points moved
};

/// Everything Reconcile() recomputed from the postings.
struct ReconcileReport {
  int64_t transfers = 0;
  int64_t postings = 0;
  int64_t postings_sum = 0;        ///< must be 0
  int64_t issued = 0;              ///< points out of the issuance accounts
  int64_t holder_balances = 0;     ///< points in holder accounts (lots)
  int64_t held = 0;                ///< points in hold accounts
  int64_t spent = 0;               ///< points in merchants' receivables (redeemed - refunded)
  int64_t expired = 0;             ///< points in the expiry sinks
  int64_t other = 0;               ///< points in other system accounts (vouchers, later)
  int64_t conversion_pending = 0;  ///< part of other: converted points waiting to land
  int64_t donated = 0;             ///< part of other: points given to projects
  /// Each broken invariant, in words (empty when the ledger is exact).
  std::vector<std::string> problems;
  bool ok() const { return problems.empty(); }
};

/// Largest amount of one operation (keeps every sum far inside int64).
inline constexpr int64_t kMaxPoints = 1'000'000'000'000;

/// The municipal point ledger: grants, redemptions (held or immediate),
/// captures, voids, refunds, expiry, balances, reports and reconciliation,
/// over a Store. Every operation is one store transaction of double-entry
/// transfers (postings sum to zero) and is idempotent per caller and key.
/// See cloud/ledger/README.md for the model.
///
/// Who may do what (checked here, not only in the routes):
///  - Grant: an operator of the programme's municipality, or admin.
///  - Redeem, Capture, Void, Refund: a terminal of the merchant.
///  - Balances: a terminal (the card-session check is an open integration
///    point), an operator of the programme's municipality (its programmes
///    only), or admin.
///  - Reports: an operator of a municipality (its programmes) or admin.
///
/// Errors every operation may return besides those listed: kPermissionDenied
/// (reason kNotAllowed) for a caller that may not do it; kInvalidArgument
/// (kInvalidRequest) for a field out of range; kFailedPrecondition
/// (kIdempotencyKeyReuse) for a key used before with another request; store
/// errors (kUnavailable, kAborted after retries, ...).
///
/// Thread safety: all methods are safe to call concurrently (the store
/// serialises); the object keeps no mutable state.
class LedgerService {
 public:
  /// @param store borrowed; migrated with CloudMigrations() and
  ///              LedgerMigrations(); must outlive this object
  explicit LedgerService(Store& store, LedgerOptions options = {});

  /// Grants points to a holder: a new lot with the expiry, department and
  /// reason, from the programme's issuance account.
  /// @returns kNotFound (kUnknownProgramme); kInvalidArgument for an expiry
  ///          not in the future.
  Result<GrantResult> Grant(const Caller& caller, const GrantRequest& request);

  /// Redeems points at the caller's merchant, soonest-expiring lots first
  /// (then by lot id). With `hold`, the points are reserved until Capture(),
  /// Void() or the hold timeout.
  /// @returns kNotFound (kUnknownProgramme, kUnknownMerchant);
  ///          kPermissionDenied (kProgrammeNotAccepted,
  ///          kCrossMunicipalityRefused, kMerchantSuspended);
  ///          kFailedPrecondition (kInsufficientBalance).
  Result<Redemption> Redeem(const Caller& caller, const RedemptionRequest& request);

  /// Captures a held redemption: the points go to the merchant. Capturing a
  /// captured redemption answers its state again without a second effect.
  /// @returns kNotFound (kUnknownRedemption, also for another merchant's);
  ///          kFailedPrecondition (kHoldExpired, kAlreadyVoided).
  Result<Redemption> Capture(const Caller& caller, std::string_view idempotency_key,
                             int64_t redemption_id);

  /// Voids a held redemption: the points return to their lots. Voiding a
  /// voided (or timed-out) one answers its final state without a second
  /// effect; a hold past its timeout is released and answered as kExpired.
  /// @returns kNotFound (kUnknownRedemption); kFailedPrecondition
  ///          (kAlreadyCaptured: refund it instead).
  Result<Redemption> Void(const Caller& caller, std::string_view idempotency_key,
                          int64_t redemption_id);

  /// Refunds (part of) a captured redemption: the points return to the lots
  /// they came from, latest-expiring first; what came from a lot that has
  /// expired since goes to a new "refund" lot expiring refund_grace from now.
  /// @returns kNotFound (kUnknownRedemption); kFailedPrecondition
  ///          (kNotCaptured, kRefundExceedsCaptured).
  Result<RefundResult> Refund(const Caller& caller, const RefundRequest& request);

  /// The holder's points per programme (those the caller may see), with the
  /// unexpired lots. A holder without accounts has an empty list.
  /// @returns kInvalidArgument for a malformed MyKey ID.
  Result<std::vector<ProgrammeBalance>> Balances(const Caller& caller, std::string_view mykey_id);

  /// The stored answer of the caller's operation with this key.
  /// @returns kNotFound if the caller has no operation with the key (never
  ///          applied, or older than the idempotency window).
  Result<OperationRecord> FindOperation(const Caller& caller, std::string_view idempotency_key);

  /// Moves the points of expired lots to the programmes' expiry sinks, one
  /// transfer per lot, in batches of sweep_batch lots per transaction.
  /// Idempotent and safe to run concurrently (a lot is expired once).
  Result<SweepReport> SweepExpiredLots();

  /// Releases holds past their timeout back to their lots (state kExpired).
  /// Idempotent and safe to run concurrently.
  Result<SweepReport> SweepExpiredHolds();

  /// Settlement CSV for the programmes the caller may see, redeemed minus
  /// refunded per programme per day (Japan time) in [from_day, to_day]:
  ///
  ///     date,merchant_id,programme_id,programme_code,redeemed,refunded,net
  ///     2026-04-01,7,3,health,1200,200,1000
  ///
  /// Days without movements have no line.
  /// @param from_day, to_day "YYYY-MM-DD", inclusive, at most 366 days apart
  /// @returns kInvalidArgument for a malformed or reversed period;
  ///          kNotFound (kUnknownMerchant).
  Result<std::string> SettlementCsv(const Caller& caller, int64_t merchant_id,
                                    std::string_view from_day, std::string_view to_day);

  /// Unused points per programme of a municipality at the end of `day`
  /// (Japan time): unexpired lots' points then, not counting held points.
  ///
  ///     programme_id,programme_code,holders,unused
  ///     3,health,120,45000
  ///
  /// @returns kInvalidArgument for a malformed day or municipality code.
  Result<std::string> UnusedBalanceCsv(const Caller& caller, std::string_view municipality_code,
                                       std::string_view day);

  /// Recomputes every balance from the postings and checks the invariants:
  /// each transfer's postings sum to zero (so do all postings); stored
  /// holder balances equal their postings and their lots; every lot's
  /// remaining equals its postings and is >= 0; no holder, hold, receivable
  /// or expiry account is below zero; the hold accounts hold exactly the
  /// pending holds. Read-only.
  /// @returns the figures and the problems found; store errors.
  Result<ReconcileReport> Reconcile();

  int64_t NowMs() const;

 private:
  Store& store_;
  LedgerOptions options_;
};

/// The idempotency scope of a caller: "terminal:<id>", "municipality:<code>",
/// "provider:<id>", "partner:<id>", "admin".
std::string IdempotencyScopeOf(const Caller& caller);

/// Moves a holder's ledger accounts from MyKey ID `old_id` to `new_id`
/// inside `tx` (the registry's ID-change transaction: RegistryConfig::
/// on_mykey_id_change), with their lots, holds and redemptions, so that a
/// changed MyKey ID keeps its points. Past idempotency answers keep the ID
/// they were given under.
/// @returns kAlreadyExists if `new_id` has ledger accounts already (never for
///          an ID the registry gave out as free); store errors.
Status MoveHolderAccounts(Transaction& tx, std::string_view old_id, std::string_view new_id);

/// True for 1..255 printable ASCII characters (no space).
bool IsValidIdempotencyKey(std::string_view key) noexcept;

/// The first millisecond after day "YYYY-MM-DD" ends in Japan time (UTC+9):
/// a lot granted "until 2026-03-31" has expires_at_ms = DayEndMs("2026-03-31").
/// @returns kInvalidArgument for a malformed or impossible date.
Result<int64_t> JapanDayEndMs(std::string_view day);

/// The Japan-time day of a Unix time, "YYYY-MM-DD".
std::string JapanDayOf(int64_t unix_ms);

}  // namespace mykey::cloud
