#include "mykey/base/bytes.h"

#include <cstring>

namespace mykey {
namespace {
constexpr char kHexDigits[] = "0123456789ABCDEF";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string ToHex(ByteView bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out.push_back(kHexDigits[b >> 4]);
    out.push_back(kHexDigits[b & 0x0F]);
  }
  return out;
}

std::string ToSpacedHex(ByteView bytes) {
  std::string out;
  out.reserve(bytes.size() * 3);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i != 0) out.push_back(' ');
    out.push_back(kHexDigits[bytes[i] >> 4]);
    out.push_back(kHexDigits[bytes[i] & 0x0F]);
  }
  return out;
}

Result<Bytes> FromHex(std::string_view hex) {
  Bytes out;
  out.reserve(hex.size() / 2);
  int high = -1;
  for (char c : hex) {
    if (c == ' ' || c == ':' || c == '-' || c == '\n' || c == '\t') {
      if (high >= 0) return Fail(ErrorCode::kInvalidArgument, "hex byte split by a separator");
      continue;
    }
    int v = HexValue(c);
    if (v < 0) return Fail(ErrorCode::kInvalidArgument, "not a hex digit");
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<uint8_t>((high << 4) | v));
      high = -1;
    }
  }
  if (high >= 0) return Fail(ErrorCode::kInvalidArgument, "odd number of hex digits");
  return out;
}

void SecureWipe(void* data, size_t size) noexcept {
  if (data == nullptr || size == 0) return;
  volatile uint8_t* p = static_cast<volatile uint8_t*>(data);
  while (size-- > 0) *p++ = 0;
  // Keep the stores: the compiler must assume the memory is observed.
  asm volatile("" : : "r"(data) : "memory");
}

bool ConstantTimeEqual(ByteView a, ByteView b) noexcept {
  if (a.size() != b.size()) return false;
  uint8_t diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff = static_cast<uint8_t>(diff | (a[i] ^ b[i]));
  return diff == 0;
}

}  // namespace mykey
