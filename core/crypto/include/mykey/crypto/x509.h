#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/crypto/rsa.h"

namespace mykey::crypto {

/// The `detail` of the kFailedPrecondition error Certificate::CheckValidAt()
/// returns (domain ErrorDomain::kNone), so callers can tell the two apart
/// without reading the message.
inline constexpr int64_t kCertificateNotYetValid = 1;
inline constexpr int64_t kCertificateExpired = 2;

/// True if `error` says a certificate is past its notAfter.
constexpr bool IsCertificateExpired(const Error& error) {
  return error.code() == ErrorCode::kFailedPrecondition &&
         error.Is(ErrorDomain::kNone, kCertificateExpired);
}
/// True if `error` says a certificate is before its notBefore.
constexpr bool IsCertificateNotYetValid(const Error& error) {
  return error.code() == ErrorCode::kFailedPrecondition &&
         error.Is(ErrorDomain::kNone, kCertificateNotYetValid);
}

/// KeyUsage bits, as in the first octet of the DER BIT STRING (RFC 5280 §4.2.1.3).
inline constexpr uint8_t kKeyUsageDigitalSignature = 0x80;
inline constexpr uint8_t kKeyUsageNonRepudiation = 0x40;
inline constexpr uint8_t kKeyUsageKeyEncipherment = 0x20;
inline constexpr uint8_t kKeyUsageDataEncipherment = 0x10;
inline constexpr uint8_t kKeyUsageKeyAgreement = 0x08;
inline constexpr uint8_t kKeyUsageKeyCertSign = 0x04;
inline constexpr uint8_t kKeyUsageCrlSign = 0x02;

/// A parsed X.509 v3 certificate (DER). Immutable.
///
/// Copies are cheap (they share the parsed form).
///
/// Thread safety: immutable; all methods may be called concurrently.
class Certificate {
 public:
  /// Parses a DER certificate.
  /// @returns kInvalidArgument (domain kMbedTls) if it is not a valid certificate
  /// (an unknown *critical* extension also makes it invalid).
  static Result<Certificate> FromDer(ByteView der);
  /// Parses the first "CERTIFICATE" block of a PEM text.
  /// @returns kNotFound if there is no such block; kInvalidArgument if it is malformed.
  static Result<Certificate> FromPem(std::string_view pem);

  /// The DER encoding, exactly as parsed.
  ByteView der() const;
  /// PEM ("-----BEGIN CERTIFICATE-----").
  std::string ToPem() const;

  /// The serial number as an unsigned big-endian magnitude without leading
  /// zero octets (at least one octet): the JPKI 発行番号.
  Bytes serial() const;
  /// serial() in upper-case hex ("0A1B2C...").
  std::string SerialHex() const;

  /// Names as text, in certificate order: "C=JP, O=JPKI, OU=..., OU=...".
  std::string subject() const;
  std::string issuer() const;
  /// The DER of the subject / issuer Name (SEQUENCE), exactly as encoded.
  ByteView subject_der() const;
  ByteView issuer_der() const;
  /// The subject's first commonName; empty if it has none.
  std::string subject_common_name() const;

  std::chrono::sys_seconds not_before() const;
  std::chrono::sys_seconds not_after() const;

  /// The subject public key.
  /// @returns kInvalidArgument if it is not an RSA key.
  Result<RsaPublicKey> PublicKey() const;

  /// BasicConstraints cA is TRUE.
  bool is_ca() const;
  /// True if the KeyUsage extension is present.
  bool has_key_usage() const;
  /// KeyUsage bits (kKeyUsage...); 0 if the extension is absent.
  uint32_t key_usage() const;
  /// SubjectKeyIdentifier; empty if absent.
  Bytes subject_key_id() const;
  /// AuthorityKeyIdentifier keyIdentifier; empty if absent.
  Bytes authority_key_id() const;
  /// CRL distribution point names: "DirName: C=JP, ..." or "URI: http://...".
  std::vector<std::string> crl_distribution_points() const;

  /// Checks that `issuer`'s key signed this certificate (sha256WithRSAEncryption).
  /// Does not check names, validity or CA flags (VerifyChain() does).
  /// @returns kUnauthenticated if the signature does not verify;
  /// kUnimplemented for another signature algorithm; kInvalidArgument if the
  /// issuer's key is not RSA.
  Status VerifySignedBy(const Certificate& issuer) const;

  /// Checks notBefore <= at <= notAfter.
  /// @returns kFailedPrecondition with detail kCertificateNotYetValid before
  /// notBefore, or kCertificateExpired after notAfter (see IsCertificateExpired()).
  Status CheckValidAt(std::chrono::sys_seconds at) const;

  /// A readable multi-line dump: version, serial, signature algorithm, issuer,
  /// validity, subject, key, extensions, SHA-256 fingerprint.
  std::string ToText() const;

 private:
  struct State;
  explicit Certificate(std::shared_ptr<const State> state);
  std::shared_ptr<const State> state_;
};

/// Finds the issuer of `cert` among `candidates`: first a candidate whose
/// SubjectKeyIdentifier equals cert's AuthorityKeyIdentifier and whose key
/// verifies cert's signature, else any candidate whose key verifies it. Never
/// by name alone (JPKI's CA generations share one DN).
/// @returns the index in `candidates`; kNotFound if none signed it.
Result<size_t> FindIssuer(const Certificate& cert, std::span<const Certificate> candidates);

/// Verifies `cert` against trust anchors at time `at`: cert valid at `at`;
/// cert is itself an anchor, or an anchor (found by FindIssuer()) whose
/// subject equals cert's issuer, that is a CA (and, if KeyUsage is present,
/// has keyCertSign), is valid at `at`, and whose key signed cert.
/// @returns kFailedPrecondition (IsCertificateExpired() /
/// IsCertificateNotYetValid()) if cert or its anchor is outside its validity;
/// kUnauthenticated if no anchor signed cert or the anchor may not sign certificates.
Status VerifyChain(const Certificate& cert, std::span<const Certificate> anchors,
                   std::chrono::sys_seconds at);

/// Writes X.509 v3 certificates with the JPKI profile (jpki-card.md §6):
/// sha256WithRSAEncryption, BasicConstraints (critical) on CAs, KeyUsage
/// (critical), SubjectKeyIdentifier (SHA-1 of the key, RFC 5280 method 1),
/// AuthorityKeyIdentifier, and an optional CRL distribution point given as a
/// directory name. For test hierarchies: real JPKI certificates come from J-LIS.
///
/// Distinguished names are given as text "C=JP, O=JPKI, OU=..., CN=..."
/// (attributes C, ST, L, O, OU, CN, SERIALNUMBER; a ',' inside a value is
/// written "\,"), encoded in that order, PrintableString where the value
/// allows it and UTF8String otherwise.
///
/// Thread safety: not thread-safe; a value type.
class CertificateBuilder {
 public:
  CertificateBuilder();
  ~CertificateBuilder();
  CertificateBuilder(CertificateBuilder&&) noexcept;
  CertificateBuilder& operator=(CertificateBuilder&&) noexcept;

  /// The subject DN (text, see above).
  CertificateBuilder& SetSubject(std::string_view dn);
  /// Issued by `issuer`: copies its subject Name bytes and uses its
  /// SubjectKeyIdentifier as our AuthorityKeyIdentifier. Without this call
  /// the certificate is self-signed.
  CertificateBuilder& SetIssuer(const Certificate& issuer);
  /// The serial number, unsigned big-endian (1..20 octets after leading zeros
  /// are removed; encoded as a positive INTEGER).
  CertificateBuilder& SetSerial(ByteView serial);
  CertificateBuilder& SetValidity(std::chrono::sys_seconds not_before,
                                  std::chrono::sys_seconds not_after);
  CertificateBuilder& SetSubjectPublicKey(const RsaPublicKey& key);
  /// BasicConstraints critical cA TRUE (else no BasicConstraints extension).
  CertificateBuilder& SetCa(bool is_ca);
  /// KeyUsage (critical) from kKeyUsage... bits; 0 leaves the extension out.
  CertificateBuilder& SetKeyUsage(uint8_t bits);
  /// A CRL distribution point whose fullName is this directoryName (text DN);
  /// empty leaves the extension out.
  CertificateBuilder& SetCrlDistributionPoint(std::string_view dn);

  /// Encodes and signs with `issuer_key` (the subject's own key if self-signed).
  /// @returns DER; kInvalidArgument if a field is missing or malformed
  /// (no subject, serial or key, unknown DN attribute, notAfter before
  /// notBefore), or if a self-signed certificate's key differs from `issuer_key`.
  Result<Bytes> Build(const RsaPrivateKey& issuer_key) const;

 private:
  struct Fields;
  std::unique_ptr<Fields> fields_;
};

/// Encodes a text DN ("C=JP, O=JPKI, ...", as CertificateBuilder takes it)
/// as a DER Name.
/// @returns kInvalidArgument for an empty DN, an unknown attribute or an empty value.
Result<Bytes> EncodeDistinguishedName(std::string_view dn);

}  // namespace mykey::crypto
