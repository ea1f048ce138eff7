// The purge of idempotency records past their window (declared in
// mykey/ledger/idempotency_purge.h).
#include "mykey/ledger/idempotency_purge.h"

namespace mykey::cloud {

Result<IdempotencyPurgeReport> PurgeExpiredIdempotencyRecords(Store& store, int64_t now_ms,
                                                              int batch) {
  if (batch < 1) return Fail(ErrorCode::kInvalidArgument, "a purge batch needs at least 1 record");
  IdempotencyPurgeReport report;
  for (;;) {
    int64_t deleted = 0;
    // The row-value IN deletes exactly the records the subquery chose, on
    // both SQLite and PostgreSQL (neither has DELETE ... LIMIT in common).
    MYKEY_TRY(store.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
      MYKEY_ASSIGN_OR_RETURN(
          deleted, tx.Execute("DELETE FROM idempotency_records WHERE (caller, idempotency_key) IN"
                              " (SELECT caller, idempotency_key FROM idempotency_records"
                              " WHERE expires_at_ms <= $1 ORDER BY expires_at_ms LIMIT $2)",
                              {now_ms, int64_t{batch}}));
      return Ok();
    }));
    report.records += deleted;
    ++report.transactions;
    if (deleted < batch) return report;
  }
}

}  // namespace mykey::cloud
