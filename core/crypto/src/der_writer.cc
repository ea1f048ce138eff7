#include "der_writer.h"

#include <mbedtls/asn1write.h>
#include <mbedtls/oid.h>

#include <cstdio>

#include "mbedtls_glue.h"
#include "mykey/crypto/sha256.h"

namespace mykey::crypto::internal {

DerWriter::DerWriter(size_t capacity) : buffer_(capacity), p_(buffer_.data() + buffer_.size()) {}

void DerWriter::Add(int ret) {
  if (ret < 0 && error_ == 0) error_ = ret;
}

void DerWriter::Close(size_t mark, unsigned char tag) {
  const size_t len = written() - mark;
  Add(mbedtls_asn1_write_len(&p_, buffer_.data(), len));
  Add(mbedtls_asn1_write_tag(&p_, buffer_.data(), tag));
}

void DerWriter::Raw(ByteView bytes) {
  Add(mbedtls_asn1_write_raw_buffer(&p_, buffer_.data(), bytes.data(), bytes.size()));
}

void DerWriter::Oid(std::string_view oid_der) {
  Add(mbedtls_asn1_write_oid(&p_, buffer_.data(), oid_der.data(), oid_der.size()));
}

void DerWriter::UnsignedInteger(ByteView magnitude) {
  const size_t mark = Mark();
  const Bytes value = NormaliseUnsigned(magnitude);
  Raw(value);
  if (value[0] & 0x80) {
    const uint8_t zero = 0;
    Raw(ByteView(&zero, 1));
  }
  Close(mark, MBEDTLS_ASN1_INTEGER);
}

void DerWriter::SmallInteger(int value) {
  Add(mbedtls_asn1_write_int(&p_, buffer_.data(), value));
}

void DerWriter::Boolean(bool value) {
  Add(mbedtls_asn1_write_bool(&p_, buffer_.data(), value ? 1 : 0));
}

void DerWriter::Null() {
  Add(mbedtls_asn1_write_null(&p_, buffer_.data()));
}

void DerWriter::String(unsigned char tag, std::string_view text) {
  Add(mbedtls_asn1_write_tagged_string(&p_, buffer_.data(), tag, text.data(), text.size()));
}

void DerWriter::OctetString(ByteView bytes) {
  Add(mbedtls_asn1_write_octet_string(&p_, buffer_.data(), bytes.data(), bytes.size()));
}

void DerWriter::BitString(ByteView bytes, unsigned unused_bits) {
  const size_t mark = Mark();
  Raw(bytes);
  const uint8_t unused = static_cast<uint8_t>(unused_bits);
  Raw(ByteView(&unused, 1));
  Close(mark, MBEDTLS_ASN1_BIT_STRING);
}

void DerWriter::Time(std::chrono::sys_seconds at) {
  using namespace std::chrono;
  const sys_days day = floor<days>(at);
  const year_month_day ymd(day);
  const hh_mm_ss<seconds> tod(at - day);
  const int y = static_cast<int>(ymd.year());
  char text[32];
  if (y >= 1950 && y <= 2049) {
    std::snprintf(text, sizeof(text), "%02d%02u%02u%02d%02d%02dZ", y % 100,
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                  static_cast<int>(tod.seconds().count()));
    String(MBEDTLS_ASN1_UTC_TIME, text);
  } else {
    std::snprintf(text, sizeof(text), "%04d%02u%02u%02d%02d%02dZ", y,
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                  static_cast<int>(tod.seconds().count()));
    String(MBEDTLS_ASN1_GENERALIZED_TIME, text);
  }
}

void DerWriter::Sha256WithRsaAlgorithm() {
  Add(mbedtls_asn1_write_algorithm_identifier(&p_, buffer_.data(), MBEDTLS_OID_PKCS1_SHA256,
                                              MBEDTLS_OID_SIZE(MBEDTLS_OID_PKCS1_SHA256), 0));
}

Bytes DerWriter::Take() const {
  return Bytes(static_cast<const unsigned char*>(p_), buffer_.data() + buffer_.size());
}

Result<Bytes> WriteDer(size_t capacity, const std::function<void(DerWriter&)>& write) {
  constexpr size_t kMaxCapacity = size_t{1} << 30;
  for (size_t size = capacity; size <= kMaxCapacity; size *= 2) {
    DerWriter writer(size);
    write(writer);
    if (writer.error() == 0) return writer.Take();
    if (writer.error() != MBEDTLS_ERR_ASN1_BUF_TOO_SMALL) {
      return Fail(MbedTlsError(writer.error(), "DER encoding failed"));
    }
  }
  return Fail(ErrorCode::kResourceExhausted, "DER object too large");
}

Result<Bytes> SignTbs(ByteView tbs, const RsaPrivateKey& key) {
  MYKEY_ASSIGN_OR_RETURN(Bytes signature, key.SignSha256(Sha256(tbs)));
  return WriteDer(tbs.size() + signature.size() + 64, [&](DerWriter& w) {
    const size_t mark = w.Mark();
    w.BitString(signature, 0);
    w.Sha256WithRsaAlgorithm();
    w.Raw(tbs);
    w.Close(mark, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
  });
}

Bytes NormaliseUnsigned(ByteView bytes) {
  size_t first = 0;
  while (first + 1 < bytes.size() && bytes[first] == 0) ++first;
  if (bytes.empty()) return Bytes{0};
  return Bytes(bytes.begin() + static_cast<std::ptrdiff_t>(first), bytes.end());
}

}  // namespace mykey::crypto::internal
