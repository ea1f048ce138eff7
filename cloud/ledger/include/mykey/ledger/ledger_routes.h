#pragma once

#include "mykey/api/metrics.h"
#include "mykey/api/router.h"
#include "mykey/auth/caller.h"
#include "mykey/base/result.h"
#include "mykey/ledger/ledger_service.h"

namespace mykey::cloud {

/// Adds the ledger's `/v1/...` routes (see cloud/ledger/README.md):
///
///     POST /v1/grants                           operator: grant points
///     POST /v1/redemptions                      terminal: redeem (or hold)
///     POST /v1/redemptions/{id}/capture         terminal: capture a hold
///     POST /v1/redemptions/{id}/void            terminal: void a hold
///     POST /v1/redemptions/{id}/refunds         terminal: refund
///     GET  /v1/holders/{mykey_id}/balances      terminal / operator
///     GET  /v1/operations/{key}                 the caller's operation by key
///     GET  /v1/reports/settlement               operator: CSV
///     GET  /v1/reports/unused-balances          operator: CSV
///     POST /v1/ledger/sweeps/expired-lots       admin
///     POST /v1/ledger/sweeps/expired-holds      admin
///     GET  /v1/ledger/reconciliation            admin
///
/// Every request is authenticated with `authenticator` first (401/403 from
/// its errors). Operations that move value need an idempotency key (header
/// `Idempotency-Key`, or body member `idempotency_key`); a replay answers the
/// original status and body with `Idempotent-Replayed: true`.
///
/// @param router        the API's router (before serving)
/// @param ledger        borrowed; must outlive the server
/// @param authenticator borrowed; must outlive the server
/// @param metrics       optional; gets `mykey_ledger_operations_total{operation,outcome}`
/// @returns kAlreadyExists if a route is registered already.
Status RegisterLedgerRoutes(Router& router, LedgerService& ledger,
                            RequestAuthenticator& authenticator, Metrics* metrics = nullptr);

}  // namespace mykey::cloud
