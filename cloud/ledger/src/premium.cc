#include "premium.h"

#include "ledger_store.h"

namespace mykey::cloud::premium {

Result<bool> ConversionsMigrated(Transaction& tx) {
  MYKEY_ASSIGN_OR_RETURN(auto row,
                         tx.QueryRow("SELECT COUNT(*) FROM schema_migrations WHERE component = $1",
                                     {std::string_view("conversions")}));
  return row && row->Int(0) > 0;
}

Result<int64_t> AddPremium(Transaction& tx, int64_t programme_id, int64_t holder_account,
                           int64_t amount, int64_t expires_at_ms, int64_t now) {
  MYKEY_ASSIGN_OR_RETURN(const bool migrated, ConversionsMigrated(tx));
  if (!migrated) return int64_t{0};
  MYKEY_ASSIGN_OR_RETURN(auto rate,
                         tx.QueryRow("SELECT r.bonus_percent FROM premium_rates r JOIN programmes p"
                                     " ON p.id = r.programme_id WHERE r.programme_id = $1"
                                     " AND p.kind = 'event'",
                                     {programme_id}));
  if (!rate) return int64_t{0};
  // amount <= 10^12 and percent <= 100: the product stays far inside int64.
  const int64_t premium = amount * rate->Int(0) / 100;
  if (premium <= 0) return int64_t{0};
  using namespace ledger_store;  // NOLINT(google-build-using-namespace): this module's helpers
  MYKEY_ASSIGN_OR_RETURN(int64_t issuance,
                         AccountFor(tx, AccountKind::kIssuance, programme_id, "", now));
  TransferHeader header{"premium", programme_id, premium, std::nullopt, std::nullopt, {}, {}, now};
  MYKEY_ASSIGN_OR_RETURN(int64_t transfer_id, InsertTransfer(tx, header));
  MYKEY_ASSIGN_OR_RETURN(
      int64_t lot_id, InsertLot(tx, {holder_account, "premium", transfer_id, premium, expires_at_ms,
                                     std::nullopt, std::nullopt, now}));
  MYKEY_TRY(
      Post(tx, transfer_id,
           {{issuance, std::nullopt, -premium, false}, {holder_account, lot_id, premium, true}}));
  return premium;
}

}  // namespace mykey::cloud::premium
