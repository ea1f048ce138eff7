#pragma once

// The command-line plumbing every mykey-cloud command shares: option parsing,
// exit codes from errors, error reports.

#include <map>
#include <ostream>
#include <set>
#include <span>
#include <string>
#include <string_view>

#include <optional>

#include "mykey/base/error.h"
#include "mykey/cloud_tool/command.h"

namespace mykey::cloud {

/// Parsed command-line options of one command.
struct Options {
  std::map<std::string, std::string, std::less<>> values;
  std::set<std::string, std::less<>> flags;
  bool help = false;

  std::string Value(std::string_view name) const {
    auto it = values.find(name);
    return it == values.end() ? std::string() : it->second;
  }
  bool Has(std::string_view name) const { return values.contains(name) || flags.contains(name); }
};

/// Parses `--name value`, `--name=value` and `--flag`; anything else is an
/// error.
inline bool ParseOptions(std::span<const std::string> args, std::set<std::string_view> value_names,
                         std::set<std::string_view> flag_names, Options& options,
                         std::ostream& err) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      options.help = true;
      continue;
    }
    if (!arg.starts_with("--")) {
      err << "mykey-cloud: unexpected argument '" << arg << "'\n";
      return false;
    }
    std::string name(arg);
    std::optional<std::string> value;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    if (flag_names.contains(name) && !value) {
      options.flags.insert(name);
    } else if (value_names.contains(name)) {
      if (!value) {
        if (i + 1 >= args.size()) {
          err << "mykey-cloud: " << name << " needs a value\n";
          return false;
        }
        value = args[++i];
      }
      options.values[name] = *value;
    } else {
      err << "mykey-cloud: unknown option " << name << "\n";
      return false;
    }
  }
  return true;
}

inline int ExitCodeFor(const Error& error) {
  switch (error.code()) {
    case ErrorCode::kInvalidArgument: return kCloudExitUsage;
    case ErrorCode::kUnavailable:
    case ErrorCode::kAborted:
    case ErrorCode::kResourceExhausted: return kCloudExitUnavailable;
    case ErrorCode::kAlreadyExists: return kCloudExitConflict;
    case ErrorCode::kNotFound: return kCloudExitNotFound;
    case ErrorCode::kFailedPrecondition: return kCloudExitSchema;
    default: return kCloudExitFailure;
  }
}

inline int Report(std::ostream& err, std::string_view what, const Error& error) {
  err << "mykey-cloud: " << what << ": " << error.ToString() << "\n";
  return ExitCodeFor(error);
}

}  // namespace mykey::cloud
