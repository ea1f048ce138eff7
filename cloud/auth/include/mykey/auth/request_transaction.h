#pragma once

// One commit per signed request: a value-moving route authenticates with
// NonceRecording::kInRouteTransaction and runs its work through
// WithRequestTransaction(), which records the request's nonce in the same
// read-write transaction.

#include "mykey/auth/caller.h"
#include "mykey/base/result.h"
#include "mykey/store/store.h"

namespace mykey::cloud {

/// Records a checked nonce in `tx` (auth_request_nonces), purges expired
/// nonces and writes the terminal's last_seen_at_ms when `pending` says so.
/// @returns true if the nonce is new, false if the terminal used it before
///          (then nothing was written); store errors as Transaction lists.
Result<bool> RecordRequestNonce(Transaction& tx, const PendingNonce& pending);

/// Runs `fn` in one read-write transaction of `store` (as
/// Store::WithTransaction(kReadWrite, fn)) that first records the caller's
/// `pending_nonce`, if any:
///  - a nonce used before refuses the request (kUnauthenticated,
///    "X-Mykey-Nonce used already") and `fn` does not run;
///  - when `fn` succeeds, its work and the nonce commit together;
///  - when `fn` refuses (any error but kAborted), its work is rolled back to
///    a savepoint taken after the nonce, and the nonce still commits: a
///    replay of a refused request stays refused even if it would succeed
///    later; `fn`'s error is returned;
///  - when `fn` (or the store) fails with kAborted, the whole transaction,
///    nonce included, is retried as WithTransaction() does.
/// A retry by the terminal with a new nonce is unaffected in every case.
/// Without a pending nonce this is WithTransaction(kReadWrite, fn).
/// @returns `fn`'s status, kUnauthenticated for a replay, or a store error.
///
/// Thread safety: as Store::WithTransaction().
Status WithRequestTransaction(Store& store, const Caller& caller,
                              const Store::TransactionFunction& fn);

}  // namespace mykey::cloud
