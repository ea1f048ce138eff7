#pragma once

// Test doubles of the flows' collaborators: a scripted counter, a PIN pad,
// a recording printer and library output, a voucher issuer, a recording
// observer.

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mykey/counter/counter.h"
#include "mykey/terminal/counter_port.h"
#include "mykey/terminal/flow.h"
#include "mykey/voucher/voucher_layout.h"

namespace mykey::terminal::testing {

inline Error CounterError(counter::CounterErrorCode code, std::optional<int> tries = std::nullopt) {
  return counter::MakeCounterError(code, tries);
}

/// A counter whose answers the test sets; records the calls.
class ScriptedCounter final : public CounterPort {
 public:
  std::vector<std::string> calls;
  std::vector<protocol::CardAuthPurpose> purposes;
  /// Called at each WaitForCard (before the answer): lets a test cancel.
  std::function<void()> on_wait;
  Result<counter::CardInfo> card = counter::CardInfo{"Virtual PCD 00 00", {}, {}};
  Result<counter::HolderSession> holder = counter::HolderSession{
      counter::AuthLevel::kPin, protocol::CardAuthPurpose::kLogin, "HANAKO1234", "****3F", "", 3};
  Result<counter::HolderSession> tap_holder =
      counter::HolderSession{counter::AuthLevel::kTapOnly,
                             protocol::CardAuthPurpose::kLogin,
                             std::nullopt,
                             "****3F",
                             "",
                             std::nullopt};
  std::vector<Result<cloud_client::ServiceLink>> service_links{
      cloud_client::ServiceLink{"library-1", "280212"}};
  Result<cloud_client::Balances> balances = cloud_client::Balances{
      "HANAKO1234", {{11, "chiyoda", "131016", 300, 0}, {12, "event", "131016", 5000, 0}}};
  Result<cloud_client::Redemption> redemption = Fail(ErrorCode::kInternal, "not scripted");
  Result<cloud_client::Refund> refund = Fail(ErrorCode::kInternal, "not scripted");
  Result<std::string> created_id = std::string("TARO5678");
  Result<cloud_client::ServiceLink> linked = cloud_client::ServiceLink{"shop-1", "789"};
  Status lost = Ok();
  Result<cloud_client::CloudClient::PointsConversion> conversion =
      Fail(ErrorCode::kInternal, "not scripted");
  std::string last_coupon;
  Result<cloud_client::CloudClient::PointsDonation> donation =
      Fail(ErrorCode::kInternal, "not scripted");
  std::optional<counter::DonationOrder> last_donation;
  counter::CounterFailure failure;
  std::optional<counter::RedemptionOrder> last_order;
  int pin_requests = 0;
  int cancels = 0;
  int sessions_ended = 0;
  bool pin_cancelled_by_pad = false;

  /// A redemption answer for `amount` out of `programme`.
  static cloud_client::Redemption Redeemed(int64_t amount, int64_t programme, int64_t balance) {
    cloud_client::Redemption r;
    r.idempotency_key = "mk-0123456789abcdef0123456789abcdef";
    r.operation = "redemption";
    r.redemption_id = 42;
    r.programme_id = programme;
    r.mykey_id = "HANAKO1234";
    r.amount = amount;
    r.state = "captured";
    r.balance = balance;
    return r;
  }

 private:
  Result<counter::CardInfo> DoWaitForCard(std::chrono::milliseconds) override {
    calls.push_back("WaitForCard");
    if (on_wait) on_wait();
    return card;
  }
  Status DoWaitForCardRemoval(std::chrono::milliseconds) override {
    calls.push_back("WaitForCardRemoval");
    return Ok();
  }
  void DoCancel() override { ++cancels; }
  Result<counter::HolderSession> DoAuthenticate(protocol::CardAuthPurpose purpose,
                                                counter::PinEntry& pin_entry) override {
    calls.push_back("Authenticate");
    purposes.push_back(purpose);
    ++pin_requests;
    auto pin = pin_entry.RequestPin({3, false, {}});
    if (!pin) {
      pin_cancelled_by_pad = true;
      return Fail(CounterError(counter::CounterErrorCode::kCancelled));
    }
    return holder;
  }
  Result<counter::HolderSession> DoAuthenticateTapOnly() override {
    calls.push_back("AuthenticateTapOnly");
    return tap_holder;
  }
  void DoEndHolderSession() override { ++sessions_ended; }
  Result<cloud_client::ServiceLink> DoServiceId() override {
    calls.push_back("ServiceId");
    auto answer = service_links.front();
    if (service_links.size() > 1) service_links.erase(service_links.begin());
    return answer;
  }
  Result<cloud_client::Balances> DoBalances() override {
    calls.push_back("Balances");
    return balances;
  }
  Result<std::string> DoCreateMyKeyId(std::optional<std::string_view>) override {
    calls.push_back("CreateMyKeyId");
    return created_id;
  }
  Result<cloud_client::ServiceLink> DoLinkService(std::string_view) override {
    calls.push_back("LinkService");
    return linked;
  }
  Status DoReportLost() override {
    calls.push_back("ReportLost");
    return lost;
  }
  Result<cloud_client::Redemption> DoRedeem(const counter::RedemptionOrder& order) override {
    calls.push_back("Redeem");
    last_order = order;
    return redemption;
  }
  Result<cloud_client::Refund> DoRefund(int64_t, int64_t) override {
    calls.push_back("Refund");
    return refund;
  }
  Result<cloud_client::CloudClient::PointsConversion> DoConvertCoupon(
      std::string_view code) override {
    calls.push_back("ConvertCoupon");
    last_coupon = std::string(code);
    return conversion;
  }
  Result<cloud_client::CloudClient::PointsDonation> DoDonate(
      const counter::DonationOrder& order) override {
    calls.push_back("Donate");
    last_donation = order;
    return donation;
  }
  counter::CounterFailure DoLastFailure() const override { return failure; }
};

/// A PIN pad that answers "1234" unless cancelled.
class FakePinPad final : public PinPad {
 public:
  bool cancelled = false;
  int requests = 0;
  jpki::LastTryConfirmation ConfirmLastTry() override {
    return jpki::LastTryConfirmation::kNotConfirmed;
  }
  Result<jpki::Pin> RequestPin(const counter::PinRequest&) override {
    ++requests;
    if (cancelled) return Fail(ErrorCode::kCancelled, "cancelled");
    return jpki::Pin::AuthPin("1234");
  }
  void Cancel() override { cancelled = true; }
  void Reset() override { cancelled = false; }
};

/// Records what was printed; answers `answer`. Receipts are laid out as the real printer
/// lays them out on 58 mm paper (sdk/voucher): one the layout refuses is not printed and its
/// error is kept in `layout_errors`.
class RecordingPrinter final : public ReceiptPrinter {
 public:
  PrintState answer = PrintState::kPrinted;
  std::vector<voucher::RedemptionReceiptData> redemptions;
  std::vector<voucher::RefundReceiptData> refunds;
  std::vector<voucher::VoucherPrintData> vouchers;
  std::vector<receipt::Document> receipts;  ///< the laid-out redemption and refund receipts
  std::vector<Error> layout_errors;
  /// What CheckProofOfPrint() answers (a one-way printer: kFailedPrecondition).
  Status proof = Ok();
  int proof_checks = 0;

 private:
  Status DoCheckProofOfPrint() override {
    ++proof_checks;
    return proof;
  }
  PrintState Laid(const Result<receipt::Document>& document) {
    if (!document) {
      layout_errors.push_back(document.error());
      return PrintState::kNotPrinted;
    }
    receipts.push_back(*document);
    return answer;
  }
  static receipt::PrinterProfile Paper() {
    return receipt::PrinterProfile::Named("generic-58-kanji").value();
  }
  PrintState DoPrintRedemption(const voucher::RedemptionReceiptData& data) override {
    redemptions.push_back(data);
    return Laid(voucher::BuildRedemptionReceipt(data, Paper()));
  }
  PrintState DoPrintRefund(const voucher::RefundReceiptData& data) override {
    refunds.push_back(data);
    return Laid(voucher::BuildRefundReceipt(data, Paper()));
  }
  PrintState DoPrintVoucher(const voucher::VoucherPrintData& data) override {
    vouchers.push_back(data);
    return answer;
  }
};

/// Records delivered numbers; fails when `fail` is set.
class RecordingLibraryOutput final : public LibraryOutput {
 public:
  std::vector<std::string> numbers;
  bool fail = false;

 private:
  Status DoDeliver(std::string_view number) override {
    if (fail) return Fail(ErrorCode::kUnavailable, "library system down");
    numbers.emplace_back(number);
    return Ok();
  }
};

/// Issues a fixed voucher; records confirmations.
class FakeVoucherIssuer final : public VoucherIssuer {
 public:
  std::vector<std::pair<std::string, PrintState>> confirmations;
  Result<IssuedVoucher> Issue(int64_t, int64_t amount) override {
    ++issued;
    IssuedVoucher v;
    v.print.token = "MKV:TEST";
    v.print.municipality_name = "千代田区";
    v.print.programme_name = "ポイント";
    v.serial = "V-0001";
    v.balance = 4500 - amount;
    return v;
  }
  /// What ConfirmPrint() answers for a printed voucher (kUnavailable: printed, not recorded).
  Status confirm_answer = Ok();
  int issued = 0;
  Status ConfirmPrint(std::string_view serial, PrintState print) override {
    confirmations.emplace_back(std::string(serial), print);
    if (print != PrintState::kPrinted) return Fail(ErrorCode::kAborted, "did not print");
    return confirm_answer;
  }
  /// The pending list; a reprint prints as `reprint_print` (kPrinted: issued, off the list).
  std::vector<PendingVoucher> pending;
  PrintState reprint_print = PrintState::kPrinted;
  std::optional<Error> refusal;  ///< every pending call fails with it when set
  std::vector<std::string> reprinted, voided;
  Result<std::vector<PendingVoucher>> ListPending() override {
    if (refusal) return Fail(*refusal);
    return pending;
  }
  Result<ReprintedVoucher> Reprint(std::string_view serial) override {
    if (refusal) return Fail(*refusal);
    for (auto it = pending.begin(); it != pending.end(); ++it) {
      if (it->serial != serial) continue;
      reprinted.emplace_back(serial);
      ReprintedVoucher out{it->serial, it->amount, reprint_print,
                           reprint_print == PrintState::kPrinted ? "issued" : "pending_print"};
      if (reprint_print == PrintState::kPrinted) pending.erase(it);
      return out;
    }
    return Fail(ErrorCode::kNotFound, "not pending");
  }
  Result<PendingVoucher> Void(std::string_view serial) override {
    if (refusal) return Fail(*refusal);
    for (auto it = pending.begin(); it != pending.end(); ++it) {
      if (it->serial != serial) continue;
      voided.emplace_back(serial);
      PendingVoucher was = *it;
      pending.erase(it);
      return was;
    }
    return Fail(ErrorCode::kNotFound, "not pending");
  }
};

/// Records events as "kind:name".
class RecordingObserver final : public FlowObserver {
 public:
  std::vector<std::string> events;
  std::vector<std::string> Stages() const {
    std::vector<std::string> out;
    for (const auto& e : events) {
      if (e.rfind("stage:", 0) == 0) out.push_back(e.substr(6));
    }
    return out;
  }
  void OnEvent(EventKind kind, std::string_view name, std::optional<int64_t>) override {
    events.push_back(std::string(EventKindName(kind)) + ":" + std::string(name));
  }
};

}  // namespace mykey::terminal::testing
