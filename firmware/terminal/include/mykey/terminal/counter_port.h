#pragma once

// CounterPort: the part of the counter facade (sdk/counter) the flows use,
// behind an interface so that the flows are pure code, tested with a fake.
// CounterPortOver() adapts a real counter::Counter.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "mykey/base/result.h"
#include "mykey/cloud_client/cloud_client.h"
#include "mykey/counter/counter.h"
#include "mykey/protocol/card_auth.h"

namespace mykey::terminal {

/// The counter calls of the flows; each has the meaning and the errors of the
/// counter::Counter call of the same name (errors are counter errors:
/// counter::CounterErrorCodeOf()).
///
/// Thread safety: Cancel() from any thread; the rest from one thread.
class CounterPort {
 public:
  CounterPort() = default;
  CounterPort(const CounterPort&) = delete;
  CounterPort& operator=(const CounterPort&) = delete;
  virtual ~CounterPort() = default;

  Result<counter::CardInfo> WaitForCard(std::chrono::milliseconds timeout) {
    return DoWaitForCard(timeout);
  }
  Status WaitForCardRemoval(std::chrono::milliseconds timeout) {
    return DoWaitForCardRemoval(timeout);
  }
  void Cancel() { DoCancel(); }
  Result<counter::HolderSession> Authenticate(protocol::CardAuthPurpose purpose,
                                              counter::PinEntry& pin_entry) {
    return DoAuthenticate(purpose, pin_entry);
  }
  Result<counter::HolderSession> AuthenticateTapOnly() { return DoAuthenticateTapOnly(); }
  void EndHolderSession() { DoEndHolderSession(); }
  Result<cloud_client::ServiceLink> ServiceId() { return DoServiceId(); }
  Result<cloud_client::Balances> Balances() { return DoBalances(); }
  Result<std::string> CreateMyKeyId(std::optional<std::string_view> wanted) {
    return DoCreateMyKeyId(wanted);
  }
  Result<cloud_client::ServiceLink> LinkService(std::string_view service_id) {
    return DoLinkService(service_id);
  }
  Status ReportLost() { return DoReportLost(); }
  Result<cloud_client::Redemption> Redeem(const counter::RedemptionOrder& order) {
    return DoRedeem(order);
  }
  Result<cloud_client::Refund> Refund(int64_t redemption_id, int64_t amount) {
    return DoRefund(redemption_id, amount);
  }
  Result<cloud_client::CloudClient::PointsConversion> ConvertCoupon(std::string_view code) {
    return DoConvertCoupon(code);
  }
  Result<cloud_client::CloudClient::PointsDonation> Donate(const counter::DonationOrder& order) {
    return DoDonate(order);
  }
  /// The last failure (for the idempotency key of an unknown outcome).
  counter::CounterFailure LastFailure() const { return DoLastFailure(); }

 private:
  virtual Result<counter::CardInfo> DoWaitForCard(std::chrono::milliseconds timeout) = 0;
  virtual Status DoWaitForCardRemoval(std::chrono::milliseconds timeout) = 0;
  virtual void DoCancel() = 0;
  virtual Result<counter::HolderSession> DoAuthenticate(protocol::CardAuthPurpose purpose,
                                                        counter::PinEntry& pin_entry) = 0;
  virtual Result<counter::HolderSession> DoAuthenticateTapOnly() = 0;
  virtual void DoEndHolderSession() = 0;
  virtual Result<cloud_client::ServiceLink> DoServiceId() = 0;
  virtual Result<cloud_client::Balances> DoBalances() = 0;
  virtual Result<std::string> DoCreateMyKeyId(std::optional<std::string_view> wanted) = 0;
  virtual Result<cloud_client::ServiceLink> DoLinkService(std::string_view service_id) = 0;
  virtual Status DoReportLost() = 0;
  virtual Result<cloud_client::Redemption> DoRedeem(const counter::RedemptionOrder& order) = 0;
  virtual Result<cloud_client::Refund> DoRefund(int64_t redemption_id, int64_t amount) = 0;
  virtual Result<cloud_client::CloudClient::PointsConversion> DoConvertCoupon(
      std::string_view code) = 0;
  virtual Result<cloud_client::CloudClient::PointsDonation> DoDonate(
      const counter::DonationOrder& order) = 0;
  virtual counter::CounterFailure DoLastFailure() const = 0;
};

/// A CounterPort that forwards to `counter` (borrowed; must outlive it).
std::unique_ptr<CounterPort> CounterPortOver(counter::Counter& counter);

class FlowObserver;

/// Passes the counter's events (progress steps, PIN tries left, card removed)
/// to the observer of the operation that runs now. Set it as
/// CounterOptions::listener; the flow runner points it at each operation's
/// observer.
///
/// Thread safety: the counter calls it on the flow's thread, which also sets
/// the observer; OnOfflineQueue() comes from the offline forwarder's thread
/// and goes to the sink (set before the forwarder starts), never to the observer.
class CounterEventRelay final : public counter::CounterListener {
 public:
  /// @param observer borrowed until the next call; nullptr: drop events
  void set_observer(FlowObserver* observer) { observer_ = observer; }
  /// Where the offline queue's state goes (the desk); set before any report.
  void set_offline_queue_sink(std::function<void(const counter::OfflineQueueState&)> sink) {
    offline_queue_sink_ = std::move(sink);
  }

  void OnReaderEvent(const hal::ReaderEvent& event) override;
  void OnPinTriesLeft(const counter::PinState& state) override;
  void OnProgress(counter::FlowStep step) override;
  void OnOfflineQueue(const counter::OfflineQueueState& state) override;

 private:
  FlowObserver* observer_ = nullptr;
  std::function<void(const counter::OfflineQueueState&)> offline_queue_sink_;
};

}  // namespace mykey::terminal
