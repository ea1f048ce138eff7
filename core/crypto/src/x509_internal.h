#pragma once

// Internal to core/crypto: parsing helpers shared by x509.cc and crl.cc.

#include <mbedtls/x509.h>

#include <chrono>
#include <string>
#include <vector>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/crypto/x509.h"

namespace mykey::crypto::internal {

std::chrono::sys_seconds FromX509Time(const mbedtls_x509_time& t);
std::string DnToString(const mbedtls_x509_name* name);

struct Extension {
  ByteView oid;  ///< OID contents (no tag/length)
  bool critical = false;
  ByteView value;  ///< extnValue contents (the inner DER)
};

/// Reads `Extensions ::= SEQUENCE OF Extension` starting at `p` (the
/// SEQUENCE tag); an empty span gives no extensions.
Result<std::vector<Extension>> ReadExtensions(ByteView extensions);

/// The keyIdentifier of an AuthorityKeyIdentifier value; empty if absent or malformed.
Bytes ReadAuthorityKeyId(ByteView value);
/// The OCTET STRING of a SubjectKeyIdentifier value; empty if malformed.
Bytes ReadSubjectKeyId(ByteView value);

/// Verifies a sha256WithRSAEncryption signature over `tbs` with `issuer`'s key.
Status VerifyTbsSignature(mbedtls_md_type_t md, mbedtls_pk_type_t pk, ByteView tbs,
                          ByteView signature, const Certificate& issuer);

/// "2023-04-01 00:00:00 UTC".
std::string FormatTime(std::chrono::sys_seconds at);

}  // namespace mykey::crypto::internal
