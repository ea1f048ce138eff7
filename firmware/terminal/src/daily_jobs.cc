#include "mykey/terminal/daily_jobs.h"

#include <ctime>

#include "mykey/base/log.h"

namespace mykey::terminal {
namespace {

int MinuteOfDay(std::chrono::local_seconds now) {
  auto day = std::chrono::floor<std::chrono::days>(now);
  return static_cast<int>(std::chrono::duration_cast<std::chrono::minutes>(now - day).count());
}

}  // namespace

bool InMaintenanceWindow(const MaintenanceConfig& window, int minute_of_day) noexcept {
  int start = static_cast<int>(window.start.count());
  int end = static_cast<int>(window.end.count());
  if (start < end) return minute_of_day >= start && minute_of_day < end;
  return minute_of_day >= start || minute_of_day < end;
}

int64_t WindowDay(const MaintenanceConfig& window, std::chrono::local_seconds now) noexcept {
  auto day = std::chrono::floor<std::chrono::days>(now).time_since_epoch().count();
  bool crosses = window.end < window.start;
  if (crosses && MinuteOfDay(now) < static_cast<int>(window.end.count())) return day - 1;
  return day;
}

bool JobsDue(const MaintenanceConfig& window, std::chrono::local_seconds now,
             std::optional<int64_t> last_window_day) noexcept {
  if (!InMaintenanceWindow(window, MinuteOfDay(now))) return false;
  return !last_window_day || *last_window_day != WindowDay(window, now);
}

std::chrono::local_seconds LocalNow() {
  std::time_t t = std::time(nullptr);
  std::tm local{};
  ::localtime_r(&t, &local);
  return std::chrono::local_seconds(std::chrono::seconds(t + local.tm_gmtoff));
}

DailyJobs::DailyJobs(MaintenanceConfig window, std::vector<DailyJob> jobs,
                     std::function<std::chrono::local_seconds()> now)
    : window_(window), jobs_(std::move(jobs)), now_(now ? std::move(now) : LocalNow) {
  states_.resize(jobs_.size());
}

DailyJobs::~DailyJobs() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DailyJobs::Start() {
  std::lock_guard lock(mutex_);
  if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
}

Status DailyJobs::RunNow() {
  Status first = Ok();
  for (size_t i = 0; i < jobs_.size(); ++i) {
    Status status = jobs_[i].run ? jobs_[i].run() : Fail(ErrorCode::kUnimplemented, "no job");
    std::lock_guard lock(mutex_);
    if (status) {
      states_[i].last_success = std::chrono::steady_clock::now();
      states_[i].last_error.clear();
      log::Write(log::Level::kInfo, "terminal", "daily job " + jobs_[i].name + ": done");
    } else {
      states_[i].last_error = status.error().ToString();
      log::Write(log::Level::kWarning, "terminal",
                 "daily job " + jobs_[i].name + " failed: " + states_[i].last_error +
                     " (retried in the next window)");
      if (first) first = status;
    }
  }
  return first;
}

HealthReport DailyJobs::Health(std::chrono::hours stale) const {
  std::lock_guard lock(mutex_);
  HealthReport report;
  auto now = std::chrono::steady_clock::now();
  for (size_t i = 0; i < jobs_.size(); ++i) {
    const JobState& state = states_[i];
    auto since = state.last_success.value_or(started_);
    if (now - since > stale) {
      report.healthy = false;
      if (!report.detail.empty()) report.detail += "; ";
      report.detail +=
          jobs_[i].name + " has not succeeded for over " + std::to_string(stale.count()) + " h";
    }
    if (!state.last_error.empty()) {
      if (!report.detail.empty()) report.detail += "; ";
      report.detail += jobs_[i].name + " last failed: " + state.last_error;
    }
  }
  return report;
}

void DailyJobs::Loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto now = now_();
    if (JobsDue(window_, now, last_window_day_)) {
      last_window_day_ = WindowDay(window_, now);
      lock.unlock();
      (void)RunNow();
      lock.lock();
      continue;
    }
    wake_.wait_for(lock, std::chrono::seconds(30), [&] { return stopping_; });
  }
}

}  // namespace mykey::terminal
