#pragma once

// The JPKI emulator conformance suite runs the same cases (raw APDUs in,
// golden status words and data out) against every way a card reaches the
// product: in-process through hal/sim, and through pcscd + vpcd + hal/pcsc.
// Each backend provides MakeConformanceTarget().

#include <memory>
#include <mutex>

#include "mykey/base/result.h"
#include "mykey/card_reader/card_reader.h"
#include "mykey/card_reader/virtual_card.h"
#include "mykey/jpki_emulator/jpki_card_emulator.h"
#include "mykey/jpki_emulator/personalisation.h"

namespace mykey::conformance {

/// A card slot whose card can be replaced by a new emulator instance while
/// the host (SimReaderMonitor, VpcdBridge) keeps it: "the card process
/// restarted". Calls are serialised by a mutex because hosts call from their
/// own threads.
///
/// Thread safety: all methods are thread-safe.
class SwappableCard final : public hal::VirtualCard {
 public:
  /// Replaces the card. The old instance is destroyed (its counters are
  /// already durable if it had a counter file).
  void Swap(std::unique_ptr<jpki::JpkiCardEmulator> card);

  Bytes PowerOn() override;
  void PowerOff() override;
  Bytes Reset() override;
  Bytes Process(ByteView command) override;

 private:
  std::mutex mutex_;
  std::unique_ptr<jpki::JpkiCardEmulator> card_;
};

/// One backend of the suite.
class ConformanceTarget {
 public:
  virtual ~ConformanceTarget() = default;

  /// Puts a new emulator instance built from `card` in the reader (the
  /// previous one is destroyed) and returns the reader, connected to it with
  /// a fresh session (warm reset).
  Result<hal::CardReader*> StartCard(jpki::JpkiPersonalisation card);

  /// The backend's name for test output ("sim", "pcsc").
  virtual const char* name() const = 0;

 protected:
  SwappableCard& slot() { return slot_; }

 private:
  /// Makes sure `slot()` is in the reader and a reader is connected to it;
  /// returns that reader.
  virtual Result<hal::CardReader*> DoConnectedReader() = 0;

  SwappableCard slot_;
};

/// The backend of this test binary (sim_target.cc or pcsc_target.cc). Built
/// once per process and shared by all test cases.
ConformanceTarget& SharedConformanceTarget();

}  // namespace mykey::conformance
