#include "mykey/terminal/flow.h"

#include <string>
#include <utility>
#include <vector>

#include "mykey/base/mask.h"
#include "mykey/protocol/voucher_serial.h"

namespace mykey::terminal {
namespace {

using counter::CounterErrorCode;
using counter::CounterErrorCodeOf;
using protocol::CardAuthPurpose;

// Slices of the card wait: a cancel is seen within one slice even if the
// counter's own Cancel() raced the start of the wait.
constexpr std::chrono::milliseconds kCardWaitSlice{500};

std::vector<FlowStage> StagesOf(OperationKind kind) {
  using S = FlowStage;
  switch (kind) {
    case OperationKind::kRedeem:
    case OperationKind::kFacilityEntry:
      return {S::kCheckingRequest, S::kWaitingForCard, S::kAuthenticating,
              S::kReadingBalances, S::kRedeeming,      S::kPrinting};
    case OperationKind::kRefund: return {S::kCheckingRequest, S::kRefunding, S::kPrinting};
    case OperationKind::kWhoIsThis:
      return {S::kCheckingRequest, S::kWaitingForCard, S::kAuthenticating, S::kLookingUpService};
    case OperationKind::kLibraryLookup:
      return {S::kCheckingRequest, S::kWaitingForCard, S::kAuthenticating, S::kLookingUpService,
              S::kDeliveringNumber};
    case OperationKind::kCreateMyKeyId:
      return {S::kCheckingRequest, S::kWaitingForCard, S::kAuthenticating, S::kCreatingMyKeyId};
    case OperationKind::kLinkService:
      return {S::kCheckingRequest, S::kWaitingForCard, S::kAuthenticating, S::kLinkingService};
    case OperationKind::kReportLost:
      return {S::kCheckingRequest, S::kWaitingForCard, S::kAuthenticating, S::kReportingLost};
    case OperationKind::kIssueVoucher:
      return {S::kCheckingRequest, S::kWaitingForCard, S::kAuthenticating, S::kIssuingVoucher,
              S::kPrinting};
    case OperationKind::kRedeemCoupon:
      return {S::kCheckingRequest, S::kWaitingForCard, S::kAuthenticating, S::kConvertingCoupon};
    case OperationKind::kDonate:
      return {S::kCheckingRequest, S::kWaitingForCard, S::kAuthenticating, S::kDonating};
    case OperationKind::kRedeemVoucher:
      return {S::kCheckingRequest, S::kCheckingVoucher, S::kRedeemingVoucher, S::kPrinting};
    case OperationKind::kPendingVouchers: return {S::kCheckingRequest, S::kListingVouchers};
    case OperationKind::kReprintVoucher: return {S::kCheckingRequest, S::kReprintingVoucher};
    case OperationKind::kVoidVoucher: return {S::kCheckingRequest, S::kVoidingVoucher};
  }
  return {S::kCheckingRequest};
}

CardAuthPurpose PurposeOf(OperationKind kind) {
  switch (kind) {
    case OperationKind::kCreateMyKeyId: return CardAuthPurpose::kCreateMyKeyId;
    case OperationKind::kLinkService: return CardAuthPurpose::kLinkService;
    case OperationKind::kReportLost: return CardAuthPurpose::kReportLost;
    default: return CardAuthPurpose::kLogin;
  }
}

// Stages after which points (or the holder's registration) have changed: a
// cancel no longer stops the flow.
bool MovesValue(FlowStage stage) {
  return stage == FlowStage::kRedeeming || stage == FlowStage::kRefunding ||
         stage == FlowStage::kCreatingMyKeyId || stage == FlowStage::kLinkingService ||
         stage == FlowStage::kReportingLost || stage == FlowStage::kIssuingVoucher ||
         stage == FlowStage::kConvertingCoupon || stage == FlowStage::kRedeemingVoucher ||
         stage == FlowStage::kDonating || stage == FlowStage::kReprintingVoucher ||
         stage == FlowStage::kVoidingVoucher;
}

// Forwards events to the observer; remembers the stage.
struct StageFailure {
  std::string reason;
};

}  // namespace

bool AllowedInMode(const TerminalConfig& config, OperationKind kind) noexcept {
  switch (kind) {
    case OperationKind::kWhoIsThis: return true;
    case OperationKind::kRedeem: return config.mode == Mode::kShop;
    case OperationKind::kRefund: return config.mode == Mode::kShop && config.shop.refunds;
    case OperationKind::kLibraryLookup: return config.mode == Mode::kLibrary;
    case OperationKind::kCreateMyKeyId:
    case OperationKind::kLinkService:
    case OperationKind::kReportLost:
    case OperationKind::kIssueVoucher:
    case OperationKind::kRedeemCoupon:
    case OperationKind::kDonate:
    case OperationKind::kPendingVouchers:
    case OperationKind::kReprintVoucher:
    case OperationKind::kVoidVoucher: return config.mode == Mode::kKiosk;
    case OperationKind::kFacilityEntry: return config.mode == Mode::kFacility;
    case OperationKind::kRedeemVoucher:
      return config.mode == Mode::kShop || config.mode == Mode::kFacility;
  }
  return false;
}

// One run of one machine.
struct FlowRunner::Machine {
  FlowRunner& runner;
  const OperationRequest& request;
  FlowObserver& observer;
  OperationResult result;
  bool value_moved = false;
  bool force_pin = false;
  bool card_found = false;
  std::optional<counter::HolderSession> holder;
  std::optional<cloud_client::Redemption> redemption;
  std::optional<cloud_client::Refund> refund;
  std::optional<IssuedVoucher> issued;
  int64_t amount = 0;

  const TerminalConfig& config() const { return runner.config_; }
  CounterPort& counter() const { return *runner.env_.counter; }
  bool cancelled() const { return runner.cancel_requested_.load(); }

  // Ends the machine with `reason`; a failure caused by a cancel (the PIN pad
  // or the card wait gave up) before value moved is a cancel.
  Status Refuse(std::string reason) {
    failure = StageFailure{std::move(reason)};
    return Fail(ErrorCode::kAborted, "flow stage failed");
  }
  Status RefuseWith(const Error& error) {
    CounterErrorCode code = CounterErrorCodeOf(error);
    if (code == CounterErrorCode::kWrongPin) result.pin_tries_left = counter::PinTriesLeftOf(error);
    if (code == CounterErrorCode::kOutcomeUnknown || code == CounterErrorCode::kNotApplied) {
      result.idempotency_key = counter().LastFailure().idempotency_key;
    }
    if (code == CounterErrorCode::kNone) return Refuse("internal");
    if (code == CounterErrorCode::kOfflineRefused) {
      // The journal's own reason ("over_operation_limit"), offline.
      result.offline = true;
      std::string refusal = counter().LastFailure().offline_refusal;
      if (!refusal.empty()) return Refuse(std::move(refusal));
    }
    return Refuse(std::string(counter::CounterErrorCodeName(code)));
  }

  // A pending-voucher call failed: not one of ours, unsupported, or the counter's refusal.
  Status RefuseVoucherWith(const Error& error) {
    if (error.code() == ErrorCode::kNotFound &&
        CounterErrorCodeOf(error) == CounterErrorCode::kNone) {
      return Refuse("voucher_not_pending");
    }
    if (error.code() == ErrorCode::kUnimplemented) return Refuse("unsupported");
    if (error.code() == ErrorCode::kFailedPrecondition &&
        CounterErrorCodeOf(error) == CounterErrorCode::kNone) {
      return Refuse("voucher_printed");  // printed, only unrecorded: reprint confirms it
    }
    const CounterErrorCode code = CounterErrorCodeOf(error);
    if (code == CounterErrorCode::kVoucherVoided || code == CounterErrorCode::kAlreadyVoided ||
        code == CounterErrorCode::kVoucherAlreadyRedeemed ||
        code == CounterErrorCode::kVoucherExpired) {
      return Refuse("voucher_not_pending");
    }
    return RefuseWith(error);
  }

  std::optional<StageFailure> failure;
  std::optional<VoucherCheck> voucher_check;            // redeem_voucher: passed offline
  std::optional<VoucherRedemption> voucher_redemption;  // redeem_voucher: redeemed

  Status CheckRequest() {
    if (!AllowedInMode(config(), request.kind)) return Refuse("not_allowed_in_mode");
    switch (request.kind) {
      case OperationKind::kRedeem:
        if (request.amount <= 0 || request.amount > config().shop.max_amount) {
          return Refuse("invalid_amount");
        }
        amount = request.amount;
        break;
      case OperationKind::kFacilityEntry: amount = config().facility.fee; break;
      case OperationKind::kRefund:
        if (request.amount <= 0 || request.amount > config().shop.max_amount) {
          return Refuse("invalid_amount");
        }
        if (request.redemption_id <= 0) return Refuse("invalid_request");
        amount = request.amount;
        break;
      case OperationKind::kIssueVoucher: {
        bool offered = false;
        for (int64_t a : config().kiosk.voucher_amounts) offered = offered || a == request.amount;
        if (!offered) return Refuse("invalid_amount");
        if (runner.env_.voucher_issuer == nullptr) return Refuse("unsupported");
        MYKEY_TRY(CheckVoucherPrinter());
        amount = request.amount;
        break;
      }
      case OperationKind::kLinkService:
        if (request.service_id.empty() || request.service_id.size() > 64) {
          return Refuse("invalid_request");
        }
        break;
      case OperationKind::kLibraryLookup:
        if (runner.env_.library_output == nullptr) return Refuse("unsupported");
        break;
      case OperationKind::kRedeemCoupon:
        // The cloud checks the code's check symbol (coupon_malformed); here only its size.
        if (request.coupon.empty() || request.coupon.size() > 64) return Refuse("invalid_request");
        break;
      case OperationKind::kDonate:
        if (request.amount <= 0 || request.project_id <= 0 || request.programme_id <= 0) {
          return Refuse(request.amount <= 0 ? "invalid_amount" : "invalid_request");
        }
        amount = request.amount;
        break;
      case OperationKind::kRedeemVoucher: {
        const int given = int{!request.voucher_image.empty()} +
                          int{!request.voucher_token.empty()} +
                          int{!request.voucher_serial.empty()};
        if (given != 1) return Refuse("invalid_request");  // exactly one of image, token, serial
        if (runner.env_.voucher_redeemer == nullptr) return Refuse("unsupported");
        break;
      }
      case OperationKind::kReprintVoucher:
      case OperationKind::kVoidVoucher:
        if (request.voucher_serial.empty() || request.voucher_serial.size() > 64) {
          return Refuse("invalid_request");
        }
        [[fallthrough]];
      case OperationKind::kPendingVouchers:
        if (runner.env_.voucher_issuer == nullptr) return Refuse("unsupported");
        if (request.kind == OperationKind::kReprintVoucher && runner.env_.printer != nullptr) {
          MYKEY_TRY(CheckVoucherPrinter());
        }
        break;
      case OperationKind::kWhoIsThis:
      case OperationKind::kCreateMyKeyId:
      case OperationKind::kReportLost: break;
    }
    return Ok();
  }

  // A voucher counts only once the printer confirmed it: on a printer that
  // cannot say so (one-way) or cannot be reached, none is issued, before the
  // card is asked for and before any point moves.
  Status CheckVoucherPrinter() {
    ReceiptPrinter* printer = runner.env_.printer;
    if (printer == nullptr) return Refuse("unsupported");
    const Status ready = printer->CheckProofOfPrint();
    if (ready) return Ok();
    return Refuse(ready.error().code() == ErrorCode::kFailedPrecondition ? "printer_cannot_confirm"
                                                                         : "printer_unavailable");
  }

  Status WaitForCard() {
    auto deadline = std::chrono::steady_clock::now() + request.card_timeout;
    while (true) {
      if (cancelled()) return Refuse("cancelled");
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left <= std::chrono::milliseconds::zero()) return Refuse("timeout");
      auto card = counter().WaitForCard(std::min(left, kCardWaitSlice));
      if (card) {
        card_found = true;
        observer.OnEvent(EventKind::kCard, "inserted", std::nullopt);
        return Ok();
      }
      CounterErrorCode code = CounterErrorCodeOf(card.error());
      // A timeout of one slice, or a cancel left over from an earlier
      // operation (the counter keeps one for the next wait): wait again.
      if (code == CounterErrorCode::kTimeout || code == CounterErrorCode::kCancelled) continue;
      return RefuseWith(card.error());
    }
  }

  Status Authenticate() {
    bool tap_only =
        request.kind == OperationKind::kLibraryLookup && config().library.tap_only && !force_pin;
    auto session = tap_only ? counter().AuthenticateTapOnly()
                            : counter().Authenticate(PurposeOf(request.kind), *runner.env_.pin_pad);
    if (!session) {
      // The counter falls back to offline authentication whenever the cloud
      // is unreachable; only redemptions can be approved offline, so for the
      // rest an unknown holder there means the cloud could not be reached.
      if (CounterErrorCodeOf(session.error()) == CounterErrorCode::kUnknownHolder &&
          request.kind != OperationKind::kRedeem && request.kind != OperationKind::kFacilityEntry) {
        return Refuse("cloud_unreachable");
      }
      return RefuseWith(session.error());
    }
    holder = *session;
    if (holder->mykey_id) result.mykey_id_masked = MaskIdentifier(*holder->mykey_id);
    return Ok();
  }

  Result<FlowStage> LookUpService() {
    auto link = counter().ServiceId();
    if (!link) {
      // The cloud has no tap-only lookup: ask for the PIN after all.
      if (CounterErrorCodeOf(link.error()) == CounterErrorCode::kPinSessionRequired && holder &&
          holder->level == counter::AuthLevel::kTapOnly && !force_pin) {
        force_pin = true;
        return FlowStage::kAuthenticating;
      }
      return Fail(RefuseWith(link.error()).error());
    }
    result.service_id = link->service_id;
    return FlowStage::kFinished;  // "next in the list"
  }

  Status ReadBalances() {
    int64_t wanted = request.programme_id != 0 ? request.programme_id
                     : request.kind == OperationKind::kFacilityEntry
                         ? config().facility.programme_id
                         : config().shop.programme_id;
    // A known programme needs no balance read: the ledger refuses an
    // insufficient balance itself.
    if (wanted != 0) {
      result.programme_id = wanted;
      return Ok();
    }
    auto balances = counter().Balances();
    if (!balances) return RefuseWith(balances.error());
    for (const auto& programme : balances->programmes) {
      if (programme.balance >= amount) {
        result.programme_id = programme.programme_id;
        return Ok();
      }
    }
    return Refuse(balances->programmes.empty() ? "no_programme" : "insufficient_balance");
  }

  Status Redeem() {
    counter::RedemptionOrder order;
    order.programme_id = *result.programme_id;
    order.amount = amount;
    auto done = counter().Redeem(order);
    if (!done) return RefuseWith(done.error());
    redemption = *done;
    result.offline = holder && holder->level == counter::AuthLevel::kOffline;
    result.amount = done->amount;
    result.balance = done->balance;
    result.redemption_id = done->redemption_id;
    result.idempotency_key = done->idempotency_key;
    if (result.mykey_id_masked.empty()) result.mykey_id_masked = MaskIdentifier(done->mykey_id);
    return Ok();
  }

  Status DoRefund() {
    auto done = counter().Refund(request.redemption_id, amount);
    if (!done) return RefuseWith(done.error());
    refund = *done;
    result.amount = done->amount;
    result.balance = done->balance;
    result.redemption_id = done->redemption_id;
    result.idempotency_key = done->idempotency_key;
    return Ok();
  }

  std::chrono::sys_seconds Now() const {
    if (runner.env_.now) return runner.env_.now();
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  }

  const std::string& MerchantName() const {
    return config().mode == Mode::kFacility ? config().facility.name : config().shop.merchant_name;
  }

  Status Print() {
    ReceiptPrinter* printer = runner.env_.printer;
    if (issued) {
      result.print = printer != nullptr ? printer->PrintVoucher(issued->print) : PrintState::kNone;
      auto confirmed = runner.env_.voucher_issuer->ConfirmPrint(issued->serial, result.print);
      // Only a print the printer confirmed is a voucher (an unconfirmed one is voided or kept
      // pending by ConfirmPrint()).
      if (result.print != PrintState::kPrinted) return Refuse("voucher_not_printed");
      if (!confirmed) {
        // Printed, not recorded at the cloud: kept to be confirmed, never voided.
        result.voucher_state = "pending_print";
        if (confirmed.error().code() == ErrorCode::kUnavailable) {
          return Refuse("voucher_not_confirmed");
        }
        return RefuseWith(confirmed.error());
      }
      return Ok();
    }
    if (printer == nullptr) return Ok();
    // Every receipt prints one short number a clerk can type back: a
    // redemption's "R<id>" is what a refund asks for and what the refund's
    // receipt prints as 元の取引番号; a paper voucher's reference is its 券番号.
    if (voucher_redemption) {
      voucher::RedemptionReceiptData data;
      data.merchant_name = MerchantName();
      data.programme_name = config().shop.programme_name;
      data.time = Now();
      data.points = static_cast<uint64_t>(voucher_redemption->amount);
      // A voucher has no account: no balance after (never "0 ポイント").
      if (auto serial = protocol::VoucherSerial::Parse(voucher_redemption->serial)) {
        data.voucher_serial = *serial;
      }
      result.print = printer->PrintRedemption(data);
      return Ok();
    }
    // Offline the balance after is not known: no receipt (the result says offline).
    if (redemption && !result.offline) {
      voucher::RedemptionReceiptData data;
      data.merchant_name = MerchantName();
      data.programme_name = config().shop.programme_name;
      data.time = Now();
      data.points = static_cast<uint64_t>(redemption->amount);
      data.balance_after = static_cast<uint64_t>(redemption->balance);
      data.operation_id = voucher::RedemptionNumber(redemption->redemption_id);
      data.mykey_id = redemption->mykey_id;
      result.print = printer->PrintRedemption(data);
    } else if (refund) {
      voucher::RefundReceiptData data;
      data.merchant_name = config().shop.merchant_name;
      data.programme_name = config().shop.programme_name;
      data.time = Now();
      data.points = static_cast<uint64_t>(refund->amount);
      data.balance_after = static_cast<uint64_t>(refund->balance);
      data.operation_id = voucher::RefundNumber(refund->transfer_id);
      data.original_operation_id = voucher::RedemptionNumber(
          refund->redemption_id != 0 ? refund->redemption_id : request.redemption_id);
      result.print = printer->PrintRefund(data);
    }
    // A receipt that did not print does not undo the redemption: the result
    // says how the print went.
    return Ok();
  }

  // Runs `stage`; returns the stage to go to (kFinished: the next in the list).
  Result<FlowStage> Step(FlowStage stage) {
    switch (stage) {
      case FlowStage::kCheckingRequest: MYKEY_TRY(CheckRequest()); break;
      case FlowStage::kWaitingForCard: MYKEY_TRY(WaitForCard()); break;
      case FlowStage::kAuthenticating: MYKEY_TRY(Authenticate()); break;
      case FlowStage::kLookingUpService: return LookUpService();
      case FlowStage::kDeliveringNumber: {
        auto delivered = runner.env_.library_output->Deliver(result.service_id);
        if (!delivered) return Fail(Refuse("output_failed").error());
        break;
      }
      case FlowStage::kReadingBalances: MYKEY_TRY(ReadBalances()); break;
      case FlowStage::kRedeeming: MYKEY_TRY(Redeem()); break;
      case FlowStage::kRefunding: MYKEY_TRY(DoRefund()); break;
      case FlowStage::kCreatingMyKeyId: {
        std::optional<std::string_view> wanted;
        if (request.wanted_mykey_id) wanted = *request.wanted_mykey_id;
        auto id = counter().CreateMyKeyId(wanted);
        if (!id) return Fail(RefuseWith(id.error()).error());
        result.mykey_id_masked = MaskIdentifier(*id);
        break;
      }
      case FlowStage::kLinkingService: {
        auto link = counter().LinkService(request.service_id);
        if (!link) return Fail(RefuseWith(link.error()).error());
        result.service_id = link->service_id;
        break;
      }
      case FlowStage::kReportingLost: {
        auto reported = counter().ReportLost();
        if (!reported) return Fail(RefuseWith(reported.error()).error());
        break;
      }
      case FlowStage::kIssuingVoucher: {
        auto voucher = runner.env_.voucher_issuer->Issue(request.programme_id, amount);
        if (!voucher) return Fail(RefuseWith(voucher.error()).error());
        issued = std::move(*voucher);
        result.voucher_serial = issued->serial;
        result.amount = amount;
        result.balance = issued->balance;
        break;
      }
      case FlowStage::kDonating: {
        counter::DonationOrder order;
        order.programme_id = request.programme_id;
        order.project_id = request.project_id;
        order.amount = amount;
        auto donated = counter().Donate(order);
        if (!donated) return Fail(RefuseWith(donated.error()).error());
        result.amount = donated->amount;
        result.balance = donated->balance;
        result.programme_id = donated->programme_id;
        result.idempotency_key = donated->idempotency_key;
        break;
      }
      case FlowStage::kConvertingCoupon: {
        auto converted = counter().ConvertCoupon(request.coupon);
        if (!converted) return Fail(RefuseWith(converted.error()).error());
        result.amount = converted->points;
        result.programme_id = converted->programme_id;
        result.lands_at_ms = converted->lands_at_ms;
        result.idempotency_key = converted->idempotency_key;
        if (!converted->mykey_id.empty())
          result.mykey_id_masked = MaskIdentifier(converted->mykey_id);
        break;
      }
      case FlowStage::kCheckingVoucher: {
        // Offline: a voucher that does not verify never reaches the cloud.
        VoucherCheck check = runner.env_.voucher_redeemer->Check(
            {request.voucher_image, request.voucher_token, request.voucher_serial});
        result.voucher_serial = check.serial;
        if (!check.refusal.empty()) return Fail(Refuse(check.refusal).error());
        voucher_check = std::move(check);
        break;
      }
      case FlowStage::kRedeemingVoucher: {
        VoucherRedemption redeemed = runner.env_.voucher_redeemer->Redeem(*voucher_check);
        result.idempotency_key = redeemed.idempotency_key;
        if (!redeemed.refusal.empty()) return Fail(Refuse(redeemed.refusal).error());
        result.voucher_serial = redeemed.serial;
        result.voucher_state = redeemed.state;
        result.amount = redeemed.amount;
        if (redeemed.programme_id != 0) result.programme_id = redeemed.programme_id;
        voucher_redemption = std::move(redeemed);
        break;
      }
      case FlowStage::kListingVouchers: {
        auto pending = runner.env_.voucher_issuer->ListPending();
        if (!pending) return Fail(RefuseVoucherWith(pending.error()).error());
        result.pending_vouchers = std::move(*pending);
        break;
      }
      case FlowStage::kReprintingVoucher: {
        auto reprinted = runner.env_.voucher_issuer->Reprint(request.voucher_serial);
        if (!reprinted) return Fail(RefuseVoucherWith(reprinted.error()).error());
        result.voucher_serial = reprinted->serial;
        result.amount = reprinted->amount;
        result.print = reprinted->print;
        result.voucher_state = reprinted->state;
        // A duplicate the printer did not confirm stays pending: not done.
        if (reprinted->state != "issued") return Fail(Refuse("voucher_not_printed").error());
        break;
      }
      case FlowStage::kVoidingVoucher: {
        auto voided = runner.env_.voucher_issuer->Void(request.voucher_serial);
        if (!voided) return Fail(RefuseVoucherWith(voided.error()).error());
        result.voucher_serial = voided->serial;
        result.amount = voided->amount;
        result.voucher_state = "voided";
        break;
      }
      case FlowStage::kPrinting: MYKEY_TRY(Print()); break;
      case FlowStage::kFinished: break;
    }
    return FlowStage::kFinished;
  }

  OperationResult Run() {
    const std::vector<FlowStage> stages = StagesOf(request.kind);
    size_t index = 0;
    while (index < stages.size()) {
      FlowStage stage = stages[index];
      if (cancelled() && !value_moved) {
        failure = StageFailure{"cancelled"};
        break;
      }
      observer.OnEvent(EventKind::kStage, FlowStageName(stage), std::nullopt);
      if (MovesValue(stage)) value_moved = true;
      auto next = Step(stage);
      if (!next) break;
      if (*next == FlowStage::kFinished) {
        ++index;
      } else {
        for (size_t i = 0; i < stages.size(); ++i) {
          if (stages[i] == *next) index = i;
        }
      }
    }
    if (card_found && runner.env_.card_removal_wait) {
      runner.card_left_ = true;  // Settle() waits for it to be taken away
    } else {
      counter().EndHolderSession();
    }
    if (failure) {
      // A failure while a cancel was pending, before anything moved, is the
      // cancel taking effect (the PIN pad or the card wait gave up).
      // The holder cancelling at the PIN pad is a cancel too.
      bool by_cancel = failure->reason == "cancelled" || (cancelled() && !value_moved);
      result.state = by_cancel ? OperationState::kCancelled : OperationState::kFailed;
      result.reason = by_cancel ? "cancelled" : failure->reason;
    } else {
      result.state = OperationState::kDone;
      result.reason.clear();
    }
    observer.OnEvent(EventKind::kStage, FlowStageName(FlowStage::kFinished), std::nullopt);
    return result;
  }
};

FlowRunner::FlowRunner(TerminalConfig config, FlowEnvironment env)
    : config_(std::move(config)), env_(std::move(env)) {}

OperationResult FlowRunner::Run(const OperationRequest& request, FlowObserver& observer) {
  if (env_.relay != nullptr) env_.relay->set_observer(&observer);
  Machine machine{*this, request, observer, {}, false, false, false, {}, {}, {}, {}, 0, {}, {}, {}};
  OperationResult result = machine.Run();
  if (env_.relay != nullptr) env_.relay->set_observer(nullptr);
  Reset();
  return result;
}

void FlowRunner::Settle() {
  if (!card_left_) return;
  card_left_ = false;
  // Ends the holder session and forgets the card once it is gone (or the
  // wait times out or is cancelled).
  (void)env_.counter->WaitForCardRemoval(*env_.card_removal_wait);
  env_.counter->EndHolderSession();
}

void FlowRunner::Reset() {
  cancel_requested_ = false;
  env_.pin_pad->Reset();
}

void FlowRunner::Cancel() {
  cancel_requested_ = true;
  env_.pin_pad->Cancel();
  env_.counter->Cancel();
}

}  // namespace mykey::terminal
