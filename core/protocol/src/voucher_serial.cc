#include "mykey/protocol/voucher_serial.h"

#include <array>

#include "mykey/base/utf8.h"
#include "mykey/protocol/errors.h"
#include "mykey/protocol/typed_text.h"

namespace mykey::protocol {

namespace {

constexpr uint64_t kBase = VoucherSerial::kAlphabet.size();
static_assert(kBase == 31, "the check needs a prime alphabet size");

constexpr int SymbolValue(char c) {
  const size_t at = VoucherSerial::kAlphabet.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

char CheckSymbolOf(const std::array<int, VoucherSerial::kDataSymbols>& values) {
  uint64_t sum = 0;
  for (size_t i = 0; i < values.size(); ++i) sum += (i + 1) * static_cast<uint64_t>(values[i]);
  return VoucherSerial::kAlphabet[sum % kBase];
}

std::array<int, VoucherSerial::kDataSymbols> DigitsOf(uint64_t value) {
  std::array<int, VoucherSerial::kDataSymbols> digits{};
  for (size_t i = digits.size(); i-- > 0;) {
    digits[i] = static_cast<int>(value % kBase);
    value /= kBase;
  }
  return digits;
}

}  // namespace

Result<VoucherSerial> VoucherSerial::FromValue(uint64_t value) {
  if (value >= kValueLimit) {
    return Fail(ErrorCode::kInvalidArgument, "voucher serial value out of range");
  }
  return VoucherSerial(value);
}

Result<VoucherSerial> VoucherSerial::Parse(std::string_view text) {
  // What a Japanese IME or a paste gives: ASCII whitespace at the ends,
  // full-width letters and digits, the ideographic space and dash look-alikes.
  const std::string_view trimmed = TrimAsciiWhitespace(text);
  const size_t base = static_cast<size_t>(trimmed.data() - text.data());
  std::array<int, kSymbols> values{};
  size_t count = 0;
  for (size_t at = 0; at < trimmed.size();) {
    size_t length = 0;
    const char32_t typed = DecodeUtf8At(trimmed, at, length);
    const char32_t folded = length == 0 ? 0 : FoldTypedCharacter(typed);
    const size_t offset = base + at;
    at += length == 0 ? 1 : length;
    if (folded == U'-' || folded == U' ') continue;
    char c = folded < 0x80 ? static_cast<char>(folded) : '\0';
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    const int value = c == '\0' ? -1 : SymbolValue(c);
    if (value < 0) {
      return Fail(ErrorCode::kInvalidArgument, "character not used in voucher serials",
                  ErrorDomain::kParse, static_cast<int64_t>(offset));
    }
    if (count == kSymbols) {
      return Fail(ErrorCode::kInvalidArgument, "voucher serial has more than 10 symbols");
    }
    values[count++] = value;
  }
  if (count != kSymbols) {
    return Fail(ErrorCode::kInvalidArgument, "voucher serial has fewer than 10 symbols");
  }
  std::array<int, kDataSymbols> data{};
  uint64_t number = 0;
  for (size_t i = 0; i < kDataSymbols; ++i) {
    data[i] = values[i];
    number = number * kBase + static_cast<uint64_t>(values[i]);
  }
  if (CheckSymbolOf(data) != kAlphabet[static_cast<size_t>(values[kDataSymbols])]) {
    return Fail(ErrorCode::kInvalidArgument, "voucher serial check symbol does not match",
                ErrorDomain::kNone, kVoucherSerialCheckMismatch);
  }
  return VoucherSerial(number);
}

Result<VoucherSerial> VoucherSerial::Generate(crypto::RandomSource& random) {
  // 45 random bits, rejected when >= 31^9: three in four draws succeed.
  constexpr uint64_t kMask = (uint64_t{1} << 45) - 1;
  for (;;) {
    std::array<uint8_t, 6> bytes{};
    MYKEY_TRY(random.Fill(bytes));
    uint64_t value = 0;
    for (uint8_t b : bytes) value = (value << 8) | b;
    value &= kMask;
    if (value < kValueLimit) return VoucherSerial(value);
  }
}

std::string VoucherSerial::Symbols() const {
  const auto digits = DigitsOf(value_);
  std::string out;
  out.reserve(kSymbols);
  for (int d : digits) out.push_back(kAlphabet[static_cast<size_t>(d)]);
  out.push_back(CheckSymbolOf(digits));
  return out;
}

std::string VoucherSerial::ToString() const {
  const std::string symbols = Symbols();
  return symbols.substr(0, 4) + "-" + symbols.substr(4, 4) + "-" + symbols.substr(8);
}

Result<char> VoucherSerial::CheckSymbol(std::string_view data_symbols) {
  if (data_symbols.size() != kDataSymbols) {
    return Fail(ErrorCode::kInvalidArgument, "a voucher serial has 9 data symbols");
  }
  std::array<int, kDataSymbols> values{};
  for (size_t i = 0; i < kDataSymbols; ++i) {
    values[i] = SymbolValue(data_symbols[i]);
    if (values[i] < 0) {
      return Fail(ErrorCode::kInvalidArgument, "character not used in voucher serials",
                  ErrorDomain::kParse, static_cast<int64_t>(i));
    }
  }
  return CheckSymbolOf(values);
}

}  // namespace mykey::protocol
