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
#include "mykey/ledger/ledger_service.h"
#include "mykey/store/store.h"

namespace mykey::cloud {

/// Why a partner conversion, coupon, premium or donation was refused, for
/// the refusals LedgerReason does not already name (those keep their
/// LedgerReason: kIdempotencyKeyReuse, kInsufficientBalance, kNotAllowed,
/// kUnknownProgramme, kCrossMunicipalityRefused, kInvalidRequest). Carried in
/// an Error's detail (domain kNone); read it with PointsReasonOf().
enum class PointsReason : int64_t {
  kNone = 0,
  kUnknownPartner = 1101,  ///< kNotFound: the token's partner is not registered
  kPartnerSuspended,       ///< kPermissionDenied
  kNoDefaultMunicipality,  ///< kFailedPrecondition: the holder chose none yet
  kNoLandingProgramme,     ///< kFailedPrecondition: the municipality has no points programme
  kConversionTooSmall,     ///< kInvalidArgument: the rate gives 0 scheme points
  kUnknownConversion,      ///< kNotFound (also another partner's)
  kCouponMalformed,        ///< kInvalidArgument: length, alphabet or check character wrong
  kCouponUnknown,          ///< kNotFound: no such coupon
  kCouponUsed,             ///< kFailedPrecondition: converted already
  kCouponExpired,          ///< kFailedPrecondition: past its expiry
  kTooManyAttempts,        ///< kPermissionDenied: this terminal is locked for a while
  kNotAProject,            ///< kFailedPrecondition: donations go to project programmes only
  kNotAnEvent,             ///< kFailedPrecondition: premiums belong to event programmes only
  kUnknownMunicipality,    ///< kNotFound
};

/// The PointsReason of an error (kNone for any other error).
PointsReason PointsReasonOf(const Error& error) noexcept;
/// The stable snake_case name ("coupon_used").
const char* PointsReasonName(PointsReason reason) noexcept;

/// How a ConversionService behaves.
struct ConversionOptions {
  /// Converted points wait this long in `conversion_pending` before they land.
  std::chrono::milliseconds hold_period{std::chrono::hours(24 * 14)};
  /// A landed conversion lot (and its premium) expires this long after landing.
  std::chrono::milliseconds lot_lifetime{std::chrono::hours(24 * 365)};
  /// How long an idempotency key's result is kept and replayed.
  std::chrono::milliseconds idempotency_window{std::chrono::hours(24)};
  /// Failed coupon entries (unknown, used, expired) a terminal may make in
  /// one attempt window before it is locked out for coupon_lockout.
  int coupon_failures_allowed = 5;
  std::chrono::milliseconds coupon_attempt_window{std::chrono::minutes(15)};
  std::chrono::milliseconds coupon_lockout{std::chrono::minutes(15)};
  /// Conversions a sweep lands per transaction.
  int sweep_batch = 500;
  /// The time, Unix milliseconds; null: the system clock. Tests inject one.
  std::function<int64_t()> clock;
};

/// A partner company that converts its points into the scheme. Its operator
/// tokens have scope `partner:<id>`. `points = partner_points * numerator /
/// denominator`, rounded down.
struct Partner {
  std::string id;  ///< 1..64 bytes, as in the token scope
  std::string name;
  int64_t rate_numerator = 1;    ///< 1..10^6
  int64_t rate_denominator = 1;  ///< 1..10^6
  bool active = true;
  int64_t created_at_ms = 0;
};

/// An online conversion from the partner's server.
struct ConversionRequest {
  std::string idempotency_key;
  std::string mykey_id;
  int64_t partner_points = 0;  ///< 1..kMaxPoints, in the partner's own points
};

/// A conversion, pending or landed.
struct Conversion {
  int64_t conversion_id = 0;
  std::string partner_id;
  std::string mykey_id;
  std::string channel;  ///< "online" or "coupon"
  int64_t partner_points = 0;
  int64_t points = 0;  ///< scheme points
  int64_t programme_id = 0;
  std::string state;  ///< "pending" or "landed"
  int64_t lands_at_ms = 0;
  int64_t premium = 0;  ///< premium points added on landing
  int64_t created_at_ms = 0;
  bool replayed = false;
};

/// Coupon codes a partner issues: single use, `amount` scheme points each.
struct CouponIssueRequest {
  std::string partner_id;  ///< needed for admin; a partner's own for its token
  int64_t amount = 0;      ///< scheme points, 1..kMaxPoints
  int64_t expires_at_ms = 0;
  int count = 1;  ///< 1..1000
};

/// An issued coupon. The code is shown once: only its hash is stored.
struct IssuedCoupon {
  int64_t coupon_id = 0;
  std::string code;  ///< "XXXX-XXXX-XXXX-XXXX", the last symbol a check character
};

/// A coupon typed at a kiosk for the holder of a checked card session.
struct CouponRedemptionRequest {
  std::string idempotency_key;
  std::string mykey_id;  ///< the card session's holder (the route checked it)
  std::string code;      ///< as typed: case and hyphens/spaces ignored
};

/// A donation by the holder of a checked card session.
struct DonationRequest {
  std::string idempotency_key;
  std::string mykey_id;                     ///< the card session's holder (the route checked it)
  int64_t programme_id = 0;                 ///< whose points are given
  int64_t project_id = 0;                   ///< a project programme
  int64_t amount = 0;                       ///< 1..kMaxPoints
  std::optional<std::string> display_name;  ///< opt-in name for the donor list, 1..64 bytes
};

struct Donation {
  int64_t donation_id = 0;
  int64_t transfer_id = 0;
  int64_t project_id = 0;
  int64_t programme_id = 0;
  std::string mykey_id;
  int64_t amount = 0;
  int64_t balance = 0;  ///< the holder's spendable points of programme_id after it
  int64_t created_at_ms = 0;
  bool replayed = false;
};

/// One donor of a project (their donations summed).
struct Donor {
  std::string donor;                        ///< the MyKey ID masked ("******7K")
  std::optional<std::string> display_name;  ///< the latest name the donor opted in with
  int64_t amount = 0;
  int64_t donations = 0;
};

struct DonorList {
  int64_t project_id = 0;
  int64_t total = 0;
  std::vector<Donor> donors;  ///< largest amount first
};

/// The coupon code alphabet (the MyKey ID alphabet, 31 symbols, no look-alikes).
inline constexpr std::string_view kCouponAlphabet = "23456789ABCDEFGHJKLMNPQRSTVWXYZ";

/// Normalises a typed coupon code (upper case, hyphens and spaces dropped)
/// and checks its 16 symbols and check character.
/// @returns the 16 symbols; kInvalidArgument (kCouponMalformed) otherwise.
Result<std::string> NormaliseCouponCode(std::string_view typed);

/// Partner conversions (online and by coupon), the holders' default
/// municipalities, event premiums and donations to projects, on the ledger's
/// tables (see cloud/ledger/README.md). Every movement is a double-entry
/// transfer; operations that move value are idempotent per caller and key.
///
/// Who may do what (checked here):
///  - AddPartner, ListPartners, SweepDueConversions: admin.
///  - Convert, GetConversion: the partner's operator (its own conversions).
///  - IssueCoupons: the partner's operator, or admin naming the partner.
///  - RedeemCoupon, Donate, SetDefaultMunicipality: a terminal (the route
///    checks the holder's card session first); admin may set a default.
///  - SetLandingProgramme, SetPremium, Donors: the municipality's operator or admin.
///
/// Errors every method may return besides those listed: kPermissionDenied
/// (LedgerReason::kNotAllowed); kInvalidArgument (LedgerReason::kInvalidRequest);
/// store errors.
///
/// Thread safety: all methods may be called concurrently (the store
/// serialises; a random source is made per coupon issue).
class ConversionService {
 public:
  /// @param store borrowed; migrated with core, ledger and conversions
  explicit ConversionService(Store& store, ConversionOptions options = {});

  /// Registers a partner. @returns kAlreadyExists if the id is taken.
  Status AddPartner(const Caller& caller, const Partner& partner);
  Result<std::vector<Partner>> ListPartners(const Caller& caller);

  /// The holder's default municipality: where their conversions land.
  /// @returns kNotFound (kUnknownMunicipality).
  Status SetDefaultMunicipality(const Caller& caller, std::string_view mykey_id,
                                std::string_view municipality_code);

  /// Which programme of the municipality receives conversions (default: its
  /// `points` programme with the lowest id).
  /// @returns kNotFound (kUnknownProgramme, also another municipality's).
  Status SetLandingProgramme(const Caller& caller, std::string_view municipality_code,
                             int64_t programme_id);

  /// The bonus percentage of an event programme (1..100; 0 removes it).
  /// Grants and landing conversions into it add floor(amount * percent / 100).
  /// @returns kNotFound (kUnknownProgramme); kFailedPrecondition (kNotAnEvent).
  Status SetPremium(const Caller& caller, int64_t programme_id, int bonus_percent);

  /// Converts partner points for a holder: they wait in the landing
  /// programme's conversion_pending account for hold_period.
  /// @returns the pending conversion; kNotFound (kUnknownPartner);
  ///          kPermissionDenied (kPartnerSuspended); kFailedPrecondition
  ///          (kNoDefaultMunicipality, kNoLandingProgramme); kInvalidArgument
  ///          (kConversionTooSmall).
  Result<Conversion> Convert(const Caller& caller, const ConversionRequest& request);

  /// A conversion of the calling partner (admin: any).
  /// @returns kNotFound (kUnknownConversion, also another partner's).
  Result<Conversion> GetConversion(const Caller& caller, int64_t conversion_id);

  /// Issues `count` coupons. Moves no value (nothing is converted until a
  /// coupon is typed) and so takes no idempotency key: a lost answer leaves
  /// coupons nobody knows, which expire unused.
  /// @returns the codes (shown once); kNotFound (kUnknownPartner);
  ///          kPermissionDenied (kPartnerSuspended); kInvalidArgument for an
  ///          expiry not in the future or a count outside 1..1000.
  Result<std::vector<IssuedCoupon>> IssueCoupons(const Caller& caller,
                                                 const CouponIssueRequest& request);

  /// Converts a typed coupon for the holder, as Convert() (channel "coupon").
  /// A refused code burns nothing; unknown, used and expired codes count as
  /// failures of the terminal, which is locked after too many.
  /// @returns kInvalidArgument (kCouponMalformed); kNotFound (kCouponUnknown);
  ///          kFailedPrecondition (kCouponUsed, kCouponExpired,
  ///          kNoDefaultMunicipality, kNoLandingProgramme); kPermissionDenied
  ///          (kTooManyAttempts, kPartnerSuspended).
  Result<Conversion> RedeemCoupon(const Caller& caller, const CouponRedemptionRequest& request);

  /// Lands pending conversions whose hold period is over: a `conversion`
  /// lot (expiring lot_lifetime later) and, for a programme with a premium,
  /// a `premium` lot. Idempotent and safe to run concurrently.
  Result<SweepReport> SweepDueConversions();

  /// Gives a holder's points to a project, soonest-expiring lots first,
  /// into the project's `donation` account; the donor list keeps it.
  /// @returns kNotFound (kUnknownProgramme); kFailedPrecondition
  ///          (kNotAProject, kInsufficientBalance); kPermissionDenied
  ///          (kCrossMunicipalityRefused: the project is another
  ///          municipality's and the points' municipality forbids it).
  Result<Donation> Donate(const Caller& caller, const DonationRequest& request);

  /// The donors of a project and the total.
  /// @returns kNotFound (kUnknownProgramme, also another municipality's).
  Result<DonorList> Donors(const Caller& caller, int64_t project_id);

  int64_t NowMs() const;

 private:
  Result<Conversion> Pend(const Caller& caller, std::string_view operation,
                          const std::string& partner_id, const std::string& mykey_id,
                          std::string_view channel, int64_t partner_points,
                          std::optional<int64_t> fixed_points, std::string_view idempotency_key,
                          std::optional<std::string> coupon_code);
  Status CountCouponFailure(const std::string& terminal_id);

  Store& store_;
  ConversionOptions options_;
};

/// Moves a holder's conversion records (default municipality, pending and
/// landed conversions, donations) from MyKey ID `old_id` to `new_id` inside
/// `tx`, next to MoveHolderAccounts(). Needs the "conversions" component.
/// @returns store errors.
Status MoveConversionHolder(Transaction& tx, std::string_view old_id, std::string_view new_id);

}  // namespace mykey::cloud
