#include "points_serving.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "mykey/base/log.h"
#include "mykey/ledger/conversion_routes.h"
#include "mykey/ledger/conversion_schema.h"
#include "mykey/ledger/conversion_service.h"
#include "mykey/store/migrations.h"

namespace mykey::cloud {

namespace {

class RunningPoints final : public PointsServing {
 public:
  explicit RunningPoints(std::unique_ptr<ConversionService> service)
      : service_(std::move(service)), thread_([this] { Run(); }) {}
  ~RunningPoints() override {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  ConversionService& service() { return *service_; }

 private:
  void Run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      if (wake_.wait_for(lock, std::chrono::minutes(10), [this] { return stop_; })) return;
      lock.unlock();
      if (auto landed = service_->SweepDueConversions(); !landed) {
        log::Write(log::Level::kError, "conversions",
                   "landing of due conversions failed (retried in ten minutes): " +
                       landed.error().ToString());
      }
      lock.lock();
    }
  }

  std::unique_ptr<ConversionService> service_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

CardSessionCheck CardSessionCheckOf(RegistryService* registry) {
  if (registry == nullptr) return {};
  return [registry](std::string_view terminal_id, std::string_view token) {
    return registry->SessionMyKeyId({terminal_id, token});
  };
}

Result<std::unique_ptr<PointsServing>> StartPoints(Store& store, RegistryService* registry,
                                                   Router& router,
                                                   RequestAuthenticator& authenticator,
                                                   Metrics* metrics) {
  MYKEY_TRY(Migrate(store, kConversionsSchema, ConversionMigrations()));
  auto running = std::make_unique<RunningPoints>(std::make_unique<ConversionService>(store));
  MYKEY_TRY(RegisterConversionRoutes(router, running->service(), authenticator,
                                     CardSessionCheckOf(registry), metrics));
  return std::unique_ptr<PointsServing>(std::move(running));
}

}  // namespace mykey::cloud
