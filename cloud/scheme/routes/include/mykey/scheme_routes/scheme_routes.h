#pragma once

// The operator API over the parties of the scheme: municipalities and their
// policy, programmes, merchants and what they accept, providers.

#include "mykey/api/router.h"
#include "mykey/auth/caller.h"
#include "mykey/base/result.h"
#include "mykey/store/store.h"

namespace mykey::cloud {

/// Registers the scheme routes (cloud/README.md lists them with their
/// rules):
///
/// | route | who |
/// |---|---|
/// | `GET /v1/municipalities` | admin (all), a municipality (itself) |
/// | `POST /v1/municipalities` | admin |
/// | `PUT /v1/municipalities/{code}/policy` | admin, the municipality |
/// | `GET, POST /v1/municipalities/{code}/programmes` | admin, the municipality |
/// | `GET, POST /v1/municipalities/{code}/merchants` | admin, the municipality |
/// | `GET /v1/merchants/{id}` | admin, the merchant's municipality, its terminals |
/// | `PUT, DELETE /v1/merchants/{id}/programmes/{programme_id}` | admin, the programme's
/// municipality | | `PUT, DELETE /v1/merchants/{id}/suspension` | admin, the merchant's
/// municipality | | `GET, POST /v1/providers` | admin | | `GET /v1/providers/self` | a provider |
///
/// Another operator's resources answer 404, not 403, so that nobody learns
/// what exists elsewhere.
///
/// @param store borrowed; migrated with CloudMigrations(); must outlive the router
/// @param authenticator borrowed; must outlive the router
/// @returns kAlreadyExists if a route is registered already.
Status RegisterSchemeRoutes(Router& router, Store& store, RequestAuthenticator& authenticator);

}  // namespace mykey::cloud
