#include "mykey/scheme/municipalities.h"

#include "mykey/cloud_testing/temp_dir.h"
#include "mykey/sqlite_store/sqlite_store.h"
#include "mykey/store/migrations.h"
#include "mykey/testing/catch.h"

namespace mykey::cloud {
namespace {

struct Fixture {
  testing::TempDir dir;
  std::unique_ptr<SqliteStore> store;
  Fixture() {
    SqliteStoreOptions options;
    options.path = dir.File("cloud.db");
    auto opened = SqliteStore::Open(options);
    REQUIRE(opened);
    store = std::move(*opened);
    REQUIRE(Migrate(*store, CloudMigrations()));
  }
};

TEST_CASE("Local government codes are checked by their check digit") {
  CHECK(IsValidMunicipalityCode("131016"));  // Chiyoda
  CHECK(IsValidMunicipalityCode("011002"));  // Sapporo
  CHECK(IsValidMunicipalityCode("271004"));  // Osaka
  CHECK_FALSE(IsValidMunicipalityCode("131017"));
  CHECK_FALSE(IsValidMunicipalityCode("13101"));
  CHECK_FALSE(IsValidMunicipalityCode("13101a"));
  CHECK_FALSE(IsValidMunicipalityCode("1310160"));
}

TEST_CASE("Added municipalities are listed by code") {
  Fixture f;
  MunicipalityDirectory directory(*f.store);
  REQUIRE(directory.Add({"271004", "Osaka", false, 0}));
  REQUIRE(directory.Add({"131016", "Chiyoda", true, 0}));
  auto list = directory.List();
  REQUIRE(list);
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].code == "131016");
  CHECK((*list)[0].name == "Chiyoda");
  CHECK((*list)[0].cross_municipality_use);
  CHECK((*list)[0].created_at_ms > 0);
  CHECK((*list)[1].code == "271004");
  CHECK_FALSE((*list)[1].cross_municipality_use);
}

TEST_CASE("A municipality code is added once") {
  Fixture f;
  MunicipalityDirectory directory(*f.store);
  REQUIRE(directory.Add({"131016", "Chiyoda", false, 0}));
  const Status again = directory.Add({"131016", "Chiyoda again", false, 0});
  REQUIRE_FALSE(again);
  CHECK(again.error().code() == ErrorCode::kAlreadyExists);
}

TEST_CASE("Invalid codes and names are refused before the store") {
  Fixture f;
  MunicipalityDirectory directory(*f.store);
  CHECK(directory.Add({"131017", "Bad digit", false, 0}).error().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(directory.Add({"131016", "", false, 0}).error().code() == ErrorCode::kInvalidArgument);
  CHECK(directory.List()->empty());
}

TEST_CASE("Getting a municipality by code") {
  Fixture f;
  MunicipalityDirectory directory(*f.store);
  REQUIRE(directory.Add({"131016", "Chiyoda", false, 0}));
  auto found = directory.Get("131016");
  REQUIRE(found);
  CHECK(found->name == "Chiyoda");
  CHECK(directory.Get("271004").error().code() == ErrorCode::kNotFound);
}

}  // namespace
}  // namespace mykey::cloud
