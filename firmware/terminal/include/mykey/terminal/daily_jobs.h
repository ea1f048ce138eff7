#pragma once

// The terminal's daily jobs (revocation sync, journal forwarding), run once
// a day inside the maintenance window, and their health.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "mykey/base/result.h"
#include "mykey/terminal/config.h"
#include "mykey/terminal/local_api.h"

namespace mykey::terminal {

/// One job: a name for logs and /healthz, and what it does.
///
/// Thread safety: a value type; `run` is called from the jobs' thread.
struct DailyJob {
  std::string name;  ///< "revocation_sync", "journal_forwarding"
  std::function<Status()> run;
};

/// True when `minute_of_day` (local, 0..1439) is inside the window (start
/// inclusive, end exclusive; a window whose end is before its start crosses
/// midnight).
bool InMaintenanceWindow(const MaintenanceConfig& window, int minute_of_day) noexcept;

/// The day a run at local time `now` belongs to: the day its window started
/// (for a window crossing midnight, a run at 01:00 belongs to yesterday's
/// window). Days are counted since 1970-01-01, local.
int64_t WindowDay(const MaintenanceConfig& window, std::chrono::local_seconds now) noexcept;

/// True when the jobs should run at `now`: inside the window, and not run yet
/// for this window's day.
bool JobsDue(const MaintenanceConfig& window, std::chrono::local_seconds now,
             std::optional<int64_t> last_window_day) noexcept;

/// Runs the jobs daily on their own thread (checked every 30 s), or at once
/// on RunNow().
///
/// Thread safety: every method may be called from any thread.
class DailyJobs {
 public:
  /// @param window the maintenance window
  /// @param jobs   the jobs, run in order
  /// @param now    local time now (default: the system clock in the local zone)
  DailyJobs(MaintenanceConfig window, std::vector<DailyJob> jobs,
            std::function<std::chrono::local_seconds()> now = {});
  /// Stops the thread (a job in progress finishes first).
  ~DailyJobs();
  DailyJobs(const DailyJobs&) = delete;
  DailyJobs& operator=(const DailyJobs&) = delete;

  /// Starts the daily thread.
  void Start();
  /// Runs every job now, on the calling thread.
  /// @returns Ok, or the first job's error (the other jobs still run).
  Status RunNow();
  /// Unhealthy when a job has not succeeded for more than `stale` (it never
  /// succeeded and the terminal has run longer than `stale`, or its last
  /// success is older); the detail names failing jobs.
  HealthReport Health(std::chrono::hours stale = std::chrono::hours(48)) const;

 private:
  struct JobState {
    std::optional<std::chrono::steady_clock::time_point> last_success;
    std::string last_error;
  };
  void Loop();

  MaintenanceConfig window_;
  std::vector<DailyJob> jobs_;
  std::function<std::chrono::local_seconds()> now_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<JobState> states_;
  std::optional<int64_t> last_window_day_;
  bool stopping_ = false;
  std::thread thread_;
};

/// Local time now, from the system clock and the local zone (localtime_r).
std::chrono::local_seconds LocalNow();

}  // namespace mykey::terminal
