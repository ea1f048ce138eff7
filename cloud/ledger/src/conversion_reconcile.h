#pragma once

// The part of LedgerService::Reconcile() for partner conversions and
// donations (called inside its read transaction).

#include "mykey/base/result.h"
#include "mykey/ledger/ledger_service.h"
#include "mykey/store/store.h"

namespace mykey::cloud::conversion_reconcile {

/// Sums the `conversion_pending` and `donation` accounts into
/// report.conversion_pending and report.donated (both are part of
/// report.other) and, once the "conversions" component is migrated, checks
/// that each conversion_pending account holds exactly its holder's pending
/// conversions of that programme, that each project's donation account holds
/// exactly its donations, and that every landed conversion has a lot of
/// its points. Adds a problem for each difference.
Status Check(Transaction& tx, ReconcileReport& report);

}  // namespace mykey::cloud::conversion_reconcile
