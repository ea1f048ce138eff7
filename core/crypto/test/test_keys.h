#pragma once

// Keys shared by the crypto tests: RSA-2048 generation takes a fraction of a
// second, so each key is generated once per test binary.

#include <string>

#include "mykey/crypto/random.h"
#include "mykey/crypto/rsa.h"

namespace mykey::crypto::testing {

/// A deterministic RSA-2048 key for `label` ("ca-2015", "ee", ...).
inline const RsaPrivateKey& TestKey(const std::string& label);

}  // namespace mykey::crypto::testing

#include <map>
#include <mutex>

namespace mykey::crypto::testing {

inline const RsaPrivateKey& TestKey(const std::string& label) {
  static std::mutex mutex;
  static std::map<std::string, RsaPrivateKey> keys;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = keys.find(label);
  if (it == keys.end()) {
    auto random = DeterministicRandom::Create(ViewOf("crypto-test-seed"), ViewOf(label));
    auto key = RsaPrivateKey::Generate(2048, **random);
    it = keys.emplace(label, std::move(*key)).first;
  }
  return it->second;
}

}  // namespace mykey::crypto::testing
