// Counter's voucher calls over hal/sim with the JPKI emulator and the real
// cloud (auth, registry, ledger and voucher routes, SQLite, loopback HTTP): a
// kiosk issues for the authenticated holder with the holder's card session,
// a second terminal redeems the voucher once.
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "mykey/counter/counter.h"
#include "mykey/counter_testing/test_cloud.h"
#include "mykey/protocol/voucher_serial.h"
#include "mykey/protocol/voucher_token.h"
#include "mykey/sim/sim_reader.h"
#include "mykey/testing/catch.h"

namespace mykey::counter {
namespace {

using namespace std::chrono_literals;
using protocol::CardAuthPurpose;

constexpr char kReader[] = "Sim Reader 0";

class FixedPinPad final : public PinEntry {
 public:
  jpki::LastTryConfirmation ConfirmLastTry() override {
    return jpki::LastTryConfirmation::kConfirmed;
  }
  Result<jpki::Pin> RequestPin(const PinRequest& request) override {
    (void)request;
    return jpki::Pin::AuthPin("1234");
  }
};

/// A kiosk (reader, card, counter) and a shop terminal without a reader.
struct Kiosk {
  testing::TestCloud cloud;
  std::unique_ptr<cloud_client::CloudClient> kiosk_client;
  std::unique_ptr<cloud_client::CloudClient> shop_client;
  hal::SimReaderMonitor monitor;
  hal::SimReaderMonitor shop_monitor;
  std::unique_ptr<jpki::JpkiCardEmulator> card;
  std::unique_ptr<Counter> counter;
  std::unique_ptr<Counter> shop;
  std::string mykey_id;

  explicit Kiosk(uint32_t card_index) {
    kiosk_client = cloud.EnrolledClient(cloud.Url());
    const auto files = cloud.IdentityFiles();
    std::filesystem::remove(files.key_path);
    std::filesystem::remove(files.terminal_id_path);
    shop_client = cloud.EnrolledClient(cloud.Url());
    REQUIRE(monitor.AddReader(kReader));
    card = testing::IssueCard(card_index, 3);
    REQUIRE(monitor.InsertCard(kReader, *card));
    auto made = Counter::Create(monitor, *kiosk_client, {});
    REQUIRE(made);
    counter = std::move(*made);
    auto made_shop = Counter::Create(shop_monitor, *shop_client, {});
    REQUIRE(made_shop);
    shop = std::move(*made_shop);
    REQUIRE(counter->WaitForCard(5s));
    Authenticate(CardAuthPurpose::kCreateMyKeyId);
    auto id = counter->CreateMyKeyId();
    REQUIRE(id);
    mykey_id = *id;
  }

  void Authenticate(CardAuthPurpose purpose) {
    FixedPinPad pad;
    auto holder = counter->Authenticate(purpose, pad);
    REQUIRE(holder);
  }
};

VoucherOrder Order(int64_t amount) {
  VoucherOrder order;
  order.programme_id = 1;
  order.amount = amount;
  order.expires_on = "2099-12-31";
  return order;
}

CounterErrorCode CodeOf(const Error& error) {
  return CounterErrorCodeOf(error);
}

TEST_CASE("A kiosk voucher for the holder is redeemed once by a second terminal") {
  Kiosk k(40);
  k.cloud.Grant(k.mykey_id, 1000);
  k.Authenticate(CardAuthPurpose::kLogin);

  auto issued = k.counter->IssueVoucher(Order(300));
  INFO(k.counter->last_failure().cloud_reason);
  REQUIRE(issued);
  CHECK(issued->state == "pending_print");
  CHECK(issued->amount == 300);
  CHECK(issued->mykey_id == k.mykey_id);
  CHECK(issued->token.starts_with("MKV:"));
  auto balances = k.counter->Balances();
  if (balances) CHECK(balances->programmes.at(0).balance == 700);

  auto early = k.shop->RedeemVoucher(issued->token);
  REQUIRE_FALSE(early);
  CHECK(CodeOf(early.error()) == CounterErrorCode::kVoucherNotIssued);

  auto confirmed = k.counter->ConfirmVoucherPrinted(issued->serial);
  REQUIRE(confirmed);
  CHECK(confirmed->state == "issued");

  auto redeemed = k.shop->RedeemVoucher(issued->token, "shop-redeem-1");
  REQUIRE(redeemed);
  CHECK(redeemed->state == "redeemed");
  CHECK(redeemed->amount == 300);
  CHECK(redeemed->serial == issued->serial);
  // The same key replays the same redemption.
  auto replay = k.shop->RedeemVoucher(issued->token, "shop-redeem-1");
  REQUIRE(replay);
  CHECK(replay->replayed);

  // A typed serial with spaces finds the same voucher: redeemed already.
  std::string typed = issued->serial;
  for (char& c : typed) {
    if (c == '-') c = ' ';
  }
  auto twice = k.shop->RedeemVoucher(typed);
  REQUIRE_FALSE(twice);
  CHECK(CodeOf(twice.error()) == CounterErrorCode::kVoucherAlreadyRedeemed);
  CHECK(CounterErrorCodeName(CodeOf(twice.error())) == "voucher_already_redeemed");
  CHECK(k.shop->last_failure().cloud_reason == "already_redeemed");
  // A token from a keyboard scanner (leading space, CR/LF) is the same voucher too.
  auto scanned_again = k.shop->RedeemVoucher(" " + issued->token + "\r\n");
  REQUIRE_FALSE(scanned_again);
  CHECK(CodeOf(scanned_again.error()) == CounterErrorCode::kVoucherAlreadyRedeemed);
}

TEST_CASE("Issuing a voucher needs the holder's PIN session for login and enough points") {
  Kiosk k(41);
  k.cloud.Grant(k.mykey_id, 500);
  // The session from creating the MyKey ID is for another purpose.
  auto wrong_purpose = k.counter->IssueVoucher(Order(100));
  REQUIRE_FALSE(wrong_purpose);
  CHECK(CodeOf(wrong_purpose.error()) == CounterErrorCode::kWrongPurpose);

  k.counter->EndHolderSession();
  auto nobody = k.counter->IssueVoucher(Order(100));
  REQUIRE_FALSE(nobody);
  CHECK(CodeOf(nobody.error()) == CounterErrorCode::kNotAuthenticated);

  REQUIRE(k.counter->WaitForCard(5s));
  k.Authenticate(CardAuthPurpose::kLogin);
  VoucherOrder no_day = Order(100);
  no_day.expires_on.clear();
  auto undated = k.counter->IssueVoucher(no_day);
  REQUIRE_FALSE(undated);
  CHECK(CodeOf(undated.error()) == CounterErrorCode::kInvalidValue);
  auto too_much = k.counter->IssueVoucher(Order(501));
  REQUIRE_FALSE(too_much);
  CHECK(CodeOf(too_much.error()) == CounterErrorCode::kInsufficientBalance);
  auto fine = k.counter->IssueVoucher(Order(500));
  CHECK(fine);
}

TEST_CASE("A voided voucher and a mistyped serial are refused with their own codes") {
  Kiosk k(42);
  k.cloud.Grant(k.mykey_id, 1000);
  k.Authenticate(CardAuthPurpose::kLogin);
  auto issued = k.counter->IssueVoucher(Order(200));
  REQUIRE(issued);
  auto voided = k.counter->VoidVoucher(issued->serial);
  REQUIRE(voided);
  CHECK(voided->state == "voided");
  auto redeem = k.shop->RedeemVoucher(issued->serial);
  REQUIRE_FALSE(redeem);
  CHECK(CodeOf(redeem.error()) == CounterErrorCode::kVoucherVoided);
  auto confirm = k.counter->ConfirmVoucherPrinted(issued->serial);
  REQUIRE_FALSE(confirm);
  CHECK(CodeOf(confirm.error()) == CounterErrorCode::kVoucherVoided);

  // A wrong check symbol never reaches the cloud.
  std::string typo = issued->serial;
  typo[0] = typo[0] == 'A' ? 'B' : 'A';
  auto mistyped = k.shop->RedeemVoucher(typo);
  REQUIRE_FALSE(mistyped);
  CHECK(CodeOf(mistyped.error()) == CounterErrorCode::kVoucherInvalid);
  auto garbage = k.shop->RedeemVoucher("MKV:not-a-token");
  REQUIRE_FALSE(garbage);
  CHECK(CodeOf(garbage.error()) == CounterErrorCode::kVoucherInvalid);
}

TEST_CASE("The counter fetches the cloud's voucher keys for offline checks") {
  Kiosk k(43);
  auto keys = k.shop->VoucherKeys();
  REQUIRE(keys);
  REQUIRE(keys->size() == 1);
  CHECK(keys->at(0).current);
  CHECK(keys->at(0).public_key.size() == 65);
}

}  // namespace
}  // namespace mykey::counter
