// The revocation set's file (format in revocation_cache.h).

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "mykey/base/file.h"
#include "mykey/crypto/sha256.h"
#include "mykey/revocation/revocation_cache.h"

namespace mykey::revocation {
namespace {

constexpr char kMagic[8] = {'M', 'Y', 'K', 'E', 'Y', 'R', 'V', 'S'};
constexpr uint32_t kVersion = 1;
constexpr size_t kHeaderSize = 8 + 4 + 8 * 3 + 8 * 3;

void PutBig(Bytes& out, uint64_t value, int octets) {
  for (int i = octets - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

uint64_t GetBig(const uint8_t* in, int octets) {
  uint64_t value = 0;
  for (int i = 0; i < octets; ++i) value = (value << 8) | in[i];
  return value;
}

int64_t ToMs(std::chrono::system_clock::time_point at) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

std::chrono::system_clock::time_point FromMs(int64_t ms) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

Error DataLoss(const char* message) {
  return Error(ErrorCode::kDataLoss, message);
}

}  // namespace

Status SaveRevocationFile(const std::string& path, const RevocationSet& set,
                          std::chrono::system_clock::time_point synced_at,
                          std::chrono::system_clock::time_point full_synced_at) {
  Bytes out;
  out.reserve(kHeaderSize + set.short_serials().size() * 8 + set.suspended().size() * 32 + 32);
  out.insert(out.end(), kMagic, kMagic + sizeof kMagic);
  PutBig(out, kVersion, 4);
  PutBig(out, static_cast<uint64_t>(set.sequence()), 8);
  PutBig(out, static_cast<uint64_t>(ToMs(synced_at)), 8);
  PutBig(out, static_cast<uint64_t>(ToMs(full_synced_at)), 8);
  PutBig(out, set.short_serials().size(), 8);
  PutBig(out, set.long_serials().size(), 8);
  PutBig(out, set.suspended().size(), 8);
  for (uint64_t serial : set.short_serials()) PutBig(out, serial, 8);
  for (const std::string& serial : set.long_serials()) {
    out.push_back(static_cast<uint8_t>(serial.size()));
    out.insert(out.end(), serial.begin(), serial.end());
  }
  for (const auto& hash : set.suspended()) out.insert(out.end(), hash.begin(), hash.end());
  const crypto::Sha256Digest sum = crypto::Sha256(out);
  out.insert(out.end(), sum.begin(), sum.end());

  return ReplaceFile(path, out, 0644);
}

Result<RevocationFile> LoadRevocationFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Fail(ErrorCode::kNotFound, "no revocation file");
    return Fail(ErrorCode::kUnavailable, "cannot open the revocation file", ErrorDomain::kOs,
                errno);
  }
  Bytes in;
  uint8_t buffer[65536];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      return Fail(ErrorCode::kUnavailable, "cannot read the revocation file", ErrorDomain::kOs,
                  error);
    }
    if (n == 0) break;
    in.insert(in.end(), buffer, buffer + n);
  }
  ::close(fd);

  if (in.size() < kHeaderSize + 32) return Fail(DataLoss("revocation file truncated"));
  if (!std::equal(kMagic, kMagic + sizeof kMagic, in.begin())) {
    return Fail(DataLoss("not a revocation file"));
  }
  const size_t body = in.size() - 32;
  const crypto::Sha256Digest sum = crypto::Sha256(ByteView(in.data(), body));
  if (!std::equal(sum.begin(), sum.end(), in.begin() + static_cast<std::ptrdiff_t>(body))) {
    return Fail(DataLoss("revocation file checksum mismatch"));
  }
  if (GetBig(&in[8], 4) != kVersion) {
    return Fail(ErrorCode::kUnimplemented, "revocation file of another format version");
  }
  RevocationFile file;
  file.set.set_sequence(static_cast<int64_t>(GetBig(&in[12], 8)));
  file.synced_at = FromMs(static_cast<int64_t>(GetBig(&in[20], 8)));
  file.full_synced_at = FromMs(static_cast<int64_t>(GetBig(&in[28], 8)));
  const uint64_t shorts = GetBig(&in[36], 8);
  const uint64_t longs = GetBig(&in[44], 8);
  const uint64_t suspended = GetBig(&in[52], 8);
  size_t at = kHeaderSize;
  if (shorts > (body - at) / 8) return Fail(DataLoss("revocation file counts"));
  uint64_t previous = 0;
  for (uint64_t i = 0; i < shorts; ++i, at += 8) {
    const uint64_t serial = GetBig(&in[at], 8);
    if (serial == 0 || (i > 0 && serial <= previous)) {
      return Fail(DataLoss("revocation file serials unsorted"));
    }
    previous = serial;
    uint8_t octets[8];
    size_t length = 0;
    for (int shift = 56; shift >= 0; shift -= 8) {
      const auto octet = static_cast<uint8_t>(serial >> shift);
      if (length == 0 && octet == 0) continue;
      octets[length++] = octet;
    }
    file.set.AddSerial(ByteView(octets, length));
  }
  std::string previous_long;
  for (uint64_t i = 0; i < longs; ++i) {
    if (at >= body) return Fail(DataLoss("revocation file counts"));
    const size_t length = in[at++];
    if (length <= 8 || length > 20 || length > body - at || in[at] == 0) {
      return Fail(DataLoss("revocation file long serial"));
    }
    std::string serial(reinterpret_cast<const char*>(&in[at]), length);
    if (i > 0 && serial <= previous_long) return Fail(DataLoss("revocation file serials unsorted"));
    file.set.AddSerial(ByteView(&in[at], length));
    previous_long = std::move(serial);
    at += length;
  }
  if (suspended > (body - at) / 32 || (body - at) != suspended * 32) {
    return Fail(DataLoss("revocation file counts"));
  }
  for (uint64_t i = 0; i < suspended; ++i, at += 32) {
    RevocationSet::Hash hash;
    std::copy_n(in.begin() + static_cast<std::ptrdiff_t>(at), 32, hash.begin());
    file.set.AddSuspension(hash);
  }
  file.set.Seal();
  return file;
}

}  // namespace mykey::revocation
