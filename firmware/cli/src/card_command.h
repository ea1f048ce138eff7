#pragma once

namespace mykey::cli {

/// `mykey card status|cert|auth`: argv[0] is the sub-command name.
/// @returns the process exit code (exit_code.h).
int RunCardStatus(int argc, char** argv);
int RunCardCert(int argc, char** argv);
int RunCardAuth(int argc, char** argv);

}  // namespace mykey::cli
