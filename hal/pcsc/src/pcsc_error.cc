#include "mykey/pcsc/pcsc_error.h"

#include <PCSC/pcsclite.h>

#include <array>

namespace mykey::hal {
namespace {

using enum ErrorCode;

#define MYKEY_PCSC_ROW(code, error, message)          \
  PcscErrorEntry {                                    \
    static_cast<int64_t>(code), #code, error, message \
  }

// Every code of pcsclite.h, in its order. SCARD_E_UNEXPECTED and
// SCARD_E_UNSUPPORTED_FEATURE share one value (0x8010001F): one row.
constexpr std::array kTable = {
    MYKEY_PCSC_ROW(SCARD_S_SUCCESS, kInternal, "PC/SC success reported as an error"),
    MYKEY_PCSC_ROW(SCARD_F_INTERNAL_ERROR, kInternal, "PC/SC internal consistency check failed"),
    MYKEY_PCSC_ROW(SCARD_E_CANCELLED, kCancelled, "PC/SC wait was cancelled"),
    MYKEY_PCSC_ROW(SCARD_E_INVALID_HANDLE, kUnavailable,
                   "PC/SC handle is no longer valid (the service restarted?)"),
    MYKEY_PCSC_ROW(SCARD_E_INVALID_PARAMETER, kInvalidArgument, "PC/SC rejected a parameter"),
    MYKEY_PCSC_ROW(SCARD_E_INVALID_TARGET, kInternal, "PC/SC startup information is invalid"),
    MYKEY_PCSC_ROW(SCARD_E_NO_MEMORY, kResourceExhausted, "PC/SC is out of memory"),
    MYKEY_PCSC_ROW(SCARD_F_WAITED_TOO_LONG, kDeadlineExceeded, "PC/SC internal timer expired"),
    MYKEY_PCSC_ROW(SCARD_E_INSUFFICIENT_BUFFER, kInternal, "PC/SC answer too large for the buffer"),
    MYKEY_PCSC_ROW(SCARD_E_UNKNOWN_READER, kUnavailable, "card reader is not known (unplugged?)"),
    MYKEY_PCSC_ROW(SCARD_E_TIMEOUT, kDeadlineExceeded, "PC/SC timeout expired"),
    MYKEY_PCSC_ROW(SCARD_E_SHARING_VIOLATION, kUnavailable,
                   "card is held exclusively by another application"),
    MYKEY_PCSC_ROW(SCARD_E_NO_SMARTCARD, kNotFound, "no card in the reader"),
    MYKEY_PCSC_ROW(SCARD_E_UNKNOWN_CARD, kNotFound, "card name is not known to PC/SC"),
    MYKEY_PCSC_ROW(SCARD_E_CANT_DISPOSE, kInternal, "PC/SC cannot dispose of the card as asked"),
    MYKEY_PCSC_ROW(SCARD_E_PROTO_MISMATCH, kUnimplemented, "card speaks neither T=0 nor T=1"),
    MYKEY_PCSC_ROW(SCARD_E_NOT_READY, kUnavailable, "card reader or card is not ready"),
    MYKEY_PCSC_ROW(SCARD_E_INVALID_VALUE, kInvalidArgument, "PC/SC rejected a parameter value"),
    MYKEY_PCSC_ROW(SCARD_E_SYSTEM_CANCELLED, kCancelled, "PC/SC action cancelled by the system"),
    MYKEY_PCSC_ROW(SCARD_F_COMM_ERROR, kUnavailable, "communication with pcscd failed"),
    MYKEY_PCSC_ROW(SCARD_F_UNKNOWN_ERROR, kInternal, "PC/SC internal error of unknown source"),
    MYKEY_PCSC_ROW(SCARD_E_INVALID_ATR, kDataLoss, "card ATR is not valid"),
    MYKEY_PCSC_ROW(SCARD_E_NOT_TRANSACTED, kAborted,
                   "exchange with the card failed (card removed or not answering)"),
    MYKEY_PCSC_ROW(SCARD_E_READER_UNAVAILABLE, kUnavailable, "card reader is not available"),
    MYKEY_PCSC_ROW(SCARD_P_SHUTDOWN, kUnavailable, "PC/SC service is shutting down"),
    MYKEY_PCSC_ROW(SCARD_E_PCI_TOO_SMALL, kInternal, "PC/SC protocol information buffer too small"),
    MYKEY_PCSC_ROW(SCARD_E_READER_UNSUPPORTED, kUnimplemented, "card reader driver is unsupported"),
    MYKEY_PCSC_ROW(SCARD_E_DUPLICATE_READER, kInternal, "card reader driver gave a duplicate name"),
    MYKEY_PCSC_ROW(SCARD_E_CARD_UNSUPPORTED, kUnimplemented, "card is not supported by the reader"),
    MYKEY_PCSC_ROW(SCARD_E_NO_SERVICE, kUnavailable, "PC/SC service (pcscd) is not running"),
    MYKEY_PCSC_ROW(SCARD_E_SERVICE_STOPPED, kUnavailable, "PC/SC service (pcscd) has stopped"),
    MYKEY_PCSC_ROW(SCARD_E_UNEXPECTED, kUnimplemented,
                   "PC/SC feature not supported, or unexpected card error"),
    MYKEY_PCSC_ROW(SCARD_E_ICC_INSTALLATION, kInternal, "no PC/SC provider for the card"),
    MYKEY_PCSC_ROW(SCARD_E_ICC_CREATEORDER, kUnimplemented,
                   "PC/SC object creation order not supported"),
    MYKEY_PCSC_ROW(SCARD_E_DIR_NOT_FOUND, kNotFound, "card directory not found"),
    MYKEY_PCSC_ROW(SCARD_E_FILE_NOT_FOUND, kNotFound, "card file not found"),
    MYKEY_PCSC_ROW(SCARD_E_NO_DIR, kInvalidArgument, "path is not a card directory"),
    MYKEY_PCSC_ROW(SCARD_E_NO_FILE, kInvalidArgument, "path is not a card file"),
    MYKEY_PCSC_ROW(SCARD_E_NO_ACCESS, kPermissionDenied, "access to the card file denied"),
    MYKEY_PCSC_ROW(SCARD_E_WRITE_TOO_MANY, kResourceExhausted, "card is out of memory"),
    MYKEY_PCSC_ROW(SCARD_E_BAD_SEEK, kOutOfRange, "card file position out of range"),
    MYKEY_PCSC_ROW(SCARD_E_INVALID_CHV, kUnauthenticated, "PIN is incorrect (PC/SC)"),
    MYKEY_PCSC_ROW(SCARD_E_UNKNOWN_RES_MNG, kInternal,
                   "unrecognised code from a PC/SC layered component"),
    MYKEY_PCSC_ROW(SCARD_E_NO_SUCH_CERTIFICATE, kNotFound, "certificate does not exist (PC/SC)"),
    MYKEY_PCSC_ROW(SCARD_E_CERTIFICATE_UNAVAILABLE, kUnavailable,
                   "certificate could not be obtained (PC/SC)"),
    MYKEY_PCSC_ROW(SCARD_E_NO_READERS_AVAILABLE, kUnavailable, "no card reader is connected"),
    MYKEY_PCSC_ROW(SCARD_E_COMM_DATA_LOST, kDataLoss, "data lost in communication with the card"),
    MYKEY_PCSC_ROW(SCARD_E_NO_KEY_CONTAINER, kNotFound, "key container does not exist (PC/SC)"),
    MYKEY_PCSC_ROW(SCARD_E_SERVER_TOO_BUSY, kUnavailable, "PC/SC service is too busy"),
    MYKEY_PCSC_ROW(SCARD_W_UNSUPPORTED_CARD, kUnimplemented,
                   "reader cannot talk to the card (ATR conflict)"),
    MYKEY_PCSC_ROW(SCARD_W_UNRESPONSIVE_CARD, kUnavailable, "card does not answer a reset (mute)"),
    MYKEY_PCSC_ROW(SCARD_W_UNPOWERED_CARD, kAborted, "card was powered down under us"),
    MYKEY_PCSC_ROW(SCARD_W_RESET_CARD, kAborted, "card was reset under us"),
    MYKEY_PCSC_ROW(SCARD_W_REMOVED_CARD, kAborted, "card was removed"),
    MYKEY_PCSC_ROW(SCARD_W_SECURITY_VIOLATION, kPermissionDenied,
                   "card access denied (security violation)"),
    MYKEY_PCSC_ROW(SCARD_W_WRONG_CHV, kUnauthenticated, "wrong PIN presented (PC/SC)"),
    MYKEY_PCSC_ROW(SCARD_W_CHV_BLOCKED, kResourceExhausted, "PIN is blocked (PC/SC)"),
    MYKEY_PCSC_ROW(SCARD_W_EOF, kOutOfRange, "end of the card file reached"),
    MYKEY_PCSC_ROW(SCARD_W_CANCELLED_BY_USER, kCancelled, "user cancelled (PC/SC)"),
    MYKEY_PCSC_ROW(SCARD_W_CARD_NOT_AUTHENTICATED, kUnauthenticated,
                   "no PIN was presented (PC/SC)"),
};

#undef MYKEY_PCSC_ROW

}  // namespace

std::span<const PcscErrorEntry> PcscErrorTable() noexcept {
  return kTable;
}

Error PcscError(int64_t code) noexcept {
  for (const PcscErrorEntry& entry : kTable) {
    if (entry.code == code) return Error(entry.error, entry.message, ErrorDomain::kPcsc, code);
  }
  return Error(ErrorCode::kInternal, "unknown PC/SC return code", ErrorDomain::kPcsc, code);
}

}  // namespace mykey::hal
