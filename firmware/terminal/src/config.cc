#include "mykey/terminal/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <functional>
#include <string>
#include <utility>

#include "config_tree.h"
#include "mykey/receipt/printer_profile.h"

namespace mykey::terminal {
namespace {

using Kind = ConfigNode::Kind;

Error Refused(int line) {
  return Error(ErrorCode::kInvalidArgument, "configuration refused", ErrorDomain::kParse, line);
}

// Validates one document, reporting the first problem.
class Validator {
 public:
  Validator(std::string_view source, ConfigProblem* problem) : source_(source), problem_(problem) {}

  Status Problem(const ConfigNode& node, std::string_view key, std::string message) {
    return ProblemAt(node.line, node.column, key, std::move(message));
  }
  Status ProblemAt(int line, int column, std::string_view key, std::string message) {
    if (problem_ != nullptr) {
      problem_->source = source_;
      problem_->line = line;
      problem_->column = column;
      problem_->key = std::string(key);
      problem_->message = std::move(message);
    }
    return Fail(Refused(line));
  }

  Result<std::string> String(const ConfigNode& node, std::string_view key, bool allow_empty) {
    if (node.kind != Kind::kString) return Fail(Problem(node, key, "must be a string").error());
    if (!allow_empty && node.text.empty()) {
      return Fail(Problem(node, key, "must not be empty").error());
    }
    for (char c : node.text) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        return Fail(Problem(node, key, "must not contain control characters").error());
      }
    }
    return node.text;
  }

  Result<int64_t> Integer(const ConfigNode& node, std::string_view key, int64_t min, int64_t max) {
    if (node.kind != Kind::kInteger) {
      return Fail(Problem(node, key, "must be an integer").error());
    }
    if (node.integer < min || node.integer > max) {
      return Fail(Problem(node, key, "must be " + std::to_string(min) + ".." + std::to_string(max))
                      .error());
    }
    return node.integer;
  }

  Result<bool> Boolean(const ConfigNode& node, std::string_view key) {
    if (node.kind != Kind::kBoolean) {
      return Fail(Problem(node, key, "must be true or false").error());
    }
    return node.boolean;
  }

  template <typename E, size_t N>
  Result<E> Choice(const ConfigNode& node, std::string_view key,
                   const std::array<std::pair<const char*, E>, N>& choices) {
    std::string names;
    for (const auto& [name, value] : choices) {
      if (node.kind == Kind::kString && node.text == name) return value;
      if (!names.empty()) names += ", ";
      names += name;
    }
    return Fail(Problem(node, key, "must be one of " + names).error());
  }

  using KeyHandler = std::function<Status(const ConfigNode&, const std::string&)>;

  // Runs the handler of each member; a member without one is an unknown key.
  Status Table(const ConfigNode& node, const std::string& prefix,
               const std::vector<std::pair<const char*, KeyHandler>>& handlers) {
    if (node.kind != Kind::kTable) return Problem(node, prefix, "must be a table");
    for (const ConfigNode& value : node.members) {
      const std::string& name = value.key;
      std::string key = prefix.empty() ? name : prefix + "." + name;
      const KeyHandler* handler = nullptr;
      for (const auto& [known, h] : handlers) {
        if (name == known) handler = &h;
      }
      if (handler == nullptr) return Problem(value, key, "unknown key");
      MYKEY_TRY((*handler)(value, key));
    }
    return Ok();
  }

 private:
  std::string source_;
  ConfigProblem* problem_;
};

// "03:00" -> minutes after midnight.
std::optional<int> ParseClock(std::string_view text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  auto digit = [&](size_t i) { return text[i] >= '0' && text[i] <= '9' ? text[i] - '0' : -1; };
  int h1 = digit(0), h2 = digit(1), m1 = digit(3), m2 = digit(4);
  if (h1 < 0 || h2 < 0 || m1 < 0 || m2 < 0) return std::nullopt;
  int hours = h1 * 10 + h2, minutes = m1 * 10 + m2;
  if (hours > 23 || minutes > 59) return std::nullopt;
  return hours * 60 + minutes;
}

bool IsLoopbackHttp(std::string_view url) {
  for (std::string_view prefix : {"http://127.0.0.1", "http://localhost", "http://[::1]"}) {
    if (url.substr(0, prefix.size()) == prefix &&
        (url.size() == prefix.size() || url[prefix.size()] == ':' || url[prefix.size()] == '/')) {
      return true;
    }
  }
  return false;
}

bool IsUsableUrl(std::string_view url) {
  return url.substr(0, 8) == "https://" || IsLoopbackHttp(url);
}

#define MYKEY_SET(target, expr)               \
  do {                                        \
    auto value_ = (expr);                     \
    if (!value_) return Fail(value_.error()); \
    target = std::move(*value_);              \
  } while (0)

Status Populate(const ConfigNode& root, Validator& v, TerminalConfig& c) {
  using H = Validator::KeyHandler;
  auto str = [&](std::string& field, bool allow_empty) -> H {
    return [&v, &field, allow_empty](const ConfigNode& n, const std::string& k) -> Status {
      MYKEY_SET(field, v.String(n, k, allow_empty));
      return Ok();
    };
  };
  auto boolean = [&](bool& field) -> H {
    return [&v, &field](const ConfigNode& n, const std::string& k) -> Status {
      MYKEY_SET(field, v.Boolean(n, k));
      return Ok();
    };
  };
  auto integer = [&](int64_t& field, int64_t min, int64_t max) -> H {
    return [&v, &field, min, max](const ConfigNode& n, const std::string& k) -> Status {
      MYKEY_SET(field, v.Integer(n, k, min, max));
      return Ok();
    };
  };

  auto choice = [&](auto& field, const auto& choices) -> H {
    return [&v, &field, &choices](const ConfigNode& n, const std::string& k) -> Status {
      MYKEY_SET(field, v.Choice(n, k, choices));
      return Ok();
    };
  };

  static constexpr std::array<std::pair<const char*, Mode>, 4> kModes{
      {{"shop", Mode::kShop},
       {"library", Mode::kLibrary},
       {"kiosk", Mode::kKiosk},
       {"facility", Mode::kFacility}}};
  static constexpr std::array<std::pair<const char*, Language>, 2> kLanguages{
      {{"ja", Language::kJapanese}, {"en", Language::kEnglish}}};
  static constexpr std::array<std::pair<const char*, PrinterBackend>, 5> kBackends{
      {{"none", PrinterBackend::kNone},
       {"tcp", PrinterBackend::kTcp},
       {"chardev", PrinterBackend::kCharDevice},
       {"serial", PrinterBackend::kSerial},
       {"file", PrinterBackend::kFile}}};
  using printer::Completion;
  using printer::FlowControl;
  using printer::Parity;
  static const std::array<std::pair<const char*, FlowControl>, 4> kFlows{
      {{printer::FlowControlName(FlowControl::kNone), FlowControl::kNone},
       {printer::FlowControlName(FlowControl::kRtsCts), FlowControl::kRtsCts},
       {printer::FlowControlName(FlowControl::kXonXoff), FlowControl::kXonXoff},
       {printer::FlowControlName(FlowControl::kDsrDtr), FlowControl::kDsrDtr}}};
  static const std::array<std::pair<const char*, Parity>, 3> kParities{
      {{printer::ParityName(Parity::kNone), Parity::kNone},
       {printer::ParityName(Parity::kEven), Parity::kEven},
       {printer::ParityName(Parity::kOdd), Parity::kOdd}}};
  static const std::array<std::pair<const char*, Completion>, 2> kCompletions{
      {{printer::CompletionName(Completion::kProcessId), Completion::kProcessId},
       {printer::CompletionName(Completion::kStatusOnly), Completion::kStatusOnly}}};
  static constexpr std::array<std::pair<const char*, LibraryOutputKind>, 3> kOutputs{
      {{"stdout", LibraryOutputKind::kStdout},
       {"url", LibraryOutputKind::kUrl},
       {"uinput", LibraryOutputKind::kUinput}}};
  static constexpr std::array<std::pair<const char*, const char*>, 6> kLevels{
      {{"trace", "trace"},
       {"debug", "debug"},
       {"info", "info"},
       {"warning", "warning"},
       {"error", "error"},
       {"off", "off"}}};

  int64_t port = 0, timeout_ms = c.cloud.timeout.count(), hours = c.offline.max_age.count();
  int64_t entry_hours = c.offline.max_entry_age.count();
  int64_t baud = c.printer.baud, api_port = c.local_api.port;
  int64_t stop_bits = c.printer.stop_bits, completion_wait_ms = c.printer.completion_wait.count();
  int64_t bytes_per_second = c.printer.bytes_per_second;
  Status status = v.Table(
      root, "",
      {
          {"terminal",
           [&](const ConfigNode& n, const std::string& k) {
             return v.Table(
                 n, k,
                 {{"mode",
                   [&](const ConfigNode& m, const std::string& mk) -> Status {
                     MYKEY_SET(c.mode, v.Choice(m, mk, kModes));
                     return Ok();
                   }},
                  {"language",
                   [&](const ConfigNode& m, const std::string& mk) -> Status {
                     MYKEY_SET(c.language, v.Choice(m, mk, kLanguages));
                     return Ok();
                   }},
                  {"site_name", str(c.site_name, true)},
                  {"pin_device", str(c.pin_device, false)},
                  {"log_level", [&](const ConfigNode& m, const std::string& mk) -> Status {
                     MYKEY_SET(c.log_level, v.Choice(m, mk, kLevels));
                     return Ok();
                   }}});
           }},
          {"reader",
           [&](const ConfigNode& n, const std::string& k) {
             return v.Table(n, k, {{"name", str(c.reader, true)}});
           }},
          {"printer",
           [&](const ConfigNode& n, const std::string& k) {
             return v.Table(n, k,
                            {{"backend", choice(c.printer.backend, kBackends)},
                             {"profile",
                              [&](const ConfigNode& m, const std::string& mk) -> Status {
                                MYKEY_SET(c.printer.profile, v.String(m, mk, false));
                                std::string names;
                                for (std::string_view name : receipt::PrinterProfileNames()) {
                                  if (name == c.printer.profile) return Ok();
                                  names += names.empty() ? "" : ", ";
                                  names += name;
                                }
                                return v.Problem(m, mk, "must be one of " + names);
                              }},
                             {"host", str(c.printer.host, false)},
                             {"port",
                              [&](const ConfigNode& m, const std::string& mk) -> Status {
                                MYKEY_SET(port, v.Integer(m, mk, 1, 65535));
                                c.printer.port = static_cast<uint16_t>(port);
                                return Ok();
                              }},
                             {"path", str(c.printer.path, false)},
                             {"baud",
                              [&](const ConfigNode& m, const std::string& mk) -> Status {
                                MYKEY_SET(baud, v.Integer(m, mk, INT64_MIN, INT64_MAX));
                                if (baud > 0 && baud <= UINT32_MAX &&
                                    printer::IsSerialSpeed(static_cast<uint32_t>(baud))) {
                                  return Ok();
                                }
                                std::string speeds;
                                for (uint32_t speed : printer::kSerialSpeeds) {
                                  speeds += speeds.empty() ? "" : ", ";
                                  speeds += std::to_string(speed);
                                }
                                return v.Problem(m, mk, "must be one of " + speeds);
                              }},
                             {"flow", choice(c.printer.flow, kFlows)},
                             {"parity", choice(c.printer.parity, kParities)},
                             {"stop_bits", integer(stop_bits, 1, 2)},
                             {"completion", choice(c.printer.completion, kCompletions)},
                             {"trust_status_only", boolean(c.printer.trust_status_only)},
                             {"completion_wait_ms", integer(completion_wait_ms, 100, 600'000)},
                             {"bytes_per_second", integer(bytes_per_second, 100, 10'000'000)}});
           }},
          {"cloud",
           [&](const ConfigNode& n, const std::string& k) {
             return v.Table(n, k,
                            {{"url",
                              [&](const ConfigNode& m, const std::string& mk) -> Status {
                                MYKEY_SET(c.cloud.url, v.String(m, mk, false));
                                if (!IsUsableUrl(c.cloud.url)) {
                                  return v.Problem(m, mk,
                                                   "must be https:// (plain http only to "
                                                   "127.0.0.1, localhost or [::1])");
                                }
                                if (c.cloud.url.back() == '/') {
                                  return v.Problem(m, mk, "must not end with '/'");
                                }
                                return Ok();
                              }},
                             {"ca_file", str(c.cloud.ca_file, true)},
                             {"timeout_ms", integer(timeout_ms, 100, 300'000)},
                             {"key_file", str(c.cloud.key_file, false)},
                             {"id_file", str(c.cloud.id_file, false)}});
           }},
          {"offline",
           [&](const ConfigNode& n, const std::string& k) {
             return v.Table(
                 n, k,
                 {{"enabled", boolean(c.offline.enabled)},
                  {"max_per_operation", integer(c.offline.max_per_operation, 1, 1'000'000)},
                  {"max_total", integer(c.offline.max_total, 1, 100'000'000)},
                  {"max_count", integer(c.offline.max_count, 1, 100'000)},
                  {"max_per_holder", integer(c.offline.max_per_holder, 1, 100'000'000)},
                  {"max_age_hours", integer(hours, 1, 24 * 31)},
                  {"max_entry_age_hours", integer(entry_hours, 1, 23)},
                  {"journal", str(c.offline.journal, false)},
                  {"revocation_cache", str(c.offline.revocation_cache, false)},
                  {"trust_anchors", str(c.offline.trust_anchors, false)}});
           }},
          {"maintenance",
           [&](const ConfigNode& n, const std::string& k) {
             return v.Table(n, k,
                            {{"window", [&](const ConfigNode& m, const std::string& mk) -> Status {
                                std::string text;
                                MYKEY_SET(text, v.String(m, mk, false));
                                auto dash = text.find('-');
                                std::optional<int> from, to;
                                if (dash != std::string::npos) {
                                  from = ParseClock(std::string_view(text).substr(0, dash));
                                  to = ParseClock(std::string_view(text).substr(dash + 1));
                                }
                                if (!from || !to || *from == *to) {
                                  return v.Problem(m, mk,
                                                   "must be \"HH:MM-HH:MM\" (24 h, start != end)");
                                }
                                c.maintenance.start = std::chrono::minutes(*from);
                                c.maintenance.end = std::chrono::minutes(*to);
                                return Ok();
                              }}});
           }},
          {"local_api",
           [&](const ConfigNode& n, const std::string& k) {
             return v.Table(
                 n, k,
                 {{"enabled", boolean(c.local_api.enabled)},
                  {"address",
                   [&](const ConfigNode& m, const std::string& mk) -> Status {
                     MYKEY_SET(c.local_api.address, v.String(m, mk, false));
                     if (c.local_api.address != "127.0.0.1" && c.local_api.address != "::1") {
                       return v.Problem(m, mk, "must be 127.0.0.1 or ::1 (loopback only)");
                     }
                     return Ok();
                   }},
                  {"port", integer(api_port, 1, 65535)},
                  {"token_file", str(c.local_api.token_file, false)}});
           }},
          {"shop",
           [&](const ConfigNode& n, const std::string& k) {
             return v.Table(n, k,
                            {{"merchant_name", str(c.shop.merchant_name, false)},
                             {"programme_name", str(c.shop.programme_name, false)},
                             {"programme_id", integer(c.shop.programme_id, 0, INT64_MAX)},
                             {"max_amount", integer(c.shop.max_amount, 1, 10'000'000)},
                             {"refunds", boolean(c.shop.refunds)}});
           }},
          {"library",
           [&](const ConfigNode& n, const std::string& k) {
             return v.Table(n, k,
                            {{"output",
                              [&](const ConfigNode& m, const std::string& mk) -> Status {
                                MYKEY_SET(c.library.output, v.Choice(m, mk, kOutputs));
                                return Ok();
                              }},
                             {"url",
                              [&](const ConfigNode& m, const std::string& mk) -> Status {
                                MYKEY_SET(c.library.url, v.String(m, mk, false));
                                if (!IsUsableUrl(c.library.url)) {
                                  return v.Problem(m, mk,
                                                   "must be https:// (plain http only to "
                                                   "127.0.0.1, localhost or [::1])");
                                }
                                return Ok();
                              }},
                             {"tap_only", boolean(c.library.tap_only)},
                             {"press_enter", boolean(c.library.press_enter)}});
           }},
          {"kiosk",
           [&](const ConfigNode& n, const std::string& k) {
             return v.Table(
                 n, k,
                 {{"voucher_amounts",
                   [&](const ConfigNode& m, const std::string& mk) -> Status {
                     if (m.kind != Kind::kArray || m.items.empty()) {
                       return v.Problem(m, mk, "must be a non-empty array of integers");
                     }
                     c.kiosk.voucher_amounts.clear();
                     for (const auto& item : m.items) {
                       int64_t amount = 0;
                       MYKEY_SET(amount, v.Integer(item, mk, 1, 1'000'000));
                       c.kiosk.voucher_amounts.push_back(amount);
                     }
                     return Ok();
                   }},
                  {"voucher_days", integer(c.kiosk.voucher_days, 1, 366)},
                  {"voucher_unprinted",
                   [&](const ConfigNode& m, const std::string& mk) -> Status {
                     static constexpr std::array<std::pair<const char*, bool>, 2> kUnprinted{
                         {{"void", false}, {"keep_pending", true}}};
                     MYKEY_SET(c.kiosk.keep_unprinted_vouchers, v.Choice(m, mk, kUnprinted));
                     return Ok();
                   }},
                  {"voucher_title", str(c.kiosk.voucher_title, true)}});
           }},
          {"facility",
           [&](const ConfigNode& n, const std::string& k) {
             return v.Table(n, k,
                            {{"name", str(c.facility.name, false)},
                             {"fee", integer(c.facility.fee, 1, 1'000'000)},
                             {"programme_id", integer(c.facility.programme_id, 0, INT64_MAX)}});
           }},
      });
  MYKEY_TRY(status);
  c.cloud.timeout = std::chrono::milliseconds(timeout_ms);
  c.offline.max_age = std::chrono::hours(hours);
  c.offline.max_entry_age = std::chrono::hours(entry_hours);
  c.printer.baud = static_cast<uint32_t>(baud);
  c.printer.stop_bits = static_cast<uint8_t>(stop_bits);
  c.printer.completion_wait = std::chrono::milliseconds(completion_wait_ms);
  c.printer.bytes_per_second = static_cast<uint32_t>(bytes_per_second);
  c.local_api.port = static_cast<uint16_t>(api_port);
  return Ok();
}

#undef MYKEY_SET

// Rules between keys, checked after every key is read.
Status CheckTogether(const ConfigNode& root, Validator& v, const TerminalConfig& c) {
  auto line_of = [&](std::string_view table) {
    for (const ConfigNode& node : root.members) {
      if (node.key == table) return node.line;
    }
    return 0;
  };
  if (c.cloud.url.empty()) return v.ProblemAt(line_of("cloud"), 0, "cloud.url", "is required");
  switch (c.printer.backend) {
    case PrinterBackend::kCharDevice:
    case PrinterBackend::kSerial:
    case PrinterBackend::kFile:
      if (c.printer.path.empty()) {
        return v.ProblemAt(line_of("printer"), 0, "printer.path",
                           "is required for this printer backend");
      }
      break;
    case PrinterBackend::kNone:
    case PrinterBackend::kTcp: break;
  }
  if (c.printer.trust_status_only && c.printer.completion != printer::Completion::kStatusOnly) {
    return v.ProblemAt(line_of("printer"), 0, "printer.trust_status_only",
                       "applies only with completion = \"status-only\"");
  }
  if (c.local_api.enabled && c.local_api.token_file.empty()) {
    return v.ProblemAt(line_of("local_api"), 0, "local_api.token_file",
                       "is required when the local API is enabled");
  }
  switch (c.mode) {
    case Mode::kShop:
      if (c.shop.merchant_name.empty()) {
        return v.ProblemAt(line_of("shop"), 0, "shop.merchant_name", "is required in shop mode");
      }
      break;
    case Mode::kLibrary:
      if (c.library.output == LibraryOutputKind::kUrl && c.library.url.empty()) {
        return v.ProblemAt(line_of("library"), 0, "library.url",
                           "is required when library.output is \"url\"");
      }
      break;
    case Mode::kFacility:
      if (c.facility.name.empty()) {
        return v.ProblemAt(line_of("facility"), 0, "facility.name", "is required in facility mode");
      }
      if (c.facility.fee <= 0) {
        return v.ProblemAt(line_of("facility"), 0, "facility.fee", "is required in facility mode");
      }
      break;
    case Mode::kKiosk: break;
  }
  return Ok();
}

}  // namespace

const char* ModeName(Mode mode) noexcept {
  switch (mode) {
    case Mode::kShop: return "shop";
    case Mode::kLibrary: return "library";
    case Mode::kKiosk: return "kiosk";
    case Mode::kFacility: return "facility";
  }
  return "unknown";
}

const char* LanguageCode(Language language) noexcept {
  return language == Language::kEnglish ? "en" : "ja";
}

std::string ConfigProblem::ToString() const {
  std::string out = source;
  if (line > 0) {
    out += ":" + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  out += ": ";
  if (!key.empty()) out += key + ": ";
  out += message;
  return out;
}

Result<TerminalConfig> ParseConfig(std::string_view text, std::string_view source,
                                   ConfigProblem* problem) {
  ConfigSyntaxError syntax;
  auto root = ParseTomlDocument(text, syntax);
  if (!root) {
    if (problem != nullptr) {
      *problem = ConfigProblem{std::string(source), syntax.line, syntax.column, "", syntax.message};
    }
    return Fail(root.error());
  }
  Validator validator(source, problem);
  TerminalConfig config;
  MYKEY_TRY(Populate(*root, validator, config));
  MYKEY_TRY(CheckTogether(*root, validator, config));
  return config;
}

Result<TerminalConfig> LoadConfig(const std::string& path, ConfigProblem* problem) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (problem != nullptr) *problem = ConfigProblem{path, 0, 0, "", "cannot be opened"};
    return Fail(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kUnavailable,
                "configuration file cannot be opened", ErrorDomain::kOs, err);
  }
  std::string text;
  std::array<char, 4096> buf{};
  while (true) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      if (problem != nullptr) *problem = ConfigProblem{path, 0, 0, "", "cannot be read"};
      return Fail(ErrorCode::kUnavailable, "configuration file cannot be read", ErrorDomain::kOs,
                  err);
    }
    if (n == 0) break;
    text.append(buf.data(), static_cast<size_t>(n));
    if (text.size() > (1u << 20)) {
      ::close(fd);
      if (problem != nullptr) *problem = ConfigProblem{path, 0, 0, "", "is larger than 1 MiB"};
      return Fail(ErrorCode::kInvalidArgument, "configuration file too large");
    }
  }
  ::close(fd);
  return ParseConfig(text, path, problem);
}

Status CheckSecretFile(const std::string& path, std::string_view what, ConfigProblem* problem) {
  auto refuse = [&](ErrorCode code, const char* error, std::string message) -> Status {
    if (problem != nullptr) {
      *problem = ConfigProblem{path, 0, 0, std::string(what), std::move(message)};
    }
    return Fail(code, error);
  };
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    return refuse(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kPermissionDenied,
                  "secret file cannot be found", "does not exist or cannot be examined");
  }
  if (!S_ISREG(st.st_mode)) {
    return refuse(ErrorCode::kPermissionDenied, "secret file is not a regular file",
                  "must be a regular file (not a symlink or device)");
  }
  if (st.st_uid != ::geteuid()) {
    return refuse(ErrorCode::kPermissionDenied, "secret file owned by another user",
                  "must be owned by the user the terminal runs as");
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return refuse(ErrorCode::kPermissionDenied, "secret file readable by others",
                  "is readable by group or others; run: chmod 600 " + path);
  }
  return Ok();
}

Result<std::string> ReadApiToken(const std::string& path, ConfigProblem* problem) {
  MYKEY_TRY(CheckSecretFile(path, "local_api.token_file", problem));
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    return Fail(ErrorCode::kUnavailable, "token file cannot be opened", ErrorDomain::kOs, errno);
  }
  std::string token;
  std::array<char, 512> buf{};
  ssize_t n = 0;
  while ((n = ::read(fd, buf.data(), buf.size())) > 0 && token.size() < 4096) {
    token.append(buf.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ' ||
                            token.back() == '\t')) {
    token.pop_back();
  }
  if (token.size() < 16) {
    if (problem != nullptr) {
      *problem = ConfigProblem{path, 0, 0, "local_api.token_file",
                               "the token must be at least 16 characters"};
    }
    return Fail(ErrorCode::kInvalidArgument, "API token too short");
  }
  return token;
}

}  // namespace mykey::terminal
