#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/crypto/rsa.h"
#include "mykey/crypto/x509.h"

namespace mykey::crypto {

/// A parsed X.509 v2 certificate revocation list (DER), as J-LIS publishes
/// them daily (jpki-card.md §6). Built for large lists: the revoked serials
/// are kept in a sorted array, IsRevoked() is a binary search.
///
/// Copies are cheap (they share the parsed form).
///
/// Thread safety: immutable; all methods may be called concurrently.
class Crl {
 public:
  /// Parses a DER CRL.
  /// @returns kInvalidArgument (domain kMbedTls or kParse) if it is malformed.
  static Result<Crl> FromDer(ByteView der);

  /// The DER encoding, exactly as parsed.
  ByteView der() const;
  /// Issuer as text: "C=JP, O=JPKI, OU=...".
  std::string issuer() const;
  std::chrono::sys_seconds this_update() const;
  /// nextUpdate; the epoch if the CRL has none (see has_next_update()).
  std::chrono::sys_seconds next_update() const;
  bool has_next_update() const;
  /// AuthorityKeyIdentifier keyIdentifier (which CA generation signed it); empty if absent.
  Bytes authority_key_id() const;
  /// cRLNumber as unsigned big-endian bytes; empty if absent.
  Bytes crl_number() const;

  size_t revoked_count() const;
  /// True if `serial` (unsigned big-endian, leading zero octets ignored) is listed.
  bool IsRevoked(ByteView serial) const;
  /// The revoked serials, normalised like Certificate::serial(), sorted
  /// (shorter first, then bytewise).
  const std::vector<Bytes>& RevokedSerials() const;

  /// Checks that `issuer`'s key signed this CRL (sha256WithRSAEncryption).
  /// @returns kUnauthenticated if it does not verify; kUnimplemented for
  /// another signature algorithm.
  Status VerifySignedBy(const Certificate& issuer) const;

 private:
  struct State;
  explicit Crl(std::shared_ptr<const State> state);
  std::shared_ptr<const State> state_;
};

/// Writes an X.509 v2 CRL: issuer Name copied from the CA certificate,
/// thisUpdate, nextUpdate, revokedCertificates (serial + revocationDate, in
/// the order added), extensions cRLNumber and AuthorityKeyIdentifier,
/// sha256WithRSAEncryption. Handles hundreds of thousands of entries.
///
/// Thread safety: not thread-safe; a value type.
class CrlBuilder {
 public:
  CrlBuilder();
  ~CrlBuilder();
  CrlBuilder(CrlBuilder&&) noexcept;
  CrlBuilder& operator=(CrlBuilder&&) noexcept;

  /// The issuing CA: its subject Name and SubjectKeyIdentifier are copied.
  CrlBuilder& SetIssuer(const Certificate& ca);
  CrlBuilder& SetThisUpdate(std::chrono::sys_seconds at);
  CrlBuilder& SetNextUpdate(std::chrono::sys_seconds at);
  CrlBuilder& SetCrlNumber(uint64_t number);
  /// Lists `serial` (unsigned big-endian) as revoked at `revocation_date`.
  CrlBuilder& AddRevoked(ByteView serial, std::chrono::sys_seconds revocation_date);
  /// Entries added so far.
  size_t revoked_count() const;

  /// Encodes and signs with the CA's private key.
  /// @returns DER; kInvalidArgument if the issuer or thisUpdate is missing, a
  /// serial is empty or longer than 20 octets, or `ca_key` is not the issuer's key.
  Result<Bytes> Build(const RsaPrivateKey& ca_key) const;

 private:
  struct Fields;
  std::unique_ptr<Fields> fields_;
};

}  // namespace mykey::crypto
