#include "mykey/terminal/config.h"

#include <sys/stat.h>

#include <string>

#include "mykey/testing/catch.h"
#include "mykey/testing/temp_dir.h"

namespace mykey::terminal {
namespace {

constexpr const char* kMinimal = R"(
[terminal]
mode = "shop"

[cloud]
url = "https://cloud.example.jp"

[local_api]
token_file = "/etc/mykey/api.token"

[shop]
merchant_name = "さくら商店"
)";

// Parses `text`, expecting a refusal; returns the problem.
ConfigProblem Refusal(const std::string& text) {
  ConfigProblem problem;
  auto config = ParseConfig(text, "t.toml", &problem);
  REQUIRE_FALSE(config.has_value());
  CHECK(config.error().code() == ErrorCode::kInvalidArgument);
  CHECK(config.error().domain() == ErrorDomain::kParse);
  return problem;
}

TEST_CASE("a minimal configuration takes the defaults for everything else") {
  ConfigProblem problem;
  auto config = ParseConfig(kMinimal, "t.toml", &problem);
  REQUIRE(config.has_value());
  CHECK(config->mode == Mode::kShop);
  CHECK(config->language == Language::kJapanese);
  CHECK(config->shop.merchant_name == "さくら商店");
  CHECK(config->printer.backend == PrinterBackend::kNone);
  CHECK(config->printer.profile == "generic-58-kanji");
  CHECK(config->local_api.address == "127.0.0.1");
  CHECK(config->local_api.port == 8787);
  CHECK(config->cloud.timeout == std::chrono::milliseconds(10'000));
  CHECK(config->maintenance.start == std::chrono::minutes(180));
  CHECK_FALSE(config->offline.enabled);
}

TEST_CASE("the example configuration shipped with the terminal is valid") {
  ConfigProblem problem;
  auto config = LoadConfig(MYKEY_TERMINAL_EXAMPLE_CONFIG, &problem);
  INFO(problem.ToString());
  REQUIRE(config.has_value());
  CHECK(config->mode == Mode::kShop);
  CHECK(config->printer.backend == PrinterBackend::kTcp);
}

TEST_CASE("every section and key is read") {
  const std::string text = R"(
[terminal]
mode = "library"
language = "en"
site_name = "Central Library"
log_level = "debug"
pin_device = "/dev/tty1"
[reader]
name = "Virtual PCD 00 00"
[printer]
backend = "serial"
profile = "generic-80-kanji"
path = "/dev/ttyS0"
baud = 115200
[cloud]
url = "http://127.0.0.1:8443"
ca_file = "/etc/mykey/ca.pem"
timeout_ms = 2500
key_file = "/k.pem"
id_file = "/k.id"
[offline]
enabled = true
max_per_operation = 300
max_total = 3000
max_count = 5
max_per_holder = 700
max_age_hours = 48
max_entry_age_hours = 6
journal = "/j.sqlite"
revocation_cache = "/r.bin"
trust_anchors = "/a.pem"
[maintenance]
window = "23:30-01:15"
[local_api]
enabled = true
address = "::1"
port = 9999
token_file = "/t"
[library]
output = "url"
url = "https://ils.example.jp/patron"
tap_only = true
press_enter = false
[kiosk]
voucher_amounts = [100, 200, 300]
voucher_days = 90
voucher_unprinted = "keep_pending"
voucher_title = "千代田区"
[facility]
name = "市立美術館"
fee = 400
programme_id = 7
)";
  ConfigProblem problem;
  auto config = ParseConfig(text, "t.toml", &problem);
  INFO(problem.ToString());
  REQUIRE(config.has_value());
  CHECK(config->mode == Mode::kLibrary);
  CHECK(config->language == Language::kEnglish);
  CHECK(config->reader == "Virtual PCD 00 00");
  CHECK(config->log_level == "debug");
  CHECK(config->pin_device == "/dev/tty1");
  CHECK(config->printer.backend == PrinterBackend::kSerial);
  CHECK(config->printer.baud == 115200);
  CHECK(config->cloud.timeout == std::chrono::milliseconds(2500));
  CHECK(config->offline.max_age == std::chrono::hours(48));
  CHECK(config->offline.max_count == 5);
  CHECK(config->offline.max_per_holder == 700);
  CHECK(config->offline.max_entry_age == std::chrono::hours(6));
  CHECK(config->offline.trust_anchors == "/a.pem");
  CHECK(config->maintenance.start == std::chrono::minutes(23 * 60 + 30));
  CHECK(config->maintenance.end == std::chrono::minutes(75));
  CHECK(config->local_api.address == "::1");
  CHECK(config->local_api.port == 9999);
  CHECK(config->library.output == LibraryOutputKind::kUrl);
  CHECK(config->library.tap_only);
  CHECK_FALSE(config->library.press_enter);
  CHECK(config->kiosk.voucher_amounts == std::vector<int64_t>{100, 200, 300});
  CHECK(config->kiosk.voucher_days == 90);
  CHECK(config->kiosk.keep_unprinted_vouchers);
  CHECK(config->kiosk.voucher_title == "千代田区");
  CHECK(config->facility.fee == 400);
}

TEST_CASE("a syntax error is reported with its line") {
  auto problem = Refusal("[terminal]\nmode = \"shop\"\nlanguage = \n");
  CHECK(problem.line == 3);
  CHECK(problem.key.empty());
  CHECK_FALSE(problem.message.empty());
}

TEST_CASE("an unknown key is refused with its name and line") {
  auto problem = Refusal(std::string(kMinimal) + "[printer]\nbackend = \"tcp\"\nprot = 9100\n");
  CHECK(problem.key == "printer.prot");
  CHECK(problem.message == "unknown key");
  CHECK(problem.line == 15);
  CHECK(problem.ToString() == "t.toml:15:8: printer.prot: unknown key");
}

TEST_CASE("an unknown section is refused") {
  auto problem = Refusal(std::string(kMinimal) + "[printr]\nbackend = \"tcp\"\n");
  CHECK(problem.key == "printr");
  CHECK(problem.message == "unknown key");
}

TEST_CASE("a mode outside the four is refused, naming the choices") {
  auto problem = Refusal("[terminal]\nmode = \"bank\"\n[cloud]\nurl = \"https://c\"\n");
  CHECK(problem.key == "terminal.mode");
  CHECK(problem.line == 2);
  CHECK(problem.message == "must be one of shop, library, kiosk, facility");
}

TEST_CASE("a value of the wrong type is refused") {
  auto problem = Refusal(std::string(kMinimal) + "[printer]\nport = \"9100\"\n");
  CHECK(problem.key == "printer.port");
  CHECK(problem.message == "must be an integer");
}

TEST_CASE("a port out of range is refused") {
  auto problem = Refusal(std::string(kMinimal) + "[printer]\nport = 70000\n");
  CHECK(problem.key == "printer.port");
  CHECK(problem.message == "must be 1..65535");
}

TEST_CASE("an unknown printer profile is refused, naming the presets") {
  auto problem = Refusal(std::string(kMinimal) + "[printer]\nprofile = \"epson-99\"\n");
  CHECK(problem.key == "printer.profile");
  CHECK(problem.line == 14);
  CHECK(problem.message.find("generic-58-kanji") != std::string::npos);
}

TEST_CASE("the serial line and the job confirmation of the printer are configurable") {
  ConfigProblem problem;
  auto config = ParseConfig(std::string(kMinimal) + R"([printer]
backend = "serial"
path = "/dev/ttyS0"
baud = 921600
flow = "dsrdtr"
parity = "even"
stop_bits = 2
completion = "status-only"
trust_status_only = true
completion_wait_ms = 5000
bytes_per_second = 8000
)",
                            "t.toml", &problem);
  INFO(problem.ToString());
  REQUIRE(config.has_value());
  CHECK(config->printer.baud == 921600);
  CHECK(config->printer.flow == printer::FlowControl::kDsrDtr);
  CHECK(config->printer.parity == printer::Parity::kEven);
  CHECK(config->printer.stop_bits == 2);
  CHECK(config->printer.completion == printer::Completion::kStatusOnly);
  CHECK(config->printer.trust_status_only);
  CHECK(config->printer.completion_wait == std::chrono::milliseconds(5000));
  CHECK(config->printer.bytes_per_second == 8000);
}

TEST_CASE("by default a printer confirms jobs by process ID over RTS/CTS 8N1") {
  auto config = ParseConfig(kMinimal, "t.toml", nullptr);
  REQUIRE(config.has_value());
  CHECK(config->printer.completion == printer::Completion::kProcessId);
  CHECK_FALSE(config->printer.trust_status_only);
  CHECK(config->printer.flow == printer::FlowControl::kRtsCts);
  CHECK(config->printer.parity == printer::Parity::kNone);
  CHECK(config->printer.stop_bits == 1);
  CHECK(config->printer.baud == 38400);
}

TEST_CASE("a serial speed the port does not support is refused, naming the speeds") {
  // 1200..921600 used to pass here and fail at Open() for all but five speeds.
  auto problem = Refusal(std::string(kMinimal) + "[printer]\nbaud = 14400\n");
  CHECK(problem.key == "printer.baud");
  CHECK(problem.message ==
        "must be one of 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, "
        "921600");
  problem = Refusal(std::string(kMinimal) + "[printer]\nbaud = 4294968496\n");
  CHECK(problem.key == "printer.baud");
}

TEST_CASE("a flow control, parity or completion outside the choices is refused") {
  auto problem = Refusal(std::string(kMinimal) + "[printer]\nflow = \"hardware\"\n");
  CHECK(problem.key == "printer.flow");
  CHECK(problem.message == "must be one of none, rtscts, xonxoff, dsrdtr");
  problem = Refusal(std::string(kMinimal) + "[printer]\nparity = \"mark\"\n");
  CHECK(problem.message == "must be one of none, even, odd");
  problem = Refusal(std::string(kMinimal) + "[printer]\nstop_bits = 3\n");
  CHECK(problem.key == "printer.stop_bits");
  problem = Refusal(std::string(kMinimal) + "[printer]\ncompletion = \"status\"\n");
  CHECK(problem.message == "must be one of process-id, status-only");
}

TEST_CASE("trusting the status is refused unless the printer is status-only") {
  auto problem = Refusal(std::string(kMinimal) + "[printer]\ntrust_status_only = true\n");
  CHECK(problem.key == "printer.trust_status_only");
  CHECK(problem.message == "applies only with completion = \"status-only\"");
}

TEST_CASE("a language other than ja or en is refused") {
  auto problem = Refusal("[terminal]\nlanguage = \"fr\"\n");
  CHECK(problem.key == "terminal.language");
}

TEST_CASE("a plain http cloud URL off loopback is refused") {
  auto problem = Refusal("[cloud]\nurl = \"http://cloud.example.jp\"\n");
  CHECK(problem.key == "cloud.url");
  CHECK(problem.line == 2);
}

TEST_CASE("a cloud URL ending with a slash is refused") {
  auto problem = Refusal("[cloud]\nurl = \"https://cloud.example.jp/\"\n");
  CHECK(problem.message == "must not end with '/'");
}

TEST_CASE("the cloud URL is required") {
  auto problem = Refusal("[terminal]\nmode = \"kiosk\"\n");
  CHECK(problem.key == "cloud.url");
  CHECK(problem.message == "is required");
}

TEST_CASE("a local API off loopback is refused") {
  auto problem = Refusal(
      "[cloud]\nurl = \"https://c\"\n[local_api]\naddress = \"0.0.0.0\"\ntoken_file = \"/t\"\n");
  CHECK(problem.key == "local_api.address");
  CHECK(problem.line == 4);
  CHECK(problem.message == "must be 127.0.0.1 or ::1 (loopback only)");
}

TEST_CASE("an enabled local API without a token file is refused") {
  auto problem = Refusal("[cloud]\nurl = \"https://c\"\n[shop]\nmerchant_name = \"A\"\n");
  CHECK(problem.key == "local_api.token_file");
}

TEST_CASE("shop mode needs a merchant name") {
  auto problem = Refusal("[cloud]\nurl = \"https://c\"\n[local_api]\nenabled = false\n");
  CHECK(problem.key == "shop.merchant_name");
}

TEST_CASE("facility mode needs a fee") {
  auto problem = Refusal(
      "[terminal]\nmode = \"facility\"\n[cloud]\nurl = \"https://c\"\n[local_api]\nenabled = "
      "false\n[facility]\nname = \"Museum\"\n");
  CHECK(problem.key == "facility.fee");
}

TEST_CASE("library output to a URL needs the URL") {
  auto problem = Refusal(
      "[terminal]\nmode = \"library\"\n[cloud]\nurl = \"https://c\"\n[local_api]\nenabled = "
      "false\n[library]\noutput = \"url\"\n");
  CHECK(problem.key == "library.url");
}

TEST_CASE("a file printer needs a path") {
  auto problem = Refusal(std::string(kMinimal) + "[printer]\nbackend = \"file\"\n");
  CHECK(problem.key == "printer.path");
}

TEST_CASE("a maintenance window that is not HH:MM-HH:MM is refused") {
  for (const char* window : {"3-4", "25:00-01:00", "03:00-03:00", "03:00"}) {
    auto problem = Refusal(std::string(kMinimal) + "[maintenance]\nwindow = \"" + window + "\"\n");
    CHECK(problem.key == "maintenance.window");
  }
}

TEST_CASE("a journal entry may not wait as long as the cloud keeps idempotency records") {
  auto problem = Refusal(std::string(kMinimal) + "[offline]\nmax_entry_age_hours = 24\n");
  CHECK(problem.key == "offline.max_entry_age_hours");
  CHECK(problem.message == "must be 1..23");
}

TEST_CASE("voucher amounts must be positive integers") {
  auto problem = Refusal(std::string(kMinimal) + "[kiosk]\nvoucher_amounts = [500, -1]\n");
  CHECK(problem.key == "kiosk.voucher_amounts");
  CHECK(Refusal(std::string(kMinimal) + "[kiosk]\nvoucher_unprinted = \"keep\"\n").key ==
        "kiosk.voucher_unprinted");
  CHECK(Refusal(std::string(kMinimal) + "[kiosk]\nvoucher_days = 0\n").key == "kiosk.voucher_days");
  CHECK(problem.message == "must be 1..1000000");
}

TEST_CASE("a control character in a string is refused") {
  auto problem = Refusal("[terminal]\nsite_name = \"a\\u001bb\"\n");
  CHECK(problem.key == "terminal.site_name");
}

TEST_CASE("a missing configuration file is not found") {
  ConfigProblem problem;
  auto config = LoadConfig("/nonexistent/mykey-terminal.toml", &problem);
  REQUIRE_FALSE(config.has_value());
  CHECK(config.error().code() == ErrorCode::kNotFound);
}

TEST_CASE("a key file readable by the group or others is refused with how to fix it") {
  testing::TempDir dir;
  std::string key = dir.Write("terminal.key.pem", std::string("key"));
  REQUIRE(::chmod(key.c_str(), 0640) == 0);
  ConfigProblem problem;
  auto status = CheckSecretFile(key, "cloud.key_file", &problem);
  REQUIRE_FALSE(status.has_value());
  CHECK(status.error().code() == ErrorCode::kPermissionDenied);
  CHECK(problem.message == "is readable by group or others; run: chmod 600 " + key);
  REQUIRE(::chmod(key.c_str(), 0604) == 0);
  CHECK_FALSE(CheckSecretFile(key, "cloud.key_file", nullptr).has_value());
  REQUIRE(::chmod(key.c_str(), 0600) == 0);
  CHECK(CheckSecretFile(key, "cloud.key_file", nullptr).has_value());
}

TEST_CASE("a symlinked key file is refused") {
  testing::TempDir dir;
  std::string key = dir.Write("real.pem", std::string("key"));
  REQUIRE(::chmod(key.c_str(), 0600) == 0);
  REQUIRE(::symlink(key.c_str(), dir.File("link.pem").c_str()) == 0);
  auto status = CheckSecretFile(dir.File("link.pem"), "cloud.key_file", nullptr);
  REQUIRE_FALSE(status.has_value());
  CHECK(status.error().code() == ErrorCode::kPermissionDenied);
}

TEST_CASE("the API token is read without its newline and must be long enough") {
  testing::TempDir dir;
  std::string good = dir.Write("good", std::string("0123456789abcdef0123\n"));
  std::string shorter = dir.Write("short", std::string("abc\n"));
  ::chmod(good.c_str(), 0600);
  ::chmod(shorter.c_str(), 0600);
  auto token = ReadApiToken(good, nullptr);
  REQUIRE(token.has_value());
  CHECK(*token == "0123456789abcdef0123");
  auto refused = ReadApiToken(shorter, nullptr);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code() == ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace mykey::terminal
