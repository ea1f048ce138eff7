#include "mykey/terminal/daily_jobs.h"

#include "mykey/testing/catch.h"

namespace mykey::terminal {
namespace {

using namespace std::chrono;

MaintenanceConfig Window(int start, int end) {
  MaintenanceConfig window;
  window.start = minutes(start);
  window.end = minutes(end);
  return window;
}

// Local time on day `day` at hh:mm.
local_seconds At(int64_t day, int hh, int mm) {
  return local_seconds(days(day) + hours(hh) + minutes(mm));
}

TEST_CASE("a window within one day includes its start and excludes its end") {
  auto window = Window(3 * 60, 4 * 60);
  CHECK_FALSE(InMaintenanceWindow(window, 2 * 60 + 59));
  CHECK(InMaintenanceWindow(window, 3 * 60));
  CHECK(InMaintenanceWindow(window, 3 * 60 + 59));
  CHECK_FALSE(InMaintenanceWindow(window, 4 * 60));
}

TEST_CASE("a window across midnight covers both sides of it") {
  auto window = Window(23 * 60 + 30, 60);
  CHECK(InMaintenanceWindow(window, 23 * 60 + 45));
  CHECK(InMaintenanceWindow(window, 30));
  CHECK_FALSE(InMaintenanceWindow(window, 12 * 60));
}

TEST_CASE("the jobs are due once per window day") {
  auto window = Window(3 * 60, 4 * 60);
  CHECK_FALSE(JobsDue(window, At(100, 2, 0), std::nullopt));
  CHECK(JobsDue(window, At(100, 3, 10), std::nullopt));
  CHECK(WindowDay(window, At(100, 3, 10)) == 100);
  CHECK_FALSE(JobsDue(window, At(100, 3, 40), 100));
  CHECK(JobsDue(window, At(101, 3, 0), 100));
}

TEST_CASE("after midnight a crossing window still belongs to the day it started") {
  auto window = Window(23 * 60, 2 * 60);
  CHECK(WindowDay(window, At(100, 23, 30)) == 100);
  CHECK(WindowDay(window, At(101, 1, 0)) == 100);
  CHECK_FALSE(JobsDue(window, At(101, 1, 0), 100));
  CHECK(JobsDue(window, At(101, 23, 0), 100));
}

TEST_CASE("running the jobs runs each, even after one fails, and reports the failure") {
  std::vector<std::string> ran;
  DailyJobs jobs(Window(180, 240), {{"revocation_sync",
                                     [&]() -> Status {
                                       ran.push_back("revocation_sync");
                                       return Fail(ErrorCode::kUnavailable, "cloud unreachable");
                                     }},
                                    {"journal_forwarding", [&]() -> Status {
                                       ran.push_back("journal_forwarding");
                                       return Ok();
                                     }}});
  auto status = jobs.RunNow();
  REQUIRE_FALSE(status.has_value());
  CHECK(status.error().code() == ErrorCode::kUnavailable);
  CHECK(ran == std::vector<std::string>{"revocation_sync", "journal_forwarding"});
  auto health = jobs.Health();
  CHECK(health.healthy);  // one failure is not yet stale
  CHECK(health.detail.find("revocation_sync last failed") != std::string::npos);
}

TEST_CASE("a job without a success for longer than allowed makes the terminal unhealthy") {
  DailyJobs jobs(
      Window(180, 240),
      {{"revocation_sync", []() -> Status { return Fail(ErrorCode::kUnavailable, "x"); }}});
  (void)jobs.RunNow();
  auto health = jobs.Health(hours(0));
  CHECK_FALSE(health.healthy);
  CHECK(health.detail.find("revocation_sync has not succeeded") != std::string::npos);
}

}  // namespace
}  // namespace mykey::terminal
