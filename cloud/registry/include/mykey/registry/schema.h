#pragma once

#include <span>
#include <string_view>

#include "mykey/store/migrations.h"

namespace mykey::cloud {

/// The registry's schema component in `schema_migrations`.
inline constexpr std::string_view kRegistrySchema = "registry";

/// The registry's own tables (challenges, card sessions, MyKey IDs bound to
/// certificate serials, renewal links, service links, the stop list, revoked
/// serials, the feed's suspension events), numbered 1..N. Apply with
/// `Migrate(store, kRegistrySchema, RegistryMigrations())` after the core
/// schema. See cloud/registry/README.md.
std::span<const Migration> RegistryMigrations();

}  // namespace mykey::cloud
