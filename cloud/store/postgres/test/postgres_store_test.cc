// PostgresStore without a server: the SQLSTATE table, option checks, an
// unreachable server. (Tests against a real server: postgres_server_test.cc.)
#include "mykey/postgres_store/postgres_store.h"

#include "mykey/cloud_testing/temp_dir.h"
#include "mykey/testing/catch.h"

namespace mykey::cloud {
namespace {

TEST_CASE("SQLSTATE codes map to the store's error codes") {
  CHECK(PostgresErrorCode("40001") == ErrorCode::kAborted);
  CHECK(PostgresErrorCode("40P01") == ErrorCode::kAborted);
  CHECK(PostgresErrorCode("23505") == ErrorCode::kAlreadyExists);
  CHECK(PostgresErrorCode("23503") == ErrorCode::kFailedPrecondition);
  CHECK(PostgresErrorCode("23514") == ErrorCode::kFailedPrecondition);
  CHECK(PostgresErrorCode("23502") == ErrorCode::kFailedPrecondition);
  CHECK(PostgresErrorCode("42601") == ErrorCode::kInvalidArgument);
  CHECK(PostgresErrorCode("42P01") == ErrorCode::kInvalidArgument);
  CHECK(PostgresErrorCode("22P02") == ErrorCode::kInvalidArgument);
  CHECK(PostgresErrorCode("08006") == ErrorCode::kUnavailable);
  CHECK(PostgresErrorCode("08001") == ErrorCode::kUnavailable);
  CHECK(PostgresErrorCode("57P01") == ErrorCode::kUnavailable);
  CHECK(PostgresErrorCode("53100") == ErrorCode::kResourceExhausted);
  CHECK(PostgresErrorCode("XX001") == ErrorCode::kDataLoss);
  CHECK(PostgresErrorCode("XX002") == ErrorCode::kDataLoss);
  CHECK(PostgresErrorCode("XX000") == ErrorCode::kInternal);
  CHECK(PostgresErrorCode("P0001") == ErrorCode::kInternal);
}

TEST_CASE("A duplicate database is kAlreadyExists though its class is 42") {
  CHECK(PostgresErrorCode("42P04") == ErrorCode::kAlreadyExists);
}

TEST_CASE("The SQLSTATE is kept in the error detail and printed") {
  const Error error(ErrorCode::kAborted, "x", ErrorDomain::kPostgres,
                    (int64_t{'4'} << 32) | (int64_t{'0'} << 24) | (int64_t{'P'} << 16) |
                        (int64_t{'0'} << 8) | int64_t{'1'});
  CHECK(PostgresSqlState(error) == "40P01");
  CHECK(error.ToString().find("SQLSTATE 40P01") != std::string::npos);
  CHECK(PostgresSqlState(Error(ErrorCode::kInternal, "x", ErrorDomain::kSqlite, 5)).empty());
}

TEST_CASE("Opening a store needs at least one connection") {
  PostgresStoreOptions options;
  options.connections = 0;
  CHECK(PostgresStore::Open(options).error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("A server that is not there is unavailable") {
  testing::TempDir dir;  // a socket directory without a server
  PostgresStoreOptions options;
  options.host = dir.path();
  options.port = 5;
  options.dbname = "mykey";
  auto store = PostgresStore::Open(options);
  REQUIRE_FALSE(store);
  CHECK(store.error().code() == ErrorCode::kUnavailable);
  CHECK(PostgresSqlState(store.error()) == "08001");
  CHECK(CreatePostgresDatabase(options, "t_x").error().code() == ErrorCode::kUnavailable);
}

TEST_CASE("Database names outside [a-z][a-z0-9_]* are refused before connecting") {
  PostgresStoreOptions options;
  options.host = "/nonexistent";
  for (const char* name : {"", "1abc", "Abc", "a-b", "a\"; DROP DATABASE x; --"}) {
    CHECK(CreatePostgresDatabase(options, name).error().code() == ErrorCode::kInvalidArgument);
    CHECK(DropPostgresDatabase(options, name).error().code() == ErrorCode::kInvalidArgument);
  }
  CHECK(CreatePostgresDatabase(options, std::string(64, 'a')).error().code() ==
        ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace mykey::cloud
