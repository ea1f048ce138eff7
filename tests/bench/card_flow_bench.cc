// Benchmark of the card authentication flow: "select + token type + read the
// auth certificate + PIN tries left + VERIFY + SIGN", the path every PIN
// authentication takes.
//
// Prints, per flow: APDUs and bytes exchanged; wall time in-process (the
// emulator behind hal/sim) and through the real PC/SC stack (libpcsclite ->
// pcscd -> vpcd -> VpcdBridge -> emulator); and the host CPU time our code
// spends, excluding the card (the emulator's time, measured around each
// APDU, is subtracted in-process; through pcscd the card runs on the bridge
// thread, so the driver thread's own CPU time is the host's).
//
//   mykey_card_flow_bench [--flows N] [--no-pcsc]
// The PC/SC part needs pcscd running with the vpcd reader (tests/system/pcscd_fixture.sh).

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "mykey/card_reader/virtual_card.h"
#include "mykey/crypto/sha256.h"
#include "mykey/iso7816/apdu_trace.h"
#include "mykey/iso7816/card_channel.h"
#include "mykey/jpki/jpki_applet.h"
#include "mykey/jpki/pin_guard.h"
#include "mykey/jpki_emulator/jpki_card_emulator.h"
#include "mykey/pcsc/pcsc_reader.h"
#include "mykey/sim/sim_reader.h"
#include "mykey/testing/vpcd_card_slot.h"
#include "mykey/testjpki/test_pki.h"

namespace mykey {
namespace {

using Clock = std::chrono::steady_clock;

double ThreadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// Wraps the emulator and adds up the CPU time spent inside it.
class TimedCard final : public hal::VirtualCard {
 public:
  explicit TimedCard(hal::VirtualCard& card) : card_(card) {}
  Bytes PowerOn() override { return card_.PowerOn(); }
  void PowerOff() override { card_.PowerOff(); }
  Bytes Reset() override { return card_.Reset(); }
  Bytes Process(ByteView command) override {
    double start = ThreadCpuMs();
    Bytes response = card_.Process(command);
    card_ms_ += ThreadCpuMs() - start;
    return response;
  }
  double card_ms() const { return card_ms_; }
  void ResetTime() { card_ms_ = 0; }

 private:
  hal::VirtualCard& card_;
  double card_ms_ = 0;
};

struct FlowFigures {
  size_t apdus = 0;
  size_t bytes_sent = 0;
  size_t bytes_received = 0;
};

// One authentication flow on a connected reader. Exits on any error: a
// benchmark of a broken flow measures nothing.
FlowFigures RunFlow(hal::CardReader& reader, const crypto::Sha256Digest& digest) {
  iso7816::ApduTrace trace;
  iso7816::CardChannel channel(reader);
  channel.set_trace(&trace);
  jpki::JpkiApplet applet(channel);
  auto check = [](const Status& s, const char* what) {
    if (!s) {
      std::fprintf(stderr, "card flow failed at %s: %s\n", what, s.error().ToString().c_str());
      std::exit(1);
    }
  };
  check(applet.Select(), "SELECT");
  auto token = applet.ReadTokenType();
  check(token ? Ok() : Status(Fail(token.error())), "token type");
  auto cert = applet.ReadAuthCertificate();
  check(cert ? Ok() : Status(Fail(cert.error())), "read certificate");
  jpki::PinGuard guard(applet);
  auto status = guard.Check();
  check(status ? Ok() : Status(Fail(status.error())), "tries left");
  check(guard.Verify(jpki::Pin::AuthPin("1234").value()), "VERIFY");
  auto signature = applet.SignWithAuthKey(digest);
  check(signature ? Ok() : Status(Fail(signature.error())), "SIGN");
  return {trace.apdu_count(), trace.bytes_sent(), trace.bytes_received()};
}

struct Timing {
  std::vector<double> wall_ms;
  std::vector<double> host_cpu_ms;
};

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[i];
}

void Print(const char* name, const Timing& t) {
  double mean_wall = std::accumulate(t.wall_ms.begin(), t.wall_ms.end(), 0.0) /
                     static_cast<double>(t.wall_ms.size());
  double mean_cpu = std::accumulate(t.host_cpu_ms.begin(), t.host_cpu_ms.end(), 0.0) /
                    static_cast<double>(t.host_cpu_ms.size());
  std::printf("%-34s wall p50 %7.3f ms  p99 %7.3f ms  mean %7.3f ms | host CPU mean %6.3f ms\n",
              name, Percentile(t.wall_ms, 0.5), Percentile(t.wall_ms, 0.99), mean_wall, mean_cpu);
}

int Main(int argc, char** argv) {
  int flows = 200;
  bool pcsc = true;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--flows") == 0 && i + 1 < argc) {
      flows = std::max(1, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--no-pcsc") == 0) {
      pcsc = false;
    } else {
      std::fprintf(stderr, "usage: %s [--flows N] [--no-pcsc]\n", argv[0]);
      return 2;
    }
  }

  auto pki = testjpki::TestPki::Create("card-flow-bench");
  if (!pki) return std::fprintf(stderr, "test PKI: %s\n", pki.error().ToString().c_str()), 1;
  testjpki::CardOptions options;
  options.index = 1;
  options.now = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  auto issued = pki->IssueCard(options);
  if (!issued) return std::fprintf(stderr, "card: %s\n", issued.error().ToString().c_str()), 1;
  auto emulator = jpki::JpkiCardEmulator::Create(std::move(issued->personalisation));
  if (!emulator)
    return std::fprintf(stderr, "emulator: %s\n", emulator.error().ToString().c_str()), 1;
  TimedCard card(**emulator);
  const auto digest = crypto::Sha256(ViewOf("mykey card flow bench challenge"));

  std::printf(
      "Card flow: SELECT AP, token type, read auth certificate (%zu bytes), tries left, "
      "VERIFY, SIGN\n",
      issued->auth_certificate.der().size());

  // In-process: the emulator behind hal/sim.
  hal::SimReaderMonitor sim;
  (void)sim.AddReader("sim");
  (void)sim.InsertCard("sim", card);
  auto sim_reader = sim.OpenReader("sim").value();
  FlowFigures figures;
  Timing in_process;
  for (int i = 0; i < flows; ++i) {
    (void)sim_reader->Connect();
    card.ResetTime();
    double cpu0 = ThreadCpuMs();
    auto t0 = Clock::now();
    figures = RunFlow(*sim_reader, digest);
    double wall = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    double cpu = ThreadCpuMs() - cpu0;
    in_process.wall_ms.push_back(wall);
    in_process.host_cpu_ms.push_back(cpu - card.card_ms());
    (void)sim_reader->Disconnect();
  }
  std::printf("APDUs per flow: %zu; bytes sent %zu, received %zu (status words included)\n",
              figures.apdus, figures.bytes_sent, figures.bytes_received);
  Print("in-process (hal/sim + emulator)", in_process);

  if (pcsc) {
    auto slot = testing::VpcdCardSlot::Create(card, 0);
    if (!slot) {
      std::fprintf(stderr,
                   "pcscd + vpcd not available (%s): start it with "
                   "tests/system/pcscd_fixture.sh or pass --no-pcsc\n",
                   slot.error().ToString().c_str());
      return 1;
    }
    hal::PcscReaderMonitor monitor;
    auto reader = monitor.OpenReader((*slot)->reader_name()).value();
    Timing stack;
    for (int i = 0; i < flows; ++i) {
      if (auto c = reader->Connect(); !c) {
        std::fprintf(stderr, "connect: %s\n", c.error().ToString().c_str());
        return 1;
      }
      double cpu0 = ThreadCpuMs();
      auto t0 = Clock::now();
      RunFlow(*reader, digest);
      double wall = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      stack.wall_ms.push_back(wall);
      stack.host_cpu_ms.push_back(ThreadCpuMs() - cpu0);
      (void)reader->Disconnect();
    }
    Print("pcscd + vpcd + emulator", stack);
  }
  std::printf("flows: %d\n", flows);
  return 0;
}

}  // namespace
}  // namespace mykey

int main(int argc, char** argv) {
  return mykey::Main(argc, argv);
}
