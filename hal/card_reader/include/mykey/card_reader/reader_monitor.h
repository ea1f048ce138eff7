#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/card_reader/card_reader.h"

namespace mykey::hal {

/// A reader as last seen.
struct ReaderInfo {
  std::string name;
  bool card_present = false;
  Bytes atr;  ///< ATR of the present card, empty otherwise
  bool operator==(const ReaderInfo&) const = default;
};

enum class ReaderEventType {
  kReaderAdded,    ///< a reader was plugged in
  kReaderRemoved,  ///< a reader was unplugged (any card in it is gone too)
  kCardInserted,
  kCardRemoved,
};

struct ReaderEvent {
  ReaderEventType type;
  std::string reader;
  Bytes atr;  ///< for kCardInserted
  bool operator==(const ReaderEvent&) const = default;
};

const char* ReaderEventTypeName(ReaderEventType type) noexcept;

/// Lists readers, waits for cards and readers to come and go, and opens a
/// CardReader for a named reader.
///
/// The monitor remembers the state it last reported; WaitForChange() blocks
/// until the state differs from it and returns the differences as events.
///
/// Errors: kUnavailable (service down and not back within the wait),
/// kDeadlineExceeded (nothing changed before the timeout), kCancelled
/// (Cancel() was called), kNotFound (OpenReader of an unknown reader).
///
/// Thread safety: Cancel() may be called from any thread; everything else
/// from the owning thread.
class ReaderMonitor {
 public:
  ReaderMonitor() = default;
  virtual ~ReaderMonitor() = default;
  ReaderMonitor(const ReaderMonitor&) = delete;
  ReaderMonitor& operator=(const ReaderMonitor&) = delete;

  /// The readers now, with card presence. An empty list is not an error.
  Result<std::vector<ReaderInfo>> ListReaders();

  /// Blocks until a reader or card changes, up to `timeout`.
  /// @returns the events since the previous call (never empty on success).
  Result<std::vector<ReaderEvent>> WaitForChange(std::chrono::milliseconds timeout);

  /// Waits until a card is present in `reader` (or in any reader if empty).
  /// Returns at once if one already is. @returns that reader's info.
  Result<ReaderInfo> WaitForCard(std::string_view reader, std::chrono::milliseconds timeout);

  /// Waits until `reader` has no card (or is gone). Returns at once if so.
  Status WaitForCardRemoval(std::string_view reader, std::chrono::milliseconds timeout);

  /// Opens the named reader; the card is not connected yet.
  Result<std::unique_ptr<CardReader>> OpenReader(std::string_view reader);

  /// Wakes a blocked WaitFor…() with kCancelled. Thread-safe.
  void Cancel() { DoCancel(); }

 private:
  virtual Result<std::vector<ReaderInfo>> DoListReaders() = 0;
  /// Blocks until the backend's state may differ from `known`, up to
  /// `timeout`. Returns the new state. kDeadlineExceeded on timeout.
  virtual Result<std::vector<ReaderInfo>> DoWaitForChange(const std::vector<ReaderInfo>& known,
                                                          std::chrono::milliseconds timeout) = 0;
  virtual Result<std::unique_ptr<CardReader>> DoOpenReader(std::string_view reader) = 0;
  virtual void DoCancel() = 0;

  std::vector<ReaderInfo> known_;
  bool primed_ = false;
};

/// The events that turn `before` into `after` (pure; used by every backend).
std::vector<ReaderEvent> DiffReaderStates(const std::vector<ReaderInfo>& before,
                                          const std::vector<ReaderInfo>& after);

}  // namespace mykey::hal
