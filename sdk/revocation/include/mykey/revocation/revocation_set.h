#pragma once

// RevocationSet: the terminal's compact copy of the cloud's revocation feed
// (revoked JPKI user-authentication certificate serials and suspended MyKey
// IDs), as of one feed sequence number.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/base/bytes.h"
#include "mykey/crypto/sha256.h"

namespace mykey::revocation {

/// A set of revoked certificate serials and suspended MyKey IDs.
///
/// Serials are kept without issuer: the cloud's feed numbers serials from
/// every configured JPKI auth CA generation in one list (J-LIS numbers them
/// in one space), exactly as the cloud checks them. Serials of up to 8 octets
/// (every JPKI serial seen so far) take 8 bytes each in a sorted array;
/// longer ones (up to 20) go to a second sorted array. Suspensions are keyed
/// on MyKeyIdHash (SHA-256 of the ID's 8 ASCII symbols), as the feed gives them.
///
/// Building: AddSerial()/AddSuspension()/RemoveSuspension() in feed order,
/// then Seal() (sorts and merges new serials; lookups before Seal() miss
/// serials added since the last Seal()).
///
/// Thread safety: const methods may be called concurrently; mutation is not
/// synchronised (RevocationCache publishes sealed sets as immutable snapshots).
class RevocationSet {
 public:
  using Hash = crypto::Sha256Digest;

  /// True if `serial` (big-endian; leading zero octets ignored) is revoked.
  bool IsRevoked(ByteView serial) const;
  /// True if the MyKey ID whose MyKeyIdHash is `mykey_id_hash` is suspended.
  bool IsSuspended(const Hash& mykey_id_hash) const;
  /// True if `mykey_id` (canonical, 8 ASCII symbols) is suspended.
  bool IsMyKeyIdSuspended(std::string_view mykey_id) const;

  /// Adds a revoked serial (1..20 octets after leading zeros are removed;
  /// others are ignored and false is returned).
  bool AddSerial(ByteView serial);
  /// Adds / lifts a suspension.
  void AddSuspension(const Hash& mykey_id_hash);
  void RemoveSuspension(const Hash& mykey_id_hash);
  /// Sorts and merges serials added since the last Seal().
  void Seal();

  /// The last feed sequence applied (0: none).
  int64_t sequence() const { return sequence_; }
  void set_sequence(int64_t sequence) { sequence_ = sequence; }

  /// Revoked serials (after Seal()).
  size_t revoked_count() const { return short_serials_.size() + long_serials_.size(); }
  size_t suspended_count() const { return suspended_.size(); }
  /// Bytes of heap the set holds (capacity, not size).
  size_t MemoryBytes() const;

  /// The contents, for the file format: serials ≤ 8 octets as numbers,
  /// longer ones as bytes, suspensions; each sorted and unique after Seal().
  const std::vector<uint64_t>& short_serials() const { return short_serials_; }
  const std::vector<std::string>& long_serials() const { return long_serials_; }
  const std::vector<Hash>& suspended() const { return suspended_; }

 private:
  int64_t sequence_ = 0;
  std::vector<uint64_t> short_serials_;
  size_t short_sorted_ = 0;  // prefix of short_serials_ that is sorted and unique
  std::vector<std::string> long_serials_;
  size_t long_sorted_ = 0;
  std::vector<Hash> suspended_;  // always sorted
};

}  // namespace mykey::revocation
