#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <span>
#include <string>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/printer/printer_response.h"
#include "mykey/printer/printer_status.h"

namespace mykey::printer {

/// How long a write may take by default beyond the time the line needs to carry
/// the bytes (LineTime(): the transfer time of a serial line; nothing for the others).
inline constexpr std::chrono::milliseconds kDefaultWriteTimeout{10000};
/// How long the four status answers may take by default.
inline constexpr std::chrono::milliseconds kDefaultStatusTimeout{2000};

/// A connection to a receipt printer: bytes out, real-time status and other
/// answers in.
///
/// Public methods check the contract once for every backend and call the
/// private `Do…` hooks that backends override:
///  - Write()/ReadRealTimeStatus()/RequestProcessId()/AwaitProcessId()/
///    ClearBuffers() before Open() -> kFailedPrecondition
///  - reading anything on a one-way port (two_way() false) -> kUnimplemented
///  - Open() when already open -> Ok (no-op)
///
/// Errors every backend returns alike:
///  - kUnavailable:      the device is absent, the connection was refused or dropped
///                       before anything was written (the port closes itself)
///  - kDeadlineExceeded: the device did not take the bytes or answer in time
///  - kDataLoss:         a short write (part of the bytes went out, then the device
///                       failed), or no status answer among the printer's bytes
///
/// Everything the printer sends goes through one ResponseDecoder, so the
/// readers never take each other's bytes: DLE EOT answers go to
/// ReadRealTimeStatus(), process-ID answers to AwaitProcessId() (an answer
/// with another id is stale and dropped), the clear-buffers answer to
/// ClearBuffers(); ASB blocks and unknown bytes are dropped.
///
/// Backends close in their own destructor (the base cannot call a hook from its
/// destructor).
///
/// Thread safety: not thread-safe; one owner drives a port at a time.
class PrinterPort {
 public:
  PrinterPort();
  virtual ~PrinterPort() = default;
  PrinterPort(const PrinterPort&) = delete;
  PrinterPort& operator=(const PrinterPort&) = delete;

  /// A human-readable name of the device ("tcp 127.0.0.1:9100", "/dev/usb/lp0").
  const std::string& name() const { return name_; }
  bool is_open() const { return open_; }
  /// Whether real-time status can be read. Some backends only know after Open()
  /// (a character device that may or may not answer); false while closed.
  bool two_way() const { return open_ && DoTwoWay(); }

  /// Opens the device or connects. Forgets any partial answer of an earlier
  /// connection.
  /// @returns kUnavailable when the device is absent or refuses the connection,
  ///          kDeadlineExceeded when connecting timed out, kPermissionDenied
  ///          when the device may not be opened.
  Status Open();

  /// Writes all of `data`.
  /// @param data    ESC/POS bytes
  /// @param timeout how long the device may take to accept all of them beyond
  ///                LineTime(data.size())
  /// @returns kFailedPrecondition when not open; kUnavailable when the device
  ///          went away before any byte was taken (the port closes);
  ///          kDeadlineExceeded when the device stopped taking bytes (detail:
  ///          the bytes taken); kDataLoss when only part was written (detail: errno).
  Status Write(ByteView data, std::chrono::milliseconds timeout = kDefaultWriteTimeout);

  /// Asks `DLE EOT 1..4` and parses the answers. DLE EOT is real-time: the
  /// printer answers when the request arrives, also while it still holds
  /// unprinted data, so the status says nothing about the jobs before it.
  /// @param timeout for all four answers together
  /// @returns the status; kFailedPrecondition when not open; kUnimplemented on a
  ///          one-way port; kDeadlineExceeded when the printer did not answer;
  ///          kDataLoss when no valid status byte came back; kUnavailable when the
  ///          device went away (the port closes).
  Result<PrinterStatus> ReadRealTimeStatus(
      std::chrono::milliseconds timeout = kDefaultStatusTimeout);

  /// A new process ID for RequestProcessId(): a counter per port that starts
  /// at a random number, so answers left over from another job or program
  /// rarely carry the id awaited.
  ProcessId NextProcessId();

  /// Writes the process-ID request for `id` (GS ( H fn 48) after the bytes
  /// written so far; AwaitProcessId(id) then waits for its answer. An earlier
  /// request's answer is no longer awaited.
  /// @param timeout as Write()
  /// @returns Write()'s errors; kUnimplemented on a one-way port.
  Status RequestProcessId(const ProcessId& id,
                          std::chrono::milliseconds timeout = kDefaultWriteTimeout);

  /// Waits until the printer answered the last RequestProcessId(), i.e. has
  /// printed everything written before it. An answer that came while another
  /// reader ran (a status read) counts.
  /// @param id      the id of the last RequestProcessId()
  /// @param timeout how long to wait
  /// @returns Ok once answered; kDeadlineExceeded when not answered in time;
  ///          kFailedPrecondition when not open or `id` was not the last
  ///          requested; kUnimplemented on a one-way port; kUnavailable when
  ///          the device went away (the port closes).
  Status AwaitProcessId(const ProcessId& id, std::chrono::milliseconds timeout);

  /// Sends the real-time clear-buffers request (DLE DC4 fn 8) and waits for
  /// its answer: the printer has then dropped every byte it had received and
  /// not printed. A request stuck behind unsent job bytes (a printer that
  /// stopped taking bytes) times out: Abort() and ask again on a new connection.
  /// @param timeout for writing the request and its answer together
  /// @returns Ok when the printer answered; kDeadlineExceeded when it did not
  ///          (it may not know the command); kUnimplemented on a one-way port;
  ///          kUnavailable when the device went away (the port closes).
  Status ClearBuffers(std::chrono::milliseconds timeout);

  /// How long the line takes to carry `bytes` (a serial line: frame bits /
  /// baud; zero for the others). Write() allows this on top of its timeout.
  std::chrono::milliseconds LineTime(size_t bytes) const { return DoLineTime(bytes); }

  /// Closes the device. Safe to call when closed (returns Ok).
  /// @returns the backend's error when closing failed; the port is closed either way.
  Status Close();

  /// Closes the device dropping what was written and not yet sent (TCP: the
  /// connection is reset; serial: the output queue is flushed), so the tail
  /// of a failed job never reaches the printer later. Safe to call when closed.
  /// @returns the backend's error when closing failed; the port is closed either way.
  Status Abort();

 protected:
  explicit PrinterPort(std::string name);
  void set_name(std::string name) { name_ = std::move(name); }

 private:
  virtual Status DoOpen() = 0;
  /// Writes all of `data` (the base has checked the port is open).
  virtual Status DoWrite(ByteView data, std::chrono::milliseconds timeout) = 0;
  /// Reads up to out.size() bytes, waiting at most `timeout` for the first one.
  /// @returns the count read (> 0); kDeadlineExceeded when nothing came;
  ///          kUnavailable when the device is gone.
  virtual Result<size_t> DoRead(std::span<uint8_t> out, std::chrono::milliseconds timeout) = 0;
  virtual Status DoClose() = 0;
  /// Closes dropping unsent bytes; by default as DoClose().
  virtual Status DoAbort() { return DoClose(); }
  virtual bool DoTwoWay() const = 0;
  /// The transfer time of `bytes` on the line; zero by default.
  virtual std::chrono::milliseconds DoLineTime(size_t /*bytes*/) const {
    return std::chrono::milliseconds(0);
  }

  /// Reads what is there (waiting until `deadline` for the first byte) and
  /// hands every complete response to its reader.
  Status Pump(std::chrono::steady_clock::time_point deadline);
  void Dispatch(const Response& response);
  Result<uint8_t> ReadStatusByte(std::chrono::steady_clock::time_point deadline);
  /// Takes in everything already received and drops stale status answers.
  void DrainInput();
  Status WriteRequest(ByteView request, std::chrono::steady_clock::time_point deadline);
  Status CheckReadable(const char* not_open_message) const;
  void EndConnection();
  void ForgetAnswers();

  std::string name_;
  bool open_ = false;
  ResponseDecoder decoder_;
  std::deque<uint8_t> status_bytes_;
  size_t unknown_bytes_ = 0;
  std::optional<ProcessId> awaited_id_;
  bool awaited_answered_ = false;
  bool buffers_cleared_ = false;
  uint32_t next_process_id_ = 0;
};

}  // namespace mykey::printer
