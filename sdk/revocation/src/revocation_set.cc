#include "mykey/revocation/revocation_set.h"

#include <algorithm>

namespace mykey::revocation {
namespace {

ByteView Normalise(ByteView serial) {
  size_t start = 0;
  while (start + 1 < serial.size() && serial[start] == 0) ++start;
  return serial.subspan(start);
}

uint64_t AsNumber(ByteView serial) {
  uint64_t value = 0;
  for (uint8_t octet : serial) value = (value << 8) | octet;
  return value;
}

std::string AsString(ByteView serial) {
  return std::string(reinterpret_cast<const char*>(serial.data()), serial.size());
}

template <typename T>
void SortTail(std::vector<T>& values, size_t& sorted) {
  if (sorted == values.size()) return;
  auto middle = values.begin() + static_cast<std::ptrdiff_t>(sorted);
  std::sort(middle, values.end());
  std::inplace_merge(values.begin(), middle, values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  sorted = values.size();
}

}  // namespace

bool RevocationSet::IsRevoked(ByteView serial) const {
  const ByteView normal = Normalise(serial);
  if (normal.empty()) return false;
  if (normal.size() <= 8) {
    const auto end = short_serials_.begin() + static_cast<std::ptrdiff_t>(short_sorted_);
    return std::binary_search(short_serials_.begin(), end, AsNumber(normal));
  }
  const auto end = long_serials_.begin() + static_cast<std::ptrdiff_t>(long_sorted_);
  return std::binary_search(long_serials_.begin(), end, AsString(normal));
}

bool RevocationSet::IsSuspended(const Hash& mykey_id_hash) const {
  return std::binary_search(suspended_.begin(), suspended_.end(), mykey_id_hash);
}

bool RevocationSet::IsMyKeyIdSuspended(std::string_view mykey_id) const {
  return IsSuspended(
      crypto::Sha256(ByteView(reinterpret_cast<const uint8_t*>(mykey_id.data()), mykey_id.size())));
}

bool RevocationSet::AddSerial(ByteView serial) {
  const ByteView normal = Normalise(serial);
  if (normal.empty() || normal.size() > 20) return false;
  if (normal.size() <= 8) {
    short_serials_.push_back(AsNumber(normal));
  } else {
    long_serials_.push_back(AsString(normal));
  }
  return true;
}

void RevocationSet::AddSuspension(const Hash& mykey_id_hash) {
  auto at = std::lower_bound(suspended_.begin(), suspended_.end(), mykey_id_hash);
  if (at == suspended_.end() || *at != mykey_id_hash) suspended_.insert(at, mykey_id_hash);
}

void RevocationSet::RemoveSuspension(const Hash& mykey_id_hash) {
  auto at = std::lower_bound(suspended_.begin(), suspended_.end(), mykey_id_hash);
  if (at != suspended_.end() && *at == mykey_id_hash) suspended_.erase(at);
}

void RevocationSet::Seal() {
  SortTail(short_serials_, short_sorted_);
  SortTail(long_serials_, long_sorted_);
}

size_t RevocationSet::MemoryBytes() const {
  size_t bytes = short_serials_.capacity() * sizeof(uint64_t) +
                 long_serials_.capacity() * sizeof(std::string) +
                 suspended_.capacity() * sizeof(Hash);
  for (const std::string& serial : long_serials_) {
    if (serial.capacity() > 15) bytes += serial.capacity() + 1;  // beyond the small buffer
  }
  return bytes;
}

}  // namespace mykey::revocation
