#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/crypto/random.h"
#include "mykey/crypto/sha256.h"

namespace mykey::crypto {

/// Size of a raw ECDSA P-256 signature: r || s, each a 32-byte big-endian integer.
inline constexpr size_t kEcdsaP256SignatureSize = 64;
/// Size of an uncompressed P-256 point: 0x04 || X || Y.
inline constexpr size_t kEcdsaP256PointSize = 65;

/// Names an ECDSA public key: the first 8 bytes of SHA-256 over the key's DER
/// SubjectPublicKeyInfo (ToDer()). Short enough to travel in a voucher QR code,
/// long enough that two keys of one issuer never share an id in practice (key
/// rings still refuse a duplicate).
using EcdsaKeyId = std::array<uint8_t, 8>;

/// An ECDSA public key on NIST P-256 (secp256r1, prime256v1). A small value:
/// copyable, comparable, no library state.
///
/// Thread safety: a value type; const methods may be called concurrently.
class EcdsaPublicKey {
 public:
  /// Parses a DER SubjectPublicKeyInfo (id-ecPublicKey, namedCurve prime256v1).
  /// @returns kInvalidArgument if it is not a DER public key, not an EC key,
  /// not on P-256, or the point is not on the curve.
  static Result<EcdsaPublicKey> FromDer(ByteView der);
  /// Parses the first "PUBLIC KEY" block of a PEM text.
  /// @returns kNotFound if there is no such block; kInvalidArgument as FromDer().
  static Result<EcdsaPublicKey> FromPem(std::string_view pem);
  /// Takes an uncompressed point (0x04 || X || Y, 65 bytes).
  /// @returns kInvalidArgument if it is not 65 bytes, not uncompressed, or not on the curve.
  static Result<EcdsaPublicKey> FromUncompressedPoint(ByteView point);

  /// DER SubjectPublicKeyInfo (91 bytes).
  Bytes ToDer() const;
  /// PEM "-----BEGIN PUBLIC KEY-----".
  std::string ToPem() const;
  /// 0x04 || X || Y.
  const std::array<uint8_t, kEcdsaP256PointSize>& point() const { return point_; }
  /// See EcdsaKeyId: SHA-256(ToDer())[0..8).
  EcdsaKeyId KeyId() const;

  /// Verifies a raw r || s signature (kEcdsaP256SignatureSize bytes) over a
  /// SHA-256 digest.
  /// @returns Ok, or kUnauthenticated if the signature has the wrong length, r
  /// or s is out of range, or it does not verify.
  Status Verify(const Sha256Digest& digest, ByteView signature) const;
  /// Verifies a DER (SEQUENCE { r INTEGER, s INTEGER }) signature, as
  /// X.509, TLS and `openssl dgst` use.
  /// @returns Ok, or kUnauthenticated if it is malformed or does not verify.
  Status VerifyDer(const Sha256Digest& digest, ByteView der_signature) const;

  friend bool operator==(const EcdsaPublicKey&, const EcdsaPublicKey&) = default;

 private:
  friend class EcdsaPrivateKey;
  friend class PreparedEcdsaPublicKey;
  EcdsaPublicKey() = default;
  std::array<uint8_t, kEcdsaP256PointSize> point_{};
};

/// An ECDSA P-256 public key prepared for many verifications: mbedTLS's
/// table of multiples of the key's point is built once (about as much work as
/// one verification, and about 6 KiB), after which a verification is two
/// multiplications with precomputed tables instead of one with a table and
/// one that builds its own: about 0.6 of EcdsaPublicKey::Verify()'s time.
/// For a verifier that sees the same keys again and again (the cloud and its
/// terminals).
///
/// Thread safety: Verify() may be called concurrently (the tables are only
/// read once built).
class PreparedEcdsaPublicKey {
 public:
  /// Builds the table of `key`.
  /// @returns kResourceExhausted or kInternal if mbedTLS cannot.
  static Result<std::unique_ptr<PreparedEcdsaPublicKey>> Prepare(const EcdsaPublicKey& key);
  ~PreparedEcdsaPublicKey();
  PreparedEcdsaPublicKey(const PreparedEcdsaPublicKey&) = delete;
  PreparedEcdsaPublicKey& operator=(const PreparedEcdsaPublicKey&) = delete;

  const EcdsaPublicKey& key() const { return key_; }

  /// As EcdsaPublicKey::Verify(): the same signatures verify.
  /// @returns Ok, or kUnauthenticated if it is malformed or does not verify.
  Status Verify(const Sha256Digest& digest, ByteView signature) const;

 private:
  struct State;
  PreparedEcdsaPublicKey(EcdsaPublicKey key, std::unique_ptr<State> state);
  EcdsaPublicKey key_;
  std::unique_ptr<State> state_;
};

/// An ECDSA private key on NIST P-256. Signing is deterministic (RFC 6979):
/// the same key and digest always give the same signature, so tests and
/// golden files are repeatable; the scalar multiplication is still blinded
/// with system randomness.
///
/// Thread safety: const methods may be called concurrently (signing is
/// serialised inside the key); Generate() borrows a RandomSource, which is not
/// thread-safe itself.
class EcdsaPrivateKey {
 public:
  /// Generates a key. Deterministic if `random` is (DeterministicRandom: for
  /// tests and the test JPKI only).
  /// @returns kInternal if the random source or the library fails.
  static Result<EcdsaPrivateKey> Generate(RandomSource& random);
  /// Parses a DER SEC1 ECPrivateKey (RFC 5915) or an unencrypted PKCS#8
  /// PrivateKeyInfo holding one.
  /// @returns kInvalidArgument if it is not such a key, or not on P-256.
  static Result<EcdsaPrivateKey> FromDer(ByteView der);
  /// Parses the first "EC PRIVATE KEY" (SEC1) or "PRIVATE KEY" (PKCS#8) PEM block.
  /// @returns kNotFound if there is neither; kInvalidArgument as FromDer().
  static Result<EcdsaPrivateKey> FromPem(std::string_view pem);

  EcdsaPrivateKey(EcdsaPrivateKey&&) noexcept;
  EcdsaPrivateKey& operator=(EcdsaPrivateKey&&) noexcept;
  ~EcdsaPrivateKey();

  /// DER SEC1 ECPrivateKey (with the curve and the public key), in a buffer
  /// wiped on destruction.
  SecretBytes ToDer() const;
  /// PEM "-----BEGIN EC PRIVATE KEY-----" (what `openssl ec` writes).
  std::string ToPem() const;
  EcdsaPublicKey PublicKey() const;
  /// PublicKey().KeyId(), computed once.
  EcdsaKeyId KeyId() const;

  /// Signs a SHA-256 digest: raw r || s, exactly kEcdsaP256SignatureSize bytes
  /// (compact for QR codes).
  /// @returns kInternal if the library or the blinding randomness fails.
  Result<Bytes> Sign(const Sha256Digest& digest) const;
  /// As Sign(), DER-encoded (SEQUENCE { r INTEGER, s INTEGER }).
  Result<Bytes> SignDer(const Sha256Digest& digest) const;

 private:
  EcdsaPrivateKey();
  struct State;
  std::unique_ptr<State> state_;
};

/// Whether a raw r || s P-256 signature is in low-S form: 1 <= s <= n/2, n
/// the order of the curve's group. Of the two signatures (r, s) and (r, n - s)
/// that verify for one message and key, exactly one is low-S: a format that
/// accepts only low-S signatures has one valid signature per message (not
/// malleable). Verify() itself accepts both (MYKEY-REQ-1 requests from
/// terminals signed by other libraries have either); callers that need one
/// signature per message check this too.
/// @returns false for a signature that is not kEcdsaP256SignatureSize bytes
///          or whose s is 0 or above n/2.
bool IsLowSEcdsaSignature(ByteView raw_signature) noexcept;

/// The low-S form of a raw r || s P-256 signature: s replaced by n - s when
/// s > n/2 (it still verifies; see IsLowSEcdsaSignature()).
/// @returns the signature; kInvalidArgument if it is not
///          kEcdsaP256SignatureSize bytes, or s is 0 or not below n.
Result<Bytes> LowSEcdsaSignature(ByteView raw_signature);

/// Converts a raw r || s signature to DER.
/// @returns kInvalidArgument if it is not kEcdsaP256SignatureSize bytes.
Result<Bytes> EcdsaSignatureToDer(ByteView raw_signature);
/// Converts a DER signature to raw r || s.
/// @returns kInvalidArgument if it is not a DER SEQUENCE of two positive
/// INTEGERs of at most 32 bytes each, with nothing after it.
Result<Bytes> EcdsaSignatureFromDer(ByteView der_signature);

}  // namespace mykey::crypto
