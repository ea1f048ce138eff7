// mykey-load: terminals under load and faults against mykey-cloud, and the
// reconciliation that proves exactly-once. See README.md.
#include <sys/resource.h>

#include <iostream>
#include <string>
#include <vector>

#include "load.h"

namespace {

constexpr const char* kUsage = R"(usage: mykey-load <command> [options]

  init       --store sqlite:PATH|postgres:DB --state DIR [--holders M]
             the parties, operator tokens and M test-JPKI cards (store offline)
  serve      --store ... --jpki-auth-ca DIR [--port N] [--threads N]
             the cloud under load (auth, registry, ledger) on either store
  enrol      --url URL --state DIR [--terminals N] [--points P]
             N terminals (own ECDSA keys), MyKey IDs by card signature, grants
  run        --url URL --state DIR [--terminals N] [--seconds S] [--mix chaos|redeem]
             [--drop-request P --drop-response P --delay P --seed S] ...
             N terminals in a closed loop; every outcome to the operation log
  reconcile  --url URL --state DIR [--ops-log FILE]
             every acknowledged operation applied exactly once; the ledger's invariants
  proxy      --upstream-port N [--port N] [--drop-request P] ...
             the fault-injecting proxy on its own

exit codes: 0 ok, 1 failure, 2 usage, 3 reconciliation failed
)";

}  // namespace

int main(int argc, char** argv) {
  // A thousand terminals need a thousand sockets.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage;
    return args.empty() ? mykey::load::kExitUsage : mykey::load::kExitOk;
  }
  const std::string& command = args[0];
  const std::span<const std::string> rest(args.data() + 1, args.size() - 1);
  if (command == "init") return mykey::load::InitCommand(rest, std::cout, std::cerr);
  if (command == "serve") return mykey::load::ServeCommand(rest, std::cout, std::cerr);
  if (command == "enrol") return mykey::load::EnrolCommand(rest, std::cout, std::cerr);
  if (command == "run") return mykey::load::RunCommand(rest, std::cout, std::cerr);
  if (command == "reconcile") return mykey::load::ReconcileCommand(rest, std::cout, std::cerr);
  if (command == "proxy") return mykey::load::ProxyCommand(rest, std::cout, std::cerr);
  std::cerr << kUsage;
  return mykey::load::kExitUsage;
}
