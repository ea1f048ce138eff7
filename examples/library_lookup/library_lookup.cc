// library_lookup: the library desk. A patron puts their My Number Card on the reader and enters
// the PIN; the program prints their library card number (the ID this library linked to the
// patron's MyKey ID), for the library system to pick up. The library never sees the card's
// certificate, the MyKey ID or another provider's IDs: the cloud gives it only its own ID.
//
//   library_lookup --cloud URL --key terminal.key.pem --id terminal.id [--ca anchors.pem]
//                  [--reader NAME] [--once]
//
// The terminal must be enrolled first (mykey-terminal enrol, or Counter::Enroll()), as a
// library site. Exit status: 0 ok, 1 a lookup failed (with --once), 2 usage or setup.
// Built against the installed SDK: find_package(mykey) and target mykey::counter.

#include <chrono>
#include <cstdio>
#include <string_view>

#include "../common/counter_terminal.h"

namespace {

constexpr const char* kUsage =
    "usage: library_lookup --cloud URL --key KEY.pem --id ID_FILE [--ca ANCHORS.pem]\n"
    "                      [--reader NAME] [--once]\n"
    "  Waits for a card, asks the PIN, prints the holder's library card number.\n"
    "  --once  one lookup, then exit (otherwise: one per card until interrupted)\n"
    "  --help  this text\n"
    "exit status: 0 ok, 1 lookup failed (--once), 2 usage or setup\n";

// One patron: card, PIN, the ID at this library. Every call returns a typed error; the host
// branches on CounterErrorCodeOf() (a wrong PIN, a card pulled too early, no link yet).
bool LookUpOnePatron(mykey::counter::Counter& counter, examples::ConsolePinPad& pin_pad) {
  std::puts("Place the card on the reader.");
  std::fflush(stdout);  // a library system reading a pipe sees each line at once
  if (auto card = counter.WaitForCard(std::chrono::minutes(5)); !card) {
    examples::PrintCounterError("card", card.error());
    return false;
  }
  auto holder = counter.Authenticate(mykey::protocol::CardAuthPurpose::kLogin, pin_pad);
  if (!holder) {
    examples::PrintCounterError("authentication", holder.error());
    return false;
  }
  auto link = counter.ServiceId();
  if (!link) {
    // kNoServiceLink: the patron has not linked a library card yet (a kiosk does that).
    examples::PrintCounterError("lookup", link.error());
    counter.EndHolderSession();
    return false;
  }
  std::printf("library card number: %s\n", link->service_id.c_str());
  // End the session at once: the desk needs nothing else from this card.
  counter.EndHolderSession();
  std::puts("Take the card.");
  std::fflush(stdout);
  (void)counter.WaitForCardRemoval(std::chrono::minutes(1));
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  examples::TerminalFlags flags;
  bool once = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg == "--once") {
      once = true;
    } else if (!flags.Take(argc, argv, i)) {
      std::fputs(kUsage, stderr);
      return 2;
    }
  }
  if (!flags.complete()) {
    std::fputs(kUsage, stderr);
    return 2;
  }

  // Tap-only stays off: the cloud answers a service lookup only in a PIN session.
  auto terminal = examples::OpenCounterTerminal(flags, /*allow_tap_only=*/false);
  if (!terminal) {
    std::fprintf(stderr, "library_lookup: %s\n", terminal.error().ToString().c_str());
    return 2;
  }
  examples::ConsolePinPad pin_pad;
  do {
    const bool ok = LookUpOnePatron(*terminal->counter, pin_pad);
    if (once) return ok ? 0 : 1;
  } while (true);
}
