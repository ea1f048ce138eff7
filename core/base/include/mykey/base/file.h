#pragma once

// Durable whole-file replacement for the small state files the SDK and the
// terminal keep (terminal identity, revocation set, voucher keys, trust
// anchors): a reader sees the old contents or the new, never a torn file.

#include <string>
#include <string_view>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"

namespace mykey {

/// Replaces the file at `path` with `contents`: writes `path + ".partial"`
/// (created with `mode`, never through a symbolic link, mode set again in
/// case of a umask), fsyncs it, renames it over `path`, then fsyncs the
/// directory so the rename survives a power cut. On any failure the partial
/// file is removed and `path` is left as it was.
/// @param path     the file to replace (its directory must exist)
/// @param contents the new contents
/// @param mode     the permission bits, e.g. 0600 for a secret, 0644 otherwise
/// @returns Ok; kUnavailable (domain kOs, with errno) when a step fails.
Status ReplaceFile(const std::string& path, ByteView contents, unsigned mode);

/// ReplaceFile() for text.
inline Status ReplaceFile(const std::string& path, std::string_view text, unsigned mode) {
  return ReplaceFile(path, ViewOf(text), mode);
}

}  // namespace mykey
