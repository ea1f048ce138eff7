// shop_redemption: the shop counter. The clerk runs it with an amount; the customer puts their
// My Number Card on the reader and enters the PIN; the points are redeemed from the customer's
// balance in the given programme (a municipality's points) and the new balance is printed.
//
//   shop_redemption --cloud URL --key terminal.key.pem --id terminal.id [--ca anchors.pem]
//                   [--reader NAME] --programme ID --amount POINTS
//
// The terminal must be enrolled first, as a merchant that accepts the programme.
// Exit status: 0 redeemed, 1 refused or failed (the stable reason is printed), 2 usage or setup.
// Built against the installed SDK: find_package(mykey) and target mykey::counter.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "../common/counter_terminal.h"

namespace {

constexpr const char* kUsage =
    "usage: shop_redemption --cloud URL --key KEY.pem --id ID_FILE [--ca ANCHORS.pem]\n"
    "                       [--reader NAME] --programme ID --amount POINTS\n"
    "  Waits for a card, asks the PIN, redeems POINTS from programme ID, prints the balance.\n"
    "  --help  this text\n"
    "exit status: 0 redeemed, 1 refused or failed, 2 usage or setup\n";

}  // namespace

int main(int argc, char** argv) {
  examples::TerminalFlags flags;
  long long programme = 0, amount = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if ((arg == "--programme" || arg == "--amount") && i + 1 < argc) {
      (arg == "--amount" ? amount : programme) = std::strtoll(argv[++i], nullptr, 10);
    } else if (!flags.Take(argc, argv, i)) {
      std::fputs(kUsage, stderr);
      return 2;
    }
  }
  if (!flags.complete() || programme <= 0 || amount <= 0) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  auto terminal = examples::OpenCounterTerminal(flags, /*allow_tap_only=*/false);
  if (!terminal) {
    std::fprintf(stderr, "shop_redemption: %s\n", terminal.error().ToString().c_str());
    return 2;
  }
  mykey::counter::Counter& counter = *terminal->counter;
  examples::ConsolePinPad pin_pad;

  std::printf("Redeem %lld points. Place the card on the reader.\n", amount);
  std::fflush(stdout);  // a POS reading a pipe sees the prompt at once
  if (auto card = counter.WaitForCard(std::chrono::minutes(5)); !card) {
    examples::PrintCounterError("card", card.error());
    return 1;
  }
  // A PIN session for "login": only such a session moves value (never a tap-only one).
  if (auto holder = counter.Authenticate(mykey::protocol::CardAuthPurpose::kLogin, pin_pad);
      !holder) {
    examples::PrintCounterError("authentication", holder.error());
    return 1;
  }

  mykey::counter::RedemptionOrder order;
  order.programme_id = programme;
  order.amount = amount;
  // The counter makes an idempotency key; a lost answer is retried with the same key and, if
  // still unknown, looked up: the points move at most once whatever the network does.
  auto redemption = counter.Redeem(order);
  counter.EndHolderSession();
  if (!redemption) {
    examples::PrintCounterError("redemption", redemption.error());
    if (mykey::counter::CounterErrorCodeOf(redemption.error()) ==
        mykey::counter::CounterErrorCode::kOutcomeUnknown) {
      // Keep the key: RecoverRedemption(key) settles it once the cloud answers again.
      std::fprintf(stderr, "outcome unknown; recover with key %s\n",
                   counter.last_failure().idempotency_key.c_str());
    }
    return 1;
  }
  std::printf("redeemed %lld points (redemption %lld); balance now %lld\n",
              static_cast<long long>(redemption->amount),
              static_cast<long long>(redemption->redemption_id),
              static_cast<long long>(redemption->balance));
  return 0;
}
