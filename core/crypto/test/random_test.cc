#include "mykey/crypto/random.h"

#include "mykey/testing/catch.h"

namespace mykey::crypto {
namespace {

Bytes Draw(RandomSource& source, size_t n) {
  Bytes out(n);
  REQUIRE(source.Fill(out));
  return out;
}

Bytes DrawDeterministic(std::string_view seed, std::string_view label, size_t n) {
  auto random = DeterministicRandom::Create(ViewOf(seed), ViewOf(label));
  REQUIRE(random);
  return Draw(**random, n);
}

TEST_CASE("Deterministic random gives the same bytes for the same seed and label") {
  CHECK(DrawDeterministic("seed", "ca-2023", 3000) == DrawDeterministic("seed", "ca-2023", 3000));
}

TEST_CASE("Deterministic random gives different streams for different labels or seeds") {
  const Bytes base = DrawDeterministic("seed", "ca-2023", 64);
  CHECK(base != DrawDeterministic("seed", "ca-2019", 64));
  CHECK(base != DrawDeterministic("seed2", "ca-2023", 64));
  // Boundaries between seed and label matter.
  CHECK(DrawDeterministic("ab", "c", 64) != DrawDeterministic("a", "bc", 64));
}

TEST_CASE("System random gives bytes that differ between draws") {
  auto random = SystemRandom::Create();
  REQUIRE(random);
  CHECK(Draw(**random, 32) != Draw(**random, 32));
}

}  // namespace
}  // namespace mykey::crypto
