// mykey-vprinter: a virtual ESC/POS receipt printer on TCP (raw port 9100)
// that renders every job to a PNG with a JSON summary and can be faulted on
// command (paper out, cover open, offline, also mid-job). See README.md.

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/control_channel/line_server.h"
#include "mykey/receipt/glyph_rasterizer.h"
#include "mykey/vprinter/control_command.h"
#include "mykey/vprinter/job_render.h"
#include "mykey/vprinter/printer_server.h"
#include "mykey/vprinter/virtual_printer.h"

namespace mykey::vprinter {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr size_t kMaxLine = 4096;

constexpr const char* kUsage =
    "usage: mykey-vprinter [--port N] [--host ADDR] [--paper 58|80] [--out DIR]\n"
    "                      [--control PATH] [--no-font] [--print-speed MM_S]\n"
    "                      [--receive-buffer BYTES] [--on-fault resume|discard]\n"
    "\n"
    "A virtual ESC/POS receipt printer. Listens on TCP (default 127.0.0.1:9100),\n"
    "prints what it receives at the paper speed and renders each job (first byte\n"
    "to cut, or to the end of the connection) to DIR/job-NNNN.png at 203 dpi with\n"
    "a DIR/job-NNNN.json summary, numbering on after the jobs already in DIR.\n"
    "Answers DLE EOT / DLE ENQ / DLE DC4 on arrival, GS ( H process IDs once the\n"
    "data before them has printed, and prints \"ready port=N\" once listening.\n"
    "\n"
    "  --port N        TCP port (0: any free port; default 9100)\n"
    "  --host ADDR     listen address (default 127.0.0.1)\n"
    "  --paper 58|80   paper width: 58 mm = 384 dots (default), 80 mm = 576 dots\n"
    "  --out DIR       where jobs are written (default .; created if missing)\n"
    "  --control PATH  read commands from a Unix-domain socket at PATH instead of stdin\n"
    "  --no-font       draw characters as boxes (no font files needed)\n"
    "  --print-speed MM_S  paper speed in mm/s (default 150; 0 = print at once)\n"
    "  --receive-buffer BYTES  data waiting to print before the connection is no\n"
    "                  longer read (default 1048576)\n"
    "  --on-fault resume|discard  keep the buffer through a fault and print it once\n"
    "                  the fault clears (default, as a real printer), or throw the\n"
    "                  rest of the job away\n"
    "  --help          this text\n"
    "\n"
    "Control commands, one per line, one reply line each (\"ok ...\" / \"error ...\"):\n"
    "  paper-out | paper-near-end | cover-open | offline   fault now\n"
    "  error              auto-cutter error (cleared by DLE ENQ 1/2 or ok)\n"
    "  <fault>-after N    fault once N more job bytes have arrived (mid-job)\n"
    "  ok                 clear every fault (printing resumes)\n"
    "  status             the DLE EOT status and counters\n"
    "  jobs               jobs finished so far\n"
    "  quit               exit\n"
    "\n"
    "Exit status: 0 done (quit, SIGINT, SIGTERM), 1 failure, 2 usage.\n";

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 9100;
  int paper_dots = 384;
  std::string out_dir = ".";
  std::string control_path;
  bool font = true;
  double print_speed_mm_s = 150;
  size_t receive_buffer_bytes = 1024 * 1024;
  FaultPolicy fault_policy = FaultPolicy::kResume;
};

bool ParseOptions(int argc, char** argv, Options& options, bool& help) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "mykey-vprinter: %s needs a value\n", argv[i]);
        return nullptr;
      }
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      help = true;
      return true;
    }
    if (arg == "--no-font") {
      options.font = false;
      continue;
    }
    if (arg != "--port" && arg != "--host" && arg != "--paper" && arg != "--out" &&
        arg != "--control" && arg != "--print-speed" && arg != "--receive-buffer" &&
        arg != "--on-fault") {
      std::fprintf(stderr, "mykey-vprinter: unknown argument '%s'\n", argv[i]);
      return false;
    }
    const char* v = value();
    if (v == nullptr) return false;
    const std::string_view text = v;
    if (arg == "--port") {
      unsigned long port = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
      if (ec != std::errc() || ptr != text.data() + text.size() || port > 65535) {
        std::fprintf(stderr, "mykey-vprinter: --port must be a TCP port number\n");
        return false;
      }
      options.port = static_cast<uint16_t>(port);
    } else if (arg == "--host") {
      options.host = v;
    } else if (arg == "--paper") {
      if (text == "58") {
        options.paper_dots = 384;
      } else if (text == "80") {
        options.paper_dots = 576;
      } else {
        std::fprintf(stderr, "mykey-vprinter: --paper must be 58 or 80\n");
        return false;
      }
    } else if (arg == "--out") {
      options.out_dir = v;
    } else if (arg == "--print-speed") {
      double speed = -1;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), speed);
      if (ec != std::errc() || ptr != text.data() + text.size() || speed < 0 || speed > 10000) {
        std::fprintf(stderr, "mykey-vprinter: --print-speed must be 0..10000 mm/s\n");
        return false;
      }
      options.print_speed_mm_s = speed;
    } else if (arg == "--receive-buffer") {
      size_t bytes = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), bytes);
      if (ec != std::errc() || ptr != text.data() + text.size() || bytes == 0) {
        std::fprintf(stderr, "mykey-vprinter: --receive-buffer must be a byte count above 0\n");
        return false;
      }
      options.receive_buffer_bytes = bytes;
    } else if (arg == "--on-fault") {
      if (text == "resume") {
        options.fault_policy = FaultPolicy::kResume;
      } else if (text == "discard") {
        options.fault_policy = FaultPolicy::kDiscard;
      } else {
        std::fprintf(stderr, "mykey-vprinter: --on-fault must be resume or discard\n");
        return false;
      }
    } else {
      options.control_path = v;
    }
  }
  return true;
}

std::string Execute(VirtualPrinter& printer, std::string_view line, bool& quit) {
  auto command = ParseControlLine(line);
  if (!command) return std::string("error ") + command.error().message();
  switch (command->verb) {
    case ControlVerb::kFault:
      printer.SetFault(command->fault);
      return std::string("ok ") + FaultCommandName(command->fault);
    case ControlVerb::kFaultAfter:
      printer.SetFaultAfter(command->fault, command->bytes);
      return std::string("ok ") + FaultCommandName(command->fault) + "-after " +
             std::to_string(command->bytes);
    case ControlVerb::kStatus: {
      const PrinterCounters counters = printer.counters();
      return "ok status=" + printer.status().ToString() +
             " jobs=" + std::to_string(printer.jobs_finished()) +
             " bytes=" + std::to_string(counters.bytes_received) +
             " buffered=" + std::to_string(counters.bytes_buffered) +
             " process_ids=" + std::to_string(counters.process_ids_answered);
    }
    case ControlVerb::kJobs: return "ok jobs=" + std::to_string(printer.jobs_finished());
    case ControlVerb::kQuit: quit = true; return "ok bye";
  }
  return "error unknown command";
}

// Serves the control lines until quit, a termination signal, or the end of
// standard input (when it is the control channel).
int RunControl(VirtualPrinter& printer, int signal_fd, int listen_fd) {
  control::LineServerOptions server;
  server.signal_fd = signal_fd;
  server.listen_fd = listen_fd;
  server.stop_at_stdin_end = true;
  server.max_line = kMaxLine;
  const Status served = control::ServeLines(
      server, [&](std::string_view line, bool& quit) { return Execute(printer, line, quit); });
  if (!served) {
    std::fprintf(stderr, "mykey-vprinter: %s\n", served.error().ToString().c_str());
    return kExitFailure;
  }
  return kExitOk;
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
  if (::mkdir(options.out_dir.c_str(), 0755) != 0 && errno != EEXIST) {
    std::fprintf(stderr, "mykey-vprinter: cannot create %s: %s\n", options.out_dir.c_str(),
                 std::strerror(errno));
    return kExitFailure;
  }
  std::unique_ptr<receipt::GlyphRasterizer> rasterizer;
  if (options.font) {
    auto opened = receipt::GlyphRasterizer::Open();
    if (!opened) {
      std::fprintf(stderr, "mykey-vprinter: fonts: %s (use --no-font)\n",
                   opened.error().ToString().c_str());
      return kExitFailure;
    }
    rasterizer = std::move(*opened);
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  if (pthread_sigmask(SIG_BLOCK, &signals, nullptr) != 0) return kExitFailure;
  const int signal_fd = ::signalfd(-1, &signals, SFD_CLOEXEC);
  if (signal_fd < 0) return kExitFailure;
  ::signal(SIGPIPE, SIG_IGN);

  int listen_fd = -1;
  if (!options.control_path.empty()) {
    auto listening = control::ListenUnixSocket(options.control_path);
    if (!listening) {
      std::fprintf(stderr, "mykey-vprinter: cannot listen on %s: %s\n",
                   options.control_path.c_str(), listening.error().ToString().c_str());
      return kExitFailure;
    }
    listen_fd = *listening;
  }

  VirtualPrinterOptions printer_options;
  printer_options.paper_dots = options.paper_dots;
  printer_options.print_speed_mm_s = options.print_speed_mm_s;
  printer_options.receive_buffer_bytes = options.receive_buffer_bytes;
  printer_options.fault_policy = options.fault_policy;
  // Rendering runs on the printer's own thread (never the one that answers status), before
  // what follows the job prints: a process ID after a job is answered once its files exist.
  printer_options.print_thread = true;
  printer_options.first_job_number = NextJobNumber(options.out_dir);
  VirtualPrinter printer(printer_options);
  printer.set_job_listener([&](const PrintedJob& job) {
    auto written = WriteJobFiles(job, options.out_dir, rasterizer.get());
    if (!written) {
      std::fprintf(stderr, "mykey-vprinter: job %d: %s\n", job.number,
                   written.error().ToString().c_str());
    }
  });
  ServerOptions server_options;
  server_options.host = options.host;
  server_options.port = options.port;
  auto server = PrinterServer::ListenTcp(printer, server_options);
  if (!server) {
    std::fprintf(stderr, "mykey-vprinter: %s:%u: %s\n", options.host.c_str(),
                 static_cast<unsigned>(options.port), server.error().ToString().c_str());
    return kExitFailure;
  }
  std::printf("ready port=%u\n", static_cast<unsigned>((*server)->port()));
  std::fflush(stdout);
  const int status = RunControl(printer, signal_fd, listen_fd);
  (*server)->Stop();
  if (listen_fd >= 0) {
    ::close(listen_fd);
    ::unlink(options.control_path.c_str());
  }
  ::close(signal_fd);
  return status;
}

}  // namespace
}  // namespace mykey::vprinter

int main(int argc, char** argv) {
  return mykey::vprinter::Main(argc, argv);
}
