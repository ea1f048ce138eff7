#include "mykey/crypto/x509.h"

#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>
#include <mbedtls/platform.h>
#include <mbedtls/sha1.h>
#include <mbedtls/x509_crt.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>

#include "der_writer.h"
#include "mbedtls_glue.h"
#include "mykey/base/base64.h"
#include "mykey/crypto/sha256.h"
#include "x509_internal.h"

namespace mykey::crypto {

namespace {

constexpr unsigned char kSequence = MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE;
constexpr unsigned char kSet = MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SET;

ByteView View(const mbedtls_x509_buf& buf) {
  return ByteView(buf.p, buf.len);
}

bool OidIs(ByteView oid, std::string_view expected) {
  return oid.size() == expected.size() && std::memcmp(oid.data(), expected.data(), oid.size()) == 0;
}

std::string OidText(ByteView oid) {
  mbedtls_asn1_buf buf{};
  buf.tag = MBEDTLS_ASN1_OID;
  buf.len = oid.size();
  buf.p = const_cast<unsigned char*>(oid.data());
  char text[128];
  const int n = mbedtls_oid_get_numeric_string(text, sizeof(text), &buf);
  return n > 0 ? std::string(text, static_cast<size_t>(n)) : std::string("?");
}

std::string HexColons(ByteView bytes) {
  std::string out;
  static constexpr char kDigits[] = "0123456789ABCDEF";
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i) out += ':';
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0x0F];
  }
  return out;
}

/// Reads GeneralNames contents [from, to) into "DirName: ..." / "URI: ..." strings.
void ReadGeneralNames(unsigned char* p, const unsigned char* end, std::vector<std::string>& out) {
  while (p < end) {
    const unsigned char tag = *p;
    size_t len = 0;
    ++p;
    if (mbedtls_asn1_get_len(&p, end, &len) != 0) return;
    unsigned char* next = p + len;
    if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 4)) {
      // directoryName [4] EXPLICIT Name
      unsigned char* q = p;
      size_t name_len = 0;
      if (mbedtls_asn1_get_tag(&q, next, &name_len, kSequence) == 0) {
        mbedtls_x509_name name{};
        if (mbedtls_x509_get_name(&q, q + name_len, &name) == 0) {
          out.push_back("DirName: " + internal::DnToString(&name));
        }
        mbedtls_x509_name* cur = name.next;
        while (cur != nullptr) {
          mbedtls_x509_name* following = cur->next;
          mbedtls_free(cur);
          cur = following;
        }
      }
    } else if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 6)) {
      out.push_back("URI: " + std::string(reinterpret_cast<const char*>(p), len));
    }
    p = next;
  }
}

std::vector<std::string> ReadCrlDistributionPoints(ByteView value) {
  std::vector<std::string> out;
  unsigned char* p = const_cast<unsigned char*>(value.data());
  const unsigned char* end = p + value.size();
  size_t len = 0;
  if (mbedtls_asn1_get_tag(&p, end, &len, kSequence) != 0) return out;
  end = p + len;
  while (p < end) {
    size_t dp_len = 0;
    if (mbedtls_asn1_get_tag(&p, end, &dp_len, kSequence) != 0) return out;
    unsigned char* dp_end = p + dp_len;
    unsigned char* q = p;
    size_t name_len = 0;
    // distributionPoint [0] DistributionPointName; fullName [0] GeneralNames.
    if (mbedtls_asn1_get_tag(&q, dp_end, &name_len,
                             MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0) == 0) {
      unsigned char* r = q;
      size_t full_len = 0;
      if (mbedtls_asn1_get_tag(&r, q + name_len, &full_len,
                               MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0) == 0) {
        ReadGeneralNames(r, r + full_len, out);
      }
    }
    p = dp_end;
  }
  return out;
}

}  // namespace

// ------------------------------------------------------------ internal helpers

namespace internal {

std::chrono::sys_seconds FromX509Time(const mbedtls_x509_time& t) {
  using namespace std::chrono;
  const sys_days date = year_month_day(year(t.year), month(static_cast<unsigned>(t.mon)),
                                       day(static_cast<unsigned>(t.day)));
  return date + hours(t.hour) + minutes(t.min) + seconds(t.sec);
}

std::string DnToString(const mbedtls_x509_name* name) {
  std::vector<char> buffer(4096);
  const int n = mbedtls_x509_dn_gets(buffer.data(), buffer.size(), name);
  return n > 0 ? std::string(buffer.data(), static_cast<size_t>(n)) : std::string();
}

Result<std::vector<Extension>> ReadExtensions(ByteView extensions) {
  std::vector<Extension> out;
  if (extensions.empty()) return out;
  unsigned char* p = const_cast<unsigned char*>(extensions.data());
  const unsigned char* end = p + extensions.size();
  size_t len = 0;
  int ret = mbedtls_asn1_get_tag(&p, end, &len, kSequence);
  if (ret != 0) return Fail(MbedTlsError(ret, "malformed extensions"));
  end = p + len;
  while (p < end) {
    size_t ext_len = 0;
    ret = mbedtls_asn1_get_tag(&p, end, &ext_len, kSequence);
    if (ret != 0) return Fail(MbedTlsError(ret, "malformed extension"));
    const unsigned char* ext_end = p + ext_len;
    Extension ext;
    size_t oid_len = 0;
    ret = mbedtls_asn1_get_tag(&p, ext_end, &oid_len, MBEDTLS_ASN1_OID);
    if (ret != 0) return Fail(MbedTlsError(ret, "malformed extension id"));
    ext.oid = ByteView(p, oid_len);
    p += oid_len;
    int critical = 0;
    ret = mbedtls_asn1_get_bool(&p, ext_end, &critical);
    if (ret != 0 && ret != MBEDTLS_ERR_ASN1_UNEXPECTED_TAG) {
      return Fail(MbedTlsError(ret, "malformed extension critical flag"));
    }
    ext.critical = critical != 0;
    size_t value_len = 0;
    ret = mbedtls_asn1_get_tag(&p, ext_end, &value_len, MBEDTLS_ASN1_OCTET_STRING);
    if (ret != 0) return Fail(MbedTlsError(ret, "malformed extension value"));
    ext.value = ByteView(p, value_len);
    p += value_len;
    if (p != ext_end) return Fail(ErrorCode::kInvalidArgument, "trailing data in extension");
    out.push_back(ext);
  }
  return out;
}

Bytes ReadAuthorityKeyId(ByteView value) {
  unsigned char* p = const_cast<unsigned char*>(value.data());
  const unsigned char* end = p + value.size();
  size_t len = 0;
  if (mbedtls_asn1_get_tag(&p, end, &len, kSequence) != 0) return {};
  end = p + len;
  // keyIdentifier [0] IMPLICIT OCTET STRING, first if present.
  if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 0) != 0) return {};
  return Bytes(p, p + len);
}

Bytes ReadSubjectKeyId(ByteView value) {
  unsigned char* p = const_cast<unsigned char*>(value.data());
  size_t len = 0;
  if (mbedtls_asn1_get_tag(&p, p + value.size(), &len, MBEDTLS_ASN1_OCTET_STRING) != 0) return {};
  return Bytes(p, p + len);
}

Status VerifyTbsSignature(mbedtls_md_type_t md, mbedtls_pk_type_t pk, ByteView tbs,
                          ByteView signature, const Certificate& issuer) {
  if (md != MBEDTLS_MD_SHA256 || pk != MBEDTLS_PK_RSA) {
    return Fail(ErrorCode::kUnimplemented, "only sha256WithRSAEncryption is supported");
  }
  MYKEY_ASSIGN_OR_RETURN(RsaPublicKey key, issuer.PublicKey());
  return key.VerifySha256(Sha256(tbs), signature);
}

std::string FormatTime(std::chrono::sys_seconds at) {
  using namespace std::chrono;
  const sys_days day = floor<days>(at);
  const year_month_day ymd(day);
  const hh_mm_ss<seconds> tod(at - day);
  char text[48];
  std::snprintf(text, sizeof(text), "%04d-%02u-%02u %02d:%02d:%02d UTC",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(tod.hours().count()),
                static_cast<int>(tod.minutes().count()), static_cast<int>(tod.seconds().count()));
  return text;
}

}  // namespace internal

// ----------------------------------------------------------------- Certificate

struct Certificate::State {
  mbedtls_x509_crt crt;
  std::vector<internal::Extension> extensions;
  Bytes subject_key_id;
  Bytes authority_key_id;
  std::vector<std::string> crl_distribution_points;

  State() { mbedtls_x509_crt_init(&crt); }
  ~State() { mbedtls_x509_crt_free(&crt); }
  State(const State&) = delete;
  State& operator=(const State&) = delete;
};

Certificate::Certificate(std::shared_ptr<const State> state) : state_(std::move(state)) {}

Result<Certificate> Certificate::FromDer(ByteView der) {
  auto state = std::make_shared<State>();
  const int ret = mbedtls_x509_crt_parse_der(&state->crt, der.data(), der.size());
  if (ret != 0) return Fail(internal::MbedTlsError(ret, "not a valid X.509 certificate"));
  if (state->crt.raw.len != der.size()) {
    return Fail(ErrorCode::kInvalidArgument, "trailing data after the certificate");
  }
  MYKEY_ASSIGN_OR_RETURN(state->extensions, internal::ReadExtensions(View(state->crt.v3_ext)));
  for (const internal::Extension& ext : state->extensions) {
    if (OidIs(ext.oid, MBEDTLS_OID_SUBJECT_KEY_IDENTIFIER)) {
      state->subject_key_id = internal::ReadSubjectKeyId(ext.value);
    } else if (OidIs(ext.oid, MBEDTLS_OID_AUTHORITY_KEY_IDENTIFIER)) {
      state->authority_key_id = internal::ReadAuthorityKeyId(ext.value);
    } else if (OidIs(ext.oid, MBEDTLS_OID_CRL_DISTRIBUTION_POINTS)) {
      state->crl_distribution_points = ReadCrlDistributionPoints(ext.value);
    }
  }
  return Certificate(std::move(state));
}

Result<Certificate> Certificate::FromPem(std::string_view pem) {
  MYKEY_ASSIGN_OR_RETURN(Bytes der, PemDecode(pem, "CERTIFICATE"));
  return FromDer(der);
}

ByteView Certificate::der() const {
  return View(state_->crt.raw);
}

std::string Certificate::ToPem() const {
  return PemEncode("CERTIFICATE", der());
}

Bytes Certificate::serial() const {
  return internal::NormaliseUnsigned(View(state_->crt.serial));
}

std::string Certificate::SerialHex() const {
  return ToHex(serial());
}

std::string Certificate::subject() const {
  return internal::DnToString(&state_->crt.subject);
}

std::string Certificate::issuer() const {
  return internal::DnToString(&state_->crt.issuer);
}

ByteView Certificate::subject_der() const {
  return View(state_->crt.subject_raw);
}

ByteView Certificate::issuer_der() const {
  return View(state_->crt.issuer_raw);
}

std::string Certificate::subject_common_name() const {
  for (const mbedtls_x509_name* n = &state_->crt.subject; n != nullptr; n = n->next) {
    if (n->oid.p != nullptr && OidIs(View(n->oid), MBEDTLS_OID_AT_CN)) {
      return std::string(reinterpret_cast<const char*>(n->val.p), n->val.len);
    }
  }
  return {};
}

std::chrono::sys_seconds Certificate::not_before() const {
  return internal::FromX509Time(state_->crt.valid_from);
}

std::chrono::sys_seconds Certificate::not_after() const {
  return internal::FromX509Time(state_->crt.valid_to);
}

Result<RsaPublicKey> Certificate::PublicKey() const {
  if (mbedtls_pk_get_type(&state_->crt.pk) != MBEDTLS_PK_RSA) {
    return Fail(ErrorCode::kInvalidArgument, "certificate key is not RSA");
  }
  // The tbsCertificate holds the SubjectPublicKeyInfo DER; re-encode it from
  // the parsed key (mbedTLS keeps no pointer to the raw SPKI).
  std::vector<unsigned char> buffer(4096);
  auto* pk = const_cast<mbedtls_pk_context*>(&state_->crt.pk);
  const int ret = mbedtls_pk_write_pubkey_der(pk, buffer.data(), buffer.size());
  if (ret < 0) return Fail(internal::MbedTlsError(ret, "cannot encode the certificate key"));
  return RsaPublicKey::FromDer(
      ByteView(buffer.data() + buffer.size() - static_cast<size_t>(ret), static_cast<size_t>(ret)));
}

bool Certificate::is_ca() const {
  return (state_->crt.ext_types & MBEDTLS_X509_EXT_BASIC_CONSTRAINTS) && state_->crt.ca_istrue;
}

bool Certificate::has_key_usage() const {
  return (state_->crt.ext_types & MBEDTLS_X509_EXT_KEY_USAGE) != 0;
}

uint32_t Certificate::key_usage() const {
  return has_key_usage() ? state_->crt.key_usage : 0;
}

Bytes Certificate::subject_key_id() const {
  return state_->subject_key_id;
}

Bytes Certificate::authority_key_id() const {
  return state_->authority_key_id;
}

std::vector<std::string> Certificate::crl_distribution_points() const {
  return state_->crl_distribution_points;
}

Status Certificate::VerifySignedBy(const Certificate& issuer) const {
  const mbedtls_x509_crt& crt = state_->crt;
  return internal::VerifyTbsSignature(crt.sig_md, crt.sig_pk, View(crt.tbs), View(crt.sig), issuer);
}

Status Certificate::CheckValidAt(std::chrono::sys_seconds at) const {
  if (at < not_before()) {
    return Fail(ErrorCode::kFailedPrecondition, "certificate is not yet valid", ErrorDomain::kNone,
                kCertificateNotYetValid);
  }
  if (at > not_after()) {
    return Fail(ErrorCode::kFailedPrecondition, "certificate has expired", ErrorDomain::kNone,
                kCertificateExpired);
  }
  return Ok();
}

std::string Certificate::ToText() const {
  const mbedtls_x509_crt& crt = state_->crt;
  std::string out = "Certificate:\n";
  out += "  Version: " + std::to_string(crt.version) + "\n";
  out += "  Serial number: " + SerialHex() + "\n";
  const char* sig_desc = nullptr;
  if (mbedtls_oid_get_sig_alg_desc(&crt.sig_oid, &sig_desc) != 0 || sig_desc == nullptr) {
    out += "  Signature algorithm: " + OidText(View(crt.sig_oid)) + "\n";
  } else {
    out += std::string("  Signature algorithm: ") + sig_desc + "\n";
  }
  out += "  Issuer: " + issuer() + "\n";
  out += "  Validity:\n";
  out += "    Not before: " + internal::FormatTime(not_before()) + "\n";
  out += "    Not after:  " + internal::FormatTime(not_after()) + "\n";
  out += "  Subject: " + subject() + "\n";
  if (auto key = PublicKey()) {
    out += "  Public key: RSA " + std::to_string(key->bits()) + " bits, exponent " +
           std::to_string(key->exponent()) + "\n";
  } else {
    out += std::string("  Public key: ") + mbedtls_pk_get_name(&crt.pk) + "\n";
  }
  if (!state_->extensions.empty()) out += "  Extensions:\n";
  for (const internal::Extension& ext : state_->extensions) {
    const std::string critical = ext.critical ? " (critical)" : "";
    if (OidIs(ext.oid, MBEDTLS_OID_BASIC_CONSTRAINTS)) {
      out += "    Basic constraints" + critical + ": CA:" + (crt.ca_istrue ? "TRUE" : "FALSE");
      if (crt.ca_istrue && crt.max_pathlen > 0) {
        out += ", pathlen:" + std::to_string(crt.max_pathlen - 1);
      }
      out += "\n";
    } else if (OidIs(ext.oid, MBEDTLS_OID_KEY_USAGE)) {
      static constexpr std::pair<uint32_t, const char*> kNames[] = {
          {MBEDTLS_X509_KU_DIGITAL_SIGNATURE, "digitalSignature"},
          {MBEDTLS_X509_KU_NON_REPUDIATION, "nonRepudiation"},
          {MBEDTLS_X509_KU_KEY_ENCIPHERMENT, "keyEncipherment"},
          {MBEDTLS_X509_KU_DATA_ENCIPHERMENT, "dataEncipherment"},
          {MBEDTLS_X509_KU_KEY_AGREEMENT, "keyAgreement"},
          {MBEDTLS_X509_KU_KEY_CERT_SIGN, "keyCertSign"},
          {MBEDTLS_X509_KU_CRL_SIGN, "cRLSign"},
          {MBEDTLS_X509_KU_ENCIPHER_ONLY, "encipherOnly"},
          {MBEDTLS_X509_KU_DECIPHER_ONLY, "decipherOnly"}};
      std::string names;
      for (const auto& [bit, name] : kNames) {
        if (crt.key_usage & bit) names += (names.empty() ? "" : ", ") + std::string(name);
      }
      out += "    Key usage" + critical + ": " + names + "\n";
    } else if (OidIs(ext.oid, MBEDTLS_OID_SUBJECT_KEY_IDENTIFIER)) {
      out +=
          "    Subject key identifier" + critical + ": " + HexColons(state_->subject_key_id) + "\n";
    } else if (OidIs(ext.oid, MBEDTLS_OID_AUTHORITY_KEY_IDENTIFIER)) {
      out += "    Authority key identifier" + critical + ": " +
             HexColons(state_->authority_key_id) + "\n";
    } else if (OidIs(ext.oid, MBEDTLS_OID_CRL_DISTRIBUTION_POINTS)) {
      out += "    CRL distribution points" + critical + ":\n";
      for (const std::string& point : state_->crl_distribution_points) {
        out += "      " + point + "\n";
      }
    } else {
      out += "    " + OidText(ext.oid) + critical + ": " + std::to_string(ext.value.size()) +
             " bytes\n";
    }
  }
  out += "  SHA-256 fingerprint: " + HexColons(Sha256(der())) + "\n";
  return out;
}

// ------------------------------------------------------------ chain functions

Result<size_t> FindIssuer(const Certificate& cert, std::span<const Certificate> candidates) {
  const Bytes akid = cert.authority_key_id();
  if (!akid.empty()) {
    for (size_t i = 0; i < candidates.size(); ++i) {
      if (candidates[i].subject_key_id() == akid && cert.VerifySignedBy(candidates[i])) return i;
    }
  }
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (cert.VerifySignedBy(candidates[i])) return i;
  }
  return Fail(ErrorCode::kNotFound, "no candidate signed the certificate");
}

Status VerifyChain(const Certificate& cert, std::span<const Certificate> anchors,
                   std::chrono::sys_seconds at) {
  MYKEY_TRY(cert.CheckValidAt(at));
  for (const Certificate& anchor : anchors) {
    if (std::ranges::equal(anchor.der(), cert.der())) return Ok();
  }
  auto index = FindIssuer(cert, anchors);
  if (!index) return Fail(ErrorCode::kUnauthenticated, "no trust anchor signed the certificate");
  const Certificate& anchor = anchors[*index];
  if (anchor.subject() != cert.issuer()) {
    return Fail(ErrorCode::kUnauthenticated, "issuer name differs from the anchor's subject");
  }
  if (!anchor.is_ca()) return Fail(ErrorCode::kUnauthenticated, "the signing anchor is not a CA");
  if (anchor.has_key_usage() && !(anchor.key_usage() & kKeyUsageKeyCertSign)) {
    return Fail(ErrorCode::kUnauthenticated, "the signing anchor may not sign certificates");
  }
  MYKEY_TRY(anchor.CheckValidAt(at));
  return Ok();
}

// ---------------------------------------------------------- CertificateBuilder

namespace {

struct DnAttribute {
  std::string_view oid;
  std::string value;
};

std::optional<std::string_view> AttributeOid(std::string_view key) {
  struct Entry {
    std::string_view key;
    std::string_view oid;
  };
  static const Entry kEntries[] = {
      {"C", MBEDTLS_OID_AT_COUNTRY},
      {"ST", MBEDTLS_OID_AT_STATE},
      {"L", MBEDTLS_OID_AT_LOCALITY},
      {"O", MBEDTLS_OID_AT_ORGANIZATION},
      {"OU", MBEDTLS_OID_AT_ORG_UNIT},
      {"CN", MBEDTLS_OID_AT_CN},
      {"SERIALNUMBER", MBEDTLS_OID_AT_SERIAL_NUMBER},
  };
  for (const Entry& e : kEntries) {
    if (e.key == key) return e.oid;
  }
  return std::nullopt;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

Result<std::vector<DnAttribute>> ParseDn(std::string_view dn) {
  std::vector<std::string> parts(1);
  for (size_t i = 0; i < dn.size(); ++i) {
    if (dn[i] == '\\' && i + 1 < dn.size()) {
      parts.back() += dn[++i];
    } else if (dn[i] == ',') {
      parts.emplace_back();
    } else {
      parts.back() += dn[i];
    }
  }
  std::vector<DnAttribute> out;
  for (const std::string& part : parts) {
    const size_t eq = part.find('=');
    if (eq == std::string::npos) return Fail(ErrorCode::kInvalidArgument, "DN part without '='");
    auto oid = AttributeOid(Trim(std::string_view(part).substr(0, eq)));
    if (!oid) return Fail(ErrorCode::kInvalidArgument, "unknown DN attribute");
    const std::string_view value = Trim(std::string_view(part).substr(eq + 1));
    if (value.empty()) return Fail(ErrorCode::kInvalidArgument, "empty DN attribute value");
    out.push_back({*oid, std::string(value)});
  }
  return out;
}

bool IsPrintableString(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view(" '()+,-./:=?").find(c) != std::string_view::npos;
  });
}

void WriteName(internal::DerWriter& w, const std::vector<DnAttribute>& attributes) {
  const size_t name = w.Mark();
  for (auto it = attributes.rbegin(); it != attributes.rend(); ++it) {
    const size_t rdn = w.Mark();
    const size_t atv = w.Mark();
    w.String(
        IsPrintableString(it->value) ? MBEDTLS_ASN1_PRINTABLE_STRING : MBEDTLS_ASN1_UTF8_STRING,
        it->value);
    w.Oid(it->oid);
    w.Close(atv, kSequence);
    w.Close(rdn, kSet);
  }
  w.Close(name, kSequence);
}

/// SHA-1 of the subjectPublicKey BIT STRING contents (RFC 5280 §4.2.1.2 (1)).
Result<Bytes> KeyIdentifier(ByteView spki) {
  unsigned char* p = const_cast<unsigned char*>(spki.data());
  const unsigned char* end = p + spki.size();
  size_t len = 0;
  int ret = mbedtls_asn1_get_tag(&p, end, &len, kSequence);
  if (ret == 0) {
    end = p + len;
    ret = mbedtls_asn1_get_tag(&p, end, &len, kSequence);  // AlgorithmIdentifier
  }
  if (ret == 0) {
    p += len;
    mbedtls_asn1_bitstring bits{};
    ret = mbedtls_asn1_get_bitstring(&p, end, &bits);
    if (ret == 0) {
      Bytes id(20);
      ret = mbedtls_sha1_ret(bits.p, bits.len, id.data());
      if (ret == 0) return id;
    }
  }
  return Fail(internal::MbedTlsError(ret, "malformed public key"));
}

void WriteExtension(internal::DerWriter& w, std::string_view oid, bool critical,
                    const std::function<void(internal::DerWriter&)>& value) {
  const size_t ext = w.Mark();
  const size_t octets = w.Mark();
  value(w);
  w.Close(octets, MBEDTLS_ASN1_OCTET_STRING);
  if (critical) w.Boolean(true);
  w.Oid(oid);
  w.Close(ext, kSequence);
}

}  // namespace

Result<Bytes> EncodeDistinguishedName(std::string_view dn) {
  MYKEY_ASSIGN_OR_RETURN(auto attributes, ParseDn(dn));
  return internal::WriteDer(1024, [&](internal::DerWriter& w) { WriteName(w, attributes); });
}

struct CertificateBuilder::Fields {
  std::string subject;
  std::optional<Bytes> issuer_name;
  Bytes issuer_key_id;
  Bytes issuer_public_key;
  Bytes serial;
  std::chrono::sys_seconds not_before{};
  std::chrono::sys_seconds not_after{};
  bool has_validity = false;
  Bytes public_key;
  bool is_ca = false;
  uint8_t key_usage = 0;
  std::string crl_distribution_point;
};

CertificateBuilder::CertificateBuilder() : fields_(std::make_unique<Fields>()) {}
CertificateBuilder::~CertificateBuilder() = default;
CertificateBuilder::CertificateBuilder(CertificateBuilder&&) noexcept = default;
CertificateBuilder& CertificateBuilder::operator=(CertificateBuilder&&) noexcept = default;

CertificateBuilder& CertificateBuilder::SetSubject(std::string_view dn) {
  fields_->subject = std::string(dn);
  return *this;
}

CertificateBuilder& CertificateBuilder::SetIssuer(const Certificate& issuer) {
  const ByteView name = issuer.subject_der();
  fields_->issuer_name = Bytes(name.begin(), name.end());
  fields_->issuer_key_id = issuer.subject_key_id();
  auto key = issuer.PublicKey();
  fields_->issuer_public_key = key ? key->ToDer() : Bytes();
  return *this;
}

CertificateBuilder& CertificateBuilder::SetSerial(ByteView serial) {
  fields_->serial.assign(serial.begin(), serial.end());
  return *this;
}

CertificateBuilder& CertificateBuilder::SetValidity(std::chrono::sys_seconds not_before,
                                                    std::chrono::sys_seconds not_after) {
  fields_->not_before = not_before;
  fields_->not_after = not_after;
  fields_->has_validity = true;
  return *this;
}

CertificateBuilder& CertificateBuilder::SetSubjectPublicKey(const RsaPublicKey& key) {
  fields_->public_key = key.ToDer();
  return *this;
}

CertificateBuilder& CertificateBuilder::SetCa(bool is_ca) {
  fields_->is_ca = is_ca;
  return *this;
}

CertificateBuilder& CertificateBuilder::SetKeyUsage(uint8_t bits) {
  fields_->key_usage = bits;
  return *this;
}

CertificateBuilder& CertificateBuilder::SetCrlDistributionPoint(std::string_view dn) {
  fields_->crl_distribution_point = std::string(dn);
  return *this;
}

Result<Bytes> CertificateBuilder::Build(const RsaPrivateKey& issuer_key) const {
  const Fields& f = *fields_;
  if (f.subject.empty()) return Fail(ErrorCode::kInvalidArgument, "certificate has no subject");
  if (f.public_key.empty()) return Fail(ErrorCode::kInvalidArgument, "certificate has no key");
  const Bytes serial = internal::NormaliseUnsigned(f.serial);
  if (f.serial.empty() || serial.size() > 20 || (serial.size() == 1 && serial[0] == 0)) {
    return Fail(ErrorCode::kInvalidArgument, "serial must be 1..20 octets and not zero");
  }
  if (!f.has_validity || f.not_after < f.not_before) {
    return Fail(ErrorCode::kInvalidArgument, "certificate validity missing or inverted");
  }
  MYKEY_ASSIGN_OR_RETURN(auto subject, ParseDn(f.subject));
  MYKEY_ASSIGN_OR_RETURN(Bytes subject_key_id, KeyIdentifier(f.public_key));
  Bytes issuer_key_id = f.issuer_key_id;
  if (!f.issuer_name) {
    if (issuer_key.PublicKey().ToDer() != f.public_key) {
      return Fail(ErrorCode::kInvalidArgument, "self-signed certificate needs its own key");
    }
    issuer_key_id = subject_key_id;
  } else if (issuer_key.PublicKey().ToDer() != f.issuer_public_key) {
    return Fail(ErrorCode::kInvalidArgument, "signing key is not the issuer certificate's key");
  }
  std::optional<std::vector<DnAttribute>> crl_dp;
  if (!f.crl_distribution_point.empty()) {
    MYKEY_ASSIGN_OR_RETURN(crl_dp, ParseDn(f.crl_distribution_point));
  }

  constexpr unsigned char kContext = MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED;
  MYKEY_ASSIGN_OR_RETURN(
      Bytes tbs, internal::WriteDer(8192, [&](internal::DerWriter& w) {
        const size_t tbs_mark = w.Mark();
        // [3] EXPLICIT Extensions, written last-first.
        const size_t ext_wrapper = w.Mark();
        const size_t ext_seq = w.Mark();
        if (crl_dp) {
          WriteExtension(
              w, MBEDTLS_OID_CRL_DISTRIBUTION_POINTS, false, [&](internal::DerWriter& x) {
                const size_t points = x.Mark();
                const size_t point = x.Mark();
                const size_t dp_name = x.Mark();
                const size_t full_name = x.Mark();
                const size_t dir_name = x.Mark();
                WriteName(x, *crl_dp);
                x.Close(dir_name, kContext | 4);   // directoryName [4] (EXPLICIT: Name is a CHOICE)
                x.Close(full_name, kContext | 0);  // fullName [0] GeneralNames
                x.Close(dp_name, kContext | 0);    // distributionPoint [0]
                x.Close(point, kSequence);
                x.Close(points, kSequence);
              });
        }
        if (!issuer_key_id.empty()) {
          WriteExtension(w, MBEDTLS_OID_AUTHORITY_KEY_IDENTIFIER, false,
                         [&](internal::DerWriter& x) {
                           const size_t akid = x.Mark();
                           const size_t key_id = x.Mark();
                           x.Raw(issuer_key_id);
                           x.Close(key_id, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 0);
                           x.Close(akid, kSequence);
                         });
        }
        WriteExtension(w, MBEDTLS_OID_SUBJECT_KEY_IDENTIFIER, false,
                       [&](internal::DerWriter& x) { x.OctetString(subject_key_id); });
        if (f.key_usage != 0) {
          WriteExtension(w, MBEDTLS_OID_KEY_USAGE, true, [&](internal::DerWriter& x) {
            unsigned unused = 0;
            while (!(f.key_usage & (1u << unused))) ++unused;
            x.BitString(ByteView(&f.key_usage, 1), unused);
          });
        }
        if (f.is_ca) {
          WriteExtension(w, MBEDTLS_OID_BASIC_CONSTRAINTS, true, [&](internal::DerWriter& x) {
            const size_t bc = x.Mark();
            x.Boolean(true);
            x.Close(bc, kSequence);
          });
        }
        w.Close(ext_seq, kSequence);
        w.Close(ext_wrapper, kContext | 3);

        w.Raw(f.public_key);
        WriteName(w, subject);
        const size_t validity = w.Mark();
        w.Time(f.not_after);
        w.Time(f.not_before);
        w.Close(validity, kSequence);
        if (f.issuer_name) {
          w.Raw(*f.issuer_name);
        } else {
          WriteName(w, subject);
        }
        w.Sha256WithRsaAlgorithm();
        w.UnsignedInteger(serial);
        const size_t version = w.Mark();
        w.SmallInteger(2);  // v3
        w.Close(version, kContext | 0);
        w.Close(tbs_mark, kSequence);
      }));
  return internal::SignTbs(tbs, issuer_key);
}

}  // namespace mykey::crypto
