#pragma once

// Watches one reader on a thread of its own while the holder is at the PIN
// pad, so that the PIN pad's wait ends as soon as the card is taken away
// (issue 5: a card pulled at the PIN prompt ends the operation at once).

#include <atomic>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "mykey/base/result.h"
#include "mykey/card_reader/reader_monitor.h"

namespace mykey::terminal {

/// Between Start() and Stop(), waits on its own ReaderMonitor (its own PC/SC
/// context: the counter's monitor stays on the counter's thread) for the card
/// to leave one reader; then event_fd() becomes readable.
///
/// Thread safety: Start() and Stop() from one thread (the PIN pad's caller);
/// event_fd() may be polled from that thread while the watch runs.
class CardRemovalWatch {
 public:
  /// @param monitor used by this watch only (on its thread); borrowed, must
  ///                outlive the watch
  /// @returns the watch; kInternal when its eventfd cannot be made.
  static Result<std::unique_ptr<CardRemovalWatch>> Create(hal::ReaderMonitor& monitor);
  ~CardRemovalWatch();
  CardRemovalWatch(const CardRemovalWatch&) = delete;
  CardRemovalWatch& operator=(const CardRemovalWatch&) = delete;

  /// Starts watching `reader` (a running watch is stopped first). A reader
  /// that holds no card, or is gone, signals at once.
  /// @returns Ok; kInvalidArgument for an empty name.
  Status Start(std::string_view reader);
  /// Stops watching and clears the signal. Safe when not started.
  void Stop();
  /// Readable (POLLIN) once the card left the watched reader.
  int event_fd() const { return event_fd_; }

 private:
  CardRemovalWatch(hal::ReaderMonitor& monitor, int event_fd);
  void Watch(std::string reader);

  hal::ReaderMonitor& monitor_;
  int event_fd_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace mykey::terminal
