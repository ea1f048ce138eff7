#pragma once

#include <cstdint>

#include "mykey/base/result.h"
#include "mykey/store/store.h"

namespace mykey::cloud {

/// What a purge of idempotency records did.
struct IdempotencyPurgeReport {
  int64_t records = 0;       ///< records deleted
  int64_t transactions = 0;  ///< batches committed
};

/// Deletes the idempotency records (core table `idempotency_records`) whose
/// window has ended (`expires_at_ms <= now_ms`): their keys may be used again
/// anyway, so nothing answers differently afterwards. Deletes at most `batch`
/// records per transaction, oldest first, until none is left, so writers are
/// never held up for long. Safe to run concurrently with requests and with
/// other purges (of this or other processes): each batch is its own
/// transaction and a record is deleted once.
/// @param store  a store migrated with CloudMigrations()
/// @param now_ms the time, Unix milliseconds
/// @param batch  records per transaction, at least 1
/// @returns what was deleted; kInvalidArgument for a batch below 1; the
///          store's errors (after its retries), with the records of batches
///          already committed staying deleted.
Result<IdempotencyPurgeReport> PurgeExpiredIdempotencyRecords(Store& store, int64_t now_ms,
                                                              int batch = 1000);

}  // namespace mykey::cloud
