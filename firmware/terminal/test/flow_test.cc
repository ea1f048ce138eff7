#include "mykey/terminal/flow.h"

#include "fakes.h"
#include "mykey/terminal/messages.h"
#include "mykey/testing/catch.h"

namespace mykey::terminal {
namespace {

using counter::CounterErrorCode;
using testing::CounterError;
using Strings = std::vector<std::string>;

TerminalConfig ShopConfig() {
  TerminalConfig config;
  config.mode = Mode::kShop;
  config.shop.merchant_name = "さくら商店";
  config.shop.programme_name = "千代田区ポイント";
  config.shop.max_amount = 10'000;
  return config;
}

// A runner over the doubles, with a fixed clock.
struct Rig {
  testing::ScriptedCounter counter;
  testing::FakePinPad pin_pad;
  testing::RecordingPrinter printer;
  testing::RecordingLibraryOutput library;
  testing::FakeVoucherIssuer issuer;
  testing::RecordingObserver observer;
  bool with_issuer = true;
  std::optional<std::chrono::milliseconds> removal_wait;

  OperationResult Run(const TerminalConfig& config, const OperationRequest& request) {
    FlowEnvironment env;
    env.counter = &counter;
    env.pin_pad = &pin_pad;
    env.printer = &printer;
    env.library_output = &library;
    env.voucher_issuer = with_issuer ? &issuer : nullptr;
    env.now = [] { return std::chrono::sys_seconds(std::chrono::seconds(1'743'470'100)); };
    env.card_removal_wait = removal_wait;
    runner.emplace(config, env);
    return runner->Run(request, observer);
  }
  std::optional<FlowRunner> runner;
};

OperationRequest Redeem(int64_t amount) {
  OperationRequest request;
  request.kind = OperationKind::kRedeem;
  request.amount = amount;
  return request;
}

TEST_CASE("a shop redemption goes amount, card, PIN, balances, redeem, receipt and ends done") {
  Rig rig;
  rig.counter.redemption = testing::ScriptedCounter::Redeemed(500, 12, 4500);
  auto result = rig.Run(ShopConfig(), Redeem(500));

  CHECK(result.state == OperationState::kDone);
  CHECK(result.reason.empty());
  CHECK(rig.observer.Stages() == Strings{"checking_request", "waiting_for_card", "authenticating",
                                         "reading_balances", "redeeming", "printing", "finished"});
  CHECK(rig.counter.calls == Strings{"WaitForCard", "Authenticate", "Balances", "Redeem"});
  CHECK(rig.counter.purposes == std::vector{protocol::CardAuthPurpose::kLogin});
  // Programme 11 has 300 points: the first with enough is 12.
  REQUIRE(rig.counter.last_order);
  CHECK(rig.counter.last_order->programme_id == 12);
  CHECK(rig.counter.last_order->amount == 500);
  CHECK(result.amount == 500);
  CHECK(result.balance == 4500);
  CHECK(result.redemption_id == 42);
  CHECK(result.mykey_id_masked == "********34");
  CHECK(result.print == PrintState::kPrinted);
  REQUIRE(rig.printer.redemptions.size() == 1);
  const auto& receipt = rig.printer.redemptions.front();
  CHECK(receipt.merchant_name == "さくら商店");
  CHECK(receipt.programme_name == "千代田区ポイント");
  CHECK(receipt.points == 500);
  CHECK(receipt.balance_after == 4500);
  // The short number a clerk types to refund it, not the idempotency key.
  CHECK(receipt.operation_id == "R42");
  CHECK(rig.printer.layout_errors.empty());
  CHECK(rig.counter.sessions_ended == 1);
}

TEST_CASE("with a removal wait the card stays until it is taken away, then the session ends") {
  Rig rig;
  rig.removal_wait = std::chrono::seconds(30);
  rig.counter.redemption = testing::ScriptedCounter::Redeemed(500, 12, 4500);
  auto result = rig.Run(ShopConfig(), Redeem(500));
  CHECK(result.state == OperationState::kDone);
  CHECK(rig.counter.sessions_ended == 0);
  rig.runner->Settle();
  CHECK(rig.counter.calls.back() == "WaitForCardRemoval");
  CHECK(rig.counter.sessions_ended == 1);
  rig.runner->Settle();  // nothing left: no second wait
  CHECK(rig.counter.sessions_ended == 1);
}

TEST_CASE("an operation that never used the card has nothing to settle") {
  Rig rig;
  rig.removal_wait = std::chrono::seconds(30);
  auto result = rig.Run(ShopConfig(), Redeem(0));
  CHECK(result.reason == "invalid_amount");
  CHECK(rig.counter.sessions_ended == 1);
  rig.runner->Settle();
  CHECK(rig.counter.calls.empty());
}

TEST_CASE("an amount over the shop's limit fails before the card is asked for") {
  Rig rig;
  auto result = rig.Run(ShopConfig(), Redeem(10'001));
  CHECK(result.state == OperationState::kFailed);
  CHECK(result.reason == "invalid_amount");
  CHECK(rig.counter.calls.empty());
  CHECK(rig.observer.Stages() == Strings{"checking_request", "finished"});
}

TEST_CASE("a card removed during authentication ends the redemption failed, card_removed") {
  Rig rig;
  rig.counter.holder = Fail(CounterError(CounterErrorCode::kCardRemoved));
  auto result = rig.Run(ShopConfig(), Redeem(500));
  CHECK(result.state == OperationState::kFailed);
  CHECK(result.reason == "card_removed");
  CHECK(rig.counter.calls == Strings{"WaitForCard", "Authenticate"});
  CHECK(rig.printer.redemptions.empty());
  CHECK(rig.counter.sessions_ended == 1);
  CHECK(rig.observer.Stages().back() == "finished");
}

TEST_CASE("a card removed while the balances are read ends failed with nothing redeemed") {
  Rig rig;
  rig.counter.balances = Fail(CounterError(CounterErrorCode::kCardRemoved));
  auto result = rig.Run(ShopConfig(), Redeem(500));
  CHECK(result.state == OperationState::kFailed);
  CHECK(result.reason == "card_removed");
  CHECK_FALSE(rig.counter.last_order.has_value());
}

TEST_CASE("a wrong PIN ends failed with the tries left") {
  Rig rig;
  rig.counter.holder = Fail(CounterError(CounterErrorCode::kWrongPin, 2));
  auto result = rig.Run(ShopConfig(), Redeem(500));
  CHECK(result.state == OperationState::kFailed);
  CHECK(result.reason == "wrong_pin");
  CHECK(result.pin_tries_left == 2);
}

TEST_CASE("no programme with enough points ends failed, insufficient_balance, without a redeem") {
  Rig rig;
  auto result = rig.Run(ShopConfig(), Redeem(6'000));
  CHECK(result.state == OperationState::kFailed);
  CHECK(result.reason == "insufficient_balance");
  CHECK_FALSE(rig.counter.last_order.has_value());
}

TEST_CASE("a configured programme is used as it is, without reading the balances") {
  Rig rig;
  auto config = ShopConfig();
  config.shop.programme_id = 11;
  rig.counter.redemption = Fail(CounterError(CounterErrorCode::kInsufficientBalance));
  auto result = rig.Run(config, Redeem(500));
  REQUIRE(rig.counter.last_order);
  CHECK(rig.counter.last_order->programme_id == 11);
  CHECK(result.reason == "insufficient_balance");
  CHECK(rig.counter.calls == Strings{"WaitForCard", "Authenticate", "Redeem"});
}

TEST_CASE("a redemption whose answer was lost ends failed with the key to recover it") {
  Rig rig;
  rig.counter.redemption = Fail(CounterError(CounterErrorCode::kOutcomeUnknown));
  rig.counter.failure.idempotency_key = "mk-lost";
  auto result = rig.Run(ShopConfig(), Redeem(500));
  CHECK(result.state == OperationState::kFailed);
  CHECK(result.reason == "outcome_unknown");
  CHECK(result.idempotency_key == "mk-lost");
}

TEST_CASE("a receipt that does not print leaves the redemption done, saying so") {
  Rig rig;
  rig.counter.redemption = testing::ScriptedCounter::Redeemed(500, 12, 4500);
  rig.printer.answer = PrintState::kNotPrinted;
  auto result = rig.Run(ShopConfig(), Redeem(500));
  CHECK(result.state == OperationState::kDone);
  CHECK(result.print == PrintState::kNotPrinted);
}

TEST_CASE("a refund needs no card and prints a refund receipt") {
  Rig rig;
  cloud_client::Refund refund;
  refund.idempotency_key = "mk-refund";
  refund.transfer_id = 77;
  refund.redemption_id = 42;
  refund.amount = 200;
  refund.balance = 4700;
  rig.counter.refund = refund;
  OperationRequest request;
  request.kind = OperationKind::kRefund;
  request.redemption_id = 42;
  request.amount = 200;
  auto result = rig.Run(ShopConfig(), request);
  CHECK(result.state == OperationState::kDone);
  CHECK(rig.counter.calls == Strings{"Refund"});
  CHECK(rig.observer.Stages() == Strings{"checking_request", "refunding", "printing", "finished"});
  REQUIRE(rig.printer.refunds.size() == 1);
  CHECK(rig.printer.refunds[0].points == 200);
  CHECK(rig.printer.refunds[0].operation_id == "H77");
  // The number the redemption's receipt printed as 取引番号 ("R42").
  CHECK(rig.printer.refunds[0].original_operation_id == "R42");
  CHECK(rig.printer.refunds[0].balance_after == 4700);
  CHECK(rig.printer.layout_errors.empty());
  CHECK(result.balance == 4700);
}

TEST_CASE("refunds switched off in the configuration are not allowed") {
  Rig rig;
  auto config = ShopConfig();
  config.shop.refunds = false;
  OperationRequest request;
  request.kind = OperationKind::kRefund;
  request.redemption_id = 42;
  request.amount = 200;
  auto result = rig.Run(config, request);
  CHECK(result.reason == "not_allowed_in_mode");
  CHECK(rig.counter.calls.empty());
}

TerminalConfig LibraryConfig(bool tap_only) {
  TerminalConfig config;
  config.mode = Mode::kLibrary;
  config.library.tap_only = tap_only;
  return config;
}

TEST_CASE("a library lookup with PIN delivers the library number to the library system") {
  Rig rig;
  OperationRequest request;
  request.kind = OperationKind::kLibraryLookup;
  auto result = rig.Run(LibraryConfig(false), request);
  CHECK(result.state == OperationState::kDone);
  CHECK(result.service_id == "280212");
  CHECK(rig.library.numbers == Strings{"280212"});
  CHECK(rig.counter.calls == Strings{"WaitForCard", "Authenticate", "ServiceId"});
  CHECK(rig.observer.Stages() == Strings{"checking_request", "waiting_for_card", "authenticating",
                                         "looking_up_service", "delivering_number", "finished"});
}

TEST_CASE("a tap-only library lookup asks for the PIN when the cloud will not look up a tap") {
  Rig rig;
  rig.counter.service_links = {Fail(CounterError(CounterErrorCode::kPinSessionRequired)),
                               cloud_client::ServiceLink{"library-1", "280212"}};
  OperationRequest request;
  request.kind = OperationKind::kLibraryLookup;
  auto result = rig.Run(LibraryConfig(true), request);
  CHECK(result.state == OperationState::kDone);
  CHECK(rig.counter.calls ==
        Strings{"WaitForCard", "AuthenticateTapOnly", "ServiceId", "Authenticate", "ServiceId"});
  CHECK(rig.library.numbers == Strings{"280212"});
}

TEST_CASE("a tap-only library lookup the cloud answers needs no PIN") {
  Rig rig;
  OperationRequest request;
  request.kind = OperationKind::kLibraryLookup;
  auto result = rig.Run(LibraryConfig(true), request);
  CHECK(result.state == OperationState::kDone);
  CHECK(rig.counter.calls == Strings{"WaitForCard", "AuthenticateTapOnly", "ServiceId"});
  CHECK(rig.pin_pad.requests == 0);
}

TEST_CASE("a library system that does not take the number ends the lookup failed") {
  Rig rig;
  rig.library.fail = true;
  OperationRequest request;
  request.kind = OperationKind::kLibraryLookup;
  auto result = rig.Run(LibraryConfig(false), request);
  CHECK(result.state == OperationState::kFailed);
  CHECK(result.reason == "output_failed");
}

TEST_CASE("a holder without a library number ends failed, no_service_link") {
  Rig rig;
  rig.counter.service_links = {Fail(CounterError(CounterErrorCode::kNoServiceLink))};
  OperationRequest request;
  request.kind = OperationKind::kWhoIsThis;
  auto result = rig.Run(LibraryConfig(false), request);
  CHECK(result.reason == "no_service_link");
  CHECK(rig.library.numbers.empty());
}

TerminalConfig KioskConfig() {
  TerminalConfig config;
  config.mode = Mode::kKiosk;
  config.kiosk.voucher_amounts = {500, 1000};
  return config;
}

TEST_CASE("a kiosk creates a MyKey ID with a session for that purpose") {
  Rig rig;
  OperationRequest request;
  request.kind = OperationKind::kCreateMyKeyId;
  auto result = rig.Run(KioskConfig(), request);
  CHECK(result.state == OperationState::kDone);
  CHECK(rig.counter.purposes == std::vector{protocol::CardAuthPurpose::kCreateMyKeyId});
  CHECK(result.mykey_id_masked == "******78");
}

TEST_CASE("a kiosk links a service ID and reports a lost card with their own purposes") {
  Rig rig;
  OperationRequest link;
  link.kind = OperationKind::kLinkService;
  link.service_id = "789";
  CHECK(rig.Run(KioskConfig(), link).state == OperationState::kDone);
  OperationRequest lost;
  lost.kind = OperationKind::kReportLost;
  CHECK(rig.Run(KioskConfig(), lost).state == OperationState::kDone);
  CHECK(rig.counter.purposes == std::vector{protocol::CardAuthPurpose::kLinkService,
                                            protocol::CardAuthPurpose::kReportLost});
}

TEST_CASE("a kiosk voucher is issued, printed and confirmed") {
  Rig rig;
  OperationRequest request;
  request.kind = OperationKind::kIssueVoucher;
  request.amount = 500;
  auto result = rig.Run(KioskConfig(), request);
  CHECK(result.state == OperationState::kDone);
  CHECK(result.voucher_serial == "V-0001");
  CHECK(rig.printer.vouchers.size() == 1);
  REQUIRE(rig.issuer.confirmations.size() == 1);
  CHECK(rig.issuer.confirmations[0].second == PrintState::kPrinted);
}

TEST_CASE("a kiosk voucher that does not print ends failed, voucher_not_printed") {
  Rig rig;
  rig.printer.answer = PrintState::kNotPrinted;
  OperationRequest request;
  request.kind = OperationKind::kIssueVoucher;
  request.amount = 1000;
  auto result = rig.Run(KioskConfig(), request);
  CHECK(result.state == OperationState::kFailed);
  CHECK(result.reason == "voucher_not_printed");
  REQUIRE(rig.issuer.confirmations.size() == 1);
  CHECK(rig.issuer.confirmations[0].second == PrintState::kNotPrinted);
}

TEST_CASE("a kiosk voucher only a one-way printer could print is refused before the card") {
  Rig rig;
  rig.printer.proof = Fail(ErrorCode::kFailedPrecondition, "one-way port");
  OperationRequest request;
  request.kind = OperationKind::kIssueVoucher;
  request.amount = 500;
  auto result = rig.Run(KioskConfig(), request);
  CHECK(result.state == OperationState::kFailed);
  CHECK(result.reason == "printer_cannot_confirm");
  CHECK(rig.counter.calls.empty());  // no card, no PIN, no points moved
  CHECK(rig.issuer.issued == 0);
  CHECK(rig.printer.vouchers.empty());
  // A printer that cannot be reached says so.
  rig.printer.proof = Fail(ErrorCode::kUnavailable, "connection refused");
  CHECK(rig.Run(KioskConfig(), request).reason == "printer_unavailable");
  CHECK(rig.issuer.issued == 0);
  // And a reprint on it is refused the same way.
  OperationRequest reprint;
  reprint.kind = OperationKind::kReprintVoucher;
  reprint.voucher_serial = "V-0001";
  rig.printer.proof = Fail(ErrorCode::kFailedPrecondition, "one-way port");
  CHECK(rig.Run(KioskConfig(), reprint).reason == "printer_cannot_confirm");
  CHECK(rig.issuer.reprinted.empty());
}

TEST_CASE("a kiosk voucher the printer could not confirm is not done (it was voided)") {
  Rig rig;
  rig.printer.answer = PrintState::kUnconfirmed;
  OperationRequest request;
  request.kind = OperationKind::kIssueVoucher;
  request.amount = 500;
  auto result = rig.Run(KioskConfig(), request);
  CHECK(result.state == OperationState::kFailed);
  CHECK(result.reason == "voucher_not_printed");
}

TEST_CASE("a printed kiosk voucher the cloud did not record fails voucher_not_confirmed") {
  Rig rig;
  rig.issuer.confirm_answer = Fail(ErrorCode::kUnavailable, "not recorded");
  OperationRequest request;
  request.kind = OperationKind::kIssueVoucher;
  request.amount = 500;
  auto result = rig.Run(KioskConfig(), request);
  CHECK(result.state == OperationState::kFailed);
  CHECK(result.reason == "voucher_not_confirmed");
  CHECK(result.print == PrintState::kPrinted);
  CHECK(result.voucher_state == "pending_print");
  CHECK(result.voucher_serial == "V-0001");
}

TEST_CASE("a voucher of an amount the kiosk does not offer is refused") {
  Rig rig;
  OperationRequest request;
  request.kind = OperationKind::kIssueVoucher;
  request.amount = 700;
  CHECK(rig.Run(KioskConfig(), request).reason == "invalid_amount");
}

TEST_CASE("without a voucher issuer the kiosk says unsupported") {
  Rig rig;
  rig.with_issuer = false;
  OperationRequest voucher;
  voucher.kind = OperationKind::kIssueVoucher;
  voucher.amount = 500;
  CHECK(rig.Run(KioskConfig(), voucher).reason == "unsupported");
  CHECK(rig.counter.calls.empty());
}

TEST_CASE("a partner coupon is converted for the authenticated holder and says when it lands") {
  Rig rig;
  cloud_client::CloudClient::PointsConversion conversion;
  conversion.idempotency_key = "mk-coupon";
  conversion.mykey_id = "HANAKO1234";
  conversion.points = 800;
  conversion.programme_id = 11;
  conversion.state = "pending";
  conversion.lands_at_ms = 1'743'900'000'000;
  rig.counter.conversion = conversion;
  OperationRequest coupon;
  coupon.kind = OperationKind::kRedeemCoupon;
  coupon.coupon = "PTNR-7K3Q-9XWM";
  auto result = rig.Run(KioskConfig(), coupon);
  CHECK(result.state == OperationState::kDone);
  CHECK(rig.observer.Stages() == Strings{"checking_request", "waiting_for_card", "authenticating",
                                         "converting_coupon", "finished"});
  CHECK(rig.counter.calls == Strings{"WaitForCard", "Authenticate", "ConvertCoupon"});
  CHECK(rig.counter.purposes == std::vector{protocol::CardAuthPurpose::kLogin});
  CHECK(rig.counter.last_coupon == "PTNR-7K3Q-9XWM");
  CHECK(result.amount == 800);
  CHECK(result.programme_id == 11);
  CHECK(result.lands_at_ms == 1'743'900'000'000);
  CHECK(result.idempotency_key == "mk-coupon");
  CHECK(result.mykey_id_masked == "********34");
}

TEST_CASE("a refused coupon ends failed with the counter's reason; an empty one needs no card") {
  for (auto [code, reason] : {std::pair{CounterErrorCode::kCouponMalformed, "coupon_malformed"},
                              std::pair{CounterErrorCode::kCouponUnknown, "coupon_unknown"},
                              std::pair{CounterErrorCode::kCouponUsed, "coupon_used"},
                              std::pair{CounterErrorCode::kCouponExpired, "coupon_expired"},
                              std::pair{CounterErrorCode::kTooManyAttempts, "too_many_attempts"}}) {
    Rig rig;
    rig.counter.conversion = Fail(CounterError(code));
    OperationRequest coupon;
    coupon.kind = OperationKind::kRedeemCoupon;
    coupon.coupon = "PTNR-0000-0000";
    auto result = rig.Run(KioskConfig(), coupon);
    CHECK(result.state == OperationState::kFailed);
    CHECK(result.reason == reason);
  }
  Rig rig;
  OperationRequest empty;
  empty.kind = OperationKind::kRedeemCoupon;
  CHECK(rig.Run(KioskConfig(), empty).reason == "invalid_request");
  CHECK(rig.counter.calls.empty());
}

TEST_CASE("a kiosk donation gives the holder's points to the project and reports the balance") {
  Rig rig;
  cloud_client::CloudClient::PointsDonation donation;
  donation.idempotency_key = "mk-donation";
  donation.donation_id = 3;
  donation.project_id = 21;
  donation.programme_id = 11;
  donation.amount = 200;
  donation.balance = 100;
  rig.counter.donation = donation;
  OperationRequest request;
  request.kind = OperationKind::kDonate;
  request.programme_id = 11;
  request.project_id = 21;
  request.amount = 200;
  auto result = rig.Run(KioskConfig(), request);
  CHECK(result.state == OperationState::kDone);
  CHECK(rig.observer.Stages() ==
        Strings{"checking_request", "waiting_for_card", "authenticating", "donating", "finished"});
  CHECK(rig.counter.calls == Strings{"WaitForCard", "Authenticate", "Donate"});
  REQUIRE(rig.counter.last_donation);
  CHECK(rig.counter.last_donation->project_id == 21);
  CHECK(rig.counter.last_donation->programme_id == 11);
  CHECK(rig.counter.last_donation->amount == 200);
  CHECK(result.amount == 200);
  CHECK(result.balance == 100);
  CHECK(result.idempotency_key == "mk-donation");

  Rig refused;
  refused.counter.donation = Fail(CounterError(CounterErrorCode::kNotAProject));
  CHECK(refused.Run(KioskConfig(), request).reason == "not_a_project");
  Rig incomplete;
  request.project_id = 0;
  CHECK(incomplete.Run(KioskConfig(), request).reason == "invalid_request");
  request.project_id = 21;
  request.amount = 0;
  CHECK(incomplete.Run(KioskConfig(), request).reason == "invalid_amount");
  CHECK(incomplete.counter.calls.empty());
  CHECK_FALSE(AllowedInMode(ShopConfig(), OperationKind::kDonate));
}

TEST_CASE("a redemption authorised offline is done, says offline, and carries the journal's key") {
  Rig rig;
  auto offline_holder = *rig.counter.holder;
  offline_holder.level = counter::AuthLevel::kOffline;
  rig.counter.holder = offline_holder;
  cloud_client::Redemption journalled;
  journalled.idempotency_key = "mk-journal-1";
  journalled.operation = "offline_redemption";
  journalled.state = "pending";
  journalled.mykey_id = "HANAKO1234";
  journalled.programme_id = 12;
  journalled.amount = 300;
  rig.counter.redemption = journalled;
  TerminalConfig config = ShopConfig();
  config.shop.programme_id = 12;
  auto result = rig.Run(config, Redeem(300));
  CHECK(result.state == OperationState::kDone);
  CHECK(result.offline);
  CHECK(result.idempotency_key == "mk-journal-1");
  CHECK(result.amount == 300);
  CHECK(rig.counter.calls == Strings{"WaitForCard", "Authenticate", "Redeem"});
}

TEST_CASE("an offline refusal ends failed with the journal's reason") {
  Rig rig;
  rig.counter.redemption = Fail(CounterError(CounterErrorCode::kOfflineRefused));
  rig.counter.failure.offline_refusal = "over_operation_limit";
  TerminalConfig config = ShopConfig();
  config.shop.programme_id = 12;
  auto result = rig.Run(config, Redeem(5000));
  CHECK(result.state == OperationState::kFailed);
  CHECK(result.reason == "over_operation_limit");
  CHECK(result.offline);
  Rig unknown;
  unknown.counter.holder = Fail(CounterError(CounterErrorCode::kUnknownHolder));
  CHECK(unknown.Run(config, Redeem(300)).reason == "unknown_holder");
}

TEST_CASE("the kiosk lists its pending vouchers, reprints one as a duplicate and voids another") {
  TerminalConfig kiosk;
  kiosk.mode = Mode::kKiosk;
  Rig rig;
  rig.issuer.pending = {{"7KQ4-MX2P-R9", "mk-issue-1", 1000, "2027-05-31", 1},
                        {"8ABC-DEF2-G3", "mk-issue-2", 500, "2027-06-30", 2}};
  OperationRequest list;
  list.kind = OperationKind::kPendingVouchers;
  auto listed = rig.Run(kiosk, list);
  CHECK(listed.state == OperationState::kDone);
  REQUIRE(listed.pending_vouchers.size() == 2);
  CHECK(listed.pending_vouchers[0].serial == "7KQ4-MX2P-R9");
  CHECK(rig.observer.Stages() == Strings{"checking_request", "listing_vouchers", "finished"});
  CHECK(rig.counter.calls.empty());  // no card: a clerk's operation

  OperationRequest reprint;
  reprint.kind = OperationKind::kReprintVoucher;
  reprint.voucher_serial = "7KQ4-MX2P-R9";
  auto reprinted = rig.Run(kiosk, reprint);
  CHECK(reprinted.state == OperationState::kDone);
  CHECK(reprinted.voucher_serial == "7KQ4-MX2P-R9");
  CHECK(reprinted.amount == 1000);
  CHECK(reprinted.print == PrintState::kPrinted);
  CHECK(reprinted.voucher_state == "issued");
  CHECK(rig.issuer.reprinted == Strings{"7KQ4-MX2P-R9"});

  OperationRequest void_it;
  void_it.kind = OperationKind::kVoidVoucher;
  void_it.voucher_serial = "8ABC-DEF2-G3";
  auto voided = rig.Run(kiosk, void_it);
  CHECK(voided.state == OperationState::kDone);
  CHECK(voided.voucher_state == "voided");
  CHECK(voided.amount == 500);
  CHECK(rig.issuer.pending.empty());

  // Not (or no longer) on the list; no serial; a printer still out of paper.
  auto again = rig.Run(kiosk, reprint);
  CHECK(again.reason == "voucher_not_pending");
  reprint.voucher_serial.clear();
  CHECK(rig.Run(kiosk, reprint).reason == "invalid_request");
  rig.issuer.pending = {{"7KQ4-MX2P-R9", "mk-issue-1", 1000, "2027-05-31", 1}};
  rig.issuer.reprint_print = PrintState::kNotPrinted;
  reprint.voucher_serial = "7KQ4-MX2P-R9";
  auto paper_out = rig.Run(kiosk, reprint);
  CHECK(paper_out.state == OperationState::kFailed);
  CHECK(paper_out.reason == "voucher_not_printed");
  CHECK(paper_out.voucher_state == "pending_print");
  CHECK(rig.issuer.pending.size() == 1);  // still listed for the next try
  // The cloud swept it meanwhile; and a shop has no pending vouchers.
  rig.issuer.refusal = CounterError(CounterErrorCode::kVoucherVoided);
  CHECK(rig.Run(kiosk, reprint).reason == "voucher_not_pending");
  rig.issuer.refusal = CounterError(CounterErrorCode::kCloudUnreachable);
  CHECK(rig.Run(kiosk, list).reason == "cloud_unreachable");
  CHECK(rig.Run(ShopConfig(), list).reason == "not_allowed_in_mode");
  CHECK(OperationKindName(OperationKind::kReprintVoucher) == "reprint_voucher");
  CHECK(ParseOperationKind("pending_vouchers") == OperationKind::kPendingVouchers);
  CHECK(ParseOperationKind("void_voucher") == OperationKind::kVoidVoucher);
}

TEST_CASE("with the cloud down, who-is-this says the cloud is unreachable, not unknown_holder") {
  // The counter tried offline authentication (the cloud was unreachable) and
  // knew no ID for the card; a lookup cannot be answered offline at all.
  Rig unknown;
  unknown.counter.holder = Fail(CounterError(CounterErrorCode::kUnknownHolder));
  OperationRequest who;
  who.kind = OperationKind::kWhoIsThis;
  auto result = unknown.Run(ShopConfig(), who);
  CHECK(result.state == OperationState::kFailed);
  CHECK(result.reason == "cloud_unreachable");
  // A card known here got an offline session; the lookup then needs the cloud.
  Rig known;
  auto offline_holder = *known.counter.holder;
  offline_holder.level = counter::AuthLevel::kOffline;
  known.counter.holder = offline_holder;
  known.counter.service_links = {Fail(CounterError(CounterErrorCode::kCloudUnreachable))};
  CHECK(known.Run(ShopConfig(), who).reason == "cloud_unreachable");
  CHECK(ReasonText(Language::kEnglish, "cloud_unreachable") == "The server cannot be reached");
}

TEST_CASE("a facility entry redeems the configured fee and prints the ticket") {
  Rig rig;
  TerminalConfig config;
  config.mode = Mode::kFacility;
  config.facility.name = "市立美術館";
  config.facility.fee = 400;
  config.facility.programme_id = 11;
  rig.counter.redemption = testing::ScriptedCounter::Redeemed(400, 11, 100);
  OperationRequest request;
  request.kind = OperationKind::kFacilityEntry;
  request.amount = 99;  // ignored: the fee is the site's
  auto result = rig.Run(config, request);
  CHECK(result.state == OperationState::kDone);
  REQUIRE(rig.counter.last_order);
  CHECK(rig.counter.last_order->amount == 400);
  CHECK(rig.counter.last_order->programme_id == 11);
  REQUIRE(rig.printer.redemptions.size() == 1);
  CHECK(rig.printer.redemptions[0].merchant_name == "市立美術館");
  CHECK(rig.printer.redemptions[0].balance_after == 100);
  CHECK(rig.printer.redemptions[0].operation_id == "R42");
  CHECK(rig.printer.layout_errors.empty());
}

TEST_CASE("an operation of another mode is refused without touching the card") {
  Rig rig;
  OperationRequest request;
  request.kind = OperationKind::kLibraryLookup;
  auto result = rig.Run(ShopConfig(), request);
  CHECK(result.reason == "not_allowed_in_mode");
  CHECK(rig.counter.calls.empty());
}

TEST_CASE("a cancel while waiting for the card ends the operation cancelled") {
  Rig rig;
  rig.counter.card = Fail(CounterError(CounterErrorCode::kTimeout));
  rig.counter.on_wait = [&] { rig.runner->Cancel(); };
  auto result = rig.Run(ShopConfig(), Redeem(500));
  CHECK(result.state == OperationState::kCancelled);
  CHECK(result.reason == "cancelled");
  CHECK(rig.counter.cancels == 1);
  CHECK(rig.counter.calls == Strings{"WaitForCard"});
}

TEST_CASE("a cancel that lands after the card was found stops the flow before the PIN") {
  Rig rig;
  rig.counter.on_wait = [&] { rig.runner->Cancel(); };
  rig.counter.card = counter::CardInfo{};
  // The cancel lands after the card was found: the next stage sees it.
  auto result = rig.Run(ShopConfig(), Redeem(500));
  CHECK(result.state == OperationState::kCancelled);
  CHECK(rig.counter.pin_requests == 0);
}

TEST_CASE("the holder cancelling at the PIN pad ends the operation cancelled") {
  Rig rig;
  rig.counter.on_wait = [&] { rig.pin_pad.cancelled = true; };
  auto result = rig.Run(ShopConfig(), Redeem(500));
  CHECK(result.state == OperationState::kCancelled);
  CHECK(result.reason == "cancelled");
  CHECK(rig.counter.pin_cancelled_by_pad);
  CHECK_FALSE(rig.counter.last_order.has_value());
}

TEST_CASE("a card wait cancelled by an earlier operation's leftover cancel waits again") {
  Rig rig;
  int waits = 0;
  rig.counter.on_wait = [&] {
    rig.counter.card =
        ++waits == 1 ? Result<counter::CardInfo>(Fail(CounterError(CounterErrorCode::kCancelled)))
                     : Result<counter::CardInfo>(counter::CardInfo{});
  };
  rig.counter.redemption = testing::ScriptedCounter::Redeemed(500, 12, 4500);
  auto result = rig.Run(ShopConfig(), Redeem(500));
  CHECK(result.state == OperationState::kDone);
  CHECK(waits == 2);
}

TEST_CASE("no card within the card timeout ends failed, timeout") {
  Rig rig;
  rig.counter.card = Fail(CounterError(CounterErrorCode::kTimeout));
  auto request = Redeem(500);
  request.card_timeout = std::chrono::milliseconds(1);
  int waits = 0;
  rig.counter.on_wait = [&] {
    if (++waits > 1000) rig.runner->Cancel();  // a guard: never spin forever
  };
  auto result = rig.Run(ShopConfig(), request);
  CHECK(result.state == OperationState::kFailed);
  CHECK(result.reason == "timeout");
}

TEST_CASE("a reader that is gone ends failed, reader_unavailable") {
  Rig rig;
  rig.counter.card = Fail(CounterError(CounterErrorCode::kReaderUnavailable));
  auto result = rig.Run(ShopConfig(), Redeem(500));
  CHECK(result.reason == "reader_unavailable");
}

TEST_CASE("a cloud that cannot be reached ends failed, cloud_unreachable") {
  Rig rig;
  rig.counter.redemption = Fail(CounterError(CounterErrorCode::kCloudUnreachable));
  auto result = rig.Run(ShopConfig(), Redeem(500));
  CHECK(result.state == OperationState::kFailed);
  CHECK(result.reason == "cloud_unreachable");
  CHECK(result.print == PrintState::kNone);
}

}  // namespace
}  // namespace mykey::terminal
