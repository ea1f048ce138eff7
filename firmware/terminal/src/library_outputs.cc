#include "mykey/terminal/library_outputs.h"

#include <fcntl.h>
#include <linux/input-event-codes.h>
#include <linux/uinput.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "mykey/json/json.h"

namespace mykey::terminal {
namespace {

constexpr uint16_t kDigitKeys[10] = {KEY_0, KEY_1, KEY_2, KEY_3, KEY_4,
                                     KEY_5, KEY_6, KEY_7, KEY_8, KEY_9};
constexpr uint16_t kLetterKeys[26] = {KEY_A, KEY_B, KEY_C, KEY_D, KEY_E, KEY_F, KEY_G, KEY_H, KEY_I,
                                      KEY_J, KEY_K, KEY_L, KEY_M, KEY_N, KEY_O, KEY_P, KEY_Q, KEY_R,
                                      KEY_S, KEY_T, KEY_U, KEY_V, KEY_W, KEY_X, KEY_Y, KEY_Z};

Status WriteAll(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Fail(ErrorCode::kUnavailable, "write failed", ErrorDomain::kOs, errno);
    text.remove_prefix(static_cast<size_t>(n));
  }
  return Ok();
}

}  // namespace

Status LineLibraryOutput::DoDeliver(std::string_view number) {
  std::string line(number);
  line += '\n';
  return WriteAll(fd_, line);
}

UrlLibraryOutput::UrlLibraryOutput(http_client::HttpTransport& transport, std::string url,
                                   std::string site)
    : transport_(transport), url_(std::move(url)), site_(std::move(site)) {}

Status UrlLibraryOutput::DoDeliver(std::string_view number) {
  http_client::HttpRequest request;
  request.method = "POST";
  request.url = url_;
  request.headers = {{"Content-Type", "application/json"}};
  request.body = json::Dump(json::Json{{"library_number", number}, {"site", site_}});
  MYKEY_ASSIGN_OR_RETURN(auto response, transport_.RoundTrip(request));
  if (response.status < 200 || response.status > 299) {
    return Fail(ErrorCode::kUnavailable, "the library system refused the number",
                ErrorDomain::kNone, response.status);
  }
  return Ok();
}

Result<std::vector<KeyStroke>> KeyStrokesFor(std::string_view text, bool press_enter) {
  std::vector<KeyStroke> strokes;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      strokes.push_back({kDigitKeys[c - '0'], false});
    } else if (c >= 'a' && c <= 'z') {
      strokes.push_back({kLetterKeys[c - 'a'], false});
    } else if (c >= 'A' && c <= 'Z') {
      strokes.push_back({kLetterKeys[c - 'A'], true});
    } else if (c == '-') {
      strokes.push_back({KEY_MINUS, false});
    } else {
      return Fail(ErrorCode::kInvalidArgument, "a character the keyboard output cannot type");
    }
  }
  if (press_enter) strokes.push_back({KEY_ENTER, false});
  return strokes;
}

Result<std::unique_ptr<UinputKeyboard>> UinputKeyboard::Open(const std::string& path,
                                                             bool press_enter) {
  int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT || err == ENODEV) {
      return Fail(ErrorCode::kNotFound, "no uinput device (load the uinput module)",
                  ErrorDomain::kOs, err);
    }
    return Fail(ErrorCode::kPermissionDenied,
                "the uinput device is not writable by this user (add a udev rule or group)",
                ErrorDomain::kOs, err);
  }
  bool ok = ::ioctl(fd, UI_SET_EVBIT, EV_KEY) == 0 && ::ioctl(fd, UI_SET_EVBIT, EV_SYN) == 0;
  for (uint16_t key : kDigitKeys) ok = ok && ::ioctl(fd, UI_SET_KEYBIT, key) == 0;
  for (uint16_t key : kLetterKeys) ok = ok && ::ioctl(fd, UI_SET_KEYBIT, key) == 0;
  for (int key : {KEY_MINUS, KEY_ENTER, KEY_LEFTSHIFT}) {
    ok = ok && ::ioctl(fd, UI_SET_KEYBIT, key) == 0;
  }
  uinput_setup setup{};
  setup.id.bustype = BUS_VIRTUAL;
  setup.id.vendor = 0x4d4b;  // "MK"
  setup.id.product = 0x0001;
  std::strncpy(setup.name, "mykey-terminal keyboard", UINPUT_MAX_NAME_SIZE - 1);
  ok = ok && ::ioctl(fd, UI_DEV_SETUP, &setup) == 0 && ::ioctl(fd, UI_DEV_CREATE) == 0;
  if (!ok) {
    int err = errno;
    ::close(fd);
    return Fail(ErrorCode::kUnavailable, "the uinput keyboard could not be set up",
                ErrorDomain::kOs, err);
  }
  return std::unique_ptr<UinputKeyboard>(new UinputKeyboard(fd, press_enter));
}

UinputKeyboard::~UinputKeyboard() {
  ::ioctl(fd_, UI_DEV_DESTROY);
  ::close(fd_);
}

Status UinputKeyboard::Emit(uint16_t type, uint16_t code, int32_t value) {
  input_event event{};
  event.type = type;
  event.code = code;
  event.value = value;
  ssize_t n = ::write(fd_, &event, sizeof event);
  if (n != static_cast<ssize_t>(sizeof event)) {
    return Fail(ErrorCode::kUnavailable, "uinput write failed", ErrorDomain::kOs, errno);
  }
  return Ok();
}

Status UinputKeyboard::DoDeliver(std::string_view number) {
  MYKEY_ASSIGN_OR_RETURN(auto strokes, KeyStrokesFor(number, press_enter_));
  for (const KeyStroke& stroke : strokes) {
    if (stroke.shift) MYKEY_TRY(Emit(EV_KEY, KEY_LEFTSHIFT, 1));
    MYKEY_TRY(Emit(EV_KEY, stroke.code, 1));
    MYKEY_TRY(Emit(EV_SYN, SYN_REPORT, 0));
    MYKEY_TRY(Emit(EV_KEY, stroke.code, 0));
    if (stroke.shift) MYKEY_TRY(Emit(EV_KEY, KEY_LEFTSHIFT, 0));
    MYKEY_TRY(Emit(EV_SYN, SYN_REPORT, 0));
  }
  return Ok();
}

}  // namespace mykey::terminal
