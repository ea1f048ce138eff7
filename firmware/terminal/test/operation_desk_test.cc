#include "mykey/terminal/operation_desk.h"

#include "gated_executor.h"
#include "mykey/testing/catch.h"

namespace mykey::terminal {
namespace {

using namespace std::chrono_literals;
using testing::GatedExecutor;

OperationRequest Request(OperationKind kind) {
  OperationRequest request;
  request.kind = kind;
  return request;
}

TEST_CASE("a second operation while one runs is refused as busy") {
  GatedExecutor executor;
  OperationDesk desk(executor);
  auto first = desk.Submit(Request(OperationKind::kRedeem), Submitter::kApi);
  REQUIRE(first.has_value());
  executor.WaitStarted(1);
  auto second = desk.Submit(Request(OperationKind::kWhoIsThis), Submitter::kApi);
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().code() == ErrorCode::kFailedPrecondition);
  CHECK(desk.Current() == *first);
  executor.Release();
  auto final = desk.WaitForFinal(*first);
  REQUIRE(final);
  CHECK(final->state == OperationState::kDone);
  REQUIRE(desk.WaitUntilFree(30s));
  CHECK_FALSE(desk.Current().has_value());
  REQUIRE(desk.Submit(Request(OperationKind::kWhoIsThis), Submitter::kApi).has_value());
  executor.WaitStarted(2);
  executor.Release();
}

TEST_CASE("a cancelled operation reaches the final state cancelled") {
  GatedExecutor executor;
  OperationDesk desk(executor);
  auto id = desk.Submit(Request(OperationKind::kRedeem), Submitter::kApi);
  REQUIRE(id);
  executor.WaitStarted(1);
  REQUIRE(desk.Cancel(*id).has_value());
  auto final = desk.WaitForFinal(*id);
  REQUIRE(final);
  CHECK(final->state == OperationState::kCancelled);
  REQUIRE(final->result);
  CHECK(final->result->reason == "cancelled");
  // Cancelling again is refused: it is final.
  auto again = desk.Cancel(*id);
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().code() == ErrorCode::kFailedPrecondition);
}

TEST_CASE("cancelling an unknown operation is not found") {
  GatedExecutor executor;
  OperationDesk desk(executor);
  auto status = desk.Cancel("op-1-0000");
  REQUIRE_FALSE(status.has_value());
  CHECK(status.error().code() == ErrorCode::kNotFound);
  CHECK_FALSE(desk.Get("op-1-0000").has_value());
}

TEST_CASE("an executor that returns a non-final state still leaves the operation final") {
  GatedExecutor executor;
  executor.finish_with = OperationState::kRunning;
  OperationDesk desk(executor);
  auto id = desk.Submit(Request(OperationKind::kRedeem), Submitter::kApi);
  REQUIRE(id);
  executor.WaitStarted(1);
  executor.Release();
  auto final = desk.WaitForFinal(*id);
  REQUIRE(final);
  CHECK(final->state == OperationState::kFailed);
  CHECK(final->result->reason == "internal");
}

TEST_CASE("an idle lookup that no card reached gives way to an API request") {
  GatedExecutor executor;
  OperationDesk desk(executor);
  auto idle = desk.Submit(Request(OperationKind::kLibraryLookup), Submitter::kIdle);
  REQUIRE(idle);
  executor.WaitStarted(1);
  auto api = desk.Submit(Request(OperationKind::kWhoIsThis), Submitter::kApi);
  REQUIRE(api.has_value());
  auto idle_final = desk.WaitForFinal(*idle);
  CHECK(idle_final->state == OperationState::kCancelled);
  executor.WaitStarted(2);
  executor.Release();
  CHECK(desk.WaitForFinal(*api)->state == OperationState::kDone);
}

TEST_CASE("an idle lookup that a card reached is not preempted") {
  GatedExecutor executor;
  executor.card_seen = true;
  OperationDesk desk(executor);
  auto idle = desk.Submit(Request(OperationKind::kLibraryLookup), Submitter::kIdle);
  REQUIRE(idle);
  executor.WaitStarted(1);
  auto api = desk.Submit(Request(OperationKind::kWhoIsThis), Submitter::kApi);
  REQUIRE_FALSE(api.has_value());
  executor.Release();
  CHECK(desk.WaitForFinal(*idle)->state == OperationState::kDone);
}

TEST_CASE("waiting for a change returns the new events") {
  GatedExecutor executor;
  OperationDesk desk(executor);
  auto id = desk.Submit(Request(OperationKind::kRedeem), Submitter::kApi);
  REQUIRE(id);
  auto snapshot = desk.WaitForChange(*id, 0, 30s);
  REQUIRE(snapshot);
  REQUIRE(snapshot->events.size() >= 1);
  CHECK(snapshot->events[0].sequence == 1);
  CHECK(snapshot->events[0].name == "waiting_for_card");
  executor.Release();
  CHECK(desk.WaitForChange(*id, 1, 30s)->state == OperationState::kDone);
}

TEST_CASE("stopping the desk cancels the running operation, which ends final") {
  GatedExecutor executor;
  std::optional<OperationDesk> desk(std::in_place, executor);
  auto id = desk->Submit(Request(OperationKind::kRedeem), Submitter::kApi);
  REQUIRE(id);
  executor.WaitStarted(1);
  desk.reset();  // returns only once the executor gave up
  CHECK(executor.cancels() >= 1);
}

TEST_CASE("the result is out before the desk settles, and the desk is busy until it has") {
  GatedExecutor executor;
  executor.gate_settle = true;
  OperationDesk desk(executor);
  auto id = desk.Submit(Request(OperationKind::kRedeem), Submitter::kApi);
  REQUIRE(id);
  executor.WaitStarted(1);
  executor.Release();
  executor.WaitSettling(1);
  auto final = desk.Get(*id);
  REQUIRE(final);
  CHECK(final->state == OperationState::kDone);  // the POS has its answer
  auto next = desk.Submit(Request(OperationKind::kWhoIsThis), Submitter::kApi);
  REQUIRE_FALSE(next.has_value());  // the card is still on the reader
  CHECK(desk.Current() == *id);
  executor.ReleaseSettle();
  // Once settled the desk takes the next operation.
  REQUIRE(desk.WaitUntilFree(30s));
  REQUIRE(desk.Submit(Request(OperationKind::kWhoIsThis), Submitter::kApi).has_value());
  executor.WaitStarted(2);
  executor.Release();
  executor.WaitSettling(2);
  executor.ReleaseSettle();
}

TEST_CASE("the desk is healthy while its thread runs") {
  GatedExecutor executor;
  OperationDesk desk(executor);
  CHECK(desk.Healthy(30s));
}

}  // namespace
}  // namespace mykey::terminal
