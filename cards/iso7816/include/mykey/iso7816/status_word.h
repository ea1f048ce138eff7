#pragma once

#include <cstdint>
#include <optional>

#include "mykey/base/error.h"

namespace mykey::iso7816 {

inline constexpr uint16_t kSwOk = 0x9000;

/// What a status word means: the one table of the card layer (style.md:
/// "one table that maps status words to errors").
struct StatusWordMeaning {
  /// Short English text ("file or application not found"); static storage.
  const char* text;
  /// The coarse error a caller gets for it (unused for 9000).
  ErrorCode code;
  /// True for 9000 only.
  bool success;
};

/// Looks `sw` up in the status-word table. Families with a variable SW2
/// (61xx, 63Cx, 6Cxx) are matched by their mask; unknown words give
/// kInternal "unknown status word".
///
/// The table covers the ISO 7816-4 families 62xx..6Fxx, among them:
/// 6281 6282 6283 (warnings), 6300, 63Cx (kUnauthenticated, x tries left;
/// 63C0 kResourceExhausted), 6581, 6700, 6881 6882 6883 6884, 6981..6988,
/// 6A80 6A81 6A82 6A83 6A84 6A86 6A87 6A88, 6B00, 6D00, 6E00, 6F00, 9000.
StatusWordMeaning StatusWordInfo(uint16_t sw);

/// The Error for a status word: code from the table, domain
/// ErrorDomain::kCardStatus, detail = the status word.
/// 9000 is not an error: passing it gives kInternal (a bug in the caller).
Error ErrorFromStatusWord(uint16_t sw);

/// The Error for a status word answered to a VERIFY / CHANGE REFERENCE DATA /
/// RESET RETRY COUNTER. It differs from ErrorFromStatusWord() in one place:
/// there 6983 ("authentication method blocked") and 6984 ("reference data not
/// usable") mean the PIN is blocked, and give kResourceExhausted "PIN blocked",
/// as does 63C0 (the try that reached zero). The JPKI card answers 6984 to every
/// VERIFY once its PIN is blocked (jpki-card.md §4).
Error ErrorFromVerifyStatusWord(uint16_t sw);

/// The tries left carried by 63Cx (x = 0..15); nullopt for any other word.
std::optional<int> TriesLeftFromStatusWord(uint16_t sw);

}  // namespace mykey::iso7816
