#pragma once

#include <ostream>
#include <span>
#include <string>
#include <string_view>

namespace mykey::cloud {

/// True for the admin topics RunAuthAdminCommand() handles: "token",
/// "enrollment-code", "terminal".
bool IsAuthAdminTopic(std::string_view topic) noexcept;

/// Runs `mykey-cloud admin <topic> <args...>` for cloud/auth:
///
///     token create --scope SCOPE [--name NAME] [--json]   (prints the token once)
///     token list [--json]
///     token revoke --id ID
///     enrollment-code create --site-kind KIND --site-id ID --provider-id ID
///         --municipality CODE [--ttl-hours N] [--json]    (prints the code once)
///     terminal list [--json]
///     terminal suspend --id ID
///     terminal resume --id ID
///
/// Each takes `--store PATH` (or `--config FILE`) and `--help`. The store must
/// be initialised (`mykey-cloud init`); the auth schema is migrated here.
/// @param topic one of IsAuthAdminTopic()
/// @param args  the words after the topic
/// @returns the CloudExitCode: 0 ok, 2 usage, 3 store unavailable, 5 no such
///          token or terminal, 6 store not initialised, 1 anything else.
int RunAuthAdminCommand(std::string_view topic, std::span<const std::string> args,
                        std::ostream& out, std::ostream& err);

}  // namespace mykey::cloud
