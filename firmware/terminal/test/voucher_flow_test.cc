// The redeem_voucher machine over a scripted redeemer, and
// CounterVoucherRedeemer's offline check with the sample voucher key (tokens,
// a rendered voucher page, typed serials, the key file).
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "fakes.h"
#include "mykey/counter/counter.h"
#include "mykey/crypto/ecdsa.h"
#include "mykey/crypto/random.h"
#include "mykey/receipt/bitmap.h"
#include "mykey/receipt/printer_profile.h"
#include "mykey/terminal/flow.h"
#include "mykey/terminal/voucher_counter.h"
#include "mykey/testing/catch.h"
#include "mykey/testing/temp_dir.h"
#include "mykey/voucher/voucher_layout.h"
#include "mykey/voucher_testing/sample_vouchers.h"

namespace mykey::terminal {
namespace {

namespace voucher_testing = ::mykey::voucher::testing;
using counter::CounterErrorCode;
using Strings = std::vector<std::string>;

/// Answers the scripted check and redemption; records what it was asked.
class ScriptedRedeemer final : public VoucherRedeemer {
 public:
  VoucherCheck check{"", "7KQ4MX2PR9", "MKV:TOKEN", 1000};
  VoucherRedemption redemption{"", "7KQ4MX2PR9", 1000, 3, "redeemed", "mk-redeem-1"};
  std::vector<PresentedVoucher> presented;
  int redeemed = 0;

  VoucherCheck Check(const PresentedVoucher& voucher) override {
    presented.push_back(voucher);
    return check;
  }
  VoucherRedemption Redeem(const VoucherCheck& checked) override {
    CHECK(checked.text == check.text);
    ++redeemed;
    return redemption;
  }
};

TerminalConfig Shop() {
  TerminalConfig config;
  config.mode = Mode::kShop;
  config.shop.merchant_name = "さくら商店";
  config.shop.programme_name = "千代田区ポイント";
  return config;
}

struct VoucherRig {
  testing::ScriptedCounter counter;
  testing::FakePinPad pin_pad;
  testing::RecordingPrinter printer;
  ScriptedRedeemer redeemer;
  testing::RecordingObserver observer;
  bool with_redeemer = true;
  bool with_printer = true;

  OperationResult Run(const TerminalConfig& config, const OperationRequest& request) {
    FlowEnvironment env;
    env.counter = &counter;
    env.pin_pad = &pin_pad;
    env.printer = with_printer ? &printer : nullptr;
    env.voucher_redeemer = with_redeemer ? &redeemer : nullptr;
    env.now = [] { return std::chrono::sys_seconds(std::chrono::seconds(1'743'470'100)); };
    FlowRunner runner(config, env);
    return runner.Run(request, observer);
  }
};

OperationRequest FromImage(std::string path) {
  OperationRequest request;
  request.kind = OperationKind::kRedeemVoucher;
  request.voucher_image = std::move(path);
  return request;
}

TEST_CASE("a scanned voucher is checked offline, redeemed online once and a receipt printed") {
  VoucherRig rig;
  auto result = rig.Run(Shop(), FromImage("/var/lib/scanner/v.png"));
  CHECK(result.state == OperationState::kDone);
  CHECK(result.reason.empty());
  CHECK(rig.observer.Stages() == Strings{"checking_request", "checking_voucher",
                                         "redeeming_voucher", "printing", "finished"});
  REQUIRE(rig.redeemer.presented.size() == 1);
  CHECK(rig.redeemer.presented[0].image == "/var/lib/scanner/v.png");
  CHECK(rig.redeemer.redeemed == 1);
  CHECK(result.voucher_serial == "7KQ4MX2PR9");
  CHECK(result.voucher_state == "redeemed");
  CHECK(result.amount == 1000);
  CHECK(result.programme_id == 3);
  CHECK(result.idempotency_key == "mk-redeem-1");
  // No card: the counter is never asked for one.
  CHECK(rig.counter.calls.empty());
  REQUIRE(rig.printer.redemptions.size() == 1);
  CHECK(rig.printer.redemptions[0].merchant_name == "さくら商店");
  CHECK(rig.printer.redemptions[0].points == 1000);
  // Its reference is the 券番号; a voucher has no account, so no balance line (was "0 ポイント").
  CHECK(rig.printer.redemptions[0].operation_id.empty());
  CHECK_FALSE(rig.printer.redemptions[0].balance_after);
  REQUIRE(rig.printer.redemptions[0].voucher_serial);
  CHECK(rig.printer.redemptions[0].voucher_serial->ToString() == "7KQ4-MX2P-R9");
  CHECK(rig.printer.layout_errors.empty());
  CHECK(result.print == PrintState::kPrinted);
}

TEST_CASE("a voucher that fails the offline check never reaches the cloud") {
  VoucherRig rig;
  rig.redeemer.check.refusal = "voucher_invalid";
  auto result = rig.Run(Shop(), FromImage("/tmp/forged.png"));
  CHECK(result.state == OperationState::kFailed);
  CHECK(result.reason == "voucher_invalid");
  CHECK(rig.redeemer.redeemed == 0);
  CHECK(rig.printer.redemptions.empty());
  CHECK(rig.observer.Stages() == Strings{"checking_request", "checking_voucher", "finished"});
}

TEST_CASE("an already-redeemed or expired voucher is refused by the cloud with its reason") {
  for (const char* reason :
       {"voucher_already_redeemed", "voucher_expired", "voucher_not_accepted"}) {
    VoucherRig rig;
    rig.redeemer.redemption.refusal = reason;
    rig.redeemer.redemption.state.clear();
    OperationRequest request;
    request.kind = OperationKind::kRedeemVoucher;
    request.voucher_token = "MKV:TOKEN";
    auto result = rig.Run(Shop(), request);
    CHECK(result.state == OperationState::kFailed);
    CHECK(result.reason == reason);
    CHECK(result.idempotency_key == "mk-redeem-1");
    CHECK(rig.printer.redemptions.empty());
  }
}

TEST_CASE("redeem_voucher needs exactly one of image, token and serial, a shop and a redeemer") {
  VoucherRig rig;
  OperationRequest none;
  none.kind = OperationKind::kRedeemVoucher;
  CHECK(rig.Run(Shop(), none).reason == "invalid_request");
  OperationRequest two = FromImage("/tmp/v.png");
  two.voucher_serial = "7KQ4MX2PR9";
  CHECK(rig.Run(Shop(), two).reason == "invalid_request");
  CHECK(rig.redeemer.presented.empty());

  TerminalConfig kiosk;
  kiosk.mode = Mode::kKiosk;
  CHECK_FALSE(AllowedInMode(kiosk, OperationKind::kRedeemVoucher));
  CHECK(rig.Run(kiosk, FromImage("/tmp/v.png")).reason == "not_allowed_in_mode");
  TerminalConfig facility;
  facility.mode = Mode::kFacility;
  facility.facility.name = "郷土博物館";
  CHECK(AllowedInMode(facility, OperationKind::kRedeemVoucher));
  auto at_museum = rig.Run(facility, FromImage("/tmp/v.png"));
  CHECK(at_museum.state == OperationState::kDone);
  REQUIRE_FALSE(rig.printer.redemptions.empty());
  CHECK(rig.printer.redemptions.back().merchant_name == "郷土博物館");

  rig.with_redeemer = false;
  CHECK(rig.Run(Shop(), FromImage("/tmp/v.png")).reason == "unsupported");
}

TEST_CASE("without a printer a redeemed voucher is done with nothing printed") {
  VoucherRig rig;
  rig.with_printer = false;
  auto result = rig.Run(Shop(), FromImage("/tmp/v.png"));
  CHECK(result.state == OperationState::kDone);
  CHECK(result.print == PrintState::kNone);
}

// --- CounterVoucherRedeemer over the sample voucher key ---------------------------

std::vector<cloud_client::VoucherPublicKey> PublishedKeys(const crypto::EcdsaPublicKey& key) {
  cloud_client::VoucherPublicKey published;
  published.key_id = ToHex(key.KeyId());
  published.public_key.assign(key.point().begin(), key.point().end());
  published.current = true;
  return {published};
}

struct SampleDesk {
  mykey::testing::TempDir dir;
  std::string keys_path = dir.File("voucher-keys.json");
  std::chrono::sys_seconds now = voucher_testing::SampleNow();
  std::vector<std::string> sent;
  Result<cloud_client::CloudVoucher> answer = cloud_client::CloudVoucher{};
  CounterVoucherRedeemer redeemer{
      keys_path,
      [this](std::string_view text, std::string& key) -> Result<cloud_client::CloudVoucher> {
        sent.emplace_back(text);
        key = "mk-key";
        return answer;
      },
      [this] { return now; }};

  SampleDesk() {
    auto key = voucher_testing::SampleVoucherKey();
    REQUIRE(key);
    REQUIRE(SaveVoucherKeys(keys_path, PublishedKeys(key->PublicKey())));
  }

  std::string Token() {
    auto key = voucher_testing::SampleVoucherKey();
    REQUIRE(key);
    auto data = voucher_testing::SamplePrintData(voucher_testing::SampleGrantedFields(), *key);
    REQUIRE(data);
    return data->token;
  }
};

TEST_CASE("a genuine token passes the offline check with its serial and amount") {
  SampleDesk desk;
  const std::string token = desk.Token();
  VoucherCheck check = desk.redeemer.Check({"", token, ""});
  CHECK(check.refusal.empty());
  CHECK(check.text == token);
  CHECK(check.serial == voucher_testing::SampleGrantedFields().serial.ToString());
  CHECK(check.amount == 1000);
  CHECK(desk.sent.empty());
}

TEST_CASE("a voucher page rendered by the virtual printer scans from its PNG") {
  SampleDesk desk;
  auto key = voucher_testing::SampleVoucherKey();
  REQUIRE(key);
  auto data = voucher_testing::SamplePrintData(voucher_testing::SampleGrantedFields(), *key);
  REQUIRE(data);
  auto profile = receipt::PrinterProfile::Named("generic-58-kanji");
  REQUIRE(profile);
  auto document = voucher::BuildVoucherDocument(*data, *profile);
  REQUIRE(document);
  auto page = voucher_testing::RenderOnVirtualPrinter(*document, *profile, nullptr);
  REQUIRE(page);
  const std::string png = desk.dir.File("voucher.png");
  REQUIRE(receipt::WritePng(*page, png));
  VoucherCheck check = desk.redeemer.Check({png, "", ""});
  CHECK(check.refusal.empty());
  CHECK(check.amount == 1000);

  VoucherCheck blank = desk.redeemer.Check({desk.dir.File("missing.png"), "", ""});
  CHECK(blank.refusal == "voucher_unreadable");
}

TEST_CASE("expired, forged and unknown-key vouchers and typos are refused offline") {
  SampleDesk desk;
  const std::string token = desk.Token();
  desk.now = voucher_testing::SampleNow() + std::chrono::days(400);
  CHECK(desk.redeemer.Check({"", token, ""}).refusal == "voucher_expired");
  desk.now = voucher_testing::SampleNow();

  // Signed by a key the cloud never published.
  auto random = crypto::SystemRandom::Create();
  REQUIRE(random);
  auto stranger = crypto::EcdsaPrivateKey::Generate(**random);
  REQUIRE(stranger);
  auto forged = voucher_testing::SamplePrintData(voucher_testing::SampleGrantedFields(), *stranger);
  REQUIRE(forged);
  CHECK(desk.redeemer.Check({"", forged->token, ""}).refusal == "voucher_invalid");
  // Altered in transit.
  std::string altered = token;
  altered[altered.size() - 3] = altered[altered.size() - 3] == 'A' ? 'B' : 'A';
  CHECK(desk.redeemer.Check({"", altered, ""}).refusal == "voucher_invalid");
  CHECK(desk.redeemer.Check({"", "https://example.com/", ""}).refusal == "voucher_invalid");

  // A typed serial: only its check symbol is checked offline.
  const std::string serial = voucher_testing::SampleGrantedFields().serial.ToString();
  VoucherCheck typed = desk.redeemer.Check({"", "", serial});
  CHECK(typed.refusal.empty());
  CHECK(typed.text == serial);
  std::string typo = serial;
  typo[1] = typo[1] == '7' ? '8' : '7';
  CHECK(desk.redeemer.Check({"", "", typo}).refusal == "voucher_invalid");

  // No keys cached yet: nothing can be verified.
  std::remove(desk.keys_path.c_str());
  CHECK(desk.redeemer.Check({"", token, ""}).refusal == "voucher_keys_missing");
  CHECK(desk.sent.empty());
}

TEST_CASE("the online redemption's refusals become the terminal's voucher reasons") {
  SampleDesk desk;
  VoucherCheck check = desk.redeemer.Check({"", desk.Token(), ""});
  REQUIRE(check.refusal.empty());
  const std::pair<CounterErrorCode, const char*> cases[] = {
      {CounterErrorCode::kVoucherAlreadyRedeemed, "voucher_already_redeemed"},
      {CounterErrorCode::kVoucherExpired, "voucher_expired"},
      {CounterErrorCode::kVoucherVoided, "voucher_invalid"},
      {CounterErrorCode::kVoucherNotIssued, "voucher_invalid"},
      {CounterErrorCode::kVoucherUnknown, "voucher_invalid"},
      {CounterErrorCode::kNotAccepted, "voucher_not_accepted"},
      {CounterErrorCode::kCloudUnreachable, "cloud_unreachable"},
  };
  for (const auto& [code, reason] : cases) {
    desk.answer = Fail(counter::MakeCounterError(code));
    VoucherRedemption refused = desk.redeemer.Redeem(check);
    CHECK(refused.refusal == reason);
    CHECK(refused.idempotency_key == "mk-key");
  }
  cloud_client::CloudVoucher redeemed;
  redeemed.serial = check.serial;
  redeemed.amount = 1000;
  redeemed.state = "redeemed";
  redeemed.idempotency_key = "mk-key";
  desk.answer = redeemed;
  VoucherRedemption done = desk.redeemer.Redeem(check);
  CHECK(done.refusal.empty());
  CHECK(done.state == "redeemed");
  CHECK(done.amount == 1000);
  CHECK(desk.sent.back() == check.text);
}

TEST_CASE("the voucher key file round-trips and a damaged one is refused") {
  mykey::testing::TempDir dir;
  CHECK(VoucherKeysPathFor("/var/lib/mykey/terminal.id") == "/var/lib/mykey/voucher-keys.json");
  auto key = voucher_testing::SampleVoucherKey();
  REQUIRE(key);
  const std::string path = dir.File("keys.json");
  CHECK_FALSE(SaveVoucherKeys(path, {}));
  REQUIRE(SaveVoucherKeys(path, PublishedKeys(key->PublicKey())));
  auto ring = LoadVoucherKeys(path);
  REQUIRE(ring);
  CHECK(ring->Find(key->PublicKey().KeyId()) != nullptr);
  std::ofstream(path) << "{\"keys\": [{\"public_key\": \"04ff\"}]}";
  auto damaged = LoadVoucherKeys(path);
  REQUIRE_FALSE(damaged);
  CHECK(damaged.error().code() == ErrorCode::kDataLoss);
  auto missing = LoadVoucherKeys(dir.File("none.json"));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == ErrorCode::kNotFound);
}

TEST_CASE(
    "the pending voucher list round-trips, private to the terminal, and a damaged one is refused") {
  mykey::testing::TempDir dir;
  CHECK(PendingVouchersPathFor("/var/lib/mykey/terminal.id") ==
        "/var/lib/mykey/pending-vouchers.json");
  const std::string path = dir.File("pending.json");
  auto none = LoadPendingVouchers(path);
  REQUIRE(none);
  CHECK(none->empty());
  const std::vector<PendingVoucher> kept{{"7KQ4-MX2P-R9", "mk-issue-1", 1000, "2027-05-31", 17},
                                         {"8ABC-DEF2-G3", "mk-issue-2", 500, "2027-06-30", 18}};
  REQUIRE(SavePendingVouchers(path, kept));
  auto loaded = LoadPendingVouchers(path);
  REQUIRE(loaded);
  CHECK(*loaded == kept);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  std::ofstream(path) << "{\"vouchers\": [{\"serial\": \"X\"}]}";
  auto damaged = LoadPendingVouchers(path);
  REQUIRE_FALSE(damaged);
  CHECK(damaged.error().code() == ErrorCode::kDataLoss);
}

}  // namespace
}  // namespace mykey::terminal
