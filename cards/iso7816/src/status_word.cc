#include "mykey/iso7816/status_word.h"

#include <array>

namespace mykey::iso7816 {
namespace {

struct Row {
  uint16_t sw;
  uint16_t mask;
  StatusWordMeaning meaning;
};

constexpr StatusWordMeaning Err(const char* text, ErrorCode code) {
  return {text, code, false};
}

using E = ErrorCode;

// Ordered: exact words first within a family, then the family-wide mask rows.
constexpr std::array kTable = {
    Row{0x9000, 0xFFFF, {"success", E::kInternal, true}},
    Row{0x6100, 0xFF00, Err("response bytes still available (GET RESPONSE)", E::kInternal)},
    Row{0x6281, 0xFFFF, Err("part of the returned data may be corrupted", E::kDataLoss)},
    Row{0x6282, 0xFFFF, Err("end of file reached before reading Ne bytes", E::kOutOfRange)},
    Row{0x6283, 0xFFFF, Err("selected file deactivated", E::kFailedPrecondition)},
    Row{0x6284, 0xFFFF, Err("file control information not formatted", E::kDataLoss)},
    Row{0x6285, 0xFFFF, Err("selected file in termination state", E::kFailedPrecondition)},
    Row{0x6200, 0xFF00, Err("warning, non-volatile memory unchanged", E::kInternal)},
    Row{0x6300, 0xFFFF, Err("verification failed", E::kUnauthenticated)},
    Row{0x63C0, 0xFFFF, Err("verification failed, no tries left", E::kResourceExhausted)},
    Row{0x63C0, 0xFFF0, Err("verification failed, tries left in SW2", E::kUnauthenticated)},
    Row{0x6300, 0xFF00, Err("warning, non-volatile memory changed", E::kInternal)},
    Row{0x6400, 0xFF00, Err("execution error, non-volatile memory unchanged", E::kInternal)},
    Row{0x6581, 0xFFFF, Err("memory failure", E::kInternal)},
    Row{0x6500, 0xFF00, Err("execution error, non-volatile memory changed", E::kInternal)},
    Row{0x6600, 0xFF00, Err("security-related issue", E::kInternal)},
    Row{0x6700, 0xFFFF, Err("wrong length", E::kInvalidArgument)},
    Row{0x6881, 0xFFFF, Err("logical channel not supported", E::kUnimplemented)},
    Row{0x6882, 0xFFFF, Err("secure messaging not supported", E::kUnimplemented)},
    Row{0x6883, 0xFFFF, Err("last command of the chain expected", E::kInvalidArgument)},
    Row{0x6884, 0xFFFF, Err("command chaining not supported", E::kUnimplemented)},
    Row{0x6800, 0xFF00, Err("functions in CLA not supported", E::kUnimplemented)},
    Row{0x6981, 0xFFFF, Err("command incompatible with file structure", E::kInvalidArgument)},
    Row{0x6982, 0xFFFF, Err("security status not satisfied", E::kPermissionDenied)},
    Row{0x6983, 0xFFFF, Err("authentication method blocked", E::kResourceExhausted)},
    Row{0x6984, 0xFFFF, Err("reference data not usable", E::kFailedPrecondition)},
    Row{0x6985, 0xFFFF, Err("conditions of use not satisfied", E::kFailedPrecondition)},
    Row{0x6986, 0xFFFF, Err("command not allowed (no current EF)", E::kFailedPrecondition)},
    Row{0x6987, 0xFFFF, Err("expected secure messaging data objects missing", E::kDataLoss)},
    Row{0x6988, 0xFFFF, Err("incorrect secure messaging data objects", E::kDataLoss)},
    Row{0x6900, 0xFF00, Err("command not allowed", E::kFailedPrecondition)},
    Row{0x6A80, 0xFFFF, Err("incorrect parameters in the data field", E::kInvalidArgument)},
    Row{0x6A81, 0xFFFF, Err("function not supported", E::kUnimplemented)},
    Row{0x6A82, 0xFFFF, Err("file or application not found", E::kNotFound)},
    Row{0x6A83, 0xFFFF, Err("record not found", E::kNotFound)},
    Row{0x6A84, 0xFFFF, Err("not enough memory space in the file", E::kResourceExhausted)},
    Row{0x6A86, 0xFFFF, Err("incorrect parameters P1-P2", E::kInvalidArgument)},
    Row{0x6A87, 0xFFFF, Err("Lc inconsistent with P1-P2", E::kInvalidArgument)},
    Row{0x6A88, 0xFFFF, Err("referenced data not found", E::kNotFound)},
    Row{0x6A00, 0xFF00, Err("wrong parameters P1-P2", E::kInvalidArgument)},
    Row{0x6B00, 0xFFFF, Err("wrong parameters (offset outside the EF)", E::kOutOfRange)},
    Row{0x6C00, 0xFF00, Err("wrong Le field (exact length in SW2)", E::kInternal)},
    Row{0x6D00, 0xFFFF, Err("instruction not supported", E::kUnimplemented)},
    Row{0x6E00, 0xFFFF, Err("class not supported", E::kUnimplemented)},
    Row{0x6F00, 0xFFFF, Err("no precise diagnosis", E::kInternal)},
};

Error MakeError(uint16_t sw, const StatusWordMeaning& meaning) {
  return Error(meaning.code, meaning.text, ErrorDomain::kCardStatus, sw);
}

}  // namespace

StatusWordMeaning StatusWordInfo(uint16_t sw) {
  for (const Row& row : kTable) {
    if ((sw & row.mask) == row.sw) return row.meaning;
  }
  return Err("unknown status word", E::kInternal);
}

Error ErrorFromStatusWord(uint16_t sw) {
  const StatusWordMeaning meaning = StatusWordInfo(sw);
  if (meaning.success) {
    return Error(E::kInternal, "status word 9000 is not an error", ErrorDomain::kCardStatus, sw);
  }
  return MakeError(sw, meaning);
}

Error ErrorFromVerifyStatusWord(uint16_t sw) {
  if (sw == 0x63C0 || sw == 0x6983 || sw == 0x6984) {
    return Error(E::kResourceExhausted, "PIN blocked", ErrorDomain::kCardStatus, sw);
  }
  return ErrorFromStatusWord(sw);
}

std::optional<int> TriesLeftFromStatusWord(uint16_t sw) {
  if ((sw & 0xFFF0) != 0x63C0) return std::nullopt;
  return sw & 0x0F;
}

}  // namespace mykey::iso7816
