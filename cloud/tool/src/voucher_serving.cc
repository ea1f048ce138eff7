#include "voucher_serving.h"

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <utility>

#include "mykey/base/bytes.h"
#include "mykey/base/log.h"
#include "mykey/crypto/ecdsa.h"
#include "mykey/ledger/voucher_routes.h"
#include "mykey/ledger/voucher_service.h"
#include "mykey/store/migrations.h"

namespace mykey::cloud {

namespace {

class RunningVouchers final : public VoucherServing {
 public:
  explicit RunningVouchers(std::unique_ptr<VoucherService> service)
      : service_(std::move(service)), thread_([this] { Run(); }) {}
  ~RunningVouchers() override {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  VoucherService& service() { return *service_; }

 private:
  void Run() {
    std::unique_lock lock(mutex_);
    for (int minute = 0;; ++minute) {
      if (wake_.wait_for(lock, std::chrono::minutes(1), [this] { return stop_; })) return;
      lock.unlock();
      if (auto pending = service_->SweepPendingVouchers(); !pending) {
        log::Write(log::Level::kError, "vouchers",
                   "sweep of pending vouchers failed (retried next minute): " +
                       pending.error().ToString());
      }
      if (minute % 60 == 59) {
        if (auto expired = service_->SweepExpiredVouchers(); !expired) {
          log::Write(log::Level::kError, "vouchers",
                     "sweep of expired vouchers failed (retried in an hour): " +
                         expired.error().ToString());
        }
      }
      lock.lock();
    }
  }

  std::unique_ptr<VoucherService> service_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<VoucherServing>> StartVouchers(Store& store, LedgerService& ledger,
                                                      const std::string& keys_dir, Router& router,
                                                      RequestAuthenticator& authenticator,
                                                      Metrics* metrics,
                                                      CardSessionCheck card_sessions) {
  const std::string path = keys_dir + "/voucher_signing.key.pem";
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kUnavailable, "cannot read the voucher key (run init?)");
  std::ostringstream contents;
  contents << in.rdbuf();
  std::string pem = contents.str();
  auto key = crypto::EcdsaPrivateKey::FromPem(pem);
  SecureWipe(pem.data(), pem.size());
  if (!key) return Fail(ErrorCode::kDataLoss, "the voucher key file does not parse");
  // The vouchers component is migrated here, so init's schema report and
  // every other command stay as they were.
  MYKEY_TRY(Migrate(store, kVoucherSchema, VoucherMigrations()));
  MYKEY_ASSIGN_OR_RETURN(auto service, VoucherService::Create(store, ledger, std::move(*key)));
  auto running = std::make_unique<RunningVouchers>(std::move(service));
  MYKEY_TRY(RegisterVoucherRoutes(router, running->service(), authenticator, metrics,
                                  std::move(card_sessions)));
  return std::unique_ptr<VoucherServing>(std::move(running));
}

}  // namespace mykey::cloud
