// The counter's error codes: packing into mykey::Error, and the one mapping
// from the card stack and the cloud client.
#include <optional>
#include <set>
#include <string>

#include "../src/error_mapping.h"
#include "mykey/cloud_client/cloud_error.h"
#include "mykey/counter/counter.h"
#include "mykey/testing/catch.h"

namespace mykey::counter {
namespace {

using cloud_client::CloudError;
using cloud_client::CloudErrorCode;
using cloud_client::MakeCloudError;

CloudError Cloud(CloudErrorCode code, int http_status) {
  CloudError error;
  error.code = code;
  error.http_status = http_status;
  return error;
}

TEST_CASE("Every counter error code survives the trip through mykey::Error with its own name") {
  std::set<std::string> names;
  for (int raw = 1; raw <= static_cast<int>(CounterErrorCode::kVoucherInvalid); ++raw) {
    const auto code = static_cast<CounterErrorCode>(raw);
    const Error error = MakeCounterError(code);
    CHECK(CounterErrorCodeOf(error) == code);
    CHECK(names.insert(std::string(CounterErrorCodeName(code))).second);
    CHECK(PinTriesLeftOf(error) == std::nullopt);
  }
  CHECK(MakeCounterError(CounterErrorCode::kCardRemoved).code() == ErrorCode::kAborted);
  CHECK(MakeCounterError(CounterErrorCode::kWrongPin).code() == ErrorCode::kUnauthenticated);
}

TEST_CASE("A wrong PIN error carries the tries left and other errors are not counter errors") {
  CHECK(PinTriesLeftOf(MakeCounterError(CounterErrorCode::kWrongPin, 2)) == 2);
  CHECK(PinTriesLeftOf(MakeCounterError(CounterErrorCode::kWrongPin, 1)) == 1);
  CHECK(CounterErrorCodeOf(Error(ErrorCode::kAborted, "card removed")) == CounterErrorCode::kNone);
  CHECK(CounterErrorCodeOf(Error(ErrorCode::kInternal, "x", ErrorDomain::kCardStatus, 0x6F00)) ==
        CounterErrorCode::kNone);
}

TEST_CASE("Card stack errors map to card removed, wrong PIN, blocked and not a JPKI card") {
  using internal::CodeFromCardError;
  CHECK(CodeFromCardError(Error(ErrorCode::kAborted, "removed")) == CounterErrorCode::kCardRemoved);
  CHECK(CodeFromCardError(Error(ErrorCode::kUnavailable, "gone")) ==
        CounterErrorCode::kReaderUnavailable);
  CHECK(CodeFromCardError(Error(ErrorCode::kUnauthenticated, "wrong", ErrorDomain::kCardStatus,
                                0x63C2)) == CounterErrorCode::kWrongPin);
  CHECK(CodeFromCardError(Error(ErrorCode::kResourceExhausted, "blocked", ErrorDomain::kCardStatus,
                                0x6984)) == CounterErrorCode::kPinBlocked);
  CHECK(CodeFromCardError(Error(ErrorCode::kResourceExhausted, "blocked", ErrorDomain::kPinGuard,
                                3)) == CounterErrorCode::kPinBlocked);
  CHECK(CodeFromCardError(Error(ErrorCode::kFailedPrecondition, "last", ErrorDomain::kPinGuard,
                                2)) == CounterErrorCode::kLastTryNeedsConfirmation);
  CHECK(CodeFromCardError(Error(ErrorCode::kNotFound, "no applet", ErrorDomain::kCardStatus,
                                0x6A82)) == CounterErrorCode::kNotJpkiCard);
  CHECK(CodeFromCardError(Error(ErrorCode::kInternal, "6F00", ErrorDomain::kCardStatus, 0x6F00)) ==
        CounterErrorCode::kCardError);
}

TEST_CASE("Cloud refusals map by the cloud's reason first, then by the client's code") {
  using internal::CodeFromCloudError;
  const Error forbidden = MakeCloudError(Cloud(CloudErrorCode::kForbidden, 403));
  CHECK(CodeFromCloudError(forbidden, "certificate_revoked") == CounterErrorCode::kCardRevoked);
  CHECK(CodeFromCloudError(forbidden, "card_suspended") == CounterErrorCode::kCardSuspended);
  CHECK(CodeFromCloudError(forbidden, "session_purpose") == CounterErrorCode::kWrongPurpose);
  CHECK(CodeFromCloudError(forbidden, "") == CounterErrorCode::kTerminalRefused);
  const Error conflict = MakeCloudError(Cloud(CloudErrorCode::kConflict, 409));
  CHECK(CodeFromCloudError(conflict, "insufficient_balance") ==
        CounterErrorCode::kInsufficientBalance);
  CHECK(CodeFromCloudError(conflict, "") == CounterErrorCode::kCloudError);
  CHECK(CodeFromCloudError(MakeCloudError(Cloud(CloudErrorCode::kUnreachable, 0)), "") ==
        CounterErrorCode::kCloudUnreachable);
  CHECK(CodeFromCloudError(MakeCloudError(Cloud(CloudErrorCode::kOutcomeUnknown, 0)), "") ==
        CounterErrorCode::kOutcomeUnknown);
  CHECK(CodeFromCloudError(MakeCloudError(Cloud(CloudErrorCode::kCloudInternal, 500)), "") ==
        CounterErrorCode::kCloudError);
}

}  // namespace
}  // namespace mykey::counter
