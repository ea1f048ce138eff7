#include "mykey/scheme/municipalities.h"

#include <chrono>

namespace mykey::cloud {

namespace {

Municipality FromRow(const Row& row) {
  Municipality m;
  m.code = row.Text(0);
  m.name = row.Text(1);
  m.cross_municipality_use = row.Int(2) != 0;
  m.created_at_ms = row.Int(3);
  return m;
}

constexpr std::string_view kSelect =
    "SELECT code, name, cross_municipality_use, created_at_ms FROM municipalities";

}  // namespace

bool IsValidMunicipalityCode(std::string_view code) noexcept {
  if (code.size() != 6) return false;
  for (char c : code) {
    if (c < '0' || c > '9') return false;
  }
  int sum = 0;
  for (int i = 0; i < 5; ++i) sum += (code[static_cast<size_t>(i)] - '0') * (6 - i);
  int check = 11 - sum % 11;
  if (check == 10) check = 0;
  if (check == 11) check = 1;
  return code[5] - '0' == check;
}

Status MunicipalityDirectory::Add(const Municipality& municipality) {
  if (!IsValidMunicipalityCode(municipality.code)) {
    return Fail(ErrorCode::kInvalidArgument, "not a valid 6-digit local government code");
  }
  if (municipality.name.empty() || municipality.name.size() > 200) {
    return Fail(ErrorCode::kInvalidArgument, "a municipality name has 1..200 bytes");
  }
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  return store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
    auto inserted = tx.Execute(
        "INSERT INTO municipalities (code, name, cross_municipality_use, created_at_ms)"
        " VALUES ($1, $2, $3, $4)",
        {municipality.code, municipality.name, municipality.cross_municipality_use, now});
    if (!inserted) {
      if (inserted.error().code() == ErrorCode::kAlreadyExists) {
        return Fail(ErrorCode::kAlreadyExists, "a municipality with this code exists");
      }
      return Fail(inserted.error());
    }
    return Ok();
  });
}

Result<std::vector<Municipality>> MunicipalityDirectory::List() {
  std::vector<Municipality> out;
  const Status status =
      store_.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
        out.clear();
        MYKEY_ASSIGN_OR_RETURN(auto rows, tx.Query(std::string(kSelect) + " ORDER BY code"));
        for (const Row& row : rows) out.push_back(FromRow(row));
        return Ok();
      });
  if (!status) return Fail(status.error());
  return out;
}

Result<Municipality> MunicipalityDirectory::Get(std::string_view code) {
  std::optional<Municipality> found;
  const Status status =
      store_.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
        MYKEY_ASSIGN_OR_RETURN(auto row,
                               tx.QueryRow(std::string(kSelect) + " WHERE code = $1", {code}));
        if (row) found = FromRow(*row);
        return Ok();
      });
  if (!status) return Fail(status.error());
  if (!found) return Fail(ErrorCode::kNotFound, "no municipality with this code");
  return *found;
}

}  // namespace mykey::cloud
