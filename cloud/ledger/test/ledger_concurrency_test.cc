// Many threads granting, redeeming, holding, capturing, voiding, refunding,
// sweeping and purging on one real store (SQLite, then PostgreSQL); then
// Reconcile() proves the ledger exact.
#include <thread>
#include <vector>

#include "ledger_fixture.h"
#include "mykey/ledger/idempotency_purge.h"

namespace mykey::cloud {
namespace {

using namespace ledger_testing;  // NOLINT(google-build-using-namespace): test fixture

/// Calls `op` again while it answers kAborted (the store gave up retrying:
/// nothing was applied), as a terminal re-sends the same request with the
/// same key. On PostgreSQL (REPEATABLE READ: a holder's operations lock its
/// account and retry on 40001) eight threads on three holders' rows can
/// exhaust the store's own attempts now and then; SQLite's one writer never
/// does. Counts the extra calls in `resent`.
template <typename Op>
auto Resent(std::atomic<int64_t>& resent, Op op) {
  auto result = op();
  for (int i = 0; i < 20 && !result && result.error().code() == ErrorCode::kAborted; ++i) {
    ++resent;
    result = op();
  }
  return result;
}

MYKEY_LEDGER_TEST(
    "Concurrent grants, redemptions, holds, refunds and sweeps keep the ledger exact") {
  LedgerFixture f(FreshStore<TestType>(/*connections=*/8));
  constexpr int kThreads = 8;
  constexpr int kRounds = 40;
  const std::vector<std::string> holders = {"HPLDER23", "HPLDER24", "HPLDER25"};
  // Each holder starts with a little, so redemptions race for the same lots.
  for (const std::string& holder : holders) f.GrantPoints("seed-" + holder, holder, f.health, 50);

  std::atomic<int64_t> granted{150}, redeemed{0}, refused{0}, refunded{0}, errors{0}, resent{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const Caller terminal = Terminal(f.shop, "t" + std::to_string(t));
      for (int i = 0; i < kRounds; ++i) {
        const std::string holder = holders[static_cast<size_t>((t + i) % 3)];
        const std::string key = std::to_string(t) + "-" + std::to_string(i);
        if (t % 4 == 0) {
          GrantRequest grant{"g" + key, holder,      f.health, 2 + i % 3, f.now.load() + kDayMs,
                             "Dept",    "concurrent"};
          auto done = Resent(resent, [&] { return f.ledger->Grant(Operator("131016"), grant); });
          if (done) {
            granted += grant.amount;
          } else {
            ++errors;
          }
          continue;
        }
        const bool hold = i % 3 == 1;
        const RedemptionRequest request{"r" + key, holder, f.health, 3 + i % 4, hold};
        auto r = Resent(resent, [&] { return f.ledger->Redeem(terminal, request); });
        if (!r) {
          if (LedgerReasonOf(r.error()) == LedgerReason::kInsufficientBalance) {
            ++refused;
          } else {
            ++errors;
          }
          continue;
        }
        // The same request again (a lost response): no second effect.
        auto replay = Resent(resent, [&] { return f.ledger->Redeem(terminal, request); });
        if (!replay || !replay->replayed || replay->redemption_id != r->redemption_id) ++errors;
        if (hold) {
          auto finish = Resent(resent, [&] {
            return i % 2 == 0 ? f.ledger->Capture(terminal, "c" + key, r->redemption_id)
                              : f.ledger->Void(terminal, "v" + key, r->redemption_id);
          });
          if (!finish) ++errors;
          if (finish && finish->state == RedemptionState::kCaptured) redeemed += r->amount;
        } else {
          redeemed += r->amount;
          if (i % 5 == 0) {
            auto refund = Resent(resent, [&] {
              return f.ledger->Refund(terminal, {"f" + key, r->redemption_id, 1});
            });
            if (refund) {
              refunded += 1;
            } else {
              ++errors;
            }
          }
        }
        if (i % 10 == 9 && !Resent(resent, [&] { return f.ledger->SweepExpiredLots(); })) ++errors;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  CHECK(errors == 0);
  UNSCOPED_INFO("requests re-sent after kAborted: " << resent.load());
  // Far more is redeemed than granted, so the holders ran dry: the refusal
  // path was raced too.
  CHECK(refused > 0);
  auto report = f.ledger->Reconcile();
  REQUIRE(report);
  for (const std::string& problem : report->problems) UNSCOPED_INFO(problem);
  CHECK(report->ok());
  CHECK(report->issued == granted.load());
  CHECK(report->spent == redeemed.load() - refunded.load());
  CHECK(report->held == 0);
  CHECK(report->issued == report->holder_balances + report->held + report->spent + report->expired);
  int64_t balances = 0;
  for (const std::string& holder : holders) balances += f.BalanceOf(holder, f.health);
  CHECK(balances == report->holder_balances);
}

MYKEY_LEDGER_TEST("Concurrent redemptions with one idempotency key apply once and answer alike") {
  LedgerFixture f(FreshStore<TestType>(/*connections=*/8));
  f.GrantPoints("seed", "HPLDER23", f.health, 100);
  const Caller terminal = Terminal(f.shop, "t1");
  const RedemptionRequest request{"same-key", "HPLDER23", f.health, 30, false};
  constexpr int kThreads = 6;
  std::atomic<int64_t> resent{0};
  std::vector<Result<Redemption>> results(kThreads, Fail(ErrorCode::kInternal, "not run"));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      results[static_cast<size_t>(t)] =
          Resent(resent, [&] { return f.ledger->Redeem(terminal, request); });
    });
  }
  for (std::thread& thread : threads) thread.join();
  int first_answers = 0;
  for (const auto& result : results) {
    REQUIRE(result);
    CHECK(result->redemption_id == results[0]->redemption_id);
    CHECK(result->balance == 70);
    if (!result->replayed) ++first_answers;
  }
  CHECK(first_answers == 1);
  CHECK(f.BalanceOf("HPLDER23", f.health) == 70);
  auto report = f.ledger->Reconcile();
  REQUIRE(report);
  CHECK(report->ok());
  CHECK(report->spent == 30);
}

MYKEY_LEDGER_TEST("A capture and a void of one hold at once settle it once") {
  LedgerFixture f(FreshStore<TestType>(/*connections=*/8));
  f.GrantPoints("seed", "HPLDER23", f.health, 200);
  const Caller terminal = Terminal(f.shop, "t1");
  constexpr int kHolds = 8;
  std::atomic<int64_t> resent{0};
  int64_t captured_points = 0;
  for (int h = 0; h < kHolds; ++h) {
    auto held = f.ledger->Redeem(
        terminal, {"hold-" + std::to_string(h), "HPLDER23", f.health, 5 + h, /*hold=*/true});
    REQUIRE(held);
    Result<Redemption> capture = Fail(ErrorCode::kInternal, "not run");
    Result<Redemption> voided = Fail(ErrorCode::kInternal, "not run");
    std::thread capturing([&] {
      capture = Resent(resent, [&] {
        return f.ledger->Capture(terminal, "c-" + std::to_string(h), held->redemption_id);
      });
    });
    std::thread voiding([&] {
      voided = Resent(resent, [&] {
        return f.ledger->Void(terminal, "v-" + std::to_string(h), held->redemption_id);
      });
    });
    capturing.join();
    voiding.join();
    // Exactly one wins; the other is refused for the state the winner left.
    REQUIRE(static_cast<bool>(capture) != static_cast<bool>(voided));
    if (capture) {
      CHECK(LedgerReasonOf(voided.error()) == LedgerReason::kAlreadyCaptured);
      captured_points += held->amount;
    } else {
      CHECK(LedgerReasonOf(capture.error()) == LedgerReason::kAlreadyVoided);
    }
  }
  auto report = f.ledger->Reconcile();
  REQUIRE(report);
  CHECK(report->ok());
  CHECK(report->held == 0);
  CHECK(report->spent == captured_points);
  CHECK(f.BalanceOf("HPLDER23", f.health) == 200 - captured_points);
}

MYKEY_LEDGER_TEST("Concurrent expiry sweeps expire each lot once") {
  LedgerFixture f(FreshStore<TestType>());
  for (int i = 0; i < 60; ++i) {
    f.GrantPoints("g" + std::to_string(i), "HPLDER2" + std::to_string(i % 5 + 2), f.health, 10, 1);
  }
  f.now += 2 * kDayMs;
  std::atomic<int64_t> items{0}, points{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      auto swept = f.ledger->SweepExpiredLots();
      if (swept) {
        items += swept->items;
        points += swept->points;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(items == 60);
  CHECK(points == 600);
  auto report = f.ledger->Reconcile();
  REQUIRE(report);
  CHECK(report->ok());
  CHECK(report->expired == 600);
}

MYKEY_LEDGER_TEST("Concurrent purges delete each expired idempotency record once") {
  LedgerOptions options;
  options.idempotency_window = std::chrono::hours(1);
  LedgerFixture f(FreshStore<TestType>(), options);
  for (int i = 0; i < 40; ++i) f.GrantPoints("g" + std::to_string(i), "HPLDER23", f.health, 1);
  f.now += 2 * 3'600'000;
  std::atomic<int64_t> purged{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      auto report = PurgeExpiredIdempotencyRecords(*f.store, f.now.load(), /*batch=*/3);
      if (report) {
        purged += report->records;
      } else {
        ++failed;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(failed == 0);
  CHECK(purged == 40);
  int64_t left = -1;
  REQUIRE(f.store->WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
    MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow("SELECT count(*) FROM idempotency_records"));
    left = row->Int(0);
    return Ok();
  }));
  CHECK(left == 0);
}
}  // namespace
}  // namespace mykey::cloud
