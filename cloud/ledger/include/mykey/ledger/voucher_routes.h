#pragma once

#include "mykey/api/metrics.h"
#include "mykey/api/router.h"
#include "mykey/auth/caller.h"
#include "mykey/base/result.h"
#include "mykey/ledger/ledger_routes.h"
#include "mykey/ledger/voucher_service.h"

namespace mykey::cloud {

/// Adds the voucher routes (see the "Vouchers" section of cloud/ledger/README.md):
///
///     POST /v1/vouchers                              terminal: issue (pending_print)
///     POST /v1/vouchers/{serial}/confirm-printed     issuing terminal: the printer confirmed
///     POST /v1/vouchers/{serial}/void                issuing terminal: the print failed
///     POST /v1/vouchers/{serial}/reprint             issuing terminal: a duplicate (再発行)
///     POST /v1/vouchers/{serial}/redeem              merchant terminal: redeem once
///     GET  /v1/vouchers/{serial}                     issuer, redeemer, operator
///     GET  /v1/voucher-keys                          anyone: the verification keys
///     PUT  /v1/programmes/{id}/voucher-policy        operator: {"expired": "sink"|"return"}
///     GET  /v1/reports/vouchers?municipality=        operator: per programme and state
///     GET  /v1/reports/voucher-settlement?merchant_id=&from=&to=   operator: CSV
///     POST /v1/voucher-sweeps/expired, .../pending   admin
///     GET  /v1/voucher-reconciliation                admin
///
/// Value-moving POSTs need an idempotency key (header `Idempotency-Key` or
/// body member `idempotency_key`); a replay answers the original status and
/// body with `Idempotent-Replayed: true`. Refusals carry `"reason"`.
///
/// A terminal issuing a points voucher spends a holder's points: with
/// `card_sessions` set, the body must carry `session`, the holder's live card
/// session opened at this terminal for that `mykey_id` (400 invalid_field
/// `session` without it; the registry's refusal, e.g. 401 session_expired /
/// session_other_terminal, for a session that is not live here; 403
/// session_other_holder for another holder's). Operators, and cash vouchers,
/// need no session. Without `card_sessions` (a cloud with no card
/// authentication, so no card sessions at all) a terminal's points voucher is
/// refused with 403 forbidden, reason card_sessions_unavailable.
///
/// @param router        the API's router (before serving)
/// @param vouchers      borrowed; must outlive the server
/// @param authenticator borrowed; must outlive the server
/// @param metrics       optional; gets `mykey_voucher_operations_total{operation,outcome}`
/// @param card_sessions checks a terminal's card session (see above)
/// @returns kAlreadyExists if a route is registered already.
Status RegisterVoucherRoutes(Router& router, VoucherService& vouchers,
                             RequestAuthenticator& authenticator, Metrics* metrics = nullptr,
                             CardSessionCheck card_sessions = {});

}  // namespace mykey::cloud
