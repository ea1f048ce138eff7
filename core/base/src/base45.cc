#include "mykey/base/base45.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace mykey {

namespace {

constexpr int kInvalid = -1;

constexpr std::array<int8_t, 256> MakeDecodeTable() {
  std::array<int8_t, 256> table{};
  for (auto& entry : table) entry = kInvalid;
  for (size_t i = 0; i < kBase45Alphabet.size(); ++i) {
    table[static_cast<uint8_t>(kBase45Alphabet[i])] = static_cast<int8_t>(i);
  }
  return table;
}

constexpr std::array<int8_t, 256> kDecodeTable = MakeDecodeTable();

}  // namespace

std::string Base45Encode(ByteView data) {
  std::string out;
  out.reserve(Base45EncodedSize(data.size()));
  size_t i = 0;
  for (; i + 1 < data.size(); i += 2) {
    unsigned n = (unsigned{data[i]} << 8) | data[i + 1];
    out.push_back(kBase45Alphabet[n % 45]);
    n /= 45;
    out.push_back(kBase45Alphabet[n % 45]);
    out.push_back(kBase45Alphabet[n / 45]);
  }
  if (i < data.size()) {
    const unsigned n = data[i];
    out.push_back(kBase45Alphabet[n % 45]);
    out.push_back(kBase45Alphabet[n / 45]);
  }
  return out;
}

Result<Bytes> Base45Decode(std::string_view text) {
  if (text.size() % 3 == 1) {
    return Fail(ErrorCode::kInvalidArgument, "Base45 length is 1 modulo 3", ErrorDomain::kParse,
                static_cast<int64_t>(text.size() - 1));
  }
  Bytes out;
  out.reserve(text.size() / 3 * 2 + 1);
  for (size_t i = 0; i < text.size(); i += 3) {
    const size_t group = std::min<size_t>(3, text.size() - i);
    unsigned n = 0;
    unsigned weight = 1;
    for (size_t k = 0; k < group; ++k) {
      const int value = kDecodeTable[static_cast<uint8_t>(text[i + k])];
      if (value == kInvalid) {
        return Fail(ErrorCode::kInvalidArgument, "character outside the Base45 alphabet",
                    ErrorDomain::kParse, static_cast<int64_t>(i + k));
      }
      n += static_cast<unsigned>(value) * weight;
      weight *= 45;
    }
    if (group == 3) {
      if (n > 0xFFFF) {
        return Fail(ErrorCode::kInvalidArgument, "Base45 group above 65535", ErrorDomain::kParse,
                    static_cast<int64_t>(i));
      }
      out.push_back(static_cast<uint8_t>(n >> 8));
      out.push_back(static_cast<uint8_t>(n & 0xFF));
    } else {
      if (n > 0xFF) {
        return Fail(ErrorCode::kInvalidArgument, "final Base45 group above 255",
                    ErrorDomain::kParse, static_cast<int64_t>(i));
      }
      out.push_back(static_cast<uint8_t>(n));
    }
  }
  return out;
}

}  // namespace mykey
