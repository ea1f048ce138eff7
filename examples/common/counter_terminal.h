#pragma once

// What every counter example sets up before its flow: the cloud client (libcurl, the terminal's
// enrolled key), the PC/SC reader monitor, and the counter facade on top of them; plus a PIN pad
// on the console. A real terminal does the same in its composition root, with its own PIN pad.

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "mykey/base/bytes.h"
#include "mykey/cloud_client/cloud_client.h"
#include "mykey/cloud_client/terminal_identity.h"
#include "mykey/counter/counter.h"
#include "mykey/http_client/curl_http_transport.h"
#include "mykey/jpki/pin.h"
#include "mykey/pcsc/pcsc_reader.h"

namespace examples {

/// Where the enrolled terminal finds its cloud (the flags every example takes).
struct TerminalFlags {
  std::string cloud_url;  ///< --cloud https://cloud.example.jp
  std::string ca_file;    ///< --ca anchors.pem (empty: the system store)
  std::string key_file;   ///< --key terminal.key.pem (mode 0600, written by enrolment)
  std::string id_file;    ///< --id terminal.id
  std::string reader;     ///< --reader NAME (empty: the first reader with a card)

  /// Takes argv[i] (and its value) if it is one of the flags above.
  bool Take(int argc, char** argv, int& i) {
    const std::string_view arg = argv[i];
    std::string* target = arg == "--cloud"    ? &cloud_url
                          : arg == "--ca"     ? &ca_file
                          : arg == "--key"    ? &key_file
                          : arg == "--id"     ? &id_file
                          : arg == "--reader" ? &reader
                                              : nullptr;
    if (target == nullptr || i + 1 >= argc) return false;
    *target = argv[++i];
    return true;
  }
  bool complete() const { return !cloud_url.empty() && !key_file.empty() && !id_file.empty(); }
};

/// The objects a counter needs, owned together (the counter borrows the others).
struct CounterTerminal {
  std::unique_ptr<mykey::http_client::CurlHttpTransport> transport;
  std::unique_ptr<mykey::cloud_client::CloudClient> cloud;
  std::unique_ptr<mykey::hal::PcscReaderMonitor> readers;
  std::unique_ptr<mykey::counter::Counter> counter;
};

/// Builds the cloud client, the reader monitor and the counter.
/// @returns the terminal, or the error of the step that failed (kNotFound: not enrolled;
///          kPermissionDenied: the key file is readable by others).
inline mykey::Result<CounterTerminal> OpenCounterTerminal(const TerminalFlags& flags,
                                                          bool allow_tap_only) {
  CounterTerminal t;
  mykey::http_client::CurlHttpOptions http;
  http.ca_file = flags.ca_file;
  MYKEY_ASSIGN_OR_RETURN(t.transport, mykey::http_client::CurlHttpTransport::Create(http));
  MYKEY_ASSIGN_OR_RETURN(auto identity,
                         mykey::cloud_client::LoadTerminalIdentity(
                             {.key_path = flags.key_file, .terminal_id_path = flags.id_file}));
  mykey::cloud_client::CloudClientOptions cloud;
  cloud.base_url = flags.cloud_url;
  MYKEY_ASSIGN_OR_RETURN(t.cloud, mykey::cloud_client::CloudClient::Create(
                                      *t.transport, std::move(cloud), std::move(identity)));
  t.readers = std::make_unique<mykey::hal::PcscReaderMonitor>();
  mykey::counter::CounterOptions options;
  options.reader = flags.reader;
  options.allow_tap_only = allow_tap_only;
  MYKEY_ASSIGN_OR_RETURN(t.counter, mykey::counter::Counter::Create(*t.readers, *t.cloud, options));
  return t;
}

/// The PIN pad of the examples: the console, without echo. The counter asks it at most once
/// per authentication and wipes the PIN after the VERIFY; this pad wipes its own buffer.
class ConsolePinPad final : public mykey::counter::PinEntry {
 public:
  mykey::jpki::LastTryConfirmation ConfirmLastTry() override {
    std::fputs("One PIN try left: a wrong PIN blocks the card. Continue? [y/N] ", stdout);
    std::fflush(stdout);
    char answer[8] = {};
    const bool yes = std::fgets(answer, sizeof answer, stdin) != nullptr && answer[0] == 'y';
    return yes ? mykey::jpki::LastTryConfirmation::kConfirmed
               : mykey::jpki::LastTryConfirmation::kNotConfirmed;
  }

  mykey::Result<mykey::jpki::Pin> RequestPin(const mykey::counter::PinRequest& request) override {
    std::printf("PIN (%d tries left): ", request.tries_left);
    std::fflush(stdout);
    termios saved{};
    const bool tty = tcgetattr(STDIN_FILENO, &saved) == 0;
    if (tty) {
      termios quiet = saved;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    char line[16] = {};
    const bool got = std::fgets(line, sizeof line, stdin) != nullptr;
    if (tty) tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::fputs("\n", stdout);
    mykey::Result<mykey::jpki::Pin> pin =
        mykey::Fail(mykey::ErrorCode::kCancelled, "no PIN given");  // the counter: kCancelled
    if (got) pin = mykey::jpki::Pin::AuthPin(std::string_view(line, std::strcspn(line, "\r\n")));
    mykey::SecureWipe(line, sizeof line);
    return pin;
  }
};

/// One line for a failed counter call: the stable code, and the tries left after a wrong PIN.
inline void PrintCounterError(const char* what, const mykey::Error& error) {
  const auto code = mykey::counter::CounterErrorCodeOf(error);
  std::fprintf(stderr, "%s: %.*s", what,
               static_cast<int>(mykey::counter::CounterErrorCodeName(code).size()),
               mykey::counter::CounterErrorCodeName(code).data());
  if (auto tries = mykey::counter::PinTriesLeftOf(error))
    std::fprintf(stderr, " (%d left)", *tries);
  std::fprintf(stderr, " [%s]\n", error.ToString().c_str());
}

}  // namespace examples
