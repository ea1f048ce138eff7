#pragma once

// The ledger's rows: accounts, transfers with their postings, lots. Used
// inside a store transaction by LedgerService.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/base/result.h"
#include "mykey/store/store.h"

namespace mykey::cloud::ledger_store {

enum class AccountKind : uint8_t { kHolder, kIssuance, kHold, kReceivable, kExpiry };

/// The account's kind as stored ("holder", ...).
const char* AccountKindName(AccountKind kind) noexcept;

/// The id of the account, or nullopt if it does not exist yet.
Result<std::optional<int64_t>> FindAccount(Transaction& tx, AccountKind kind, int64_t programme_id,
                                           std::string_view owner);

/// FindAccount() of a holder's account, locked for the rest of the
/// transaction on PostgreSQL (`FOR UPDATE`: the ledger reads the holder's
/// lots and balance and then writes them; under REPEATABLE READ a concurrent
/// change fails this transaction with 40001 and it is retried). On SQLite
/// the writer already holds the database's write lock.
Result<std::optional<int64_t>> LockHolderAccount(Transaction& tx, int64_t programme_id,
                                                 std::string_view mykey_id);

/// The id of the account, created (balance 0) if it does not exist yet.
/// `owner`: the MyKey ID of a holder, the merchant id of a receivable, ""
/// for a programme's system accounts.
Result<int64_t> AccountFor(Transaction& tx, AccountKind kind, int64_t programme_id,
                           std::string_view owner, int64_t now);

/// A transfer's row (its postings follow with Post()).
struct TransferHeader {
  const char* kind;
  int64_t programme_id;
  int64_t amount;
  std::optional<int64_t> merchant_id;
  std::optional<int64_t> redemption_id;
  std::optional<std::string> caller;
  std::optional<std::string> idempotency_key;
  int64_t now;
};
Result<int64_t> InsertTransfer(Transaction& tx, const TransferHeader& header);

/// One leg of a transfer. A posting on a lot changes the lot's remaining
/// points by `amount`; a holder posting changes the holder account's stored
/// balance.
struct Posting {
  int64_t account_id;
  std::optional<int64_t> lot_id;
  int64_t amount;
  bool holder;
};

/// Writes the postings of a transfer and applies them to lots and holder
/// balances. @returns kInternal if they do not sum to zero (a bug);
/// kFailedPrecondition if a lot or holder balance would go below zero.
Status Post(Transaction& tx, int64_t transfer_id, const std::vector<Posting>& postings);

/// A new lot, with 0 remaining points: its transfer's posting fills it.
struct NewLot {
  int64_t account_id;
  const char* source;
  int64_t transfer_id;
  int64_t amount;
  int64_t expires_at_ms;
  std::optional<std::string> department;
  std::optional<std::string> reason;
  int64_t now;
};
Result<int64_t> InsertLot(Transaction& tx, const NewLot& lot);

/// The points of a holder account's lots that are spendable at `now`.
Result<int64_t> SpendableBalance(Transaction& tx, int64_t account_id, int64_t now);

}  // namespace mykey::cloud::ledger_store
