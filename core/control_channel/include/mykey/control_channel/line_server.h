#pragma once

// The line control channel of the test tools (mykey-vcard, mykey-vprinter):
// commands one per line on standard input or a Unix-domain socket, one reply
// line each, until a command asks to quit or a termination signal arrives.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "mykey/base/result.h"

namespace mykey::control {

/// Creates a listening Unix-domain socket at `path`, removing a stale socket
/// file of an earlier run first.
/// @returns the socket descriptor (the caller closes it and unlinks `path`);
///          kInvalidArgument if the path is too long for a socket address;
///          kUnavailable (domain kOs, detail errno) if it cannot be made.
Result<int> ListenUnixSocket(const std::string& path);

struct LineServerOptions {
  /// Readable when the process should end (a signalfd for SIGTERM/SIGINT); -1: none.
  int signal_fd = -1;
  /// A socket from ListenUnixSocket(); -1: serve standard input/output instead.
  int listen_fd = -1;
  /// With standard input: end when it reaches end of file (otherwise keep
  /// running until a signal, as a tool started with </dev/null should).
  bool stop_at_stdin_end = false;
  /// A longer line is answered "error line too long" and its peer dropped.
  size_t max_line = 4096;
};

/// Answers one command line (without its newline) with one reply line
/// (without newline); sets `quit` to end the server after this reply.
using LineHandler = std::function<std::string(std::string_view line, bool& quit)>;

/// Serves command lines until `handler` sets quit, the signal descriptor
/// becomes readable, or (with stop_at_stdin_end) standard input ends. Several
/// socket clients may be connected at once; each gets its own replies.
/// @returns Ok when it ends as above; kInternal (domain kOs) if poll fails.
///
/// Thread safety: runs on the calling thread; `handler` is called there.
Status ServeLines(const LineServerOptions& options, const LineHandler& handler);

}  // namespace mykey::control
