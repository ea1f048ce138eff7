// Figures for the closing note: a counter redemption end to end on loopback,
// with the card emulation (WaitForCard, PIN, SIGN, card session, redeem) and
// without it (redeem only), over hal/sim + the JPKI emulator and the real
// cloud (SQLite in a temp dir). Prints figures; asserts nothing about time.
//
//   build/<dir>/sdk/counter/mykey_counter_bench [iterations]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "mykey/counter/counter.h"
#include "mykey/counter_testing/test_cloud.h"
#include "mykey/sim/sim_reader.h"
#include "mykey/testing/catch.h"

namespace mykey::counter {
namespace {

using Clock = std::chrono::steady_clock;
using protocol::CardAuthPurpose;

class FixedPinPad final : public PinEntry {
 public:
  jpki::LastTryConfirmation ConfirmLastTry() override {
    return jpki::LastTryConfirmation::kNotConfirmed;
  }
  Result<jpki::Pin> RequestPin(const PinRequest&) override { return jpki::Pin::AuthPin("1234"); }
};

void Print(const char* what, std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  const double median = ms[ms.size() / 2];
  const double p95 = ms[std::min(ms.size() - 1, ms.size() * 95 / 100)];
  std::printf("%-48s n=%zu median %.2f ms  p95 %.2f ms  max %.2f ms\n", what, ms.size(), median,
              p95, ms.back());
}

int Iterations() {
  const char* env = std::getenv("MYKEY_COUNTER_BENCH_ITERATIONS");
  return env != nullptr ? std::max(1, std::atoi(env)) : 50;
}

TEST_CASE("counter redemption end to end on loopback") {
  testing::TestCloud cloud;
  auto client = cloud.EnrolledClient(cloud.Url());
  hal::SimReaderMonitor monitor;
  REQUIRE(monitor.AddReader("Bench Reader"));
  auto card = testing::IssueCard(41);
  REQUIRE(monitor.InsertCard("Bench Reader", *card));
  auto made = Counter::Create(monitor, *client, CounterOptions{});
  REQUIRE(made);
  Counter& counter = **made;
  FixedPinPad pad;

  REQUIRE(counter.WaitForCard(std::chrono::seconds(5)));
  REQUIRE(counter.Authenticate(CardAuthPurpose::kCreateMyKeyId, pad));
  auto mykey_id = counter.CreateMyKeyId();
  REQUIRE(mykey_id);
  const int n = Iterations();
  cloud.Grant(*mykey_id, 10 * n + 100);

  std::vector<double> with_card, auth_only, redeem_only;
  for (int i = 0; i < n; ++i) {
    const auto start = Clock::now();
    REQUIRE(counter.WaitForCard(std::chrono::seconds(5)));
    REQUIRE(counter.Authenticate(CardAuthPurpose::kLogin, pad));
    const auto authenticated = Clock::now();
    REQUIRE(counter.Redeem({1, 10, false, ""}));
    const auto done = Clock::now();
    with_card.push_back(std::chrono::duration<double, std::milli>(done - start).count());
    auth_only.push_back(std::chrono::duration<double, std::milli>(authenticated - start).count());
    redeem_only.push_back(std::chrono::duration<double, std::milli>(done - authenticated).count());
  }
  std::printf("counter bench (Debug/Release as built; hal/sim + JPKI emulator; cloud on SQLite)\n");
  Print("card + PIN + SIGN + session + redeem", with_card);
  Print("card + PIN + SIGN + session (authentication)", auth_only);
  Print("redeem only (no card)", redeem_only);
}

}  // namespace
}  // namespace mykey::counter
