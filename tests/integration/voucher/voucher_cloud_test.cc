// Vouchers end to end over the real processes: `mykey-cloud serve` on a
// SQLite store and `mykey-vprinter` on TCP, with CloudClient (libcurl) and
// VoucherIssuer in this process. A kiosk issues and prints; the printer runs
// out of paper or has its cover opened mid-voucher; a shop's terminal scans
// the rendered PNG and redeems it online, once. After each case the cloud's
// state and the ledger's reconciliation show nothing issued twice and nothing
// lost.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "mykey/cloud_client/cloud_client.h"
#include "mykey/cloud_client/cloud_error.h"
#include "mykey/cloud_testing/temp_dir.h"
#include "mykey/crypto/ecdsa.h"
#include "mykey/crypto/random.h"
#include "mykey/crypto/rsa.h"
#include "mykey/http_client/curl_http_transport.h"
#include "mykey/json/json.h"
#include "mykey/ledger/ledger_service.h"
#include "mykey/ledger/voucher_service.h"
#include "mykey/printer_fake/fake_printer_port.h"
#include "mykey/printer_tcp/tcp_printer_port.h"
#include "mykey/protocol/card_auth.h"
#include "mykey/protocol/voucher_token.h"
#include "mykey/receipt/printer_profile.h"
#include "mykey/sqlite_store/sqlite_store.h"
#include "mykey/testing/catch.h"
#include "mykey/testjpki/test_pki.h"
#include "mykey/voucher/voucher_issuer.h"
#include "mykey/voucher/voucher_scanner.h"

#if defined(MYKEY_CLOUD_BINARY) && defined(MYKEY_VPRINTER_BINARY)

namespace mykey {
namespace {

using cloud_client::CloudClient;
using cloud_client::CloudErrorCode;
using cloud_client::CloudErrorCodeOf;
using cloud_client::LastCloudError;
using voucher::IssueState;
using voucher::OnPrintFailure;

constexpr const char* kHolder = "AB23CD45";
constexpr int64_t kHealth = 1;
constexpr int64_t kShop = 1;
constexpr int64_t kKiosk = 2;

/// A child process with its stdin and stdout on pipes.
struct Child {
  pid_t pid = -1;
  int in = -1;   // the child's stdin
  int out = -1;  // the child's stdout

  Child(const std::string& binary, const std::vector<std::string>& args) {
    int to_child[2];
    int from_child[2];
    REQUIRE(pipe(to_child) == 0);
    REQUIRE(pipe(from_child) == 0);
    pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      dup2(to_child[0], STDIN_FILENO);
      dup2(from_child[1], STDOUT_FILENO);
      close(to_child[0]);
      close(to_child[1]);
      close(from_child[0]);
      close(from_child[1]);
      std::vector<std::string> copy = args;
      std::string path = binary;
      std::vector<char*> argv{path.data()};
      for (std::string& arg : copy) argv.push_back(arg.data());
      argv.push_back(nullptr);
      execv(path.c_str(), argv.data());
      _exit(127);
    }
    close(to_child[0]);
    close(from_child[1]);
    in = to_child[1];
    out = from_child[0];
  }
  ~Child() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      int status = 0;
      waitpid(pid, &status, 0);
    }
    if (in >= 0) close(in);
    if (out >= 0) close(out);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  std::string ReadLine() const {
    std::string line;
    char c = 0;
    while (read(out, &c, 1) == 1 && c != '\n') line += c;
    return line;
  }
  int Wait() {
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  std::string ReadAll() const {
    std::string text;
    char buffer[4096];
    ssize_t n = 0;
    while ((n = read(out, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
    return text;
  }
};

std::string RunCloud(const std::vector<std::string>& args) {
  Child child(MYKEY_CLOUD_BINARY, args);
  close(child.in);
  child.in = -1;
  const std::string text = child.ReadAll();
  REQUIRE(child.Wait() == 0);
  return text;
}

crypto::EcdsaPrivateKey NewKey() {
  auto random = crypto::SystemRandom::Create();
  REQUIRE(random);
  auto key = crypto::EcdsaPrivateKey::Generate(**random);
  REQUIRE(key);
  return std::move(*key);
}

/// Passes requests on to the real transport, except those whose URL ends with
/// `lose_suffix` while it is set: those never reach the cloud and the client
/// sees their answer lost (kDeadlineExceeded: outcome unknown), as when the
/// network drops between the kiosk and the cloud.
class LossyTransport final : public http_client::HttpTransport {
 public:
  explicit LossyTransport(http_client::HttpTransport& inner) : inner_(inner) {}
  std::string lose_suffix;
  int lost = 0;

 private:
  Result<http_client::HttpResponse> DoRoundTrip(const http_client::HttpRequest& request) override {
    if (!lose_suffix.empty() && request.url.ends_with(lose_suffix)) {
      ++lost;
      return Fail(ErrorCode::kDeadlineExceeded, "the network dropped the request");
    }
    return inner_.RoundTrip(request);
  }
  http_client::HttpTransport& inner_;
};

/// The holder's card: the test JPKI's auth CA and one card of it, made once
/// (RSA key generation is the slow part).
struct HolderCard {
  std::vector<crypto::Certificate> auth_cas;
  std::optional<crypto::Certificate> certificate;
  std::optional<crypto::RsaPrivateKey> key;
};

const HolderCard& TheHolderCard() {
  static const HolderCard card = [] {
    HolderCard made;
    auto pki = testjpki::TestPki::Create("voucher-cloud", {2023});
    REQUIRE(pki);
    made.auth_cas = pki->CaCertificates(testjpki::CaKind::kAuth);
    testjpki::CardOptions options;
    options.now = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
    auto issued = pki->IssueCard(options);
    REQUIRE(issued);
    made.certificate = issued->auth_certificate;
    auto key = crypto::RsaPrivateKey::FromDer(issued->personalisation.auth_private_key.view());
    REQUIRE(key);
    made.key = std::move(*key);
    return made;
  }();
  return card;
}

/// The cloud (init, parties, serve, trusting the test JPKI), a kiosk and a
/// shop terminal enrolled, the holder's MyKey ID made with their card, a
/// virtual printer, and the holder's 1,000 health points.
struct World {
  testing::TempDir dir;
  std::string store_path = dir.File("cloud.db");
  std::unique_ptr<cloud::SqliteStore> store;  // the same file, for setup and checks
  std::unique_ptr<Child> cloud;
  std::unique_ptr<Child> vprinter;
  std::string base_url;
  std::unique_ptr<http_client::CurlHttpTransport> transport;
  std::unique_ptr<LossyTransport> kiosk_network;  // the kiosk's way to the cloud
  std::unique_ptr<CloudClient> kiosk;
  std::unique_ptr<CloudClient> shop;
  std::unique_ptr<printer::TcpPrinterPort> port;
  std::string jobs_dir = dir.File("jobs");

  World() {
    RunCloud({"init", "--store", store_path});
    cloud::SqliteStoreOptions options;
    options.path = store_path;
    options.create = false;
    options.connections = 2;
    auto opened = cloud::SqliteStore::Open(options);
    REQUIRE(opened);
    store = std::move(*opened);
    REQUIRE(
        Sql("INSERT INTO municipalities (code, name, created_at_ms) VALUES"
            " ('131016', '千代田区', 0)"));
    REQUIRE(
        Sql("INSERT INTO programmes (id, municipality_code, code, name, kind, created_at_ms)"
            " VALUES (1, '131016', 'health', '健康ポイント', 'points', 0)"));
    REQUIRE(
        Sql("INSERT INTO merchants (id, municipality_code, name, kind, created_at_ms) VALUES"
            " (1, '131016', '神田商店', 'shop', 0), (2, '131016', '区役所キオスク', 'kiosk', 0)"));
    REQUIRE(Sql("INSERT INTO merchant_programmes (merchant_id, programme_id) VALUES (1, 1)"));

    const std::string ca_dir = dir.File("jpki-auth-ca");
    std::filesystem::create_directory(ca_dir);
    for (size_t i = 0; i < TheHolderCard().auth_cas.size(); ++i) {
      const ByteView der = TheHolderCard().auth_cas[i].der();
      std::ofstream(ca_dir + "/auth-ca-" + std::to_string(i) + ".der", std::ios::binary)
          .write(reinterpret_cast<const char*>(der.data()),
                 static_cast<std::streamsize>(der.size()));
    }
    cloud = std::make_unique<Child>(
        MYKEY_CLOUD_BINARY,
        std::vector<std::string>{"serve", "--store", store_path, "--listen", "127.0.0.1:0",
                                 "--log-level", "off", "--jpki-auth-ca", ca_dir});
    const std::string line = cloud->ReadLine();
    REQUIRE(line.starts_with("listening on 127.0.0.1:"));
    base_url = "http://127.0.0.1:" + line.substr(line.rfind(':') + 1);
    auto made = http_client::CurlHttpTransport::Create({});
    REQUIRE(made);
    transport = std::move(*made);
    kiosk_network = std::make_unique<LossyTransport>(*transport);
    kiosk = Enrolled("kiosk", kKiosk, *kiosk_network);
    shop = Enrolled("merchant", kShop, *transport);
    auto created = kiosk->CreateMyKeyId(CardSession(protocol::CardAuthPurpose::kCreateMyKeyId),
                                        std::string_view(kHolder));
    INFO(LastCloudError().message);
    REQUIRE(created);
    REQUIRE(*created == kHolder);

    cloud::LedgerService ledger(*store);
    cloud::Caller admin;
    admin.kind = cloud::CallerKind::kOperator;
    admin.scope = cloud::OperatorScope::kAdmin;
    const int64_t now = ledger.NowMs();
    cloud::GrantRequest grant{"grant-1",    kHolder,         kHealth, 1000, now + 90LL * 86'400'000,
                              "健康福祉部", "health checkup"};
    REQUIRE(ledger.Grant(admin, grant));

    vprinter = std::make_unique<Child>(MYKEY_VPRINTER_BINARY,
                                       std::vector<std::string>{"--port", "0", "--out", jobs_dir});
    const std::string ready = vprinter->ReadLine();
    REQUIRE(ready.starts_with("ready port="));
    printer::TcpPrinterOptions port_options;
    port_options.port = static_cast<uint16_t>(std::stoi(ready.substr(11)));
    port = std::make_unique<printer::TcpPrinterPort>(port_options);
    REQUIRE(port->Open());
  }

  Status Sql(const std::string& sql) {
    return store->WithTransaction(cloud::TransactionMode::kReadWrite,
                                  [&](cloud::Transaction& tx) -> Status {
                                    MYKEY_TRY(tx.Execute(sql));
                                    return Ok();
                                  });
  }

  std::unique_ptr<CloudClient> Enrolled(const std::string& kind, int64_t site,
                                        http_client::HttpTransport& network) {
    const std::string text =
        RunCloud({"admin", "enrollment-code", "create", "--store", store_path, "--site-kind", kind,
                  "--site-id", std::to_string(site), "--provider-id", "p1", "--municipality",
                  "131016", "--json"});
    auto body = json::ParseJson(text);
    REQUIRE(body);
    const std::string code = body->at("enrollment_code").get<std::string>();
    const cloud_client::TerminalIdentityFiles files{dir.File(kind + ".key.pem"),
                                                    dir.File(kind + ".id")};
    cloud_client::CloudClientOptions options;
    options.base_url = base_url;
    options.retry_backoff = std::chrono::milliseconds(0);
    auto enrolling = CloudClient::Create(*transport, options, std::nullopt);
    REQUIRE(enrolling);
    auto enrolled = (*enrolling)->Enroll(code, kind, NewKey(), files);
    INFO(LastCloudError().message);
    REQUIRE(enrolled);
    auto identity = cloud_client::LoadTerminalIdentity(files);
    REQUIRE(identity);
    auto client = CloudClient::Create(network, options, std::move(*identity));
    REQUIRE(client);
    return std::move(*client);
  }

  /// The holder's card answers a challenge at the kiosk: a live card session.
  std::string CardSession(protocol::CardAuthPurpose purpose) {
    auto challenge = kiosk->CreateChallenge();
    REQUIRE(challenge);
    auto signature = TheHolderCard().key->SignDigestInfo(
        protocol::CardAuthDigestInfo(challenge->challenge, kiosk->terminal_id(), purpose));
    REQUIRE(signature);
    auto session = kiosk->CreateCardSession(
        challenge->challenge_id, TheHolderCard().certificate->der(), *signature, purpose);
    INFO(LastCloudError().message);
    REQUIRE(session);
    return session->session;
  }

  /// A points voucher from the holder's balance, with their live card
  /// session at the kiosk (the cloud refuses one without it).
  cloud_client::VoucherIssueRequest PointsVoucher(int64_t amount) {
    cloud_client::VoucherIssueRequest request;
    request.mykey_id = kHolder;
    request.programme_id = kHealth;
    request.amount = amount;
    request.expires_on = "2099-12-31";
    request.session = CardSession(protocol::CardAuthPurpose::kLogin);
    return request;
  }

  /// One control line to the virtual printer; its reply.
  std::string Control(const std::string& line) {
    const std::string text = line + "\n";
    REQUIRE(write(vprinter->in, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    return vprinter->ReadLine();
  }

  int JobsFinished() {
    const std::string reply = Control("jobs");
    REQUIRE(reply.starts_with("ok jobs="));
    return std::stoi(reply.substr(8));
  }

  std::string JobPng(int number) {
    char name[32];
    std::snprintf(name, sizeof name, "/job-%04d.png", number);
    return jobs_dir + name;
  }

  voucher::VoucherIssuer Issuer() { return IssuerOn(*port); }

  voucher::VoucherIssuer IssuerOn(printer::PrinterPort& printer_port) {
    voucher::VoucherIssuerOptions options;
    auto profile = receipt::PrinterProfile::Named("generic-58-kanji");
    REQUIRE(profile);
    options.profile = *profile;
    return voucher::VoucherIssuer(*kiosk, printer_port, options);
  }

  int64_t Balance() {
    cloud::LedgerService ledger(*store);
    cloud::Caller admin;
    admin.kind = cloud::CallerKind::kOperator;
    admin.scope = cloud::OperatorScope::kAdmin;
    auto balances = ledger.Balances(admin, kHolder);
    REQUIRE(balances);
    for (const auto& p : *balances) {
      if (p.programme_id == kHealth) return p.balance;
    }
    return 0;
  }

  /// The cloud's own view: every voucher by state, and the reconciliation.
  struct Counts {
    int64_t pending = 0, issued = 0, voided = 0, redeemed = 0, reprints = 0;
  };
  Counts VoucherCounts() {
    Counts counts;
    const Status read = store->WithTransaction(
        cloud::TransactionMode::kReadOnly, [&](cloud::Transaction& tx) -> Status {
          MYKEY_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT state, COUNT(*), SUM(reprints)"
                                                     " FROM vouchers GROUP BY state"));
          for (const cloud::Row& row : rows) {
            const std::string& state = row.Text(0);
            if (state == "pending_print") counts.pending = row.Int(1);
            if (state == "issued") counts.issued = row.Int(1);
            if (state == "voided") counts.voided = row.Int(1);
            if (state == "redeemed") counts.redeemed = row.Int(1);
            counts.reprints += row.Int(2);
          }
          return Ok();
        });
    REQUIRE(read);
    return counts;
  }

  void RequireReconciled(int64_t outstanding) {
    std::ifstream in(store_path + ".keys/voucher_signing.key.pem");
    std::stringstream pem;
    pem << in.rdbuf();
    auto key = crypto::EcdsaPrivateKey::FromPem(pem.str());
    REQUIRE(key);
    cloud::LedgerService ledger(*store);
    auto vouchers = cloud::VoucherService::Create(*store, ledger, std::move(*key));
    REQUIRE(vouchers);
    auto report = (*vouchers)->Reconcile();
    REQUIRE(report);
    for (const std::string& problem : report->problems) UNSCOPED_INFO(problem);
    CHECK(report->ok());
    CHECK(report->outstanding == outstanding);
    CHECK(report->ledger.issued == 1000);
  }

  protocol::VoucherKeyRing Keys() {
    auto keys = shop->VoucherKeys();
    REQUIRE(keys);
    protocol::VoucherKeyRing ring;
    for (const auto& key : *keys) {
      auto public_key = crypto::EcdsaPublicKey::FromUncompressedPoint(key.public_key);
      REQUIRE(public_key);
      REQUIRE(ring.Add(*public_key));
    }
    return ring;
  }
};

voucher::VoucherPrintData Look() {
  voucher::VoucherPrintData look;
  look.municipality_name = "千代田区";
  look.programme_name = "健康ポイント";
  look.conditions = {"区内の加盟店で1回限り使えます", "おつりは出ません"};
  return look;
}

std::chrono::sys_seconds Now() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

TEST_CASE("A printed voucher is issued once and a second terminal scans and redeems it once") {
  World w;
  auto issuer = w.Issuer();
  auto issued = issuer.Issue(w.PointsVoucher(300), Look(), OnPrintFailure::kVoid);
  INFO(LastCloudError().message);
  REQUIRE(issued);
  CHECK(issued->state == IssueState::kIssued);
  CHECK(issued->job.printed());
  CHECK(issued->jobs == 1);
  CHECK(issued->voucher.state == "issued");
  CHECK(w.Balance() == 700);

  // The shop's terminal scans the printed page and redeems online.
  auto scanned = voucher::ScanVoucher(w.JobPng(w.JobsFinished()), w.Keys(), Now());
  REQUIRE(scanned);
  CHECK(scanned->fields().serial.ToString() == issued->voucher.serial);
  CHECK(scanned->fields().amount == 300);
  auto redeemed = w.shop->RedeemVoucher(scanned->fields().serial.ToString());
  INFO(LastCloudError().message);
  REQUIRE(redeemed);
  CHECK(redeemed->state == "redeemed");
  auto twice = w.shop->RedeemVoucher(scanned->fields().serial.ToString());
  REQUIRE_FALSE(twice);
  CHECK(CloudErrorCodeOf(twice.error()) == CloudErrorCode::kConflict);
  CHECK(LastCloudError().reason == "already_redeemed");

  const auto counts = w.VoucherCounts();
  CHECK(counts.redeemed == 1);
  CHECK(counts.issued + counts.pending + counts.voided == 0);
  w.RequireReconciled(0);
}

TEST_CASE("Paper out mid-voucher: kept pending, the duplicate after new paper is issued once") {
  World w;
  auto issuer = w.Issuer();
  REQUIRE(w.Control("paper-out-after 200").starts_with("ok"));
  auto failed = issuer.Issue(w.PointsVoucher(400), Look(), OnPrintFailure::kKeepPending);
  REQUIRE(failed);
  CHECK(failed->state == IssueState::kPendingPrint);
  CHECK_FALSE(failed->job.printed());
  CHECK(failed->job.fault == printer::PrinterFault::kPaperEnd);
  CHECK(w.Balance() == 600);  // out of the lots, not lost: the voucher holds them
  auto counts = w.VoucherCounts();
  CHECK(counts.pending == 1);
  CHECK(counts.issued == 0);
  w.RequireReconciled(400);

  // Still out of paper: the reprint is refused before a byte, still pending, and not
  // counted as a reprint (no duplicate exists).
  auto refused = issuer.Reprint(failed->issue_key, failed->voucher.serial, Look(),
                                OnPrintFailure::kKeepPending);
  REQUIRE(refused);
  CHECK(refused->state == IssueState::kPendingPrint);
  CHECK(refused->job.refused_before_write);
  CHECK(refused->jobs == 0);
  CHECK(refused->voucher.reprints == 0);
  CHECK(w.VoucherCounts().reprints == 0);

  REQUIRE(w.Control("ok").starts_with("ok"));
  auto reprinted = issuer.Reprint(failed->issue_key, failed->voucher.serial, Look(),
                                  OnPrintFailure::kKeepPending);
  REQUIRE(reprinted);
  CHECK(reprinted->state == IssueState::kIssued);
  CHECK(reprinted->printed_duplicate);
  CHECK(reprinted->voucher.serial == failed->voucher.serial);
  CHECK(reprinted->voucher.reprints == 1);  // the one duplicate that went to the printer
  CHECK(w.Balance() == 600);
  counts = w.VoucherCounts();
  CHECK(counts.issued == 1);
  CHECK(counts.pending == 0);

  // A crash after the confirmation: resuming finds it issued and prints nothing.
  const int jobs = w.JobsFinished();
  auto resumed = issuer.Resume(failed->issue_key, Look(), OnPrintFailure::kKeepPending);
  REQUIRE(resumed);
  CHECK(resumed->state == IssueState::kIssued);
  CHECK(resumed->jobs == 0);
  CHECK(w.JobsFinished() == jobs);

  // The duplicate scans to the same serial and redeems once.
  auto scanned = voucher::ScanVoucher(w.JobPng(jobs), w.Keys(), Now());
  REQUIRE(scanned);
  CHECK(scanned->fields().serial.ToString() == failed->voucher.serial);
  REQUIRE(w.shop->RedeemVoucher(failed->voucher.serial));
  auto twice = w.shop->RedeemVoucher(failed->voucher.serial);
  REQUIRE_FALSE(twice);
  CHECK(LastCloudError().reason == "already_redeemed");
  w.RequireReconciled(0);
}

TEST_CASE("Cover open mid-voucher: the voucher is voided and every point returns") {
  World w;
  auto issuer = w.Issuer();
  REQUIRE(w.Control("cover-open-after 200").starts_with("ok"));
  auto failed = issuer.Issue(w.PointsVoucher(250), Look(), OnPrintFailure::kVoid);
  REQUIRE(failed);
  CHECK(failed->state == IssueState::kVoided);
  CHECK(failed->job.fault == printer::PrinterFault::kCoverOpen);
  CHECK(failed->voucher.state == "voided");
  CHECK(w.Balance() == 1000);
  const auto counts = w.VoucherCounts();
  CHECK(counts.voided == 1);
  CHECK(counts.issued + counts.pending + counts.redeemed == 0);
  w.RequireReconciled(0);

  // The torn paper's serial (if anyone typed it) is refused.
  auto redeem = w.shop->RedeemVoucher(failed->voucher.serial);
  REQUIRE_FALSE(redeem);
  CHECK(LastCloudError().reason == "already_voided");

  // Issuing again with the same key answers the voided voucher, prints nothing.
  REQUIRE(w.Control("ok").starts_with("ok"));
  const int jobs = w.JobsFinished();
  auto request = w.PointsVoucher(250);
  request.idempotency_key = failed->issue_key;
  auto again = issuer.Issue(request, Look(), OnPrintFailure::kVoid);
  REQUIRE(again);
  CHECK(again->state == IssueState::kVoided);
  CHECK(w.JobsFinished() == jobs);
  CHECK(w.Balance() == 1000);
}

TEST_CASE("A terminal that crashed after the cloud issued finds the voucher again by its key") {
  World w;
  auto issuer = w.Issuer();
  // The cloud issued it, then the terminal died before (or while) printing.
  auto request = w.PointsVoucher(150);
  request.idempotency_key = "kiosk-crash-1";
  auto pending = w.kiosk->IssueVoucher(request);
  REQUIRE(pending);
  CHECK(pending->state == "pending_print");
  CHECK(w.Balance() == 850);
  // After the restart: the same key finds it; it prints as a duplicate (the
  // first paper may exist) and is confirmed. Nothing issued twice.
  const int jobs = w.JobsFinished();
  auto resumed = issuer.Resume(request.idempotency_key, Look(), OnPrintFailure::kKeepPending);
  REQUIRE(resumed);
  CHECK(resumed->state == IssueState::kIssued);
  CHECK(resumed->printed_duplicate);
  CHECK(resumed->voucher.serial == pending->serial);
  CHECK(w.JobsFinished() == jobs + 1);
  auto again = issuer.Issue(request, Look(), OnPrintFailure::kKeepPending);
  REQUIRE(again);
  CHECK(again->state == IssueState::kIssued);
  CHECK(again->jobs == 0);
  CHECK(w.Balance() == 850);
  const auto counts = w.VoucherCounts();
  CHECK(counts.issued == 1);
  CHECK(counts.pending + counts.voided == 0);
  w.RequireReconciled(150);
  // A key that never issued anything: not found, safe to issue with.
  auto nothing = issuer.Resume("kiosk-never-issued", Look(), OnPrintFailure::kVoid);
  REQUIRE_FALSE(nothing);
  CHECK(CloudErrorCodeOf(nothing.error()) == CloudErrorCode::kNotFound);
}

TEST_CASE("A printer dropping mid-voucher loses nothing: the issue comes back with its key") {
  World w;
  printer::FakePrinterPort printer;  // two-way; its writes stall below
  auto issuer = w.IssuerOn(printer);
  printer.set_stalled(true);
  // No idempotency key given: the one the issuer makes must come back.
  auto dropped = issuer.Issue(w.PointsVoucher(200), Look(), OnPrintFailure::kKeepPending);
  INFO(LastCloudError().message);
  REQUIRE(dropped);  // not a bare transport error
  CHECK_FALSE(dropped->issue_key.empty());
  CHECK(dropped->state == IssueState::kPendingPrint);
  CHECK_FALSE(dropped->job.printed());
  REQUIRE(dropped->job_error);
  CHECK(dropped->job_error->code() == ErrorCode::kDeadlineExceeded);
  CHECK(dropped->job.result == printer::JobResult::kUnconfirmed);  // the paper may exist
  CHECK(w.Balance() == 800);
  auto counts = w.VoucherCounts();
  CHECK(counts.pending == 1);
  w.RequireReconciled(200);

  // The printer back: with the key, only a duplicate follows, confirmed once.
  printer.set_stalled(false);
  auto reprinted = issuer.Resume(dropped->issue_key, Look(), OnPrintFailure::kKeepPending);
  REQUIRE(reprinted);
  CHECK(reprinted->state == IssueState::kIssued);
  CHECK(reprinted->printed_duplicate);
  CHECK(reprinted->voucher.serial == dropped->voucher.serial);
  counts = w.VoucherCounts();
  CHECK(counts.issued == 1);
  CHECK(counts.pending + counts.voided == 0);
  CHECK(w.Balance() == 800);
  w.RequireReconciled(200);

  // Voiding on a drop: the points come back.
  printer.set_stalled(true);
  auto voided = issuer.Issue(w.PointsVoucher(100), Look(), OnPrintFailure::kVoid);
  REQUIRE(voided);
  CHECK(voided->state == IssueState::kVoided);
  CHECK(voided->job_error);
  CHECK(w.Balance() == 800);
}

TEST_CASE("A printed voucher whose confirmation is lost is confirmed later, never voided") {
  World w;
  auto issuer = w.Issuer();
  // The network to the cloud drops every confirmation (the printer is fine).
  w.kiosk_network->lose_suffix = "/confirm-printed";
  auto printed = issuer.Issue(w.PointsVoucher(300), Look(), OnPrintFailure::kVoid);
  INFO(LastCloudError().message);
  REQUIRE(printed);  // was kOutcomeUnknown: the caller then voided it with Resume(kVoid)
  CHECK(printed->job.printed());
  CHECK(printed->confirmation_pending);
  CHECK(printed->state == IssueState::kPendingPrint);
  CHECK(w.kiosk_network->lost >= 3);  // asked again, with the same key
  const int jobs = w.JobsFinished();
  auto counts = w.VoucherCounts();
  CHECK(counts.pending == 1);
  CHECK(counts.voided == 0);

  // While the cloud cannot be reached: a void is refused and a resume voids nothing.
  auto void_attempt = issuer.Void(printed->issue_key, printed->voucher.serial);
  REQUIRE_FALSE(void_attempt);
  CHECK(void_attempt.error().code() == ErrorCode::kFailedPrecondition);
  auto still = issuer.Resume(printed->issue_key, Look(), OnPrintFailure::kVoid);
  REQUIRE(still);
  CHECK(still->confirmation_pending);
  CHECK(w.VoucherCounts().voided == 0);

  // The network back: the caller's usual recovery, Resume(kVoid), confirms it.
  w.kiosk_network->lose_suffix.clear();
  auto resumed = issuer.Resume(printed->issue_key, Look(), OnPrintFailure::kVoid);
  REQUIRE(resumed);
  CHECK(resumed->state == IssueState::kIssued);
  CHECK_FALSE(resumed->confirmation_pending);
  CHECK(resumed->jobs == 0);
  CHECK(w.JobsFinished() == jobs);  // no duplicate: the first paper is the voucher
  counts = w.VoucherCounts();
  CHECK(counts.issued == 1);
  CHECK(counts.voided + counts.pending == 0);
  CHECK(w.Balance() == 700);
  w.RequireReconciled(300);
  // The paper the customer holds redeems.
  auto scanned = voucher::ScanVoucher(w.JobPng(jobs), w.Keys(), Now());
  REQUIRE(scanned);
  REQUIRE(w.shop->RedeemVoucher(scanned->fields().serial.ToString()));

  // After a restart the issuer forgot; a caller that kept the flag confirms with the key.
  w.kiosk_network->lose_suffix = "/confirm-printed";
  auto second = issuer.Issue(w.PointsVoucher(100), Look(), OnPrintFailure::kVoid);
  REQUIRE(second);
  REQUIRE(second->confirmation_pending);
  w.kiosk_network->lose_suffix.clear();
  auto restarted = w.Issuer();
  auto confirmed = restarted.ConfirmPrinted(second->issue_key, second->voucher.serial);
  REQUIRE(confirmed);
  CHECK(confirmed->state == IssueState::kIssued);
  CHECK(w.Balance() == 600);
}

}  // namespace
}  // namespace mykey

#endif  // MYKEY_CLOUD_BINARY && MYKEY_VPRINTER_BINARY
