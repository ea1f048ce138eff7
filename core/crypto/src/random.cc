#include "mykey/crypto/random.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

#include <algorithm>
#include <cstring>
#include <string_view>

#include "mbedtls_glue.h"
#include "mykey/crypto/sha256.h"

namespace mykey::crypto {

namespace {

Status FillFromDrbg(mbedtls_ctr_drbg_context& drbg, std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    const size_t n = std::min<size_t>(out.size() - done, MBEDTLS_CTR_DRBG_MAX_REQUEST);
    const int ret = mbedtls_ctr_drbg_random(&drbg, out.data() + done, n);
    if (ret != 0) return Fail(internal::MbedTlsError(ret, "random generator failed"));
    done += n;
  }
  return Ok();
}

}  // namespace

// ---------------------------------------------------------------- SystemRandom

struct SystemRandom::State {
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  State() {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
  }
  ~State() {
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }
  State(const State&) = delete;
  State& operator=(const State&) = delete;
};

SystemRandom::SystemRandom() : state_(std::make_unique<State>()) {}
SystemRandom::~SystemRandom() = default;

Result<std::unique_ptr<SystemRandom>> SystemRandom::Create() {
  std::unique_ptr<SystemRandom> random(new SystemRandom());
  static constexpr std::string_view kPersonalisation = "mykey-system-random";
  const int ret = mbedtls_ctr_drbg_seed(
      &random->state_->drbg, mbedtls_entropy_func, &random->state_->entropy,
      reinterpret_cast<const unsigned char*>(kPersonalisation.data()), kPersonalisation.size());
  if (ret != 0) return Fail(internal::MbedTlsError(ret, "cannot seed the system random generator"));
  return random;
}

Status SystemRandom::Fill(std::span<uint8_t> out) {
  return FillFromDrbg(state_->drbg, out);
}

// --------------------------------------------------------- DeterministicRandom

struct DeterministicRandom::State {
  mbedtls_ctr_drbg_context drbg;
  // The "entropy" is an endless stream SHA-256(seed_hash || counter).
  Sha256Digest seed_hash{};
  uint64_t counter = 0;
  Sha256Digest block{};
  size_t block_used = sizeof(block);

  State() { mbedtls_ctr_drbg_init(&drbg); }
  ~State() { mbedtls_ctr_drbg_free(&drbg); }
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  static int Entropy(void* p, unsigned char* out, size_t len) {
    auto* self = static_cast<State*>(p);
    for (size_t i = 0; i < len; ++i) {
      if (self->block_used == self->block.size()) {
        Bytes input(self->seed_hash.begin(), self->seed_hash.end());
        for (int shift = 56; shift >= 0; shift -= 8) {
          input.push_back(static_cast<uint8_t>(self->counter >> shift));
        }
        ++self->counter;
        self->block = Sha256(input);
        self->block_used = 0;
      }
      out[i] = self->block[self->block_used++];
    }
    return 0;
  }
};

DeterministicRandom::DeterministicRandom() : state_(std::make_unique<State>()) {}
DeterministicRandom::~DeterministicRandom() = default;

Result<std::unique_ptr<DeterministicRandom>> DeterministicRandom::Create(ByteView seed,
                                                                         ByteView label) {
  std::unique_ptr<DeterministicRandom> random(new DeterministicRandom());
  State& state = *random->state_;
  // Hash seed and label with their lengths so ("ab","c") and ("a","bc") differ.
  Bytes input = BytesOf("mykey-deterministic-random/1");
  for (ByteView part : {seed, label}) {
    const uint64_t n = part.size();
    for (int shift = 56; shift >= 0; shift -= 8) input.push_back(static_cast<uint8_t>(n >> shift));
    input.insert(input.end(), part.begin(), part.end());
  }
  state.seed_hash = Sha256(input);
  const int ret = mbedtls_ctr_drbg_seed(&state.drbg, &State::Entropy, &state, label.data(),
                                        std::min<size_t>(label.size(), 128));
  if (ret != 0) return Fail(internal::MbedTlsError(ret, "cannot seed the deterministic generator"));
  // Reseeds would still be deterministic, but none are needed.
  mbedtls_ctr_drbg_set_reseed_interval(&state.drbg, MBEDTLS_CTR_DRBG_RESEED_INTERVAL);
  return random;
}

Status DeterministicRandom::Fill(std::span<uint8_t> out) {
  return FillFromDrbg(state_->drbg, out);
}

}  // namespace mykey::crypto
