#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/card_reader/card_reader.h"
#include "mykey/card_reader/reader_monitor.h"
#include "mykey/card_reader/virtual_card.h"

namespace mykey::hal {

namespace internal {
struct SimBus;  // the readers and cards, shared by a monitor and its readers
}  // namespace internal

/// A simulated card reader slot: the in-process backend of CardReader,
/// hosting the VirtualCard inserted into its reader by the monitor.
///
/// Connect() powers the card on (its ATR), Reset() calls VirtualCard::Reset(),
/// Disconnect() powers it off. Errors:
///  - kUnavailable: the reader was removed (SimReaderMonitor::RemoveReader)
///  - kNotFound:    Connect() with no card in the reader
///  - kAborted:     the card connected to was removed (or swapped) since
///
/// The timeout of Transmit() is ignored: a virtual card answers at once.
///
/// Thread safety: not thread-safe (one owner, like every CardReader); safe
/// against the test control methods of SimReaderMonitor on other threads.
class SimCardReader final : public CardReader {
 public:
  ~SimCardReader() override;

 private:
  friend class SimReaderMonitor;
  SimCardReader(std::shared_ptr<internal::SimBus> bus, std::string name);

  Result<Bytes> DoConnect() override;
  Result<Bytes> DoTransmit(ByteView command, std::chrono::milliseconds timeout) override;
  Result<Bytes> DoReset() override;
  Status DoDisconnect() override;

  std::shared_ptr<internal::SimBus> bus_;
  uint64_t card_generation_ = 0;  ///< which insertion we are connected to
};

/// The in-process backend of ReaderMonitor, for unit and contract tests:
/// readers are names, cards are VirtualCard objects owned by the test.
///
/// Test control methods (any thread) change the simulated hardware and wake a
/// blocked WaitForChange(). Fault injection: RemoveCardAfterCommands() pulls
/// the card in the middle of an APDU sequence.
///
/// Readers opened here keep working (and fail with kUnavailable) after the
/// monitor is destroyed.
///
/// Thread safety: the control methods and Cancel() are thread-safe; the
/// ReaderMonitor methods are for the owning thread, as for every monitor.
class SimReaderMonitor final : public ReaderMonitor {
 public:
  SimReaderMonitor();
  ~SimReaderMonitor() override;

  /// Plugs in an empty reader. @returns kAlreadyExists if the name is taken,
  /// kInvalidArgument for an empty name.
  Status AddReader(std::string_view name);
  /// Unplugs a reader; a card in it is gone too (powered off).
  /// @returns kNotFound for an unknown reader.
  Status RemoveReader(std::string_view name);
  /// Inserts `card` into `reader`. The card is borrowed: it must outlive its
  /// stay in the reader (until RemoveCard/RemoveReader, or the monitor is
  /// destroyed: the destructor detaches cards without calling them). It is called only under the
  /// monitor's lock, so the test may inspect it from another thread only through its own
  /// synchronisation.
  /// @returns kNotFound for an unknown reader, kAlreadyExists if the reader
  ///          holds a card.
  Status InsertCard(std::string_view reader, VirtualCard& card);
  /// Pulls the card out of `reader` (powered off).
  /// @returns kNotFound for an unknown reader or an empty one.
  Status RemoveCard(std::string_view reader);
  /// Fault injection: the card in `reader` is pulled right after it answered
  /// `commands` more APDUs (at once for 0), so the next Transmit() fails with
  /// kAborted.
  /// @returns kNotFound for an unknown reader or an empty one.
  Status RemoveCardAfterCommands(std::string_view reader, uint32_t commands);
  /// APDUs the card in `reader` has answered since it was inserted (0 when
  /// there is no such reader or card).
  uint64_t commands_processed(std::string_view reader) const;

 private:
  Result<std::vector<ReaderInfo>> DoListReaders() override;
  Result<std::vector<ReaderInfo>> DoWaitForChange(const std::vector<ReaderInfo>& known,
                                                  std::chrono::milliseconds timeout) override;
  Result<std::unique_ptr<CardReader>> DoOpenReader(std::string_view reader) override;
  void DoCancel() override;

  std::shared_ptr<internal::SimBus> bus_;
};

}  // namespace mykey::hal
