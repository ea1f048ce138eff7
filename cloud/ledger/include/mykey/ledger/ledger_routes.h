#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "mykey/api/metrics.h"
#include "mykey/api/router.h"
#include "mykey/auth/caller.h"
#include "mykey/base/result.h"
#include "mykey/ledger/ledger_service.h"

namespace mykey::cloud {

/// Checks a card session a terminal presents for a holder (the registry's
/// RegistryService::SessionMyKeyId(), passed in by the composition root so
/// the ledger does not hold the registry): the session must be live, opened
/// at `terminal_id`, and its holder must have a MyKey ID.
/// @returns the holder's MyKey ID; the registry's refusals
///          (kUnauthenticated, kPermissionDenied, kNotFound with a
///          RegistryRefusal detail).
using CardSessionCheck =
    std::function<Result<std::string>(std::string_view terminal_id, std::string_view token)>;

/// Adds the ledger's `/v1/...` routes (see cloud/ledger/README.md):
///
///     POST /v1/grants                           operator: grant points
///     POST /v1/redemptions                      terminal: redeem (or hold)
///     POST /v1/redemptions/{id}/capture         terminal: capture a hold
///     POST /v1/redemptions/{id}/void            terminal: void a hold
///     POST /v1/redemptions/{id}/refunds         terminal: refund
///     GET  /v1/holders/{mykey_id}/balances      terminal (?session=) / operator
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
/// A terminal reads balances only with a card session of that holder opened
/// at that terminal (query `session`, checked with `card_sessions`); without
/// a check function terminals get 403.
///
/// @param metrics       optional; gets `mykey_ledger_operations_total{operation,outcome}`
/// @param card_sessions checks a terminal's card session (null: terminals may not read balances)
/// @returns kAlreadyExists if a route is registered already.
Status RegisterLedgerRoutes(Router& router, LedgerService& ledger,
                            RequestAuthenticator& authenticator, Metrics* metrics = nullptr,
                            CardSessionCheck card_sessions = {});

}  // namespace mykey::cloud
