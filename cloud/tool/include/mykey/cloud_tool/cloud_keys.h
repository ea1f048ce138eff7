#pragma once

#include <string>
#include <vector>

#include "mykey/base/result.h"
#include "mykey/crypto/random.h"
#include "mykey/store/store.h"

namespace mykey::cloud {

/// What a cloud key is for.
enum class CloudKeyPurpose : uint8_t {
  kVoucherSigning,   ///< signs voucher tokens; public key published to terminals
  kTerminalSession,  ///< signs card/terminal session tokens
};

/// "voucher_signing" / "terminal_session" (as in the cloud_keys table).
const char* CloudKeyPurposeName(CloudKeyPurpose purpose) noexcept;

/// One key as EnsureCloudKeys() found or made it.
struct CloudKeyInfo {
  CloudKeyPurpose purpose;
  std::string key_id_hex;  ///< the 8-byte key id, hex
  std::string file;        ///< the private key's PEM file
  bool created = false;    ///< made by this call
};

/// Makes sure the cloud's ECDSA P-256 keys exist: each private key is a PKCS#8
/// PEM file `<keys_dir>/<purpose>.key.pem` (directory 0700, file 0600, written
/// with O_EXCL and synced), its public key a row of `cloud_keys`. Keys that
/// exist are loaded and checked against the store, never replaced.
/// @returns kUnavailable (domain kOs) when the directory or a file cannot be
///          written; kDataLoss when a key file does not parse;
///          kFailedPrecondition when a key file does not match the store's
///          public key for that purpose; store errors.
Result<std::vector<CloudKeyInfo>> EnsureCloudKeys(Store& store, const std::string& keys_dir,
                                                  crypto::RandomSource& random);

}  // namespace mykey::cloud
