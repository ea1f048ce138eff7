#pragma once

// What conversions and donations share with the ledger's operations inside
// a store transaction: the idempotency record, the canonical request hash,
// and the system accounts the ledger's AccountKind does not name.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/store/store.h"

namespace mykey::cloud::conversion_ledger {

/// A canonical, unambiguous text of a request (each field with its length),
/// hashed for the idempotency check.
class Canonical {
 public:
  explicit Canonical(std::string_view operation) { Add(operation); }
  Canonical& Add(std::string_view value);
  Canonical& Add(int64_t value) { return Add(std::to_string(value)); }
  Bytes Hash() const;

 private:
  std::string text_;
};

/// kInvalidArgument (LedgerReason::kInvalidRequest) for a malformed key.
Status CheckKey(std::string_view key);

/// The stored answer for (scope, key): nullopt if the key is new (an
/// expired record is removed); kFailedPrecondition
/// (LedgerReason::kIdempotencyKeyReuse) if it was used with another request.
Result<std::optional<std::string>> FindStored(Transaction& tx, const std::string& scope,
                                              std::string_view key, const Bytes& hash, int64_t now);

/// Stores an operation's answer with its key (kAborted if a concurrent
/// request stored the same key first: the retry finds it).
Status StoreResult(Transaction& tx, const std::string& scope, std::string_view key,
                   const Bytes& hash, int status, const std::string& body, int64_t now,
                   int64_t window_ms);

/// The id of a system account of kind `kind` ("conversion_pending",
/// "donation"), created if it does not exist yet.
Result<int64_t> SystemAccount(Transaction& tx, std::string_view kind, int64_t programme_id,
                              std::string_view owner, int64_t now);

/// The owner of a partner's issuance account: "partner:<id>".
std::string PartnerOwner(std::string_view partner_id);

}  // namespace mykey::cloud::conversion_ledger
