// mykey-cloud admin partner|coupon|premium, run in-process against a real
// SQLite store.
#include <sstream>
#include <vector>

#include "mykey/cloud_testing/temp_dir.h"
#include "mykey/cloud_tool/command.h"
#include "mykey/json/json.h"
#include "mykey/ledger/conversion_service.h"
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
  Initialised() { REQUIRE(Cloud({"init", "--store", store}).code == 0); }
  Run Admin(std::vector<std::string> words) {
    std::vector<std::string> args = {"admin"};
    args.insert(args.end(), words.begin(), words.end());
    args.push_back("--store");
    args.push_back(store);
    return Cloud(args);
  }
};

TEST_CASE("admin partner add and list register conversion partners with their rate") {
  Initialised cloud;
  const Run added =
      cloud.Admin({"partner", "add", "--id", "airline", "--name", "Sky Air", "--rate", "1/2"});
  INFO(added.err);
  CHECK(added.code == kCloudExitOk);
  CHECK(cloud.Admin({"partner", "add", "--id", "airline", "--name", "Again"}).code ==
        kCloudExitConflict);
  CHECK(cloud.Admin({"partner", "add", "--id", "x", "--name", "X", "--rate", "0/2"}).code ==
        kCloudExitUsage);
  CHECK(cloud.Admin({"partner", "add", "--name", "X"}).code == kCloudExitUsage);
  const Run list = cloud.Admin({"partner", "list", "--json"});
  REQUIRE(list.code == kCloudExitOk);
  auto parsed = json::ParseJson(list.out);
  REQUIRE(parsed);
  REQUIRE(parsed->size() == 1);
  CHECK((*parsed)[0]["rate_denominator"] == 2);
  CHECK(Cloud({"admin", "partner", "--help"}).code == kCloudExitOk);
}

TEST_CASE("admin coupon issue prints well-formed codes once; premium set needs an event") {
  Initialised cloud;
  REQUIRE(cloud.Admin({"partner", "add", "--id", "rail", "--name", "Rail"}).code == 0);
  const Run issued = cloud.Admin({"coupon", "issue", "--partner", "rail", "--amount", "300",
                                  "--expires-on", "2099-12-31", "--count", "3"});
  INFO(issued.err);
  REQUIRE(issued.code == kCloudExitOk);
  std::istringstream lines(issued.out);
  int codes = 0;
  for (std::string line; std::getline(lines, line);) {
    CHECK(NormaliseCouponCode(line));
    ++codes;
  }
  CHECK(codes == 3);
  CHECK(cloud
            .Admin({"coupon", "issue", "--partner", "ghost", "--amount", "1", "--expires-on",
                    "2099-12-31"})
            .code == kCloudExitNotFound);
  CHECK(cloud
            .Admin({"coupon", "issue", "--partner", "rail", "--amount", "1", "--expires-on",
                    "2099-02-30"})
            .code == kCloudExitUsage);
  CHECK(cloud.Admin({"premium", "set", "--programme", "99", "--percent", "10"}).code ==
        kCloudExitNotFound);
  CHECK(cloud.Admin({"premium", "set", "--programme", "1", "--percent", "101"}).code ==
        kCloudExitUsage);
}

}  // namespace
}  // namespace mykey::cloud
