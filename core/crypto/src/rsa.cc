#include "mykey/crypto/rsa.h"

#include <mbedtls/bignum.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>

#include <mutex>
#include <vector>

#include "mbedtls_glue.h"

namespace mykey::crypto {

namespace {

constexpr int kPublicExponent = 65537;
// Large enough for the DER of an RSA-8192 private key.
constexpr size_t kKeyDerBufferSize = 8192;

size_t KeyBits(const mbedtls_pk_context& pk) {
  return mbedtls_pk_get_bitlen(&pk);
}

Result<Bytes> WritePublicDer(mbedtls_pk_context& pk) {
  std::vector<unsigned char> buffer(kKeyDerBufferSize);
  const int ret = mbedtls_pk_write_pubkey_der(&pk, buffer.data(), buffer.size());
  if (ret < 0) return Fail(internal::MbedTlsError(ret, "cannot write the public key"));
  // mbedTLS writes at the end of the buffer.
  return Bytes(buffer.end() - ret, buffer.end());
}

}  // namespace

// ---------------------------------------------------------------- RsaPublicKey

struct RsaPublicKey::State {
  mbedtls_pk_context pk;
  State() { mbedtls_pk_init(&pk); }
  ~State() { mbedtls_pk_free(&pk); }
  State(const State&) = delete;
  State& operator=(const State&) = delete;
};

RsaPublicKey::RsaPublicKey() : state_(std::make_unique<State>()) {}
RsaPublicKey::RsaPublicKey(RsaPublicKey&&) noexcept = default;
RsaPublicKey& RsaPublicKey::operator=(RsaPublicKey&&) noexcept = default;
RsaPublicKey::~RsaPublicKey() = default;

Result<RsaPublicKey> RsaPublicKey::FromDer(ByteView der) {
  RsaPublicKey key;
  const int ret = mbedtls_pk_parse_public_key(&key.state_->pk, der.data(), der.size());
  if (ret != 0) return Fail(internal::MbedTlsError(ret, "not a DER public key"));
  if (mbedtls_pk_get_type(&key.state_->pk) != MBEDTLS_PK_RSA) {
    return Fail(ErrorCode::kInvalidArgument, "not an RSA public key");
  }
  return key;
}

size_t RsaPublicKey::bits() const {
  return KeyBits(state_->pk);
}

uint64_t RsaPublicKey::exponent() const {
  mbedtls_mpi e;
  mbedtls_mpi_init(&e);
  uint64_t value = 0;
  if (mbedtls_rsa_export(mbedtls_pk_rsa(state_->pk), nullptr, nullptr, nullptr, nullptr, &e) == 0 &&
      mbedtls_mpi_bitlen(&e) <= 64) {
    unsigned char bytes[8] = {};
    if (mbedtls_mpi_write_binary(&e, bytes, sizeof(bytes)) == 0) {
      for (unsigned char b : bytes) value = (value << 8) | b;
    }
  }
  mbedtls_mpi_free(&e);
  return value;
}

Bytes RsaPublicKey::ToDer() const {
  auto der = WritePublicDer(state_->pk);
  // Writing a parsed key into a buffer sized for RSA-8192 cannot fail.
  return der ? std::move(*der) : Bytes();
}

Status RsaPublicKey::VerifySha256(const Sha256Digest& digest, ByteView signature) const {
  if (signature.size() != mbedtls_pk_get_len(&state_->pk)) {
    return Fail(ErrorCode::kUnauthenticated, "signature length differs from the modulus size");
  }
  const int ret = mbedtls_pk_verify(&state_->pk, MBEDTLS_MD_SHA256, digest.data(), digest.size(),
                                    signature.data(), signature.size());
  if (ret != 0) {
    Error error = internal::MbedTlsError(ret, "signature does not verify");
    // Whatever the library says about a bad signature, it is a bad signature.
    return Fail(
        Error(ErrorCode::kUnauthenticated, error.message(), error.domain(), error.detail()));
  }
  return Ok();
}

// --------------------------------------------------------------- RsaPrivateKey

struct RsaPrivateKey::State {
  mbedtls_pk_context pk;
  // Randomness for blinding the private-key operation; created on first use.
  std::mutex random_mutex;
  std::unique_ptr<SystemRandom> blinding_random;

  State() { mbedtls_pk_init(&pk); }
  ~State() { mbedtls_pk_free(&pk); }
  State(const State&) = delete;
  State& operator=(const State&) = delete;
};

RsaPrivateKey::RsaPrivateKey() : state_(std::make_unique<State>()) {}
RsaPrivateKey::RsaPrivateKey(RsaPrivateKey&&) noexcept = default;
RsaPrivateKey& RsaPrivateKey::operator=(RsaPrivateKey&&) noexcept = default;
RsaPrivateKey::~RsaPrivateKey() = default;

Result<RsaPrivateKey> RsaPrivateKey::Generate(size_t bits, RandomSource& random) {
  if (bits < 1024 || bits > 8192 || bits % 2 != 0) {
    return Fail(ErrorCode::kInvalidArgument, "RSA key size must be even, 1024..8192 bits");
  }
  RsaPrivateKey key;
  int ret = mbedtls_pk_setup(&key.state_->pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA));
  if (ret != 0) return Fail(internal::MbedTlsError(ret, "cannot set up an RSA key"));
  ret = mbedtls_rsa_gen_key(mbedtls_pk_rsa(key.state_->pk), &internal::DrawRandom, &random,
                            static_cast<unsigned int>(bits), kPublicExponent);
  if (ret != 0) return Fail(internal::MbedTlsError(ret, "RSA key generation failed"));
  return key;
}

Result<RsaPrivateKey> RsaPrivateKey::FromDer(ByteView der) {
  RsaPrivateKey key;
  const int ret = mbedtls_pk_parse_key(&key.state_->pk, der.data(), der.size(), nullptr, 0);
  if (ret != 0) return Fail(internal::MbedTlsError(ret, "not a DER private key"));
  if (mbedtls_pk_get_type(&key.state_->pk) != MBEDTLS_PK_RSA) {
    return Fail(ErrorCode::kInvalidArgument, "not an RSA private key");
  }
  return key;
}

size_t RsaPrivateKey::bits() const {
  return KeyBits(state_->pk);
}

SecretBytes RsaPrivateKey::ToDer() const {
  std::vector<unsigned char> buffer(kKeyDerBufferSize);
  const int ret = mbedtls_pk_write_key_der(&state_->pk, buffer.data(), buffer.size());
  SecretBytes out;
  if (ret > 0) {
    out = SecretBytes(ByteView(buffer.data() + buffer.size() - static_cast<size_t>(ret),
                               static_cast<size_t>(ret)));
  }
  SecureWipe(buffer.data(), buffer.size());
  return out;
}

RsaPublicKey RsaPrivateKey::PublicKey() const {
  RsaPublicKey key;
  mbedtls_rsa_context* from = mbedtls_pk_rsa(state_->pk);
  // Copy only N and E: the public half.
  if (mbedtls_pk_setup(&key.state_->pk, mbedtls_pk_info_from_type(MBEDTLS_PK_RSA)) == 0) {
    mbedtls_rsa_context* to = mbedtls_pk_rsa(key.state_->pk);
    mbedtls_mpi n, e;
    mbedtls_mpi_init(&n);
    mbedtls_mpi_init(&e);
    if (mbedtls_rsa_export(from, &n, nullptr, nullptr, nullptr, &e) == 0 &&
        mbedtls_rsa_import(to, &n, nullptr, nullptr, nullptr, &e) == 0) {
      (void)mbedtls_rsa_complete(to);
    }
    mbedtls_mpi_free(&n);
    mbedtls_mpi_free(&e);
  }
  return key;
}

Result<Bytes> RsaPrivateKey::SignDigestInfo(ByteView digest_info) const {
  const size_t modulus_size = mbedtls_pk_get_len(&state_->pk);
  // Type-1 padding needs 00 01, at least 8 bytes FF, and 00.
  if (digest_info.empty() || digest_info.size() + 11 > modulus_size) {
    return Fail(ErrorCode::kInvalidArgument, "DigestInfo too long for the key");
  }
  std::lock_guard<std::mutex> lock(state_->random_mutex);
  if (!state_->blinding_random) {
    MYKEY_ASSIGN_OR_RETURN(state_->blinding_random, SystemRandom::Create());
  }
  Bytes signature(modulus_size);
  // MD_NONE: mbedTLS pads the given bytes as they are (the DigestInfo).
  const int ret = mbedtls_rsa_rsassa_pkcs1_v15_sign(
      mbedtls_pk_rsa(state_->pk), &internal::DrawRandom, state_->blinding_random.get(),
      MBEDTLS_RSA_PRIVATE, MBEDTLS_MD_NONE, static_cast<unsigned int>(digest_info.size()),
      digest_info.data(), signature.data());
  if (ret != 0) return Fail(internal::MbedTlsError(ret, "RSA signing failed"));
  return signature;
}

Result<Bytes> RsaPrivateKey::SignSha256(const Sha256Digest& digest) const {
  return SignDigestInfo(Sha256DigestInfo(digest));
}

}  // namespace mykey::crypto
