#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "mykey/base/result.h"
#include "mykey/vprinter/virtual_printer.h"

namespace mykey::vprinter {

/// Where the TCP server listens.
struct ServerOptions {
  std::string host = "127.0.0.1";  ///< loopback by default
  uint16_t port = 9100;            ///< 0: an ephemeral port (tests)
};

/// Connects a VirtualPrinter to the host: a TCP listener (the raw port 9100,
/// one connection at a time like a real printer; others wait in the backlog)
/// or an already open descriptor (the master side of a pty standing in for a
/// USB or serial printer). Bytes in go to VirtualPrinter::Feed(), its answers
/// go back at once, and those it gives later (after printing) as they come;
/// answers left from an earlier connection are dropped. While the printer's
/// receive buffer is full the connection is not read (the host's writes
/// wait). A closed connection ends the job in progress.
///
/// Thread safety: the server runs its own thread; the destructor stops it.
/// The VirtualPrinter must outlive the server; one server per printer (it
/// takes the printer's output listener).
class PrinterServer {
 public:
  /// Starts listening.
  /// @returns kUnavailable (domain kOs) when the address cannot be bound.
  static Result<std::unique_ptr<PrinterServer>> ListenTcp(VirtualPrinter& printer,
                                                          const ServerOptions& options);
  /// Serves a descriptor (takes ownership) until the peer hangs up or Stop().
  /// @returns kInvalidArgument for a negative descriptor; kInternal when the
  ///          wake-up event cannot be made.
  static Result<std::unique_ptr<PrinterServer>> ServeDescriptor(VirtualPrinter& printer, int fd);

  ~PrinterServer();
  PrinterServer(const PrinterServer&) = delete;
  PrinterServer& operator=(const PrinterServer&) = delete;

  /// The bound TCP port (0 for a descriptor server).
  uint16_t port() const { return port_; }
  /// Connections accepted so far.
  size_t connections() const { return connections_.load(); }
  /// Stops serving and joins the thread. Idempotent.
  void Stop();

 private:
  PrinterServer(VirtualPrinter& printer, int listen_fd, int conn_fd, int wake_fd, int notify_fd,
                uint16_t port);
  void Run();
  // Serves one connection; false when asked to stop.
  bool Serve(int fd);

  VirtualPrinter& printer_;
  int listen_fd_;
  int conn_fd_;
  int wake_fd_;
  int notify_fd_;  // the printer has answers or room
  uint16_t port_;
  std::atomic<size_t> connections_{0};
  std::thread thread_;
};

}  // namespace mykey::vprinter
