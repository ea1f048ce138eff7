#pragma once

// What the terminal does for a clerk, a holder or a POS: one operation (redeem
// points, refund, who is this, library lookup, kiosk services, facility entry),
// the progress events it emits, and its final result. Pure values.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mykey::terminal {

/// The operations the terminal runs.
enum class OperationKind : uint8_t {
  kRedeem,           ///< shop: redeem `amount` points, print a receipt
  kRefund,           ///< shop: refund `amount` of redemption `redemption_id`, print a receipt
  kWhoIsThis,        ///< the holder's ID at this service (for the POS)
  kLibraryLookup,    ///< the library number, delivered to the library system
  kCreateMyKeyId,    ///< kiosk: create the holder's MyKey ID
  kLinkService,      ///< kiosk: link `service_id` at this provider
  kReportLost,       ///< kiosk: the holder reports their card lost
  kIssueVoucher,     ///< kiosk: issue and print a voucher of `amount` points
  kRedeemCoupon,     ///< kiosk: convert a partner coupon (`coupon`)
  kFacilityEntry,    ///< facility: pay the entrance fee in points, print the ticket
  kRedeemVoucher,    ///< shop/facility: check a paper voucher offline, redeem it online once
  kDonate,           ///< kiosk: give `amount` points of `programme_id` to project `project_id`
  kPendingVouchers,  ///< kiosk: this terminal's vouchers left pending_print (paper out...)
  kReprintVoucher,   ///< kiosk: print pending voucher `voucher_serial` again (再発行)
  kVoidVoucher,      ///< kiosk: void pending voucher `voucher_serial` (points back)
};

/// Stable wire names: "redeem", "refund", "who_is_this", "library_lookup",
/// "create_mykey_id", "link_service", "report_lost", "issue_voucher",
/// "redeem_coupon", "facility_entry", "redeem_voucher", "donate",
/// "pending_vouchers", "reprint_voucher", "void_voucher".
std::string_view OperationKindName(OperationKind kind) noexcept;
/// The kind for a wire name; nullopt when unknown.
std::optional<OperationKind> ParseOperationKind(std::string_view name) noexcept;

/// Where an operation stands. The last three are final: every operation ends
/// in exactly one of them.
enum class OperationState : uint8_t { kPending, kRunning, kDone, kFailed, kCancelled };

/// "pending", "running", "done", "failed", "cancelled".
std::string_view OperationStateName(OperationState state) noexcept;
/// True for kDone, kFailed and kCancelled.
bool IsFinal(OperationState state) noexcept;

/// The stages a flow passes through (the states of the per-mode machines).
enum class FlowStage : uint8_t {
  kCheckingRequest,
  kWaitingForCard,
  kAuthenticating,
  kLookingUpService,
  kDeliveringNumber,
  kReadingBalances,
  kRedeeming,
  kRefunding,
  kCreatingMyKeyId,
  kLinkingService,
  kReportingLost,
  kIssuingVoucher,
  kCheckingVoucher,
  kRedeemingVoucher,
  kConvertingCoupon,
  kDonating,
  kListingVouchers,
  kReprintingVoucher,
  kVoidingVoucher,
  kPrinting,
  kFinished,
};

/// Stable wire names ("waiting_for_card", ...).
std::string_view FlowStageName(FlowStage stage) noexcept;

/// One request to the terminal.
///
/// Thread safety: a value type.
struct OperationRequest {
  OperationKind kind = OperationKind::kWhoIsThis;
  int64_t amount = 0;         ///< points: redeem, refund, voucher, donate
  int64_t project_id = 0;     ///< donate: the project (a project programme)
  int64_t programme_id = 0;   ///< 0: the configured one, else the first with enough points
  int64_t redemption_id = 0;  ///< refund
  std::string service_id;     ///< link_service
  std::optional<std::string> wanted_mykey_id;  ///< create_mykey_id; nullopt: random
  std::string coupon;                          ///< redeem_coupon
  std::string voucher_image;                   ///< redeem_voucher: path of the scanner's PNG/JPEG
  std::string voucher_token;                   ///< redeem_voucher: the QR code's text ("MKV:...")
  std::string voucher_serial;                  ///< redeem_voucher: the serial typed by the clerk
  std::string reference;                       ///< the caller's own reference, echoed back
  /// How long to wait for the card to be presented.
  std::chrono::milliseconds card_timeout{60'000};
};

/// What an event says.
enum class EventKind : uint8_t {
  kStage,         ///< the flow entered `stage`
  kProgress,      ///< a counter step (`name` is counter::FlowStepName)
  kPinTriesLeft,  ///< `value` tries left
  kCard,          ///< `name` "inserted" / "removed"
  /// The offline journal changed while the operation ran: `name`
  /// "cloud_reachable" / "cloud_unreachable", `value` entries not yet forwarded.
  kOfflineQueue,
};

/// "stage", "progress", "pin_tries_left", "card", "offline_queue".
std::string_view EventKindName(EventKind kind) noexcept;

/// One progress event of an operation. Never holds a PIN, a session token or
/// an unmasked identifier.
///
/// Thread safety: a value type.
struct OperationEvent {
  uint64_t sequence = 0;  ///< 1, 2, ... within the operation
  EventKind kind = EventKind::kStage;
  std::string name;  ///< the stage, step or card event name
  std::optional<int64_t> value;
};

/// How a receipt or voucher print went.
enum class PrintState : uint8_t {
  kNone,         ///< nothing to print, or no printer configured
  kPrinted,      ///< the printer confirmed it
  kUnconfirmed,  ///< one-way printer: sent, not confirmed
  kNotPrinted,   ///< refused or failed (paper out, cover open, printer unreachable...)
  kUnknown,  ///< the transport failed mid-job, or the job was not confirmed in time: maybe printed
};

/// "none", "printed", "unconfirmed", "not_printed", "unknown".
std::string_view PrintStateName(PrintState state) noexcept;

/// A voucher this terminal issued whose print was not confirmed, kept
/// pending_print (kiosk.voucher_unprinted = "keep_pending") for a reprint.
///
/// Thread safety: a value type.
struct PendingVoucher {
  std::string serial;
  std::string issue_key;  ///< the issue's idempotency key (the reprint's keys derive from it)
  int64_t amount = 0;
  std::string expires_on;     ///< "YYYY-MM-DD"
  int64_t created_at_ms = 0;  ///< when it was issued (Unix ms)
  /// The printer confirmed it; only the cloud's record is missing (its confirmation did not
  /// get through). The next listing or reprint_voucher confirms it without printing;
  /// void_voucher refuses it (the customer holds the paper).
  bool printed = false;
  bool operator==(const PendingVoucher&) const = default;
};

/// The final result of an operation.
///
/// Thread safety: a value type.
struct OperationResult {
  OperationState state = OperationState::kFailed;
  /// Why it failed or was cancelled: a counter::CounterErrorCodeName
  /// ("card_removed", "insufficient_balance", "wrong_pin"...) or the
  /// terminal's own ("cancelled", "invalid_request", "no_programme",
  /// "unsupported", "output_failed"); empty when done.
  std::string reason;
  std::optional<int> pin_tries_left;  ///< after a wrong PIN
  std::string service_id;             ///< who_is_this, library_lookup, link_service
  std::string mykey_id_masked;        ///< MaskIdentifier() of the holder's MyKey ID
  std::optional<int64_t> amount;      ///< points moved
  std::optional<int64_t> balance;     ///< the holder's balance afterwards
  std::optional<int64_t> redemption_id;
  std::optional<int64_t> programme_id;
  std::string idempotency_key;  ///< of the value-moving call (also for outcome_unknown)
  PrintState print = PrintState::kNone;
  std::string voucher_serial;
  std::string voucher_state;  ///< redeem_voucher: the cloud's voucher state ("redeemed")
  /// Authorised offline and journalled (forwarded when the cloud is back);
  /// idempotency_key names the journal entry.
  bool offline = false;
  std::optional<int64_t> lands_at_ms;            ///< redeem_coupon: when the points land (Unix ms)
  std::vector<PendingVoucher> pending_vouchers;  ///< pending_vouchers: the list
};

}  // namespace mykey::terminal
