#include "mykey/cloud_tool/config.h"

#include <fstream>

#include "mykey/cloud_testing/temp_dir.h"
#include "mykey/testing/catch.h"

namespace mykey::cloud {
namespace {

TEST_CASE("Listen addresses parse as address and port, IPv6 in brackets") {
  CloudConfig config;
  REQUIRE(ParseListen("0.0.0.0:443", config));
  CHECK(config.listen_address == "0.0.0.0");
  CHECK(config.listen_port == 443);
  REQUIRE(ParseListen("[::1]:0", config));
  CHECK(config.listen_address == "::1");
  CHECK(config.listen_port == 0);
  CHECK_FALSE(ParseListen("127.0.0.1", config));
  CHECK_FALSE(ParseListen("127.0.0.1:65536", config));
  CHECK_FALSE(ParseListen(":80", config));
  CHECK_FALSE(ParseListen("[::1]80", config));
  CHECK_FALSE(ParseListen("127.0.0.1:8x", config));
}

TEST_CASE("A config file sets the members it names") {
  testing::TempDir dir;
  std::ofstream(dir.File("cloud.json")) << R"({"listen":"127.0.0.1:9000","store":"/s/cloud.db",
    "threads":4,"max_body_bytes":2048,"log_level":"warning","shutdown_grace_ms":500})";
  CloudConfig config;
  std::string error;
  REQUIRE(LoadConfigFile(dir.File("cloud.json"), config, error));
  CHECK(config.listen_port == 9000);
  CHECK(config.store_path == "/s/cloud.db");
  CHECK(config.KeysDir() == "/s/cloud.db.keys");
  CHECK(config.threads == 4);
  CHECK(config.max_body_bytes == 2048);
  CHECK(config.log_level == log::Level::kWarning);
  CHECK(config.shutdown_grace == std::chrono::milliseconds(500));
  CHECK(config.connection_limit == 4096);  // untouched default
}

TEST_CASE("A config file with an unknown member or a bad value is refused with the reason") {
  testing::TempDir dir;
  CloudConfig config;
  std::string error;
  std::ofstream(dir.File("a.json")) << R"({"listen":"127.0.0.1:9000","treads":4})";
  CHECK(LoadConfigFile(dir.File("a.json"), config, error).error().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(error.find("treads") != std::string::npos);
  std::ofstream(dir.File("b.json")) << R"({"threads":0})";
  CHECK_FALSE(LoadConfigFile(dir.File("b.json"), config, error));
  CHECK(error.find("threads") != std::string::npos);
  std::ofstream(dir.File("c.json")) << R"({"log_level":"loud"})";
  CHECK_FALSE(LoadConfigFile(dir.File("c.json"), config, error));
  std::ofstream(dir.File("d.json")) << "listen = 1";
  CHECK_FALSE(LoadConfigFile(dir.File("d.json"), config, error));
  CHECK(LoadConfigFile(dir.File("none.json"), config, error).error().code() ==
        ErrorCode::kNotFound);
}

}  // namespace
}  // namespace mykey::cloud
