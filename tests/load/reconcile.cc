// mykey-load reconcile: after a run (and any number of cloud kills), proves
// from the cloud's answers that every acknowledged operation was applied
// exactly once and none twice, that refused ones left nothing, and that the
// ledger's invariants hold.
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "load.h"
#include "mykey/http_client/curl_http_transport.h"
#include "mykey/json/json.h"

namespace mykey::load {
namespace {

using namespace std::string_view_literals;
using cloud_client::CloudErrorCode;

std::string Text(const json::Json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t Integer(const json::Json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

/// One line of the operation log.
struct LoggedOp {
  size_t terminal = 0;
  std::string op;  // redeem, hold, capture, void, refund
  std::string key;
  std::string holder;
  int64_t amount = 0;
  std::string outcome;  // ok, refused, unknown
  int64_t redemption_id = 0;
};

/// What the cloud says happened to one key.
struct Applied {
  bool found = false;
  int status = 0;
  json::Json result;
};

/// A redemption as the applied operations leave it.
struct RedemptionModel {
  std::string holder;
  int64_t amount = 0;
  std::string state;
  int64_t refunded = 0;
};

class Reconciler {
 public:
  Reconciler(const LoadState& state, const std::string& url, std::ostream& out)
      : state_(state), url_(url), out_(out) {}

  Status Init() {
    MYKEY_ASSIGN_OR_RETURN(transport_, http_client::CurlHttpTransport::Create({}));
    return Ok();
  }

  void Problem(const std::string& text) {
    if (problems_ < 20) out_ << "  PROBLEM: " << text << "\n";
    ++problems_;
  }
  size_t problems() const { return problems_; }

  Result<cloud_client::CloudClient*> Client(size_t terminal) {
    auto it = clients_.find(terminal);
    if (it != clients_.end()) return it->second.get();
    if (terminal >= state_.terminals.size()) {
      return Fail(ErrorCode::kInvalidArgument, "unknown terminal in the log");
    }
    MYKEY_ASSIGN_OR_RETURN(auto client, TerminalClient(state_, terminal, *transport_, url_, 5));
    return (clients_[terminal] = std::move(client)).get();
  }

  /// GET /v1/operations/{key} as the caller that made it, until the cloud answers.
  Result<Applied> LookUp(size_t terminal, const std::string& key) {
    MYKEY_ASSIGN_OR_RETURN(cloud_client::CloudClient * client, Client(terminal));
    for (int attempt = 0; attempt < 120; ++attempt) {
      auto operation = client->GetOperation(key);
      if (operation) {
        Applied applied{true, operation->status, {}};
        auto parsed = json::ParseJson(operation->result_json);
        if (parsed) applied.result = std::move(*parsed);
        return applied;
      }
      const CloudErrorCode code = cloud_client::CloudErrorCodeOf(operation.error());
      if (code == CloudErrorCode::kNotFound) return Applied{};
      if (code != CloudErrorCode::kUnreachable && code != CloudErrorCode::kCloudUnavailable &&
          code != CloudErrorCode::kTransport) {
        return Fail(operation.error());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return Fail(ErrorCode::kUnavailable, "the cloud does not answer");
  }

  /// An operator's GET; @returns the parsed body of a 200, or nullopt for 404.
  Result<std::optional<json::Json>> OperatorGet(const std::string& token, const std::string& path) {
    http_client::HttpRequest request;
    request.url = url_ + path;
    request.headers = {{"Authorization", "Bearer " + token}};
    for (int attempt = 0; attempt < 120; ++attempt) {
      auto response = transport_->RoundTrip(request);
      if (!response || response->status == 503) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        continue;
      }
      if (response->status == 404) return std::optional<json::Json>();
      if (response->status != 200) {
        out_ << "  " << path << " answered " << response->status << ": " << response->body << "\n";
        return Fail(ErrorCode::kFailedPrecondition, "operator GET refused");
      }
      auto parsed = json::ParseJson(response->body);
      if (!parsed) return Fail(ErrorCode::kDataLoss, "operator GET: not JSON");
      return std::optional<json::Json>(std::move(*parsed));
    }
    return Fail(ErrorCode::kUnavailable, "the cloud does not answer");
  }

 private:
  const LoadState& state_;
  std::string url_;
  std::ostream& out_;
  std::unique_ptr<http_client::CurlHttpTransport> transport_;
  std::map<size_t, std::unique_ptr<cloud_client::CloudClient>> clients_;
  size_t problems_ = 0;
};

Result<std::vector<LoggedOp>> ReadLog(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Fail(ErrorCode::kNotFound, "no operation log");
  std::vector<LoggedOp> ops;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto parsed = json::ParseJson(line);
    if (!parsed || !parsed->is_object()) return Fail(ErrorCode::kDataLoss, "bad log line");
    LoggedOp op;
    op.terminal = static_cast<size_t>(Integer(*parsed, "t"));
    op.op = Text(*parsed, "op");
    op.key = Text(*parsed, "key");
    op.holder = Text(*parsed, "holder");
    op.amount = Integer(*parsed, "amount");
    op.outcome = Text(*parsed, "outcome");
    op.redemption_id = Integer(*parsed, "redemption_id");
    ops.push_back(std::move(op));
  }
  return ops;
}

}  // namespace

int ReconcileCommand(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  Flags flags;
  constexpr std::string_view kValues[] = {"--url"sv, "--state"sv, "--ops-log"sv};
  if (!flags.Parse(args, kValues, {}, err)) return kExitUsage;
  const std::string url = flags.Value("--url");
  if (url.empty() || !flags.Has("--state")) {
    err << "usage: mykey-load reconcile --url URL --state DIR [--ops-log FILE]\n";
    return kExitUsage;
  }
  auto state = ReadState(flags.Value("--state"));
  if (!state) {
    err << "mykey-load: state: " << state.error().ToString() << "\n";
    return kExitFailure;
  }
  auto ops = ReadLog(flags.Value("--ops-log", state->Path("ops.jsonl")));
  if (!ops) {
    err << "mykey-load: " << ops.error().ToString() << "\n";
    return kExitFailure;
  }
  Reconciler check(*state, url, out);
  if (!check.Init()) return kExitFailure;

  // 1. The grants: each looked up by its key, as the municipality's operator.
  int64_t issued = 0;
  int64_t applied_ops = 0;
  std::map<std::string, int64_t> granted;
  for (const HolderRecord& holder : state->holders) {
    if (holder.grant_key.empty()) continue;
    auto found = check.OperatorGet(state->municipality_token, "/v1/operations/" + holder.grant_key);
    if (!found) {
      err << "mykey-load: grant lookup: " << found.error().ToString() << "\n";
      return kExitFailure;
    }
    if (!found->has_value()) {
      check.Problem("grant " + holder.grant_key + " was acknowledged but is not in the ledger");
      continue;
    }
    issued += holder.granted;
    granted[holder.mykey_id] += holder.granted;
    ++applied_ops;
  }

  // 2. Every logged operation, looked up by its key as the terminal that made it.
  std::map<int64_t, RedemptionModel> redemptions;
  std::vector<std::pair<int64_t, int64_t>> refunds;  // redemption id, amount
  std::set<std::string> keys;
  size_t acknowledged = 0, refused = 0, unknown = 0, unknown_applied = 0;
  for (const LoggedOp& op : *ops) {
    if (!keys.insert(op.key).second) {
      check.Problem("key " + op.key + " logged twice");
      continue;
    }
    auto applied = check.LookUp(op.terminal, op.key);
    if (!applied) {
      err << "mykey-load: lookup of " << op.key << ": " << applied.error().ToString() << "\n";
      return kExitFailure;
    }
    if (op.outcome == "ok") {
      ++acknowledged;
      if (!applied->found) {
        check.Problem(op.op + " " + op.key + " was acknowledged but is not applied");
        continue;
      }
    } else if (op.outcome == "refused") {
      ++refused;
      if (!applied->found) continue;
      // Still modelled below: the ledger's figures are checked against what was applied.
      check.Problem(op.op + " " + op.key + " was refused but is applied");
    } else {
      ++unknown;
      if (!applied->found) continue;
      ++unknown_applied;
    }
    if (applied->status < 200 || applied->status > 299) {
      check.Problem(op.key + " stored status " + std::to_string(applied->status));
      continue;
    }
    const json::Json& result = applied->result;
    const int64_t redemption_id = Integer(result, "redemption_id");
    if (op.outcome == "ok" && redemption_id != op.redemption_id) {
      check.Problem(op.key + ": the acknowledged redemption " + std::to_string(op.redemption_id) +
                    " is not the applied one " + std::to_string(redemption_id));
    }
    if (Integer(result, "amount") != op.amount) {
      check.Problem(op.key + ": amount " + std::to_string(Integer(result, "amount")) +
                    " applied, " + std::to_string(op.amount) + " asked");
    }
    ++applied_ops;
    if (op.op == "redeem" || op.op == "hold") {
      RedemptionModel& model = redemptions[redemption_id];
      if (!model.holder.empty()) {
        check.Problem("redemption " + std::to_string(redemption_id) + " made by two keys");
      }
      model.holder = Text(result, "mykey_id");
      model.amount = Integer(result, "amount");
      model.state = op.op == "hold" ? "held" : "captured";
    } else if (op.op == "capture" || op.op == "void") {
      // Applied after its hold (a terminal settles a hold only once it is acknowledged).
      redemptions[redemption_id].state = op.op == "capture" ? "captured" : "voided";
    } else if (op.op == "refund") {
      refunds.emplace_back(redemption_id, Integer(result, "amount"));
    }
  }
  for (const auto& [id, amount] : refunds) redemptions[id].refunded += amount;

  // 3. What every holder must hold, from the applied operations alone.
  std::map<std::string, std::pair<int64_t, int64_t>> expected;  // balance, held
  int64_t spent = 0, held_total = 0;
  for (const auto& [holder, amount] : granted) expected[holder].first += amount;
  for (const auto& [id, r] : redemptions) {
    if (r.holder.empty()) {
      check.Problem("a capture, void or refund of redemption " + std::to_string(id) +
                    " whose redemption is not applied");
      continue;
    }
    auto& [balance, held] = expected[r.holder];
    if (r.state == "held") {
      balance -= r.amount;
      held += r.amount;
      held_total += r.amount;
    } else if (r.state == "captured") {
      balance -= r.amount - r.refunded;
      spent += r.amount - r.refunded;
    }
  }
  // Read as the admin operator: terminals need the holder's card session for balances.
  int64_t balances_total = 0;
  for (const auto& [holder, figures] : expected) {
    auto answer = check.OperatorGet(state->admin_token, "/v1/holders/" + holder + "/balances");
    if (!answer || !answer->has_value()) {
      check.Problem("no balance for holder " + holder);
      continue;
    }
    const json::Json& body = **answer;
    const auto programmes = body.find("programmes");
    if (programmes == body.end() || !programmes->is_array() || programmes->size() != 1 ||
        !(*programmes)[0].is_object()) {
      check.Problem("not one programme in the balances of " + holder);
      continue;
    }
    const int64_t balance = Integer((*programmes)[0], "balance");
    const int64_t held = Integer((*programmes)[0], "held");
    balances_total += balance;
    if (balance < 0 || held < 0) check.Problem("a negative balance");
    if (balance != figures.first || held != figures.second) {
      check.Problem("holder balance " + std::to_string(balance) + " held " + std::to_string(held) +
                    ", the applied operations make " + std::to_string(figures.first) + " held " +
                    std::to_string(figures.second));
    }
  }

  // 4. The ledger's own reconciliation, and its totals against ours.
  auto report = check.OperatorGet(state->admin_token, "/v1/ledger/reconciliation");
  if (!report || !report->has_value()) {
    err << "mykey-load: no reconciliation report\n";
    return kExitFailure;
  }
  const json::Json& r = **report;
  const auto ok = r.find("ok");
  if (ok == r.end() || !ok->is_boolean() || !ok->get<bool>()) {
    const auto problems = r.find("problems");
    check.Problem("the ledger's reconciliation reports problems: " +
                  (problems == r.end() ? std::string("?") : json::Dump(*problems)));
  }
  const auto expect = [&](const char* name, int64_t want) {
    if (Integer(r, name) != want) {
      check.Problem(std::string("ledger ") + name + " " + std::to_string(Integer(r, name)) +
                    ", the applied operations make " + std::to_string(want));
    }
  };
  expect("issued", issued);
  expect("holder_balances", balances_total);
  expect("held", held_total);
  expect("spent", spent);
  expect("expired", 0);
  expect("transfers", applied_ops);  // one transfer per applied operation: none twice
  if (Integer(r, "issued") != Integer(r, "holder_balances") + Integer(r, "held") +
                                  Integer(r, "spent") + Integer(r, "expired") +
                                  Integer(r, "other") + Integer(r, "conversion_pending") +
                                  Integer(r, "donated")) {
    check.Problem("issued != holders + held + spent + expired + other + pending + donated");
  }

  out << "reconciled " << ops->size() << " logged operations: " << acknowledged
      << " acknowledged (each applied once), " << refused << " refused (none applied), " << unknown
      << " unsettled (" << unknown_applied << " of them applied); " << applied_ops
      << " transfers; issued " << Integer(r, "issued") << " = holders "
      << Integer(r, "holder_balances") << " + held " << Integer(r, "held") << " + spent "
      << Integer(r, "spent") << " + expired " << Integer(r, "expired") << "\n";
  if (check.problems() != 0) {
    out << "RECONCILIATION FAILED: " << check.problems() << " problem(s)\n";
    return kExitMismatch;
  }
  out << "RECONCILIATION OK\n";
  return kExitOk;
}

}  // namespace mykey::load
