#pragma once

// mykey::Result<T>: a value or a mykey::Error. Built on tl::expected (Debian's
// libexpected-dev) because GCC 12's std::expected lacks the monadic members;
// switches to std::expected where the library has a complete one.

#include <utility>

#include "mykey/base/error.h"

#if defined(__cpp_lib_expected) && __cpp_lib_expected >= 202211L
#include <expected>
#define MYKEY_STD_EXPECTED 1
#else
#include <tl/expected.hpp>
#define MYKEY_STD_EXPECTED 0
#endif

namespace mykey {

namespace internal {
#if MYKEY_STD_EXPECTED
template <typename T, typename E>
using Expected = std::expected<T, E>;
using Unexpected = std::unexpected<Error>;
#else
template <typename T, typename E>
using Expected = tl::expected<T, E>;
using Unexpected = tl::unexpected<Error>;
#endif
}  // namespace internal

/// A value of type T, or the Error that prevented it. Must not be ignored.
template <typename T>
class [[nodiscard]] Result : public internal::Expected<T, Error> {
 public:
  using internal::Expected<T, Error>::Expected;
  Result(const internal::Expected<T, Error>& other) : internal::Expected<T, Error>(other) {}
  Result(internal::Expected<T, Error>&& other) : internal::Expected<T, Error>(std::move(other)) {}
};

/// Success or an Error.
using Status = Result<void>;

/// The success value of a Status.
inline Status Ok() {
  return {};
}

/// Wraps an Error for returning from a function that returns Result<T>.
inline internal::Unexpected Fail(Error error) {
  return internal::Unexpected(error);
}
inline internal::Unexpected Fail(ErrorCode code, const char* message,
                                 ErrorDomain domain = ErrorDomain::kNone, int64_t detail = 0) {
  return internal::Unexpected(Error(code, message, domain, detail));
}

}  // namespace mykey

#define MYKEY_CONCAT_INNER(a, b) a##b
#define MYKEY_CONCAT(a, b) MYKEY_CONCAT_INNER(a, b)

/// Evaluates `expr` (a Result or Status) and returns its error from the
/// enclosing function if it failed.
#define MYKEY_TRY(expr)                                                      \
  do {                                                                       \
    auto&& mykey_try_result_ = (expr);                                       \
    if (!mykey_try_result_) return ::mykey::Fail(mykey_try_result_.error()); \
  } while (0)

/// `MYKEY_ASSIGN_OR_RETURN(auto x, Compute());` declares/assigns the value or
/// returns the error.
#define MYKEY_ASSIGN_OR_RETURN(lhs, expr) \
  MYKEY_ASSIGN_OR_RETURN_IMPL(MYKEY_CONCAT(mykey_result_, __LINE__), lhs, expr)
#define MYKEY_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp) return ::mykey::Fail(tmp.error());      \
  lhs = std::move(*tmp)
