// mykey-cloud admin token | enrollment-code | terminal (cloud/auth).
#include "mykey/cloud_tool/auth_admin.h"

#include <charconv>
#include <chrono>
#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "mykey/auth/api_tokens.h"
#include "mykey/auth/auth_schema.h"
#include "mykey/auth/enrollment.h"
#include "mykey/auth/terminal_directory.h"
#include "mykey/cloud_tool/command.h"
#include "mykey/cloud_tool/config.h"
#include "mykey/crypto/random.h"
#include "mykey/json/json.h"
#include "mykey/sqlite_store/sqlite_store.h"
#include "mykey/store/migrations.h"
#include "options.h"
#include "store_location.h"

namespace mykey::cloud {

namespace {

// The admin commands all take --store and --config.
bool ParseAdminOptions(std::span<const std::string> args, std::set<std::string_view> value_names,
                       std::set<std::string_view> flag_names, Options& options, std::ostream& err) {
  value_names.insert("--store");
  value_names.insert("--config");
  return ParseOptions(args, std::move(value_names), std::move(flag_names), options, err);
}

constexpr std::string_view kTokenUsage =
    R"(usage: mykey-cloud admin token create --store PATH --scope SCOPE [--name NAME] [--json]
       mykey-cloud admin token list --store PATH [--json]
       mykey-cloud admin token revoke --store PATH --id ID

SCOPE is municipality:CODE (131016), provider:ID, partner:ID or admin.
create prints the token (mk_<id>_<secret>) once: only its hash is kept.
Operators send it as "Authorization: Bearer <token>". revoke takes effect at
once.
)";

constexpr std::string_view kEnrollmentCodeUsage =
    R"(usage: mykey-cloud admin enrollment-code create --store PATH --site-kind KIND
         --site-id ID --provider-id ID --municipality CODE [--ttl-hours N] [--json]

KIND is merchant, library, kiosk or facility. The code (24 characters in
groups of 4) is printed once and enrolls one terminal for that site within
--ttl-hours (default 72, at most 720).
)";

constexpr std::string_view kTerminalUsage =
    R"(usage: mykey-cloud admin terminal list --store PATH [--json]
       mykey-cloud admin terminal suspend --store PATH --id ID
       mykey-cloud admin terminal resume --store PATH --id ID

A suspended terminal's requests are refused (403) from its next request on.
)";

/// Opens an initialised store and brings the core and auth schemas up to
/// date. Prints why it could not.
Result<std::unique_ptr<Store>> OpenStore(const Options& options, std::ostream& err) {
  std::string path = options.Value("--store");
  if (path.empty() && options.Has("--config")) {
    CloudConfig config;
    std::string error_text;
    if (!LoadConfigFile(options.Value("--config"), config, error_text)) {
      err << "mykey-cloud: " << error_text << "\n";
      return Fail(ErrorCode::kInvalidArgument, "config file");
    }
    path = config.store_path;
  }
  if (path.empty()) {
    err << "mykey-cloud: --store PATH is required\n";
    return Fail(ErrorCode::kInvalidArgument, "no store");
  }
  auto store = OpenStoreAt(path, 1, /*create=*/false);
  if (!store) {
    err << "mykey-cloud: cannot open the store " << RedactLocation(path)
        << " (run mykey-cloud init?)\n";
    return Fail(store.error());
  }
  MYKEY_ASSIGN_OR_RETURN(const int version, SchemaVersion(**store));
  if (version == 0) {
    err << "mykey-cloud: the store is not initialised: run mykey-cloud init\n";
    return Fail(ErrorCode::kFailedPrecondition, "store not initialised");
  }
  auto core = Migrate(**store, CloudMigrations());
  if (!core) return Fail(core.error());
  auto auth = MigrateAuth(**store);
  if (!auth) {
    err << "mykey-cloud: cannot bring the auth schema up to date\n";
    return Fail(auth.error());
  }
  return std::move(*store);
}

/// "2025-04-01T09:30:00Z".
std::string IsoTime(int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string SiteText(const Site& site) {
  return std::string(SiteKindName(site.kind)) + " " + site.id + " provider " + site.provider_id +
         " municipality " + site.municipality_code;
}

int Token(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  const std::string_view action = args.empty() ? "" : std::string_view(args[0]);
  Options options;
  if (action == "create") {
    if (!ParseAdminOptions(args.subspan(1), {"--scope", "--name"}, {"--json"}, options, err)) {
      return kCloudExitUsage;
    }
  } else if (action == "list") {
    if (!ParseAdminOptions(args.subspan(1), {}, {"--json"}, options, err)) return kCloudExitUsage;
  } else if (action == "revoke") {
    if (!ParseAdminOptions(args.subspan(1), {"--id"}, {}, options, err)) return kCloudExitUsage;
  } else if (action == "--help" || action == "-h") {
    out << kTokenUsage;
    return kCloudExitOk;
  } else {
    err << kTokenUsage;
    return kCloudExitUsage;
  }
  if (options.help) {
    out << kTokenUsage;
    return kCloudExitOk;
  }

  if (action == "create") {
    auto scope = ParseTokenScope(options.Value("--scope"));
    if (!scope) {
      err << "mykey-cloud: --scope: " << scope.error().message() << "\n";
      return kCloudExitUsage;
    }
    const std::string name =
        options.Has("--name") ? options.Value("--name") : FormatTokenScope(*scope);
    auto store = OpenStore(options, err);
    if (!store) return ExitCodeFor(store.error());
    auto random = crypto::SystemRandom::Create();
    if (!random) return Report(err, "no randomness", random.error());
    ApiTokenDirectory tokens(**store, **random);
    auto issued = tokens.Issue(*scope, name);
    if (!issued) return Report(err, "token create", issued.error());
    if (options.Has("--json")) {
      json::OrderedJson body = json::OrderedJson::object();
      body["id"] = issued->record.id;
      body["scope"] = FormatTokenScope(issued->record.scope);
      body["name"] = issued->record.name;
      body["token"] = issued->token;
      out << json::Dump(body) << "\n";
    } else {
      out << "token " << issued->record.id << " (" << FormatTokenScope(issued->record.scope)
          << ") created. It is shown only now:\n"
          << issued->token << "\n";
    }
    return kCloudExitOk;
  }

  auto store = OpenStore(options, err);
  if (!store) return ExitCodeFor(store.error());
  auto random = crypto::SystemRandom::Create();
  if (!random) return Report(err, "no randomness", random.error());
  ApiTokenDirectory tokens(**store, **random);
  if (action == "revoke") {
    if (options.Value("--id").empty()) {
      err << "mykey-cloud: token revoke needs --id ID\n";
      return kCloudExitUsage;
    }
    const Status revoked = tokens.Revoke(options.Value("--id"));
    if (!revoked) return Report(err, "token revoke", revoked.error());
    out << "token " << options.Value("--id") << " revoked\n";
    return kCloudExitOk;
  }
  auto list = tokens.List();
  if (!list) return Report(err, "token list", list.error());
  if (options.Has("--json")) {
    json::OrderedJson items = json::OrderedJson::array();
    for (const ApiTokenRecord& token : *list) {
      json::OrderedJson item = json::OrderedJson::object();
      item["id"] = token.id;
      item["scope"] = FormatTokenScope(token.scope);
      item["name"] = token.name;
      item["created_at"] = IsoTime(token.created_at_ms);
      item["revoked_at"] = token.revoked_at_ms ? json::OrderedJson(IsoTime(*token.revoked_at_ms))
                                               : json::OrderedJson(nullptr);
      items.push_back(std::move(item));
    }
    out << json::Dump(items) << "\n";
  } else {
    for (const ApiTokenRecord& token : *list) {
      out << token.id << "\t" << FormatTokenScope(token.scope) << "\t" << token.name << "\t"
          << IsoTime(token.created_at_ms)
          << (token.revoked_at_ms ? "\trevoked " + IsoTime(*token.revoked_at_ms) : "") << "\n";
    }
  }
  return kCloudExitOk;
}

int EnrollmentCode(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  const std::string_view action = args.empty() ? "" : std::string_view(args[0]);
  if (action == "--help" || action == "-h") {
    out << kEnrollmentCodeUsage;
    return kCloudExitOk;
  }
  if (action != "create") {
    err << kEnrollmentCodeUsage;
    return kCloudExitUsage;
  }
  Options options;
  if (!ParseAdminOptions(
          args.subspan(1),
          {"--site-kind", "--site-id", "--provider-id", "--municipality", "--ttl-hours"},
          {"--json"}, options, err)) {
    return kCloudExitUsage;
  }
  if (options.help) {
    out << kEnrollmentCodeUsage;
    return kCloudExitOk;
  }
  const auto kind = ParseSiteKind(options.Value("--site-kind"));
  if (!kind) {
    err << "mykey-cloud: --site-kind must be merchant, library, kiosk or facility\n";
    return kCloudExitUsage;
  }
  const Site site{*kind, options.Value("--site-id"), options.Value("--provider-id"),
                  options.Value("--municipality")};
  if (const Status valid = ValidateSite(site); !valid) {
    err << "mykey-cloud: " << valid.error().message()
        << " (--site-id, --provider-id: 1..64 of A-Z a-z 0-9 . _ -; --municipality: "
           "6-digit code with its check digit)\n";
    return kCloudExitUsage;
  }
  int64_t ttl_hours = 72;
  if (options.Has("--ttl-hours")) {
    const std::string text = options.Value("--ttl-hours");
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ttl_hours);
    if (ec != std::errc() || end != text.data() + text.size() || ttl_hours < 1 ||
        ttl_hours > kMaxEnrollmentCodeTtl.count()) {
      err << "mykey-cloud: --ttl-hours must be 1.." << kMaxEnrollmentCodeTtl.count() << "\n";
      return kCloudExitUsage;
    }
  }
  auto store = OpenStore(options, err);
  if (!store) return ExitCodeFor(store.error());
  auto random = crypto::SystemRandom::Create();
  if (!random) return Report(err, "no randomness", random.error());
  TerminalEnrollment enrollment(**store, **random);
  auto issued = enrollment.IssueCode(site, std::chrono::hours(ttl_hours));
  if (!issued) return Report(err, "enrollment-code create", issued.error());
  if (options.Has("--json")) {
    json::OrderedJson body = json::OrderedJson::object();
    body["code_id"] = issued->code_id;
    body["enrollment_code"] = issued->code;
    body["expires_at"] = IsoTime(issued->expires_at_ms);
    out << json::Dump(body) << "\n";
  } else {
    out << "enrollment code for " << SiteText(site) << ", valid until "
        << IsoTime(issued->expires_at_ms) << ", shown only now:\n"
        << issued->code << "\n";
  }
  return kCloudExitOk;
}

int Terminal(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  const std::string_view action = args.empty() ? "" : std::string_view(args[0]);
  Options options;
  if (action == "list") {
    if (!ParseAdminOptions(args.subspan(1), {}, {"--json"}, options, err)) return kCloudExitUsage;
  } else if (action == "suspend" || action == "resume") {
    if (!ParseAdminOptions(args.subspan(1), {"--id"}, {}, options, err)) return kCloudExitUsage;
  } else if (action == "--help" || action == "-h") {
    out << kTerminalUsage;
    return kCloudExitOk;
  } else {
    err << kTerminalUsage;
    return kCloudExitUsage;
  }
  if (options.help) {
    out << kTerminalUsage;
    return kCloudExitOk;
  }
  if (action != "list" && options.Value("--id").empty()) {
    err << "mykey-cloud: terminal " << action << " needs --id ID\n";
    return kCloudExitUsage;
  }
  auto store = OpenStore(options, err);
  if (!store) return ExitCodeFor(store.error());
  TerminalDirectory terminals(**store);
  if (action != "list") {
    const TerminalStatus status =
        action == "suspend" ? TerminalStatus::kSuspended : TerminalStatus::kActive;
    const Status changed = terminals.SetStatus(options.Value("--id"), status);
    if (!changed) return Report(err, "terminal " + std::string(action), changed.error());
    out << "terminal " << options.Value("--id") << " " << TerminalStatusName(status) << "\n";
    return kCloudExitOk;
  }
  auto list = terminals.List();
  if (!list) return Report(err, "terminal list", list.error());
  if (options.Has("--json")) {
    json::OrderedJson items = json::OrderedJson::array();
    for (const TerminalRecord& terminal : *list) {
      json::OrderedJson item = json::OrderedJson::object();
      item["id"] = terminal.id;
      item["name"] = terminal.name;
      item["status"] = TerminalStatusName(terminal.status);
      item["site_kind"] = SiteKindName(terminal.site.kind);
      item["site_id"] = terminal.site.id;
      item["provider_id"] = terminal.site.provider_id;
      item["municipality_code"] = terminal.site.municipality_code;
      item["enrolled_at"] = IsoTime(terminal.enrolled_at_ms);
      item["last_seen_at"] = terminal.last_seen_at_ms
                                 ? json::OrderedJson(IsoTime(*terminal.last_seen_at_ms))
                                 : json::OrderedJson(nullptr);
      items.push_back(std::move(item));
    }
    out << json::Dump(items) << "\n";
  } else {
    for (const TerminalRecord& terminal : *list) {
      out << terminal.id << "\t" << TerminalStatusName(terminal.status) << "\t"
          << SiteText(terminal.site) << "\t" << terminal.name << "\tenrolled "
          << IsoTime(terminal.enrolled_at_ms) << "\n";
    }
  }
  return kCloudExitOk;
}

}  // namespace

bool IsAuthAdminTopic(std::string_view topic) noexcept {
  return topic == "token" || topic == "enrollment-code" || topic == "terminal";
}

int RunAuthAdminCommand(std::string_view topic, std::span<const std::string> args,
                        std::ostream& out, std::ostream& err) {
  if (topic == "token") return Token(args, out, err);
  if (topic == "enrollment-code") return EnrollmentCode(args, out, err);
  if (topic == "terminal") return Terminal(args, out, err);
  err << "mykey-cloud: admin token|enrollment-code|terminal ...\n";
  return kCloudExitUsage;
}

}  // namespace mykey::cloud
