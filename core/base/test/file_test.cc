#include "mykey/base/file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "mykey/testing/catch.h"
#include "mykey/testing/temp_dir.h"

namespace mykey {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

unsigned ModeOf(const std::string& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_mode & 07777U;
}

TEST_CASE("A replaced file holds the new contents with the given mode and no partial file") {
  testing::TempDir dir;
  const std::string path = dir.path() + "/state";
  REQUIRE(ReplaceFile(path, std::string_view("first"), 0600));
  CHECK(Read(path) == "first");
  CHECK(ModeOf(path) == 0600U);
  REQUIRE(ReplaceFile(path, std::string_view("second, longer"), 0644));
  CHECK(Read(path) == "second, longer");
  CHECK(ModeOf(path) == 0644U);
  CHECK(::access((path + ".partial").c_str(), F_OK) != 0);
}

TEST_CASE("A file that cannot be replaced keeps its old contents and leaves nothing behind") {
  testing::TempDir dir;
  const std::string path = dir.path() + "/state";
  REQUIRE(ReplaceFile(path, std::string_view("kept"), 0644));
  // A directory where the partial file would go: the write fails up front.
  REQUIRE(::mkdir((path + ".partial").c_str(), 0700) == 0);
  const Status failed = ReplaceFile(path, std::string_view("lost"), 0644);
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code() == ErrorCode::kUnavailable);
  CHECK(Read(path) == "kept");
  // A missing directory fails the same way.
  CHECK_FALSE(ReplaceFile(dir.path() + "/missing/state", std::string_view("x"), 0644));
}

TEST_CASE("A partial file that is a symbolic link is not followed") {
  testing::TempDir dir;
  const std::string path = dir.path() + "/state";
  const std::string victim = dir.path() + "/victim";
  REQUIRE(ReplaceFile(victim, std::string_view("untouched"), 0644));
  REQUIRE(::symlink(victim.c_str(), (path + ".partial").c_str()) == 0);
  CHECK_FALSE(ReplaceFile(path, std::string_view("evil"), 0644));
  CHECK(Read(victim) == "untouched");
}

}  // namespace
}  // namespace mykey
