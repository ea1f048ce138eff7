#pragma once

// A small certificate hierarchy for the x509/crl tests: two auth-CA
// generations that share one DN (as JPKI's do) and end-entity certificates.

#include <chrono>
#include <string>

#include "mykey/crypto/x509.h"
#include "test_keys.h"

namespace mykey::crypto::testing {

inline constexpr const char* kCaDn =
    "C=JP, O=JPKI, OU=JPKI for user authentication TEST, OU=Japan Agency for Local Authority "
    "Information Systems";
inline constexpr const char* kCrlDpDn =
    "C=JP, O=JPKI, OU=JPKI for user authentication TEST, OU=CRL Distribution Points";

inline std::chrono::sys_seconds Date(int y, unsigned m, unsigned d) {
  using namespace std::chrono;
  return sys_days(year_month_day(year(y), month(m), day(d)));
}

/// A self-signed auth CA of generation `gen` (key "ca-<gen>"), valid 10 years from Jan 1st.
inline Certificate TestCa(int gen) {
  const RsaPrivateKey& key = TestKey("ca-" + std::to_string(gen));
  const uint8_t serial[] = {0x01, static_cast<uint8_t>(gen - 2000)};
  auto der = CertificateBuilder()
                 .SetSubject(kCaDn)
                 .SetSerial(serial)
                 .SetValidity(Date(gen, 1, 1), Date(gen + 10, 1, 1))
                 .SetSubjectPublicKey(key.PublicKey())
                 .SetCa(true)
                 .SetKeyUsage(kKeyUsageKeyCertSign | kKeyUsageCrlSign)
                 .SetCrlDistributionPoint(kCrlDpDn)
                 .Build(key);
  return *Certificate::FromDer(*der);
}

/// An end-entity auth certificate issued by `ca` (generation `gen`).
inline Certificate TestEe(const Certificate& ca, int gen, ByteView serial,
                          std::chrono::sys_seconds not_before, std::chrono::sys_seconds not_after) {
  auto der = CertificateBuilder()
                 .SetSubject("C=JP, CN=TESTID0123456789")
                 .SetIssuer(ca)
                 .SetSerial(serial)
                 .SetValidity(not_before, not_after)
                 .SetSubjectPublicKey(TestKey("ee").PublicKey())
                 .SetKeyUsage(kKeyUsageDigitalSignature)
                 .SetCrlDistributionPoint(kCrlDpDn)
                 .Build(TestKey("ca-" + std::to_string(gen)));
  return *Certificate::FromDer(*der);
}

}  // namespace mykey::crypto::testing
