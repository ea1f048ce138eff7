#include "mykey/terminal/tty_pin_pad.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "mykey/sim/sim_reader.h"
#include "mykey/testing/catch.h"

namespace mykey::terminal {
namespace {

TEST_CASE("the keypad takes four digits, ignores a fifth and other keys") {
  PinKeypad keypad;
  CHECK(keypad.Feed('1') == KeyOutcome::kDigitAdded);
  CHECK(keypad.Feed('a') == KeyOutcome::kIgnored);
  CHECK(keypad.Feed('2') == KeyOutcome::kDigitAdded);
  CHECK(keypad.Feed('\r') == KeyOutcome::kTooShort);
  CHECK(keypad.Feed('3') == KeyOutcome::kDigitAdded);
  CHECK(keypad.Feed('4') == KeyOutcome::kDigitAdded);
  CHECK(keypad.Feed('5') == KeyOutcome::kIgnored);
  CHECK(keypad.size() == 4);
  CHECK(keypad.Feed('\r') == KeyOutcome::kComplete);
}

TEST_CASE("backspace removes the last digit and leaves no trace of it") {
  PinKeypad keypad;
  CHECK(keypad.Feed(0x7f) == KeyOutcome::kIgnored);
  keypad.Feed('9');
  CHECK(keypad.Feed(0x7f) == KeyOutcome::kDigitRemoved);
  CHECK(keypad.size() == 0);
  CHECK(keypad.IsClear());
}

TEST_CASE("taking the PIN wipes the keypad's buffer") {
  PinKeypad keypad;
  for (char c : std::string("2468")) keypad.Feed(static_cast<uint8_t>(c));
  CHECK_FALSE(keypad.IsClear());
  auto pin = keypad.TakePin();
  REQUIRE(pin.has_value());
  CHECK(pin->size() == 4);
  CHECK(keypad.IsClear());
}

TEST_CASE("Esc cancels and wipes; taking a short PIN fails and wipes") {
  PinKeypad keypad;
  keypad.Feed('1');
  keypad.Feed('2');
  CHECK(keypad.Feed(0x1b) == KeyOutcome::kCancelled);
  CHECK(keypad.IsClear());
  keypad.Feed('7');
  auto pin = keypad.TakePin();
  REQUIRE_FALSE(pin.has_value());
  CHECK(pin.error().code() == ErrorCode::kFailedPrecondition);
  CHECK(keypad.IsClear());
}

// A pseudo-terminal: the pad opens the slave side; the test types on the master.
struct Pty {
  int master = -1;
  std::string slave;
  Pty() {
    master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    REQUIRE(master >= 0);
    REQUIRE(::grantpt(master) == 0);
    REQUIRE(::unlockpt(master) == 0);
    slave = ::ptsname(master);
  }
  ~Pty() { ::close(master); }
  // Everything the pad wrote until `marker` shows up.
  std::string ReadUntil(std::string_view marker) {
    std::string seen;
    while (seen.find(marker) == std::string::npos) {
      pollfd fd{master, POLLIN, 0};
      if (::poll(&fd, 1, 10'000) <= 0) break;
      char buf[256];
      ssize_t n = ::read(master, buf, sizeof buf);
      if (n <= 0) break;
      seen.append(buf, static_cast<size_t>(n));
    }
    return seen;
  }
  void Type(std::string_view keys) {
    REQUIRE(::write(master, keys.data(), keys.size()) == static_cast<ssize_t>(keys.size()));
  }
};

TEST_CASE("the PIN typed on the terminal is never echoed, and echo is back afterwards") {
  Pty pty;
  // Keep the slave open so that its settings persist between the pad's opens.
  int keep = ::open(pty.slave.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
  REQUIRE(keep >= 0);
  termios before{};
  REQUIRE(::tcgetattr(keep, &before) == 0);
  REQUIRE((before.c_lflag & ECHO) != 0);

  auto pad = TtyPinPad::Create(pty.slave, Language::kEnglish, std::chrono::seconds(30));
  REQUIRE(pad.has_value());
  std::string output;
  std::thread holder([&] {
    output = pty.ReadUntil("cancel");  // the prompt's last word: the terminal is quiet now
    pty.Type("1234\r");
    output += pty.ReadUntil("\r\n");
  });
  auto pin = (*pad)->RequestPin({3, false, {}});
  holder.join();
  REQUIRE(pin.has_value());
  CHECK(pin->size() == 4);
  CHECK(output.find("Enter your 4-digit PIN") != std::string::npos);
  CHECK(output.find("Tries left: 3") != std::string::npos);
  CHECK(output.find("● ● ● ●") != std::string::npos);
  // After the prompt, only the marks: no digit reached the screen.
  std::string after_prompt = output.substr(output.find("cancel"));
  CHECK(after_prompt.find_first_of("0123456789") == std::string::npos);

  termios after{};
  REQUIRE(::tcgetattr(keep, &after) == 0);
  CHECK((after.c_lflag & ECHO) != 0);
  CHECK((after.c_lflag & ICANON) != 0);
  ::close(keep);
}

TEST_CASE("a cancel from another thread ends the PIN entry with kCancelled") {
  Pty pty;
  auto pad = TtyPinPad::Create(pty.slave, Language::kJapanese, std::chrono::seconds(30));
  REQUIRE(pad.has_value());
  std::thread clerk([&] {
    pty.ReadUntil("Esc");
    pty.Type("12");
    (*pad)->Cancel();
  });
  auto pin = (*pad)->RequestPin({3, false, {}});
  clerk.join();
  REQUIRE_FALSE(pin.has_value());
  CHECK(pin.error().code() == ErrorCode::kCancelled);
  // Reset() forgets the cancel; Esc at the pad cancels too.
  (*pad)->Reset();
  std::thread holder([&] {
    pty.ReadUntil("Esc");
    pty.Type("\x1b");
  });
  auto again = (*pad)->RequestPin({3, false, {}});
  holder.join();
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().code() == ErrorCode::kCancelled);
}

// A card that answers nothing: only its presence matters here.
class PresentCard final : public hal::VirtualCard {
 public:
  Bytes PowerOn() override { return {0x3b, 0x00}; }
  void PowerOff() override {}
  Bytes Reset() override { return {0x3b, 0x00}; }
  Bytes Process(ByteView) override { return {0x6d, 0x00}; }
};

TEST_CASE("a card taken away at the PIN prompt ends the entry with kAborted, no PIN given") {
  Pty pty;
  hal::SimReaderMonitor readers;
  PresentCard card;
  REQUIRE(readers.AddReader("Slot 0"));
  REQUIRE(readers.InsertCard("Slot 0", card));
  auto watch = CardRemovalWatch::Create(readers);
  REQUIRE(watch.has_value());
  auto pad = TtyPinPad::Create(pty.slave, Language::kEnglish, std::chrono::seconds(60));
  REQUIRE(pad.has_value());
  (*pad)->set_card_watch(watch->get());
  std::thread holder([&] {
    pty.ReadUntil("cancel");
    pty.Type("12");  // two digits typed, then the card is pulled
    pty.ReadUntil("● ● ");
    REQUIRE(readers.RemoveCard("Slot 0"));
  });
  auto pin = (*pad)->RequestPin({3, false, "Slot 0"});
  holder.join();
  REQUIRE_FALSE(pin.has_value());
  CHECK(pin.error().code() == ErrorCode::kAborted);
}

TEST_CASE("with the card left in place the watched PIN pad still takes the PIN, again and again") {
  Pty pty;
  hal::SimReaderMonitor readers;
  PresentCard card;
  REQUIRE(readers.AddReader("Slot 0"));
  REQUIRE(readers.InsertCard("Slot 0", card));
  auto watch = CardRemovalWatch::Create(readers);
  REQUIRE(watch.has_value());
  auto pad = TtyPinPad::Create(pty.slave, Language::kEnglish, std::chrono::seconds(60));
  REQUIRE(pad.has_value());
  (*pad)->set_card_watch(watch->get());
  for (int round = 0; round < 3; ++round) {
    std::thread holder([&] {
      pty.ReadUntil("cancel");
      pty.Type("1234\r");
      pty.ReadUntil("\r\n");
    });
    auto pin = (*pad)->RequestPin({3, false, "Slot 0"});
    holder.join();
    REQUIRE(pin.has_value());
    CHECK(pin->size() == 4);
  }
}

TEST_CASE("the card watch signals at once for a reader without a card") {
  hal::SimReaderMonitor readers;
  REQUIRE(readers.AddReader("Slot 0"));
  auto watch = CardRemovalWatch::Create(readers);
  REQUIRE(watch.has_value());
  REQUIRE((*watch)->Start("Slot 0"));
  pollfd fd{(*watch)->event_fd(), POLLIN, 0};
  CHECK(::poll(&fd, 1, 10'000) == 1);
  (*watch)->Stop();
  pollfd cleared{(*watch)->event_fd(), POLLIN, 0};
  CHECK(::poll(&cleared, 1, 0) == 0);
  CHECK_FALSE((*watch)->Start(""));
}

TEST_CASE("a PIN pad whose terminal does not exist is unavailable") {
  auto pad = TtyPinPad::Create("/nonexistent/tty", Language::kEnglish, std::chrono::seconds(1));
  REQUIRE(pad.has_value());
  auto pin = (*pad)->RequestPin({3, false, {}});
  REQUIRE_FALSE(pin.has_value());
  CHECK(pin.error().code() == ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace mykey::terminal
