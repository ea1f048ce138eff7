#pragma once

// Partner conversions, coupons, premiums and donations in `mykey-cloud
// serve`: the "conversions" schema component, the ConversionService, its
// routes, the card-session check the ledger's terminal routes use, and a
// thread that lands due conversions every ten minutes.

#include <memory>

#include "mykey/api/metrics.h"
#include "mykey/api/router.h"
#include "mykey/auth/caller.h"
#include "mykey/base/result.h"
#include "mykey/ledger/ledger_routes.h"
#include "mykey/registry/registry.h"
#include "mykey/store/store.h"

namespace mykey::cloud {

/// The registry's card-session check for the ledger's routes (null when the
/// registry is off: terminals then may not read balances, donate or type
/// coupons).
CardSessionCheck CardSessionCheckOf(RegistryService* registry);

/// Running conversion service and sweep; destroying it stops the sweep.
///
/// Thread safety: created and destroyed by the serving thread.
class PointsServing {
 public:
  virtual ~PointsServing() = default;
};

/// Migrates component "conversions", creates the ConversionService, adds its
/// routes to `router` and starts the landing sweep.
/// @param registry null when card authentication is off
/// @returns the running part; migration errors; kAlreadyExists for a route
///          registered twice.
Result<std::unique_ptr<PointsServing>> StartPoints(Store& store, RegistryService* registry,
                                                   Router& router,
                                                   RequestAuthenticator& authenticator,
                                                   Metrics* metrics);

}  // namespace mykey::cloud
