#pragma once

// Test material for the JPKI card emulator: a valid personalisation with
// deterministic RSA-2048 keys and DER-shaped stand-in certificates that
// carry the keys' SubjectPublicKeyInfo. Tests only.

#include "mykey/base/bytes.h"
#include "mykey/jpki_emulator/personalisation.h"

namespace mykey::jpki::testing {

inline constexpr std::string_view kTestAuthPin = "1234";
inline constexpr std::string_view kTestSignPassword = "ABC123";

/// A stand-in certificate: SEQUENCE { SEQUENCE { INTEGER serial, SPKI },
/// filler } of exactly `size` bytes (>= 300), DER-shaped so that its length
/// comes from its header. Not a parseable X.509 certificate.
Bytes MakeStandInCertificate(ByteView spki, uint8_t serial, size_t size);

/// A valid personalisation: RSA-2048 auth and signature keys (generated once
/// per process from a fixed seed), stand-in certificates, PIN "1234",
/// password "ABC123", full counters, no counter file.
JpkiPersonalisation MakeTestPersonalisation(TokenType token_type = TokenType::kPlasticCard);

/// The DER SubjectPublicKeyInfo of the test auth / signature key.
const Bytes& TestAuthPublicKeyDer();
const Bytes& TestSignPublicKeyDer();

}  // namespace mykey::jpki::testing
