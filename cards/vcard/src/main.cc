// mykey-vcard: puts an emulated JPKI card behind pcscd's vpcd reader and
// lets tests script it (insert, remove, pull after N APDUs) over a line
// control channel. See README.md.

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "control_command.h"
#include "mykey/control_channel/line_server.h"
#include "mykey/jpki_emulator/jpki_card_emulator.h"
#include "mykey/jpki_emulator/personalisation.h"
#include "mykey/vpcd/vpcd_bridge.h"

namespace mykey::vcard {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr size_t kMaxLine = 4096;
// How long "ready" waits for the bridge to reach vpcd before giving up.
constexpr std::chrono::seconds kConnectTimeout{20};

constexpr const char* kUsage =
    "usage: mykey-vcard --card card.json [--slot 0|1 | --port N] [--host 127.0.0.1]\n"
    "                   [--control PATH] [--removed]\n"
    "\n"
    "Puts an emulated JPKI card (built from the personalisation file) into a\n"
    "reader of pcscd's vpcd driver and prints \"ready\" once it is connected.\n"
    "\n"
    "  --card PATH     personalisation file (mykey-jpki-card/1 JSON)\n"
    "  --slot N        vpcd reader slot: 0 (port 35963, default) or 1 (35964)\n"
    "  --port N        vpcd TCP port instead of a slot\n"
    "  --host HOST     where vpcd listens (default 127.0.0.1)\n"
    "  --control PATH  read commands from a Unix-domain socket at PATH instead of stdin\n"
    "  --removed       start with the card out of the reader\n"
    "  --help          this text\n"
    "\n"
    "Control commands, one per line, one reply line each (\"ok ...\" / \"error ...\"):\n"
    "  insert [card.json]   insert the card (optionally a different one)\n"
    "  remove               pull the card\n"
    "  remove-after N       pull the card after N more APDUs\n"
    "  status               present, APDUs answered, PIN tries left\n"
    "  quit                 exit\n"
    "\n"
    "Exit status: 0 done (quit, SIGINT, SIGTERM), 1 failure, 2 usage.\n";

struct Options {
  std::string card_path;
  std::string host = "127.0.0.1";
  uint16_t port = hal::kVpcdBasePort;
  std::string control_path;
  bool removed = false;
};

bool ParseNumber(std::string_view text, unsigned long max, unsigned long& out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end && out <= max;
}

// Parses argv. Returns false (after printing why) on a usage error.
bool ParseOptions(int argc, char** argv, Options& options, bool& help) {
  bool have_slot = false;
  bool have_port = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&](std::string_view name) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "mykey-vcard: %.*s needs a value\n", static_cast<int>(name.size()),
                     name.data());
        return nullptr;
      }
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      help = true;
      return true;
    } else if (arg == "--card") {
      const char* v = value(arg);
      if (v == nullptr) return false;
      options.card_path = v;
    } else if (arg == "--host") {
      const char* v = value(arg);
      if (v == nullptr) return false;
      options.host = v;
    } else if (arg == "--control") {
      const char* v = value(arg);
      if (v == nullptr) return false;
      options.control_path = v;
    } else if (arg == "--slot") {
      const char* v = value(arg);
      unsigned long slot = 0;
      if (v == nullptr) return false;
      if (!ParseNumber(v, 1, slot)) {
        std::fprintf(stderr, "mykey-vcard: --slot must be 0 or 1\n");
        return false;
      }
      options.port = hal::VpcdPort(static_cast<uint16_t>(slot));
      have_slot = true;
    } else if (arg == "--port") {
      const char* v = value(arg);
      unsigned long port = 0;
      if (v == nullptr) return false;
      if (!ParseNumber(v, 65535, port) || port == 0) {
        std::fprintf(stderr, "mykey-vcard: --port must be a TCP port number\n");
        return false;
      }
      options.port = static_cast<uint16_t>(port);
      have_port = true;
    } else if (arg == "--removed") {
      options.removed = true;
    } else {
      std::fprintf(stderr, "mykey-vcard: unknown argument '%s'\n", argv[i]);
      return false;
    }
  }
  if (have_slot && have_port) {
    std::fprintf(stderr, "mykey-vcard: give --slot or --port, not both\n");
    return false;
  }
  if (options.card_path.empty()) {
    std::fprintf(stderr, "mykey-vcard: --card is required\n");
    return false;
  }
  return true;
}

// The card in the slot, replaceable by another while out of the reader.
// The bridge calls it from its thread, the control loop reads its counters.
class GuardedCard final : public hal::VirtualCard {
 public:
  void Swap(std::unique_ptr<jpki::JpkiCardEmulator> card) {
    std::lock_guard lock(mutex_);
    card_ = std::move(card);
  }
  jpki::PinCounters counters() const {
    std::lock_guard lock(mutex_);
    return card_->counters();
  }
  Bytes PowerOn() override {
    std::lock_guard lock(mutex_);
    return card_->PowerOn();
  }
  void PowerOff() override {
    std::lock_guard lock(mutex_);
    card_->PowerOff();
  }
  Bytes Reset() override {
    std::lock_guard lock(mutex_);
    return card_->Reset();
  }
  Bytes Process(ByteView command) override {
    std::lock_guard lock(mutex_);
    return card_->Process(command);
  }

 private:
  mutable std::mutex mutex_;
  std::unique_ptr<jpki::JpkiCardEmulator> card_;
};

Result<std::unique_ptr<jpki::JpkiCardEmulator>> LoadCard(const std::string& path) {
  MYKEY_ASSIGN_OR_RETURN(jpki::JpkiPersonalisation card, jpki::LoadPersonalisation(path));
  return jpki::JpkiCardEmulator::Create(std::move(card));
}

// Waits until the bridge has reached vpcd. The bridge has no wait API for
// its connection, so this looks every 10 ms.
bool WaitConnected(const hal::VpcdBridge& bridge) {
  const auto deadline = std::chrono::steady_clock::now() + kConnectTimeout;
  while (!bridge.connected()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

class VirtualCardProgram {
 public:
  VirtualCardProgram(Options options, GuardedCard& card, hal::VpcdBridge& bridge)
      : options_(std::move(options)), card_(card), bridge_(bridge) {}

  // The reply line (without newline) to one command line; sets quit_.
  std::string Execute(std::string_view line) {
    auto command = ParseControlLine(line);
    if (!command) return std::string("error ") + command.error().message();
    switch (command->verb) {
      case ControlVerb::kInsert: {
        if (bridge_.inserted()) return "error card already inserted (remove it first)";
        if (!command->card_path.empty()) {
          auto emulator = LoadCard(command->card_path);
          if (!emulator) return "error " + emulator.error().ToString();
          card_.Swap(std::move(*emulator));
        }
        bridge_.Insert();
        if (!WaitConnected(bridge_)) return "error vpcd not reachable";
        return "ok inserted";
      }
      case ControlVerb::kRemove:
        if (!bridge_.inserted()) return "ok already removed";
        bridge_.Remove();
        return "ok removed";
      case ControlVerb::kRemoveAfter:
        if (!bridge_.inserted()) return "error no card inserted";
        bridge_.RemoveAfterCommands(command->commands);
        return "ok remove-after " + std::to_string(command->commands);
      case ControlVerb::kStatus: {
        const jpki::PinCounters c = card_.counters();
        return std::string("ok present=") + (bridge_.inserted() ? "yes" : "no") +
               " connected=" + (bridge_.connected() ? "yes" : "no") +
               " apdus=" + std::to_string(bridge_.commands_processed()) +
               " auth_pin_tries=" + std::to_string(c.auth_pin_tries_left) +
               " sign_password_tries=" + std::to_string(c.sign_password_tries_left);
      }
      case ControlVerb::kQuit: quit_ = true; return "ok bye";
    }
    return "error unknown command";
  }

  // Serves the control channel until quit or a termination signal. End of
  // file on standard input stops the commands, not the card.
  int Run(int signal_fd, int listen_fd) {
    control::LineServerOptions server;
    server.signal_fd = signal_fd;
    server.listen_fd = listen_fd;
    server.max_line = kMaxLine;
    const Status served = control::ServeLines(server, [this](std::string_view line, bool& quit) {
      std::string reply = Execute(line);
      quit = quit_;
      return reply;
    });
    if (!served) {
      std::fprintf(stderr, "mykey-vcard: %s\n", served.error().ToString().c_str());
      return kExitFailure;
    }
    return kExitOk;
  }

 private:
  Options options_;
  GuardedCard& card_;
  hal::VpcdBridge& bridge_;
  bool quit_ = false;
};

int ListenUnix(const std::string& path) {
  auto fd = control::ListenUnixSocket(path);
  if (!fd) {
    std::fprintf(stderr, "mykey-vcard: cannot listen on %s: %s\n", path.c_str(),
                 fd.error().ToString().c_str());
    return -1;
  }
  return *fd;
}

int Main(int argc, char** argv) {
  Options options;
  bool help = false;
  if (!ParseOptions(argc, argv, options, help)) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  if (help) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }

  auto emulator = LoadCard(options.card_path);
  if (!emulator) {
    std::fprintf(stderr, "mykey-vcard: %s: %s\n", options.card_path.c_str(),
                 emulator.error().ToString().c_str());
    return kExitFailure;
  }
  GuardedCard card;
  card.Swap(std::move(*emulator));

  // Termination signals arrive through a signalfd; they are blocked before
  // the bridge thread starts so that it inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  if (pthread_sigmask(SIG_BLOCK, &signals, nullptr) != 0) return kExitFailure;
  int signal_fd = ::signalfd(-1, &signals, SFD_CLOEXEC);
  if (signal_fd < 0) {
    std::perror("mykey-vcard: signalfd");
    return kExitFailure;
  }
  ::signal(SIGPIPE, SIG_IGN);

  int listen_fd = -1;
  if (!options.control_path.empty()) {
    listen_fd = ListenUnix(options.control_path);
    if (listen_fd < 0) return kExitFailure;
  }

  int status = kExitOk;
  {
    hal::VpcdBridgeOptions bridge_options;
    bridge_options.host = options.host;
    bridge_options.port = options.port;
    hal::VpcdBridge bridge(card, bridge_options);
    if (!options.removed) {
      bridge.Insert();
      if (!WaitConnected(bridge)) {
        std::fprintf(stderr, "mykey-vcard: vpcd not reachable at %s:%u\n", options.host.c_str(),
                     static_cast<unsigned>(options.port));
        status = kExitFailure;
      }
    }
    if (status == kExitOk) {
      std::fputs("ready\n", stdout);
      std::fflush(stdout);
      VirtualCardProgram program(options, card, bridge);
      status = program.Run(signal_fd, listen_fd);
    }
    // The bridge's destructor pulls the card; the counters are already on
    // disk (written before each VERIFY answer).
  }
  if (listen_fd >= 0) {
    ::close(listen_fd);
    ::unlink(options.control_path.c_str());
  }
  ::close(signal_fd);
  return status;
}

}  // namespace
}  // namespace mykey::vcard

int main(int argc, char** argv) {
  return mykey::vcard::Main(argc, argv);
}
