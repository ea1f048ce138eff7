#include "mykey/scheme/parties.h"

#include <chrono>

#include "mykey/scheme/municipalities.h"

namespace mykey::cloud {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool IsValidName(std::string_view name) noexcept {
  return !name.empty() && name.size() <= 200;
}

bool IsOneOf(std::string_view value, std::initializer_list<std::string_view> allowed) noexcept {
  for (std::string_view a : allowed) {
    if (value == a) return true;
  }
  return false;
}

/// Runs `fn` in a transaction of `mode` and returns what it produced.
template <typename T, typename Fn>
Result<T> InTransaction(Store& store, TransactionMode mode, Fn fn) {
  T out{};
  const Status status = store.WithTransaction(mode, [&](Transaction& tx) -> Status {
    MYKEY_ASSIGN_OR_RETURN(out, fn(tx));
    return Ok();
  });
  if (!status) return Fail(status.error());
  return out;
}

Status RequireMunicipality(Transaction& tx, std::string_view code) {
  MYKEY_ASSIGN_OR_RETURN(auto row,
                         tx.QueryRow("SELECT 1 FROM municipalities WHERE code = $1", {code}));
  if (!row) return Fail(ErrorCode::kNotFound, "no municipality with this code");
  return Ok();
}

constexpr std::string_view kProgrammeSelect =
    "SELECT id, municipality_code, code, name, kind, created_at_ms FROM programmes";

Programme ProgrammeFromRow(const Row& row) {
  return {row.Int(0), row.Text(1), row.Text(2), row.Text(3), row.Text(4), row.Int(5)};
}

constexpr std::string_view kMerchantSelect =
    "SELECT id, municipality_code, name, kind, status, created_at_ms FROM merchants";

Result<Merchant> MerchantFromRow(Transaction& tx, const Row& row) {
  Merchant m;
  m.id = row.Int(0);
  m.municipality_code = row.Text(1);
  m.name = row.Text(2);
  m.kind = row.Text(3);
  m.status = row.Text(4);
  m.created_at_ms = row.Int(5);
  MYKEY_ASSIGN_OR_RETURN(auto accepted, tx.Query("SELECT programme_id FROM merchant_programmes"
                                                 " WHERE merchant_id = $1 ORDER BY programme_id",
                                                 {m.id}));
  for (const Row& a : accepted) m.programme_ids.push_back(a.Int(0));
  return m;
}

constexpr std::string_view kProviderSelect = "SELECT id, code, name, created_at_ms FROM providers";

Provider ProviderFromRow(const Row& row) {
  return {row.Int(0), row.Text(1), row.Text(2), row.Int(3)};
}

}  // namespace

bool IsValidPartyCode(std::string_view code) noexcept {
  if (code.empty() || code.size() > 64) return false;
  for (char c : code) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<Programme> PartyDirectory::AddProgramme(const Programme& programme) {
  if (!IsValidMunicipalityCode(programme.municipality_code)) {
    return Fail(ErrorCode::kInvalidArgument, "not a valid 6-digit local government code");
  }
  if (!IsValidPartyCode(programme.code)) {
    return Fail(ErrorCode::kInvalidArgument, "a programme code is 1..64 of [a-z0-9_-]");
  }
  if (!IsValidName(programme.name)) {
    return Fail(ErrorCode::kInvalidArgument, "a programme name has 1..200 bytes");
  }
  if (!IsOneOf(programme.kind, {"points", "event", "project"})) {
    return Fail(ErrorCode::kInvalidArgument, "a programme kind is points, event or project");
  }
  Programme out = programme;
  out.created_at_ms = NowMs();
  return InTransaction<Programme>(
      store_, TransactionMode::kReadWrite, [&](Transaction& tx) -> Result<Programme> {
        MYKEY_TRY(RequireMunicipality(tx, out.municipality_code));
        auto row = tx.QueryRow(
            "INSERT INTO programmes (municipality_code, code, name, kind, created_at_ms)"
            " VALUES ($1, $2, $3, $4, $5) RETURNING id",
            {out.municipality_code, out.code, out.name, out.kind, out.created_at_ms});
        if (!row) {
          if (row.error().code() == ErrorCode::kAlreadyExists) {
            return Fail(ErrorCode::kAlreadyExists,
                        "the municipality has a programme with this code");
          }
          return Fail(row.error());
        }
        if (!*row) return Fail(ErrorCode::kInternal, "INSERT returned no id");
        Programme added = out;
        added.id = (*row)->Int(0);
        return added;
      });
}

Result<std::vector<Programme>> PartyDirectory::ListProgrammes(std::string_view municipality_code) {
  using List = std::vector<Programme>;
  return InTransaction<List>(
      store_, TransactionMode::kReadOnly, [&](Transaction& tx) -> Result<List> {
        List list;
        auto rows = municipality_code.empty()
                        ? tx.Query(std::string(kProgrammeSelect) + " ORDER BY id")
                        : tx.Query(std::string(kProgrammeSelect) +
                                       " WHERE municipality_code = $1"
                                       " ORDER BY id",
                                   {municipality_code});
        if (!rows) return Fail(rows.error());
        for (const Row& row : *rows) list.push_back(ProgrammeFromRow(row));
        return list;
      });
}

Result<Programme> PartyDirectory::GetProgramme(int64_t id) {
  return InTransaction<Programme>(
      store_, TransactionMode::kReadOnly, [&](Transaction& tx) -> Result<Programme> {
        MYKEY_ASSIGN_OR_RETURN(auto row,
                               tx.QueryRow(std::string(kProgrammeSelect) + " WHERE id = $1", {id}));
        if (!row) return Fail(ErrorCode::kNotFound, "no programme with this id");
        return ProgrammeFromRow(*row);
      });
}

Result<Merchant> PartyDirectory::AddMerchant(const Merchant& merchant) {
  if (!IsValidMunicipalityCode(merchant.municipality_code)) {
    return Fail(ErrorCode::kInvalidArgument, "not a valid 6-digit local government code");
  }
  if (!IsValidName(merchant.name)) {
    return Fail(ErrorCode::kInvalidArgument, "a merchant name has 1..200 bytes");
  }
  if (!IsOneOf(merchant.kind, {"shop", "library", "kiosk", "facility"})) {
    return Fail(ErrorCode::kInvalidArgument, "a merchant kind is shop, library, kiosk or facility");
  }
  Merchant out = merchant;
  out.status = "active";
  out.programme_ids.clear();
  out.created_at_ms = NowMs();
  return InTransaction<Merchant>(
      store_, TransactionMode::kReadWrite, [&](Transaction& tx) -> Result<Merchant> {
        MYKEY_TRY(RequireMunicipality(tx, out.municipality_code));
        MYKEY_ASSIGN_OR_RETURN(
            auto row, tx.QueryRow("INSERT INTO merchants (municipality_code, name, kind, status,"
                                  " created_at_ms) VALUES ($1, $2, $3, 'active', $4) RETURNING id",
                                  {out.municipality_code, out.name, out.kind, out.created_at_ms}));
        if (!row) return Fail(ErrorCode::kInternal, "INSERT returned no id");
        Merchant added = out;
        added.id = row->Int(0);
        return added;
      });
}

Result<std::vector<Merchant>> PartyDirectory::ListMerchants(std::string_view municipality_code) {
  using List = std::vector<Merchant>;
  return InTransaction<List>(
      store_, TransactionMode::kReadOnly, [&](Transaction& tx) -> Result<List> {
        List list;
        auto rows = municipality_code.empty()
                        ? tx.Query(std::string(kMerchantSelect) + " ORDER BY id")
                        : tx.Query(std::string(kMerchantSelect) +
                                       " WHERE municipality_code = $1 ORDER BY id",
                                   {municipality_code});
        if (!rows) return Fail(rows.error());
        for (const Row& row : *rows) {
          MYKEY_ASSIGN_OR_RETURN(Merchant m, MerchantFromRow(tx, row));
          list.push_back(std::move(m));
        }
        return list;
      });
}

Result<Merchant> PartyDirectory::GetMerchant(int64_t id) {
  return InTransaction<Merchant>(
      store_, TransactionMode::kReadOnly, [&](Transaction& tx) -> Result<Merchant> {
        MYKEY_ASSIGN_OR_RETURN(auto row,
                               tx.QueryRow(std::string(kMerchantSelect) + " WHERE id = $1", {id}));
        if (!row) return Fail(ErrorCode::kNotFound, "no merchant with this id");
        return MerchantFromRow(tx, *row);
      });
}

Status PartyDirectory::SetAccepts(int64_t merchant_id, int64_t programme_id, bool accepts) {
  return store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
    MYKEY_ASSIGN_OR_RETURN(auto merchant,
                           tx.QueryRow("SELECT 1 FROM merchants WHERE id = $1", {merchant_id}));
    if (!merchant) return Fail(ErrorCode::kNotFound, "no merchant with this id");
    MYKEY_ASSIGN_OR_RETURN(auto programme,
                           tx.QueryRow("SELECT 1 FROM programmes WHERE id = $1", {programme_id}));
    if (!programme) return Fail(ErrorCode::kNotFound, "no programme with this id");
    if (accepts) {
      MYKEY_TRY(
          tx.Execute("INSERT INTO merchant_programmes (merchant_id, programme_id)"
                     " VALUES ($1, $2) ON CONFLICT DO NOTHING",
                     {merchant_id, programme_id}));
    } else {
      MYKEY_TRY(
          tx.Execute("DELETE FROM merchant_programmes"
                     " WHERE merchant_id = $1 AND programme_id = $2",
                     {merchant_id, programme_id}));
    }
    return Ok();
  });
}

Status PartyDirectory::SetMerchantSuspended(int64_t merchant_id, bool suspended) {
  return store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
    MYKEY_ASSIGN_OR_RETURN(int64_t changed,
                           tx.Execute("UPDATE merchants SET status = $2 WHERE id = $1",
                                      {merchant_id, suspended ? "suspended" : "active"}));
    if (changed == 0) return Fail(ErrorCode::kNotFound, "no merchant with this id");
    return Ok();
  });
}

Result<Provider> PartyDirectory::AddProvider(const Provider& provider) {
  if (!IsValidPartyCode(provider.code)) {
    return Fail(ErrorCode::kInvalidArgument, "a provider code is 1..64 of [a-z0-9_-]");
  }
  if (!IsValidName(provider.name)) {
    return Fail(ErrorCode::kInvalidArgument, "a provider name has 1..200 bytes");
  }
  Provider out = provider;
  out.created_at_ms = NowMs();
  return InTransaction<Provider>(
      store_, TransactionMode::kReadWrite, [&](Transaction& tx) -> Result<Provider> {
        auto row = tx.QueryRow(
            "INSERT INTO providers (code, name, created_at_ms) VALUES ($1, $2, $3) RETURNING id",
            {out.code, out.name, out.created_at_ms});
        if (!row) {
          if (row.error().code() == ErrorCode::kAlreadyExists) {
            return Fail(ErrorCode::kAlreadyExists, "a provider with this code exists");
          }
          return Fail(row.error());
        }
        if (!*row) return Fail(ErrorCode::kInternal, "INSERT returned no id");
        Provider added = out;
        added.id = (*row)->Int(0);
        return added;
      });
}

Result<std::vector<Provider>> PartyDirectory::ListProviders() {
  using List = std::vector<Provider>;
  return InTransaction<List>(
      store_, TransactionMode::kReadOnly, [&](Transaction& tx) -> Result<List> {
        List list;
        MYKEY_ASSIGN_OR_RETURN(auto rows, tx.Query(std::string(kProviderSelect) + " ORDER BY id"));
        for (const Row& row : rows) list.push_back(ProviderFromRow(row));
        return list;
      });
}

Result<Provider> PartyDirectory::GetProvider(int64_t id) {
  return InTransaction<Provider>(
      store_, TransactionMode::kReadOnly, [&](Transaction& tx) -> Result<Provider> {
        MYKEY_ASSIGN_OR_RETURN(auto row,
                               tx.QueryRow(std::string(kProviderSelect) + " WHERE id = $1", {id}));
        if (!row) return Fail(ErrorCode::kNotFound, "no provider with this id");
        return ProviderFromRow(*row);
      });
}

Status PartyDirectory::SetCrossMunicipalityUse(std::string_view municipality_code, bool allowed) {
  return store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
    MYKEY_ASSIGN_OR_RETURN(
        int64_t changed,
        tx.Execute("UPDATE municipalities SET cross_municipality_use = $2 WHERE code = $1",
                   {municipality_code, allowed}));
    if (changed == 0) return Fail(ErrorCode::kNotFound, "no municipality with this code");
    return Ok();
  });
}

}  // namespace mykey::cloud
