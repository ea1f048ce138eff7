#include "mykey/terminal/counter_port.h"

#include <memory>

#include "mykey/terminal/flow.h"

namespace mykey::terminal {
namespace {

class CounterFacadePort final : public CounterPort {
 public:
  explicit CounterFacadePort(counter::Counter& counter) : counter_(counter) {}

 private:
  Result<counter::CardInfo> DoWaitForCard(std::chrono::milliseconds timeout) override {
    return counter_.WaitForCard(timeout);
  }
  Status DoWaitForCardRemoval(std::chrono::milliseconds timeout) override {
    return counter_.WaitForCardRemoval(timeout);
  }
  void DoCancel() override { counter_.Cancel(); }
  Result<counter::HolderSession> DoAuthenticate(protocol::CardAuthPurpose purpose,
                                                counter::PinEntry& pin_entry) override {
    return counter_.Authenticate(purpose, pin_entry);
  }
  Result<counter::HolderSession> DoAuthenticateTapOnly() override {
    return counter_.AuthenticateTapOnly();
  }
  void DoEndHolderSession() override { counter_.EndHolderSession(); }
  Result<cloud_client::ServiceLink> DoServiceId() override { return counter_.ServiceId(); }
  Result<cloud_client::Balances> DoBalances() override { return counter_.Balances(); }
  Result<std::string> DoCreateMyKeyId(std::optional<std::string_view> wanted) override {
    return counter_.CreateMyKeyId(wanted);
  }
  Result<cloud_client::ServiceLink> DoLinkService(std::string_view service_id) override {
    return counter_.LinkService(service_id);
  }
  Status DoReportLost() override { return counter_.ReportLost(); }
  Result<cloud_client::Redemption> DoRedeem(const counter::RedemptionOrder& order) override {
    return counter_.Redeem(order);
  }
  Result<cloud_client::Refund> DoRefund(int64_t redemption_id, int64_t amount) override {
    return counter_.Refund(redemption_id, amount);
  }
  Result<cloud_client::CloudClient::PointsConversion> DoConvertCoupon(
      std::string_view code) override {
    return counter_.ConvertCoupon(code);
  }
  Result<cloud_client::CloudClient::PointsDonation> DoDonate(
      const counter::DonationOrder& order) override {
    return counter_.Donate(order);
  }
  counter::CounterFailure DoLastFailure() const override { return counter_.last_failure(); }

  counter::Counter& counter_;
};

}  // namespace

std::unique_ptr<CounterPort> CounterPortOver(counter::Counter& counter) {
  return std::make_unique<CounterFacadePort>(counter);
}

void CounterEventRelay::OnReaderEvent(const hal::ReaderEvent& event) {
  if (observer_ != nullptr && event.type == hal::ReaderEventType::kCardRemoved) {
    observer_->OnEvent(EventKind::kCard, "removed", std::nullopt);
  }
}

void CounterEventRelay::OnPinTriesLeft(const counter::PinState& state) {
  if (observer_ != nullptr)
    observer_->OnEvent(EventKind::kPinTriesLeft, "auth_pin", state.tries_left);
}

void CounterEventRelay::OnOfflineQueue(const counter::OfflineQueueState& state) {
  if (offline_queue_sink_) offline_queue_sink_(state);
}

void CounterEventRelay::OnProgress(counter::FlowStep step) {
  if (observer_ != nullptr) {
    observer_->OnEvent(EventKind::kProgress, counter::FlowStepName(step), std::nullopt);
  }
}

}  // namespace mykey::terminal
