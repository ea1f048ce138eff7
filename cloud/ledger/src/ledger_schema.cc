// The ledger's tables (component "ledger"), documented in cloud/ledger/README.md.
// Amounts are integer points; times are Unix milliseconds.
#include "mykey/ledger/ledger_schema.h"

#include <array>

namespace mykey::cloud {

namespace {

constexpr std::string_view kLedgerInitial = R"sql(
CREATE TABLE ledger_accounts (
  id {{id}},
  kind {{text}} NOT NULL CHECK (kind IN ('holder', 'issuance', 'hold', 'receivable', 'expiry',
    'voucher_liability', 'conversion_pending', 'donation')),
  programme_id {{int}} NOT NULL REFERENCES programmes (id),
  owner {{text}} NOT NULL,
  balance {{int}} NOT NULL DEFAULT 0,
  created_at_ms {{int}} NOT NULL,
  UNIQUE (kind, programme_id, owner),
  CHECK (kind <> 'holder' OR balance >= 0)
){{strict}};

CREATE INDEX ledger_accounts_by_owner ON ledger_accounts (owner, kind);

CREATE TABLE ledger_transfers (
  id {{id}},
  kind {{text}} NOT NULL CHECK (kind IN ('grant', 'redemption', 'hold', 'capture', 'void',
    'hold_expiry', 'refund', 'expiry', 'conversion', 'premium', 'donation', 'voucher_issue',
    'voucher_redemption', 'voucher_expiry')),
  programme_id {{int}} NOT NULL REFERENCES programmes (id),
  amount {{int}} NOT NULL CHECK (amount > 0),
  merchant_id {{int}} REFERENCES merchants (id),
  redemption_id {{int}},
  caller {{text}},
  idempotency_key {{text}},
  created_at_ms {{int}} NOT NULL
){{strict}};

CREATE INDEX ledger_transfers_by_merchant ON ledger_transfers (merchant_id, created_at_ms);

CREATE TABLE ledger_lots (
  id {{id}},
  account_id {{int}} NOT NULL REFERENCES ledger_accounts (id),
  source {{text}} NOT NULL CHECK (source IN ('grant', 'refund', 'conversion', 'premium')),
  transfer_id {{int}} NOT NULL REFERENCES ledger_transfers (id),
  amount {{int}} NOT NULL CHECK (amount > 0),
  remaining {{int}} NOT NULL CHECK (remaining >= 0),
  expires_at_ms {{int}} NOT NULL,
  department {{text}},
  reason {{text}},
  created_at_ms {{int}} NOT NULL
){{strict}};

CREATE INDEX ledger_lots_spendable ON ledger_lots (account_id, expires_at_ms, id)
  WHERE remaining > 0;
CREATE INDEX ledger_lots_expiring ON ledger_lots (expires_at_ms, id) WHERE remaining > 0;

CREATE TABLE ledger_postings (
  id {{id}},
  transfer_id {{int}} NOT NULL REFERENCES ledger_transfers (id),
  account_id {{int}} NOT NULL REFERENCES ledger_accounts (id),
  lot_id {{int}} REFERENCES ledger_lots (id),
  amount {{int}} NOT NULL CHECK (amount <> 0)
){{strict}};

CREATE INDEX ledger_postings_by_transfer ON ledger_postings (transfer_id);
CREATE INDEX ledger_postings_by_account ON ledger_postings (account_id);
CREATE INDEX ledger_postings_by_lot ON ledger_postings (lot_id);

CREATE TABLE ledger_redemptions (
  id {{id}},
  merchant_id {{int}} NOT NULL REFERENCES merchants (id),
  programme_id {{int}} NOT NULL REFERENCES programmes (id),
  account_id {{int}} NOT NULL REFERENCES ledger_accounts (id),
  amount {{int}} NOT NULL CHECK (amount > 0),
  refunded {{int}} NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= amount),
  state {{text}} NOT NULL CHECK (state IN ('held', 'captured', 'voided', 'expired')),
  hold_expires_at_ms {{int}},
  created_at_ms {{int}} NOT NULL,
  finished_at_ms {{int}}
){{strict}};

CREATE INDEX ledger_redemptions_held ON ledger_redemptions (hold_expires_at_ms)
  WHERE state = 'held';
CREATE INDEX ledger_redemptions_held_by_account ON ledger_redemptions (account_id)
  WHERE state = 'held';

CREATE TABLE ledger_redemption_lots (
  redemption_id {{int}} NOT NULL REFERENCES ledger_redemptions (id),
  lot_id {{int}} NOT NULL REFERENCES ledger_lots (id),
  amount {{int}} NOT NULL CHECK (amount > 0),
  returned {{int}} NOT NULL DEFAULT 0 CHECK (returned >= 0 AND returned <= amount),
  PRIMARY KEY (redemption_id, lot_id)
){{strict}};
)sql";

constexpr std::array<Migration, 1> kMigrations = {{
    {1, "ledger: accounts, transfers, postings, lots, redemptions", kLedgerInitial},
}};

}  // namespace

std::span<const Migration> LedgerMigrations() {
  return kMigrations;
}

}  // namespace mykey::cloud
