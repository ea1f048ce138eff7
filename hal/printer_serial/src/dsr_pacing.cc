#include "dsr_pacing.h"

#include <algorithm>
#include <thread>

namespace mykey::printer::internal {
namespace {

using Clock = std::chrono::steady_clock;

// How often the line is looked at while it sends or the printer is busy.
constexpr std::chrono::milliseconds kPoll{1};

std::chrono::milliseconds Left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? left : std::chrono::milliseconds(0);
}

}  // namespace

Status WritePaced(const PacedLine& line, ByteView data, Clock::time_point deadline, size_t chunk) {
  chunk = std::max<size_t>(chunk, 1);
  size_t done = 0;
  while (done < data.size()) {
    while (true) {
      MYKEY_ASSIGN_OR_RETURN(size_t unsent, line.unsent());
      if (unsent == 0) {
        MYKEY_ASSIGN_OR_RETURN(bool ready, line.dsr_up());
        if (ready) break;
      }
      if (Clock::now() >= deadline) {
        return Fail(ErrorCode::kDeadlineExceeded, "the printer stayed busy (DSR down)",
                    ErrorDomain::kNone, static_cast<int64_t>(done));
      }
      std::this_thread::sleep_for(kPoll);
    }
    const size_t n = std::min(chunk, data.size() - done);
    auto written = line.write(data.subspan(done, n), Left(deadline));
    if (!written) {
      const Error& error = written.error();
      if (error.code() == ErrorCode::kDeadlineExceeded) {
        return Fail(ErrorCode::kDeadlineExceeded, error.message(), ErrorDomain::kNone,
                    static_cast<int64_t>(done) + error.detail());
      }
      if (error.code() == ErrorCode::kUnavailable && done > 0) {
        return Fail(ErrorCode::kDataLoss, "the printer went away mid-write", error.domain(),
                    error.detail());
      }
      return written;
    }
    done += n;
  }
  return Ok();
}

}  // namespace mykey::printer::internal
