#pragma once

#include "mykey/api/api_error.h"
#include "mykey/api/metrics.h"
#include "mykey/api/router.h"
#include "mykey/auth/caller.h"
#include "mykey/base/result.h"
#include "mykey/registry/registry.h"

namespace mykey::cloud {

/// Adds the registry's routes (cloud/registry/README.md has the table):
///
/// terminals: `POST /v1/card-auth/challenges`, `POST /v1/card-auth/sessions`,
/// `POST /v1/mykey-ids`, `POST /v1/mykey-ids/change`, `POST /v1/mykey-ids/move`,
/// `POST /v1/mykey-ids/report-lost`, `PUT /v1/service-links`,
/// `GET|DELETE /v1/service-links/self?session=...`;
/// operators: `POST /v1/registry/suspensions` and
/// `DELETE /v1/registry/suspensions/{mykey_id}` (admin or municipality scope),
/// `POST /v1/registry/renewal-links` (admin);
/// both: `GET /v1/revocations?since=N&limit=M`, `GET /v1/jpki/auth-cas` (the
/// trusted JPKI auth CA certificates, `{"certificates":[{"der":<Base64>,
/// "sha256":<hex>}]}`, for terminals' offline card checks).
///
/// Every route authenticates with `authenticator` first (401/403 from its
/// errors); a terminal route called by an operator (or the reverse) is
/// forbidden. MyKey IDs and serials go to the request log only through
/// RouteContext::log_identifiers (masked).
/// @param router        the API's router (before serving)
/// @param registry      borrowed; must outlive the router
/// @param authenticator borrowed; must outlive the router
/// @param metrics       optional: counts card authentications by result
///                      (`mykey_registry_card_auth_total{result}`)
/// @returns kAlreadyExists if a route is registered already.
Status RegisterRegistryRoutes(Router& router, RegistryService& registry,
                              RequestAuthenticator& authenticator, Metrics* metrics = nullptr);

/// The API error of a registry error: ApiErrorFrom() (refusals map by their
/// error code: 401, 403, 404 or 409) plus the refusal's name as `reason`
/// ("certificate_expired", "challenge_used", ...).
ApiError RegistryApiError(const Error& error);

}  // namespace mykey::cloud
