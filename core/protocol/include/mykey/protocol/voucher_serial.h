#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mykey/base/result.h"
#include "mykey/crypto/random.h"

namespace mykey::protocol {

/// A voucher's serial as people read and type it: 9 data symbols and 1 check
/// symbol over a 31-character alphabet without look-alikes, printed in groups
/// "7KQ4-MX2P-R9".
///
/// Alphabet (value order): `23456789ABCDEFGHJKLMNPQRSTVWXYZ`, i.e. the digits
/// and capital letters without 0 and O, 1 and I (look-alike pairs) and U; L is
/// kept because its look-alike 1 is gone. 31 is prime, which the check uses.
///
/// Value: the 9 data symbols, most significant first, are a base-31 number
/// below 31^9 (about 2^44.6): what the voucher token carries (48 bits).
///
/// Check symbol: c = (sum over data positions i = 1..9 of i * a_i) mod 31. Seen
/// with the check at weight -1, every position has a distinct non-zero weight
/// modulo the prime 31, so the check catches every single substitution
/// (d * w != 0 mod 31) and every transposition of two adjacent symbols
/// ((a - b)(w_i - w_j) != 0 mod 31), including the last data symbol and the
/// check symbol.
///
/// Thread safety: a value type; safe to copy between threads.
class VoucherSerial {
 public:
  static constexpr std::string_view kAlphabet = "23456789ABCDEFGHJKLMNPQRSTVWXYZ";
  static constexpr size_t kDataSymbols = 9;
  /// Data symbols plus the check symbol.
  static constexpr size_t kSymbols = kDataSymbols + 1;
  /// Values are below this: 31^9.
  static constexpr uint64_t kValueLimit = 26'439'622'160'671ULL;

  /// The serial with value 0 ("2222-2222-22").
  constexpr VoucherSerial() = default;

  /// @returns the serial, or kInvalidArgument if `value` >= kValueLimit.
  static Result<VoucherSerial> FromValue(uint64_t value);

  /// Parses typed or pasted text as a Japanese IME gives it: ASCII
  /// whitespace at either end (a pasted CR/LF) is trimmed; each character is
  /// folded by FoldTypedCharacter() (typed_text.h: full-width letters and
  /// digits, U+3000, the dash look-alikes ‐ ‑ – — − ー ｰ －); case is ignored;
  /// '-' and spaces anywhere are skipped. "ＨＸＫＨ－ＤＹＲ２－ＭＺ" parses
  /// as "HXKH-DYR2-MZ".
  /// @returns the serial, or kInvalidArgument: domain ErrorDomain::kParse with
  /// the byte offset in `text` of a character outside the alphabet (0, 1, I,
  /// O, U, punctuation, invalid UTF-8, whitespace inside other than spaces); detail 0 for a wrong
  /// number of symbols; or detail kVoucherSerialCheckMismatch (errors.h) when all symbols are valid
  /// but the check symbol does not match: a mistyped or swapped character.
  static Result<VoucherSerial> Parse(std::string_view text);

  /// A uniformly random serial (rejection sampling).
  /// @returns kInternal if `random` fails.
  static Result<VoucherSerial> Generate(crypto::RandomSource& random);

  uint64_t value() const { return value_; }
  /// "7KQ4-MX2P-R9": groups of 4, 4 and 2, the check symbol last.
  std::string ToString() const;
  /// The 10 symbols without separators.
  std::string Symbols() const;

  /// The check symbol for 9 data symbols of the alphabet.
  /// @returns kInvalidArgument if `data_symbols` is not 9 alphabet characters.
  static Result<char> CheckSymbol(std::string_view data_symbols);

  friend constexpr auto operator<=>(const VoucherSerial&, const VoucherSerial&) = default;

 private:
  explicit constexpr VoucherSerial(uint64_t value) : value_(value) {}
  uint64_t value_ = 0;
};

}  // namespace mykey::protocol
