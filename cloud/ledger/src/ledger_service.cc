#include "mykey/ledger/ledger_service.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <utility>

#include "codec.h"
#include "conversion_reconcile.h"
#include "ledger_store.h"
#include "mykey/auth/request_transaction.h"
#include "mykey/crypto/sha256.h"
#include "mykey/registry/mykey_id.h"
#include "premium.h"

namespace mykey::cloud {

using namespace ledger_store;  // NOLINT(google-build-using-namespace): this module's own helpers

namespace {

constexpr int kCreated = 201;
constexpr int kOk = 200;

internal::Unexpected Refuse(ErrorCode code, LedgerReason reason, const char* message) {
  return Fail(Error(code, message, ErrorDomain::kNone, static_cast<int64_t>(reason)));
}

internal::Unexpected NotAllowed(const char* message) {
  return Refuse(ErrorCode::kPermissionDenied, LedgerReason::kNotAllowed, message);
}

internal::Unexpected Invalid(const char* message) {
  return Refuse(ErrorCode::kInvalidArgument, LedgerReason::kInvalidRequest, message);
}

/// A canonical, unambiguous text of a request (each field with its length),
/// hashed for the idempotency check.
class Canonical {
 public:
  explicit Canonical(std::string_view operation) { Add(operation); }
  Canonical& Add(std::string_view value) {
    text_ += std::to_string(value.size());
    text_ += ':';
    text_ += value;
    text_ += ';';
    return *this;
  }
  Canonical& Add(int64_t value) { return Add(std::to_string(value)); }
  Bytes Hash() const {
    const auto digest = crypto::Sha256(ByteView(reinterpret_cast<const uint8_t*>(text_.data()),
                                                text_.size()));  // NOLINT: bytes of text
    return Bytes(digest.begin(), digest.end());
  }

 private:
  std::string text_;
};

Result<int64_t> MerchantOf(const Caller& caller) {
  if (caller.kind != CallerKind::kTerminal) {
    return NotAllowed("only a merchant's terminal may redeem, capture, void or refund");
  }
  int64_t id = 0;
  const char* begin = caller.site_id.data();
  const char* end = begin + caller.site_id.size();
  auto [ptr, ec] = std::from_chars(begin, end, id);
  if (ec != std::errc() || ptr != end || id <= 0) {
    return Refuse(ErrorCode::kNotFound, LedgerReason::kUnknownMerchant,
                  "the terminal's site is not a merchant");
  }
  return id;
}

bool IsAdmin(const Caller& caller) {
  return caller.kind == CallerKind::kOperator && caller.scope == OperatorScope::kAdmin;
}

/// The municipality whose programmes an operator may see: "" for admin,
/// nullopt for anyone else.
std::optional<std::string> OperatorMunicipality(const Caller& caller) {
  if (caller.kind != CallerKind::kOperator) return std::nullopt;
  if (caller.scope == OperatorScope::kAdmin) return std::string();
  if (caller.scope == OperatorScope::kMunicipality) return caller.scope_id;
  return std::nullopt;
}

Status CheckKey(std::string_view key) {
  if (!IsValidIdempotencyKey(key)) {
    return Invalid("an idempotency key has 1..255 printable ASCII characters");
  }
  return Ok();
}

Status CheckAmount(int64_t amount) {
  if (amount < 1 || amount > kMaxPoints) return Invalid("an amount is 1..10^12 points");
  return Ok();
}

/// Looks up a stored result for (scope, key). nullopt: the key is new (an
/// expired record is removed). kFailedPrecondition (kIdempotencyKeyReuse)
/// when it was used with another request.
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
    // A concurrent request with the same key won (PostgreSQL): run again and
    // find its record.
    if (inserted.error().code() == ErrorCode::kAlreadyExists) {
      return Fail(ErrorCode::kAborted, "a concurrent request used the same idempotency key");
    }
    return Fail(inserted.error());
  }
  return Ok();
}

struct ProgrammeRow {
  int64_t id = 0;
  std::string code;
  std::string municipality_code;
};

Result<ProgrammeRow> LoadProgramme(Transaction& tx, int64_t programme_id) {
  MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow("SELECT id, code, municipality_code FROM programmes"
                                               " WHERE id = $1",
                                               {programme_id}));
  if (!row)
    return Refuse(ErrorCode::kNotFound, LedgerReason::kUnknownProgramme, "no such programme");
  return ProgrammeRow{row->Int(0), row->Text(1), row->Text(2)};
}

struct RedemptionRow {
  int64_t id = 0;
  int64_t merchant_id = 0;
  int64_t programme_id = 0;
  int64_t account_id = 0;
  std::string mykey_id;
  int64_t amount = 0;
  int64_t refunded = 0;
  std::string state;
  std::optional<int64_t> hold_expires_at_ms;
  int64_t created_at_ms = 0;
};

/// Loads a redemption to change it: on PostgreSQL its row is locked for the
/// rest of the (read-write) transaction, so a capture, void, refund or
/// expiry of the same redemption waits for the other (and, the row being
/// changed, retries; REPEATABLE READ, decision 0005).
Result<std::optional<RedemptionRow>> LoadRedemption(Transaction& tx, int64_t id) {
  MYKEY_ASSIGN_OR_RETURN(
      auto row,
      tx.QueryRow(tx.dialect() == SqlDialect::kPostgres
                      ? "SELECT r.id, r.merchant_id, r.programme_id, r.account_id, a.owner,"
                        " r.amount, r.refunded, r.state, r.hold_expires_at_ms, r.created_at_ms"
                        " FROM ledger_redemptions r JOIN ledger_accounts a ON a.id = r.account_id"
                        " WHERE r.id = $1 FOR UPDATE OF r"
                      : "SELECT r.id, r.merchant_id, r.programme_id, r.account_id, a.owner,"
                        " r.amount, r.refunded, r.state, r.hold_expires_at_ms, r.created_at_ms"
                        " FROM ledger_redemptions r JOIN ledger_accounts a ON a.id = r.account_id"
                        " WHERE r.id = $1",
                  {id}));
  if (!row) return std::optional<RedemptionRow>();
  RedemptionRow r;
  r.id = row->Int(0);
  r.merchant_id = row->Int(1);
  r.programme_id = row->Int(2);
  r.account_id = row->Int(3);
  r.mykey_id = row->Text(4);
  r.amount = row->Int(5);
  r.refunded = row->Int(6);
  r.state = row->Text(7);
  r.hold_expires_at_ms = row->OptionalInt(8);
  r.created_at_ms = row->Int(9);
  return std::optional<RedemptionRow>(std::move(r));
}

/// The caller's merchant's redemption; another merchant's reads as absent.
Result<RedemptionRow> LoadOwnRedemption(Transaction& tx, int64_t merchant_id, int64_t id) {
  MYKEY_ASSIGN_OR_RETURN(auto found, LoadRedemption(tx, id));
  if (!found || found->merchant_id != merchant_id) {
    return Refuse(ErrorCode::kNotFound, LedgerReason::kUnknownRedemption, "no such redemption");
  }
  return std::move(*found);
}

RedemptionState StateOf(const std::string& name) {
  if (name == "held") return RedemptionState::kHeld;
  if (name == "voided") return RedemptionState::kVoided;
  if (name == "expired") return RedemptionState::kExpired;
  return RedemptionState::kCaptured;
}

Result<Redemption> ViewOf(Transaction& tx, const RedemptionRow& row, const char* operation,
                          int64_t now) {
  Redemption view;
  view.redemption_id = row.id;
  view.operation = operation;
  view.merchant_id = row.merchant_id;
  view.programme_id = row.programme_id;
  view.mykey_id = row.mykey_id;
  view.amount = row.amount;
  view.refunded = row.refunded;
  view.state = StateOf(row.state);
  view.hold_expires_at_ms = row.hold_expires_at_ms;
  view.created_at_ms = row.created_at_ms;
  MYKEY_ASSIGN_OR_RETURN(view.balance, SpendableBalance(tx, row.account_id, now));
  return view;
}

/// Returns a held redemption's points to the lots they came from.
Status ReleaseHold(Transaction& tx, const RedemptionRow& r, const char* transfer_kind,
                   const char* new_state, int64_t now) {
  MYKEY_ASSIGN_OR_RETURN(auto allocations,
                         tx.Query("SELECT lot_id, amount - returned FROM ledger_redemption_lots"
                                  " WHERE redemption_id = $1 AND returned < amount",
                                  {r.id}));
  MYKEY_ASSIGN_OR_RETURN(int64_t hold_account,
                         AccountFor(tx, AccountKind::kHold, r.programme_id, "", now));
  std::vector<Posting> postings;
  postings.push_back({hold_account, std::nullopt, -r.amount, false});
  for (const Row& allocation : allocations) {
    postings.push_back({r.account_id, allocation.Int(0), allocation.Int(1), true});
  }
  TransferHeader header{transfer_kind, r.programme_id, r.amount, r.merchant_id, r.id, {}, {}, now};
  MYKEY_ASSIGN_OR_RETURN(int64_t transfer_id, InsertTransfer(tx, header));
  MYKEY_TRY(Post(tx, transfer_id, postings));
  MYKEY_TRY(tx.Execute(
      "UPDATE ledger_redemption_lots SET returned = amount WHERE redemption_id = $1", {r.id}));
  MYKEY_TRY(
      tx.Execute("UPDATE ledger_redemptions SET state = $1, finished_at_ms = $2 WHERE id = $3 AND "
                 "state = 'held'",
                 {new_state, now, r.id}));
  return Ok();
}

/// Moves one lot's remaining points to the expiry sink.
Status ExpireLot(Transaction& tx, int64_t lot_id, int64_t account_id, int64_t programme_id,
                 int64_t remaining, int64_t now) {
  MYKEY_ASSIGN_OR_RETURN(int64_t sink, AccountFor(tx, AccountKind::kExpiry, programme_id, "", now));
  TransferHeader header{"expiry", programme_id, remaining, std::nullopt, std::nullopt, {}, {}, now};
  MYKEY_ASSIGN_OR_RETURN(int64_t transfer_id, InsertTransfer(tx, header));
  return Post(tx, transfer_id,
              {{account_id, lot_id, -remaining, true}, {sink, std::nullopt, remaining, false}});
}

std::string CsvField(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kJapanOffsetMs = 9 * 3'600'000;

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Result<int64_t> ParseDayNumber(std::string_view day) {
  if (day.size() != 10 || day[4] != '-' || day[7] != '-') {
    return Invalid("a day is YYYY-MM-DD");
  }
  auto number = [&](size_t pos, size_t len) -> int64_t {
    int64_t v = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (day[i] < '0' || day[i] > '9') return -1;
      v = v * 10 + (day[i] - '0');
    }
    return v;
  };
  const int64_t y = number(0, 4), m = number(5, 2), d = number(8, 2);
  if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31) return Invalid("a day is YYYY-MM-DD");
  const int64_t days = DaysFromCivil(y, m, d);
  // Reject 2026-02-30 and the like: the date must round-trip.
  const int64_t next_month = m == 12 ? DaysFromCivil(y + 1, 1, 1) : DaysFromCivil(y, m + 1, 1);
  if (days >= next_month) return Invalid("no such day");
  return days;
}

std::string DayName(int64_t days) {
  // civil_from_days
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04lld-%02lld-%02lld", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d));
  return buffer;
}

}  // namespace

LedgerReason LedgerReasonOf(const Error& error) noexcept {
  if (error.domain() != ErrorDomain::kNone) return LedgerReason::kNone;
  const int64_t d = error.detail();
  if (d < static_cast<int64_t>(LedgerReason::kIdempotencyKeyReuse) ||
      d > static_cast<int64_t>(LedgerReason::kInvalidRequest)) {
    return LedgerReason::kNone;
  }
  return static_cast<LedgerReason>(d);
}

const char* LedgerReasonName(LedgerReason reason) noexcept {
  switch (reason) {
    case LedgerReason::kNone: return "none";
    case LedgerReason::kIdempotencyKeyReuse: return "idempotency_key_reuse";
    case LedgerReason::kInsufficientBalance: return "insufficient_balance";
    case LedgerReason::kProgrammeNotAccepted: return "programme_not_accepted";
    case LedgerReason::kCrossMunicipalityRefused: return "cross_municipality_refused";
    case LedgerReason::kMerchantSuspended: return "merchant_suspended";
    case LedgerReason::kNotAllowed: return "not_allowed";
    case LedgerReason::kUnknownProgramme: return "unknown_programme";
    case LedgerReason::kUnknownMerchant: return "unknown_merchant";
    case LedgerReason::kUnknownRedemption: return "unknown_redemption";
    case LedgerReason::kHoldExpired: return "hold_expired";
    case LedgerReason::kAlreadyCaptured: return "already_captured";
    case LedgerReason::kAlreadyVoided: return "already_voided";
    case LedgerReason::kNotCaptured: return "not_captured";
    case LedgerReason::kRefundExceedsCaptured: return "refund_exceeds_captured";
    case LedgerReason::kInvalidRequest: return "invalid_request";
  }
  return "none";
}

const char* RedemptionStateName(RedemptionState state) noexcept {
  switch (state) {
    case RedemptionState::kHeld: return "held";
    case RedemptionState::kCaptured: return "captured";
    case RedemptionState::kVoided: return "voided";
    case RedemptionState::kExpired: return "expired";
  }
  return "captured";
}

std::string IdempotencyScopeOf(const Caller& caller) {
  if (caller.kind == CallerKind::kTerminal) return "terminal:" + caller.terminal_id;
  switch (caller.scope) {
    case OperatorScope::kMunicipality: return "municipality:" + caller.scope_id;
    case OperatorScope::kProvider: return "provider:" + caller.scope_id;
    case OperatorScope::kPartner: return "partner:" + caller.scope_id;
    case OperatorScope::kAdmin: return "admin";
  }
  return "admin";
}

bool IsValidIdempotencyKey(std::string_view key) noexcept {
  if (key.empty() || key.size() > 255) return false;
  return std::all_of(key.begin(), key.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

Result<int64_t> JapanDayEndMs(std::string_view day) {
  MYKEY_ASSIGN_OR_RETURN(int64_t days, ParseDayNumber(day));
  return (days + 1) * kDayMs - kJapanOffsetMs;
}

std::string JapanDayOf(int64_t unix_ms) {
  int64_t shifted = unix_ms + kJapanOffsetMs;
  int64_t days = shifted / kDayMs;
  if (shifted % kDayMs < 0) --days;
  return DayName(days);
}

LedgerService::LedgerService(Store& store, LedgerOptions options)
    : store_(store), options_(std::move(options)) {}

int64_t LedgerService::NowMs() const {
  if (options_.clock) return options_.clock();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<GrantResult> LedgerService::Grant(const Caller& caller, const GrantRequest& request) {
  if (caller.kind != CallerKind::kOperator ||
      (caller.scope != OperatorScope::kAdmin && caller.scope != OperatorScope::kMunicipality)) {
    return NotAllowed("only a municipality's operator may grant points");
  }
  MYKEY_TRY(CheckKey(request.idempotency_key));
  MYKEY_TRY(CheckAmount(request.amount));
  if (!IsValidMyKeyId(request.mykey_id))
    return Invalid("not a MyKey ID (8 symbols, no look-alikes)");
  if (request.department.empty() || request.department.size() > 100) {
    return Invalid("a department has 1..100 bytes");
  }
  if (request.reason.empty() || request.reason.size() > 200) {
    return Invalid("a reason has 1..200 bytes");
  }
  const std::string scope = IdempotencyScopeOf(caller);
  const Bytes hash = Canonical("grant")
                         .Add(request.mykey_id)
                         .Add(request.programme_id)
                         .Add(request.amount)
                         .Add(request.expires_at_ms)
                         .Add(request.department)
                         .Add(request.reason)
                         .Hash();
  GrantResult result;
  const Status status =
      store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
        const int64_t now = NowMs();
        MYKEY_ASSIGN_OR_RETURN(auto stored,
                               FindStored(tx, scope, request.idempotency_key, hash, now));
        if (stored) {
          MYKEY_ASSIGN_OR_RETURN(result, ledger_codec::DecodeGrant(*stored));
          result.replayed = true;
          return Ok();
        }
        MYKEY_ASSIGN_OR_RETURN(ProgrammeRow programme, LoadProgramme(tx, request.programme_id));
        if (!IsAdmin(caller) && caller.scope_id != programme.municipality_code) {
          return NotAllowed("the programme belongs to another municipality");
        }
        if (request.expires_at_ms <= now) return Invalid("the expiry must be in the future");
        MYKEY_ASSIGN_OR_RETURN(int64_t issuance,
                               AccountFor(tx, AccountKind::kIssuance, programme.id, "", now));
        MYKEY_ASSIGN_OR_RETURN(int64_t holder, AccountFor(tx, AccountKind::kHolder, programme.id,
                                                          request.mykey_id, now));
        TransferHeader header{"grant",      programme.id, request.amount,          std::nullopt,
                              std::nullopt, scope,        request.idempotency_key, now};
        MYKEY_ASSIGN_OR_RETURN(int64_t transfer_id, InsertTransfer(tx, header));
        MYKEY_ASSIGN_OR_RETURN(
            int64_t lot_id,
            InsertLot(tx, {holder, "grant", transfer_id, request.amount, request.expires_at_ms,
                           request.department, request.reason, now}));
        MYKEY_TRY(Post(tx, transfer_id,
                       {{issuance, std::nullopt, -request.amount, false},
                        {holder, lot_id, request.amount, true}}));
        MYKEY_TRY(premium::AddPremium(tx, programme.id, holder, request.amount,
                                      request.expires_at_ms, now));
        result = GrantResult{};
        result.transfer_id = transfer_id;
        result.lot_id = lot_id;
        result.mykey_id = request.mykey_id;
        result.programme_id = programme.id;
        result.amount = request.amount;
        result.expires_at_ms = request.expires_at_ms;
        MYKEY_ASSIGN_OR_RETURN(result.balance, SpendableBalance(tx, holder, now));
        result.created_at_ms = now;
        return StoreResult(tx, scope, request.idempotency_key, hash, kCreated,
                           ledger_codec::Encode(result), now, options_.idempotency_window.count());
      });
  if (!status) return Fail(status.error());
  return result;
}

Result<Redemption> LedgerService::Redeem(const Caller& caller, const RedemptionRequest& request) {
  MYKEY_ASSIGN_OR_RETURN(int64_t merchant_id, MerchantOf(caller));
  MYKEY_TRY(CheckKey(request.idempotency_key));
  MYKEY_TRY(CheckAmount(request.amount));
  if (!IsValidMyKeyId(request.mykey_id))
    return Invalid("not a MyKey ID (8 symbols, no look-alikes)");
  const std::string scope = IdempotencyScopeOf(caller);
  const Bytes hash = Canonical("redemption")
                         .Add(merchant_id)
                         .Add(request.mykey_id)
                         .Add(request.programme_id)
                         .Add(request.amount)
                         .Add(request.hold ? 1 : 0)
                         .Hash();
  Redemption result;
  const Status status = WithRequestTransaction(store_, caller, [&](Transaction& tx) -> Status {
    const int64_t now = NowMs();
    MYKEY_ASSIGN_OR_RETURN(auto stored, FindStored(tx, scope, request.idempotency_key, hash, now));
    if (stored) {
      MYKEY_ASSIGN_OR_RETURN(result, ledger_codec::DecodeRedemption(*stored));
      result.replayed = true;
      return Ok();
    }
    // The merchant, the programme and the rules between them, in one read.
    MYKEY_ASSIGN_OR_RETURN(
        auto rules,
        tx.QueryRow("SELECT m.status, m.municipality_code, p.municipality_code,"
                    " mu.cross_municipality_use,"
                    " CASE WHEN EXISTS (SELECT 1 FROM merchant_programmes mp"
                    "   WHERE mp.merchant_id = m.id AND mp.programme_id = p.id) THEN 1 ELSE 0 END"
                    " FROM merchants m, programmes p JOIN municipalities mu"
                    " ON mu.code = p.municipality_code WHERE m.id = $1 AND p.id = $2",
                    {merchant_id, request.programme_id}));
    if (!rules) {
      MYKEY_ASSIGN_OR_RETURN(auto merchant,
                             tx.QueryRow("SELECT id FROM merchants WHERE id = $1", {merchant_id}));
      if (!merchant) {
        return Refuse(ErrorCode::kNotFound, LedgerReason::kUnknownMerchant,
                      "the terminal's site is not a merchant");
      }
      return Refuse(ErrorCode::kNotFound, LedgerReason::kUnknownProgramme, "no such programme");
    }
    if (rules->Text(0) != "active") {
      return Refuse(ErrorCode::kPermissionDenied, LedgerReason::kMerchantSuspended,
                    "the merchant is suspended");
    }
    if (rules->Int(4) == 0) {
      return Refuse(ErrorCode::kPermissionDenied, LedgerReason::kProgrammeNotAccepted,
                    "the merchant does not accept this programme");
    }
    if (rules->Text(1) != rules->Text(2) && rules->Int(3) == 0) {
      return Refuse(ErrorCode::kPermissionDenied, LedgerReason::kCrossMunicipalityRefused,
                    "the programme's municipality does not allow use elsewhere");
    }
    MYKEY_ASSIGN_OR_RETURN(auto holder,
                           LockHolderAccount(tx, request.programme_id, request.mykey_id));
    if (!holder) {
      return Refuse(ErrorCode::kFailedPrecondition, LedgerReason::kInsufficientBalance,
                    "the balance is too low");
    }
    // Lazily: holds of this holder past their timeout go back first, so
    // their points can be spent.
    MYKEY_ASSIGN_OR_RETURN(
        auto stale_holds,
        tx.Query("SELECT id FROM ledger_redemptions WHERE account_id = $1 AND state = 'held'"
                 " AND hold_expires_at_ms <= $2",
                 {*holder, now}));
    for (const Row& stale : stale_holds) {
      MYKEY_ASSIGN_OR_RETURN(auto row, LoadRedemption(tx, stale.Int(0)));
      if (row) MYKEY_TRY(ReleaseHold(tx, *row, "hold_expiry", "expired", now));
    }
    MYKEY_ASSIGN_OR_RETURN(auto lots,
                           tx.Query("SELECT id, remaining, expires_at_ms FROM ledger_lots"
                                    " WHERE account_id = $1 AND remaining > 0"
                                    " ORDER BY expires_at_ms, id",
                                    {*holder}));
    // Soonest-expiring first; expired lots on the way are expired now.
    std::vector<std::pair<int64_t, int64_t>> take;  // (lot, points)
    int64_t needed = request.amount;
    for (const Row& lot : lots) {
      if (lot.Int(2) <= now) {
        MYKEY_TRY(ExpireLot(tx, lot.Int(0), *holder, request.programme_id, lot.Int(1), now));
        continue;
      }
      if (needed == 0) break;
      const int64_t points = std::min(needed, lot.Int(1));
      take.emplace_back(lot.Int(0), points);
      needed -= points;
    }
    if (needed > 0) {
      return Refuse(ErrorCode::kFailedPrecondition, LedgerReason::kInsufficientBalance,
                    "the balance is too low");
    }
    const bool hold = request.hold;
    const int64_t hold_ms = options_.hold_timeout.count();
    MYKEY_ASSIGN_OR_RETURN(
        auto inserted,
        tx.QueryRow(
            "INSERT INTO ledger_redemptions (merchant_id, programme_id, account_id,"
            " amount, state, hold_expires_at_ms, created_at_ms, finished_at_ms)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            {merchant_id, request.programme_id, *holder, request.amount, hold ? "held" : "captured",
             hold ? SqlValue(now + hold_ms) : SqlValue(), now, hold ? SqlValue() : SqlValue(now)}));
    if (!inserted) return Fail(ErrorCode::kInternal, "INSERT RETURNING gave no row");
    const int64_t redemption_id = inserted->Int(0);
    MYKEY_ASSIGN_OR_RETURN(int64_t credit,
                           hold ? AccountFor(tx, AccountKind::kHold, request.programme_id, "", now)
                                : AccountFor(tx, AccountKind::kReceivable, request.programme_id,
                                             std::to_string(merchant_id), now));
    TransferHeader header{hold ? "hold" : "redemption",
                          request.programme_id,
                          request.amount,
                          merchant_id,
                          redemption_id,
                          scope,
                          request.idempotency_key,
                          now};
    MYKEY_ASSIGN_OR_RETURN(int64_t transfer_id, InsertTransfer(tx, header));
    std::vector<Posting> postings;
    for (const auto& [lot_id, points] : take) {
      postings.push_back({*holder, lot_id, -points, true});
      MYKEY_TRY(
          tx.Execute("INSERT INTO ledger_redemption_lots (redemption_id, lot_id, amount)"
                     " VALUES ($1, $2, $3)",
                     {redemption_id, lot_id, points}));
    }
    postings.push_back({credit, std::nullopt, request.amount, false});
    MYKEY_TRY(Post(tx, transfer_id, postings));
    result = Redemption{};
    result.redemption_id = redemption_id;
    result.operation = "redemption";
    result.merchant_id = merchant_id;
    result.programme_id = request.programme_id;
    result.mykey_id = request.mykey_id;
    result.amount = request.amount;
    result.state = hold ? RedemptionState::kHeld : RedemptionState::kCaptured;
    if (hold) result.hold_expires_at_ms = now + hold_ms;
    MYKEY_ASSIGN_OR_RETURN(result.balance, SpendableBalance(tx, *holder, now));
    result.created_at_ms = now;
    return StoreResult(tx, scope, request.idempotency_key, hash, kCreated,
                       ledger_codec::Encode(result), now, options_.idempotency_window.count());
  });
  if (!status) return Fail(status.error());
  return result;
}

Result<Redemption> LedgerService::Capture(const Caller& caller, std::string_view idempotency_key,
                                          int64_t redemption_id) {
  MYKEY_ASSIGN_OR_RETURN(int64_t merchant_id, MerchantOf(caller));
  MYKEY_TRY(CheckKey(idempotency_key));
  const std::string scope = IdempotencyScopeOf(caller);
  const Bytes hash = Canonical("capture").Add(merchant_id).Add(redemption_id).Hash();
  Redemption result;
  const Status status = WithRequestTransaction(store_, caller, [&](Transaction& tx) -> Status {
    const int64_t now = NowMs();
    MYKEY_ASSIGN_OR_RETURN(auto stored, FindStored(tx, scope, idempotency_key, hash, now));
    if (stored) {
      MYKEY_ASSIGN_OR_RETURN(result, ledger_codec::DecodeRedemption(*stored));
      result.replayed = true;
      return Ok();
    }
    MYKEY_ASSIGN_OR_RETURN(RedemptionRow r, LoadOwnRedemption(tx, merchant_id, redemption_id));
    if (r.state == "voided") {
      return Refuse(ErrorCode::kFailedPrecondition, LedgerReason::kAlreadyVoided,
                    "the hold was voided");
    }
    if (r.state == "expired" || (r.state == "held" && *r.hold_expires_at_ms <= now)) {
      return Refuse(ErrorCode::kFailedPrecondition, LedgerReason::kHoldExpired,
                    "the hold timed out");
    }
    if (r.state == "held") {
      MYKEY_ASSIGN_OR_RETURN(int64_t hold_account,
                             AccountFor(tx, AccountKind::kHold, r.programme_id, "", now));
      MYKEY_ASSIGN_OR_RETURN(int64_t receivable,
                             AccountFor(tx, AccountKind::kReceivable, r.programme_id,
                                        std::to_string(merchant_id), now));
      TransferHeader header{"capture",
                            r.programme_id,
                            r.amount,
                            merchant_id,
                            r.id,
                            scope,
                            std::string(idempotency_key),
                            now};
      MYKEY_ASSIGN_OR_RETURN(int64_t transfer_id, InsertTransfer(tx, header));
      MYKEY_TRY(Post(tx, transfer_id,
                     {{hold_account, std::nullopt, -r.amount, false},
                      {receivable, std::nullopt, r.amount, false}}));
      MYKEY_TRY(
          tx.Execute("UPDATE ledger_redemptions SET state = 'captured',"
                     " finished_at_ms = $1 WHERE id = $2 AND state = 'held'",
                     {now, r.id}));
      r.state = "captured";
    }
    MYKEY_ASSIGN_OR_RETURN(result, ViewOf(tx, r, "capture", now));
    return StoreResult(tx, scope, idempotency_key, hash, kOk, ledger_codec::Encode(result), now,
                       options_.idempotency_window.count());
  });
  if (!status) return Fail(status.error());
  return result;
}

Result<Redemption> LedgerService::Void(const Caller& caller, std::string_view idempotency_key,
                                       int64_t redemption_id) {
  MYKEY_ASSIGN_OR_RETURN(int64_t merchant_id, MerchantOf(caller));
  MYKEY_TRY(CheckKey(idempotency_key));
  const std::string scope = IdempotencyScopeOf(caller);
  const Bytes hash = Canonical("void").Add(merchant_id).Add(redemption_id).Hash();
  Redemption result;
  const Status status = WithRequestTransaction(store_, caller, [&](Transaction& tx) -> Status {
    const int64_t now = NowMs();
    MYKEY_ASSIGN_OR_RETURN(auto stored, FindStored(tx, scope, idempotency_key, hash, now));
    if (stored) {
      MYKEY_ASSIGN_OR_RETURN(result, ledger_codec::DecodeRedemption(*stored));
      result.replayed = true;
      return Ok();
    }
    MYKEY_ASSIGN_OR_RETURN(RedemptionRow r, LoadOwnRedemption(tx, merchant_id, redemption_id));
    if (r.state == "captured") {
      return Refuse(ErrorCode::kFailedPrecondition, LedgerReason::kAlreadyCaptured,
                    "the redemption is captured: refund it instead");
    }
    if (r.state == "held") {
      const bool timed_out = *r.hold_expires_at_ms <= now;
      const char* kind = timed_out ? "hold_expiry" : "void";
      const char* state = timed_out ? "expired" : "voided";
      MYKEY_TRY(ReleaseHold(tx, r, kind, state, now));
      r.state = state;
    }
    MYKEY_ASSIGN_OR_RETURN(result, ViewOf(tx, r, "void", now));
    return StoreResult(tx, scope, idempotency_key, hash, kOk, ledger_codec::Encode(result), now,
                       options_.idempotency_window.count());
  });
  if (!status) return Fail(status.error());
  return result;
}

Result<RefundResult> LedgerService::Refund(const Caller& caller, const RefundRequest& request) {
  MYKEY_ASSIGN_OR_RETURN(int64_t merchant_id, MerchantOf(caller));
  MYKEY_TRY(CheckKey(request.idempotency_key));
  MYKEY_TRY(CheckAmount(request.amount));
  const std::string scope = IdempotencyScopeOf(caller);
  const Bytes hash =
      Canonical("refund").Add(merchant_id).Add(request.redemption_id).Add(request.amount).Hash();
  RefundResult result;
  const Status status = WithRequestTransaction(store_, caller, [&](Transaction& tx) -> Status {
    const int64_t now = NowMs();
    MYKEY_ASSIGN_OR_RETURN(auto stored, FindStored(tx, scope, request.idempotency_key, hash, now));
    if (stored) {
      MYKEY_ASSIGN_OR_RETURN(result, ledger_codec::DecodeRefund(*stored));
      result.replayed = true;
      return Ok();
    }
    MYKEY_ASSIGN_OR_RETURN(RedemptionRow r,
                           LoadOwnRedemption(tx, merchant_id, request.redemption_id));
    if (r.state != "captured") {
      return Refuse(ErrorCode::kFailedPrecondition, LedgerReason::kNotCaptured,
                    "only a captured redemption can be refunded");
    }
    if (request.amount > r.amount - r.refunded) {
      return Refuse(ErrorCode::kFailedPrecondition, LedgerReason::kRefundExceedsCaptured,
                    "the refund exceeds what is left of the redemption");
    }
    // Back into the lots it came from, latest-expiring first (those were
    // spent last); a lot that has expired since gives its share to one
    // new refund lot.
    MYKEY_ASSIGN_OR_RETURN(
        auto allocations,
        tx.Query("SELECT rl.lot_id, rl.amount - rl.returned, l.expires_at_ms"
                 " FROM ledger_redemption_lots rl JOIN ledger_lots l ON l.id = rl.lot_id"
                 " WHERE rl.redemption_id = $1 AND rl.returned < rl.amount"
                 " ORDER BY l.expires_at_ms DESC, l.id DESC",
                 {r.id}));
    MYKEY_ASSIGN_OR_RETURN(
        int64_t receivable,
        AccountFor(tx, AccountKind::kReceivable, r.programme_id, std::to_string(merchant_id), now));
    TransferHeader header{"refund", r.programme_id, request.amount,          merchant_id,
                          r.id,     scope,          request.idempotency_key, now};
    MYKEY_ASSIGN_OR_RETURN(int64_t transfer_id, InsertTransfer(tx, header));
    std::vector<Posting> postings;
    postings.push_back({receivable, std::nullopt, -request.amount, false});
    int64_t rest = request.amount;
    int64_t to_new_lot = 0;
    for (const Row& allocation : allocations) {
      if (rest == 0) break;
      const int64_t points = std::min(rest, allocation.Int(1));
      rest -= points;
      MYKEY_TRY(
          tx.Execute("UPDATE ledger_redemption_lots SET returned = returned + $1"
                     " WHERE redemption_id = $2 AND lot_id = $3",
                     {points, r.id, allocation.Int(0)}));
      if (allocation.Int(2) > now) {
        postings.push_back({r.account_id, allocation.Int(0), points, true});
      } else {
        to_new_lot += points;
      }
    }
    if (rest != 0) return Fail(ErrorCode::kInternal, "redemption lots do not cover the refund");
    if (to_new_lot > 0) {
      MYKEY_ASSIGN_OR_RETURN(
          int64_t lot_id,
          InsertLot(tx, {r.account_id, "refund", transfer_id, to_new_lot,
                         now + options_.refund_grace.count(), std::nullopt, std::nullopt, now}));
      postings.push_back({r.account_id, lot_id, to_new_lot, true});
    }
    MYKEY_TRY(Post(tx, transfer_id, postings));
    MYKEY_TRY(tx.Execute("UPDATE ledger_redemptions SET refunded = refunded + $1 WHERE id = $2",
                         {request.amount, r.id}));
    result = RefundResult{};
    result.transfer_id = transfer_id;
    result.redemption_id = r.id;
    result.amount = request.amount;
    result.refunded_total = r.refunded + request.amount;
    MYKEY_ASSIGN_OR_RETURN(result.balance, SpendableBalance(tx, r.account_id, now));
    result.created_at_ms = now;
    return StoreResult(tx, scope, request.idempotency_key, hash, kCreated,
                       ledger_codec::Encode(result), now, options_.idempotency_window.count());
  });
  if (!status) return Fail(status.error());
  return result;
}

Result<std::vector<ProgrammeBalance>> LedgerService::Balances(const Caller& caller,
                                                              std::string_view mykey_id) {
  // Terminals: all the holder's programmes (the holder is at the counter;
  // the card-session check joins here later). Operators: their own.
  std::string only_municipality;
  if (caller.kind == CallerKind::kOperator) {
    auto municipality = OperatorMunicipality(caller);
    if (!municipality) return NotAllowed("this operator may not read balances");
    only_municipality = *municipality;
  }
  if (!IsValidMyKeyId(mykey_id)) return Invalid("not a MyKey ID (8 symbols, no look-alikes)");
  std::vector<ProgrammeBalance> out;
  const Status status =
      store_.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
        out.clear();
        const int64_t now = NowMs();
        MYKEY_ASSIGN_OR_RETURN(
            auto accounts,
            tx.Query("SELECT a.id, a.programme_id, p.code, p.municipality_code"
                     " FROM ledger_accounts a JOIN programmes p ON p.id = a.programme_id"
                     " WHERE a.owner = $1 AND a.kind = 'holder'"
                     " AND ($2 = '' OR p.municipality_code = $2) ORDER BY a.programme_id",
                     {mykey_id, only_municipality}));
        for (const Row& account : accounts) {
          ProgrammeBalance balance;
          balance.programme_id = account.Int(1);
          balance.programme_code = account.Text(2);
          balance.municipality_code = account.Text(3);
          MYKEY_ASSIGN_OR_RETURN(
              auto lots, tx.Query("SELECT id, source, remaining, expires_at_ms FROM ledger_lots"
                                  " WHERE account_id = $1 AND remaining > 0 AND expires_at_ms > $2"
                                  " ORDER BY expires_at_ms, id",
                                  {account.Int(0), now}));
          for (const Row& lot : lots) {
            balance.lots.push_back({lot.Int(0), lot.Text(1), lot.Int(2), lot.Int(3)});
            balance.balance += lot.Int(2);
          }
          MYKEY_ASSIGN_OR_RETURN(
              auto held, tx.QueryRow("SELECT COALESCE(SUM(amount), 0) FROM ledger_redemptions"
                                     " WHERE account_id = $1 AND state = 'held'",
                                     {account.Int(0)}));
          balance.held = held ? held->Int(0) : 0;
          out.push_back(std::move(balance));
        }
        return Ok();
      });
  if (!status) return Fail(status.error());
  return out;
}

Result<OperationRecord> LedgerService::FindOperation(const Caller& caller,
                                                     std::string_view idempotency_key) {
  MYKEY_TRY(CheckKey(idempotency_key));
  const std::string scope = IdempotencyScopeOf(caller);
  std::optional<OperationRecord> found;
  const Status status =
      store_.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
        MYKEY_ASSIGN_OR_RETURN(
            auto row, tx.QueryRow("SELECT status_code, response_body, created_at_ms, expires_at_ms"
                                  " FROM idempotency_records WHERE caller = $1"
                                  " AND idempotency_key = $2 AND expires_at_ms > $3",
                                  {scope, idempotency_key, NowMs()}));
        if (row) {
          found = OperationRecord{std::string(idempotency_key), static_cast<int>(row->Int(0)),
                                  row->Text(1), row->Int(2), row->Int(3)};
        }
        return Ok();
      });
  if (!status) return Fail(status.error());
  if (!found) return Fail(ErrorCode::kNotFound, "no operation with this key");
  return std::move(*found);
}

Result<SweepReport> LedgerService::SweepExpiredLots() {
  SweepReport report;
  const int64_t batch = std::max(1, options_.sweep_batch);
  for (;;) {
    SweepReport step;
    const Status status =
        store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
          step = SweepReport{};
          const int64_t now = NowMs();
          MYKEY_ASSIGN_OR_RETURN(
              auto lots,
              tx.Query("SELECT l.id, l.account_id, a.programme_id, l.remaining"
                       " FROM ledger_lots l JOIN ledger_accounts a ON a.id = l.account_id"
                       " WHERE l.remaining > 0 AND l.expires_at_ms <= $1"
                       " ORDER BY l.expires_at_ms, l.id LIMIT $2",
                       {now, batch}));
          for (const Row& lot : lots) {
            MYKEY_TRY(ExpireLot(tx, lot.Int(0), lot.Int(1), lot.Int(2), lot.Int(3), now));
            step.items += 1;
            step.points += lot.Int(3);
          }
          return Ok();
        });
    if (!status) return Fail(status.error());
    report.items += step.items;
    report.points += step.points;
    if (step.items < batch) return report;
  }
}

Result<SweepReport> LedgerService::SweepExpiredHolds() {
  SweepReport report;
  const int64_t batch = std::max(1, options_.sweep_batch);
  for (;;) {
    SweepReport step;
    const Status status =
        store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
          step = SweepReport{};
          const int64_t now = NowMs();
          MYKEY_ASSIGN_OR_RETURN(auto holds,
                                 tx.Query("SELECT id FROM ledger_redemptions WHERE state = 'held'"
                                          " AND hold_expires_at_ms <= $1"
                                          " ORDER BY hold_expires_at_ms, id LIMIT $2",
                                          {now, batch}));
          for (const Row& hold : holds) {
            MYKEY_ASSIGN_OR_RETURN(auto row, LoadRedemption(tx, hold.Int(0)));
            if (!row) continue;
            MYKEY_TRY(ReleaseHold(tx, *row, "hold_expiry", "expired", now));
            step.items += 1;
            step.points += row->amount;
          }
          return Ok();
        });
    if (!status) return Fail(status.error());
    report.items += step.items;
    report.points += step.points;
    if (step.items < batch) return report;
  }
}

Result<std::string> LedgerService::SettlementCsv(const Caller& caller, int64_t merchant_id,
                                                 std::string_view from_day,
                                                 std::string_view to_day) {
  auto municipality = OperatorMunicipality(caller);
  if (!municipality) return NotAllowed("only a municipality's operator may read settlements");
  MYKEY_ASSIGN_OR_RETURN(int64_t from_days, ParseDayNumber(from_day));
  MYKEY_ASSIGN_OR_RETURN(int64_t to_days, ParseDayNumber(to_day));
  if (to_days < from_days || to_days - from_days > 366) {
    return Invalid("a settlement period is 1..367 days, from <= to");
  }
  const int64_t from_ms = from_days * kDayMs - kJapanOffsetMs;
  const int64_t to_ms = (to_days + 1) * kDayMs - kJapanOffsetMs;
  std::string csv = "date,merchant_id,programme_id,programme_code,redeemed,refunded,net\n";
  const Status status =
      store_.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
        MYKEY_ASSIGN_OR_RETURN(
            auto merchant, tx.QueryRow("SELECT id FROM merchants WHERE id = $1", {merchant_id}));
        if (!merchant) {
          return Refuse(ErrorCode::kNotFound, LedgerReason::kUnknownMerchant, "no such merchant");
        }
        MYKEY_ASSIGN_OR_RETURN(
            auto rows,
            tx.Query("SELECT (t.created_at_ms + $4) / $5 AS day, t.programme_id, p.code,"
                     " SUM(CASE WHEN t.kind = 'refund' THEN 0 ELSE t.amount END),"
                     " SUM(CASE WHEN t.kind = 'refund' THEN t.amount ELSE 0 END)"
                     " FROM ledger_transfers t JOIN programmes p ON p.id = t.programme_id"
                     " WHERE t.merchant_id = $1 AND t.created_at_ms >= $2 AND t.created_at_ms < $3"
                     " AND t.kind IN ('redemption', 'capture', 'refund')"
                     " AND ($6 = '' OR p.municipality_code = $6)"
                     " GROUP BY day, t.programme_id, p.code ORDER BY day, t.programme_id",
                     {merchant_id, from_ms, to_ms, kJapanOffsetMs, kDayMs, *municipality}));
        for (const Row& row : rows) {
          csv += DayName(row.Int(0));
          csv += ',' + std::to_string(merchant_id);
          csv += ',' + std::to_string(row.Int(1));
          csv += ',' + CsvField(row.Text(2));
          csv += ',' + std::to_string(row.Int(3));
          csv += ',' + std::to_string(row.Int(4));
          csv += ',' + std::to_string(row.Int(3) - row.Int(4));
          csv += '\n';
        }
        return Ok();
      });
  if (!status) return Fail(status.error());
  return csv;
}

Result<std::string> LedgerService::UnusedBalanceCsv(const Caller& caller,
                                                    std::string_view municipality_code,
                                                    std::string_view day) {
  auto municipality = OperatorMunicipality(caller);
  if (!municipality) return NotAllowed("only a municipality's operator may read balances");
  if (!municipality->empty() && *municipality != municipality_code) {
    return NotAllowed("another municipality's report");
  }
  if (municipality_code.size() != 6) return Invalid("a municipality code has 6 digits");
  MYKEY_ASSIGN_OR_RETURN(int64_t cutoff, JapanDayEndMs(day));
  std::string csv = "programme_id,programme_code,holders,unused\n";
  const Status status =
      store_.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
        MYKEY_ASSIGN_OR_RETURN(auto programmes,
                               tx.Query("SELECT id, code FROM programmes"
                                        " WHERE municipality_code = $1 ORDER BY id",
                                        {municipality_code}));
        // What each holder account had in lots still valid at the last
        // moment of the day, from the postings made before its end.
        MYKEY_ASSIGN_OR_RETURN(auto accounts,
                               tx.Query("SELECT a.programme_id, a.id, SUM(po.amount)"
                                        " FROM ledger_postings po"
                                        " JOIN ledger_transfers t ON t.id = po.transfer_id"
                                        " JOIN ledger_lots l ON l.id = po.lot_id"
                                        " JOIN ledger_accounts a ON a.id = l.account_id"
                                        " JOIN programmes p ON p.id = a.programme_id"
                                        " WHERE p.municipality_code = $1 AND t.created_at_ms < $2"
                                        " AND l.expires_at_ms >= $2"
                                        " GROUP BY a.programme_id, a.id",
                                        {municipality_code, cutoff}));
        std::map<int64_t, std::pair<int64_t, int64_t>> per_programme;  // holders, unused
        for (const Row& account : accounts) {
          if (account.Int(2) <= 0) continue;
          auto& entry = per_programme[account.Int(0)];
          entry.first += 1;
          entry.second += account.Int(2);
        }
        for (const Row& programme : programmes) {
          const auto entry = per_programme[programme.Int(0)];
          csv += std::to_string(programme.Int(0)) + ',' + CsvField(programme.Text(1)) + ',' +
                 std::to_string(entry.first) + ',' + std::to_string(entry.second) + '\n';
        }
        return Ok();
      });
  if (!status) return Fail(status.error());
  return csv;
}

Result<ReconcileReport> LedgerService::Reconcile() {
  ReconcileReport report;
  const Status status =
      store_.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
        report = ReconcileReport{};
        auto problem = [&](std::string text) { report.problems.push_back(std::move(text)); };
        MYKEY_ASSIGN_OR_RETURN(auto totals, tx.QueryRow("SELECT COUNT(*), COALESCE(SUM(amount), 0)"
                                                        " FROM ledger_postings"));
        report.postings = totals ? totals->Int(0) : 0;
        report.postings_sum = totals ? totals->Int(1) : 0;
        if (report.postings_sum != 0) {
          problem("all postings sum to " + std::to_string(report.postings_sum) + ", not 0");
        }
        MYKEY_ASSIGN_OR_RETURN(auto transfers,
                               tx.QueryRow("SELECT COUNT(*) FROM ledger_transfers"));
        report.transfers = transfers ? transfers->Int(0) : 0;
        MYKEY_ASSIGN_OR_RETURN(auto unbalanced,
                               tx.Query("SELECT transfer_id, SUM(amount) FROM ledger_postings"
                                        " GROUP BY transfer_id HAVING SUM(amount) <> 0"));
        for (const Row& row : unbalanced) {
          problem("transfer " + std::to_string(row.Int(0)) + " sums to " +
                  std::to_string(row.Int(1)));
        }
        MYKEY_ASSIGN_OR_RETURN(
            auto empty,
            tx.QueryRow("SELECT COUNT(*) FROM ledger_transfers t WHERE NOT EXISTS"
                        " (SELECT 1 FROM ledger_postings p WHERE p.transfer_id = t.id)"));
        if (empty && empty->Int(0) != 0) {
          problem(std::to_string(empty->Int(0)) + " transfers without postings");
        }
        // Every account, its balance recomputed from the postings.
        MYKEY_ASSIGN_OR_RETURN(
            auto accounts,
            tx.Query("SELECT a.id, a.kind, a.balance, COALESCE(SUM(p.amount), 0),"
                     " a.programme_id, a.owner,"
                     " (SELECT COALESCE(SUM(l.remaining), 0) FROM ledger_lots l"
                     "   WHERE l.account_id = a.id)"
                     " FROM ledger_accounts a LEFT JOIN ledger_postings p ON p.account_id = a.id"
                     " GROUP BY a.id, a.kind, a.balance, a.programme_id, a.owner"));
        std::map<int64_t, int64_t> hold_by_programme;
        std::map<std::pair<std::string, int64_t>, int64_t> receivable_by_merchant;
        for (const Row& a : accounts) {
          const std::string& kind = a.Text(1);
          const int64_t derived = a.Int(3);
          const std::string id = std::to_string(a.Int(0));
          if (kind == "holder") {
            report.holder_balances += derived;
            if (a.Int(2) != derived) problem("holder account " + id + ": stored balance differs");
            if (a.Int(6) != derived)
              problem("holder account " + id + ": lots differ from postings");
          } else if (kind == "issuance") {
            report.issued -= derived;
            if (derived > 0) problem("issuance account " + id + " above zero");
          } else if (kind == "hold") {
            report.held += derived;
            hold_by_programme[a.Int(4)] += derived;
          } else if (kind == "receivable") {
            report.spent += derived;
            receivable_by_merchant[{a.Text(5), a.Int(4)}] += derived;
          } else if (kind == "expiry") {
            report.expired += derived;
          } else {
            report.other += derived;
          }
          if (kind != "issuance" && derived < 0) {
            problem(kind + " account " + id + " below zero: " + std::to_string(derived));
          }
        }
        MYKEY_ASSIGN_OR_RETURN(
            auto lots, tx.Query("SELECT l.id, l.remaining, COALESCE(SUM(p.amount), 0)"
                                " FROM ledger_lots l LEFT JOIN ledger_postings p ON p.lot_id = l.id"
                                " GROUP BY l.id, l.remaining"
                                " HAVING l.remaining <> COALESCE(SUM(p.amount), 0)"
                                " OR l.remaining < 0"));
        for (const Row& lot : lots) {
          problem("lot " + std::to_string(lot.Int(0)) + ": remaining " +
                  std::to_string(lot.Int(1)) + " but postings give " + std::to_string(lot.Int(2)));
        }
        MYKEY_ASSIGN_OR_RETURN(
            auto misplaced, tx.QueryRow("SELECT COUNT(*) FROM ledger_postings p JOIN ledger_lots l"
                                        " ON l.id = p.lot_id WHERE p.account_id <> l.account_id"));
        if (misplaced && misplaced->Int(0) != 0) {
          problem(std::to_string(misplaced->Int(0)) + " lot postings on another account");
        }
        MYKEY_ASSIGN_OR_RETURN(auto holds,
                               tx.Query("SELECT programme_id, SUM(amount) FROM ledger_redemptions"
                                        " WHERE state = 'held' GROUP BY programme_id"));
        std::map<int64_t, int64_t> pending;
        for (const Row& row : holds) pending[row.Int(0)] = row.Int(1);
        for (const auto& [programme, amount] : hold_by_programme) {
          if (pending[programme] != amount) {
            problem("programme " + std::to_string(programme) +
                    ": hold account differs from pending holds");
          }
        }
        for (const auto& [programme, amount] : pending) {
          if (hold_by_programme[programme] != amount) {
            problem("programme " + std::to_string(programme) + ": pending holds without postings");
          }
        }
        MYKEY_ASSIGN_OR_RETURN(auto captured,
                               tx.Query("SELECT merchant_id, programme_id, SUM(amount - refunded)"
                                        " FROM ledger_redemptions WHERE state = 'captured'"
                                        " GROUP BY merchant_id, programme_id"));
        std::map<std::pair<std::string, int64_t>, int64_t> owed;
        for (const Row& row : captured) {
          owed[{std::to_string(row.Int(0)), row.Int(1)}] = row.Int(2);
        }
        for (const auto& [key, amount] : receivable_by_merchant) {
          if (owed[key] != amount) {
            problem("merchant " + key.first + " programme " + std::to_string(key.second) +
                    ": receivable differs from captured minus refunded");
          }
        }
        for (const auto& [key, amount] : owed) {
          if (receivable_by_merchant[key] != amount) {
            problem("merchant " + key.first + ": captured redemptions without receivable");
          }
        }
        MYKEY_TRY(conversion_reconcile::Check(tx, report));
        const int64_t accounted =
            report.holder_balances + report.held + report.spent + report.expired + report.other;
        if (report.issued != accounted) {
          problem("issued " + std::to_string(report.issued) + " but accounted " +
                  std::to_string(accounted));
        }
        return Ok();
      });
  if (!status) return Fail(status.error());
  return report;
}

}  // namespace mykey::cloud
