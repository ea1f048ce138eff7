// ECDSA verification shares one P-256 group (with its table of multiples of
// G) between threads, and a prepared key its own table: verifications at once
// still accept exactly the valid signatures.
#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "mykey/crypto/ecdsa.h"
#include "mykey/crypto/random.h"
#include "mykey/crypto/sha256.h"
#include "mykey/testing/catch.h"

namespace mykey::crypto {
namespace {

struct Signed {
  EcdsaPublicKey key;
  std::shared_ptr<PreparedEcdsaPublicKey> prepared;
  Sha256Digest digest;
  Bytes signature;
};

TEST_CASE(
    "ECDSA verifications, plain and prepared, on several threads at once accept exactly the valid "
    "signatures") {
  std::vector<Signed> cases;
  for (int k = 0; k < 4; ++k) {
    auto random = DeterministicRandom::Create(ViewOf("ecdsa-threads"), ViewOf(std::to_string(k)));
    REQUIRE(random);
    auto key = EcdsaPrivateKey::Generate(**random);
    REQUIRE(key);
    auto prepared = PreparedEcdsaPublicKey::Prepare(key->PublicKey());
    REQUIRE(prepared);
    std::shared_ptr<PreparedEcdsaPublicKey> shared = std::move(*prepared);
    for (int m = 0; m < 4; ++m) {
      const Sha256Digest digest = Sha256(ViewOf("request " + std::to_string(k * 4 + m)));
      auto signature = key->Sign(digest);
      REQUIRE(signature);
      cases.push_back({key->PublicKey(), shared, digest, *signature});
    }
  }
  constexpr int kThreads = 4;
  constexpr int kRounds = 6;
  std::atomic<int> accepted{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        for (size_t i = 0; i < cases.size(); ++i) {
          const Signed& c = cases[(i + static_cast<size_t>(t)) % cases.size()];
          const Signed& other = cases[(i + 1 + static_cast<size_t>(t)) % cases.size()];
          if (c.key.Verify(c.digest, c.signature) && c.prepared->Verify(c.digest, c.signature)) {
            accepted.fetch_add(1);
          } else {
            wrong.fetch_add(1);
          }
          // Another message's signature must not verify.
          if (c.key.Verify(c.digest, other.signature)) wrong.fetch_add(1);
          if (c.prepared->Verify(c.digest, other.signature)) wrong.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(wrong.load() == 0);
  CHECK(accepted.load() == kThreads * kRounds * static_cast<int>(cases.size()));
}

}  // namespace
}  // namespace mykey::crypto
