#include "mykey/pcsc/pcsc_error.h"

#include <PCSC/pcsclite.h>

#include <set>
#include <string>

#include "mykey/testing/catch.h"

namespace mykey::hal {
namespace {

struct Code {
  int64_t value;
  const char* name;
};
#define MYKEY_CODE(c)           \
  Code {                        \
    static_cast<int64_t>(c), #c \
  }

// Every return code pcsclite.h (1.9.9) defines, listed here independently of
// the table under test. SCARD_E_UNSUPPORTED_FEATURE is SCARD_E_UNEXPECTED.
const Code kAllCodes[] = {
    MYKEY_CODE(SCARD_S_SUCCESS),
    MYKEY_CODE(SCARD_F_INTERNAL_ERROR),
    MYKEY_CODE(SCARD_E_CANCELLED),
    MYKEY_CODE(SCARD_E_INVALID_HANDLE),
    MYKEY_CODE(SCARD_E_INVALID_PARAMETER),
    MYKEY_CODE(SCARD_E_INVALID_TARGET),
    MYKEY_CODE(SCARD_E_NO_MEMORY),
    MYKEY_CODE(SCARD_F_WAITED_TOO_LONG),
    MYKEY_CODE(SCARD_E_INSUFFICIENT_BUFFER),
    MYKEY_CODE(SCARD_E_UNKNOWN_READER),
    MYKEY_CODE(SCARD_E_TIMEOUT),
    MYKEY_CODE(SCARD_E_SHARING_VIOLATION),
    MYKEY_CODE(SCARD_E_NO_SMARTCARD),
    MYKEY_CODE(SCARD_E_UNKNOWN_CARD),
    MYKEY_CODE(SCARD_E_CANT_DISPOSE),
    MYKEY_CODE(SCARD_E_PROTO_MISMATCH),
    MYKEY_CODE(SCARD_E_NOT_READY),
    MYKEY_CODE(SCARD_E_INVALID_VALUE),
    MYKEY_CODE(SCARD_E_SYSTEM_CANCELLED),
    MYKEY_CODE(SCARD_F_COMM_ERROR),
    MYKEY_CODE(SCARD_F_UNKNOWN_ERROR),
    MYKEY_CODE(SCARD_E_INVALID_ATR),
    MYKEY_CODE(SCARD_E_NOT_TRANSACTED),
    MYKEY_CODE(SCARD_E_READER_UNAVAILABLE),
    MYKEY_CODE(SCARD_P_SHUTDOWN),
    MYKEY_CODE(SCARD_E_PCI_TOO_SMALL),
    MYKEY_CODE(SCARD_E_READER_UNSUPPORTED),
    MYKEY_CODE(SCARD_E_DUPLICATE_READER),
    MYKEY_CODE(SCARD_E_CARD_UNSUPPORTED),
    MYKEY_CODE(SCARD_E_NO_SERVICE),
    MYKEY_CODE(SCARD_E_SERVICE_STOPPED),
    MYKEY_CODE(SCARD_E_UNEXPECTED),
    MYKEY_CODE(SCARD_E_UNSUPPORTED_FEATURE),
    MYKEY_CODE(SCARD_E_ICC_INSTALLATION),
    MYKEY_CODE(SCARD_E_ICC_CREATEORDER),
    MYKEY_CODE(SCARD_E_DIR_NOT_FOUND),
    MYKEY_CODE(SCARD_E_FILE_NOT_FOUND),
    MYKEY_CODE(SCARD_E_NO_DIR),
    MYKEY_CODE(SCARD_E_NO_FILE),
    MYKEY_CODE(SCARD_E_NO_ACCESS),
    MYKEY_CODE(SCARD_E_WRITE_TOO_MANY),
    MYKEY_CODE(SCARD_E_BAD_SEEK),
    MYKEY_CODE(SCARD_E_INVALID_CHV),
    MYKEY_CODE(SCARD_E_UNKNOWN_RES_MNG),
    MYKEY_CODE(SCARD_E_NO_SUCH_CERTIFICATE),
    MYKEY_CODE(SCARD_E_CERTIFICATE_UNAVAILABLE),
    MYKEY_CODE(SCARD_E_NO_READERS_AVAILABLE),
    MYKEY_CODE(SCARD_E_COMM_DATA_LOST),
    MYKEY_CODE(SCARD_E_NO_KEY_CONTAINER),
    MYKEY_CODE(SCARD_E_SERVER_TOO_BUSY),
    MYKEY_CODE(SCARD_W_UNSUPPORTED_CARD),
    MYKEY_CODE(SCARD_W_UNRESPONSIVE_CARD),
    MYKEY_CODE(SCARD_W_UNPOWERED_CARD),
    MYKEY_CODE(SCARD_W_RESET_CARD),
    MYKEY_CODE(SCARD_W_REMOVED_CARD),
    MYKEY_CODE(SCARD_W_SECURITY_VIOLATION),
    MYKEY_CODE(SCARD_W_WRONG_CHV),
    MYKEY_CODE(SCARD_W_CHV_BLOCKED),
    MYKEY_CODE(SCARD_W_EOF),
    MYKEY_CODE(SCARD_W_CANCELLED_BY_USER),
    MYKEY_CODE(SCARD_W_CARD_NOT_AUTHENTICATED),
};

const std::string kUnknown = "unknown PC/SC return code";

TEST_CASE("Every PC/SC return code maps to a specific error in the kPcsc domain", "[pcsc]") {
  for (const Code& code : kAllCodes) {
    INFO(code.name);
    Error error = PcscError(code.value);
    CHECK(error.domain() == ErrorDomain::kPcsc);
    CHECK(error.detail() == code.value);
    CHECK(std::string(error.message()) != kUnknown);
  }
}

TEST_CASE("The PC/SC table has one row per distinct code and no code outside pcsclite.h",
          "[pcsc]") {
  std::set<int64_t> header_codes;
  for (const Code& code : kAllCodes) header_codes.insert(code.value);
  std::set<int64_t> table_codes;
  for (const PcscErrorEntry& entry : PcscErrorTable()) {
    INFO(entry.name);
    CHECK(table_codes.insert(entry.code).second);
    CHECK(header_codes.count(entry.code) == 1);
    CHECK(std::string(entry.message).size() > 5);
  }
  CHECK(table_codes == header_codes);
}

TEST_CASE("PC/SC codes map to the coarse codes callers branch on", "[pcsc]") {
  struct Expectation {
    int64_t code;
    ErrorCode error;
  };
  const Expectation expectations[] = {
      {SCARD_W_REMOVED_CARD, ErrorCode::kAborted},
      {SCARD_W_RESET_CARD, ErrorCode::kAborted},
      {SCARD_W_UNPOWERED_CARD, ErrorCode::kAborted},
      {SCARD_E_NOT_TRANSACTED, ErrorCode::kAborted},
      {SCARD_E_NO_SMARTCARD, ErrorCode::kNotFound},
      {SCARD_E_NO_SERVICE, ErrorCode::kUnavailable},
      {SCARD_E_SERVICE_STOPPED, ErrorCode::kUnavailable},
      {SCARD_E_INVALID_HANDLE, ErrorCode::kUnavailable},
      {SCARD_E_NO_READERS_AVAILABLE, ErrorCode::kUnavailable},
      {SCARD_E_READER_UNAVAILABLE, ErrorCode::kUnavailable},
      {SCARD_E_UNKNOWN_READER, ErrorCode::kUnavailable},
      {SCARD_E_SHARING_VIOLATION, ErrorCode::kUnavailable},
      {SCARD_E_TIMEOUT, ErrorCode::kDeadlineExceeded},
      {SCARD_E_CANCELLED, ErrorCode::kCancelled},
      {SCARD_E_PROTO_MISMATCH, ErrorCode::kUnimplemented},
      {SCARD_W_WRONG_CHV, ErrorCode::kUnauthenticated},
      {SCARD_W_CHV_BLOCKED, ErrorCode::kResourceExhausted},
      {SCARD_F_INTERNAL_ERROR, ErrorCode::kInternal},
  };
  for (const Expectation& e : expectations) {
    INFO(std::hex << e.code);
    CHECK(PcscError(e.code).code() == e.error);
  }
}

TEST_CASE("A code outside the table maps to an internal error that keeps the code", "[pcsc]") {
  Error error = PcscError(0x80100099);
  CHECK(error.code() == ErrorCode::kInternal);
  CHECK(error.detail() == 0x80100099);
  CHECK(std::string(error.message()) == kUnknown);
}

}  // namespace
}  // namespace mykey::hal
