// Japan-time days, MyKey IDs and idempotency keys as the ledger reads them.
#include "mykey/ledger/ledger_service.h"
#include "mykey/testing/catch.h"

namespace mykey::cloud {
namespace {

TEST_CASE("A day ends at midnight Japan time, 15:00 UTC") {
  // 2026-04-01T00:00+09:00 = 2026-03-31T15:00Z
  CHECK(*JapanDayEndMs("2026-03-31") == 1774969200000);
  CHECK(*JapanDayEndMs("2024-02-29") - *JapanDayEndMs("2024-02-28") == 86'400'000);
  CHECK(*JapanDayEndMs("2025-01-01") - *JapanDayEndMs("2024-12-31") == 86'400'000);
}

TEST_CASE("Malformed and impossible days are refused") {
  for (const char* day : {"2026-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-4-01",
                          "2026/04/01", "20260401", "", "1969-12-31", "2026-04-0x"}) {
    INFO(day);
    auto end = JapanDayEndMs(day);
    REQUIRE_FALSE(end);
    CHECK(end.error().code() == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("The Japan day of an instant turns at 15:00 UTC") {
  const int64_t midnight = *JapanDayEndMs("2026-03-31");
  CHECK(JapanDayOf(midnight) == "2026-04-01");
  CHECK(JapanDayOf(midnight - 1) == "2026-03-31");
  CHECK(JapanDayOf(0) == "1970-01-01");
  CHECK(JapanDayOf(*JapanDayEndMs("2024-02-29") - 1) == "2024-02-29");
}

TEST_CASE("Idempotency keys are 1..255 printable ASCII characters") {
  CHECK(IsValidIdempotencyKey("a"));
  CHECK(IsValidIdempotencyKey("terminal-7/op:2026-04-01#12"));
  CHECK(IsValidIdempotencyKey(std::string(255, 'k')));
  CHECK_FALSE(IsValidIdempotencyKey(""));
  CHECK_FALSE(IsValidIdempotencyKey(std::string(256, 'k')));
  CHECK_FALSE(IsValidIdempotencyKey("with space"));
  CHECK_FALSE(IsValidIdempotencyKey("tab\t"));
}

TEST_CASE("Ledger reasons are read back from the errors that carry them") {
  const Error reuse(ErrorCode::kFailedPrecondition, "reuse", ErrorDomain::kNone,
                    static_cast<int64_t>(LedgerReason::kIdempotencyKeyReuse));
  CHECK(LedgerReasonOf(reuse) == LedgerReason::kIdempotencyKeyReuse);
  CHECK(std::string(LedgerReasonName(LedgerReasonOf(reuse))) == "idempotency_key_reuse");
  CHECK(LedgerReasonOf(Error(ErrorCode::kAborted, "busy", ErrorDomain::kSqlite, 5)) ==
        LedgerReason::kNone);
  CHECK(LedgerReasonOf(Error(ErrorCode::kInternal, "x")) == LedgerReason::kNone);
}

}  // namespace
}  // namespace mykey::cloud
