#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"

namespace mykey::crypto {

/// A source of random bytes.
///
/// Thread safety: not thread-safe; give each thread its own source.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  /// Fills `out` with random bytes. kInternal if the generator fails.
  virtual Status Fill(std::span<uint8_t> out) = 0;
};

/// Cryptographically secure randomness from the OS entropy source
/// (mbedTLS entropy + CTR_DRBG).
///
/// Thread safety: not thread-safe; give each thread its own source.
class SystemRandom final : public RandomSource {
 public:
  /// Seeds a generator from the OS. @returns kInternal (domain kMbedTls) if
  /// the entropy source fails.
  static Result<std::unique_ptr<SystemRandom>> Create();
  ~SystemRandom() override;
  Status Fill(std::span<uint8_t> out) override;

 private:
  SystemRandom();
  struct State;
  std::unique_ptr<State> state_;
};

/// A deterministic generator (CTR_DRBG keyed from a seed and a label), so
/// that the test JPKI and tests are repeatable. Never for production keys.
///
/// Thread safety: not thread-safe; give each thread its own source.
class DeterministicRandom final : public RandomSource {
 public:
  /// @param seed  any bytes; the same seed and label give the same stream
  /// @param label separates independent streams from one seed ("ca-2023")
  /// @returns kInternal (domain kMbedTls) if the generator cannot be set up.
  static Result<std::unique_ptr<DeterministicRandom>> Create(ByteView seed, ByteView label);
  ~DeterministicRandom() override;
  Status Fill(std::span<uint8_t> out) override;

 private:
  DeterministicRandom();
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace mykey::crypto
