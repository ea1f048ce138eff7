#include "mykey/terminal/tty_pin_pad.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

#include "mykey/base/bytes.h"
#include "mykey/terminal/messages.h"

namespace mykey::terminal {
namespace {

void WriteAll(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<size_t>(n));
  }
}

// Echo and line editing off for the time of one entry; restored on every path.
class QuietTerminal {
 public:
  explicit QuietTerminal(int fd) : fd_(fd) {
    saved_ok_ = ::tcgetattr(fd_, &saved_) == 0;
    if (!saved_ok_) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHOE | ECHOK | ECHONL | ICANON | ISIG);
    quiet.c_cc[VMIN] = 1;
    quiet.c_cc[VTIME] = 0;
    // TCSAFLUSH: keys typed before the prompt are not taken as the PIN.
    ::tcsetattr(fd_, TCSAFLUSH, &quiet);
  }
  ~QuietTerminal() {
    if (saved_ok_) ::tcsetattr(fd_, TCSANOW, &saved_);
  }
  QuietTerminal(const QuietTerminal&) = delete;
  QuietTerminal& operator=(const QuietTerminal&) = delete;

 private:
  int fd_;
  termios saved_{};
  bool saved_ok_ = false;
};

}  // namespace

KeyOutcome PinKeypad::Feed(uint8_t key) {
  if (key >= '0' && key <= '9') {
    if (size_ == kDigits) return KeyOutcome::kIgnored;
    digits_[size_++] = key;
    return KeyOutcome::kDigitAdded;
  }
  if (key == 0x7f || key == 0x08) {
    if (size_ == 0) return KeyOutcome::kIgnored;
    digits_[--size_] = 0;
    return KeyOutcome::kDigitRemoved;
  }
  if (key == '\r' || key == '\n') {
    return size_ == kDigits ? KeyOutcome::kComplete : KeyOutcome::kTooShort;
  }
  if (key == 0x1b || key == 0x03 || key == 0x04) {
    Clear();
    return KeyOutcome::kCancelled;
  }
  return KeyOutcome::kIgnored;
}

Result<jpki::Pin> PinKeypad::TakePin() {
  if (size_ != kDigits) {
    Clear();
    return Fail(ErrorCode::kFailedPrecondition, "the PIN needs four digits");
  }
  auto pin =
      jpki::Pin::AuthPin(std::string_view(reinterpret_cast<const char*>(digits_.data()), size_));
  Clear();
  return pin;
}

void PinKeypad::Clear() noexcept {
  SecureWipe(digits_.data(), digits_.size());
  size_ = 0;
}

bool PinKeypad::IsClear() const noexcept {
  uint8_t any = 0;
  for (uint8_t b : digits_) any |= b;
  return any == 0 && size_ == 0;
}

Result<std::unique_ptr<TtyPinPad>> TtyPinPad::Create(std::string device, Language language,
                                                     std::chrono::milliseconds timeout) {
  int event = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (event < 0) return Fail(ErrorCode::kInternal, "eventfd failed", ErrorDomain::kOs, errno);
  return std::unique_ptr<TtyPinPad>(new TtyPinPad(std::move(device), language, timeout, event));
}

TtyPinPad::TtyPinPad(std::string device, Language language, std::chrono::milliseconds timeout,
                     int event)
    : device_(std::move(device)), language_(language), timeout_(timeout), cancel_event_(event) {}

TtyPinPad::~TtyPinPad() {
  ::close(cancel_event_);
}

void TtyPinPad::Cancel() {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(cancel_event_, &one, sizeof one);
}

void TtyPinPad::Reset() {
  uint64_t value = 0;
  [[maybe_unused]] ssize_t n = ::read(cancel_event_, &value, sizeof value);
}

Result<uint8_t> TtyPinPad::ReadKey(int fd, std::chrono::steady_clock::time_point deadline,
                                   int card_gone) {
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Fail(ErrorCode::kCancelled, "no PIN within the time");
    // A negative fd is ignored by poll(): no card watch.
    pollfd fds[3] = {{fd, POLLIN, 0}, {cancel_event_, POLLIN, 0}, {card_gone, POLLIN, 0}};
    int ready = ::poll(fds, 3, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return Fail(ErrorCode::kUnavailable, "poll failed", ErrorDomain::kOs, errno);
    if (fds[1].revents != 0) return Fail(ErrorCode::kCancelled, "PIN entry cancelled");
    if (card_gone >= 0 && fds[2].revents != 0) {
      return Fail(ErrorCode::kAborted, "the card was taken away at the PIN pad");
    }
    if (fds[0].revents == 0) continue;
    uint8_t key = 0;
    ssize_t n = ::read(fd, &key, 1);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return Fail(ErrorCode::kCancelled, "end of input at the PIN pad");
    return key;
  }
}

jpki::LastTryConfirmation TtyPinPad::ConfirmLastTry() {
  std::unique_lock<std::mutex> gate;
  if (tty_gate_ != nullptr) gate = std::unique_lock<std::mutex>(*tty_gate_);
  int fd = ::open(device_.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return jpki::LastTryConfirmation::kNotConfirmed;
  jpki::LastTryConfirmation answer = jpki::LastTryConfirmation::kNotConfirmed;
  {
    QuietTerminal quiet(fd);
    WriteAll(fd, "\r\n  ");
    WriteAll(fd, Say(language_, Phrase::kLastTryWarning));
    WriteAll(fd, " ");
    auto key = ReadKey(fd, std::chrono::steady_clock::now() + timeout_);
    if (key && (*key == 'y' || *key == 'Y')) answer = jpki::LastTryConfirmation::kConfirmed;
    WriteAll(fd, "\r\n");
  }
  ::close(fd);
  return answer;
}

Result<jpki::Pin> TtyPinPad::RequestPin(const counter::PinRequest& request) {
  std::unique_lock<std::mutex> gate;
  if (tty_gate_ != nullptr) gate = std::unique_lock<std::mutex>(*tty_gate_);
  int fd = ::open(device_.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    return Fail(ErrorCode::kUnavailable, "the PIN pad's terminal cannot be opened",
                ErrorDomain::kOs, errno);
  }
  Result<jpki::Pin> pin = Fail(ErrorCode::kCancelled, "PIN entry cancelled");
  {
    QuietTerminal quiet(fd);
    PinKeypad keypad;
    std::string prompt = "\r\n  ";
    prompt += Say(language_, Phrase::kEnterPin);
    prompt += "\r\n  ";
    prompt += Say(language_, Phrase::kPinTriesLeft);
    prompt += ": " + std::to_string(request.tries_left) + "    ";
    prompt += Say(language_, Phrase::kPinHint);
    prompt += "\r\n\r\n      ";
    WriteAll(fd, prompt);
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    int card_gone = -1;
    if (card_watch_ != nullptr && !request.reader.empty() && card_watch_->Start(request.reader)) {
      card_gone = card_watch_->event_fd();
    }
    while (true) {
      auto key = ReadKey(fd, deadline, card_gone);
      if (!key) {
        pin = Fail(key.error());
        break;
      }
      KeyOutcome outcome = keypad.Feed(*key);
      SecureWipe(&*key, 1);
      if (outcome == KeyOutcome::kDigitAdded) WriteAll(fd, "● ");
      if (outcome == KeyOutcome::kDigitRemoved) WriteAll(fd, "\b\b  \b\b");
      if (outcome == KeyOutcome::kTooShort) WriteAll(fd, "\a");
      if (outcome == KeyOutcome::kCancelled) break;
      if (outcome == KeyOutcome::kComplete) {
        pin = keypad.TakePin();
        break;
      }
    }
    if (card_gone >= 0) card_watch_->Stop();
    WriteAll(fd, "\r\n");
  }
  ::close(fd);
  return pin;
}

}  // namespace mykey::terminal
