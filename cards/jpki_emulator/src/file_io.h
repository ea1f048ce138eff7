#pragma once

// Small POSIX file helpers for the emulator's files (personalisation, PIN
// counters). Private to the module.

#include <string>
#include <string_view>

#include "mykey/base/result.h"

namespace mykey::jpki::internal {

/// The whole file. @returns kNotFound (ENOENT), kPermissionDenied
/// (EACCES/EPERM), kUnavailable otherwise; domain kOs, detail errno.
Result<std::string> ReadWholeFile(const std::string& path);

/// Writes `data` to `path` atomically and durably: a temporary file in the
/// same directory created with `mode`, write, fsync, rename over `path`,
/// fsync of the directory. Errors as ReadWholeFile.
Status WriteFileAtomically(const std::string& path, std::string_view data, unsigned mode);

/// The directory part of `path` ("." if it has none).
std::string DirectoryOf(const std::string& path);

}  // namespace mykey::jpki::internal
