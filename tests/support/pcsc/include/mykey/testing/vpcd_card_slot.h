#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "mykey/base/result.h"
#include "mykey/card_reader/reader_monitor.h"
#include "mykey/card_reader/virtual_card.h"
#include "mykey/pcsc/pcsc_reader.h"
#include "mykey/vpcd/vpcd_bridge.h"

/// Helpers for system tests over the real PC/SC stack (pcscd + vpcd), for
/// tests registered with mykey_pcsc_test() (tests/system/PcscdFixture.cmake).
namespace mykey::testing {

/// Long enough for pcscd's 400 ms presence poll, several times over.
inline constexpr std::chrono::milliseconds kPcscWaitTimeout{10000};

/// The PC/SC name of vpcd reader slot `slot` ("Virtual PCD 00 00" for 0).
std::string VpcdReaderName(uint16_t slot);

/// Waits until `monitor` lists both vpcd readers (slots 0 and 1), with the
/// monitor's events, not sleeps.
/// @returns kDeadlineExceeded if they are not listed in time, kUnavailable if
///          pcscd is not running.
Status WaitForVpcdReaders(hal::ReaderMonitor& monitor,
                          std::chrono::milliseconds timeout = kPcscWaitTimeout);

/// A VirtualCard in a vpcd reader slot, for the lifetime of this object: a
/// VpcdBridge plus its own PcscReaderMonitor that waits until pcscd sees the
/// card present or absent (never with sleeps).
///
/// Create() inserts the card and returns once pcscd reports it present; the
/// destructor pulls it and waits (up to kPcscWaitTimeout) until the reader is
/// empty, so the next test does not see the old ATR.
///
/// A vpcd slot holds one card, and several build trees may run system tests
/// on the one pcscd of the machine at the same time (CTest's RESOURCE_LOCK
/// works only within one ctest run). So a slot also holds a machine-wide
/// lock, flock() on `<registry>/vpcd-slot-<n>.lock` (registry:
/// $MYKEY_PCSCD_REGISTRY or /run/mykey-pcscd-fixture, as the fixture script),
/// from Create() until it is destroyed; Create() blocks until the lock is
/// free. Do not hold two VpcdCardSlots of the same slot in one process.
///
/// Thread safety: not thread-safe, except bridge(), whose methods are.
class VpcdCardSlot {
 public:
  /// Inserts `card` (borrowed; must outlive the slot) into vpcd slot `slot`.
  /// @param quick_ack see VpcdBridgeOptions::quick_ack
  /// @returns kDeadlineExceeded if pcscd did not see the card in time,
  ///          kUnavailable if pcscd is not running.
  static Result<std::unique_ptr<VpcdCardSlot>> Create(hal::VirtualCard& card, uint16_t slot = 0,
                                                      bool quick_ack = true);
  /// Like Create(), but leaves the reader empty (InsertCard() later); returns
  /// once both vpcd readers are listed and this one is empty.
  static Result<std::unique_ptr<VpcdCardSlot>> CreateEmpty(hal::VirtualCard& card,
                                                           uint16_t slot = 0,
                                                           bool quick_ack = true);
  ~VpcdCardSlot();  ///< pulls the card, waits until the reader is empty, unlocks
  VpcdCardSlot(const VpcdCardSlot&) = delete;
  VpcdCardSlot& operator=(const VpcdCardSlot&) = delete;

  /// Pulls the card and waits until pcscd reports the reader empty.
  Status RemoveCard(std::chrono::milliseconds timeout = kPcscWaitTimeout);
  /// Inserts the card again and waits until pcscd reports it present.
  Status InsertCard(std::chrono::milliseconds timeout = kPcscWaitTimeout);
  /// Waits until pcscd reports the reader empty (after bridge().RemoveAfterCommands()).
  Status WaitUntilAbsent(std::chrono::milliseconds timeout = kPcscWaitTimeout);

  hal::VpcdBridge& bridge() { return bridge_; }
  const std::string& reader_name() const { return reader_name_; }

 private:
  VpcdCardSlot(hal::VirtualCard& card, uint16_t slot, bool quick_ack);

  int lock_fd_ = -1;  // the machine-wide slot lock: taken first, released once the card is out
  std::string reader_name_;
  hal::PcscReaderMonitor monitor_;
  hal::VpcdBridge bridge_;
};

/// Stops the pcscd the test fixture started (tests/system/pcscd_fixture.sh
/// kill), for tests of pcscd restarts. Uses the MYKEY_PCSCD_FIXTURE and
/// MYKEY_PCSCD_STATE_DIR environment variables that mykey_pcsc_test() sets.
/// @returns kFailedPrecondition when the pcscd is not the fixture's alone to
///          stop (reused, or used by another build tree) or the environment
///          is not set: the test should then be skipped; kInternal when the
///          script failed.
Status StopFixturePcscd();

/// Starts pcscd again after StopFixturePcscd() and waits for its socket.
/// @returns kFailedPrecondition without the environment, kInternal when the
///          script failed.
Status StartFixturePcscd();

}  // namespace mykey::testing
