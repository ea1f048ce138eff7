#include "conversion_ledger.h"

#include "mykey/crypto/sha256.h"
#include "mykey/ledger/ledger_service.h"

namespace mykey::cloud::conversion_ledger {

namespace {

internal::Unexpected Refuse(ErrorCode code, LedgerReason reason, const char* message) {
  return Fail(Error(code, message, ErrorDomain::kNone, static_cast<int64_t>(reason)));
}

}  // namespace

Canonical& Canonical::Add(std::string_view value) {
  text_ += std::to_string(value.size());
  text_ += ':';
  text_ += value;
  text_ += ';';
  return *this;
}

Bytes Canonical::Hash() const {
  const auto digest = crypto::Sha256(
      ByteView(reinterpret_cast<const uint8_t*>(text_.data()), text_.size()));  // NOLINT: text
  return Bytes(digest.begin(), digest.end());
}

Status CheckKey(std::string_view key) {
  if (!IsValidIdempotencyKey(key)) {
    return Refuse(ErrorCode::kInvalidArgument, LedgerReason::kInvalidRequest,
                  "an idempotency key has 1..255 printable ASCII characters");
  }
  return Ok();
}

Result<std::optional<std::string>> FindStored(Transaction& tx, const std::string& scope,
                                              std::string_view key, const Bytes& hash,
                                              int64_t now) {
  MYKEY_ASSIGN_OR_RETURN(
      auto row, tx.QueryRow("SELECT request_hash, response_body, expires_at_ms"
                            " FROM idempotency_records WHERE caller = $1 AND idempotency_key = $2",
                            {scope, key}));
  if (!row) return std::optional<std::string>();
  if (row->Int(2) <= now) {
    MYKEY_TRY(
        tx.Execute("DELETE FROM idempotency_records WHERE caller = $1 AND idempotency_key = $2",
                   {scope, key}));
    return std::optional<std::string>();
  }
  if (row->Blob(0) != hash) {
    return Refuse(ErrorCode::kFailedPrecondition, LedgerReason::kIdempotencyKeyReuse,
                  "the idempotency key was used with another request");
  }
  return std::optional<std::string>(row->Text(1));
}

Status StoreResult(Transaction& tx, const std::string& scope, std::string_view key,
                   const Bytes& hash, int status, const std::string& body, int64_t now,
                   int64_t window_ms) {
  auto inserted = tx.Execute(
      "INSERT INTO idempotency_records (caller, idempotency_key, request_hash, status_code,"
      " response_body, created_at_ms, expires_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
      {scope, key, hash, status, body, now, now + window_ms});
  if (!inserted) {
    if (inserted.error().code() == ErrorCode::kAlreadyExists) {
      return Fail(ErrorCode::kAborted, "a concurrent request used the same idempotency key");
    }
    return Fail(inserted.error());
  }
  return Ok();
}

Result<int64_t> SystemAccount(Transaction& tx, std::string_view kind, int64_t programme_id,
                              std::string_view owner, int64_t now) {
  MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow("SELECT id FROM ledger_accounts WHERE kind = $1"
                                               " AND programme_id = $2 AND owner = $3",
                                               {kind, programme_id, owner}));
  if (row) return row->Int(0);
  auto created = tx.QueryRow(
      "INSERT INTO ledger_accounts (kind, programme_id, owner, balance, created_at_ms)"
      " VALUES ($1, $2, $3, 0, $4) RETURNING id",
      {kind, programme_id, owner, now});
  if (!created) {
    if (created.error().code() == ErrorCode::kAlreadyExists) {
      return Fail(ErrorCode::kAborted, "a concurrent transaction created the account");
    }
    return Fail(created.error());
  }
  if (!*created) return Fail(ErrorCode::kInternal, "INSERT RETURNING gave no row");
  return (*created)->Int(0);
}

std::string PartnerOwner(std::string_view partner_id) {
  return "partner:" + std::string(partner_id);
}

}  // namespace mykey::cloud::conversion_ledger
