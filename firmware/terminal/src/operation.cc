#include "mykey/terminal/operation.h"

#include <array>
#include <utility>

namespace mykey::terminal {
namespace {

constexpr std::array<std::pair<OperationKind, std::string_view>, 15> kKindNames{{
    {OperationKind::kRedeem, "redeem"},
    {OperationKind::kRefund, "refund"},
    {OperationKind::kWhoIsThis, "who_is_this"},
    {OperationKind::kLibraryLookup, "library_lookup"},
    {OperationKind::kCreateMyKeyId, "create_mykey_id"},
    {OperationKind::kLinkService, "link_service"},
    {OperationKind::kReportLost, "report_lost"},
    {OperationKind::kIssueVoucher, "issue_voucher"},
    {OperationKind::kRedeemCoupon, "redeem_coupon"},
    {OperationKind::kFacilityEntry, "facility_entry"},
    {OperationKind::kRedeemVoucher, "redeem_voucher"},
    {OperationKind::kDonate, "donate"},
    {OperationKind::kPendingVouchers, "pending_vouchers"},
    {OperationKind::kReprintVoucher, "reprint_voucher"},
    {OperationKind::kVoidVoucher, "void_voucher"},
}};

}  // namespace

std::string_view OperationKindName(OperationKind kind) noexcept {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::optional<OperationKind> ParseOperationKind(std::string_view name) noexcept {
  for (const auto& [k, known] : kKindNames) {
    if (known == name) return k;
  }
  return std::nullopt;
}

std::string_view OperationStateName(OperationState state) noexcept {
  switch (state) {
    case OperationState::kPending: return "pending";
    case OperationState::kRunning: return "running";
    case OperationState::kDone: return "done";
    case OperationState::kFailed: return "failed";
    case OperationState::kCancelled: return "cancelled";
  }
  return "unknown";
}

bool IsFinal(OperationState state) noexcept {
  return state == OperationState::kDone || state == OperationState::kFailed ||
         state == OperationState::kCancelled;
}

std::string_view FlowStageName(FlowStage stage) noexcept {
  switch (stage) {
    case FlowStage::kCheckingRequest: return "checking_request";
    case FlowStage::kWaitingForCard: return "waiting_for_card";
    case FlowStage::kAuthenticating: return "authenticating";
    case FlowStage::kLookingUpService: return "looking_up_service";
    case FlowStage::kDeliveringNumber: return "delivering_number";
    case FlowStage::kReadingBalances: return "reading_balances";
    case FlowStage::kRedeeming: return "redeeming";
    case FlowStage::kRefunding: return "refunding";
    case FlowStage::kCreatingMyKeyId: return "creating_mykey_id";
    case FlowStage::kLinkingService: return "linking_service";
    case FlowStage::kReportingLost: return "reporting_lost";
    case FlowStage::kIssuingVoucher: return "issuing_voucher";
    case FlowStage::kCheckingVoucher: return "checking_voucher";
    case FlowStage::kRedeemingVoucher: return "redeeming_voucher";
    case FlowStage::kConvertingCoupon: return "converting_coupon";
    case FlowStage::kDonating: return "donating";
    case FlowStage::kListingVouchers: return "listing_vouchers";
    case FlowStage::kReprintingVoucher: return "reprinting_voucher";
    case FlowStage::kVoidingVoucher: return "voiding_voucher";
    case FlowStage::kPrinting: return "printing";
    case FlowStage::kFinished: return "finished";
  }
  return "unknown";
}

std::string_view EventKindName(EventKind kind) noexcept {
  switch (kind) {
    case EventKind::kStage: return "stage";
    case EventKind::kProgress: return "progress";
    case EventKind::kPinTriesLeft: return "pin_tries_left";
    case EventKind::kCard: return "card";
    case EventKind::kOfflineQueue: return "offline_queue";
  }
  return "unknown";
}

std::string_view PrintStateName(PrintState state) noexcept {
  switch (state) {
    case PrintState::kNone: return "none";
    case PrintState::kPrinted: return "printed";
    case PrintState::kUnconfirmed: return "unconfirmed";
    case PrintState::kNotPrinted: return "not_printed";
    case PrintState::kUnknown: return "unknown";
  }
  return "unknown";
}

}  // namespace mykey::terminal
