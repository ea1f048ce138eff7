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
  /// How long a pulled card waits for vpcd to drop the connection (see
  /// VpcdBridge::Remove()); vpcd polls about every 400 ms.
  std::chrono::milliseconds pull_linger{3000};
  /// After a RemoveAfterCommands() pull the card stays out at least this
  /// long, whatever Insert() says meanwhile: longer than pcscd's presence
  /// poll (0.4 s) with room for a busy machine, so that pcscd's poller sees
  /// the slot empty. vpcd accepts a card only at a poll; a card back before
  /// it would be taken without pcscd ever seeing the removal, and pcscd then
  /// keeps the reader "empty" with a card in it.
  std::chrono::milliseconds abrupt_pull_hold{800};
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
/// drops its session state (see Remove() for how a pull is made). The card's ATR is learnt by
/// powering it on once per insertion; later ATR requests answer the ATR of the last power on or
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
  /// Pulls the card: half-closes the connection and returns when vpcd has
  /// dropped it (at its next presence poll or exchange, up to ~0.4 s; at
  /// most VpcdBridgeOptions::pull_linger). Only then may another card connect to the slot: vpcd
  /// would otherwise swap it in without pcscd seeing a removal. pcscd reports the reader empty at
  /// about the same poll; wait for it with a ReaderMonitor.
  void Remove();
  /// Fault injection: the card is pulled right after it answered `commands`
  /// more APDUs (at once for 0, like Remove()), so the next one fails in the
  /// middle of a transaction (pcscd: SCARD_E_NOT_TRANSACTED). The connection
  /// is closed at once, and vpcd drops it inside that failed exchange. pcscd
  /// quirk: its poller then never sees the card absent if another card
  /// connects to the slot within one poll (~0.4 s); it keeps the reader
  /// "empty" although a card is there. So the card then stays out for
  /// VpcdBridgeOptions::abrupt_pull_hold even if Insert() comes sooner.
  void RemoveAfterCommands(uint32_t commands);

  /// True between Insert() and Remove() (or a RemoveAfterCommands() pull).
  bool inserted() const;
  /// True while the TCP connection to vpcd is up.
  bool connected() const;
  /// APDUs answered since the bridge was made (power and ATR requests are not
  /// counted).
  uint64_t commands_processed() const { return commands_.load(); }
  /// ATR requests answered since the bridge was made: vpcd's presence polls
  /// (about every 0.4 s while connected) and the ATR reads after power on.
  uint64_t presence_polls() const { return presence_polls_.load(); }
  const VpcdBridgeOptions& options() const { return options_; }

 private:
  void Run();
  // Serves one connection until it ends or the bridge is told to let go.
  void Serve(int fd);
  void Linger(int fd);
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
  std::atomic<uint64_t> presence_polls_{0};
  Bytes atr_;                   // bridge thread only
  bool peer_closed_ = false;    // bridge thread only: vpcd ended the connection
  bool pull_abruptly_ = false;  // bridge thread only: RemoveAfterCommands() pulled
  // Under mutex_: after an abrupt pull, no connection before this time.
  std::optional<std::chrono::steady_clock::time_point> out_until_;
  std::thread thread_;
};

}  // namespace mykey::hal
