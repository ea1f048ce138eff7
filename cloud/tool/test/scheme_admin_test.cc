// mykey-cloud admin programme|merchant|provider|grant|report, run in-process
// against a real SQLite store; the PostgreSQL location syntax.
#include <sstream>
#include <vector>

#include "../src/store_location.h"
#include "mykey/cloud_testing/temp_dir.h"
#include "mykey/cloud_tool/command.h"
#include "mykey/json/json.h"
#include "mykey/testing/catch.h"

namespace mykey::cloud {
namespace {

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run Cloud(std::vector<std::string> args) {
  std::ostringstream out;
  std::ostringstream err;
  const int code = RunCloudCommand(args, out, err);
  return {code, out.str(), err.str()};
}

struct Initialised {
  testing::TempDir dir;
  std::string store = dir.File("cloud.db");
  Initialised() {
    REQUIRE(Cloud({"init", "--store", store}).code == 0);
    REQUIRE(Cloud({"admin", "municipality", "add", "--store", store, "--code", "131016", "--name",
                   "千代田区"})
                .code == 0);
  }
  Run Admin(std::vector<std::string> words) {
    std::vector<std::string> args = {"admin"};
    args.insert(args.end(), words.begin(), words.end());
    args.push_back("--store");
    args.push_back(store);
    return Cloud(args);
  }
  int64_t IdOf(const Run& run) {
    INFO(run.err);
    REQUIRE(run.code == 0);
    auto body = json::ParseJson(run.out);
    REQUIRE(body);
    return (*body)["id"].get<int64_t>();
  }
};

TEST_CASE("An operator sets up a programme, a shop that accepts it and a provider") {
  Initialised s;
  const int64_t programme =
      s.IdOf(s.Admin({"programme", "add", "--municipality", "131016", "--code", "health", "--name",
                      "健康ポイント", "--json"}));
  const int64_t shop = s.IdOf(s.Admin({"merchant", "add", "--municipality", "131016", "--name",
                                       "神田書店", "--kind", "shop", "--json"}));
  auto accepted = s.Admin({"merchant", "accept", "--id", std::to_string(shop), "--programme",
                           std::to_string(programme)});
  INFO(accepted.err);
  REQUIRE(accepted.code == 0);
  auto list = s.Admin({"merchant", "list", "--json"});
  REQUIRE(list.code == 0);
  auto merchants = json::ParseJson(list.out);
  REQUIRE(merchants);
  REQUIRE(merchants->size() == 1);
  CHECK((*merchants)[0]["programme_ids"] == json::Json::array({programme}));
  CHECK(s.IdOf(s.Admin(
            {"provider", "add", "--code", "chiyoda-library", "--name", "図書館", "--json"})) > 0);
  auto suspended = s.Admin({"merchant", "suspend", "--id", std::to_string(shop)});
  REQUIRE(suspended.code == 0);
  CHECK(s.Admin({"merchant", "list"}).out.find("suspended") != std::string::npos);
}

TEST_CASE("An admin grant applies once per key and shows in the unused-balance report") {
  Initialised s;
  const int64_t programme = s.IdOf(s.Admin({"programme", "add", "--municipality", "131016",
                                            "--code", "health", "--name", "Health", "--json"}));
  const std::vector<std::string> grant = {
      "grant",      "--mykey-id", "AB23CD45",     "--programme", std::to_string(programme),
      "--amount",   "1500",       "--expires-on", "2099-03-31",  "--department",
      "健康福祉部", "--reason",   "checkup",      "--key",       "g-1"};
  auto first = s.Admin(grant);
  INFO(first.err);
  REQUIRE(first.code == 0);
  CHECK(first.out.find("granted 1500") != std::string::npos);
  auto again = s.Admin(grant);
  REQUIRE(again.code == 0);
  CHECK(again.out.find("already applied") != std::string::npos);
  auto report =
      s.Admin({"report", "unused-balances", "--municipality", "131016", "--on", "2099-01-01"});
  INFO(report.err);
  REQUIRE(report.code == 0);
  CHECK(report.out.find(",health,1,1500") != std::string::npos);
}

TEST_CASE("Admin scheme commands refuse bad input with usage or not-found exit codes") {
  Initialised s;
  CHECK(s.Admin({"programme", "add", "--municipality", "131016", "--code", "x"}).code == 2);
  CHECK(s.Admin({"programme", "frobnicate"}).code == 2);
  CHECK(s.Admin({"merchant", "accept", "--id", "abc", "--programme", "1"}).code == 2);
  CHECK(s.Admin({"merchant", "suspend", "--id", "77"}).code == 5);
  CHECK(s.Admin({"programme", "add", "--municipality", "011002", "--code", "x", "--name", "X"})
            .code == 5);
  auto dup = s.Admin({"provider", "add", "--code", "p", "--name", "P"});
  REQUIRE(dup.code == 0);
  CHECK(s.Admin({"provider", "add", "--code", "p", "--name", "P"}).code == 4);
  CHECK(s.Admin({"grant", "--mykey-id", "AB23CD45", "--programme", "1", "--amount", "5",
                 "--expires-on", "someday", "--department", "d", "--reason", "r"})
            .code == 2);
  CHECK(Cloud({"admin", "programme", "list", "--store", s.dir.File("missing.db")}).code == 3);
}

TEST_CASE("PostgreSQL locations are parsed, with the password redacted in messages") {
  auto full = ParsePostgresLocation("postgresql://mykey:s%40cret@db.example:6543/cloud");
  REQUIRE(full);
  CHECK(full->user == "mykey");
  CHECK(full->password == "s@cret");
  CHECK(full->host == "db.example");
  CHECK(full->port == 6543);
  CHECK(full->dbname == "cloud");
  auto socket = ParsePostgresLocation("postgres:///cloud?host=%2Frun%2Fpostgresql");
  REQUIRE(socket);
  CHECK(socket->host == "/run/postgresql");
  CHECK(socket->port == 0);
  CHECK(socket->user.empty());
  CHECK(ParsePostgresLocation("postgresql://host:99999/db").error().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(ParsePostgresLocation("postgresql://host").error().code() == ErrorCode::kInvalidArgument);
  CHECK(ParsePostgresLocation("postgresql://h/db?sslmode=x").error().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(ParsePostgresLocation("postgresql://h/d%zz").error().code() == ErrorCode::kInvalidArgument);
  CHECK(RedactLocation("postgresql://mykey:secret@h/db") == "postgresql://mykey:***@h/db");
  CHECK(RedactLocation("postgresql://mykey@h/db") == "postgresql://mykey@h/db");
  CHECK(RedactLocation("/var/lib/mykey/cloud.db") == "/var/lib/mykey/cloud.db");
  CHECK(IsPostgresLocation("postgres://x/y"));
  CHECK_FALSE(IsPostgresLocation("cloud.db"));
}

}  // namespace
}  // namespace mykey::cloud

namespace mykey::cloud {
namespace {

TEST_CASE("Backup and restore are refused for a PostgreSQL store with the tool to use") {
  auto backup = Cloud({"admin", "backup", "--store", "postgresql://u@h/db", "--to", "/tmp/x"});
  CHECK(backup.code == 2);
  CHECK(backup.err.find("pg_dump") != std::string::npos);
  auto restore = Cloud({"admin", "restore", "--store", "postgresql://u@h/db", "--from", "/tmp/x"});
  CHECK(restore.code == 2);
  CHECK(restore.err.find("pg_restore") != std::string::npos);
}

}  // namespace
}  // namespace mykey::cloud
