#include "mykey/terminal/console.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "gated_executor.h"

#include "mykey/terminal/console_screen.h"
#include "mykey/terminal/messages.h"
#include "mykey/testing/catch.h"

namespace mykey::terminal {
namespace {

TerminalConfig Config(Mode mode, Language language) {
  TerminalConfig config;
  config.mode = mode;
  config.language = language;
  config.site_name = "さくら商店";
  config.facility.name = "市立美術館";
  config.facility.fee = 1500;
  return config;
}

OperationSnapshot Running(OperationKind kind, std::vector<OperationEvent> events) {
  OperationSnapshot snapshot;
  snapshot.id = "op-1";
  snapshot.request.kind = kind;
  snapshot.request.amount = 1200;
  snapshot.state = OperationState::kRunning;
  snapshot.events = std::move(events);
  return snapshot;
}

OperationEvent Stage(std::string name) {
  return OperationEvent{1, EventKind::kStage, std::move(name), std::nullopt};
}

bool Contains(const Screen& screen, std::string_view text) {
  for (const auto& line : screen.lines) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST_CASE("every phrase has a Japanese and an English text") {
  for (int i = 0; i <= static_cast<int>(Phrase::kInvalidInput); ++i) {
    auto phrase = static_cast<Phrase>(i);
    CHECK_FALSE(Say(Language::kJapanese, phrase).empty());
    CHECK_FALSE(Say(Language::kEnglish, phrase).empty());
    CHECK(Say(Language::kJapanese, phrase) != "?");
  }
}

TEST_CASE("every stage of the flows has words in both languages") {
  for (int i = 0; i <= static_cast<int>(FlowStage::kFinished); ++i) {
    auto name = FlowStageName(static_cast<FlowStage>(i));
    CHECK(StageText(Language::kJapanese, name) != Say(Language::kJapanese, Phrase::kPleaseWait));
    CHECK(StageText(Language::kEnglish, name) != Say(Language::kEnglish, Phrase::kPleaseWait));
  }
}

TEST_CASE("a failure reason is worded for the holder, an unknown one generally") {
  CHECK(ReasonText(Language::kJapanese, "insufficient_balance") == "ポイント残高が足りません");
  CHECK(ReasonText(Language::kEnglish, "card_removed") ==
        "The card was removed. Please start again");
  CHECK(ReasonText(Language::kEnglish, "something_new") == "Could not complete (something_new)");
}

TEST_CASE("display width counts full-width characters twice") {
  CHECK(DisplayWidth("abc") == 3);
  CHECK(DisplayWidth("ポイント") == 8);
  CHECK(DisplayWidth("残高: 1,200") == 11);
}

TEST_CASE("a screen is a box whose every line has the same width") {
  Screen screen;
  screen.title = "さくら商店";
  screen.lines = {"1,200 ポイント",
                  "マイナンバーカードをリーダーに置いてください。とても長い行は切られます"};
  screen.footer = "しばらくお待ちください";
  std::string text = RenderScreen(screen, ScreenStyle{40, false});
  size_t start = 0;
  int rows = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    CHECK(DisplayWidth(std::string_view(text).substr(start, end - start)) == 40);
    start = end + 1;
    ++rows;
  }
  CHECK(rows == 11);
  CHECK(text.rfind("┏", 0) == 0);
  CHECK(text.find("\x1b[") == std::string::npos);
}

TEST_CASE("on a terminal the screen is cleared and coloured by its tone") {
  Screen screen;
  screen.title = "t";
  screen.tone = Tone::kError;
  std::string text = RenderScreen(screen, ScreenStyle{30, true});
  CHECK(text.rfind("\x1b[2J\x1b[H", 0) == 0);
  CHECK(text.find("\x1b[1;31m") != std::string::npos);
}

TEST_CASE("the idle screens say what to do in the site's language") {
  CHECK(Contains(IdleScreen(Config(Mode::kShop, Language::kJapanese)), "金額を入力"));
  CHECK(Contains(IdleScreen(Config(Mode::kLibrary, Language::kEnglish)), "tap your card"));
  CHECK(Contains(IdleScreen(Config(Mode::kFacility, Language::kJapanese)), "1,500 ポイント"));
  CHECK(Contains(IdleScreen(Config(Mode::kKiosk, Language::kEnglish)), "create MyKey ID"));
}

TEST_CASE("while waiting for the card the screen shows the amount and asks for the card") {
  auto screen = OperationScreen(Config(Mode::kShop, Language::kJapanese),
                                Running(OperationKind::kRedeem, {Stage("waiting_for_card")}));
  CHECK(Contains(screen, "1,200 ポイント"));
  CHECK(Contains(screen, "マイナンバーカードをリーダーに置いてください"));
  CHECK(screen.tone == Tone::kAttention);
}

TEST_CASE("while the PIN is asked the screen shows the tries left") {
  auto screen =
      OperationScreen(Config(Mode::kShop, Language::kEnglish),
                      Running(OperationKind::kRedeem,
                              {Stage("authenticating"),
                               {2, EventKind::kPinTriesLeft, "auth_pin", 2},
                               {3, EventKind::kProgress, "waiting_for_pin", std::nullopt}}));
  CHECK(Contains(screen, "Please enter your PIN"));
  CHECK(Contains(screen, "Tries left: 2"));
}

TEST_CASE("a finished redemption shows points, balance and the receipt") {
  auto snapshot = Running(OperationKind::kRedeem, {});
  snapshot.state = OperationState::kDone;
  OperationResult result;
  result.state = OperationState::kDone;
  result.amount = 1200;
  result.balance = 3800;
  result.print = PrintState::kPrinted;
  snapshot.result = result;
  auto screen = OperationScreen(Config(Mode::kShop, Language::kJapanese), snapshot);
  CHECK(screen.tone == Tone::kSuccess);
  CHECK(Contains(screen, "完了しました"));
  CHECK(Contains(screen, "1,200 ポイント"));
  CHECK(Contains(screen, "残高: 3,800 ポイント"));
  CHECK(Contains(screen, "レシートを印刷しました"));
}

TEST_CASE("a failed operation shows why, and the tries left after a wrong PIN") {
  auto snapshot = Running(OperationKind::kRedeem, {});
  snapshot.state = OperationState::kFailed;
  OperationResult result;
  result.state = OperationState::kFailed;
  result.reason = "wrong_pin";
  result.pin_tries_left = 1;
  snapshot.result = result;
  auto screen = OperationScreen(Config(Mode::kShop, Language::kEnglish), snapshot);
  CHECK(screen.tone == Tone::kError);
  CHECK(Contains(screen, "Wrong PIN"));
  CHECK(Contains(screen, "Tries left: 1"));
}

TEST_CASE("a library result shows the library number") {
  auto snapshot = Running(OperationKind::kLibraryLookup, {});
  snapshot.state = OperationState::kDone;
  OperationResult result;
  result.state = OperationState::kDone;
  result.service_id = "280212";
  snapshot.result = result;
  auto screen = OperationScreen(Config(Mode::kLibrary, Language::kJapanese), snapshot);
  CHECK(Contains(screen, "図書館利用者番号: 280212"));
}

TEST_CASE("the clerk's lines become operations for the mode") {
  auto shop = Config(Mode::kShop, Language::kJapanese);
  auto redeem = ParseClerkLine(shop, " 500 ");
  CHECK(redeem.action == ClerkCommand::Action::kStart);
  CHECK(redeem.request.kind == OperationKind::kRedeem);
  CHECK(redeem.request.amount == 500);
  CHECK(ParseClerkLine(shop, "r").action == ClerkCommand::Action::kAskMore);
  CHECK(ParseClerkLine(shop, "w").request.kind == OperationKind::kWhoIsThis);
  CHECK(ParseClerkLine(shop, "q").action == ClerkCommand::Action::kQuit);
  CHECK(ParseClerkLine(shop, "-5").invalid);
  CHECK(ParseClerkLine(shop, "5x").invalid);
  auto library = Config(Mode::kLibrary, Language::kJapanese);
  CHECK(ParseClerkLine(library, "").request.kind == OperationKind::kLibraryLookup);
  auto kiosk = Config(Mode::kKiosk, Language::kJapanese);
  CHECK(ParseClerkLine(kiosk, "1").request.kind == OperationKind::kCreateMyKeyId);
  CHECK(ParseClerkLine(kiosk, "2").action == ClerkCommand::Action::kAskMore);
  CHECK(ParseClerkLine(kiosk, "5").request.kind == OperationKind::kReportLost);
  CHECK(ParseClerkLine(kiosk, "6").request.kind == OperationKind::kPendingVouchers);
  CHECK(ParseClerkLine(kiosk, "7").action == ClerkCommand::Action::kAskMore);
  CHECK(ParseClerkLine(kiosk, "7").request.kind == OperationKind::kReprintVoucher);
  CHECK(ParseClerkLine(kiosk, "8").request.kind == OperationKind::kVoidVoucher);
  CHECK(ParseClerkLine(kiosk, "9").invalid);
  auto facility = Config(Mode::kFacility, Language::kJapanese);
  CHECK(ParseClerkLine(facility, "").request.kind == OperationKind::kFacilityEntry);
}

TEST_CASE("the clerk redeems a voucher by serial, QR text or image path in shops and museums") {
  for (Mode mode : {Mode::kShop, Mode::kFacility}) {
    auto voucher = ParseClerkLine(Config(mode, Language::kJapanese), "v");
    CHECK(voucher.action == ClerkCommand::Action::kAskMore);
    CHECK(voucher.request.kind == OperationKind::kRedeemVoucher);
  }
  CHECK(ParseClerkLine(Config(Mode::kKiosk, Language::kJapanese), "v").invalid);
  CHECK(ParseClerkLine(Config(Mode::kLibrary, Language::kJapanese), "v").invalid);

  OperationRequest token;
  REQUIRE(PutVoucherInput(" MKV:AbC.def ", token));
  CHECK(token.voucher_token == "MKV:AbC.def");
  CHECK(token.voucher_image.empty());
  CHECK(token.voucher_serial.empty());
  OperationRequest image;
  REQUIRE(PutVoucherInput("/var/lib/scanner/v.png", image));
  CHECK(image.voucher_image == "/var/lib/scanner/v.png");
  CHECK(image.voucher_token.empty());
  OperationRequest serial;
  REQUIRE(PutVoucherInput("V4K2-9XWM-7QPA", serial));
  CHECK(serial.voucher_serial == "V4K2-9XWM-7QPA");
  OperationRequest none;
  CHECK_FALSE(PutVoucherInput("  ", none));
  CHECK(none.voucher_serial.empty());

  CHECK(Contains(IdleScreen(Config(Mode::kShop, Language::kJapanese)), "V: ポイント券"));
  CHECK(Contains(IdleScreen(Config(Mode::kFacility, Language::kEnglish)), "V: redeem a voucher"));
  CHECK(Say(Language::kEnglish, Phrase::kEnterVoucher).find("serial") != std::string::npos);
}

TEST_CASE("the kiosk's pending vouchers are listed on the result screen") {
  OperationSnapshot snapshot = Running(OperationKind::kPendingVouchers, {});
  snapshot.state = OperationState::kDone;
  OperationResult result;
  result.state = OperationState::kDone;
  result.pending_vouchers = {{"7KQ4-MX2P-R9", "mk-issue-1", 1000, "2027-05-31", 1}};
  snapshot.result = result;
  auto screen = OperationScreen(Config(Mode::kKiosk, Language::kJapanese), snapshot);
  CHECK(Contains(screen, "7KQ4-MX2P-R9  1,000 ポイント  ~2027-05-31"));
  CHECK(Contains(IdleScreen(Config(Mode::kKiosk, Language::kJapanese)), "7: 再発行"));
  // Every idle line fits the box as drawn (64 columns, borders and margins included).
  for (Mode mode : {Mode::kShop, Mode::kLibrary, Mode::kKiosk, Mode::kFacility}) {
    for (Language language : {Language::kJapanese, Language::kEnglish}) {
      for (const auto& line : IdleScreen(Config(mode, language)).lines) {
        INFO(line);
        CHECK(DisplayWidth(line) <= 60);
      }
    }
  }
}

TEST_CASE("a voucher typed at the console runs redeem_voucher on the desk") {
  int in[2];
  REQUIRE(::pipe(in) == 0);
  int out = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  REQUIRE(out >= 0);
  testing::GatedExecutor executor;
  OperationDesk desk(executor);
  Console console(in[0], out, Config(Mode::kShop, Language::kEnglish), desk);
  std::atomic<bool> stop{false};
  std::thread clerk([&] { console.Run(stop); });
  const std::string keys = "v\nMKV:token-text\n";
  REQUIRE(::write(in[1], keys.data(), keys.size()) == static_cast<ssize_t>(keys.size()));
  executor.WaitStarted(1);
  auto current = desk.Current();
  REQUIRE(current);
  auto snapshot = desk.Get(*current);
  REQUIRE(snapshot);
  CHECK(snapshot->request.kind == OperationKind::kRedeemVoucher);
  CHECK(snapshot->request.voucher_token == "MKV:token-text");
  executor.Release();
  REQUIRE(desk.WaitForFinal(*current));
  stop = true;
  ::close(in[1]);
  clerk.join();
  ::close(in[0]);
  ::close(out);
}

TEST_CASE("the console reads the clerk's keys only while no operation runs") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  testing::GatedExecutor executor;
  OperationDesk desk(executor);
  std::mutex gate;
  Console console(fds[0], -1, Config(Mode::kShop, Language::kJapanese), desk, &gate);
  REQUIRE(::write(fds[1], "1234\n", 5) == 5);

  OperationRequest request;
  request.kind = OperationKind::kRedeem;
  auto id = desk.Submit(request, Submitter::kApi);
  REQUIRE(id);
  executor.WaitStarted(1);
  char buf[16];
  CHECK(console.ReadSome(buf, sizeof buf, 0) == 0);  // the keys stay for the PIN pad

  executor.Release();
  REQUIRE(desk.WaitForFinal(*id));
  REQUIRE(desk.WaitUntilFree(std::chrono::seconds(30)));
  CHECK(console.ReadSome(buf, sizeof buf, 1000) == 5);
  CHECK(std::string(buf, 5) == "1234\n");
  ::close(fds[1]);
  CHECK(console.ReadSome(buf, sizeof buf, 1000) == -1);
  ::close(fds[0]);
}

}  // namespace
}  // namespace mykey::terminal
