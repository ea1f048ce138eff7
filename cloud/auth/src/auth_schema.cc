// The "auth" schema component. Portable DDL (ExpandDialect() tokens); times
// are Unix milliseconds; secrets are stored only as SHA-256 hashes.
//
// These tables are the module's own rather than the core schema's
// `terminals` / `enrollment_codes` / `api_tokens`: a terminal here keeps its
// SubjectPublicKeyInfo DER and is enrolled for a site named by text ids (site
// kind, site id, provider id, municipality) that need not be rows of
// `merchants` / `providers` yet; enrollment codes carry a per-code salt and a
// lookup id; token ids are random text, not sequence numbers.
#include <array>
#include <chrono>

#include "mykey/auth/auth_schema.h"

namespace mykey::cloud {

namespace {

constexpr std::string_view kAuthTables = R"sql(
CREATE TABLE auth_enrollment_codes (
  id {{text}} PRIMARY KEY CHECK (length(id) = 8),
  salt {{blob}} NOT NULL CHECK (length(salt) = 16),
  secret_hash {{blob}} NOT NULL CHECK (length(secret_hash) = 32),
  site_kind {{text}} NOT NULL CHECK (site_kind IN ('merchant', 'library', 'kiosk', 'facility')),
  site_id {{text}} NOT NULL CHECK (length(site_id) BETWEEN 1 AND 64),
  provider_id {{text}} NOT NULL CHECK (length(provider_id) BETWEEN 1 AND 64),
  municipality_code {{text}} NOT NULL CHECK (length(municipality_code) = 6),
  created_at_ms {{int}} NOT NULL,
  expires_at_ms {{int}} NOT NULL,
  used_at_ms {{int}},
  terminal_id {{text}}
){{strict}};

CREATE TABLE auth_terminals (
  id {{text}} PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
  name {{text}} NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  public_key {{blob}} NOT NULL UNIQUE,
  site_kind {{text}} NOT NULL CHECK (site_kind IN ('merchant', 'library', 'kiosk', 'facility')),
  site_id {{text}} NOT NULL CHECK (length(site_id) BETWEEN 1 AND 64),
  provider_id {{text}} NOT NULL CHECK (length(provider_id) BETWEEN 1 AND 64),
  municipality_code {{text}} NOT NULL CHECK (length(municipality_code) = 6),
  status {{text}} NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  enrollment_code_id {{text}} NOT NULL,
  enrolled_at_ms {{int}} NOT NULL,
  last_seen_at_ms {{int}}
){{strict}};

CREATE INDEX auth_terminals_by_site ON auth_terminals (provider_id, site_id);

CREATE TABLE auth_request_nonces (
  terminal_id {{text}} NOT NULL,
  nonce {{text}} NOT NULL,
  expires_at_ms {{int}} NOT NULL,
  PRIMARY KEY (terminal_id, nonce)
){{strict}};

CREATE INDEX auth_request_nonces_by_expiry ON auth_request_nonces (expires_at_ms);

CREATE TABLE auth_api_tokens (
  id {{text}} PRIMARY KEY CHECK (length(id) = 12),
  secret_hash {{blob}} NOT NULL CHECK (length(secret_hash) = 32),
  name {{text}} NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  scope {{text}} NOT NULL CHECK (scope IN ('admin', 'municipality', 'provider', 'partner')),
  scope_id {{text}},
  created_at_ms {{int}} NOT NULL,
  revoked_at_ms {{int}},
  CHECK ((scope = 'admin') = (scope_id IS NULL))
){{strict}};
)sql";

constexpr std::array<Migration, 1> kMigrations = {{
    {1, "auth: enrollment codes, terminals, request nonces, operator API tokens", kAuthTables},
}};

}  // namespace

std::span<const Migration> AuthMigrations() {
  return kMigrations;
}

Result<MigrationReport> MigrateAuth(Store& store) {
  return Migrate(store, kAuthSchema, AuthMigrations());
}

int64_t SystemUnixMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace mykey::cloud
