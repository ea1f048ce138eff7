#pragma once

// Signed terminal requests (MYKEY-REQ-1): how an enrolled terminal signs each
// HTTP request to the cloud with its ECDSA P-256 key, and how the cloud checks
// it. Shared by the terminal SDK (signing) and the cloud (verifying), so both
// build the same canonical bytes.
//
// The terminal sends four headers:
//
//     X-Mykey-Terminal:  <terminal id>
//     X-Mykey-Timestamp: <Unix seconds, decimal>
//     X-Mykey-Nonce:     <16..64 characters of A-Z a-z 0-9 - _>
//     X-Mykey-Signature: <standard Base64 of the raw r || s signature, 64 bytes>
//
// The signature is ECDSA P-256 over SHA-256 of the canonical string
//
//     "MYKEY-REQ-1\n" METHOD "\n" TARGET "\n" TIMESTAMP "\n" NONCE "\n" hex(SHA-256(body))
//
// where hex is lower-case and TARGET is CanonicalRequestTarget() of the
// request's decoded path and query. The request line must carry TARGET itself
// (the cloud decodes it and encodes it again, which gives back the same text).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "mykey/base/result.h"
#include "mykey/crypto/ecdsa.h"
#include "mykey/crypto/random.h"
#include "mykey/crypto/sha256.h"

namespace mykey::protocol {

/// The first line of the canonical string: the version of this scheme.
inline constexpr std::string_view kRequestSignatureScheme = "MYKEY-REQ-1";
/// How far (seconds) a request's timestamp may be from the cloud's clock,
/// either way.
inline constexpr int64_t kRequestSignatureWindowSeconds = 300;
/// Nonce length bounds (characters).
inline constexpr size_t kRequestNonceMinLength = 16;
inline constexpr size_t kRequestNonceMaxLength = 64;

inline constexpr std::string_view kTerminalHeader = "X-Mykey-Terminal";
inline constexpr std::string_view kTimestampHeader = "X-Mykey-Timestamp";
inline constexpr std::string_view kNonceHeader = "X-Mykey-Nonce";
inline constexpr std::string_view kSignatureHeader = "X-Mykey-Signature";

/// Decoded query arguments, in the order they are sent.
using QueryArguments = std::span<const std::pair<std::string, std::string>>;

/// The request target as signed: the path, then, if there are query
/// arguments, '?' and `name=value` pairs joined by '&' in the given order.
/// Path, names and values are percent-encoded: every byte except the RFC 3986
/// unreserved characters (A-Z a-z 0-9 - . _ ~) becomes %XX (upper-case hex);
/// '/' stays as is in the path only. An argument without a value is `name=`.
/// @param path  the decoded path ("/v1/terminals/self")
/// @param query the decoded query arguments
/// @returns the target ("/v1/links?provider=A1&q=a%20b")
std::string CanonicalRequestTarget(std::string_view path, QueryArguments query = {});

/// The canonical string (see the top of this header).
/// @param method    "GET", "POST", ... exactly as sent
/// @param target    CanonicalRequestTarget() of the request
/// @param timestamp Unix seconds, written in decimal
/// @param nonce     the X-Mykey-Nonce value
/// @param body      the request body (empty for none)
std::string CanonicalRequestString(std::string_view method, std::string_view target,
                                   int64_t timestamp, std::string_view nonce,
                                   std::string_view body);

/// SHA-256 of CanonicalRequestString(): the digest that is signed.
crypto::Sha256Digest RequestSignatureDigest(std::string_view method, std::string_view target,
                                            int64_t timestamp, std::string_view nonce,
                                            std::string_view body);

/// True when `nonce` has 16..64 characters, all of A-Z a-z 0-9 '-' '_'.
bool IsValidRequestNonce(std::string_view nonce) noexcept;

/// A fresh nonce: 32 lower-case hex digits from 16 random bytes.
/// @returns kInternal if `random` fails.
Result<std::string> NewRequestNonce(crypto::RandomSource& random);

/// Parses an X-Mykey-Timestamp value: decimal digits only, no sign, no
/// leading zero (so that the text is exactly what the signer formatted).
/// @returns the seconds, or kInvalidArgument.
Result<int64_t> ParseRequestTimestamp(std::string_view text);

/// The four header values of a signed request.
///
/// Thread safety: a value type; not synchronised.
struct RequestSignatureHeaders {
  std::string terminal;   ///< X-Mykey-Terminal
  std::string timestamp;  ///< X-Mykey-Timestamp
  std::string nonce;      ///< X-Mykey-Nonce
  std::string signature;  ///< X-Mykey-Signature
};

/// Signs a request for a terminal.
/// @param key         the terminal's enrolled private key
/// @param terminal_id the id the cloud gave the terminal at enrollment
/// @param method      "GET", "POST", ...
/// @param target      CanonicalRequestTarget() of the request (also its request line)
/// @param body        the exact body bytes sent
/// @param timestamp   Unix seconds now
/// @param nonce       a fresh nonce (NewRequestNonce())
/// @returns the header values; kInvalidArgument if the nonce is not valid or
///          the terminal id is empty; kInternal if signing fails.
Result<RequestSignatureHeaders> SignRequest(const crypto::EcdsaPrivateKey& key,
                                            std::string_view terminal_id, std::string_view method,
                                            std::string_view target, std::string_view body,
                                            int64_t timestamp, std::string_view nonce);

/// Checks the signature of a request (not its freshness: the caller compares
/// the timestamp with its clock and refuses reused nonces).
/// @param key              the terminal's enrolled public key
/// @param signature_base64 the X-Mykey-Signature value
/// @returns Ok; kUnauthenticated if the signature is not Base64 of 64 bytes or
///          does not verify over these request parts.
Status VerifyRequestSignature(const crypto::EcdsaPublicKey& key, std::string_view method,
                              std::string_view target, int64_t timestamp, std::string_view nonce,
                              std::string_view body, std::string_view signature_base64);
/// As above with a key prepared for many verifications (the cloud keeps one
/// per terminal): the same requests verify.
Status VerifyRequestSignature(const crypto::PreparedEcdsaPublicKey& key, std::string_view method,
                              std::string_view target, int64_t timestamp, std::string_view nonce,
                              std::string_view body, std::string_view signature_base64);

}  // namespace mykey::protocol
