#pragma once

#include "mykey/api/metrics.h"
#include "mykey/api/router.h"
#include "mykey/auth/caller.h"
#include "mykey/base/result.h"
#include "mykey/ledger/conversion_service.h"
#include "mykey/ledger/ledger_routes.h"

namespace mykey::cloud {

/// Adds the `/v1/...` routes of partner conversions, coupons, premiums,
/// default municipalities and donations (see cloud/ledger/README.md):
///
///     POST /v1/partners                                   admin: register a partner
///     POST /v1/conversions                                partner: convert online
///     GET  /v1/conversions/{id}                           partner (its own) / admin
///     POST /v1/coupons                                    partner / admin: issue codes
///     POST /v1/coupon-conversions                         terminal + card session
///     PUT  /v1/holders/{mykey_id}/default-municipality    terminal + card session / admin
///     PUT  /v1/municipalities/{code}/landing-programme    municipality operator / admin
///     PUT  /v1/programmes/{id}/premium                    municipality operator / admin
///     POST /v1/donations                                  terminal + card session
///     GET  /v1/projects/{id}/donors                       municipality operator / admin
///     POST /v1/ledger/sweeps/conversions                  admin: land due conversions
///
/// Terminal routes take the holder's card session (body member `session`)
/// and act for the MyKey ID `card_sessions` answers, never for one the
/// terminal names. Value-moving routes need an idempotency key (header
/// `Idempotency-Key` or body member `idempotency_key`).
///
/// @param router        the API's router (before serving)
/// @param conversions   borrowed; must outlive the server
/// @param authenticator borrowed; must outlive the server
/// @param card_sessions checks a terminal's card session (null: terminal routes answer 403)
/// @param metrics       optional; counts into `mykey_ledger_operations_total`
/// @returns kAlreadyExists if a route is registered already.
Status RegisterConversionRoutes(Router& router, ConversionService& conversions,
                                RequestAuthenticator& authenticator, CardSessionCheck card_sessions,
                                Metrics* metrics = nullptr);

}  // namespace mykey::cloud
