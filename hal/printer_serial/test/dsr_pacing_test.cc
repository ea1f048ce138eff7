#include "../src/dsr_pacing.h"

#include <vector>

#include "mykey/testing/catch.h"

namespace mykey::printer::internal {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// A line whose DSR follows a script (one value per look, the last repeats)
// and which sends everything it is given at once.
struct ScriptedLine {
  std::vector<bool> dsr;
  size_t looks = 0;
  std::vector<Bytes> chunks;
  bool fail_writes = false;

  PacedLine Line() {
    PacedLine line;
    line.dsr_up = [this]() -> Result<bool> {
      const bool up = dsr[std::min(looks, dsr.size() - 1)];
      ++looks;
      return up;
    };
    line.unsent = []() -> Result<size_t> { return size_t{0}; };
    line.write = [this](ByteView chunk, milliseconds) -> Status {
      if (fail_writes && !chunks.empty()) {
        return Fail(ErrorCode::kUnavailable, "gone", ErrorDomain::kOs, 5);
      }
      chunks.emplace_back(chunk.begin(), chunk.end());
      return Ok();
    };
    return line;
  }
};

TEST_CASE("DSR/DTR pacing writes in chunks, each only while DSR is up") {
  ScriptedLine scripted;
  scripted.dsr = {true, false, false, true};
  const Bytes data = BytesOf("0123456789abcdefghij");
  REQUIRE(WritePaced(scripted.Line(), data, Clock::now() + milliseconds(1000), 8));
  REQUIRE(scripted.chunks.size() == 3);
  CHECK(scripted.chunks[0] == BytesOf("01234567"));
  CHECK(scripted.chunks[1] == BytesOf("89abcdef"));
  CHECK(scripted.chunks[2] == BytesOf("ghij"));
  // The second chunk waited for DSR: 1 look, 2 down, 1 up, then the third.
  CHECK(scripted.looks == 5);
}

TEST_CASE("DSR/DTR pacing waits for the line to send the previous chunk") {
  ScriptedLine scripted;
  scripted.dsr = {true};
  PacedLine line = scripted.Line();
  int unsent_looks = 0;
  line.unsent = [&]() -> Result<size_t> {
    ++unsent_looks;
    return size_t(unsent_looks % 3 == 0 ? 0 : 4);  // sent on every third look
  };
  REQUIRE(WritePaced(line, BytesOf("abcdef"), Clock::now() + milliseconds(1000), 2));
  CHECK(scripted.chunks.size() == 3);
  CHECK(unsent_looks == 9);
}

TEST_CASE("A printer that keeps DSR down times out with the bytes written as detail") {
  ScriptedLine scripted;
  scripted.dsr = {true, false};
  const auto start = Clock::now();
  auto written = WritePaced(scripted.Line(), BytesOf("abcdefgh"), start + milliseconds(30), 4);
  REQUIRE_FALSE(written);
  CHECK(written.error().code() == ErrorCode::kDeadlineExceeded);
  CHECK(written.error().detail() == 4);
  CHECK(Clock::now() - start >= milliseconds(30));
}

TEST_CASE("A line lost after the first chunk is data loss, before it unavailable") {
  ScriptedLine scripted;
  scripted.dsr = {true};
  scripted.fail_writes = true;
  auto written =
      WritePaced(scripted.Line(), BytesOf("abcdefgh"), Clock::now() + milliseconds(100), 4);
  REQUIRE_FALSE(written);
  CHECK(written.error().code() == ErrorCode::kDataLoss);
  ScriptedLine first;
  first.dsr = {true};
  first.fail_writes = true;
  first.chunks.push_back({});  // the very first write fails
  PacedLine line = first.Line();
  written = WritePaced(line, BytesOf("ab"), Clock::now() + milliseconds(100), 4);
  REQUIRE_FALSE(written);
  CHECK(written.error().code() == ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace mykey::printer::internal
