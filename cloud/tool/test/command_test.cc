// mykey-cloud init and admin, run in-process against a real SQLite store.
#include "mykey/cloud_tool/command.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "mykey/cloud_testing/temp_dir.h"
#include "mykey/crypto/ecdsa.h"
#include "mykey/sqlite_store/sqlite_store.h"
#include "mykey/testing/catch.h"
#include "mykey/testjpki/test_pki.h"

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

unsigned Mode(const std::string& path) {
  struct stat info {};
  REQUIRE(stat(path.c_str(), &info) == 0);
  return info.st_mode & 0777;
}

TEST_CASE("Help is printed for every command and exits 0") {
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"--help"},
                                             {"init", "--help"},
                                             {"serve", "--help"},
                                             {"admin", "--help"},
                                             {"admin", "backup", "--help"},
                                             {"admin", "restore", "--help"},
                                             {"admin", "municipality", "add", "--help"},
                                             {"admin", "municipality", "list", "--help"}}) {
    const Run run = Cloud(args);
    CHECK(run.code == kCloudExitOk);
    CHECK(run.out.find("usage: mykey-cloud") != std::string::npos);
  }
}

TEST_CASE("Usage errors exit 2") {
  CHECK(Cloud({}).code == kCloudExitUsage);
  CHECK(Cloud({"frobnicate"}).code == kCloudExitUsage);
  CHECK(Cloud({"init"}).code == kCloudExitUsage);
  CHECK(Cloud({"init", "--store"}).code == kCloudExitUsage);
  CHECK(Cloud({"init", "--bogus", "x"}).code == kCloudExitUsage);
  CHECK(Cloud({"serve", "--threads", "0", "--store", "x"}).code == kCloudExitUsage);
  CHECK(Cloud({"serve", "--listen", "nowhere", "--store", "x"}).code == kCloudExitUsage);
  CHECK(Cloud({"admin", "municipality", "delete"}).code == kCloudExitUsage);
}

TEST_CASE("init creates the store, the schema and the two keys, and is safe to repeat") {
  testing::TempDir dir;
  const std::string store = dir.File("cloud.db");
  const Run first = Cloud({"init", "--store", store});
  REQUIRE(first.code == kCloudExitOk);
  CHECK(first.out.find("schema core 1, auth 1, registry 1, ledger 1 (4 migration(s) applied)") !=
        std::string::npos);
  CHECK(first.out.find("key voucher_signing") != std::string::npos);
  CHECK(first.out.find("key terminal_session") != std::string::npos);
  const std::string voucher_key = store + ".keys/voucher_signing.key.pem";
  CHECK(Mode(store + ".keys") == 0700);
  CHECK(Mode(voucher_key) == 0600);
  CHECK(Mode(store + ".keys/terminal_session.key.pem") == 0600);

  std::ifstream in(voucher_key);
  std::stringstream pem;
  pem << in.rdbuf();
  auto key = crypto::EcdsaPrivateKey::FromPem(pem.str());
  REQUIRE(key);

  const Run second = Cloud({"init", "--store", store});
  REQUIRE(second.code == kCloudExitOk);
  CHECK(second.out.find("(0 migration(s) applied)") != std::string::npos);
  CHECK(second.out.find("created") == std::string::npos);
  CHECK(second.out.find("kept") != std::string::npos);

  // The store holds the public key of the file's private key.
  SqliteStoreOptions options;
  options.path = store;
  auto opened = SqliteStore::Open(options);
  REQUIRE(opened);
  REQUIRE((*opened)->WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
    MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow("SELECT public_key, key_id FROM cloud_keys"
                                                 " WHERE purpose = 'voucher_signing'"));
    REQUIRE(row);
    const crypto::EcdsaPublicKey public_key = key->PublicKey();
    const auto& point = public_key.point();
    CHECK(row->Blob(0) == Bytes(point.begin(), point.end()));
    const auto id = key->KeyId();
    CHECK(row->Blob(1) == Bytes(id.begin(), id.end()));
    return Ok();
  }));
}

TEST_CASE("init refuses a key file that does not match the store") {
  testing::TempDir dir;
  const std::string store = dir.File("cloud.db");
  REQUIRE(Cloud({"init", "--store", store}).code == kCloudExitOk);
  // Another store's keys in this store's key directory.
  REQUIRE(Cloud({"init", "--store", dir.File("other.db")}).code == kCloudExitOk);
  std::filesystem::remove_all(store + ".keys");
  std::filesystem::copy(dir.File("other.db.keys"), store + ".keys");
  const Run run = Cloud({"init", "--store", store});
  CHECK(run.code == kCloudExitSchema);
  CHECK(run.err.find("cannot create the cloud's keys") != std::string::npos);
}

TEST_CASE("Municipalities are added and listed from the shell") {
  testing::TempDir dir;
  const std::string store = dir.File("cloud.db");
  REQUIRE(Cloud({"init", "--store", store}).code == kCloudExitOk);
  REQUIRE(Cloud({"admin", "municipality", "add", "--store", store, "--code", "131016", "--name",
                 "Chiyoda"})
              .code == kCloudExitOk);
  REQUIRE(Cloud({"admin", "municipality", "add", "--store=" + store, "--code=271004",
                 "--name=Osaka", "--cross-municipality-use"})
              .code == kCloudExitOk);
  const Run list = Cloud({"admin", "municipality", "list", "--store", store});
  REQUIRE(list.code == kCloudExitOk);
  CHECK(list.out == "131016\tChiyoda\n271004\tOsaka\tcross-municipality use\n");
  const Run json = Cloud({"admin", "municipality", "list", "--store", store, "--json"});
  CHECK(json.out == R"([{"code":"131016","name":"Chiyoda","cross_municipality_use":false},)"
                    R"({"code":"271004","name":"Osaka","cross_municipality_use":true}])"
                    "\n");

  SECTION("a code added twice exits 4") {
    CHECK(Cloud({"admin", "municipality", "add", "--store", store, "--code", "131016", "--name",
                 "Again"})
              .code == kCloudExitConflict);
  }
  SECTION("a code with a wrong check digit exits 2") {
    CHECK(Cloud({"admin", "municipality", "add", "--store", store, "--code", "131017", "--name",
                 "Bad"})
              .code == kCloudExitUsage);
  }
}

TEST_CASE("Admin commands on a store that was never initialised fail without creating it") {
  testing::TempDir dir;
  const std::string store = dir.File("missing.db");
  CHECK(Cloud({"admin", "municipality", "list", "--store", store}).code == kCloudExitUnavailable);
  CHECK_FALSE(std::filesystem::exists(store));
}

TEST_CASE("Backup and restore from the shell bring back the backed-up state") {
  testing::TempDir dir;
  const std::string store = dir.File("cloud.db");
  REQUIRE(Cloud({"init", "--store", store}).code == kCloudExitOk);
  REQUIRE(Cloud({"admin", "municipality", "add", "--store", store, "--code", "131016", "--name",
                 "Chiyoda"})
              .code == kCloudExitOk);
  REQUIRE(Cloud({"admin", "backup", "--store", store, "--to", dir.File("backup.db")}).code ==
          kCloudExitOk);
  REQUIRE(Cloud({"admin", "municipality", "add", "--store", store, "--code", "271004", "--name",
                 "Osaka"})
              .code == kCloudExitOk);
  REQUIRE(Cloud({"admin", "restore", "--from", dir.File("backup.db"), "--store", store}).code ==
          kCloudExitOk);
  CHECK(Cloud({"admin", "municipality", "list", "--store", store}).out == "131016\tChiyoda\n");
  CHECK(Cloud({"admin", "restore", "--from", dir.File("none.db"), "--store", store}).code ==
        kCloudExitNotFound);
}

TEST_CASE("Admin commands find the store through a serve config") {
  testing::TempDir dir;
  const std::string store = dir.File("cloud.db");
  REQUIRE(Cloud({"init", "--store", store}).code == kCloudExitOk);
  std::ofstream(dir.File("cloud.json")) << R"({"store":")" + store + R"("})";
  CHECK(Cloud({"admin", "municipality", "list", "--config", dir.File("cloud.json")}).code ==
        kCloudExitOk);
}

}  // namespace
}  // namespace mykey::cloud

namespace mykey::cloud {
namespace {

// Writes a test JPKI's auth CAs to `dir`/pki and a CRL listing `serials` to `dir`/crl.der.
void WriteTestCrl(const testing::TempDir& dir, std::string_view seed,
                  const std::vector<Bytes>& serials) {
  auto pki = testjpki::TestPki::Create(seed, {2023});
  REQUIRE(pki);
  REQUIRE(pki->Save(dir.File("pki")));
  testjpki::CrlOptions options;
  options.this_update = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  options.serials = serials;
  auto crl = pki->MakeCrl(options);
  REQUIRE(crl);
  std::ofstream(dir.File("crl.der"), std::ios::binary)
      .write(reinterpret_cast<const char*>(crl->data()), static_cast<std::streamsize>(crl->size()));
}

TEST_CASE("admin crl import verifies the CRL against the JPKI auth CAs and is safe to repeat") {
  testing::TempDir dir;
  const std::string store = dir.File("cloud.db");
  REQUIRE(Cloud({"init", "--store", store}).code == kCloudExitOk);
  WriteTestCrl(dir, "crl-admin", {Bytes{0x01, 0x02}, Bytes{0x03, 0x04}, Bytes{0x05, 0x06}});
  const std::vector<std::string> import = {"admin",         "crl",    "import",
                                           "--store",       store,    "--jpki-auth-ca",
                                           dir.File("pki"), "--file", dir.File("crl.der")};
  const Run first = Cloud(import);
  INFO(first.err);
  REQUIRE(first.code == kCloudExitOk);
  CHECK(first.out.find("3 serials listed, 3 new") != std::string::npos);
  const Run again = Cloud(import);
  REQUIRE(again.code == kCloudExitOk);
  CHECK(again.out.find("3 serials listed, 0 new") != std::string::npos);

  // A CRL signed by another CA (same DN, other key) is refused.
  testing::TempDir other;
  WriteTestCrl(other, "another-ca", {Bytes{0x07}});
  const Run foreign = Cloud({"admin", "crl", "import", "--store", store, "--jpki-auth-ca",
                             dir.File("pki"), "--file", other.File("crl.der")});
  CHECK(foreign.code != kCloudExitOk);
  CHECK(Cloud({"admin", "crl", "import", "--store", store}).code == kCloudExitUsage);
}

}  // namespace
}  // namespace mykey::cloud
