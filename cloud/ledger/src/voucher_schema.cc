// The voucher tables (component "vouchers"), documented in the "Vouchers"
// section of cloud/ledger/README.md. Amounts are integer points; times are
// Unix milliseconds; days are Japan days "YYYY-MM-DD".
#include <array>

#include "mykey/ledger/voucher_service.h"

namespace mykey::cloud {

namespace {

constexpr std::string_view kVoucherInitial = R"sql(
CREATE TABLE voucher_programmes (
  programme_id {{int}} PRIMARY KEY REFERENCES programmes (id),
  municipality_code {{text}} NOT NULL REFERENCES municipalities (code),
  number {{int}} NOT NULL CHECK (number BETWEEN 0 AND 65535),
  expiry_policy {{text}} NOT NULL DEFAULT 'sink' CHECK (expiry_policy IN ('sink', 'return')),
  UNIQUE (municipality_code, number)
){{strict}};

CREATE TABLE vouchers (
  id {{id}},
  serial {{text}} NOT NULL UNIQUE,
  kind {{text}} NOT NULL CHECK (kind IN ('granted', 'sold')),
  programme_id {{int}} NOT NULL REFERENCES programmes (id),
  holder_account_id {{int}} REFERENCES ledger_accounts (id),
  amount {{int}} NOT NULL CHECK (amount > 0),
  issued_on {{text}} NOT NULL,
  expires_on {{text}} NOT NULL,
  expires_at_ms {{int}} NOT NULL,
  key_id {{blob}} NOT NULL CHECK (length(key_id) = 8),
  token {{text}} NOT NULL,
  state {{text}} NOT NULL CHECK (state IN ('pending_print', 'issued', 'voided', 'redeemed',
    'expired')),
  reprints {{int}} NOT NULL DEFAULT 0 CHECK (reprints >= 0),
  issuer_merchant_id {{int}} NOT NULL REFERENCES merchants (id),
  issuer_terminal {{text}} NOT NULL,
  redeemed_merchant_id {{int}} REFERENCES merchants (id),
  created_at_ms {{int}} NOT NULL,
  printed_at_ms {{int}},
  finished_at_ms {{int}},
  CHECK ((kind = 'granted') = (holder_account_id IS NOT NULL)),
  CHECK ((state = 'redeemed') = (redeemed_merchant_id IS NOT NULL))
){{strict}};

CREATE INDEX vouchers_outstanding ON vouchers (expires_at_ms, id)
  WHERE state IN ('pending_print', 'issued');
CREATE INDEX vouchers_pending ON vouchers (created_at_ms, id) WHERE state = 'pending_print';
CREATE INDEX vouchers_by_programme ON vouchers (programme_id, state);

CREATE TABLE voucher_lots (
  voucher_id {{int}} NOT NULL REFERENCES vouchers (id),
  lot_id {{int}} NOT NULL REFERENCES ledger_lots (id),
  amount {{int}} NOT NULL CHECK (amount > 0),
  PRIMARY KEY (voucher_id, lot_id)
){{strict}};
)sql";

constexpr std::array<Migration, 1> kMigrations = {{
    {1, "vouchers: programme numbers and policies, vouchers, their lots", kVoucherInitial},
}};

}  // namespace

std::span<const Migration> VoucherMigrations() {
  return kMigrations;
}

}  // namespace mykey::cloud
