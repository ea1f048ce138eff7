// System tests of the card stack through the real things: pcscd + the vpcd
// reader + the mykey-vcard process hosting an emulated card personalised by
// mykey-testjpki, driven by the mykey CLI and by the driver over PC/SC.

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "mykey/base/base64.h"
#include "mykey/crypto/sha256.h"
#include "mykey/crypto/x509.h"
#include "mykey/iso7816/card_channel.h"
#include "mykey/jpki/jpki_applet.h"
#include "mykey/jpki/pin_guard.h"
#include "mykey/json/json.h"
#include "mykey/pcsc/pcsc_reader.h"
#include "mykey/testing/catch.h"
#include "mykey/testing/vpcd_card_slot.h"

namespace mykey {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string Slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs a program with arguments, feeding `input` on stdin; waits for it.
Outcome Run(const std::vector<std::string>& argv, const std::string& input = "") {
  static int counter = 0;
  fs::path dir = fs::temp_directory_path() / ("mykey-sys-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string tag = std::to_string(++counter);
  fs::path in_path = dir / ("in" + tag), out_path = dir / ("out" + tag),
           err_path = dir / ("err" + tag);
  std::ofstream(in_path) << input;
  pid_t pid = ::fork();
  if (pid == 0) {
    int in = ::open(in_path.c_str(), O_RDONLY);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  Outcome o;
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  o.out = Slurp(out_path);
  o.err = Slurp(err_path);
  fs::remove(in_path);
  fs::remove(out_path);
  fs::remove(err_path);
  return o;
}

// The test material: a test JPKI and personalised cards, made once by the
// real mykey-testjpki command.
struct Material {
  fs::path dir;
  fs::path plastic, phone, blocked, expired, plastic_counters;

  Material() {
    dir = fs::temp_directory_path() / ("mykey-card-system-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string tool = MYKEY_TESTJPKI_TOOL;
    auto ok = [](const Outcome& o) {
      if (o.exit_code != 0) FAIL("mykey-testjpki failed: " << o.err);
    };
    ok(Run({tool, "init", "--seed", "card-system-test", "--out", (dir / "pki").string()}));
    auto card = [&](const char* name, std::vector<std::string> extra) {
      fs::path path = dir / name;
      std::vector<std::string> argv = {
          tool, "card", "--pki", (dir / "pki").string(), "--out", path.string(),
      };
      argv.insert(argv.end(), extra.begin(), extra.end());
      ok(Run(argv));
      return path;
    };
    plastic_counters = dir / "plastic.counters";
    plastic = card("plastic.json",
                   {"--index", "1", "--pin", "1234", "--counter-file", plastic_counters.string()});
    phone = card("phone.json", {"--index", "2", "--pin", "4321", "--token", "android-phone"});
    blocked = card("blocked.json", {"--index", "3", "--pin", "1234", "--tries-left", "0"});
    expired = card("expired.json", {"--index", "4", "--pin", "1234", "--expired"});
  }
  ~Material() { fs::remove_all(dir); }
};

Material& TestMaterial() {
  static Material material;
  return material;
}

// One mykey-vcard process with a card in vpcd slot 0, scripted over its
// control socket. Holds the machine-wide slot lock the test support uses.
class VcardProcess {
 public:
  explicit VcardProcess(const fs::path& card) {
    const char* registry = std::getenv("MYKEY_PCSCD_REGISTRY");
    fs::path lock_dir = registry != nullptr ? registry : "/run/mykey-pcscd-fixture";
    fs::create_directories(lock_dir);
    lock_fd_ = ::open((lock_dir / "vpcd-slot-0.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    REQUIRE(lock_fd_ >= 0);
    REQUIRE(::flock(lock_fd_, LOCK_EX) == 0);

    control_ = TestMaterial().dir / ("vcard-" + std::to_string(++instances_) + ".sock");
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(ready[1], 1);
      ::close(ready[0]);
      std::string card_arg = card.string(), control_arg = control_.string();
      execl(MYKEY_VCARD_TOOL, MYKEY_VCARD_TOOL, "--card", card_arg.c_str(), "--control",
            control_arg.c_str(), "--slot", "0", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(ready[1]);
    // "ready" on stdout: connected to vpcd and listening for commands.
    char buf[16] = {};
    ssize_t n = ::read(ready[0], buf, sizeof buf - 1);
    ::close(ready[0]);
    REQUIRE(n > 0);
    REQUIRE(std::string(buf).rfind("ready", 0) == 0);
    REQUIRE(monitor_.WaitForCard(kReader, testing::kPcscWaitTimeout));
  }

  ~VcardProcess() {
    if (pid_ > 0) {
      (void)Command("quit");
      int status = 0;
      ::waitpid(pid_, &status, 0);
      (void)monitor_.WaitForCardRemoval(kReader, testing::kPcscWaitTimeout);
    }
    if (lock_fd_ >= 0) ::close(lock_fd_);
  }

  // Sends one control line; returns the reply line.
  std::string Command(const std::string& line) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", control_.c_str());
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      return "error: cannot connect";
    }
    std::string msg = line + "\n";
    (void)::write(fd, msg.data(), msg.size());
    std::string reply;
    char c;
    while (::read(fd, &c, 1) == 1 && c != '\n') reply.push_back(c);
    ::close(fd);
    return reply;
  }

  void Remove() {
    REQUIRE(Command("remove").rfind("ok", 0) == 0);
    REQUIRE(monitor_.WaitForCardRemoval(kReader, testing::kPcscWaitTimeout));
  }
  void Insert() {
    REQUIRE(Command("insert").rfind("ok", 0) == 0);
    if (monitor_.WaitForCard(kReader, std::chrono::seconds(3))) return;
    // vpcd quirk: after a card was pulled in the middle of an exchange, pcscd
    // may keep the slot "empty" while the new card is connected and polled
    // (see VpcdBridge::RemoveAfterCommands). Re-seat the card, as a clerk would.
    Remove();
    REQUIRE(Command("insert").rfind("ok", 0) == 0);
    REQUIRE(monitor_.WaitForCard(kReader, testing::kPcscWaitTimeout));
  }
  hal::PcscReaderMonitor& monitor() { return monitor_; }

  static constexpr const char* kReader = "Virtual PCD 00 00";

 private:
  static inline int instances_ = 0;
  int lock_fd_ = -1;
  pid_t pid_ = -1;
  fs::path control_;
  hal::PcscReaderMonitor monitor_;
};

Outcome Mykey(std::vector<std::string> args, const std::string& input = "") {
  args.insert(args.begin(), MYKEY_CLI_TOOL);
  return Run(args, input);
}

json::Json ParseOut(const Outcome& o) {
  auto parsed = json::ParseJson(o.out);
  if (!parsed) FAIL("not JSON: " << o.out << "\nstderr: " << o.err);
  return *parsed;
}

TEST_CASE("card status shows the reader, the plastic token and three PIN tries") {
  VcardProcess vcard(TestMaterial().plastic);
  auto o = Mykey({"card", "status", "--json"});
  REQUIRE(o.exit_code == 0);
  auto j = ParseOut(o);
  CHECK(j["card"]["reader"] == VcardProcess::kReader);
  CHECK(j["card"]["atr"] == "3BE000FF8131FE4514");
  CHECK(j["card"]["token_type"] == "plastic-card");
  CHECK(j["card"]["auth_pin"]["tries_left"] == 3);
  CHECK(j["card"]["auth_pin"]["blocked"] == false);
  // The serial is masked in the status output.
  CHECK(j["card"]["auth_certificate"]["serial"].get<std::string>().find('*') != std::string::npos);
}

TEST_CASE("card auth signs a challenge that verifies with the certificate read from the card") {
  VcardProcess vcard(TestMaterial().plastic);
  auto o = Mykey({"card", "auth", "--pin-stdin", "--challenge", "C0FFEE", "--json", "--anchor",
                  (TestMaterial().dir / "pki" / "auth-ca-2023.pem").string()},
                 "1234\n");
  REQUIRE(o.exit_code == 0);
  auto j = ParseOut(o);
  CHECK(j["verified"]["chain"] == "anchors");
  auto cert =
      crypto::Certificate::FromDer(Base64Decode(j["certificate"].get<std::string>()).value());
  REQUIRE(cert);
  auto sig = Base64Decode(j["signature"].get<std::string>()).value();
  CHECK(sig.size() == 256);
  CHECK(cert->PublicKey()->VerifySha256(crypto::Sha256(FromHex("C0FFEE").value()), sig));
  // The PIN never appears in anything the command printed.
  CHECK(o.out.find("1234") == std::string::npos);
  CHECK(o.err.find("1234") == std::string::npos);
}

// Runs the CLI on a pseudo-terminal (its controlling terminal), answers the
// PIN prompt, and returns everything the terminal showed.
Outcome MykeyOnTerminal(std::vector<std::string> args, const std::string& pin) {
  args.insert(args.begin(), MYKEY_CLI_TOOL);
  int master = -1;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  Outcome o;
  bool answered = false;
  while (true) {
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 20000) <= 0) break;  // bounded: the CLI must not hang
    char buf[512];
    ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;
    o.out.append(buf, static_cast<size_t>(n));
    if (!answered && o.out.find("Auth PIN (4 digits): ") != std::string::npos) {
      std::string line = pin + "\n";
      (void)::write(master, line.data(), line.size());
      answered = true;
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(master);
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return o;
}

TEST_CASE("the PIN typed at the terminal prompt is not echoed") {
  VcardProcess vcard(TestMaterial().plastic);
  auto o = MykeyOnTerminal({"card", "auth"}, "1234");
  INFO(o.out);
  CHECK(o.exit_code == 0);
  CHECK(o.out.find("Auth PIN: 3 tries left") != std::string::npos);
  CHECK(o.out.find("Verified:") != std::string::npos);
  CHECK(o.out.find("1234") == std::string::npos);
}

TEST_CASE("card cert prints the auth certificate as PEM, DER and text") {
  VcardProcess vcard(TestMaterial().plastic);
  auto pem = Mykey({"card", "cert"});
  REQUIRE(pem.exit_code == 0);
  auto cert = crypto::Certificate::FromPem(pem.out);
  REQUIRE(cert);
  CHECK(cert->subject().rfind("C=JP, CN=", 0) == 0);
  auto ca = Mykey({"card", "cert", "--ca", "--format", "text"});
  REQUIRE(ca.exit_code == 0);
  CHECK(ca.out.find("JPKI for user authentication TEST") != std::string::npos);
  fs::path der = TestMaterial().dir / "cert.der";
  REQUIRE(Mykey({"card", "cert", "--format", "der", "--out", der.string()}).exit_code == 0);
  std::ifstream in(der, std::ios::binary);
  Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(bytes == Bytes(cert->der().begin(), cert->der().end()));
}

TEST_CASE(
    "a card removed during the certificate read aborts the read; re-inserted it reads whole") {
  VcardProcess vcard(TestMaterial().plastic);
  hal::PcscReaderMonitor& monitor = vcard.monitor();
  auto reader = monitor.OpenReader(VcardProcess::kReader);
  REQUIRE(reader);
  REQUIRE((*reader)->Connect());
  iso7816::CardChannel channel(**reader);
  jpki::JpkiApplet applet(channel);
  REQUIRE(applet.Select());
  // SELECT EF + two READ BINARY chunks, then the card is pulled.
  REQUIRE(vcard.Command("remove-after 3").rfind("ok", 0) == 0);
  auto cert = applet.ReadAuthCertificate();
  REQUIRE_FALSE(cert);
  INFO(cert.error().ToString());
  CHECK(cert.error().code() == ErrorCode::kAborted);
  CHECK_FALSE((*reader)->connected());
  REQUIRE(monitor.WaitForCardRemoval(VcardProcess::kReader, testing::kPcscWaitTimeout));

  // Through the CLI: the same pull gives exit code 8 (card removed).
  vcard.Insert();
  REQUIRE(vcard.Command("remove-after 4").rfind("ok", 0) == 0);
  auto o = Mykey({"card", "cert"});
  CHECK(o.exit_code == 8);
  CHECK(o.out.empty());  // nothing half-read is printed
  REQUIRE(monitor.WaitForCardRemoval(VcardProcess::kReader, testing::kPcscWaitTimeout));

  vcard.Insert();
  REQUIRE((*reader)->Connect());
  jpki::JpkiApplet again(channel);
  REQUIRE(again.Select());
  auto whole = again.ReadAuthCertificate();
  REQUIRE(whole);
  CHECK(crypto::Certificate::FromDer(*whole));
}

TEST_CASE(
    "wrong PIN three times: tries shown, the last try refused without confirmation, then blocked") {
  fs::remove(TestMaterial().plastic_counters);
  VcardProcess vcard(TestMaterial().plastic);
  auto wrong = [](std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"card", "auth", "--pin-stdin"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Mykey(args, "9999\n");
  };
  auto first = wrong();
  CHECK(first.exit_code == 4);
  CHECK(first.err.find("3 tries left") != std::string::npos);
  CHECK(first.err.find("2 tries left") != std::string::npos);
  auto second = wrong();
  CHECK(second.exit_code == 4);
  CHECK(second.err.find("1 try left") != std::string::npos);

  // The guard refuses the last try without confirmation: nothing is sent.
  auto refused = wrong();
  CHECK(refused.exit_code == 6);
  CHECK(refused.err.find("Nothing was sent") != std::string::npos);
  auto status = ParseOut(Mykey({"card", "status", "--json"}));
  CHECK(status["card"]["auth_pin"]["tries_left"] == 1);

  auto last = wrong({"--confirm-last-try"});
  CHECK(last.exit_code == 5);
  status = ParseOut(Mykey({"card", "status", "--json"}));
  CHECK(status["card"]["auth_pin"]["blocked"] == true);
  CHECK(status["card"]["auth_pin"]["tries_left"] == 0);

  // Even the right PIN is refused now, by the guard, before the card sees it.
  auto right = Mykey({"card", "auth", "--pin-stdin", "--confirm-last-try"}, "1234\n");
  CHECK(right.exit_code == 5);
  CHECK(right.err.find("blocked") != std::string::npos);
}

TEST_CASE("a blocked card stays blocked when the emulator restarts (counters persist)") {
  // The previous test blocked the plastic card; its counter file survives the process.
  {
    VcardProcess vcard(TestMaterial().plastic);
    auto status = ParseOut(Mykey({"card", "status", "--json"}));
    if (status["card"]["auth_pin"]["blocked"] != true) {
      // Run on its own: block it here first.
      for (int i = 0; i < 3; ++i) {
        (void)Mykey({"card", "auth", "--pin-stdin", "--confirm-last-try"}, "9999\n");
      }
    }
  }
  VcardProcess restarted(TestMaterial().plastic);
  auto status = ParseOut(Mykey({"card", "status", "--json"}));
  CHECK(status["card"]["auth_pin"]["blocked"] == true);
  fs::remove(TestMaterial().plastic_counters);
}

TEST_CASE("a card personalised blocked is reported blocked and no VERIFY reaches it") {
  VcardProcess vcard(TestMaterial().blocked);
  auto status = ParseOut(Mykey({"card", "status", "--json"}));
  CHECK(status["card"]["auth_pin"]["blocked"] == true);

  auto reader = vcard.monitor().OpenReader(VcardProcess::kReader);
  REQUIRE(reader);
  REQUIRE((*reader)->Connect());
  iso7816::ApduTrace trace;
  iso7816::CardChannel channel(**reader);
  channel.set_trace(&trace);
  jpki::JpkiApplet applet(channel);
  REQUIRE(applet.Select());
  jpki::PinGuard guard(applet);
  auto checked = guard.Check();
  REQUIRE(checked);
  CHECK(checked->blocked);
  auto verify =
      guard.Verify(jpki::Pin::AuthPin("1234").value(), jpki::LastTryConfirmation::kConfirmed);
  REQUIRE_FALSE(verify);
  CHECK(jpki::PinGuardReasonOf(verify.error()) == jpki::PinGuardReason::kBlocked);
  for (const auto& e : trace.exchanges()) {
    // Only the empty VERIFY of Check() (4 bytes) went out; no VERIFY with data.
    if (e.command.size() > 1 && e.command[1] == 0x20) CHECK(e.command.size() == 4);
  }
}

TEST_CASE("a phone token needs the PIN before its certificate; auth reads it after VERIFY") {
  VcardProcess vcard(TestMaterial().phone);
  auto status = ParseOut(Mykey({"card", "status", "--json"}));
  CHECK(status["card"]["token_type"] == "android-phone");
  CHECK_FALSE(status["card"].contains("auth_certificate"));

  auto cert = Mykey({"card", "cert"});
  CHECK(cert.exit_code == 1);
  CHECK(cert.err.find("needs the auth PIN") != std::string::npos);

  auto auth = Mykey({"card", "auth", "--pin-stdin", "--json"}, "4321\n");
  REQUIRE(auth.exit_code == 0);
  CHECK(ParseOut(auth)["token_type"] == "android-phone");
}

TEST_CASE("an expired certificate is shown as expired and fails local verification") {
  VcardProcess vcard(TestMaterial().expired);
  auto status = ParseOut(Mykey({"card", "status", "--json"}));
  CHECK(status["card"]["auth_certificate"]["expired"] == true);
  auto auth = Mykey({"card", "auth", "--pin-stdin"}, "1234\n");
  CHECK(auth.exit_code == 1);
  CHECK(auth.err.find("expired") != std::string::npos);
}

TEST_CASE("with pcscd gone the CLI says there is no reader service, and works again after") {
  VcardProcess vcard(TestMaterial().plastic);
  auto stopped = testing::StopFixturePcscd();
  if (!stopped && std::getenv("CI") == nullptr) {
    // A developer's machine may share pcscd with other build trees.
    WARN("pcscd is not this test's to stop here: " << stopped.error().ToString());
    return;
  }
  REQUIRE(stopped);  // in CI the fixture owns pcscd: never skipped there
  auto o = Mykey({"card", "status"});
  CHECK(o.exit_code == 3);
  CHECK(o.err.find("pcsc") != std::string::npos);
  REQUIRE(testing::StartFixturePcscd());
  // mykey-vcard reconnects to the new vpcd by itself.
  REQUIRE(vcard.monitor().WaitForCard(VcardProcess::kReader, testing::kPcscWaitTimeout));
  CHECK(Mykey({"card", "status"}).exit_code == 0);
}

}  // namespace
}  // namespace mykey
