// The state directory, the store specification and option parsing of mykey-load.
#include <sys/stat.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "load.h"
#include "mykey/auth/auth_schema.h"
#include "mykey/json/json.h"
#include "mykey/ledger/ledger_schema.h"
#include "mykey/postgres_store/postgres_store.h"
#include "mykey/registry/schema.h"
#include "mykey/sqlite_store/sqlite_store.h"
#include "mykey/store/migrations.h"

namespace mykey::load {

Result<StoreSpec> ParseStoreSpec(std::string_view text) {
  StoreSpec spec;
  if (text.starts_with("sqlite:")) {
    spec.kind = StoreSpec::Kind::kSqlite;
    spec.where = std::string(text.substr(7));
  } else if (text.starts_with("postgres:")) {
    spec.kind = StoreSpec::Kind::kPostgres;
    spec.where = std::string(text.substr(9));
  } else {
    return Fail(ErrorCode::kInvalidArgument, "store must be sqlite:PATH or postgres:DBNAME");
  }
  if (spec.where.empty()) return Fail(ErrorCode::kInvalidArgument, "store without a name");
  return spec;
}

namespace {

Result<cloud::PostgresStoreOptions> PostgresServer() {
  const char* file = std::getenv("MYKEY_POSTGRES_CONNECTION");
  if (file == nullptr || *file == '\0') {
    return Fail(ErrorCode::kInvalidArgument, "MYKEY_POSTGRES_CONNECTION is not set");
  }
  std::ifstream in(file);
  if (!in) return Fail(ErrorCode::kInvalidArgument, "cannot read MYKEY_POSTGRES_CONNECTION");
  cloud::PostgresStoreOptions options;
  std::string line;
  while (std::getline(in, line)) {
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq);
    const std::string value = line.substr(eq + 1);
    if (key == "host") options.host = value;
    if (key == "user") options.user = value;
    if (key == "port") {
      unsigned port = 0;
      std::from_chars(value.data(), value.data() + value.size(), port);
      options.port = static_cast<uint16_t>(port);
    }
  }
  if (options.host.empty() || options.port == 0) {
    return Fail(ErrorCode::kInvalidArgument, "malformed PostgreSQL connection file");
  }
  options.dbname = "postgres";
  options.application_name = "mykey-load";
  return options;
}

}  // namespace

Result<std::unique_ptr<cloud::Store>> OpenStore(const StoreSpec& spec, unsigned connections,
                                                bool create) {
  if (spec.kind == StoreSpec::Kind::kSqlite) {
    cloud::SqliteStoreOptions options;
    options.path = spec.where;
    options.connections = connections;
    options.create = create;
    MYKEY_ASSIGN_OR_RETURN(auto store, cloud::SqliteStore::Open(options));
    return std::unique_ptr<cloud::Store>(std::move(store));
  }
  MYKEY_ASSIGN_OR_RETURN(cloud::PostgresStoreOptions options, PostgresServer());
  if (create) {
    const Status made = cloud::CreatePostgresDatabase(options, spec.where);
    if (!made && made.error().code() != ErrorCode::kAlreadyExists) return Fail(made.error());
  }
  options.dbname = spec.where;
  options.connections = connections;
  MYKEY_ASSIGN_OR_RETURN(auto store, cloud::PostgresStore::Open(options));
  return std::unique_ptr<cloud::Store>(std::move(store));
}

Status MigrateAll(cloud::Store& store) {
  MYKEY_TRY(cloud::Migrate(store, cloud::CloudMigrations()));
  MYKEY_TRY(cloud::MigrateAuth(store));
  MYKEY_TRY(cloud::Migrate(store, cloud::kLedgerSchema, cloud::LedgerMigrations()));
  MYKEY_TRY(cloud::Migrate(store, cloud::kRegistrySchema, cloud::RegistryMigrations()));
  return Ok();
}

namespace {

std::string Text(const json::Json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t Integer(const json::Json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

}  // namespace

Result<LoadState> ReadState(const std::string& dir) {
  std::ifstream in(dir + "/state.json");
  if (!in) return Fail(ErrorCode::kNotFound, "no state.json in the state directory");
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = json::ParseJson(text.str());
  if (!parsed || !parsed->is_object()) return Fail(ErrorCode::kDataLoss, "state.json is broken");
  const json::Json& root = *parsed;
  LoadState state;
  state.dir = dir;
  state.store = Text(root, "store");
  state.municipality_code = Text(root, "municipality_code");
  state.programme_id = Integer(root, "programme_id");
  state.merchant_id = Integer(root, "merchant_id");
  state.admin_token = Text(root, "admin_token");
  state.municipality_token = Text(root, "municipality_token");
  if (const auto it = root.find("holders"); it != root.end() && it->is_array()) {
    for (const json::Json& h : *it) {
      if (!h.is_object()) return Fail(ErrorCode::kDataLoss, "state.json: bad holder");
      HolderRecord holder;
      holder.index = static_cast<uint32_t>(Integer(h, "index"));
      holder.certificate_file = Text(h, "certificate");
      holder.key_file = Text(h, "key");
      holder.mykey_id = Text(h, "mykey_id");
      holder.granted = Integer(h, "granted");
      holder.grant_key = Text(h, "grant_key");
      state.holders.push_back(std::move(holder));
    }
  }
  if (const auto it = root.find("terminals"); it != root.end() && it->is_array()) {
    for (const json::Json& t : *it) {
      if (!t.is_object()) return Fail(ErrorCode::kDataLoss, "state.json: bad terminal");
      state.terminals.push_back({Text(t, "id"), Text(t, "key"), Text(t, "id_file")});
    }
  }
  return state;
}

Status WriteState(const LoadState& state) {
  json::OrderedJson root = json::OrderedJson::object();
  root["store"] = state.store;
  root["municipality_code"] = state.municipality_code;
  root["programme_id"] = state.programme_id;
  root["merchant_id"] = state.merchant_id;
  root["admin_token"] = state.admin_token;
  root["municipality_token"] = state.municipality_token;
  root["holders"] = json::OrderedJson::array();
  for (const HolderRecord& h : state.holders) {
    json::OrderedJson item = json::OrderedJson::object();
    item["index"] = h.index;
    item["certificate"] = h.certificate_file;
    item["key"] = h.key_file;
    item["mykey_id"] = h.mykey_id;
    item["granted"] = h.granted;
    item["grant_key"] = h.grant_key;
    root["holders"].push_back(std::move(item));
  }
  root["terminals"] = json::OrderedJson::array();
  for (const TerminalRecord& t : state.terminals) {
    json::OrderedJson item = json::OrderedJson::object();
    item["id"] = t.terminal_id;
    item["key"] = t.key_file;
    item["id_file"] = t.id_file;
    root["terminals"].push_back(std::move(item));
  }
  const std::string path = state.Path("state.json");
  const std::string partial = path + ".partial";
  {
    std::ofstream out(partial, std::ios::trunc);
    out << json::Dump(root, 1) << "\n";
    if (!out) return Fail(ErrorCode::kUnavailable, "cannot write state.json");
  }
  ::chmod(partial.c_str(), 0600);
  if (std::rename(partial.c_str(), path.c_str()) != 0) {
    return Fail(ErrorCode::kUnavailable, "cannot rename state.json");
  }
  return Ok();
}

bool Flags::Parse(std::span<const std::string> args, std::span<const std::string_view> with_value,
                  std::span<const std::string_view> switches, std::ostream& err) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    bool known = false;
    for (std::string_view name : with_value) {
      if (arg != name) continue;
      if (i + 1 >= args.size()) {
        err << "mykey-load: " << arg << " needs a value\n";
        return false;
      }
      values_.emplace_back(arg, args[++i]);
      known = true;
      break;
    }
    for (std::string_view name : switches) {
      if (known || arg != name) continue;
      values_.emplace_back(arg, "");
      known = true;
    }
    if (!known) {
      err << "mykey-load: unknown option " << arg << "\n";
      return false;
    }
  }
  return true;
}

bool Flags::Has(std::string_view name) const {
  for (const auto& [key, value] : values_) {
    if (key == name) return true;
  }
  return false;
}

std::string Flags::Value(std::string_view name, std::string_view fallback) const {
  for (const auto& [key, value] : values_) {
    if (key == name) return value;
  }
  return std::string(fallback);
}

bool Flags::Number(std::string_view name, double low, double high, double& value,
                   std::ostream& err) const {
  if (!Has(name)) return true;
  const std::string text = Value(name);
  char* end = nullptr;
  const double parsed = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || parsed < low || parsed > high) {
    err << "mykey-load: " << name << " must be a number in [" << low << ", " << high << "]\n";
    return false;
  }
  value = parsed;
  return true;
}

}  // namespace mykey::load
