// The registry's tables (cloud/registry/README.md). No table records that a
// lookup happened: challenges and card sessions are transient (deleted after
// their expiry), and nothing else carries a time.
#include "mykey/registry/schema.h"

#include <array>

namespace mykey::cloud {

namespace {

constexpr std::string_view kInitialSchema = R"sql(
CREATE TABLE registry_challenges (
  id {{text}} PRIMARY KEY CHECK (length(id) = 32),
  challenge {{blob}} NOT NULL CHECK (length(challenge) = 32),
  terminal_id {{text}} NOT NULL CHECK (length(terminal_id) BETWEEN 1 AND 128),
  expires_at_ms {{int}} NOT NULL,
  used {{int}} NOT NULL DEFAULT 0 CHECK (used IN (0, 1))
){{strict}};

CREATE INDEX registry_challenges_by_expiry ON registry_challenges (expires_at_ms);

CREATE TABLE registry_sessions (
  token_hash {{blob}} PRIMARY KEY CHECK (length(token_hash) = 32),
  terminal_id {{text}} NOT NULL CHECK (length(terminal_id) BETWEEN 1 AND 128),
  serial {{blob}} NOT NULL CHECK (length(serial) BETWEEN 1 AND 20),
  purpose {{text}} NOT NULL CHECK (length(purpose) BETWEEN 1 AND 32),
  expires_at_ms {{int}} NOT NULL
){{strict}};

CREATE INDEX registry_sessions_by_expiry ON registry_sessions (expires_at_ms);

CREATE TABLE registry_holders (
  id {{id}},
  mykey_id {{text}} NOT NULL UNIQUE CHECK (length(mykey_id) = 8),
  serial {{blob}} NOT NULL UNIQUE CHECK (length(serial) BETWEEN 1 AND 20)
){{strict}};

CREATE TABLE registry_renewal_links (
  new_serial {{blob}} PRIMARY KEY CHECK (length(new_serial) BETWEEN 1 AND 20),
  old_serial {{blob}} NOT NULL CHECK (length(old_serial) BETWEEN 1 AND 20)
){{strict}};

CREATE TABLE registry_service_links (
  holder_id {{int}} NOT NULL REFERENCES registry_holders (id),
  provider_id {{text}} NOT NULL CHECK (length(provider_id) BETWEEN 1 AND 64),
  service_id {{text}} NOT NULL CHECK (length(service_id) BETWEEN 1 AND 64),
  PRIMARY KEY (holder_id, provider_id)
){{strict}};

CREATE TABLE registry_stop_list (
  holder_id {{int}} PRIMARY KEY REFERENCES registry_holders (id),
  reported_by {{text}} NOT NULL CHECK (reported_by IN ('holder', 'operator'))
){{strict}};

CREATE TABLE registry_revoked_serials (
  seq {{int}} PRIMARY KEY,
  serial {{blob}} NOT NULL UNIQUE CHECK (length(serial) BETWEEN 1 AND 20)
){{strict}};

CREATE TABLE registry_stop_events (
  seq {{int}} PRIMARY KEY,
  mykey_id_hash {{blob}} NOT NULL CHECK (length(mykey_id_hash) = 32),
  action {{text}} NOT NULL CHECK (action IN ('added', 'removed'))
){{strict}};

CREATE TABLE registry_feed_state (
  id {{int}} PRIMARY KEY CHECK (id = 1),
  last_seq {{int}} NOT NULL
){{strict}};

INSERT INTO registry_feed_state (id, last_seq) VALUES (1, 0);

CREATE TABLE registry_crl_imports (
  authority_key_id {{blob}} PRIMARY KEY,
  crl_number {{blob}} NOT NULL,
  this_update_ms {{int}} NOT NULL,
  revoked_count {{int}} NOT NULL
){{strict}};
)sql";

constexpr std::array<Migration, 1> kMigrations = {{
    {1,
     "registry: challenges, card sessions, MyKey IDs, renewal and service links, stop list, "
     "revoked serials, feed",
     kInitialSchema},
}};

}  // namespace

std::span<const Migration> RegistryMigrations() {
  return kMigrations;
}

}  // namespace mykey::cloud
