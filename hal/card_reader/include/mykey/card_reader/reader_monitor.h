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

/// What changed between two states of the readers.
enum class ReaderEventType {
  kReaderAdded,    ///< a reader was plugged in
  kReaderRemoved,  ///< a reader was unplugged (any card in it is gone too)
  kCardInserted,
  kCardRemoved,
};

/// One change, as WaitForChange() reports it.
struct ReaderEvent {
  ReaderEventType type;
  std::string reader;
  Bytes atr;  ///< for kCardInserted
  bool operator==(const ReaderEvent&) const = default;
};

/// The stable lower-case name of an event type ("card inserted").
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
/// Cancel() is never lost: if no WaitFor…() is blocked when it is called, the
/// next one returns kCancelled at once (for PC/SC, see its backend notes).
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
  /// Remembers the state: later WaitForChange() calls report changes from it.
  /// @returns kUnavailable when the reader service is down.
  Result<std::vector<ReaderInfo>> ListReaders();

  /// Blocks until a reader or card changes, up to `timeout`. The first call
  /// without an earlier ListReaders() counts changes from the state at the
  /// call. Changes the backend reports that do not alter the ReaderInfo list
  /// are swallowed and the wait goes on.
  /// @returns the events since the state last reported (never empty), in
  ///          the order of DiffReaderStates(); kDeadlineExceeded when nothing
  ///          changed in time, kCancelled, kUnavailable.
  Result<std::vector<ReaderEvent>> WaitForChange(std::chrono::milliseconds timeout);

  /// Waits until a card is present in `reader` (or in any reader if empty).
  /// Returns at once if one already is. A reader that does not exist yet is
  /// waited for too.
  /// @returns that reader's info; kDeadlineExceeded, kCancelled, kUnavailable.
  Result<ReaderInfo> WaitForCard(std::string_view reader, std::chrono::milliseconds timeout);

  /// Waits until `reader` has no card (or is gone); with an empty name, until
  /// no reader holds a card. Returns at once if so.
  /// @returns kDeadlineExceeded, kCancelled, kUnavailable.
  Status WaitForCardRemoval(std::string_view reader, std::chrono::milliseconds timeout);

  /// Opens the named reader; the card is not connected yet.
  /// @returns kInvalidArgument for an empty name, kNotFound for a reader the
  ///          backend does not know, kUnavailable when the service is down.
  Result<std::unique_ptr<CardReader>> OpenReader(std::string_view reader);

  /// Wakes a blocked WaitFor…() with kCancelled; if none is blocked, the
  /// next one returns kCancelled at once. Thread-safe.
  void Cancel() { DoCancel(); }

 private:
  virtual Result<std::vector<ReaderInfo>> DoListReaders() = 0;
  /// Blocks until the backend's state may differ from `known`, up to
  /// `timeout` (0: look once). Returns the new state (it may equal `known`;
  /// the caller then waits again). kDeadlineExceeded on timeout, kCancelled
  /// after DoCancel() (consumed by this call).
  virtual Result<std::vector<ReaderInfo>> DoWaitForChange(const std::vector<ReaderInfo>& known,
                                                          std::chrono::milliseconds timeout) = 0;
  virtual Result<std::unique_ptr<CardReader>> DoOpenReader(std::string_view reader) = 0;
  virtual void DoCancel() = 0;

  std::vector<ReaderInfo> known_;
  bool primed_ = false;
};

/// The events that turn `before` into `after` (pure; used by every backend).
///
/// First what left, in the order of `before`: kCardRemoved for a card that is
/// gone (also when its reader is gone), then kReaderRemoved. Then what
/// arrived, in the order of `after`: kReaderAdded, then kCardInserted (with
/// the ATR). A card whose ATR changed in the same reader was swapped between
/// two looks: kCardRemoved and later kCardInserted.
std::vector<ReaderEvent> DiffReaderStates(const std::vector<ReaderInfo>& before,
                                          const std::vector<ReaderInfo>& after);

}  // namespace mykey::hal
