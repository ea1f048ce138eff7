#include "mykey/auth/request_transaction.h"

#include <optional>

namespace mykey::cloud {

Result<bool> RecordRequestNonce(Transaction& tx, const PendingNonce& pending) {
  if (pending.purge_expired) {
    MYKEY_TRY(
        tx.Execute("DELETE FROM auth_request_nonces WHERE expires_at_ms <= $1", {pending.now_ms}));
  }
  // A nonce whose row expired but was not purged yet is stale anyway: the
  // timestamp check refused it. ON CONFLICT keeps the transaction usable on
  // PostgreSQL, where a failed statement would abort it.
  MYKEY_ASSIGN_OR_RETURN(
      const int64_t inserted,
      tx.Execute("INSERT INTO auth_request_nonces (terminal_id, nonce, expires_at_ms) "
                 "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                 {pending.terminal_id, pending.nonce, pending.expires_at_ms}));
  if (inserted == 0) return false;
  if (pending.touch_last_seen) {
    MYKEY_TRY(tx.Execute("UPDATE auth_terminals SET last_seen_at_ms = $2 WHERE id = $1",
                         {pending.terminal_id, pending.now_ms}));
  }
  return true;
}

Status WithRequestTransaction(Store& store, const Caller& caller,
                              const Store::TransactionFunction& fn) {
  if (!caller.pending_nonce) return store.WithTransaction(TransactionMode::kReadWrite, fn);
  const PendingNonce& pending = *caller.pending_nonce;
  std::optional<Error> refusal;
  bool replayed = false;
  const Status status =
      store.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
        refusal.reset();
        MYKEY_ASSIGN_OR_RETURN(const bool fresh, RecordRequestNonce(tx, pending));
        replayed = !fresh;
        if (!fresh) return Fail(ErrorCode::kUnauthenticated, "X-Mykey-Nonce used already");
        MYKEY_TRY(tx.Execute("SAVEPOINT mykey_request"));
        Status done = fn(tx);
        if (done) {
          MYKEY_TRY(tx.Execute("RELEASE SAVEPOINT mykey_request"));
          return Ok();
        }
        if (done.error().code() == ErrorCode::kAborted) return done;
        // A refusal: undo the route's work, keep the nonce. If the savepoint
        // cannot be rolled back (PostgreSQL aborted the transaction), the
        // whole transaction goes, nonce included.
        if (!tx.Execute("ROLLBACK TO SAVEPOINT mykey_request") ||
            !tx.Execute("RELEASE SAVEPOINT mykey_request")) {
          return done;
        }
        refusal = done.error();
        return Ok();
      });
  if (!status) {
    if (replayed && pending.on_replay) pending.on_replay();
    return status;
  }
  if (refusal) return Fail(*refusal);
  return Ok();
}

}  // namespace mykey::cloud
