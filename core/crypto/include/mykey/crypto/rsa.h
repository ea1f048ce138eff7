#pragma once

#include <memory>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/crypto/random.h"
#include "mykey/crypto/sha256.h"

namespace mykey::crypto {

/// An RSA public key.
///
/// Thread safety: const methods may be called concurrently.
class RsaPublicKey {
 public:
  /// Parses a DER SubjectPublicKeyInfo (or a PKCS#1 RSAPublicKey).
  /// @returns kInvalidArgument if it is not an RSA public key.
  static Result<RsaPublicKey> FromDer(ByteView der);

  RsaPublicKey(RsaPublicKey&&) noexcept;
  RsaPublicKey& operator=(RsaPublicKey&&) noexcept;
  ~RsaPublicKey();

  /// Modulus size in bits (2048 for JPKI).
  size_t bits() const;
  /// The public exponent (65537 for JPKI); 0 if it does not fit.
  uint64_t exponent() const;
  /// DER SubjectPublicKeyInfo.
  Bytes ToDer() const;

  /// Verifies a PKCS#1 v1.5 SHA256withRSA signature over `digest`.
  /// @returns kUnauthenticated if the signature does not verify.
  Status VerifySha256(const Sha256Digest& digest, ByteView signature) const;

 private:
  RsaPublicKey();
  friend class RsaPrivateKey;
  struct State;
  std::unique_ptr<State> state_;
};

/// An RSA private key.
///
/// Thread safety: const methods may be called concurrently except those
/// that take a RandomSource (which is not thread-safe itself).
class RsaPrivateKey {
 public:
  /// Generates a key (e = 65537). Deterministic if `random` is.
  static Result<RsaPrivateKey> Generate(size_t bits, RandomSource& random);
  /// Parses a DER PKCS#1 RSAPrivateKey or PKCS#8 PrivateKeyInfo.
  /// @returns kInvalidArgument if it is not an RSA private key.
  static Result<RsaPrivateKey> FromDer(ByteView der);

  RsaPrivateKey(RsaPrivateKey&&) noexcept;
  RsaPrivateKey& operator=(RsaPrivateKey&&) noexcept;
  ~RsaPrivateKey();

  size_t bits() const;
  /// DER PKCS#1 RSAPrivateKey, in a buffer wiped on destruction.
  SecretBytes ToDer() const;
  RsaPublicKey PublicKey() const;

  /// What the JPKI card does for SIGN: PKCS#1 v1.5 type-1 padding around the
  /// given DER DigestInfo, then the private-key operation (with blinding).
  /// @returns the signature (modulus size); kInvalidArgument if the
  /// DigestInfo is too long for the key.
  Result<Bytes> SignDigestInfo(ByteView digest_info) const;

  /// SHA256withRSA (PKCS#1 v1.5) over a digest.
  Result<Bytes> SignSha256(const Sha256Digest& digest) const;

 private:
  RsaPrivateKey();
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace mykey::crypto
