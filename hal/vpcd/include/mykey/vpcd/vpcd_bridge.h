#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "mykey/base/bytes.h"
#include "mykey/card_reader/virtual_card.h"

namespace mykey::hal {

/// TCP port of vpcd's first reader ("Virtual PCD 00 00"); slot n is at +n.
inline constexpr uint16_t kVpcdBasePort = 35963;

/// The port of vpcd reader slot `slot` (0 or 1 in Debian's configuration).
constexpr uint16_t VpcdPort(uint16_t slot) {
  return static_cast<uint16_t>(kVpcdBasePort + slot);
}

/// How a VpcdBridge reaches vpcd.
struct VpcdBridgeOptions {
  std::string host = "127.0.0.1";
  uint16_t port = kVpcdBasePort;
  /// Set TCP_QUICKACK again before every recv(). Without it, Nagle in vpcd
  /// (it sends length and body in two writes) meets our delayed ACK and every
  /// APDU costs about 40 ms instead of 0.1 ms. Off only to measure that.
  bool quick_ack = true;
  /// Longest pause between two tries to reach vpcd (it starts at 10 ms).
  std::chrono::milliseconds max_backoff{500};
};

/// Puts one VirtualCard into a reader slot of pcscd's vpcd driver.
///
/// The card side is the TCP client of vpcd. Every message both ways is a
/// 2-byte big-endian length and the payload. vpcd sends 00 (power off),
/// 01 (power on), 02 (reset), 04 (get ATR, also its presence poll every
/// ~400 ms) as one-byte messages, and C-APDUs, which get the R-APDU back.
///
/// The bridge runs its own thread. Insert() makes the card present (the
/// thread connects, and reconnects with back-off while vpcd is not there or
/// drops the connection); Remove() closes the connection, which vpcd sees as
/// the card pulled out. A pulled card is powered off (PowerOff()), so it
/// drops its session state. The card's ATR is learnt by powering it on once
/// per insertion; later ATR requests answer the ATR of the last power on or
/// reset, without side effects on the card.
///
/// The card is borrowed: it must outlive the bridge. It is called only from
/// the bridge's thread (VirtualCard is not thread-safe).
///
/// Logs at debug level (module "vpcd"), never APDU contents (a VERIFY carries
/// a PIN).
///
/// Thread safety: all public methods are thread-safe.
class VpcdBridge {
 public:
  /// Starts the bridge thread; the card is not inserted yet.
  explicit VpcdBridge(VirtualCard& card, VpcdBridgeOptions options = {});
  /// Removes the card and stops the thread.
  ~VpcdBridge();
  VpcdBridge(const VpcdBridge&) = delete;
  VpcdBridge& operator=(const VpcdBridge&) = delete;

  /// Inserts the card: returns at once; the thread connects to vpcd (and
  /// keeps reconnecting while inserted). Wait for the reader to report the
  /// card with a ReaderMonitor, not with a sleep.
  void Insert();
  /// Pulls the card: returns when the connection is closed. vpcd sees it at
  /// its next poll (up to ~0.4 s); wait with a ReaderMonitor.
  void Remove();
  /// Fault injection: the card is pulled right after it answered `commands`
  /// more APDUs (at once for 0), so the next one fails in the middle of a
  /// transaction.
  void RemoveAfterCommands(uint32_t commands);

  /// True between Insert() and Remove() (or a RemoveAfterCommands() pull).
  bool inserted() const;
  /// True while the TCP connection to vpcd is up.
  bool connected() const;
  /// APDUs answered since the bridge was made (power and ATR requests are not
  /// counted).
  uint64_t commands_processed() const { return commands_.load(); }
  const VpcdBridgeOptions& options() const { return options_; }

 private:
  void Run();
  // Serves one connection until it ends or the bridge is told to let go.
  void Serve(int fd);
  bool ReadExact(int fd, uint8_t* data, size_t size);
  bool Send(int fd, ByteView payload);
  bool HandleMessage(int fd, ByteView message);
  void Wake();

  VirtualCard& card_;
  const VpcdBridgeOptions options_;
  int wake_fd_ = -1;  // eventfd: ends a blocked poll() in the thread

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool stopping_ = false;
  bool inserted_ = false;
  bool connected_ = false;
  std::optional<uint32_t> remove_after_;

  std::atomic<uint64_t> commands_{0};
  Bytes atr_;  // bridge thread only
  std::thread thread_;
};

}  // namespace mykey::hal
