// mykey: the command-line tool of the terminal. First commands: card status,
// card cert, card auth. The composition root: it alone picks the PC/SC backend.

#include <getopt.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "card_command.h"
#include "exit_code.h"
#include "mykey/base/log.h"

namespace {

constexpr char kTopHelp[] = R"(usage: mykey <command> [options]

Commands:
  card status   readers, card present, token type, PIN tries left
  card cert     the card's user-authentication certificate (PEM, DER or text)
  card auth     prove the holder: PIN, then the card signs a challenge

Run "mykey card <command> --help" for the options of each command.

Exit codes:
  0 ok                 1 failure             2 usage
  3 no reader or card  4 wrong PIN           5 PIN blocked
  6 last try: rerun with --confirm-last-try  7 not verified
  8 card removed       9 not a JPKI card
)";

constexpr char kCardHelp[] = R"(usage: mykey card <status|cert|auth> [options]

  status   readers, card present, token type, PIN tries left
  cert     the user-authentication certificate
  auth     PIN, then the card signs a challenge; verified locally
)";

int Usage(const char* text, int code) {
  std::fputs(text, code == 0 ? stdout : stderr);
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage(kTopHelp, mykey::cli::kExitUsage);
  std::string_view command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") return Usage(kTopHelp, 0);
  if (command == "--version") {
    std::puts("mykey 0.1.0");
    return 0;
  }
  if (command != "card") {
    std::fprintf(stderr, "mykey: unknown command '%s'\n\n", argv[1]);
    return Usage(kTopHelp, mykey::cli::kExitUsage);
  }
  if (argc < 3) return Usage(kCardHelp, mykey::cli::kExitUsage);
  std::string_view sub = argv[2];
  if (sub == "--help" || sub == "-h") return Usage(kCardHelp, 0);
  // getopt_long sees "card <sub>" as its program name and the options after it.
  int sub_argc = argc - 2;
  char** sub_argv = argv + 2;
  if (sub == "status") return mykey::cli::RunCardStatus(sub_argc, sub_argv);
  if (sub == "cert") return mykey::cli::RunCardCert(sub_argc, sub_argv);
  if (sub == "auth") return mykey::cli::RunCardAuth(sub_argc, sub_argv);
  std::fprintf(stderr, "mykey: unknown card command '%s'\n\n", argv[2]);
  return Usage(kCardHelp, mykey::cli::kExitUsage);
}
