#include "mykey/iso7816/apdu_trace.h"

#include <string>

#include "mykey/testing/catch.h"

namespace mykey::iso7816 {
namespace {

Bytes Hex(std::string_view hex) {
  auto bytes = FromHex(hex);
  REQUIRE(bytes);
  return *bytes;
}

TEST_CASE("the trace records exchanges and counts APDUs and bytes", "[trace]") {
  ApduTrace trace;
  const auto t = std::chrono::steady_clock::now();
  trace.RecordExchange(Hex("00A4020C02000A"), Result<Bytes>(Hex("9000")), t, t);
  trace.RecordExchange(Hex("00B0000004"), Result<Bytes>(Hex("308204009000")), t, t);
  CHECK(trace.apdu_count() == 2);
  CHECK(trace.bytes_sent() == 12);
  CHECK(trace.bytes_received() == 8);
  REQUIRE(trace.exchanges().size() == 2);
  CHECK(trace.exchanges()[1].response == Hex("308204009000"));

  const std::string text = trace.ToString({.response_data = false, .timing = false});
  CHECK(text ==
        "#1 -> 00 A4 02 0C 02 00 0A\n   <- 90 00\n"
        "#2 -> 00 B0 00 00 04\n   <- [4 bytes] 90 00\n");
  CHECK(trace.ToString({.response_data = true, .timing = false}).find("30 82 04 00 90 00") !=
        std::string::npos);
}

TEST_CASE("VERIFY and CHANGE REFERENCE DATA data never reach the trace", "[trace]") {
  ApduTrace trace;
  const auto t = std::chrono::steady_clock::now();
  trace.RecordExchange(Hex("0020008004 31323334"), Result<Bytes>(Hex("63C2")), t, t);
  trace.RecordExchange(Hex("0024018004 39383736"), Result<Bytes>(Hex("9000")), t, t);
  trace.RecordExchange(Hex("002000800A 41424344454647484950"), Result<Bytes>(Hex("9000")), t, t);
  const std::string text = trace.ToString({.response_data = true, .timing = true});
  CHECK(text.find("31 32 33 34") == std::string::npos);
  CHECK(text.find("39 38 37 36") == std::string::npos);
  CHECK(text.find("41 42") == std::string::npos);
  // The length byte is hidden as well: every redacted command looks the same.
  CHECK(text.find("00 20 00 80 ** ** ** **") != std::string::npos);
  CHECK(text.find("04") == std::string::npos);
  CHECK(text.find("0A") == std::string::npos);
  for (const TracedExchange& e : trace.exchanges()) {
    CHECK(e.redacted);
    CHECK(e.command.size() == 4);
  }
}

TEST_CASE("an empty VERIFY is traced as it is", "[trace]") {
  ApduTrace trace;
  const auto t = std::chrono::steady_clock::now();
  trace.RecordExchange(Hex("00200080"), Result<Bytes>(Hex("63C3")), t, t);
  CHECK_FALSE(trace.exchanges()[0].redacted);
  CHECK(trace.ToString({.timing = false}) == "#1 -> 00 20 00 80\n   <- 63 C3\n");
}

TEST_CASE("refusals and transport errors are traced but not counted as APDUs", "[trace]") {
  ApduTrace trace;
  const auto t = std::chrono::steady_clock::now();
  trace.RecordRefusal(Hex("00A4040C02D392"), Error(ErrorCode::kPermissionDenied, "refused"));
  trace.RecordExchange(Hex("00B0000000"), Result<Bytes>(Fail(ErrorCode::kAborted, "card removed")),
                       t, t);
  CHECK(trace.refused_count() == 1);
  CHECK(trace.apdu_count() == 1);
  const std::string text = trace.ToString({.timing = false});
  CHECK(text.find("REFUSED (permission denied: refused)") != std::string::npos);
  CHECK(text.find("ERROR (aborted: card removed)") != std::string::npos);
  trace.Clear();
  CHECK(trace.exchanges().empty());
  CHECK(trace.apdu_count() == 0);
  CHECK(trace.refused_count() == 0);
}

}  // namespace
}  // namespace mykey::iso7816
