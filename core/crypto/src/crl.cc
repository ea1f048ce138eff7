#include "mykey/crypto/crl.h"

#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509_crl.h>

#include <algorithm>
#include <cstring>

#include "der_writer.h"
#include "mbedtls_glue.h"
#include "x509_internal.h"

namespace mykey::crypto {

namespace {

constexpr unsigned char kSequence = MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE;

ByteView View(const mbedtls_x509_buf& buf) {
  return ByteView(buf.p, buf.len);
}

bool OidIs(ByteView oid, std::string_view expected) {
  return oid.size() == expected.size() && std::memcmp(oid.data(), expected.data(), oid.size()) == 0;
}

/// Numeric order of normalised unsigned big-endian values.
bool SerialLess(const Bytes& a, const Bytes& b) {
  if (a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

}  // namespace

// ------------------------------------------------------------------------- Crl

struct Crl::State {
  Bytes der;
  std::string issuer;
  std::chrono::sys_seconds this_update{};
  std::chrono::sys_seconds next_update{};
  bool has_next_update = false;
  Bytes authority_key_id;
  Bytes crl_number;
  std::vector<Bytes> revoked;  // sorted by SerialLess
  // Offsets into der of the signed part and the signature.
  size_t tbs_offset = 0, tbs_size = 0, sig_offset = 0, sig_size = 0;
  mbedtls_md_type_t sig_md = MBEDTLS_MD_NONE;
  mbedtls_pk_type_t sig_pk = MBEDTLS_PK_NONE;
};

Crl::Crl(std::shared_ptr<const State> state) : state_(std::move(state)) {}

Result<Crl> Crl::FromDer(ByteView der) {
  // mbedTLS parses the whole list (one allocation per entry, linear time);
  // the parsed form is copied into compact arrays and released at once.
  mbedtls_x509_crl crl;
  mbedtls_x509_crl_init(&crl);
  struct Releaser {
    mbedtls_x509_crl* crl;
    ~Releaser() { mbedtls_x509_crl_free(crl); }
  } releaser{&crl};

  const int ret = mbedtls_x509_crl_parse_der(&crl, der.data(), der.size());
  if (ret != 0) return Fail(internal::MbedTlsError(ret, "not a valid X.509 CRL"));
  if (crl.raw.len != der.size() || crl.next != nullptr) {
    return Fail(ErrorCode::kInvalidArgument, "trailing data after the CRL");
  }
  auto state = std::make_shared<State>();
  state->der.assign(crl.raw.p, crl.raw.p + crl.raw.len);
  state->issuer = internal::DnToString(&crl.issuer);
  state->this_update = internal::FromX509Time(crl.this_update);
  state->has_next_update = crl.next_update.year != 0;
  if (state->has_next_update) state->next_update = internal::FromX509Time(crl.next_update);
  state->tbs_offset = static_cast<size_t>(crl.tbs.p - crl.raw.p);
  state->tbs_size = crl.tbs.len;
  state->sig_offset = static_cast<size_t>(crl.sig.p - crl.raw.p);
  state->sig_size = crl.sig.len;
  state->sig_md = crl.sig_md;
  state->sig_pk = crl.sig_pk;

  MYKEY_ASSIGN_OR_RETURN(auto extensions, internal::ReadExtensions(View(crl.crl_ext)));
  for (const internal::Extension& ext : extensions) {
    if (OidIs(ext.oid, MBEDTLS_OID_AUTHORITY_KEY_IDENTIFIER)) {
      state->authority_key_id = internal::ReadAuthorityKeyId(ext.value);
    } else if (OidIs(ext.oid, MBEDTLS_OID_CRL_NUMBER)) {
      unsigned char* p = const_cast<unsigned char*>(ext.value.data());
      size_t len = 0;
      if (mbedtls_asn1_get_tag(&p, p + ext.value.size(), &len, MBEDTLS_ASN1_INTEGER) == 0) {
        state->crl_number = internal::NormaliseUnsigned(ByteView(p, len));
      }
    }
  }

  size_t count = 0;
  for (const mbedtls_x509_crl_entry* e = &crl.entry; e != nullptr; e = e->next) {
    if (e->serial.len > 0) ++count;
  }
  state->revoked.reserve(count);
  for (const mbedtls_x509_crl_entry* e = &crl.entry; e != nullptr; e = e->next) {
    if (e->serial.len > 0) state->revoked.push_back(internal::NormaliseUnsigned(View(e->serial)));
  }
  std::sort(state->revoked.begin(), state->revoked.end(), SerialLess);
  return Crl(std::move(state));
}

ByteView Crl::der() const {
  return state_->der;
}

std::string Crl::issuer() const {
  return state_->issuer;
}

std::chrono::sys_seconds Crl::this_update() const {
  return state_->this_update;
}

std::chrono::sys_seconds Crl::next_update() const {
  return state_->next_update;
}

bool Crl::has_next_update() const {
  return state_->has_next_update;
}

Bytes Crl::authority_key_id() const {
  return state_->authority_key_id;
}

Bytes Crl::crl_number() const {
  return state_->crl_number;
}

size_t Crl::revoked_count() const {
  return state_->revoked.size();
}

bool Crl::IsRevoked(ByteView serial) const {
  const Bytes key = internal::NormaliseUnsigned(serial);
  return std::binary_search(state_->revoked.begin(), state_->revoked.end(), key, SerialLess);
}

const std::vector<Bytes>& Crl::RevokedSerials() const {
  return state_->revoked;
}

Status Crl::VerifySignedBy(const Certificate& issuer) const {
  const ByteView der = state_->der;
  return internal::VerifyTbsSignature(state_->sig_md, state_->sig_pk,
                                      der.subspan(state_->tbs_offset, state_->tbs_size),
                                      der.subspan(state_->sig_offset, state_->sig_size), issuer);
}

// ------------------------------------------------------------------ CrlBuilder

struct CrlBuilder::Fields {
  struct Entry {
    Bytes serial;
    std::chrono::sys_seconds date;
  };
  Bytes issuer_name;
  Bytes issuer_key_id;
  Bytes issuer_public_key;
  std::chrono::sys_seconds this_update{};
  bool has_this_update = false;
  std::chrono::sys_seconds next_update{};
  bool has_next_update = false;
  uint64_t crl_number = 1;
  std::vector<Entry> entries;
};

CrlBuilder::CrlBuilder() : fields_(std::make_unique<Fields>()) {}
CrlBuilder::~CrlBuilder() = default;
CrlBuilder::CrlBuilder(CrlBuilder&&) noexcept = default;
CrlBuilder& CrlBuilder::operator=(CrlBuilder&&) noexcept = default;

CrlBuilder& CrlBuilder::SetIssuer(const Certificate& ca) {
  const ByteView name = ca.subject_der();
  fields_->issuer_name.assign(name.begin(), name.end());
  fields_->issuer_key_id = ca.subject_key_id();
  auto key = ca.PublicKey();
  fields_->issuer_public_key = key ? key->ToDer() : Bytes();
  return *this;
}

CrlBuilder& CrlBuilder::SetThisUpdate(std::chrono::sys_seconds at) {
  fields_->this_update = at;
  fields_->has_this_update = true;
  return *this;
}

CrlBuilder& CrlBuilder::SetNextUpdate(std::chrono::sys_seconds at) {
  fields_->next_update = at;
  fields_->has_next_update = true;
  return *this;
}

CrlBuilder& CrlBuilder::SetCrlNumber(uint64_t number) {
  fields_->crl_number = number;
  return *this;
}

CrlBuilder& CrlBuilder::AddRevoked(ByteView serial, std::chrono::sys_seconds revocation_date) {
  fields_->entries.push_back({Bytes(serial.begin(), serial.end()), revocation_date});
  return *this;
}

size_t CrlBuilder::revoked_count() const {
  return fields_->entries.size();
}

Result<Bytes> CrlBuilder::Build(const RsaPrivateKey& ca_key) const {
  const Fields& f = *fields_;
  if (f.issuer_name.empty()) return Fail(ErrorCode::kInvalidArgument, "CRL has no issuer");
  if (!f.has_this_update) return Fail(ErrorCode::kInvalidArgument, "CRL has no thisUpdate");
  if (ca_key.PublicKey().ToDer() != f.issuer_public_key) {
    return Fail(ErrorCode::kInvalidArgument, "signing key is not the issuer certificate's key");
  }
  for (const Fields::Entry& e : f.entries) {
    if (e.serial.empty() || internal::NormaliseUnsigned(e.serial).size() > 20) {
      return Fail(ErrorCode::kInvalidArgument, "revoked serial must be 1..20 octets");
    }
  }
  Bytes number;
  for (int shift = 56; shift >= 0; shift -= 8) {
    number.push_back(static_cast<uint8_t>(f.crl_number >> shift));
  }

  constexpr unsigned char kContext = MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED;
  // Each entry: SEQUENCE(2..4) + INTEGER(2 + 21) + time(2 + 15).
  const size_t capacity = 4096 + f.issuer_name.size() + f.entries.size() * 48;
  MYKEY_ASSIGN_OR_RETURN(Bytes tbs, internal::WriteDer(capacity, [&](internal::DerWriter& w) {
                           const size_t tbs_mark = w.Mark();
                           // crlExtensions [0] EXPLICIT Extensions
                           const size_t ext_wrapper = w.Mark();
                           const size_t ext_seq = w.Mark();
                           {
                             const size_t ext = w.Mark();
                             const size_t octets = w.Mark();
                             w.UnsignedInteger(number);
                             w.Close(octets, MBEDTLS_ASN1_OCTET_STRING);
                             w.Oid(MBEDTLS_OID_CRL_NUMBER);
                             w.Close(ext, kSequence);
                           }
                           if (!f.issuer_key_id.empty()) {
                             const size_t ext = w.Mark();
                             const size_t octets = w.Mark();
                             const size_t akid = w.Mark();
                             const size_t key_id = w.Mark();
                             w.Raw(f.issuer_key_id);
                             w.Close(key_id, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 0);
                             w.Close(akid, kSequence);
                             w.Close(octets, MBEDTLS_ASN1_OCTET_STRING);
                             w.Oid(MBEDTLS_OID_AUTHORITY_KEY_IDENTIFIER);
                             w.Close(ext, kSequence);
                           }
                           w.Close(ext_seq, kSequence);
                           w.Close(ext_wrapper, kContext | 0);
                           // revokedCertificates, left out when empty (RFC 5280 §5.1.2.6).
                           if (!f.entries.empty()) {
                             const size_t list = w.Mark();
                             for (auto it = f.entries.rbegin(); it != f.entries.rend(); ++it) {
                               const size_t entry = w.Mark();
                               w.Time(it->date);
                               w.UnsignedInteger(it->serial);
                               w.Close(entry, kSequence);
                             }
                             w.Close(list, kSequence);
                           }
                           if (f.has_next_update) w.Time(f.next_update);
                           w.Time(f.this_update);
                           w.Raw(f.issuer_name);
                           w.Sha256WithRsaAlgorithm();
                           w.SmallInteger(1);  // v2
                           w.Close(tbs_mark, kSequence);
                         }));
  return internal::SignTbs(tbs, ca_key);
}

}  // namespace mykey::crypto
