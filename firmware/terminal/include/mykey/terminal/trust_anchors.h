#pragma once

// The JPKI auth CA certificates offline authentication checks cards against
// (offline.trust_anchors): downloaded from the cloud at enrolment, the
// connection test and start-up (GET /v1/jpki/auth-cas), kept as one PEM file,
// read when offline mode opens its journal.

#include <span>
#include <string>
#include <vector>

#include "mykey/base/result.h"
#include "mykey/cloud_client/cloud_client.h"
#include "mykey/crypto/x509.h"

namespace mykey::terminal {

/// Reads a PEM file of one or more certificates, each a CA certificate.
/// @returns the certificates; kNotFound (domain kOs) when the file cannot be
///          opened; kInvalidArgument when it holds no certificate or one is
///          not a CA; the parser's error for a malformed certificate.
Result<std::vector<crypto::Certificate>> LoadTrustAnchors(const std::string& path);

/// Writes `anchors` to `path` as PEM (replaced whole, mode 0644: CA
/// certificates are public).
/// @returns Ok; kInvalidArgument for an empty list; ReplaceFile()'s errors.
Status SaveTrustAnchors(const std::string& path, std::span<const crypto::Certificate> anchors);

/// Downloads the cloud's JPKI auth CAs and keeps them at `path`.
/// @returns how many were kept; CloudClient::JpkiAuthCas()'s errors (the
///          file is then left as it was); SaveTrustAnchors()'s.
Result<size_t> RefreshTrustAnchors(cloud_client::CloudClient& client, const std::string& path);

}  // namespace mykey::terminal
