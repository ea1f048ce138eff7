// mykey-cloud admin token | enrollment-code | terminal, in-process against a
// real SQLite store; what they print is checked against cloud/auth.
#include <regex>
#include <sstream>
#include <vector>

#include "mykey/auth/api_tokens.h"
#include "mykey/auth/enrollment.h"
#include "mykey/cloud_testing/temp_dir.h"
#include "mykey/cloud_tool/command.h"
#include "mykey/crypto/ecdsa.h"
#include "mykey/sqlite_store/sqlite_store.h"
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

/// An initialised store.
struct Initialised {
  testing::TempDir dir;
  std::string store = dir.File("cloud.db");
  Initialised() { REQUIRE(Cloud({"init", "--store", store}).code == kCloudExitOk); }

  Run Admin(std::vector<std::string> args) {
    args.insert(args.begin(), "admin");
    args.push_back("--store");
    args.push_back(store);
    return Cloud(args);
  }

  std::unique_ptr<SqliteStore> Open() {
    SqliteStoreOptions options;
    options.path = store;
    options.create = false;
    auto opened = SqliteStore::Open(options);
    REQUIRE(opened);
    return std::move(*opened);
  }
};

std::string LastLine(const std::string& text) {
  std::string trimmed = text;
  while (!trimmed.empty() && trimmed.back() == '\n') trimmed.pop_back();
  return trimmed.substr(trimmed.rfind('\n') + 1);
}

std::unique_ptr<crypto::RandomSource> Random() {
  auto random = crypto::DeterministicRandom::Create(ViewOf("auth-admin"), ViewOf("test"));
  REQUIRE(random);
  return std::move(*random);
}

TEST_CASE("admin token create prints a token that authenticates with its scope") {
  Initialised cloud;
  const Run run = cloud.Admin(
      {"token", "create", "--scope", "municipality:131016", "--name", "Chiyoda points desk"});
  REQUIRE(run.code == kCloudExitOk);
  const std::string token = LastLine(run.out);
  REQUIRE(std::regex_match(token, std::regex("mk_[0-9a-f]{12}_[0-9a-f]{64}")));

  auto store = cloud.Open();
  auto random = Random();
  ApiTokenDirectory tokens(*store, *random);
  auto caller = tokens.Authenticate(token);
  REQUIRE(caller);
  CHECK(caller->scope == OperatorScope::kMunicipality);
  CHECK(caller->scope_id == "131016");
}

TEST_CASE("admin token list shows tokens without secrets and revoke refuses them") {
  Initialised cloud;
  const Run created = cloud.Admin({"token", "create", "--scope", "provider:shopA", "--json"});
  REQUIRE(created.code == kCloudExitOk);
  std::smatch match;
  REQUIRE(std::regex_search(created.out, match, std::regex("\"id\":\"([0-9a-f]{12})\"")));
  const std::string id = match[1];
  REQUIRE(std::regex_search(created.out, match, std::regex("\"token\":\"(mk_[0-9a-f_]+)\"")));
  const std::string token = match[1];

  const Run listed = cloud.Admin({"token", "list"});
  REQUIRE(listed.code == kCloudExitOk);
  CHECK(listed.out.find(id + "\tprovider:shopA\tprovider:shopA\t") == 0);
  CHECK(listed.out.find(token.substr(16)) == std::string::npos);

  CHECK(cloud.Admin({"token", "revoke", "--id", id}).code == kCloudExitOk);
  CHECK(cloud.Admin({"token", "list", "--json"}).out.find("\"revoked_at\":\"20") !=
        std::string::npos);
  auto store = cloud.Open();
  auto random = Random();
  ApiTokenDirectory tokens(*store, *random);
  CHECK(tokens.Authenticate(token).error().code() == ErrorCode::kPermissionDenied);
  CHECK(cloud.Admin({"token", "revoke", "--id", "000000000000"}).code == kCloudExitNotFound);
}

TEST_CASE("admin token create refuses a bad scope") {
  Initialised cloud;
  for (const std::string scope : {"municipality:131017", "root", "provider:", "admin:x"}) {
    const Run run = cloud.Admin({"token", "create", "--scope", scope});
    CHECK(run.code == kCloudExitUsage);
    CHECK(run.err.find("--scope") != std::string::npos);
  }
  CHECK(cloud.Admin({"token", "create"}).code == kCloudExitUsage);
}

TEST_CASE("admin enrollment-code create prints a code that enrolls a terminal for the site") {
  Initialised cloud;
  const Run run =
      cloud.Admin({"enrollment-code", "create", "--site-kind", "library", "--site-id", "central",
                   "--provider-id", "chiyoda-lib", "--municipality", "131016", "--ttl-hours", "2"});
  REQUIRE(run.code == kCloudExitOk);
  const std::string code = LastLine(run.out);
  CHECK(std::regex_match(code, std::regex("([0-9A-Z]{4}-){5}[0-9A-Z]{4}")));

  auto store = cloud.Open();
  auto random = Random();
  TerminalEnrollment enrollment(*store, *random);
  auto key = crypto::EcdsaPrivateKey::Generate(*random);
  REQUIRE(key);
  auto enrolled = enrollment.Enroll(code, key->PublicKey().ToDer(), "Desk 1");
  REQUIRE(enrolled);
  CHECK(enrolled->site == Site{SiteKind::kLibrary, "central", "chiyoda-lib", "131016"});
}

TEST_CASE("admin enrollment-code create checks the site and the lifetime") {
  Initialised cloud;
  const std::vector<std::string> good = {"enrollment-code", "create", "--site-kind",   "merchant",
                                         "--site-id",       "A1",     "--provider-id", "shopA",
                                         "--municipality",  "131016"};
  CHECK(cloud.Admin(good).code == kCloudExitOk);
  auto with = [&](const std::string& option, const std::string& value) {
    std::vector<std::string> args = good;
    for (size_t i = 0; i + 1 < args.size(); ++i) {
      if (args[i] == option) {
        args[i + 1] = value;
        return cloud.Admin(args);
      }
    }
    args.push_back(option);
    args.push_back(value);
    return cloud.Admin(args);
  };
  CHECK(with("--site-kind", "shop").code == kCloudExitUsage);
  CHECK(with("--site-id", "A 1").code == kCloudExitUsage);
  CHECK(with("--municipality", "131017").code == kCloudExitUsage);
  CHECK(with("--ttl-hours", "0").code == kCloudExitUsage);
  CHECK(with("--ttl-hours", "721").code == kCloudExitUsage);
  CHECK(with("--ttl-hours", "720").code == kCloudExitOk);
}

TEST_CASE("admin terminal list, suspend and resume act on enrolled terminals") {
  Initialised cloud;
  const Run issued =
      cloud.Admin({"enrollment-code", "create", "--site-kind", "merchant", "--site-id", "A1",
                   "--provider-id", "shopA", "--municipality", "131016"});
  REQUIRE(issued.code == kCloudExitOk);
  std::string terminal_id;
  {
    auto store = cloud.Open();
    auto random = Random();
    TerminalEnrollment enrollment(*store, *random);
    auto key = crypto::EcdsaPrivateKey::Generate(*random);
    REQUIRE(key);
    auto enrolled = enrollment.Enroll(LastLine(issued.out), key->PublicKey().ToDer(), "Till 1");
    REQUIRE(enrolled);
    terminal_id = enrolled->terminal_id;
  }
  const Run listed = cloud.Admin({"terminal", "list"});
  REQUIRE(listed.code == kCloudExitOk);
  CHECK(listed.out.find(terminal_id + "\tactive\tmerchant A1 provider shopA municipality 131016"
                                      "\tTill 1\tenrolled 20") == 0);
  CHECK(cloud.Admin({"terminal", "suspend", "--id", terminal_id}).code == kCloudExitOk);
  CHECK(cloud.Admin({"terminal", "list", "--json"}).out.find("\"status\":\"suspended\"") !=
        std::string::npos);
  CHECK(cloud.Admin({"terminal", "resume", "--id", terminal_id}).code == kCloudExitOk);
  CHECK(cloud.Admin({"terminal", "list"}).out.find("\tactive\t") != std::string::npos);
  CHECK(cloud.Admin({"terminal", "suspend", "--id", "nope"}).code == kCloudExitNotFound);
  CHECK(cloud.Admin({"terminal", "suspend"}).code == kCloudExitUsage);
}

TEST_CASE("auth admin commands print help and refuse an uninitialised store") {
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"admin", "token", "--help"},
                                             {"admin", "token", "create", "--help"},
                                             {"admin", "enrollment-code", "create", "--help"},
                                             {"admin", "terminal", "list", "--help"}}) {
    const Run run = Cloud(args);
    CHECK(run.code == kCloudExitOk);
    CHECK(run.out.find("usage: mykey-cloud admin") != std::string::npos);
  }
  CHECK(Cloud({"admin", "token", "frobnicate"}).code == kCloudExitUsage);
  testing::TempDir dir;
  const Run missing = Cloud({"admin", "token", "list", "--store", dir.File("none.db")});
  CHECK(missing.code != kCloudExitOk);
}

}  // namespace
}  // namespace mykey::cloud
