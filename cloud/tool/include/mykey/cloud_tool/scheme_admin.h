#pragma once

#include <ostream>
#include <span>
#include <string>
#include <string_view>

namespace mykey::cloud {

/// True for the admin topics RunSchemeAdminCommand() handles: "programme",
/// "merchant", "provider", "grant", "report".
bool IsSchemeAdminTopic(std::string_view topic) noexcept;

/// Runs `mykey-cloud admin <topic> <args...>` for the parties of the scheme
/// and the ledger's operator tasks:
///
///     programme add --municipality CODE --code CODE --name NAME [--kind KIND] [--json]
///     programme list [--municipality CODE] [--json]
///     merchant add --municipality CODE --name NAME --kind KIND [--json]
///     merchant list [--municipality CODE] [--json]
///     merchant accept|unaccept --id ID --programme ID
///     merchant suspend|resume --id ID
///     provider add --code CODE --name NAME [--json]
///     provider list [--json]
///     grant --mykey-id ID --programme ID --amount N --expires-on YYYY-MM-DD
///         --department TEXT --reason TEXT [--key KEY] [--json]
///     report settlement --merchant ID --from YYYY-MM-DD --to YYYY-MM-DD   (CSV)
///     report unused-balances --municipality CODE --on YYYY-MM-DD          (CSV)
///
/// Each takes `--store PATH|postgresql://...` (or `--config FILE`) and
/// `--help`. The store must be initialised (`mykey-cloud init`).
/// @param topic one of IsSchemeAdminTopic()
/// @param args  the words after the topic
/// @returns the CloudExitCode: 0 ok, 2 usage, 3 store unavailable, 4 exists
///          already, 5 not found, 6 store not initialised, 1 anything else.
int RunSchemeAdminCommand(std::string_view topic, std::span<const std::string> args,
                          std::ostream& out, std::ostream& err);

}  // namespace mykey::cloud
