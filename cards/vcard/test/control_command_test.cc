#include "control_command.h"

#include "mykey/testing/catch.h"

namespace mykey::vcard {
namespace {

TEST_CASE("Control lines parse into commands") {
  auto insert = ParseControlLine("insert");
  REQUIRE(insert);
  CHECK(insert->verb == ControlVerb::kInsert);
  CHECK(insert->card_path.empty());

  auto other = ParseControlLine("  insert /tmp/other card.json");
  CHECK_FALSE(other);
  auto other_card = ParseControlLine("insert /tmp/other.json\r");
  REQUIRE(other_card);
  CHECK(other_card->card_path == "/tmp/other.json");

  auto after = ParseControlLine("remove-after 12");
  REQUIRE(after);
  CHECK(after->verb == ControlVerb::kRemoveAfter);
  CHECK(after->commands == 12);

  CHECK(ParseControlLine("remove")->verb == ControlVerb::kRemove);
  CHECK(ParseControlLine("status")->verb == ControlVerb::kStatus);
  CHECK(ParseControlLine("quit")->verb == ControlVerb::kQuit);
}

TEST_CASE("Malformed control lines are refused") {
  for (const char* line :
       {"", "   ", "eject", "remove now", "status 1", "remove-after", "remove-after -1",
        "remove-after 1x", "remove-after 4294967296", "remove-after 1 2", "QUIT"}) {
    CAPTURE(line);
    auto command = ParseControlLine(line);
    REQUIRE_FALSE(command);
    CHECK(command.error().code() == ErrorCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace mykey::vcard
