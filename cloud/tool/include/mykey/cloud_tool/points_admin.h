#pragma once

#include <ostream>
#include <span>
#include <string>
#include <string_view>

namespace mykey::cloud {

/// True for the admin topics RunPointsAdminCommand() handles: "partner",
/// "coupon", "premium".
bool IsPointsAdminTopic(std::string_view topic) noexcept;

/// Runs `mykey-cloud admin <topic> <args...>` for partner conversions:
///
///     partner add --id ID --name NAME [--rate N/D] [--suspended]
///     partner list [--json]
///     coupon issue --partner ID --amount N --expires-on YYYY-MM-DD [--count N]
///     premium set --programme ID --percent P          (0 removes it)
///
/// Each takes `--store PATH|postgresql://...` (or `--config FILE`) and
/// `--help`; the store must be initialised. Coupon codes are printed once,
/// one per line, and only their hashes are stored.
/// @returns the CloudExitCode: 0 ok, 2 usage, 3 store unavailable, 4 exists
///          already, 5 not found, 6 store not initialised, 1 anything else.
int RunPointsAdminCommand(std::string_view topic, std::span<const std::string> args,
                          std::ostream& out, std::ostream& err);

}  // namespace mykey::cloud
