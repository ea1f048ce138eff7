#include "mykey/cloud_client/terminal_identity.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "mykey/testing/catch.h"

namespace mykey::cloud_client {
namespace {

struct Dir {
  std::string path;
  Dir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "mykey-identity-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~Dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  TerminalIdentityFiles Files() const {
    return {path + "/terminal.key.pem", path + "/terminal.id"};
  }
};

TerminalIdentity NewIdentity() {
  auto random = crypto::DeterministicRandom::Create(ViewOf("identity-test"), ViewOf("k"));
  REQUIRE(random);
  auto key = crypto::EcdsaPrivateKey::Generate(**random);
  REQUIRE(key);
  return TerminalIdentity{"t-0001", std::move(*key)};
}

TEST_CASE("A saved identity loads back, with the key file at mode 0600") {
  Dir dir;
  const TerminalIdentity saved = NewIdentity();
  REQUIRE(SaveTerminalIdentity(dir.Files(), saved));
  struct stat info {};
  REQUIRE(::stat(dir.Files().key_path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  auto loaded = LoadTerminalIdentity(dir.Files());
  REQUIRE(loaded);
  CHECK(loaded->terminal_id == "t-0001");
  CHECK(loaded->key.PublicKey() == saved.key.PublicKey());
}

TEST_CASE("A key file readable by group or others is refused") {
  Dir dir;
  REQUIRE(SaveTerminalIdentity(dir.Files(), NewIdentity()));
  REQUIRE(::chmod(dir.Files().key_path.c_str(), 0640) == 0);
  auto loaded = LoadTerminalIdentity(dir.Files());
  REQUIRE_FALSE(loaded);
  CHECK(loaded.error().code() == ErrorCode::kPermissionDenied);
}

TEST_CASE("A missing identity is kNotFound and a symlinked key is refused") {
  Dir dir;
  auto missing = LoadTerminalIdentity(dir.Files());
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == ErrorCode::kNotFound);

  REQUIRE(SaveTerminalIdentity(dir.Files(), NewIdentity()));
  const std::string link = dir.path + "/link.pem";
  REQUIRE(::symlink(dir.Files().key_path.c_str(), link.c_str()) == 0);
  auto linked = LoadTerminalIdentity({link, dir.Files().terminal_id_path});
  REQUIRE_FALSE(linked);
  CHECK(linked.error().code() == ErrorCode::kPermissionDenied);
}

}  // namespace
}  // namespace mykey::cloud_client
