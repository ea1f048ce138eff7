#include "mykey/cloud_tool/scheme_admin.h"

#include <charconv>
#include <chrono>
#include <set>

#include "mykey/auth/caller.h"
#include "mykey/cloud_tool/command.h"
#include "mykey/cloud_tool/config.h"
#include "mykey/json/json.h"
#include "mykey/ledger/ledger_service.h"
#include "mykey/scheme/parties.h"
#include "mykey/scheme_routes/party_json.h"
#include "options.h"
#include "store_location.h"

namespace mykey::cloud {

namespace {

constexpr std::string_view kUsage =
    R"(usage: mykey-cloud admin programme add --municipality CODE --code CODE --name NAME
                                [--kind points|event|project] [--json]
       mykey-cloud admin programme list [--municipality CODE] [--json]
       mykey-cloud admin merchant add --municipality CODE --name NAME
                                --kind shop|library|kiosk|facility [--json]
       mykey-cloud admin merchant list [--municipality CODE] [--json]
       mykey-cloud admin merchant accept|unaccept --id ID --programme ID
       mykey-cloud admin merchant suspend|resume --id ID
       mykey-cloud admin provider add --code CODE --name NAME [--json]
       mykey-cloud admin provider list [--json]
       mykey-cloud admin grant --mykey-id ID --programme ID --amount N
                                --expires-on YYYY-MM-DD --department TEXT --reason TEXT
                                [--key IDEMPOTENCY-KEY] [--json]
       mykey-cloud admin report settlement --merchant ID --from YYYY-MM-DD --to YYYY-MM-DD
       mykey-cloud admin report unused-balances --municipality CODE --on YYYY-MM-DD

Every command also takes --store PATH|postgresql://... (or --config FILE).
A grant without --key gets a fresh key; repeat a grant with the same --key to
be sure it applied once. Reports are CSV on stdout (Japan days).
)";

const std::set<std::string_view> kValueNames = {
    "--store",      "--config",    "--municipality", "--code",   "--name", "--kind",
    "--id",         "--programme", "--mykey-id",     "--amount", "--key",  "--expires-on",
    "--department", "--reason",    "--merchant",     "--from",   "--to",   "--on"};

Caller SchemeOperator() {
  Caller caller;
  caller.kind = CallerKind::kOperator;
  caller.scope = OperatorScope::kAdmin;
  caller.token_id = "mykey-cloud-admin";
  return caller;
}

bool ParseId(const Options& options, std::string_view name, int64_t& id, std::ostream& err) {
  const std::string text = options.Value(name);
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || id <= 0) {
    err << "mykey-cloud: " << name << " must be a positive number\n";
    return false;
  }
  return true;
}

bool Require(const Options& options, std::initializer_list<std::string_view> names,
             std::ostream& err) {
  for (std::string_view name : names) {
    if (options.Value(name).empty()) {
      err << "mykey-cloud: " << name << " is required (see --help)\n";
      return false;
    }
  }
  return true;
}

int Programmes(std::string_view action, const Options& options, Store& store, std::ostream& out,
               std::ostream& err) {
  PartyDirectory parties(store);
  if (action == "add") {
    if (!Require(options, {"--municipality", "--code", "--name"}, err)) return kCloudExitUsage;
    Programme p;
    p.municipality_code = options.Value("--municipality");
    p.code = options.Value("--code");
    p.name = options.Value("--name");
    p.kind = options.Has("--kind") ? options.Value("--kind") : "points";
    auto added = parties.AddProgramme(p);
    if (!added) return Report(err, "programme add", added.error());
    if (options.Has("--json")) {
      out << ToJson(*added) << "\n";
    } else {
      out << "programme " << added->id << " (" << added->municipality_code << "/" << added->code
          << ") added\n";
    }
    return kCloudExitOk;
  }
  auto list = parties.ListProgrammes(options.Value("--municipality"));
  if (!list) return Report(err, "programme list", list.error());
  if (options.Has("--json")) {
    out << ToJson(*list) << "\n";
  } else {
    for (const Programme& p : *list) {
      out << p.id << "\t" << p.municipality_code << "\t" << p.code << "\t" << p.kind << "\t"
          << p.name << "\n";
    }
  }
  return kCloudExitOk;
}

int Merchants(std::string_view action, const Options& options, Store& store, std::ostream& out,
              std::ostream& err) {
  PartyDirectory parties(store);
  if (action == "add") {
    if (!Require(options, {"--municipality", "--name", "--kind"}, err)) return kCloudExitUsage;
    Merchant m;
    m.municipality_code = options.Value("--municipality");
    m.name = options.Value("--name");
    m.kind = options.Value("--kind");
    auto added = parties.AddMerchant(m);
    if (!added) return Report(err, "merchant add", added.error());
    if (options.Has("--json")) {
      out << ToJson(*added) << "\n";
    } else {
      out << "merchant " << added->id << " (" << added->kind << ", " << added->municipality_code
          << ") added\n";
    }
    return kCloudExitOk;
  }
  if (action == "list") {
    auto list = parties.ListMerchants(options.Value("--municipality"));
    if (!list) return Report(err, "merchant list", list.error());
    if (options.Has("--json")) {
      out << ToJson(*list) << "\n";
    } else {
      for (const Merchant& m : *list) {
        out << m.id << "\t" << m.municipality_code << "\t" << m.kind << "\t" << m.status << "\t"
            << m.name << "\n";
      }
    }
    return kCloudExitOk;
  }
  int64_t id = 0;
  if (!ParseId(options, "--id", id, err)) return kCloudExitUsage;
  if (action == "accept" || action == "unaccept") {
    int64_t programme = 0;
    if (!ParseId(options, "--programme", programme, err)) return kCloudExitUsage;
    const bool accepts = action == "accept";
    const Status set = parties.SetAccepts(id, programme, accepts);
    if (!set) return Report(err, "merchant " + std::string(action), set.error());
    out << "merchant " << id << (accepts ? " accepts" : " no longer accepts") << " programme "
        << programme << "\n";
    return kCloudExitOk;
  }
  const bool suspend = action == "suspend";
  const Status set = parties.SetMerchantSuspended(id, suspend);
  if (!set) return Report(err, "merchant " + std::string(action), set.error());
  out << "merchant " << id << (suspend ? " suspended" : " active") << "\n";
  return kCloudExitOk;
}

int Providers(std::string_view action, const Options& options, Store& store, std::ostream& out,
              std::ostream& err) {
  PartyDirectory parties(store);
  if (action == "add") {
    if (!Require(options, {"--code", "--name"}, err)) return kCloudExitUsage;
    auto added = parties.AddProvider({0, options.Value("--code"), options.Value("--name"), 0});
    if (!added) return Report(err, "provider add", added.error());
    if (options.Has("--json")) {
      out << ToJson(*added) << "\n";
    } else {
      out << "provider " << added->id << " (" << added->code << ") added\n";
    }
    return kCloudExitOk;
  }
  auto list = parties.ListProviders();
  if (!list) return Report(err, "provider list", list.error());
  if (options.Has("--json")) {
    out << ToJson(*list) << "\n";
  } else {
    for (const Provider& p : *list) out << p.id << "\t" << p.code << "\t" << p.name << "\n";
  }
  return kCloudExitOk;
}

int Grant(const Options& options, Store& store, std::ostream& out, std::ostream& err) {
  if (!Require(
          options,
          {"--mykey-id", "--programme", "--amount", "--expires-on", "--department", "--reason"},
          err)) {
    return kCloudExitUsage;
  }
  GrantRequest request;
  if (!ParseId(options, "--programme", request.programme_id, err)) return kCloudExitUsage;
  if (!ParseId(options, "--amount", request.amount, err)) return kCloudExitUsage;
  auto expires = JapanDayEndMs(options.Value("--expires-on"));
  if (!expires) {
    err << "mykey-cloud: --expires-on must be a date YYYY-MM-DD\n";
    return kCloudExitUsage;
  }
  request.expires_at_ms = *expires;
  request.mykey_id = options.Value("--mykey-id");
  request.department = options.Value("--department");
  request.reason = options.Value("--reason");
  request.idempotency_key = options.Value("--key");
  if (request.idempotency_key.empty()) {
    request.idempotency_key =
        "admin-grant-" + std::to_string(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count());
  }
  LedgerService ledger(store);
  auto granted = ledger.Grant(SchemeOperator(), request);
  if (!granted) return Report(err, "grant", granted.error());
  if (options.Has("--json")) {
    json::OrderedJson body = json::OrderedJson::object();
    body["transfer_id"] = granted->transfer_id;
    body["lot_id"] = granted->lot_id;
    body["amount"] = granted->amount;
    body["balance"] = granted->balance;
    body["idempotency_key"] = request.idempotency_key;
    body["replayed"] = granted->replayed;
    out << json::Dump(body) << "\n";
  } else {
    out << (granted->replayed ? "grant already applied: " : "granted ") << granted->amount
        << " points (lot " << granted->lot_id << "); balance " << granted->balance << "; key "
        << request.idempotency_key << "\n";
  }
  return kCloudExitOk;
}

int Reports(std::string_view action, const Options& options, Store& store, std::ostream& out,
            std::ostream& err) {
  LedgerService ledger(store);
  if (action == "settlement") {
    if (!Require(options, {"--merchant", "--from", "--to"}, err)) return kCloudExitUsage;
    int64_t merchant = 0;
    if (!ParseId(options, "--merchant", merchant, err)) return kCloudExitUsage;
    auto csv = ledger.SettlementCsv(SchemeOperator(), merchant, options.Value("--from"),
                                    options.Value("--to"));
    if (!csv) return Report(err, "report settlement", csv.error());
    out << *csv;
    return kCloudExitOk;
  }
  if (!Require(options, {"--municipality", "--on"}, err)) return kCloudExitUsage;
  auto csv = ledger.UnusedBalanceCsv(SchemeOperator(), options.Value("--municipality"),
                                     options.Value("--on"));
  if (!csv) return Report(err, "report unused-balances", csv.error());
  out << *csv;
  return kCloudExitOk;
}

bool IsKnownAction(std::string_view topic, std::string_view action) {
  if (topic == "programme" || topic == "provider") return action == "add" || action == "list";
  if (topic == "merchant") {
    return action == "add" || action == "list" || action == "accept" || action == "unaccept" ||
           action == "suspend" || action == "resume";
  }
  if (topic == "report") return action == "settlement" || action == "unused-balances";
  return topic == "grant";
}

}  // namespace

bool IsSchemeAdminTopic(std::string_view topic) noexcept {
  return topic == "programme" || topic == "merchant" || topic == "provider" || topic == "grant" ||
         topic == "report";
}

int RunSchemeAdminCommand(std::string_view topic, std::span<const std::string> args,
                          std::ostream& out, std::ostream& err) {
  // "grant" has no action word; the others do.
  const bool has_action = topic != "grant";
  const std::string_view action = has_action && !args.empty() ? std::string_view(args[0]) : "";
  const auto rest = has_action && !args.empty() ? args.subspan(1) : args;
  Options options;
  if (!ParseOptions(rest, kValueNames, {"--json"}, options, err)) return kCloudExitUsage;
  if (options.help || (has_action && action == "--help")) {
    out << kUsage;
    return kCloudExitOk;
  }
  if (!IsKnownAction(topic, action)) {
    err << "mykey-cloud: admin " << topic << ": unknown action (see --help)\n" << kUsage;
    return kCloudExitUsage;
  }
  std::string location = options.Value("--store");
  if (location.empty() && options.Has("--config")) {
    CloudConfig config;
    std::string error_text;
    if (!LoadConfigFile(options.Value("--config"), config, error_text)) {
      err << "mykey-cloud: " << error_text << "\n";
      return kCloudExitUsage;
    }
    location = config.store_path;
  }
  if (location.empty()) {
    err << "mykey-cloud: --store PATH is required\n";
    return kCloudExitUsage;
  }
  auto store = OpenInitialisedStore(location, 1, err);
  if (!store) return ExitCodeFor(store.error());
  if (topic == "programme") return Programmes(action, options, **store, out, err);
  if (topic == "merchant") return Merchants(action, options, **store, out, err);
  if (topic == "provider") return Providers(action, options, **store, out, err);
  if (topic == "grant") return Grant(options, **store, out, err);
  return Reports(action, options, **store, out, err);
}

}  // namespace mykey::cloud
