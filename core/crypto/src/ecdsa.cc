#include "mykey/crypto/ecdsa.h"

#include <cstring>

#include <mbedtls/bignum.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>

#include <algorithm>
#include <mutex>
#include <vector>

#include "mbedtls_glue.h"
#include "mykey/base/base64.h"

namespace mykey::crypto {

namespace {

constexpr size_t kScalarSize = 32;

// SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING (66 bytes: 00 || point) }:
// every P-256 SubjectPublicKeyInfo starts with these 26 bytes.
constexpr uint8_t kSpkiPrefix[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48,
                                   0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08, 0x2A, 0x86, 0x48,
                                   0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00};

// Errors of this file carry the raw mbedTLS code; the ECP codes are mapped
// here because the shared table knows RSA, PK and X.509 only.
Error EcError(ErrorCode code, int ret, const char* message) {
  return Error(code, message, ErrorDomain::kMbedTls, ret);
}

// RAII holders for the mbedTLS structures used in one call.
struct Mpi {
  mbedtls_mpi value;
  Mpi() { mbedtls_mpi_init(&value); }
  ~Mpi() { mbedtls_mpi_free(&value); }
  Mpi(const Mpi&) = delete;
  Mpi& operator=(const Mpi&) = delete;
};

struct Group {
  mbedtls_ecp_group value;
  Group() { mbedtls_ecp_group_init(&value); }
  ~Group() { mbedtls_ecp_group_free(&value); }
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;
};

struct Point {
  mbedtls_ecp_point value;
  Point() { mbedtls_ecp_point_init(&value); }
  ~Point() { mbedtls_ecp_point_free(&value); }
  Point(const Point&) = delete;
  Point& operator=(const Point&) = delete;
};

Result<std::array<uint8_t, kEcdsaP256PointSize>> WritePoint(const mbedtls_ecp_group& group,
                                                            const mbedtls_ecp_point& point) {
  std::array<uint8_t, kEcdsaP256PointSize> out{};
  size_t written = 0;
  const int ret = mbedtls_ecp_point_write_binary(&group, &point, MBEDTLS_ECP_PF_UNCOMPRESSED,
                                                 &written, out.data(), out.size());
  if (ret != 0 || written != out.size()) {
    return Fail(EcError(ErrorCode::kInternal, ret, "cannot write the EC public point"));
  }
  return out;
}

// One DER INTEGER from a 32-byte big-endian magnitude: minimal, positive.
void AppendDerInteger(Bytes& out, ByteView magnitude) {
  size_t start = 0;
  while (start + 1 < magnitude.size() && magnitude[start] == 0) ++start;
  const bool pad = (magnitude[start] & 0x80) != 0;
  out.push_back(0x02);
  out.push_back(static_cast<uint8_t>(magnitude.size() - start + (pad ? 1 : 0)));
  if (pad) out.push_back(0x00);
  out.insert(out.end(), magnitude.begin() + static_cast<std::ptrdiff_t>(start), magnitude.end());
}

// Reads one DER INTEGER at `at` into `out` (32 bytes, right-aligned).
Status ReadDerInteger(ByteView der, size_t& at, uint8_t* out) {
  if (at + 2 > der.size() || der[at] != 0x02) {
    return Fail(ErrorCode::kInvalidArgument, "ECDSA signature: INTEGER expected");
  }
  const size_t length = der[at + 1];
  at += 2;
  if (length == 0 || length > kScalarSize + 1 || at + length > der.size()) {
    return Fail(ErrorCode::kInvalidArgument, "ECDSA signature: bad INTEGER length");
  }
  ByteView value = der.subspan(at, length);
  at += length;
  if ((value[0] & 0x80) != 0) {
    return Fail(ErrorCode::kInvalidArgument, "ECDSA signature: negative INTEGER");
  }
  if (value.size() > 1 && value[0] == 0 && (value[1] & 0x80) == 0) {
    return Fail(ErrorCode::kInvalidArgument, "ECDSA signature: non-minimal INTEGER");
  }
  if (value[0] == 0) value = value.subspan(1);
  if (value.size() > kScalarSize) {
    return Fail(ErrorCode::kInvalidArgument, "ECDSA signature: INTEGER longer than 32 bytes");
  }
  std::fill(out, out + kScalarSize, uint8_t{0});
  std::copy(value.begin(), value.end(), out + (kScalarSize - value.size()));
  return Ok();
}

/// The P-256 group for verification, loaded once with mbedTLS's comb table of
/// multiples of G computed up front (mbedtls_ecp_group_load() starts without
/// it; mbedTLS 2.28 has no static tables, so a group loaded per call spent
/// about a third of each verification rebuilding it). mbedTLS only reads a
/// group whose table is present (ecp_mul_comb() takes grp->T when P is G and
/// writes grp->T only when it was NULL), so after the constructor the group
/// is shared read-only by every thread. If the table could not be built,
/// `ready` is false and each verification loads its own group as before.
struct VerifyGroup {
  mbedtls_ecp_group value;
  bool ready = false;

  VerifyGroup() {
    mbedtls_ecp_group_init(&value);
    if (mbedtls_ecp_group_load(&value, MBEDTLS_ECP_DP_SECP256R1) != 0) return;
    // 2*G + 2*G: any multiple of G other than +-1 goes through the comb
    // multiplication that stores the table in the group.
    Point sum;
    Mpi two;
    if (mbedtls_mpi_lset(&two.value, 2) != 0) return;
    if (mbedtls_ecp_muladd(&value, &sum.value, &two.value, &value.G, &two.value, &value.G) != 0) {
      return;
    }
    ready = true;
  }
  ~VerifyGroup() { mbedtls_ecp_group_free(&value); }
  VerifyGroup(const VerifyGroup&) = delete;
  VerifyGroup& operator=(const VerifyGroup&) = delete;
};

/// The shared group (built on first use; C++ makes that thread-safe).
VerifyGroup& SharedVerifyGroup() {
  static VerifyGroup group;
  return group;
}

}  // namespace

// -------------------------------------------------------------- EcdsaPublicKey

Result<EcdsaPublicKey> EcdsaPublicKey::FromUncompressedPoint(ByteView point) {
  if (point.size() != kEcdsaP256PointSize || point[0] != 0x04) {
    return Fail(ErrorCode::kInvalidArgument, "not an uncompressed P-256 point");
  }
  Group group;
  Point q;
  int ret = mbedtls_ecp_group_load(&group.value, MBEDTLS_ECP_DP_SECP256R1);
  if (ret != 0) return Fail(EcError(ErrorCode::kInternal, ret, "cannot load the P-256 group"));
  ret = mbedtls_ecp_point_read_binary(&group.value, &q.value, point.data(), point.size());
  if (ret == 0) ret = mbedtls_ecp_check_pubkey(&group.value, &q.value);
  if (ret != 0) {
    return Fail(EcError(ErrorCode::kInvalidArgument, ret, "the point is not on P-256"));
  }
  EcdsaPublicKey key;
  std::copy(point.begin(), point.end(), key.point_.begin());
  return key;
}

Result<EcdsaPublicKey> EcdsaPublicKey::FromDer(ByteView der) {
  mbedtls_pk_context pk;
  mbedtls_pk_init(&pk);
  const int ret = mbedtls_pk_parse_public_key(&pk, der.data(), der.size());
  Result<EcdsaPublicKey> result = Fail(ErrorCode::kInvalidArgument, "not an EC public key");
  if (ret != 0) {
    result = Fail(EcError(ErrorCode::kInvalidArgument, ret, "not a DER public key"));
  } else if (mbedtls_pk_get_type(&pk) == MBEDTLS_PK_ECKEY ||
             mbedtls_pk_get_type(&pk) == MBEDTLS_PK_ECDSA) {
    const mbedtls_ecp_keypair* keypair = mbedtls_pk_ec(pk);
    if (keypair == nullptr || keypair->grp.id != MBEDTLS_ECP_DP_SECP256R1) {
      result = Fail(ErrorCode::kInvalidArgument, "EC public key is not on P-256");
    } else if (auto point = WritePoint(keypair->grp, keypair->Q)) {
      result = FromUncompressedPoint(*point);
    } else {
      result = Fail(point.error());
    }
  }
  mbedtls_pk_free(&pk);
  return result;
}

Result<EcdsaPublicKey> EcdsaPublicKey::FromPem(std::string_view pem) {
  MYKEY_ASSIGN_OR_RETURN(Bytes der, PemDecode(pem, "PUBLIC KEY"));
  return FromDer(der);
}

Bytes EcdsaPublicKey::ToDer() const {
  // Sized once and filled with memcpy: GCC 12 with optimisation reports a
  // false -Warray-bounds for vector::insert here.
  Bytes der(sizeof(kSpkiPrefix) + point_.size());
  std::memcpy(der.data(), kSpkiPrefix, sizeof(kSpkiPrefix));
  std::memcpy(der.data() + sizeof(kSpkiPrefix), point_.data(), point_.size());
  return der;
}

std::string EcdsaPublicKey::ToPem() const {
  return PemEncode("PUBLIC KEY", ToDer());
}

EcdsaKeyId EcdsaPublicKey::KeyId() const {
  const Sha256Digest digest = Sha256(ToDer());
  EcdsaKeyId id{};
  std::copy_n(digest.begin(), id.size(), id.begin());
  return id;
}

Status EcdsaPublicKey::Verify(const Sha256Digest& digest, ByteView signature) const {
  if (signature.size() != kEcdsaP256SignatureSize) {
    return Fail(ErrorCode::kUnauthenticated, "ECDSA signature is not 64 bytes");
  }
  VerifyGroup& shared = SharedVerifyGroup();
  Group own;
  mbedtls_ecp_group* group = &shared.value;
  int ret = 0;
  if (!shared.ready) {
    ret = mbedtls_ecp_group_load(&own.value, MBEDTLS_ECP_DP_SECP256R1);
    if (ret != 0) return Fail(EcError(ErrorCode::kInternal, ret, "cannot load the P-256 group"));
    group = &own.value;
  }
  Point q;
  Mpi r;
  Mpi s;
  ret = mbedtls_ecp_point_read_binary(group, &q.value, point_.data(), point_.size());
  if (ret != 0) return Fail(EcError(ErrorCode::kInternal, ret, "cannot load the public point"));
  if (mbedtls_mpi_read_binary(&r.value, signature.data(), kScalarSize) != 0 ||
      mbedtls_mpi_read_binary(&s.value, signature.data() + kScalarSize, kScalarSize) != 0) {
    return Fail(ErrorCode::kResourceExhausted, "cannot allocate the signature integers");
  }
  // mbedtls_ecdsa_verify also refuses r or s outside [1, n-1].
  ret = mbedtls_ecdsa_verify(group, digest.data(), digest.size(), &q.value, &r.value, &s.value);
  if (ret != 0) {
    return Fail(EcError(ErrorCode::kUnauthenticated, ret, "ECDSA signature does not verify"));
  }
  return Ok();
}

Status EcdsaPublicKey::VerifyDer(const Sha256Digest& digest, ByteView der_signature) const {
  auto raw = EcdsaSignatureFromDer(der_signature);
  if (!raw) return Fail(ErrorCode::kUnauthenticated, "ECDSA signature is not valid DER");
  return Verify(digest, *raw);
}

// ------------------------------------------------------ PreparedEcdsaPublicKey

struct PreparedEcdsaPublicKey::State {
  // P-256 with the key's point as its generator: mbedTLS keeps the comb table
  // of a group's generator in the group (see VerifyGroup); built in Prepare()
  // and only read afterwards.
  Group group;
  // mbedtls_ecp_group_load() points the curve's constants, G included, at
  // static data (grp.h == 1) that mbedtls_ecp_group_free() leaves alone: the
  // key's point gets storage of its own, freed here.
  bool own_generator = false;

  State() = default;
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  ~State() {
    if (own_generator) mbedtls_ecp_point_free(&group.value.G);
  }
};

PreparedEcdsaPublicKey::PreparedEcdsaPublicKey(EcdsaPublicKey key, std::unique_ptr<State> state)
    : key_(key), state_(std::move(state)) {}

PreparedEcdsaPublicKey::~PreparedEcdsaPublicKey() = default;

Result<std::unique_ptr<PreparedEcdsaPublicKey>> PreparedEcdsaPublicKey::Prepare(
    const EcdsaPublicKey& key) {
  auto state = std::make_unique<State>();
  mbedtls_ecp_group& group = state->group.value;
  int ret = mbedtls_ecp_group_load(&group, MBEDTLS_ECP_DP_SECP256R1);
  if (ret != 0) return Fail(EcError(ErrorCode::kInternal, ret, "cannot load the P-256 group"));
  Point q;
  ret = mbedtls_ecp_point_read_binary(&group, &q.value, key.point_.data(), key.point_.size());
  if (ret != 0) return Fail(EcError(ErrorCode::kInternal, ret, "cannot load the public point"));
  if (group.h == 1) {
    mbedtls_ecp_point_init(&group.G);  // not freed: static data
    state->own_generator = true;
  }
  ret = mbedtls_ecp_copy(&group.G, &q.value);
  if (ret != 0) return Fail(EcError(ErrorCode::kResourceExhausted, ret, "cannot copy the point"));
  // The first multiplication of the generator (by anything but +-1) stores
  // the table in the group.
  Point warm;
  Mpi two;
  if (mbedtls_mpi_lset(&two.value, 2) != 0) {
    return Fail(ErrorCode::kResourceExhausted, "cannot allocate an integer");
  }
  ret = mbedtls_ecp_mul(&group, &warm.value, &two.value, &group.G, nullptr, nullptr);
  if (ret != 0) return Fail(EcError(ErrorCode::kInternal, ret, "cannot build the key's table"));
  return std::unique_ptr<PreparedEcdsaPublicKey>(new PreparedEcdsaPublicKey(key, std::move(state)));
}

Status PreparedEcdsaPublicKey::Verify(const Sha256Digest& digest, ByteView signature) const {
  if (signature.size() != kEcdsaP256SignatureSize) {
    return Fail(ErrorCode::kUnauthenticated, "ECDSA signature is not 64 bytes");
  }
  VerifyGroup& shared = SharedVerifyGroup();
  if (!shared.ready) return key_.Verify(digest, signature);
  mbedtls_ecp_group& g = shared.value;
  mbedtls_ecp_group& q = state_->group.value;
  const Error does_not_verify(ErrorCode::kUnauthenticated, "ECDSA signature does not verify");
  Mpi r, s, e, s_inv, u1, u2, one, v;
  if (mbedtls_mpi_read_binary(&r.value, signature.data(), kScalarSize) != 0 ||
      mbedtls_mpi_read_binary(&s.value, signature.data() + kScalarSize, kScalarSize) != 0 ||
      mbedtls_mpi_read_binary(&e.value, digest.data(), digest.size()) != 0 ||
      mbedtls_mpi_lset(&one.value, 1) != 0) {
    return Fail(ErrorCode::kResourceExhausted, "cannot allocate the signature integers");
  }
  // SEC 1 4.1.4, as mbedtls_ecdsa_verify(): r and s in [1, n-1]; e is the
  // digest (256 bits: no truncation) reduced below n; u1 = e/s, u2 = r/s
  // mod n; R = u1 G + u2 Q not zero; R.x mod n = r.
  if (mbedtls_mpi_cmp_int(&r.value, 1) < 0 || mbedtls_mpi_cmp_mpi(&r.value, &g.N) >= 0 ||
      mbedtls_mpi_cmp_int(&s.value, 1) < 0 || mbedtls_mpi_cmp_mpi(&s.value, &g.N) >= 0) {
    return Fail(does_not_verify);
  }
  int ret = 0;
  if (mbedtls_mpi_cmp_mpi(&e.value, &g.N) >= 0) {
    ret = mbedtls_mpi_sub_mpi(&e.value, &e.value, &g.N);
  }
  if (ret == 0) ret = mbedtls_mpi_inv_mod(&s_inv.value, &s.value, &g.N);
  if (ret == 0) ret = mbedtls_mpi_mul_mpi(&u1.value, &e.value, &s_inv.value);
  if (ret == 0) ret = mbedtls_mpi_mod_mpi(&u1.value, &u1.value, &g.N);
  if (ret == 0) ret = mbedtls_mpi_mul_mpi(&u2.value, &r.value, &s_inv.value);
  if (ret == 0) ret = mbedtls_mpi_mod_mpi(&u2.value, &u2.value, &g.N);
  if (ret != 0) return Fail(EcError(ErrorCode::kResourceExhausted, ret, "ECDSA arithmetic failed"));
  // u1 = 0 (a digest that is a multiple of n) is refused by mbedtls_ecp_mul
  // as a scalar out of range: no such SHA-256 digest is known, and refusing
  // it is on the safe side.
  Point r1, r2, sum;
  ret = mbedtls_ecp_mul(&g, &r1.value, &u1.value, &g.G, nullptr, nullptr);
  if (ret == 0) ret = mbedtls_ecp_mul(&q, &r2.value, &u2.value, &q.G, nullptr, nullptr);
  // 1 R1 + 1 R2: mbedTLS's only public point addition.
  if (ret == 0) {
    ret = mbedtls_ecp_muladd(&g, &sum.value, &one.value, &r1.value, &one.value, &r2.value);
  }
  if (ret != 0 || mbedtls_ecp_is_zero(&sum.value) != 0) return Fail(does_not_verify);
  if (mbedtls_mpi_mod_mpi(&v.value, &sum.value.X, &g.N) != 0 ||
      mbedtls_mpi_cmp_mpi(&v.value, &r.value) != 0) {
    return Fail(does_not_verify);
  }
  return Ok();
}

// ------------------------------------------------------------- EcdsaPrivateKey

struct EcdsaPrivateKey::State {
  mbedtls_pk_context pk;
  EcdsaPublicKey public_key;
  EcdsaKeyId key_id{};
  // Signing mutates the group (mbedTLS caches a table of multiples of G in it)
  // and draws blinding randomness: one signature at a time.
  std::mutex sign_mutex;
  std::unique_ptr<SystemRandom> blinding_random;

  State() { mbedtls_pk_init(&pk); }
  ~State() { mbedtls_pk_free(&pk); }
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  // After the key is loaded: checks the curve, caches the public half.
  Status Finish() {
    if (mbedtls_pk_get_type(&pk) != MBEDTLS_PK_ECKEY &&
        mbedtls_pk_get_type(&pk) != MBEDTLS_PK_ECDSA) {
      return Fail(ErrorCode::kInvalidArgument, "not an EC private key");
    }
    const mbedtls_ecp_keypair* keypair = mbedtls_pk_ec(pk);
    if (keypair == nullptr || keypair->grp.id != MBEDTLS_ECP_DP_SECP256R1) {
      return Fail(ErrorCode::kInvalidArgument, "EC private key is not on P-256");
    }
    const int ret = mbedtls_ecp_check_privkey(&keypair->grp, &keypair->d);
    if (ret != 0) {
      return Fail(EcError(ErrorCode::kInvalidArgument, ret, "EC private scalar out of range"));
    }
    MYKEY_ASSIGN_OR_RETURN(auto point, WritePoint(keypair->grp, keypair->Q));
    MYKEY_ASSIGN_OR_RETURN(public_key, EcdsaPublicKey::FromUncompressedPoint(point));
    key_id = public_key.KeyId();
    return Ok();
  }
};

EcdsaPrivateKey::EcdsaPrivateKey() : state_(std::make_unique<State>()) {}
EcdsaPrivateKey::EcdsaPrivateKey(EcdsaPrivateKey&&) noexcept = default;
EcdsaPrivateKey& EcdsaPrivateKey::operator=(EcdsaPrivateKey&&) noexcept = default;
EcdsaPrivateKey::~EcdsaPrivateKey() = default;

Result<EcdsaPrivateKey> EcdsaPrivateKey::Generate(RandomSource& random) {
  EcdsaPrivateKey key;
  int ret = mbedtls_pk_setup(&key.state_->pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
  if (ret != 0) return Fail(internal::MbedTlsError(ret, "cannot set up an EC key"));
  ret = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key.state_->pk),
                            &internal::DrawRandom, &random);
  if (ret != 0) return Fail(EcError(ErrorCode::kInternal, ret, "EC key generation failed"));
  MYKEY_TRY(key.state_->Finish());
  return key;
}

Result<EcdsaPrivateKey> EcdsaPrivateKey::FromDer(ByteView der) {
  EcdsaPrivateKey key;
  const int ret = mbedtls_pk_parse_key(&key.state_->pk, der.data(), der.size(), nullptr, 0);
  if (ret != 0) {
    return Fail(EcError(ErrorCode::kInvalidArgument, ret, "not a DER private key"));
  }
  MYKEY_TRY(key.state_->Finish());
  return key;
}

Result<EcdsaPrivateKey> EcdsaPrivateKey::FromPem(std::string_view pem) {
  auto der = PemDecode(pem, "EC PRIVATE KEY");
  if (!der && der.error().code() == ErrorCode::kNotFound) der = PemDecode(pem, "PRIVATE KEY");
  if (!der) return Fail(der.error());
  SecretBytes secret(*der);
  SecureWipe(der->data(), der->size());
  return FromDer(secret.view());
}

SecretBytes EcdsaPrivateKey::ToDer() const {
  std::vector<unsigned char> buffer(512);
  const int ret = mbedtls_pk_write_key_der(&state_->pk, buffer.data(), buffer.size());
  SecretBytes out;
  if (ret > 0) {
    // mbedTLS writes at the end of the buffer.
    out = SecretBytes(ByteView(buffer.data() + buffer.size() - static_cast<size_t>(ret),
                               static_cast<size_t>(ret)));
  }
  SecureWipe(buffer.data(), buffer.size());
  return out;
}

std::string EcdsaPrivateKey::ToPem() const {
  const SecretBytes der = ToDer();
  return PemEncode("EC PRIVATE KEY", der.view());
}

EcdsaPublicKey EcdsaPrivateKey::PublicKey() const {
  return state_->public_key;
}

EcdsaKeyId EcdsaPrivateKey::KeyId() const {
  return state_->key_id;
}

Result<Bytes> EcdsaPrivateKey::Sign(const Sha256Digest& digest) const {
  std::lock_guard<std::mutex> lock(state_->sign_mutex);
  if (!state_->blinding_random) {
    MYKEY_ASSIGN_OR_RETURN(state_->blinding_random, SystemRandom::Create());
  }
  mbedtls_ecp_keypair* keypair = mbedtls_pk_ec(state_->pk);
  Mpi r;
  Mpi s;
  // RFC 6979: k comes from HMAC_DRBG over the key and the digest; the blinding
  // randomness changes the computation, never the result.
  int ret = mbedtls_ecdsa_sign_det_ext(&keypair->grp, &r.value, &s.value, &keypair->d,
                                       digest.data(), digest.size(), MBEDTLS_MD_SHA256,
                                       &internal::DrawRandom, state_->blinding_random.get());
  if (ret != 0) return Fail(EcError(ErrorCode::kInternal, ret, "ECDSA signing failed"));
  Bytes signature(kEcdsaP256SignatureSize);
  ret = mbedtls_mpi_write_binary(&r.value, signature.data(), kScalarSize);
  if (ret == 0) {
    ret = mbedtls_mpi_write_binary(&s.value, signature.data() + kScalarSize, kScalarSize);
  }
  if (ret != 0) return Fail(EcError(ErrorCode::kInternal, ret, "cannot write the signature"));
  return signature;
}

Result<Bytes> EcdsaPrivateKey::SignDer(const Sha256Digest& digest) const {
  MYKEY_ASSIGN_OR_RETURN(Bytes raw, Sign(digest));
  return EcdsaSignatureToDer(raw);
}

// ----------------------------------------------------------- signature formats

namespace {

// n, the order of P-256's group (SEC 2, 2.4.2), and n/2 rounded down, big-endian.
constexpr std::array<uint8_t, kScalarSize> kGroupOrder = {
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51};
constexpr std::array<uint8_t, kScalarSize> kHalfGroupOrder = {
    0x7F, 0xFF, 0xFF, 0xFF, 0x80, 0x00, 0x00, 0x00, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xDE, 0x73, 0x7D, 0x56, 0xD3, 0x8B, 0xCF, 0x42, 0x79, 0xDC, 0xE5, 0x61, 0x7E, 0x31, 0x92, 0xA8};

// Compares two 32-byte big-endian integers: <0, 0, >0.
int CompareScalars(ByteView a, ByteView b) {
  for (size_t i = 0; i < kScalarSize; ++i) {
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

bool IsZeroScalar(ByteView a) {
  return std::all_of(a.begin(), a.end(), [](uint8_t b) { return b == 0; });
}

}  // namespace

bool IsLowSEcdsaSignature(ByteView raw_signature) noexcept {
  if (raw_signature.size() != kEcdsaP256SignatureSize) return false;
  const ByteView s = raw_signature.subspan(kScalarSize);
  return !IsZeroScalar(s) && CompareScalars(s, kHalfGroupOrder) <= 0;
}

Result<Bytes> LowSEcdsaSignature(ByteView raw_signature) {
  if (raw_signature.size() != kEcdsaP256SignatureSize) {
    return Fail(ErrorCode::kInvalidArgument, "raw ECDSA signature is not 64 bytes");
  }
  const ByteView s = raw_signature.subspan(kScalarSize);
  if (IsZeroScalar(s) || CompareScalars(s, kGroupOrder) >= 0) {
    return Fail(ErrorCode::kInvalidArgument, "ECDSA signature's s is out of range");
  }
  Bytes out(raw_signature.begin(), raw_signature.end());
  if (CompareScalars(s, kHalfGroupOrder) <= 0) return out;
  // s := n - s, byte by byte from the least significant end with a borrow.
  int borrow = 0;
  for (size_t i = kScalarSize; i-- > 0;) {
    int digit = int{kGroupOrder[i]} - int{s[i]} - borrow;
    borrow = digit < 0 ? 1 : 0;
    out[kScalarSize + i] = static_cast<uint8_t>(digit + 256 * borrow);
  }
  return out;
}

Result<Bytes> EcdsaSignatureToDer(ByteView raw_signature) {
  if (raw_signature.size() != kEcdsaP256SignatureSize) {
    return Fail(ErrorCode::kInvalidArgument, "raw ECDSA signature is not 64 bytes");
  }
  Bytes body;
  AppendDerInteger(body, raw_signature.first(kScalarSize));
  AppendDerInteger(body, raw_signature.subspan(kScalarSize));
  // At most 2 * (2 + 33) = 70 bytes: always the short length form.
  Bytes der = {0x30, static_cast<uint8_t>(body.size())};
  der.insert(der.end(), body.begin(), body.end());
  return der;
}

Result<Bytes> EcdsaSignatureFromDer(ByteView der_signature) {
  if (der_signature.size() < 2 || der_signature[0] != 0x30 ||
      der_signature[1] != der_signature.size() - 2) {
    return Fail(ErrorCode::kInvalidArgument, "ECDSA signature: not a short DER SEQUENCE");
  }
  Bytes raw(kEcdsaP256SignatureSize);
  size_t at = 2;
  MYKEY_TRY(ReadDerInteger(der_signature, at, raw.data()));
  MYKEY_TRY(ReadDerInteger(der_signature, at, raw.data() + kScalarSize));
  if (at != der_signature.size()) {
    return Fail(ErrorCode::kInvalidArgument, "ECDSA signature: data after the integers");
  }
  return raw;
}

}  // namespace mykey::crypto
