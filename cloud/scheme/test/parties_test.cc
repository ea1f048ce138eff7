#include "mykey/scheme/parties.h"

#include "mykey/cloud_testing/temp_dir.h"
#include "mykey/scheme/municipalities.h"
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
    MunicipalityDirectory municipalities(*store);
    REQUIRE(municipalities.Add({"131016", "千代田区", false, 0}));
    REQUIRE(municipalities.Add({"271004", "大阪市", false, 0}));
  }
};

TEST_CASE("Programmes are added per municipality and listed by id") {
  Fixture f;
  PartyDirectory parties(*f.store);
  auto health = parties.AddProgramme({0, "131016", "health", "健康ポイント", "points", 0});
  REQUIRE(health);
  CHECK(health->id > 0);
  CHECK(health->created_at_ms > 0);
  REQUIRE(parties.AddProgramme({0, "271004", "health", "健康ポイント", "points", 0}));
  REQUIRE(parties.AddProgramme({0, "131016", "festival", "祭り", "event", 0}));
  auto chiyoda = parties.ListProgrammes("131016");
  REQUIRE(chiyoda);
  REQUIRE(chiyoda->size() == 2);
  CHECK((*chiyoda)[0].code == "health");
  CHECK((*chiyoda)[1].kind == "event");
  auto all = parties.ListProgrammes("");
  REQUIRE(all);
  CHECK(all->size() == 3);
  auto got = parties.GetProgramme(health->id);
  REQUIRE(got);
  CHECK(got->name == "健康ポイント");
}

TEST_CASE("A programme is refused with a specific error for each bad field") {
  Fixture f;
  PartyDirectory parties(*f.store);
  REQUIRE(parties.AddProgramme({0, "131016", "health", "Health", "points", 0}));
  auto dup = parties.AddProgramme({0, "131016", "health", "Again", "points", 0});
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code() == ErrorCode::kAlreadyExists);
  CHECK(parties.AddProgramme({0, "131017", "x", "X", "points", 0}).error().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(parties.AddProgramme({0, "011002", "x", "X", "points", 0}).error().code() ==
        ErrorCode::kNotFound);
  CHECK(parties.AddProgramme({0, "131016", "Bad Code", "X", "points", 0}).error().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(parties.AddProgramme({0, "131016", "x", "", "points", 0}).error().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(parties.AddProgramme({0, "131016", "x", "X", "cash", 0}).error().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(parties.GetProgramme(999).error().code() == ErrorCode::kNotFound);
}

TEST_CASE("A merchant accepts programmes, is suspended and reactivated") {
  Fixture f;
  PartyDirectory parties(*f.store);
  auto health = parties.AddProgramme({0, "131016", "health", "Health", "points", 0});
  REQUIRE(health);
  auto shop = parties.AddMerchant({0, "131016", "神田書店", "shop", "", {}, 0});
  REQUIRE(shop);
  CHECK(shop->status == "active");
  CHECK(shop->programme_ids.empty());
  REQUIRE(parties.SetAccepts(shop->id, health->id, true));
  REQUIRE(parties.SetAccepts(shop->id, health->id, true));  // idempotent
  auto got = parties.GetMerchant(shop->id);
  REQUIRE(got);
  CHECK(got->programme_ids == std::vector<int64_t>{health->id});
  REQUIRE(parties.SetMerchantSuspended(shop->id, true));
  CHECK(parties.GetMerchant(shop->id)->status == "suspended");
  REQUIRE(parties.SetMerchantSuspended(shop->id, false));
  CHECK(parties.GetMerchant(shop->id)->status == "active");
  REQUIRE(parties.SetAccepts(shop->id, health->id, false));
  CHECK(parties.GetMerchant(shop->id)->programme_ids.empty());
  CHECK(parties.SetAccepts(shop->id, 999, true).error().code() == ErrorCode::kNotFound);
  CHECK(parties.SetAccepts(999, health->id, true).error().code() == ErrorCode::kNotFound);
  CHECK(parties.SetMerchantSuspended(999, true).error().code() == ErrorCode::kNotFound);
  CHECK(parties.AddMerchant({0, "131016", "X", "bank", "", {}, 0}).error().code() ==
        ErrorCode::kInvalidArgument);
  auto listed = parties.ListMerchants("271004");
  REQUIRE(listed);
  CHECK(listed->empty());
}

TEST_CASE("Providers have unique codes") {
  Fixture f;
  PartyDirectory parties(*f.store);
  auto library = parties.AddProvider({0, "chiyoda-library", "千代田区立図書館", 0});
  REQUIRE(library);
  CHECK(parties.AddProvider({0, "chiyoda-library", "Again", 0}).error().code() ==
        ErrorCode::kAlreadyExists);
  CHECK(parties.AddProvider({0, "", "X", 0}).error().code() == ErrorCode::kInvalidArgument);
  auto list = parties.ListProviders();
  REQUIRE(list);
  REQUIRE(list->size() == 1);
  CHECK((*list)[0].name == "千代田区立図書館");
  CHECK(parties.GetProvider(library->id)->code == "chiyoda-library");
}

TEST_CASE("The cross-municipality policy is off by default and can be switched") {
  Fixture f;
  PartyDirectory parties(*f.store);
  MunicipalityDirectory municipalities(*f.store);
  CHECK_FALSE(municipalities.Get("131016")->cross_municipality_use);
  REQUIRE(parties.SetCrossMunicipalityUse("131016", true));
  CHECK(municipalities.Get("131016")->cross_municipality_use);
  CHECK(parties.SetCrossMunicipalityUse("011002", true).error().code() == ErrorCode::kNotFound);
}

}  // namespace
}  // namespace mykey::cloud
