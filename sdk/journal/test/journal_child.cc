// The terminal side of the journal's crash tests: a process the test kills
// with SIGKILL. It reads its setup from files the test wrote into <dir>:
// terminal.key.pem + terminal.id (the enrolled identity), ca-<n>.der (the
// JPKI auth CAs), card.der + card.key (the test card's certificate and the
// key its SIGN uses).
//
//   mykey_journal_child <dir> <cloud url> sync
//       syncs the revocation set; prints "synced <sequence>"
//   mykey_journal_child <dir> <cloud url> approve <count> <amount> <mykey id>
//       approves <count> redemptions offline; prints "approved <key>" after each
//   mykey_journal_child <dir> <cloud url> forward [hold-before|hold-after] [n]
//       forwards; prints "sending <key>" before and "sent <key>" after each
//       request; with hold-before / hold-after it then blocks on stdin at the
//       n-th request (before it goes out / after its answer came back, before
//       the journal records it) so the test can kill it exactly there;
//       prints "forwarded <applied> <refused> <remaining>" at the end.

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "mykey/cloud_client/cloud_client.h"
#include "mykey/http_client/curl_http_transport.h"
#include "mykey/journal/journal.h"
#include "mykey/revocation/revocation_cache.h"

namespace {

using namespace mykey;

Bytes ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

void Say(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

int Die(const std::string& what, const Error& error) {
  std::fprintf(stderr, "journal child: %s: %s\n", what.c_str(), error.ToString().c_str());
  return 1;
}

void WaitForever() {
  char c;
  while (::read(0, &c, 1) > 0) {
  }
}

/// Says what it sends; may block at the chosen request.
class AnnouncingUplink final : public journal::LedgerUplink {
 public:
  AnnouncingUplink(journal::LedgerUplink& inner, std::string hold, int hold_at)
      : inner_(inner), hold_(std::move(hold)), hold_at_(hold_at) {}
  journal::ForwardOutcome Redeem(const journal::ForwardRequest& request) override {
    ++count_;
    Say("sending " + request.idempotency_key);
    if (hold_ == "hold-before" && count_ == hold_at_) WaitForever();
    auto outcome = inner_.Redeem(request);
    Say("sent " + request.idempotency_key);
    if (hold_ == "hold-after" && count_ == hold_at_) WaitForever();
    return outcome;
  }
  journal::ForwardOutcome Recover(std::string_view key) override { return inner_.Recover(key); }

 private:
  journal::LedgerUplink& inner_;
  std::string hold_;
  int hold_at_;
  int count_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) return 2;
  const std::string dir = argv[1];
  const std::string url = argv[2];
  const std::string mode = argv[3];

  auto identity =
      cloud_client::LoadTerminalIdentity({dir + "/terminal.key.pem", dir + "/terminal.id"});
  if (!identity) return Die("identity", identity.error());
  const std::string terminal_id = identity->terminal_id;
  auto transport = http_client::CurlHttpTransport::Create({});
  if (!transport) return Die("transport", transport.error());
  cloud_client::CloudClientOptions client_options;
  client_options.base_url = url;
  client_options.retry_backoff = std::chrono::milliseconds(0);
  auto client =
      cloud_client::CloudClient::Create(**transport, client_options, std::move(*identity));
  if (!client) return Die("client", client.error());

  revocation::CloudRevocationFeed feed(**client);
  revocation::RevocationCacheOptions cache_options;
  cache_options.path = dir + "/revocations.bin";
  auto cache = revocation::RevocationCache::Open(feed, cache_options);
  if (!cache) return Die("revocation cache", cache.error());
  if (mode == "sync") {
    auto report = (*cache)->Sync();
    if (!report) return Die("sync", report.error());
    Say("synced " + std::to_string(report->to_sequence));
    return 0;
  }

  std::vector<crypto::Certificate> anchors;
  for (int i = 0;; ++i) {
    const Bytes der = ReadAll(dir + "/ca-" + std::to_string(i) + ".der");
    if (der.empty()) break;
    auto ca = crypto::Certificate::FromDer(der);
    if (!ca) return Die("anchor", ca.error());
    anchors.push_back(std::move(*ca));
  }
  journal::JournalOptions options;
  options.path = dir + "/journal.db";
  options.terminal_id = terminal_id;
  options.backoff_base = std::chrono::milliseconds(0);
  auto opened = journal::Journal::Open(options, std::move(anchors), **cache);
  if (!opened) return Die("journal", opened.error());
  journal::Journal& journal = **opened;

  if (mode == "approve" && argc == 7) {
    const int count = std::stoi(argv[4]);
    const int64_t amount = std::stoll(argv[5]);
    const std::string mykey_id = argv[6];
    auto key = crypto::RsaPrivateKey::FromDer(ReadAll(dir + "/card.key"));
    if (!key) return Die("card key", key.error());
    const Bytes certificate = ReadAll(dir + "/card.der");
    for (int i = 0; i < count; ++i) {
      auto challenge = journal.NewChallenge();
      if (!challenge) return Die("challenge", challenge.error());
      auto signature =
          key->SignDigestInfo(journal::OfflineChallengeDigestInfo(*challenge, terminal_id));
      if (!signature) return Die("sign", signature.error());
      auto entry =
          journal.Authorise({certificate, *challenge, *signature}, {mykey_id, 1, amount, ""});
      if (!entry) return Die("authorise", entry.error());
      Say("approved " + entry->idempotency_key);
    }
    return 0;
  }
  if (mode == "forward") {
    journal::CloudLedgerUplink cloud(**client);
    AnnouncingUplink uplink(cloud, argc > 4 ? argv[4] : "", argc > 5 ? std::stoi(argv[5]) : 0);
    auto report = journal.Forward(uplink);
    if (!report) return Die("forward", report.error());
    Say("forwarded " + std::to_string(report->applied) + " " + std::to_string(report->refused) +
        " " + std::to_string(report->remaining));
    return 0;
  }
  return 2;
}
