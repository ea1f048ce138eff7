// Revocation set figures for 1M serials: build, file save/load, lookups per
// second (hits and misses), memory. A benchmark: prints figures, asserts nothing.
//
//   mykey_revocation_bench [serials]   (default 1000000)

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "mykey/revocation/revocation_cache.h"

namespace {

using mykey::Bytes;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point from) {
  return std::chrono::duration<double>(Clock::now() - from).count();
}

Bytes Serial(uint64_t value) {
  // JPKI-like serials: 4..7 octets.
  Bytes out;
  for (int shift = 48; shift >= 0; shift -= 8) {
    const auto octet = static_cast<uint8_t>(value >> shift);
    if (out.empty() && octet == 0) continue;
    out.push_back(octet);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t count = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  std::mt19937_64 random(42);
  std::vector<uint64_t> values(count);
  for (auto& v : values) v = (random() >> 8) | 0x01000000;

  auto start = Clock::now();
  mykey::revocation::RevocationSet set;
  for (uint64_t v : values) set.AddSerial(Serial(v));
  set.Seal();
  std::printf("build %zu serials: %.3f s (%zu unique)\n", count, Seconds(start),
              set.revoked_count());
  std::printf("memory: %.1f MiB (%.1f bytes per serial)\n",
              static_cast<double>(set.MemoryBytes()) / (1024.0 * 1024.0),
              static_cast<double>(set.MemoryBytes()) / static_cast<double>(set.revoked_count()));

  char dir_template[] = "/tmp/mykey-revocation-bench-XXXXXX";
  const char* dir = ::mkdtemp(dir_template);
  if (dir == nullptr) return 1;
  const std::string path = std::string(dir) + "/revocations.bin";
  start = Clock::now();
  const auto now = std::chrono::system_clock::now();
  if (!mykey::revocation::SaveRevocationFile(path, set, now, now)) return 1;
  std::printf("save (write + fsync + rename): %.3f s\n", Seconds(start));
  start = Clock::now();
  auto loaded = mykey::revocation::LoadRevocationFile(path);
  if (!loaded) return 1;
  std::printf("load (read + checksum + index): %.3f s\n", Seconds(start));
  ::unlink(path.c_str());
  ::rmdir(dir);

  const size_t lookups = 2000000;
  std::vector<Bytes> probes;
  probes.reserve(1000);
  for (size_t i = 0; i < 1000; ++i) {
    probes.push_back(Serial(i % 2 == 0 ? values[random() % count] : (random() >> 8) | 1));
  }
  size_t hits = 0;
  start = Clock::now();
  for (size_t i = 0; i < lookups; ++i) hits += set.IsRevoked(probes[i % probes.size()]) ? 1 : 0;
  const double elapsed = Seconds(start);
  std::printf("lookups: %.1f M/s (%.0f ns each, %zu hits of %zu)\n",
              static_cast<double>(lookups) / elapsed / 1e6,
              elapsed / static_cast<double>(lookups) * 1e9, hits, lookups);
  return 0;
}
