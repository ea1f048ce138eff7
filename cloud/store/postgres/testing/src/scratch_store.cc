#include "mykey/store_testing/scratch_store.h"

#include <sys/random.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "mykey/cloud_testing/temp_dir.h"
#include "mykey/sqlite_store/sqlite_store.h"

namespace mykey::cloud::testing {

namespace {

Result<uint16_t> ParsePort(std::string_view text) {
  unsigned port = 0;
  if (text.empty() || text.size() > 5) return Fail(ErrorCode::kInvalidArgument, "bad port");
  for (char c : text) {
    if (c < '0' || c > '9') return Fail(ErrorCode::kInvalidArgument, "bad port");
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (port == 0 || port > 65535) return Fail(ErrorCode::kInvalidArgument, "bad port");
  return static_cast<uint16_t>(port);
}

Result<std::string> RandomDatabaseName() {
  uint8_t random[8];
  if (getrandom(random, sizeof random, 0) != static_cast<ssize_t>(sizeof random)) {
    return Fail(ErrorCode::kUnavailable, "getrandom failed", ErrorDomain::kOs, errno);
  }
  std::string name = "t_";
  static constexpr char kHex[] = "0123456789abcdef";
  for (uint8_t b : random) {
    name.push_back(kHex[b >> 4]);
    name.push_back(kHex[b & 0xF]);
  }
  return name;
}

}  // namespace

ScratchStore::ScratchStore(std::unique_ptr<Store> store, Opener open, std::function<void()> cleanup,
                           std::string where)
    : store_(std::move(store)),
      open_(std::move(open)),
      cleanup_(std::move(cleanup)),
      where_(std::move(where)) {}

ScratchStore::~ScratchStore() {
  store_.reset();
  if (cleanup_) cleanup_();
}

Result<PostgresStoreOptions> TestPostgresServer(bool tcp) {
  PostgresStoreOptions options;
  options.dbname = "postgres";
  options.application_name = "mykey-test";
  if (const char* file = std::getenv("MYKEY_POSTGRES_CONNECTION"); file != nullptr && *file) {
    std::ifstream in(file);
    if (!in) {
      return Fail(ErrorCode::kUnavailable,
                  "MYKEY_POSTGRES_CONNECTION names no readable file: is the postgres fixture up?");
    }
    std::string line;
    std::string host;
    std::string tcp_host;
    while (std::getline(in, line)) {
      const size_t eq = line.find('=');
      if (eq == std::string::npos) continue;
      const std::string key = line.substr(0, eq);
      const std::string value = line.substr(eq + 1);
      if (key == "host") host = value;
      if (key == "tcp_host") tcp_host = value;
      if (key == "user") options.user = value;
      if (key == "port") {
        MYKEY_ASSIGN_OR_RETURN(options.port, ParsePort(value));
      }
    }
    options.host = tcp ? tcp_host : host;
    if (options.host.empty() || options.port == 0) {
      return Fail(ErrorCode::kInvalidArgument, "the postgres connection file lacks host or port");
    }
    return options;
  }
  const char* host = std::getenv("MYKEY_POSTGRES_HOST");
  if (host == nullptr || *host == '\0') {
    return Fail(ErrorCode::kUnavailable,
                "no test PostgreSQL: run the test through ctest (fixture \"postgres\") or set "
                "MYKEY_POSTGRES_HOST/_PORT/_USER");
  }
  options.host = host;
  if (const char* port = std::getenv("MYKEY_POSTGRES_PORT"); port != nullptr && *port) {
    MYKEY_ASSIGN_OR_RETURN(options.port, ParsePort(port));
  }
  if (const char* user = std::getenv("MYKEY_POSTGRES_USER"); user != nullptr && *user) {
    options.user = user;
  }
  return options;
}

Result<std::unique_ptr<ScratchStore>> MakeSqliteStore(unsigned connections) {
  auto dir = std::make_shared<TempDir>();
  if (dir->path().empty()) return Fail(ErrorCode::kUnavailable, "cannot make a temporary dir");
  const std::string path = dir->File("store.db");
  auto open = [path](unsigned n) -> Result<std::unique_ptr<Store>> {
    SqliteStoreOptions options;
    options.path = path;
    options.connections = n;
    MYKEY_ASSIGN_OR_RETURN(auto store, SqliteStore::Open(options));
    return std::unique_ptr<Store>(std::move(store));
  };
  MYKEY_ASSIGN_OR_RETURN(auto store, open(connections));
  return std::make_unique<ScratchStore>(
      std::move(store), open, [dir]() mutable { dir.reset(); }, path);
}

Result<std::unique_ptr<ScratchStore>> MakePostgresStore(unsigned connections) {
  MYKEY_ASSIGN_OR_RETURN(PostgresStoreOptions server, TestPostgresServer());
  MYKEY_ASSIGN_OR_RETURN(std::string name, RandomDatabaseName());
  MYKEY_TRY(CreatePostgresDatabase(server, name));
  auto open = [server, name](unsigned n) -> Result<std::unique_ptr<Store>> {
    PostgresStoreOptions options = server;
    options.dbname = name;
    options.connections = n;
    MYKEY_ASSIGN_OR_RETURN(auto store, PostgresStore::Open(options));
    return std::unique_ptr<Store>(std::move(store));
  };
  auto cleanup = [server, name] {
    const Status dropped = DropPostgresDatabase(server, name);
    if (!dropped) {
      std::fprintf(stderr, "store_testing: cannot drop database %s: %s\n", name.c_str(),
                   dropped.error().ToString().c_str());
    }
  };
  auto store = open(connections);
  if (!store) {
    cleanup();
    return Fail(store.error());
  }
  return std::make_unique<ScratchStore>(std::move(*store), open, cleanup, name);
}

}  // namespace mykey::cloud::testing
