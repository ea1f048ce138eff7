#pragma once

// The vouchers of `mykey-cloud serve`: the voucher key from the keys
// directory, the VoucherService, its routes, and a thread that runs the
// voucher sweeps (pending vouchers every minute, expired ones every hour).

#include <memory>
#include <ostream>
#include <string>

#include "mykey/api/metrics.h"
#include "mykey/api/router.h"
#include "mykey/auth/caller.h"
#include "mykey/base/result.h"
#include "mykey/ledger/ledger_routes.h"
#include "mykey/ledger/ledger_service.h"
#include "mykey/store/store.h"

namespace mykey::cloud {

/// Running voucher service and sweeps; destroying it stops the sweeps.
///
/// Thread safety: created and destroyed by the serving thread.
class VoucherServing {
 public:
  virtual ~VoucherServing() = default;
};

/// Loads `keys_dir`/voucher_signing.key.pem (made by `mykey-cloud init`),
/// creates the VoucherService, adds its routes to `router` and starts the
/// sweeps. `card_sessions` checks the holder's card session a terminal
/// presents to issue a points voucher (see RegisterVoucherRoutes()).
/// @returns the running part; kUnavailable if the key file cannot be read;
///          kDataLoss if it does not parse; kFailedPrecondition if the store
///          records another current voucher key; kAlreadyExists for a route
///          registered twice.
Result<std::unique_ptr<VoucherServing>> StartVouchers(Store& store, LedgerService& ledger,
                                                      const std::string& keys_dir, Router& router,
                                                      RequestAuthenticator& authenticator,
                                                      Metrics* metrics,
                                                      CardSessionCheck card_sessions = {});

}  // namespace mykey::cloud
