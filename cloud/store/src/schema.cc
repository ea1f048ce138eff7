// The cloud's schema, as numbered migrations (documented in cloud/README.md).
// Portable DDL: the tokens are expanded per dialect by ExpandDialect(); times
// are Unix milliseconds in integers; amounts (later) are integer points.
#include <array>

#include "mykey/store/migrations.h"

namespace mykey::cloud {

namespace {

constexpr std::string_view kInitialSchema = R"sql(
CREATE TABLE municipalities (
  code {{text}} PRIMARY KEY CHECK (length(code) = 6),
  name {{text}} NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  cross_municipality_use {{int}} NOT NULL DEFAULT 0 CHECK (cross_municipality_use IN (0, 1)),
  created_at_ms {{int}} NOT NULL
){{strict}};

CREATE TABLE programmes (
  id {{id}},
  municipality_code {{text}} NOT NULL REFERENCES municipalities (code),
  code {{text}} NOT NULL CHECK (length(code) BETWEEN 1 AND 64),
  name {{text}} NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  kind {{text}} NOT NULL CHECK (kind IN ('points', 'event', 'project')),
  created_at_ms {{int}} NOT NULL,
  UNIQUE (municipality_code, code)
){{strict}};

CREATE TABLE merchants (
  id {{id}},
  municipality_code {{text}} NOT NULL REFERENCES municipalities (code),
  name {{text}} NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  kind {{text}} NOT NULL CHECK (kind IN ('shop', 'library', 'kiosk', 'facility')),
  status {{text}} NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  created_at_ms {{int}} NOT NULL
){{strict}};

CREATE TABLE merchant_programmes (
  merchant_id {{int}} NOT NULL REFERENCES merchants (id),
  programme_id {{int}} NOT NULL REFERENCES programmes (id),
  PRIMARY KEY (merchant_id, programme_id)
){{strict}};

CREATE TABLE providers (
  id {{id}},
  code {{text}} NOT NULL UNIQUE CHECK (length(code) BETWEEN 1 AND 64),
  name {{text}} NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at_ms {{int}} NOT NULL
){{strict}};

CREATE TABLE terminals (
  id {{id}},
  merchant_id {{int}} NOT NULL REFERENCES merchants (id),
  provider_id {{int}} REFERENCES providers (id),
  public_key {{blob}} NOT NULL CHECK (length(public_key) = 65),
  key_id {{blob}} NOT NULL UNIQUE CHECK (length(key_id) = 8),
  status {{text}} NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  enrolled_at_ms {{int}} NOT NULL,
  last_seen_at_ms {{int}}
){{strict}};

CREATE TABLE enrollment_codes (
  code_hash {{blob}} PRIMARY KEY CHECK (length(code_hash) = 32),
  merchant_id {{int}} NOT NULL REFERENCES merchants (id),
  provider_id {{int}} REFERENCES providers (id),
  created_at_ms {{int}} NOT NULL,
  expires_at_ms {{int}} NOT NULL,
  used_at_ms {{int}},
  terminal_id {{int}} REFERENCES terminals (id)
){{strict}};

CREATE TABLE api_tokens (
  id {{id}},
  token_hash {{blob}} NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  name {{text}} NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  scope {{text}} NOT NULL CHECK (scope IN ('admin', 'municipality', 'provider', 'partner')),
  scope_ref {{text}},
  created_at_ms {{int}} NOT NULL,
  expires_at_ms {{int}},
  revoked_at_ms {{int}},
  CHECK ((scope = 'admin') = (scope_ref IS NULL))
){{strict}};

CREATE TABLE idempotency_records (
  caller {{text}} NOT NULL,
  idempotency_key {{text}} NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 255),
  request_hash {{blob}} NOT NULL CHECK (length(request_hash) = 32),
  status_code {{int}} NOT NULL,
  response_body {{text}} NOT NULL,
  created_at_ms {{int}} NOT NULL,
  expires_at_ms {{int}} NOT NULL,
  PRIMARY KEY (caller, idempotency_key)
){{strict}};

CREATE INDEX idempotency_records_by_expiry ON idempotency_records (expires_at_ms);

CREATE TABLE cloud_keys (
  key_id {{blob}} PRIMARY KEY CHECK (length(key_id) = 8),
  purpose {{text}} NOT NULL CHECK (purpose IN ('voucher_signing', 'terminal_session')),
  algorithm {{text}} NOT NULL CHECK (algorithm = 'ecdsa-p256'),
  public_key {{blob}} NOT NULL CHECK (length(public_key) = 65),
  created_at_ms {{int}} NOT NULL,
  retired_at_ms {{int}}
){{strict}};
)sql";

constexpr std::array<Migration, 1> kMigrations = {{
    {1, "initial schema: parties, terminals, tokens, enrollment codes, idempotency, keys",
     kInitialSchema},
}};

}  // namespace

std::span<const Migration> CloudMigrations() {
  return kMigrations;
}

int CloudSchemaVersion() {
  return static_cast<int>(kMigrations.size());
}

}  // namespace mykey::cloud
