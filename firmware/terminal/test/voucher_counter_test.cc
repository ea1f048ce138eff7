// CounterVoucherIssuer over a real Counter (hal/sim with the JPKI emulator)
// and the real cloud (loopback HTTP, SQLite), with a proxy that loses the
// cloud's answers: a printed voucher whose confirmation does not get through
// is kept as printed, never voided, and recorded at the next listing.
#include <chrono>
#include <memory>
#include <string>

#include "mykey/counter/counter.h"
#include "mykey/counter_testing/test_cloud.h"
#include "mykey/sim/sim_reader.h"
#include "mykey/terminal/voucher_counter.h"
#include "mykey/testing/catch.h"
#include "mykey/testing/temp_dir.h"

namespace mykey::terminal {
namespace {

using namespace std::chrono_literals;
using protocol::CardAuthPurpose;

class FixedPinPad final : public counter::PinEntry {
 public:
  jpki::LastTryConfirmation ConfirmLastTry() override {
    return jpki::LastTryConfirmation::kConfirmed;
  }
  Result<jpki::Pin> RequestPin(const counter::PinRequest&) override {
    return jpki::Pin::AuthPin("1234");
  }
};

/// A kiosk whose way to the cloud goes through a proxy that can lose answers.
struct Kiosk {
  counter::testing::TestCloud cloud;
  std::unique_ptr<counter::testing::LossyProxy> network;
  std::unique_ptr<cloud_client::CloudClient> client;
  hal::SimReaderMonitor monitor;
  std::unique_ptr<jpki::JpkiCardEmulator> card;
  std::unique_ptr<counter::Counter> counter;
  mykey::testing::TempDir dir;
  std::string mykey_id;

  Kiosk() {
    network = std::make_unique<counter::testing::LossyProxy>(cloud.server->port());
    client = cloud.EnrolledClient("http://127.0.0.1:" + std::to_string(network->port()),
                                  /*max_attempts=*/2);
    REQUIRE(monitor.AddReader("Sim Reader 0"));
    card = counter::testing::IssueCard(41, 3);
    REQUIRE(monitor.InsertCard("Sim Reader 0", *card));
    auto made = counter::Counter::Create(monitor, *client, {});
    REQUIRE(made);
    counter = std::move(*made);
    REQUIRE(counter->WaitForCard(5s));
    Authenticate(CardAuthPurpose::kCreateMyKeyId);
    auto id = counter->CreateMyKeyId();
    REQUIRE(id);
    mykey_id = *id;
    cloud.Grant(mykey_id, 1000);
    Authenticate(CardAuthPurpose::kLogin);
  }

  void Authenticate(CardAuthPurpose purpose) {
    FixedPinPad pad;
    REQUIRE(counter->Authenticate(purpose, pad));
  }

  VoucherIssuerSettings Settings() {
    VoucherIssuerSettings settings;
    settings.void_unprinted = true;  // the strictest: anything unprinted is voided
    settings.pending_path = dir.File("pending-vouchers.json");
    return settings;
  }

  std::string StateOf(const std::string& serial) {
    auto voucher = counter->GetVoucher(serial);
    REQUIRE(voucher);
    return voucher->state;
  }
};

TEST_CASE("a printed voucher whose confirmation is lost is kept as printed, never voided") {
  Kiosk k;
  CounterVoucherIssuer issuer(*k.counter, k.Settings());
  auto issued = issuer.Issue(/*programme_id=*/1, 500);
  REQUIRE(issued);

  // The printer confirmed the job; every answer from the cloud is lost now.
  k.network->LoseNextAnswers(1000);
  auto confirmed = issuer.ConfirmPrint(issued->serial, PrintState::kPrinted);
  k.network->LoseNextAnswers(0);
  REQUIRE_FALSE(confirmed);
  CHECK(confirmed.error().code() == ErrorCode::kUnavailable);
  CHECK(k.network->lost() >= 3);  // asked again, not given up at the first loss
  CHECK(k.StateOf(issued->serial) != "voided");

  // Listed for the staff as printed: a void is refused (the customer holds it).
  auto kept = LoadPendingVouchers(k.Settings().pending_path);
  REQUIRE(kept);
  REQUIRE(kept->size() == 1);
  CHECK(kept->front().serial == issued->serial);
  CHECK(kept->front().printed);
  auto voided = issuer.Void(issued->serial);
  REQUIRE_FALSE(voided);
  CHECK(voided.error().code() == ErrorCode::kFailedPrecondition);

  // The next listing records it and it leaves the list; the points stay spent.
  auto listed = issuer.ListPending();
  REQUIRE(listed);
  CHECK(listed->empty());
  CHECK(k.StateOf(issued->serial) == "issued");
}

TEST_CASE("a printed voucher kept unrecorded is recorded by reprint_voucher without printing") {
  Kiosk k;
  CounterVoucherIssuer issuer(*k.counter, k.Settings());  // no reprinter: nothing can print
  auto issued = issuer.Issue(/*programme_id=*/1, 300);
  REQUIRE(issued);
  k.network->LoseNextAnswers(1000);
  REQUIRE_FALSE(issuer.ConfirmPrint(issued->serial, PrintState::kPrinted));
  k.network->LoseNextAnswers(0);
  auto reprinted = issuer.Reprint(issued->serial);
  REQUIRE(reprinted);
  CHECK(reprinted->state == "issued");
  CHECK(reprinted->print == PrintState::kNone);
  CHECK(k.StateOf(issued->serial) == "issued");
  auto kept = LoadPendingVouchers(k.Settings().pending_path);
  REQUIRE(kept);
  CHECK(kept->empty());
}

TEST_CASE("a voucher the printer did not confirm is voided and the points return") {
  Kiosk k;
  CounterVoucherIssuer issuer(*k.counter, k.Settings());
  auto issued = issuer.Issue(/*programme_id=*/1, 200);
  REQUIRE(issued);
  for (PrintState print : {PrintState::kUnconfirmed}) {
    auto result = issuer.ConfirmPrint(issued->serial, print);
    REQUIRE_FALSE(result);
    CHECK(result.error().code() == ErrorCode::kAborted);
  }
  CHECK(k.StateOf(issued->serial) == "voided");
}

}  // namespace
}  // namespace mykey::terminal
