#include "mykey/jpki_emulator_testing/test_card.h"

#include <cassert>
#include <cstdlib>

#include "mykey/crypto/random.h"
#include "mykey/crypto/rsa.h"

namespace mykey::jpki::testing {
namespace {

struct TestKeys {
  SecretBytes auth_der;
  SecretBytes sign_der;
  Bytes auth_spki;
  Bytes sign_spki;
};

crypto::RsaPrivateKey GenerateKey(std::string_view label) {
  auto random =
      crypto::DeterministicRandom::Create(ViewOf("mykey jpki emulator tests"), ViewOf(label));
  if (!random) std::abort();
  auto key = crypto::RsaPrivateKey::Generate(2048, **random);
  if (!key) std::abort();
  return std::move(*key);
}

const TestKeys& Keys() {
  static const TestKeys* keys = [] {
    auto* k = new TestKeys;
    crypto::RsaPrivateKey auth = GenerateKey("auth");
    crypto::RsaPrivateKey sign = GenerateKey("sign");
    k->auth_der = auth.ToDer();
    k->sign_der = sign.ToDer();
    k->auth_spki = auth.PublicKey().ToDer();
    k->sign_spki = sign.PublicKey().ToDer();
    return k;
  }();
  return *keys;
}

void AppendHeader(Bytes& out, uint8_t tag, size_t length) {
  out.push_back(tag);
  out.push_back(0x82);
  AppendBe16(out, static_cast<uint16_t>(length));
}

}  // namespace

Bytes MakeStandInCertificate(ByteView spki, uint8_t serial, size_t size) {
  // SEQUENCE(4) { SEQUENCE(4) { INTEGER(3) serial, SPKI }, OCTET STRING(4) filler }
  const size_t tbs_content = 3 + spki.size();
  const size_t tbs_size = 4 + tbs_content;
  assert(size >= 4 + tbs_size + 4);
  const size_t filler_content = size - 4 - tbs_size - 4;
  Bytes cert;
  AppendHeader(cert, 0x30, size - 4);
  AppendHeader(cert, 0x30, tbs_content);
  cert.insert(cert.end(), {0x02, 0x01, serial});
  cert.insert(cert.end(), spki.begin(), spki.end());
  AppendHeader(cert, 0x04, filler_content);
  for (size_t i = 0; i < filler_content; ++i) cert.push_back(static_cast<uint8_t>(i * 7 + serial));
  return cert;
}

const Bytes& TestAuthPublicKeyDer() {
  return Keys().auth_spki;
}
const Bytes& TestSignPublicKeyDer() {
  return Keys().sign_spki;
}

JpkiPersonalisation MakeTestPersonalisation(TokenType token_type) {
  const TestKeys& keys = Keys();
  // A second unrelated key stands in for the CA certificates' keys.
  JpkiPersonalisation card;
  card.token_type = token_type;
  card.auth_certificate = MakeStandInCertificate(keys.auth_spki, 0x0A, 1100);
  card.auth_ca_certificate = MakeStandInCertificate(keys.sign_spki, 0x0B, 900);
  card.sign_certificate = MakeStandInCertificate(keys.sign_spki, 0x01, 1500);
  card.sign_ca_certificate = MakeStandInCertificate(keys.auth_spki, 0x02, 950);
  card.auth_private_key = keys.auth_der.Clone();
  card.sign_private_key = keys.sign_der.Clone();
  card.auth_pin = SecretBytes(ViewOf(kTestAuthPin));
  card.sign_password = SecretBytes(ViewOf(kTestSignPassword));
  card.certificate_ef_size = 2048;
  return card;
}

}  // namespace mykey::jpki::testing
