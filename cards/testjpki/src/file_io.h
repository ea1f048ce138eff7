#pragma once

// Small POSIX file helpers for the test PKI's files. Private to the module.

#include <string>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"

namespace mykey::testjpki::internal {

/// The whole file. @returns kNotFound (ENOENT), kPermissionDenied
/// (EACCES/EPERM), kUnavailable otherwise; domain kOs, detail errno.
Result<Bytes> ReadFile(const std::string& path);

/// Writes (creating or truncating) `path` with permission bits `mode`
/// (applied even when the file existed). Errors as ReadFile.
Status WriteFile(const std::string& path, ByteView data, unsigned mode);

/// Creates `path` (and parents) if needed and sets its permission bits.
Status MakeDirectory(const std::string& path, unsigned mode);

}  // namespace mykey::testjpki::internal
