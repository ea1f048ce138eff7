#pragma once

// Test cards of a test JPKI for the journal's tests: a certificate and the
// key the card's SIGN uses (as the emulator would sign after VERIFY).

#include <chrono>
#include <memory>
#include <string_view>

#include "mykey/journal/offline_authorisation.h"
#include "mykey/testing/catch.h"
#include "mykey/testjpki/test_pki.h"

namespace mykey::journal::testing {

/// The test JPKI, made once per test program (RSA key generation is slow).
inline const testjpki::TestPki& Pki() {
  static testjpki::TestPki pki = std::move(*testjpki::TestPki::Create("journal-test"));
  return pki;
}

/// Another JPKI (not trusted by the terminal).
inline const testjpki::TestPki& OtherPki() {
  static testjpki::TestPki pki = std::move(*testjpki::TestPki::Create("journal-test-other"));
  return pki;
}

inline std::chrono::sys_days Today() {
  return std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
}

struct TestCard {
  Bytes certificate;
  Bytes serial;
  std::unique_ptr<crypto::RsaPrivateKey> key;

  explicit TestCard(uint32_t index,
                    testjpki::CardValidity validity = testjpki::CardValidity::kNormal,
                    const testjpki::TestPki& pki = Pki()) {
    testjpki::CardOptions options;
    options.index = index;
    options.now = Today();
    options.validity = validity;
    auto card = pki.IssueCard(options);
    REQUIRE(card);
    certificate.assign(card->auth_certificate.der().begin(), card->auth_certificate.der().end());
    serial = card->auth_certificate.serial();
    auto parsed = crypto::RsaPrivateKey::FromDer(card->personalisation.auth_private_key.view());
    REQUIRE(parsed);
    key = std::make_unique<crypto::RsaPrivateKey>(std::move(*parsed));
  }

  /// The card's evidence for `challenge` (SIGN after a correct PIN).
  OfflineCardEvidence Sign(const Bytes& challenge, std::string_view terminal_id) const {
    auto signature = key->SignDigestInfo(OfflineChallengeDigestInfo(challenge, terminal_id));
    REQUIRE(signature);
    return OfflineCardEvidence{certificate, challenge, *signature};
  }
};

}  // namespace mykey::journal::testing
