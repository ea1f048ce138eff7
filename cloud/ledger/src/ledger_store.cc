#include "ledger_store.h"

#include "mykey/ledger/ledger_service.h"

#include <utility>

namespace mykey::cloud::ledger_store {

namespace {

Result<int64_t> InsertReturningId(Transaction& tx, std::string_view sql,
                                  std::initializer_list<SqlValue> params) {
  MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow(sql, params));
  if (!row) return Fail(ErrorCode::kInternal, "INSERT RETURNING gave no row");
  return row->Int(0);
}

}  // namespace

const char* AccountKindName(AccountKind kind) noexcept {
  switch (kind) {
    case AccountKind::kHolder: return "holder";
    case AccountKind::kIssuance: return "issuance";
    case AccountKind::kHold: return "hold";
    case AccountKind::kReceivable: return "receivable";
    case AccountKind::kExpiry: return "expiry";
  }
  return "holder";
}

Result<std::optional<int64_t>> FindAccount(Transaction& tx, AccountKind kind, int64_t programme_id,
                                           std::string_view owner) {
  MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow("SELECT id FROM ledger_accounts WHERE kind = $1"
                                               " AND programme_id = $2 AND owner = $3",
                                               {AccountKindName(kind), programme_id, owner}));
  if (!row) return std::optional<int64_t>();
  return std::optional<int64_t>(row->Int(0));
}

Result<std::optional<int64_t>> LockHolderAccount(Transaction& tx, int64_t programme_id,
                                                 std::string_view mykey_id) {
  if (tx.dialect() != SqlDialect::kPostgres) {
    return FindAccount(tx, AccountKind::kHolder, programme_id, mykey_id);
  }
  MYKEY_ASSIGN_OR_RETURN(
      auto row, tx.QueryRow("SELECT id FROM ledger_accounts WHERE kind = $1"
                            " AND programme_id = $2 AND owner = $3 FOR UPDATE",
                            {AccountKindName(AccountKind::kHolder), programme_id, mykey_id}));
  if (!row) return std::optional<int64_t>();
  return std::optional<int64_t>(row->Int(0));
}

Result<int64_t> AccountFor(Transaction& tx, AccountKind kind, int64_t programme_id,
                           std::string_view owner, int64_t now) {
  MYKEY_ASSIGN_OR_RETURN(auto found, FindAccount(tx, kind, programme_id, owner));
  if (found) return *found;
  auto created = InsertReturningId(tx,
                                   "INSERT INTO ledger_accounts (kind, programme_id, owner,"
                                   " balance, created_at_ms) VALUES ($1, $2, $3, 0, $4)"
                                   " RETURNING id",
                                   {AccountKindName(kind), programme_id, owner, now});
  if (!created && created.error().code() == ErrorCode::kAlreadyExists) {
    // Created by a concurrent transaction (PostgreSQL): run again.
    return Fail(ErrorCode::kAborted, "a concurrent transaction created the account");
  }
  return created;
}

Result<int64_t> InsertTransfer(Transaction& tx, const TransferHeader& h) {
  return InsertReturningId(tx,
                           "INSERT INTO ledger_transfers (kind, programme_id, amount, merchant_id,"
                           " redemption_id, caller, idempotency_key, created_at_ms)"
                           " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                           {h.kind, h.programme_id, h.amount, h.merchant_id, h.redemption_id,
                            h.caller, h.idempotency_key, h.now});
}

Status Post(Transaction& tx, int64_t transfer_id, const std::vector<Posting>& postings) {
  int64_t sum = 0;
  for (const Posting& p : postings) sum += p.amount;
  if (sum != 0 || postings.size() < 2) {
    return Fail(ErrorCode::kInternal, "a transfer's postings must sum to zero");
  }
  // Holder balances change once per account and transfer.
  std::vector<std::pair<int64_t, int64_t>> holder_deltas;
  for (const Posting& p : postings) {
    if (p.amount == 0) return Fail(ErrorCode::kInternal, "a posting of zero points");
    MYKEY_TRY(
        tx.Execute("INSERT INTO ledger_postings (transfer_id, account_id, lot_id, amount)"
                   " VALUES ($1, $2, $3, $4)",
                   {transfer_id, p.account_id, p.lot_id, p.amount}));
    if (p.lot_id) {
      MYKEY_TRY(tx.Execute("UPDATE ledger_lots SET remaining = remaining + $1 WHERE id = $2",
                           {p.amount, *p.lot_id}));
    }
    if (p.holder) {
      bool merged = false;
      for (auto& [account, delta] : holder_deltas) {
        if (account == p.account_id) {
          delta += p.amount;
          merged = true;
        }
      }
      if (!merged) holder_deltas.emplace_back(p.account_id, p.amount);
    }
  }
  for (const auto& [account, delta] : holder_deltas) {
    if (delta == 0) continue;
    MYKEY_TRY(tx.Execute("UPDATE ledger_accounts SET balance = balance + $1 WHERE id = $2",
                         {delta, account}));
  }
  return Ok();
}

Result<int64_t> InsertLot(Transaction& tx, const NewLot& lot) {
  return InsertReturningId(tx,
                           "INSERT INTO ledger_lots (account_id, source, transfer_id, amount,"
                           " remaining, expires_at_ms, department, reason, created_at_ms)"
                           " VALUES ($1, $2, $3, $4, 0, $5, $6, $7, $8) RETURNING id",
                           {lot.account_id, lot.source, lot.transfer_id, lot.amount,
                            lot.expires_at_ms, lot.department, lot.reason, lot.now});
}

Result<int64_t> SpendableBalance(Transaction& tx, int64_t account_id, int64_t now) {
  MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow("SELECT COALESCE(SUM(remaining), 0) FROM ledger_lots"
                                               " WHERE account_id = $1 AND remaining > 0"
                                               " AND expires_at_ms > $2",
                                               {account_id, now}));
  return row ? row->Int(0) : 0;
}

}  // namespace mykey::cloud::ledger_store

namespace mykey::cloud {

Status MoveHolderAccounts(Transaction& tx, std::string_view old_id, std::string_view new_id) {
  MYKEY_ASSIGN_OR_RETURN(
      auto taken,
      tx.QueryRow("SELECT 1 FROM ledger_accounts WHERE kind IN ('holder', 'conversion_pending')"
                  " AND owner = $1 LIMIT 1",
                  {new_id}));
  if (taken) return Fail(ErrorCode::kAlreadyExists, "the new MyKey ID has ledger accounts");
  // A holder's own accounts: spendable lots, and partner points waiting to land.
  MYKEY_TRY(
      tx.Execute("UPDATE ledger_accounts SET owner = $2"
                 " WHERE kind IN ('holder', 'conversion_pending') AND owner = $1",
                 {old_id, new_id}));
  return Ok();
}

}  // namespace mykey::cloud
