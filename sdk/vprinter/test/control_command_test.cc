#include "mykey/vprinter/control_command.h"

#include "mykey/testing/catch.h"

namespace mykey::vprinter {
namespace {

TEST_CASE("Fault commands parse to their fault") {
  auto command = ParseControlLine(" paper-out \r");
  REQUIRE(command);
  CHECK(command->verb == ControlVerb::kFault);
  CHECK(command->fault == Fault::kPaperOut);
  command = ParseControlLine("ok");
  REQUIRE(command);
  CHECK(command->fault == Fault::kNone);
  command = ParseControlLine("cover-open");
  REQUIRE(command);
  CHECK(command->fault == Fault::kCoverOpen);
}

TEST_CASE("A fault-after command carries its byte count") {
  auto command = ParseControlLine("paper-out-after 200");
  REQUIRE(command);
  CHECK(command->verb == ControlVerb::kFaultAfter);
  CHECK(command->fault == Fault::kPaperOut);
  CHECK(command->bytes == 200);
}

TEST_CASE("The auto-cutter error is a fault like the others, also after N bytes") {
  auto command = ParseControlLine("error");
  REQUIRE(command);
  CHECK(command->verb == ControlVerb::kFault);
  CHECK(command->fault == Fault::kError);
  command = ParseControlLine("error-after 12");
  REQUIRE(command);
  CHECK(command->verb == ControlVerb::kFaultAfter);
  CHECK(command->fault == Fault::kError);
  CHECK(command->bytes == 12);
}

TEST_CASE("Bad control lines are invalid arguments") {
  for (const char* line :
       {"", "paper", "paper-out-after", "paper-out-after x", "ok 3", "status now", "jam-after 3"}) {
    INFO(line);
    auto command = ParseControlLine(line);
    REQUIRE_FALSE(command);
    CHECK(command.error().code() == ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace mykey::vprinter
