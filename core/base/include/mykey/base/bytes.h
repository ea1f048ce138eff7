#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/base/result.h"

namespace mykey {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

/// Upper-case hex without separators: {0x6A,0x82} -> "6A82".
std::string ToHex(ByteView bytes);
/// Upper-case hex with a space between bytes: "6A 82".
std::string ToSpacedHex(ByteView bytes);
/// Parses hex; spaces, ':' and '-' between byte pairs are allowed.
/// @returns kInvalidArgument on an odd digit count or a non-hex character.
Result<Bytes> FromHex(std::string_view hex);

/// Big-endian helpers.
inline uint16_t LoadBe16(ByteView b, size_t at) {
  return static_cast<uint16_t>((b[at] << 8) | b[at + 1]);
}
inline void AppendBe16(Bytes& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v & 0xFF));
}

/// Bytes of a string, without a terminator.
inline Bytes BytesOf(std::string_view s) {
  return Bytes(s.begin(), s.end());
}
inline ByteView ViewOf(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

/// Overwrites memory in a way the optimiser cannot remove.
void SecureWipe(void* data, size_t size) noexcept;

/// Constant-time comparison of two equal-length buffers (false if lengths differ).
bool ConstantTimeEqual(ByteView a, ByteView b) noexcept;

/// A byte buffer for secrets (PINs, keys): wiped when destroyed or cleared,
/// never copied implicitly, never printed.
///
/// Thread safety: not thread-safe; owned by one thread at a time.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(ByteView data) : data_(data.begin(), data.end()) {}
  ~SecretBytes() { Clear(); }
  SecretBytes(SecretBytes&& other) noexcept : data_(std::move(other.data_)) { other.data_.clear(); }
  SecretBytes& operator=(SecretBytes&& other) noexcept {
    if (this != &other) {
      Clear();
      data_ = std::move(other.data_);
      other.data_.clear();
    }
    return *this;
  }
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  /// An explicit copy, for the rare place that needs one.
  SecretBytes Clone() const { return SecretBytes(ByteView(data_)); }

  ByteView view() const { return data_; }
  size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }

  void Clear() noexcept {
    SecureWipe(data_.data(), data_.capacity());
    data_.clear();
  }

 private:
  std::vector<uint8_t> data_;
};

}  // namespace mykey
