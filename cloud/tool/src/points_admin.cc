#include "mykey/cloud_tool/points_admin.h"

#include <charconv>

#include "mykey/auth/caller.h"
#include "mykey/cloud_tool/command.h"
#include "mykey/cloud_tool/config.h"
#include "mykey/json/json.h"
#include "mykey/ledger/conversion_schema.h"
#include "mykey/ledger/conversion_service.h"
#include "mykey/ledger/ledger_service.h"
#include "mykey/store/migrations.h"
#include "options.h"
#include "store_location.h"

namespace mykey::cloud {

namespace {

constexpr std::string_view kUsage =
    R"(usage: mykey-cloud admin partner add --id ID --name NAME [--rate N/D] [--suspended]
       mykey-cloud admin partner list [--json]
       mykey-cloud admin coupon issue --partner ID --amount N --expires-on YYYY-MM-DD
                                [--count N]
       mykey-cloud admin premium set --programme ID --percent P

Every command also takes --store PATH|postgresql://... (or --config FILE).
A partner converts `points = partner points * N / D` (rounded down; default
1/1). Coupon codes are printed once, one per line: only their hashes are
kept. A premium (event programmes, 1..100 percent; 0 removes it) adds
floor(amount * P / 100) points to every grant or conversion into the event.
)";

Caller SchemeOperator() {
  Caller caller;
  caller.kind = CallerKind::kOperator;
  caller.scope = OperatorScope::kAdmin;
  caller.token_id = "mykey-cloud-admin";
  return caller;
}

bool ParseNumber(std::string_view text, int64_t min, int64_t max, int64_t& value) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return !text.empty() && ec == std::errc() && ptr == text.data() + text.size() && value >= min &&
         value <= max;
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

int Partners(std::string_view action, const Options& options, ConversionService& service,
             std::ostream& out, std::ostream& err) {
  if (action == "add") {
    if (!Require(options, {"--id", "--name"}, err)) return kCloudExitUsage;
    Partner partner;
    partner.id = options.Value("--id");
    partner.name = options.Value("--name");
    partner.active = !options.Has("--suspended");
    if (options.Has("--rate")) {
      const std::string rate = options.Value("--rate");
      const size_t slash = rate.find('/');
      if (slash == std::string::npos ||
          !ParseNumber(std::string_view(rate).substr(0, slash), 1, 1'000'000,
                       partner.rate_numerator) ||
          !ParseNumber(std::string_view(rate).substr(slash + 1), 1, 1'000'000,
                       partner.rate_denominator)) {
        err << "mykey-cloud: --rate is N/D with N and D in 1..1000000\n";
        return kCloudExitUsage;
      }
    }
    const Status added = service.AddPartner(SchemeOperator(), partner);
    if (!added) return Report(err, "partner add", added.error());
    out << "partner " << partner.id << " added (rate " << partner.rate_numerator << "/"
        << partner.rate_denominator << ")\n";
    return kCloudExitOk;
  }
  if (action != "list") {
    err << kUsage;
    return kCloudExitUsage;
  }
  auto partners = service.ListPartners(SchemeOperator());
  if (!partners) return Report(err, "partner list", partners.error());
  if (options.Has("--json")) {
    json::OrderedJson items = json::OrderedJson::array();
    for (const Partner& p : *partners) {
      json::OrderedJson item = json::OrderedJson::object();
      item["id"] = p.id;
      item["name"] = p.name;
      item["rate_numerator"] = p.rate_numerator;
      item["rate_denominator"] = p.rate_denominator;
      item["status"] = p.active ? "active" : "suspended";
      items.push_back(std::move(item));
    }
    out << json::Dump(items) << "\n";
  } else {
    for (const Partner& p : *partners) {
      out << p.id << "\t" << p.rate_numerator << "/" << p.rate_denominator << "\t"
          << (p.active ? "active" : "suspended") << "\t" << p.name << "\n";
    }
  }
  return kCloudExitOk;
}

int Coupons(std::string_view action, const Options& options, ConversionService& service,
            std::ostream& out, std::ostream& err) {
  if (action != "issue") {
    err << kUsage;
    return kCloudExitUsage;
  }
  if (!Require(options, {"--partner", "--amount", "--expires-on"}, err)) return kCloudExitUsage;
  CouponIssueRequest request;
  request.partner_id = options.Value("--partner");
  int64_t count = 1;
  if (!ParseNumber(options.Value("--amount"), 1, kMaxPoints, request.amount) ||
      (options.Has("--count") && !ParseNumber(options.Value("--count"), 1, 1000, count))) {
    err << "mykey-cloud: --amount is 1..10^12 and --count 1..1000\n";
    return kCloudExitUsage;
  }
  request.count = static_cast<int>(count);
  auto expires = JapanDayEndMs(options.Value("--expires-on"));
  if (!expires) {
    err << "mykey-cloud: --expires-on is a day YYYY-MM-DD\n";
    return kCloudExitUsage;
  }
  request.expires_at_ms = *expires;
  auto coupons = service.IssueCoupons(SchemeOperator(), request);
  if (!coupons) return Report(err, "coupon issue", coupons.error());
  for (const IssuedCoupon& coupon : *coupons) out << coupon.code << "\n";
  return kCloudExitOk;
}

int Premiums(std::string_view action, const Options& options, ConversionService& service,
             std::ostream& out, std::ostream& err) {
  if (action != "set") {
    err << kUsage;
    return kCloudExitUsage;
  }
  if (!Require(options, {"--programme", "--percent"}, err)) return kCloudExitUsage;
  int64_t programme = 0;
  int64_t percent = 0;
  if (!ParseNumber(options.Value("--programme"), 1, INT64_MAX, programme) ||
      !ParseNumber(options.Value("--percent"), 0, 100, percent)) {
    err << "mykey-cloud: --programme is an id and --percent 0..100\n";
    return kCloudExitUsage;
  }
  const Status set = service.SetPremium(SchemeOperator(), programme, static_cast<int>(percent));
  if (!set) return Report(err, "premium set", set.error());
  out << "programme " << programme << ": premium " << percent << "%\n";
  return kCloudExitOk;
}

}  // namespace

bool IsPointsAdminTopic(std::string_view topic) noexcept {
  return topic == "partner" || topic == "coupon" || topic == "premium";
}

int RunPointsAdminCommand(std::string_view topic, std::span<const std::string> args,
                          std::ostream& out, std::ostream& err) {
  const std::string_view action = args.empty() ? "" : std::string_view(args[0]);
  if (action.empty() || action == "--help" || action == "-h") {
    (action.empty() ? err : out) << kUsage;
    return action.empty() ? kCloudExitUsage : kCloudExitOk;
  }
  Options options;
  if (!ParseOptions(args.subspan(1),
                    {"--store", "--config", "--id", "--name", "--rate", "--partner", "--amount",
                     "--expires-on", "--count", "--programme", "--percent"},
                    {"--json", "--suspended"}, options, err)) {
    return kCloudExitUsage;
  }
  if (options.help) {
    out << kUsage;
    return kCloudExitOk;
  }
  std::string path = options.Value("--store");
  if (path.empty() && options.Has("--config")) {
    CloudConfig config;
    std::string error_text;
    if (!LoadConfigFile(options.Value("--config"), config, error_text)) {
      err << "mykey-cloud: " << error_text << "\n";
      return kCloudExitUsage;
    }
    path = config.store_path;
  }
  if (path.empty()) {
    err << "mykey-cloud: --store PATH is required\n";
    return kCloudExitUsage;
  }
  auto store = OpenInitialisedStore(path, 1, err);
  if (!store) return Report(err, "store", store.error());
  if (auto migrated = Migrate(**store, kConversionsSchema, ConversionMigrations()); !migrated) {
    return Report(err, "conversions schema", migrated.error());
  }
  ConversionService service(**store);
  if (topic == "partner") return Partners(action, options, service, out, err);
  if (topic == "coupon") return Coupons(action, options, service, out, err);
  return Premiums(action, options, service, out, err);
}

}  // namespace mykey::cloud
