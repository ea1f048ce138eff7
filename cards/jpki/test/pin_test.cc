#include "mykey/jpki/pin.h"

#include <string>
#include <type_traits>

#include "mykey/testing/catch.h"

namespace mykey::jpki {
namespace {

static_assert(!std::is_copy_constructible_v<Pin>);
static_assert(!std::is_copy_assignable_v<Pin>);
static_assert(std::is_nothrow_move_constructible_v<Pin>);

TEST_CASE("an auth PIN is exactly four ASCII digits", "[pin]") {
  auto pin = Pin::AuthPin("0123");
  REQUIRE(pin);
  CHECK(pin->kind() == Pin::Kind::kAuthPin);
  CHECK(pin->size() == 4);
  for (std::string_view bad : {"", "123", "12345", "12a4", "１２３４", "12 4", "-123"}) {
    INFO(bad.size());
    auto refused = Pin::AuthPin(bad);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code() == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("a signature password is 6 to 16 upper-case letters and digits", "[pin]") {
  CHECK(Pin::SignPassword("ABC123"));
  CHECK(Pin::SignPassword("ABCDEFGHIJ123456"));
  for (std::string_view bad : {"ABC12", "ABCDEFGHIJ1234567", "abc123", "ABC 123", "ABC-123"}) {
    INFO(bad.size());
    auto refused = Pin::SignPassword(bad);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code() == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("a refused PIN is never echoed in the error", "[pin]") {
  for (std::string_view bad : {"98765", "9a87", "SECRET7x"}) {
    auto auth = Pin::AuthPin(bad);
    auto sign = Pin::SignPassword(bad);
    REQUIRE_FALSE(auth);
    REQUIRE_FALSE(sign);
    CHECK(auth.error().ToString().find(bad) == std::string::npos);
    CHECK(sign.error().ToString().find(bad) == std::string::npos);
  }
}

TEST_CASE("a PIN can be moved and cleared", "[pin]") {
  auto pin = Pin::AuthPin("4321");
  REQUIRE(pin);
  Pin moved = std::move(*pin);
  CHECK(moved.size() == 4);
  CHECK(pin->empty());  // NOLINT(bugprone-use-after-move): the source is left empty
  moved.Clear();
  CHECK(moved.empty());
}

}  // namespace
}  // namespace mykey::jpki
