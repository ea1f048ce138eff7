#pragma once

#include <cstdint>
#include <string>

namespace mykey {

/// Coarse error category, for control flow. Callers branch on this and on the
/// domain detail, never on message text.
enum class ErrorCode : uint8_t {
  kInvalidArgument,     ///< the caller's input is malformed
  kNotFound,            ///< a file, reader, card object or record does not exist
  kAlreadyExists,       ///< creating something that is already there
  kPermissionDenied,    ///< refused by a rule (AID firewall, access condition, PIN guard)
  kUnauthenticated,     ///< a PIN or signature is wrong
  kFailedPrecondition,  ///< the system is not in the state the call needs
  kResourceExhausted,   ///< tries, space or quota used up (a blocked PIN)
  kUnavailable,         ///< a device or service is absent or gone; may work later
  kDeadlineExceeded,    ///< a timeout
  kCancelled,           ///< the caller cancelled
  kAborted,             ///< interrupted (card removed, reset) mid-operation
  kOutOfRange,          ///< past the end of a file or range
  kDataLoss,            ///< data is corrupt or truncated
  kUnimplemented,       ///< not supported by this device or backend
  kInternal,            ///< a bug or an unexpected answer from a lower layer
};

/// Where the raw detail of an error comes from.
enum class ErrorDomain : uint8_t {
  kNone,
  kCardStatus,  ///< detail is the ISO 7816 status word (e.g. 0x6982)
  kPcsc,        ///< detail is the PC/SC LONG return code
  kMbedTls,     ///< detail is the (negative) mbedTLS error code
  kOs,          ///< detail is errno
  kPinGuard,    ///< detail is a mykey::jpki::PinGuardReason
  kCurl,        ///< detail is a CURLcode
  kSqlite,      ///< detail is a SQLite result code
  kParse,       ///< detail is the byte offset where parsing failed
  kPostgres,    ///< detail is the SQLSTATE, its five ASCII characters packed big-endian
  kCodePoint,   ///< detail is a Unicode code point (printed as U+XXXX)
};

/// A small, trivially copyable error: a code, a static message, and the raw
/// detail of the boundary it came from.
///
/// Thread safety: a value type; safe to copy between threads.
class Error {
 public:
  /// @param code    the category callers branch on
  /// @param message a string literal (static storage); never user or card data
  /// @param domain  where `detail` comes from
  /// @param detail  the raw code of that domain (status word, errno, ...)
  constexpr Error(ErrorCode code, const char* message, ErrorDomain domain = ErrorDomain::kNone,
                  int64_t detail = 0) noexcept
      : code_(code), domain_(domain), detail_(detail), message_(message) {}

  constexpr ErrorCode code() const noexcept { return code_; }
  constexpr ErrorDomain domain() const noexcept { return domain_; }
  constexpr int64_t detail() const noexcept { return detail_; }
  constexpr const char* message() const noexcept { return message_; }

  /// True when this error came from `domain` with raw `detail`.
  constexpr bool Is(ErrorDomain domain, int64_t detail) const noexcept {
    return domain_ == domain && detail_ == detail;
  }

  /// "permission denied: SELECT refused by the AID firewall [card SW 6A82]".
  std::string ToString() const;

 private:
  ErrorCode code_;
  ErrorDomain domain_;
  int64_t detail_;
  const char* message_;
};

/// The stable lower-case name of a code ("invalid argument").
const char* ErrorCodeName(ErrorCode code) noexcept;
/// The stable lower-case name of a domain ("card", "pcsc").
const char* ErrorDomainName(ErrorDomain domain) noexcept;

}  // namespace mykey
