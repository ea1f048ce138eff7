// The tables of component "conversions", documented in cloud/ledger/README.md.
// Amounts are integer points; times are Unix milliseconds.
#include "mykey/ledger/conversion_schema.h"

#include <array>

namespace mykey::cloud {

namespace {

constexpr std::string_view kConversionsInitial = R"sql(
CREATE TABLE conversion_partners (
  id {{text}} PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
  name {{text}} NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  rate_numerator {{int}} NOT NULL CHECK (rate_numerator BETWEEN 1 AND 1000000),
  rate_denominator {{int}} NOT NULL CHECK (rate_denominator BETWEEN 1 AND 1000000),
  status {{text}} NOT NULL CHECK (status IN ('active', 'suspended')),
  created_at_ms {{int}} NOT NULL
){{strict}};

CREATE TABLE conversion_holder_municipalities (
  mykey_id {{text}} PRIMARY KEY,
  municipality_code {{text}} NOT NULL REFERENCES municipalities (code),
  updated_at_ms {{int}} NOT NULL
){{strict}};

CREATE TABLE conversion_landing_programmes (
  municipality_code {{text}} PRIMARY KEY REFERENCES municipalities (code),
  programme_id {{int}} NOT NULL REFERENCES programmes (id)
){{strict}};

CREATE TABLE conversion_coupons (
  id {{id}},
  partner_id {{text}} NOT NULL REFERENCES conversion_partners (id),
  code_hash {{blob}} NOT NULL UNIQUE,
  amount {{int}} NOT NULL CHECK (amount > 0),
  expires_at_ms {{int}} NOT NULL,
  used_at_ms {{int}},
  conversion_id {{int}},
  created_at_ms {{int}} NOT NULL
){{strict}};

CREATE TABLE conversions (
  id {{id}},
  partner_id {{text}} NOT NULL REFERENCES conversion_partners (id),
  mykey_id {{text}} NOT NULL,
  programme_id {{int}} NOT NULL REFERENCES programmes (id),
  channel {{text}} NOT NULL CHECK (channel IN ('online', 'coupon')),
  partner_points {{int}} NOT NULL CHECK (partner_points > 0),
  points {{int}} NOT NULL CHECK (points > 0),
  premium {{int}} NOT NULL DEFAULT 0 CHECK (premium >= 0),
  state {{text}} NOT NULL CHECK (state IN ('pending', 'landed')),
  lands_at_ms {{int}} NOT NULL,
  pending_transfer_id {{int}} NOT NULL REFERENCES ledger_transfers (id),
  lot_id {{int}} REFERENCES ledger_lots (id),
  created_at_ms {{int}} NOT NULL,
  landed_at_ms {{int}}
){{strict}};

CREATE INDEX conversions_due ON conversions (lands_at_ms, id) WHERE state = 'pending';
CREATE INDEX conversions_by_partner ON conversions (partner_id, id);

CREATE TABLE conversion_coupon_attempts (
  terminal_id {{text}} PRIMARY KEY,
  window_started_at_ms {{int}} NOT NULL,
  failures {{int}} NOT NULL,
  locked_until_ms {{int}} NOT NULL
){{strict}};

CREATE TABLE premium_rates (
  programme_id {{int}} PRIMARY KEY REFERENCES programmes (id),
  bonus_percent {{int}} NOT NULL CHECK (bonus_percent BETWEEN 1 AND 100),
  updated_at_ms {{int}} NOT NULL
){{strict}};

CREATE TABLE donations (
  id {{id}},
  project_id {{int}} NOT NULL REFERENCES programmes (id),
  source_programme_id {{int}} NOT NULL REFERENCES programmes (id),
  mykey_id {{text}} NOT NULL,
  amount {{int}} NOT NULL CHECK (amount > 0),
  display_name {{text}},
  transfer_id {{int}} NOT NULL REFERENCES ledger_transfers (id),
  created_at_ms {{int}} NOT NULL
){{strict}};

CREATE INDEX donations_by_project ON donations (project_id, id);
)sql";

constexpr std::array<Migration, 1> kMigrations = {{
    {1, "conversions: partners, coupons, conversions, premiums, donations", kConversionsInitial},
}};

}  // namespace

std::span<const Migration> ConversionMigrations() {
  return kMigrations;
}

}  // namespace mykey::cloud
