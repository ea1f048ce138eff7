#pragma once

#include <ostream>
#include <span>
#include <string>

namespace mykey::cloud {

/// Exit codes of `mykey-cloud` (stable; listed in `mykey-cloud --help`).
enum CloudExitCode : int {
  kCloudExitOk = 0,
  kCloudExitFailure = 1,      ///< anything not below
  kCloudExitUsage = 2,        ///< bad command line or config file
  kCloudExitUnavailable = 3,  ///< the store cannot be opened, or the port bound
  kCloudExitConflict = 4,     ///< the thing exists already
  kCloudExitNotFound = 5,     ///< the thing does not exist
  kCloudExitSchema = 6,       ///< store not initialised, or newer than this program
};

/// Runs `mykey-cloud <args...>` (without the program name) and returns the
/// exit code. Output goes to `out`, diagnostics to `err`. `serve` blocks
/// SIGTERM/SIGINT in the calling thread and waits for them: call it only
/// from main().
int RunCloudCommand(std::span<const std::string> args, std::ostream& out, std::ostream& err);

}  // namespace mykey::cloud
