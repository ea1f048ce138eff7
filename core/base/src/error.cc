#include "mykey/base/error.h"

#include <cstdio>

namespace mykey {

const char* ErrorCodeName(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kAlreadyExists: return "already exists";
    case ErrorCode::kPermissionDenied: return "permission denied";
    case ErrorCode::kUnauthenticated: return "unauthenticated";
    case ErrorCode::kFailedPrecondition: return "failed precondition";
    case ErrorCode::kResourceExhausted: return "resource exhausted";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kDeadlineExceeded: return "deadline exceeded";
    case ErrorCode::kCancelled: return "cancelled";
    case ErrorCode::kAborted: return "aborted";
    case ErrorCode::kOutOfRange: return "out of range";
    case ErrorCode::kDataLoss: return "data loss";
    case ErrorCode::kUnimplemented: return "unimplemented";
    case ErrorCode::kInternal: return "internal";
  }
  return "unknown";
}

const char* ErrorDomainName(ErrorDomain domain) noexcept {
  switch (domain) {
    case ErrorDomain::kNone: return "none";
    case ErrorDomain::kCardStatus: return "card";
    case ErrorDomain::kPcsc: return "pcsc";
    case ErrorDomain::kMbedTls: return "mbedtls";
    case ErrorDomain::kOs: return "os";
    case ErrorDomain::kPinGuard: return "pin-guard";
    case ErrorDomain::kCurl: return "curl";
    case ErrorDomain::kSqlite: return "sqlite";
    case ErrorDomain::kParse: return "parse";
    case ErrorDomain::kPostgres: return "postgres";
    case ErrorDomain::kCodePoint: return "code point";
  }
  return "unknown";
}

std::string Error::ToString() const {
  std::string out = ErrorCodeName(code_);
  out += ": ";
  out += message_ != nullptr ? message_ : "";
  char buf[48];
  switch (domain_) {
    case ErrorDomain::kNone: return out;
    case ErrorDomain::kCardStatus:
      std::snprintf(buf, sizeof buf, " [card SW %04llX]",
                    static_cast<unsigned long long>(detail_ & 0xFFFF));
      break;
    case ErrorDomain::kPcsc:
      std::snprintf(buf, sizeof buf, " [pcsc 0x%08llX]",
                    static_cast<unsigned long long>(detail_ & 0xFFFFFFFF));
      break;
    case ErrorDomain::kMbedTls:
      std::snprintf(buf, sizeof buf, " [mbedtls -0x%04llX]",
                    static_cast<unsigned long long>(-detail_));
      break;
    case ErrorDomain::kPostgres: {
      char state[6] = {};
      for (int i = 0; i < 5; ++i) {
        state[i] = static_cast<char>((detail_ >> (8 * (4 - i))) & 0xFF);
      }
      std::snprintf(buf, sizeof buf, " [postgres SQLSTATE %s]", state);
      break;
    }
    case ErrorDomain::kCodePoint:
      std::snprintf(buf, sizeof buf, " [U+%04llX]",
                    static_cast<unsigned long long>(detail_ & 0x1FFFFF));
      break;
    default:
      std::snprintf(buf, sizeof buf, " [%s %lld]", ErrorDomainName(domain_),
                    static_cast<long long>(detail_));
      break;
  }
  out += buf;
  return out;
}

}  // namespace mykey
