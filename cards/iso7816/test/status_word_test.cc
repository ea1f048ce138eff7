#include "mykey/iso7816/status_word.h"

#include <initializer_list>
#include <string>

#include "mykey/testing/catch.h"

namespace mykey::iso7816 {
namespace {

TEST_CASE("every listed status word maps to its error code", "[sw]") {
  struct Case {
    uint16_t sw;
    ErrorCode code;
  };
  const Case cases[] = {
      {0x6281, ErrorCode::kDataLoss},           {0x6282, ErrorCode::kOutOfRange},
      {0x6283, ErrorCode::kFailedPrecondition}, {0x6300, ErrorCode::kUnauthenticated},
      {0x63C2, ErrorCode::kUnauthenticated},    {0x63C1, ErrorCode::kUnauthenticated},
      {0x63C0, ErrorCode::kResourceExhausted},  {0x6581, ErrorCode::kInternal},
      {0x6700, ErrorCode::kInvalidArgument},    {0x6882, ErrorCode::kUnimplemented},
      {0x6883, ErrorCode::kInvalidArgument},    {0x6981, ErrorCode::kInvalidArgument},
      {0x6982, ErrorCode::kPermissionDenied},   {0x6983, ErrorCode::kResourceExhausted},
      {0x6984, ErrorCode::kFailedPrecondition}, {0x6985, ErrorCode::kFailedPrecondition},
      {0x6986, ErrorCode::kFailedPrecondition}, {0x6A80, ErrorCode::kInvalidArgument},
      {0x6A81, ErrorCode::kUnimplemented},      {0x6A82, ErrorCode::kNotFound},
      {0x6A84, ErrorCode::kResourceExhausted},  {0x6A86, ErrorCode::kInvalidArgument},
      {0x6A88, ErrorCode::kNotFound},           {0x6B00, ErrorCode::kOutOfRange},
      {0x6D00, ErrorCode::kUnimplemented},      {0x6E00, ErrorCode::kUnimplemented},
      {0x6F00, ErrorCode::kInternal},           {0x1234, ErrorCode::kInternal},
  };
  for (const Case& c : cases) {
    INFO(std::to_string(c.sw));
    const Error error = ErrorFromStatusWord(c.sw);
    CHECK(error.code() == c.code);
    CHECK(error.domain() == ErrorDomain::kCardStatus);
    CHECK(error.detail() == c.sw);
  }
}

TEST_CASE("the table gives a meaning text for known words", "[sw]") {
  CHECK(std::string(StatusWordInfo(0x6A82).text) == "file or application not found");
  CHECK(StatusWordInfo(0x9000).success);
  CHECK_FALSE(StatusWordInfo(0x6A82).success);
  CHECK(std::string(StatusWordInfo(0x1234).text) == "unknown status word");
}

TEST_CASE("9000 is not an error", "[sw]") {
  CHECK(ErrorFromStatusWord(0x9000).code() == ErrorCode::kInternal);
}

TEST_CASE("63Cx carries the tries left", "[sw]") {
  CHECK(TriesLeftFromStatusWord(0x63C3) == 3);
  CHECK(TriesLeftFromStatusWord(0x63C0) == 0);
  CHECK(TriesLeftFromStatusWord(0x63CF) == 15);
  CHECK_FALSE(TriesLeftFromStatusWord(0x6300).has_value());
  CHECK_FALSE(TriesLeftFromStatusWord(0x9000).has_value());
}

TEST_CASE("at VERIFY, 6984, 6983 and 63C0 mean the PIN is blocked", "[sw]") {
  for (const uint16_t sw : std::initializer_list<uint16_t>{0x6984, 0x6983, 0x63C0}) {
    const Error error = ErrorFromVerifyStatusWord(sw);
    CHECK(error.code() == ErrorCode::kResourceExhausted);
    CHECK(error.detail() == sw);
  }
  CHECK(ErrorFromVerifyStatusWord(0x63C2).code() == ErrorCode::kUnauthenticated);
  CHECK(ErrorFromVerifyStatusWord(0x6A82).code() == ErrorCode::kNotFound);
}

TEST_CASE("an error string names the status word", "[sw]") {
  CHECK(ErrorFromStatusWord(0x6A82).ToString().find("6A82") != std::string::npos);
}

}  // namespace
}  // namespace mykey::iso7816
