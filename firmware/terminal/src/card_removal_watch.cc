#include "mykey/terminal/card_removal_watch.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <utility>

#include "mykey/base/log.h"

namespace mykey::terminal {
namespace {

// Each wait is a slice: Stop() cancels the monitor, and the slice bounds the
// wait should a cancel be swallowed.
constexpr std::chrono::milliseconds kWatchSlice{5000};

}  // namespace

Result<std::unique_ptr<CardRemovalWatch>> CardRemovalWatch::Create(hal::ReaderMonitor& monitor) {
  int event = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (event < 0) return Fail(ErrorCode::kInternal, "eventfd failed", ErrorDomain::kOs, errno);
  return std::unique_ptr<CardRemovalWatch>(new CardRemovalWatch(monitor, event));
}

CardRemovalWatch::CardRemovalWatch(hal::ReaderMonitor& monitor, int event_fd)
    : monitor_(monitor), event_fd_(event_fd) {}

CardRemovalWatch::~CardRemovalWatch() {
  Stop();
  ::close(event_fd_);
}

Status CardRemovalWatch::Start(std::string_view reader) {
  if (reader.empty()) return Fail(ErrorCode::kInvalidArgument, "no reader to watch");
  Stop();
  stopping_ = false;
  thread_ = std::thread([this, name = std::string(reader)] { Watch(name); });
  return Ok();
}

void CardRemovalWatch::Stop() {
  if (thread_.joinable()) {
    stopping_ = true;
    monitor_.Cancel();
    thread_.join();
  }
  uint64_t value = 0;
  [[maybe_unused]] ssize_t n = ::read(event_fd_, &value, sizeof value);
}

void CardRemovalWatch::Watch(std::string reader) {
  while (!stopping_.load()) {
    Status gone = monitor_.WaitForCardRemoval(reader, kWatchSlice);
    if (gone) {
      uint64_t one = 1;
      [[maybe_unused]] ssize_t n = ::write(event_fd_, &one, sizeof one);
      return;
    }
    // A cancel left from an earlier Stop() (the monitor keeps one for the
    // next wait) or the end of a slice: wait again unless stopping.
    if (gone.error().code() == ErrorCode::kCancelled ||
        gone.error().code() == ErrorCode::kDeadlineExceeded) {
      continue;
    }
    // The reader service is gone: the card calls will say so; stop watching.
    log::Write(log::Level::kDebug, "terminal", "card watch ended: " + gone.error().ToString());
    return;
  }
}

}  // namespace mykey::terminal
