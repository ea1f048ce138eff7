#include "conversion_reconcile.h"

#include <map>
#include <string>
#include <utility>

#include "premium.h"

namespace mykey::cloud::conversion_reconcile {

Status Check(Transaction& tx, ReconcileReport& report) {
  MYKEY_ASSIGN_OR_RETURN(
      auto accounts,
      tx.Query("SELECT a.kind, a.programme_id, a.owner, COALESCE(SUM(p.amount), 0)"
               " FROM ledger_accounts a LEFT JOIN ledger_postings p ON p.account_id = a.id"
               " WHERE a.kind IN ('conversion_pending', 'donation')"
               " GROUP BY a.id, a.kind, a.programme_id, a.owner"));
  std::map<std::pair<int64_t, std::string>, int64_t> pending_accounts;
  std::map<int64_t, int64_t> donation_accounts;
  for (const Row& a : accounts) {
    if (a.Text(0) == "conversion_pending") {
      report.conversion_pending += a.Int(3);
      pending_accounts[{a.Int(1), a.Text(2)}] += a.Int(3);
    } else {
      report.donated += a.Int(3);
      donation_accounts[a.Int(1)] += a.Int(3);
    }
  }
  MYKEY_ASSIGN_OR_RETURN(const bool migrated, premium::ConversionsMigrated(tx));
  if (!migrated) return Ok();

  MYKEY_ASSIGN_OR_RETURN(auto pending,
                         tx.Query("SELECT programme_id, mykey_id, SUM(points) FROM conversions"
                                  " WHERE state = 'pending' GROUP BY programme_id, mykey_id"));
  std::map<std::pair<int64_t, std::string>, int64_t> pending_rows;
  for (const Row& row : pending) pending_rows[{row.Int(0), row.Text(1)}] = row.Int(2);
  auto differ = [](const auto& left, const auto& right) {
    for (const auto& [key, amount] : left) {
      auto it = right.find(key);
      if ((it == right.end() ? 0 : it->second) != amount) return true;
    }
    return false;
  };
  if (differ(pending_accounts, pending_rows) || differ(pending_rows, pending_accounts)) {
    report.problems.push_back("conversion_pending accounts differ from the pending conversions");
  }
  MYKEY_ASSIGN_OR_RETURN(
      auto donated, tx.Query("SELECT project_id, SUM(amount) FROM donations GROUP BY project_id"));
  std::map<int64_t, int64_t> donation_rows;
  for (const Row& row : donated) donation_rows[row.Int(0)] = row.Int(1);
  if (differ(donation_accounts, donation_rows) || differ(donation_rows, donation_accounts)) {
    report.problems.push_back("donation accounts differ from the donor lists");
  }
  MYKEY_ASSIGN_OR_RETURN(
      auto unlanded,
      tx.QueryRow("SELECT COUNT(*) FROM conversions c LEFT JOIN ledger_lots l ON l.id = c.lot_id"
                  " WHERE c.state = 'landed' AND (l.id IS NULL OR l.amount <> c.points"
                  " OR l.source <> 'conversion')"));
  if (unlanded && unlanded->Int(0) != 0) {
    report.problems.push_back(std::to_string(unlanded->Int(0)) +
                              " landed conversions without their lot");
  }
  return Ok();
}

}  // namespace mykey::cloud::conversion_reconcile
