#pragma once

// The terminal's identity: the id the cloud gave it at enrollment and its
// ECDSA P-256 signing key, kept in two files readable by the terminal's user
// only.

#include <string>
#include <string_view>

#include "mykey/base/result.h"
#include "mykey/crypto/ecdsa.h"

namespace mykey::cloud_client {

/// An enrolled terminal: its id and its private key.
///
/// Thread safety: const methods may be called concurrently (the key
/// serialises signing).
struct TerminalIdentity {
  std::string terminal_id;
  crypto::EcdsaPrivateKey key;
};

/// Where the identity lives: the key as PEM, the id as one line of text.
///
/// Thread safety: a value type; not synchronised.
struct TerminalIdentityFiles {
  std::string key_path;          ///< "/var/lib/mykey/terminal.key.pem"
  std::string terminal_id_path;  ///< "/var/lib/mykey/terminal.id"
};

/// Loads the identity. The key file must be a regular file owned by the
/// running user with no group or other permission bits (mode 0600 or
/// stricter), so that no other account can sign as this terminal.
/// @returns the identity, or kNotFound (a file is missing: not enrolled);
///          kPermissionDenied (the key file is readable by others, owned by
///          another user, or not a regular file); kInvalidArgument (the key
///          is not an ECDSA P-256 PEM, or the id file is empty); kUnavailable
///          (domain kOs) if a file cannot be read.
Result<TerminalIdentity> LoadTerminalIdentity(const TerminalIdentityFiles& files);

/// Writes the identity: each file is written to `<path>.partial` with mode
/// 0600, synced and renamed over `<path>`.
/// @returns Ok, or kUnavailable (domain kOs, detail errno) when a file
///          cannot be written.
Status SaveTerminalIdentity(const TerminalIdentityFiles& files, const TerminalIdentity& identity);

/// Writes only the key file (as SaveTerminalIdentity() does): before
/// enrollment, so that a key the cloud accepted is never lost.
/// @returns Ok, or kUnavailable (domain kOs).
Status SaveTerminalKey(const TerminalIdentityFiles& files, const crypto::EcdsaPrivateKey& key);

/// Writes only the terminal id file (mode 0600, synced, renamed).
/// @returns Ok, or kUnavailable (domain kOs).
Status SaveTerminalId(const TerminalIdentityFiles& files, std::string_view terminal_id);

}  // namespace mykey::cloud_client
