#include "mykey/auth/terminal_directory.h"

#include "mykey/scheme/municipalities.h"

namespace mykey::cloud {

bool IsValidPartyId(std::string_view id) noexcept {
  if (id.empty() || id.size() > 64) return false;
  for (const char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Status ValidateSite(const Site& site) {
  if (!IsValidPartyId(site.id)) return Fail(ErrorCode::kInvalidArgument, "site id is not valid");
  if (!IsValidPartyId(site.provider_id)) {
    return Fail(ErrorCode::kInvalidArgument, "provider id is not valid");
  }
  if (!IsValidMunicipalityCode(site.municipality_code)) {
    return Fail(ErrorCode::kInvalidArgument, "municipality code is not valid");
  }
  return Ok();
}

const char* TerminalStatusName(TerminalStatus status) noexcept {
  return status == TerminalStatus::kSuspended ? "suspended" : "active";
}

TerminalRecord TerminalFromRow(const Row& row) {
  TerminalRecord record;
  record.id = row.Text(0);
  record.name = row.Text(1);
  record.site.kind = ParseSiteKind(row.Text(2)).value_or(SiteKind::kMerchant);
  record.site.id = row.Text(3);
  record.site.provider_id = row.Text(4);
  record.site.municipality_code = row.Text(5);
  record.status = row.Text(6) == "suspended" ? TerminalStatus::kSuspended : TerminalStatus::kActive;
  record.public_key_der = row.Blob(7);
  record.enrolled_at_ms = row.Int(8);
  record.last_seen_at_ms = row.OptionalInt(9);
  return record;
}

Result<TerminalRecord> TerminalDirectory::Find(std::string_view id) {
  std::optional<TerminalRecord> found;
  const std::string sql =
      std::string("SELECT ") + std::string(kTerminalColumns) + " FROM auth_terminals WHERE id = $1";
  const Status transaction =
      store_.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
        MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow(sql, {id}));
        if (row) found = TerminalFromRow(*row);
        return Ok();
      });
  MYKEY_TRY(transaction);
  if (!found) return Fail(ErrorCode::kNotFound, "no such terminal");
  return std::move(*found);
}

Result<std::vector<TerminalRecord>> TerminalDirectory::List() {
  std::vector<TerminalRecord> terminals;
  const std::string sql = std::string("SELECT ") + std::string(kTerminalColumns) +
                          " FROM auth_terminals ORDER BY enrolled_at_ms, id";
  const Status transaction =
      store_.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
        MYKEY_ASSIGN_OR_RETURN(auto rows, tx.Query(sql));
        terminals.clear();
        for (const Row& row : rows) terminals.push_back(TerminalFromRow(row));
        return Ok();
      });
  MYKEY_TRY(transaction);
  return terminals;
}

Status TerminalDirectory::SetStatus(std::string_view id, TerminalStatus status) {
  return store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
    MYKEY_ASSIGN_OR_RETURN(const int64_t changed,
                           tx.Execute("UPDATE auth_terminals SET status = $2 WHERE id = $1",
                                      {id, TerminalStatusName(status)}));
    if (changed == 0) return Fail(ErrorCode::kNotFound, "no such terminal");
    return Ok();
  });
}

}  // namespace mykey::cloud
