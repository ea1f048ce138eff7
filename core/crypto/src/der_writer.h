#pragma once

// Internal to core/crypto: a DER writer over mbedtls_asn1_write_*, which
// write backwards from the end of a buffer. Code using it writes the last
// element first; a constructed element is Mark() before its contents and
// Close() after them.

#include <chrono>
#include <functional>
#include <string_view>
#include <vector>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/crypto/rsa.h"

namespace mykey::crypto::internal {

class DerWriter {
 public:
  explicit DerWriter(size_t capacity);

  /// Bytes written so far (a mark for Close()).
  size_t Mark() const { return written(); }
  /// Writes length and `tag` around everything written since `mark`.
  void Close(size_t mark, unsigned char tag);

  void Raw(ByteView bytes);
  void Oid(std::string_view oid_der);
  /// A non-negative INTEGER from an unsigned big-endian magnitude.
  void UnsignedInteger(ByteView magnitude);
  void SmallInteger(int value);
  void Boolean(bool value);
  void Null();
  void String(unsigned char tag, std::string_view text);
  void OctetString(ByteView bytes);
  /// BIT STRING with `unused_bits` in the last octet.
  void BitString(ByteView bytes, unsigned unused_bits);
  /// UTCTime for 1950..2049, GeneralizedTime otherwise (RFC 5280 §4.1.2.5).
  void Time(std::chrono::sys_seconds at);
  /// AlgorithmIdentifier sha256WithRSAEncryption with NULL parameters.
  void Sha256WithRsaAlgorithm();

  /// The first mbedTLS error, 0 if none.
  int error() const { return error_; }
  /// What was written (valid when error() == 0).
  Bytes Take() const;

 private:
  size_t written() const { return static_cast<size_t>(buffer_.data() + buffer_.size() - p_); }
  void Add(int ret);

  std::vector<unsigned char> buffer_;
  unsigned char* p_;
  int error_ = 0;
};

/// Runs `write` on a DerWriter of `capacity` bytes, retrying with a larger
/// buffer while it is too small.
Result<Bytes> WriteDer(size_t capacity, const std::function<void(DerWriter&)>& write);

/// Certificate / CertificateList ::= SEQUENCE { tbs, sha256WithRSAEncryption, BIT STRING sig }.
Result<Bytes> SignTbs(ByteView tbs, const RsaPrivateKey& key);

/// Strips leading zero octets (keeps at least one octet).
Bytes NormaliseUnsigned(ByteView bytes);

}  // namespace mykey::crypto::internal
