#include "mykey/ledger/voucher_service.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <tuple>
#include <utility>

#include "ledger_store.h"
#include "mykey/crypto/sha256.h"
#include "mykey/protocol/errors.h"
#include "mykey/protocol/voucher_serial.h"
#include "mykey/protocol/voucher_token.h"
#include "mykey/registry/mykey_id.h"
#include "voucher_codec.h"

namespace mykey::cloud {

using namespace ledger_store;  // NOLINT(google-build-using-namespace): this module's own helpers

namespace {

constexpr int kCreated = 201;
constexpr int kOk = 200;
constexpr const char* kLiability = "voucher_liability";
constexpr const char* kStatesOutstanding = "('pending_print', 'issued')";

internal::Unexpected Refuse(ErrorCode code, LedgerReason reason, const char* message) {
  return Fail(Error(code, message, ErrorDomain::kNone, static_cast<int64_t>(reason)));
}

internal::Unexpected Refuse(ErrorCode code, VoucherReason reason, const char* message) {
  return Fail(Error(code, message, ErrorDomain::kNone, static_cast<int64_t>(reason)));
}

internal::Unexpected NotAllowed(const char* message) {
  return Refuse(ErrorCode::kPermissionDenied, LedgerReason::kNotAllowed, message);
}

internal::Unexpected Invalid(const char* message) {
  return Refuse(ErrorCode::kInvalidArgument, LedgerReason::kInvalidRequest, message);
}

internal::Unexpected UnknownVoucher() {
  return Refuse(ErrorCode::kNotFound, VoucherReason::kUnknownVoucher, "no such voucher");
}

/// A canonical, unambiguous text of a request, hashed for the idempotency
/// check (each field with its length).
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

/// The merchant id of a terminal's site.
Result<int64_t> SiteOf(const Caller& caller, const char* message) {
  if (caller.kind != CallerKind::kTerminal) return NotAllowed(message);
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

/// The municipality whose vouchers an operator may see: "" for admin,
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

/// The canonical text of a typed or scanned serial.
Result<std::string> CanonicalSerial(std::string_view serial) {
  auto parsed = protocol::VoucherSerial::Parse(serial);
  if (!parsed) return Invalid("not a voucher serial (10 symbols with a check symbol)");
  return parsed->ToString();
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

/// The voucher liability account of a programme: owner "" holds the
/// outstanding vouchers, owner "merchant:<id>" what is owed to a merchant for
/// redeemed vouchers. Created on first use.
Result<int64_t> LiabilityAccount(Transaction& tx, int64_t programme_id, const std::string& owner,
                                 int64_t now) {
  MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow("SELECT id FROM ledger_accounts WHERE kind = $1"
                                               " AND programme_id = $2 AND owner = $3",
                                               {kLiability, programme_id, owner}));
  if (row) return row->Int(0);
  auto created = tx.QueryRow(
      "INSERT INTO ledger_accounts (kind, programme_id, owner, balance, created_at_ms)"
      " VALUES ($1, $2, $3, 0, $4) RETURNING id",
      {kLiability, programme_id, owner, now});
  if (!created) {
    if (created.error().code() == ErrorCode::kAlreadyExists) {
      return Fail(ErrorCode::kAborted, "a concurrent transaction created the account");
    }
    return Fail(created.error());
  }
  if (!*created) return Fail(ErrorCode::kInternal, "INSERT RETURNING gave no row");
  return (*created)->Int(0);
}

std::string MerchantOwner(int64_t merchant_id) {
  return "merchant:" + std::to_string(merchant_id);
}

struct ProgrammeRules {
  int64_t id = 0;
  std::string code;
  std::string municipality_code;
  bool cross_municipality_use = false;
};

Result<ProgrammeRules> LoadProgramme(Transaction& tx, int64_t programme_id) {
  MYKEY_ASSIGN_OR_RETURN(
      auto row, tx.QueryRow("SELECT p.id, p.code, p.municipality_code, mu.cross_municipality_use"
                            " FROM programmes p JOIN municipalities mu"
                            " ON mu.code = p.municipality_code WHERE p.id = $1",
                            {programme_id}));
  if (!row) {
    return Refuse(ErrorCode::kNotFound, LedgerReason::kUnknownProgramme, "no such programme");
  }
  return ProgrammeRules{row->Int(0), row->Text(1), row->Text(2), row->Int(3) != 0};
}

struct VoucherProgramme {
  int64_t number = 0;
  VoucherExpiryPolicy policy = VoucherExpiryPolicy::kSink;
};

/// The programme's voucher number within its municipality (assigned on first
/// use: 0 for the first "points" programme, else the next free number) and
/// its expiry policy.
Result<VoucherProgramme> EnsureVoucherProgramme(Transaction& tx, const ProgrammeRules& programme) {
  MYKEY_ASSIGN_OR_RETURN(auto row,
                         tx.QueryRow("SELECT number, expiry_policy FROM voucher_programmes"
                                     " WHERE programme_id = $1",
                                     {programme.id}));
  if (row) {
    return VoucherProgramme{row->Int(0), row->Text(1) == "return" ? VoucherExpiryPolicy::kReturn
                                                                  : VoucherExpiryPolicy::kSink};
  }
  MYKEY_ASSIGN_OR_RETURN(auto kind,
                         tx.QueryRow("SELECT kind FROM programmes WHERE id = $1", {programme.id}));
  MYKEY_ASSIGN_OR_RETURN(auto zero, tx.QueryRow("SELECT 1 FROM voucher_programmes"
                                                " WHERE municipality_code = $1 AND number = 0",
                                                {programme.municipality_code}));
  int64_t number = 0;
  if (!kind || kind->Text(0) != "points" || zero) {
    MYKEY_ASSIGN_OR_RETURN(auto max, tx.QueryRow("SELECT COALESCE(MAX(number), 0)"
                                                 " FROM voucher_programmes"
                                                 " WHERE municipality_code = $1",
                                                 {programme.municipality_code}));
    number = (max ? max->Int(0) : 0) + 1;
    if (number > 65535) {
      return Fail(ErrorCode::kResourceExhausted, "no voucher programme number left");
    }
  }
  auto inserted = tx.Execute(
      "INSERT INTO voucher_programmes (programme_id, municipality_code, number)"
      " VALUES ($1, $2, $3)",
      {programme.id, programme.municipality_code, number});
  if (!inserted) {
    if (inserted.error().code() == ErrorCode::kAlreadyExists) {
      return Fail(ErrorCode::kAborted, "a concurrent transaction numbered the programme");
    }
    return Fail(inserted.error());
  }
  return VoucherProgramme{number, VoucherExpiryPolicy::kSink};
}

/// A voucher's row, with the programme's municipality and the holder.
struct VoucherRow {
  int64_t id = 0;
  std::string serial;
  std::string kind;
  int64_t programme_id = 0;
  std::string municipality_code;
  std::optional<int64_t> holder_account_id;
  std::string mykey_id;
  int64_t amount = 0;
  std::string issued_on;
  std::string expires_on;
  int64_t expires_at_ms = 0;
  Bytes key_id;
  std::string token;
  std::string state;
  int64_t reprints = 0;
  int64_t issuer_merchant_id = 0;
  std::optional<int64_t> redeemed_merchant_id;
  int64_t created_at_ms = 0;
  std::optional<int64_t> printed_at_ms;
  std::optional<int64_t> finished_at_ms;
};

constexpr std::string_view kVoucherSelect =
    "SELECT v.id, v.serial, v.kind, v.programme_id, p.municipality_code, v.holder_account_id,"
    " COALESCE(a.owner, ''), v.amount, v.issued_on, v.expires_on, v.expires_at_ms, v.key_id,"
    " v.token, v.state, v.reprints, v.issuer_merchant_id, v.redeemed_merchant_id,"
    " v.created_at_ms, v.printed_at_ms, v.finished_at_ms"
    " FROM vouchers v JOIN programmes p ON p.id = v.programme_id"
    " LEFT JOIN ledger_accounts a ON a.id = v.holder_account_id";

VoucherRow RowToVoucher(const Row& row) {
  VoucherRow v;
  v.id = row.Int(0);
  v.serial = row.Text(1);
  v.kind = row.Text(2);
  v.programme_id = row.Int(3);
  v.municipality_code = row.Text(4);
  v.holder_account_id = row.OptionalInt(5);
  v.mykey_id = row.Text(6);
  v.amount = row.Int(7);
  v.issued_on = row.Text(8);
  v.expires_on = row.Text(9);
  v.expires_at_ms = row.Int(10);
  v.key_id = row.Blob(11);
  v.token = row.Text(12);
  v.state = row.Text(13);
  v.reprints = row.Int(14);
  v.issuer_merchant_id = row.Int(15);
  v.redeemed_merchant_id = row.OptionalInt(16);
  v.created_at_ms = row.Int(17);
  v.printed_at_ms = row.OptionalInt(18);
  v.finished_at_ms = row.OptionalInt(19);
  return v;
}

Result<std::optional<VoucherRow>> LoadVoucher(Transaction& tx, const std::string& serial) {
  MYKEY_ASSIGN_OR_RETURN(
      auto row, tx.QueryRow(std::string(kVoucherSelect) + " WHERE v.serial = $1", {serial}));
  if (!row) return std::optional<VoucherRow>();
  return std::optional<VoucherRow>(RowToVoucher(*row));
}

Result<VoucherRow> LoadById(Transaction& tx, int64_t id) {
  MYKEY_ASSIGN_OR_RETURN(auto row,
                         tx.QueryRow(std::string(kVoucherSelect) + " WHERE v.id = $1", {id}));
  if (!row) return Fail(ErrorCode::kInternal, "a voucher vanished inside its transaction");
  return RowToVoucher(*row);
}

/// The refusal for a voucher that is no longer pending or issued.
Status RefuseFinal(const VoucherRow& v) {
  if (v.state == "redeemed") {
    return Refuse(ErrorCode::kFailedPrecondition, VoucherReason::kAlreadyRedeemed,
                  "the voucher was redeemed already");
  }
  if (v.state == "voided") {
    return Refuse(ErrorCode::kFailedPrecondition, VoucherReason::kAlreadyVoided,
                  "the voucher was voided");
  }
  return Refuse(ErrorCode::kFailedPrecondition, VoucherReason::kVoucherExpired,
                "the voucher has expired");
}

bool Outstanding(const VoucherRow& v) {
  return v.state == "pending_print" || v.state == "issued";
}

/// Moves voucher `v` out of the state it was read in: `sql` updates it only
/// while it still is in that state ("... WHERE id = $n AND state = $m"). If no
/// row changed, another transaction changed the voucher first (a second
/// redemption racing this one): the caller's transaction is refused, so none
/// of its postings commit. Transaction isolation should already prevent it;
/// this does not rely on it.
Status ChangeStateOnce(Transaction& tx, const VoucherRow& v, std::string_view sql,
                       std::initializer_list<SqlValue> params) {
  MYKEY_ASSIGN_OR_RETURN(const int64_t changed, tx.Execute(sql, params));
  if (changed == 1) return Ok();
  MYKEY_ASSIGN_OR_RETURN(const VoucherRow now, LoadById(tx, v.id));
  if (!Outstanding(now)) return RefuseFinal(now);
  return Fail(ErrorCode::kAborted, "the voucher changed during the operation: try again");
}

Voucher ViewOf(const VoucherRow& row, const char* operation) {
  Voucher v;
  v.voucher_id = row.id;
  v.serial = row.serial;
  v.operation = operation;
  v.kind = row.kind;
  v.programme_id = row.programme_id;
  v.municipality_code = row.municipality_code;
  v.mykey_id = row.mykey_id;
  v.amount = row.amount;
  v.issued_on = row.issued_on;
  v.expires_on = row.expires_on;
  v.expires_at_ms = row.expires_at_ms;
  v.token = row.token;
  v.key_id = ToHex(row.key_id);
  auto state = voucher_codec::ParseState(row.state);
  v.state = state ? *state : VoucherState::kPendingPrint;
  v.reprints = row.reprints;
  v.issuer_merchant_id = row.issuer_merchant_id;
  v.redeemed_merchant_id = row.redeemed_merchant_id;
  v.created_at_ms = row.created_at_ms;
  v.printed_at_ms = row.printed_at_ms;
  v.finished_at_ms = row.finished_at_ms;
  return v;
}

/// Moves one expired lot's remaining points to the expiry sink (as the
/// ledger's expiry sweep does).
Status ExpireLot(Transaction& tx, int64_t lot_id, int64_t account_id, int64_t programme_id,
                 int64_t remaining, int64_t now) {
  MYKEY_ASSIGN_OR_RETURN(int64_t sink, AccountFor(tx, AccountKind::kExpiry, programme_id, "", now));
  TransferHeader header{"expiry", programme_id, remaining, std::nullopt, std::nullopt, {}, {}, now};
  MYKEY_ASSIGN_OR_RETURN(int64_t transfer_id, InsertTransfer(tx, header));
  return Post(tx, transfer_id,
              {{account_id, lot_id, -remaining, true}, {sink, std::nullopt, remaining, false}});
}

/// Undoes an issue: the liability goes back to the holder's lots (a lot
/// expired by now: one new "refund" lot valid return_grace) or, for a sold
/// voucher, to the issuance account. Sets the state `voided`.
Status VoidVoucher(Transaction& tx, const VoucherRow& v, int64_t now, int64_t grace_ms,
                   const std::optional<std::string>& scope, const std::optional<std::string>& key) {
  MYKEY_ASSIGN_OR_RETURN(int64_t liability, LiabilityAccount(tx, v.programme_id, "", now));
  TransferHeader header{"void",       v.programme_id, v.amount, v.issuer_merchant_id,
                        std::nullopt, scope,          key,      now};
  MYKEY_ASSIGN_OR_RETURN(int64_t transfer_id, InsertTransfer(tx, header));
  std::vector<Posting> postings;
  postings.push_back({liability, std::nullopt, -v.amount, false});
  if (v.holder_account_id) {
    MYKEY_ASSIGN_OR_RETURN(auto lots, tx.Query("SELECT vl.lot_id, vl.amount, l.expires_at_ms"
                                               " FROM voucher_lots vl JOIN ledger_lots l"
                                               " ON l.id = vl.lot_id WHERE vl.voucher_id = $1"
                                               " ORDER BY vl.lot_id",
                                               {v.id}));
    int64_t to_new_lot = 0;
    int64_t total = 0;
    for (const Row& lot : lots) {
      total += lot.Int(1);
      if (lot.Int(2) > now) {
        postings.push_back({*v.holder_account_id, lot.Int(0), lot.Int(1), true});
      } else {
        to_new_lot += lot.Int(1);
      }
    }
    if (total != v.amount) return Fail(ErrorCode::kInternal, "voucher lots differ from its amount");
    if (to_new_lot > 0) {
      MYKEY_ASSIGN_OR_RETURN(int64_t lot_id,
                             InsertLot(tx, {*v.holder_account_id, "refund", transfer_id, to_new_lot,
                                            now + grace_ms, std::nullopt, std::nullopt, now}));
      postings.push_back({*v.holder_account_id, lot_id, to_new_lot, true});
    }
  } else {
    MYKEY_ASSIGN_OR_RETURN(int64_t issuance,
                           AccountFor(tx, AccountKind::kIssuance, v.programme_id, "", now));
    postings.push_back({issuance, std::nullopt, v.amount, false});
  }
  MYKEY_TRY(Post(tx, transfer_id, postings));
  MYKEY_TRY(ChangeStateOnce(tx, v,
                            "UPDATE vouchers SET state = 'voided', finished_at_ms = $1"
                            " WHERE id = $2 AND state = $3",
                            {now, v.id, v.state}));
  return Ok();
}

/// Expires an issued voucher by its programme's policy.
Status ExpireVoucher(Transaction& tx, const VoucherRow& v, VoucherExpiryPolicy policy, int64_t now,
                     int64_t grace_ms) {
  MYKEY_ASSIGN_OR_RETURN(int64_t liability, LiabilityAccount(tx, v.programme_id, "", now));
  TransferHeader header{
      "voucher_expiry", v.programme_id, v.amount, std::nullopt, std::nullopt, {}, {}, now};
  MYKEY_ASSIGN_OR_RETURN(int64_t transfer_id, InsertTransfer(tx, header));
  std::vector<Posting> postings;
  postings.push_back({liability, std::nullopt, -v.amount, false});
  if (policy == VoucherExpiryPolicy::kReturn && v.holder_account_id) {
    MYKEY_ASSIGN_OR_RETURN(int64_t lot_id,
                           InsertLot(tx, {*v.holder_account_id, "refund", transfer_id, v.amount,
                                          now + grace_ms, std::nullopt, std::nullopt, now}));
    postings.push_back({*v.holder_account_id, lot_id, v.amount, true});
  } else {
    MYKEY_ASSIGN_OR_RETURN(int64_t sink,
                           AccountFor(tx, AccountKind::kExpiry, v.programme_id, "", now));
    postings.push_back({sink, std::nullopt, v.amount, false});
  }
  MYKEY_TRY(Post(tx, transfer_id, postings));
  MYKEY_TRY(ChangeStateOnce(tx, v,
                            "UPDATE vouchers SET state = 'expired', finished_at_ms = $1"
                            " WHERE id = $2 AND state = $3",
                            {now, v.id, v.state}));
  return Ok();
}

/// "YYYY-MM-DD" as a calendar date (the text was checked by JapanDayEndMs()).
std::chrono::year_month_day DateOf(std::string_view day) {
  auto number = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) v = v * 10 + (day[i] - '0');
    return v;
  };
  return std::chrono::year{number(0, 4)} / std::chrono::month{static_cast<unsigned>(number(5, 2))} /
         std::chrono::day{static_cast<unsigned>(number(8, 2))};
}

std::string DayText(std::chrono::year_month_day date) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return buffer;
}

}  // namespace

VoucherReason VoucherReasonOf(const Error& error) noexcept {
  if (error.domain() != ErrorDomain::kNone) return VoucherReason::kNone;
  const int64_t d = error.detail();
  if (d < static_cast<int64_t>(VoucherReason::kUnknownVoucher) ||
      d > static_cast<int64_t>(VoucherReason::kSoldTermTooLong)) {
    return VoucherReason::kNone;
  }
  return static_cast<VoucherReason>(d);
}

const char* VoucherReasonName(VoucherReason reason) noexcept {
  switch (reason) {
    case VoucherReason::kNone: return "none";
    case VoucherReason::kUnknownVoucher: return "unknown_voucher";
    case VoucherReason::kAlreadyRedeemed: return "already_redeemed";
    case VoucherReason::kAlreadyVoided: return "already_voided";
    case VoucherReason::kAlreadyIssued: return "already_issued";
    case VoucherReason::kNotIssued: return "not_issued";
    case VoucherReason::kVoucherExpired: return "voucher_expired";
    case VoucherReason::kSoldTermTooLong: return "sold_term_too_long";
  }
  return "none";
}

const char* VoucherStateName(VoucherState state) noexcept {
  switch (state) {
    case VoucherState::kPendingPrint: return "pending_print";
    case VoucherState::kIssued: return "issued";
    case VoucherState::kVoided: return "voided";
    case VoucherState::kRedeemed: return "redeemed";
    case VoucherState::kExpired: return "expired";
  }
  return "pending_print";
}

const char* VoucherExpiryPolicyName(VoucherExpiryPolicy policy) noexcept {
  return policy == VoucherExpiryPolicy::kReturn ? "return" : "sink";
}

Result<std::unique_ptr<VoucherService>> VoucherService::Create(Store& store, LedgerService& ledger,
                                                               crypto::EcdsaPrivateKey signing_key,
                                                               VoucherOptions options) {
  auto random = crypto::SystemRandom::Create();
  if (!random) return Fail(ErrorCode::kInternal, "no system randomness");
  const crypto::EcdsaKeyId id = signing_key.KeyId();
  const auto point = signing_key.PublicKey().point();
  const Bytes public_key(point.begin(), point.end());
  std::unique_ptr<VoucherService> service(new VoucherService(
      store, ledger, std::move(signing_key), std::move(*random), std::move(options)));
  const int64_t now = service->NowMs();
  const Status recorded =
      store.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
        MYKEY_ASSIGN_OR_RETURN(auto known, tx.QueryRow("SELECT purpose, public_key FROM cloud_keys"
                                                       " WHERE key_id = $1",
                                                       {ByteView(id)}));
        if (known) {
          if (known->Text(0) != "voucher_signing" || known->Blob(1) != public_key) {
            return Fail(ErrorCode::kFailedPrecondition, "the key id is recorded for another key");
          }
          return Ok();
        }
        MYKEY_ASSIGN_OR_RETURN(auto current,
                               tx.QueryRow("SELECT key_id FROM cloud_keys WHERE purpose ="
                                           " 'voucher_signing' AND retired_at_ms IS NULL"));
        if (current) {
          return Fail(ErrorCode::kFailedPrecondition,
                      "another current voucher key is recorded: retire it first");
        }
        MYKEY_TRY(tx.Execute(
            "INSERT INTO cloud_keys (key_id, purpose, algorithm, public_key, created_at_ms)"
            " VALUES ($1, 'voucher_signing', 'ecdsa-p256', $2, $3)",
            {ByteView(id), public_key, now}));
        return Ok();
      });
  MYKEY_TRY(recorded);
  return service;
}

VoucherService::VoucherService(Store& store, LedgerService& ledger,
                               crypto::EcdsaPrivateKey signing_key,
                               std::unique_ptr<crypto::RandomSource> random, VoucherOptions options)
    : store_(store),
      ledger_(ledger),
      signing_key_(std::move(signing_key)),
      random_(std::move(random)),
      options_(std::move(options)) {}

VoucherService::~VoucherService() = default;

int64_t VoucherService::NowMs() const {
  if (options_.clock) return options_.clock();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<std::string> VoucherService::NewSerial() {
  std::lock_guard lock(random_mu_);
  MYKEY_ASSIGN_OR_RETURN(auto serial, protocol::VoucherSerial::Generate(*random_));
  return serial.ToString();
}

Result<Voucher> VoucherService::Issue(const Caller& caller, const VoucherIssueRequest& request) {
  MYKEY_ASSIGN_OR_RETURN(int64_t site, SiteOf(caller, "only a site's terminal may issue vouchers"));
  MYKEY_TRY(CheckKey(request.idempotency_key));
  if (request.amount < 1 || request.amount > protocol::kMaxVoucherAmount) {
    return Invalid("a voucher's amount is 1..1,000,000 points");
  }
  if (request.sold) {
    if (!request.mykey_id.empty()) return Invalid("a sold voucher has no holder");
  } else if (!IsValidMyKeyId(request.mykey_id)) {
    return Invalid("not a MyKey ID (8 symbols, no look-alikes)");
  }
  if (!request.expires_on.empty()) {
    MYKEY_TRY(JapanDayEndMs(request.expires_on));
  } else if (!request.sold) {
    return Invalid("a points voucher needs its expiry day");
  }
  const std::string scope = IdempotencyScopeOf(caller);
  const Bytes hash = Canonical("voucher_issue")
                         .Add(site)
                         .Add(request.sold ? 1 : 0)
                         .Add(request.mykey_id)
                         .Add(request.programme_id)
                         .Add(request.amount)
                         .Add(request.expires_on)
                         .Hash();
  Voucher result;
  const Status status =
      store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
        const int64_t now = NowMs();
        MYKEY_ASSIGN_OR_RETURN(auto stored,
                               FindStored(tx, scope, request.idempotency_key, hash, now));
        if (stored) {
          MYKEY_ASSIGN_OR_RETURN(result, voucher_codec::Decode(*stored));
          result.replayed = true;
          return Ok();
        }
        MYKEY_ASSIGN_OR_RETURN(auto merchant,
                               tx.QueryRow("SELECT municipality_code, status FROM merchants"
                                           " WHERE id = $1",
                                           {site}));
        if (!merchant) {
          return Refuse(ErrorCode::kNotFound, LedgerReason::kUnknownMerchant,
                        "the terminal's site is not a merchant");
        }
        if (merchant->Text(1) != "active") {
          return Refuse(ErrorCode::kPermissionDenied, LedgerReason::kMerchantSuspended,
                        "the site is suspended");
        }
        MYKEY_ASSIGN_OR_RETURN(ProgrammeRules programme, LoadProgramme(tx, request.programme_id));
        if (merchant->Text(0) != programme.municipality_code && !programme.cross_municipality_use) {
          return Refuse(ErrorCode::kPermissionDenied, LedgerReason::kCrossMunicipalityRefused,
                        "the programme's municipality does not allow use elsewhere");
        }
        // Dates: the cloud's Japan day is the issue date.
        const std::string today = JapanDayOf(now);
        const auto issued = DateOf(today);
        std::string expires_on = request.expires_on;
        if (request.sold) {
          const std::string latest = DayText(protocol::LatestSoldVoucherExpiry(issued));
          if (expires_on.empty()) expires_on = latest;
          if (expires_on > latest) {
            return Refuse(ErrorCode::kInvalidArgument, VoucherReason::kSoldTermTooLong,
                          "a sold voucher expires within 6 months of issue");
          }
        }
        if (expires_on < today) return Invalid("the expiry day is before today");
        MYKEY_ASSIGN_OR_RETURN(int64_t expires_at_ms, JapanDayEndMs(expires_on));
        MYKEY_ASSIGN_OR_RETURN(VoucherProgramme numbering, EnsureVoucherProgramme(tx, programme));
        uint32_t municipality = 0;
        std::from_chars(programme.municipality_code.data(),
                        programme.municipality_code.data() + programme.municipality_code.size(),
                        municipality);
        // A serial no voucher has yet.
        std::string serial;
        for (int attempt = 0; serial.empty(); ++attempt) {
          if (attempt == 8) return Fail(ErrorCode::kInternal, "no free voucher serial");
          MYKEY_ASSIGN_OR_RETURN(std::string candidate, NewSerial());
          MYKEY_ASSIGN_OR_RETURN(
              auto taken, tx.QueryRow("SELECT 1 FROM vouchers WHERE serial = $1", {candidate}));
          if (!taken) serial = std::move(candidate);
        }
        protocol::VoucherFields fields;
        MYKEY_ASSIGN_OR_RETURN(fields.serial, protocol::VoucherSerial::Parse(serial));
        fields.kind = request.sold ? protocol::VoucherKind::kSold : protocol::VoucherKind::kGranted;
        fields.programme = {municipality, static_cast<uint16_t>(numbering.number)};
        fields.amount = static_cast<uint32_t>(request.amount);
        fields.issued = issued;
        fields.expires = DateOf(expires_on);
        auto token = protocol::EncodeVoucherToken(fields, signing_key_);
        if (!token) {
          if (protocol::IsSoldVoucherTermTooLong(token.error())) {
            return Refuse(ErrorCode::kInvalidArgument, VoucherReason::kSoldTermTooLong,
                          "a sold voucher expires within 6 months of issue");
          }
          if (token.error().code() == ErrorCode::kInvalidArgument) {
            return Invalid("the voucher's fields cannot be encoded (dates or municipality)");
          }
          return Fail(token.error());
        }
        const crypto::EcdsaKeyId key_id = signing_key_.KeyId();
        MYKEY_ASSIGN_OR_RETURN(int64_t liability, LiabilityAccount(tx, programme.id, "", now));
        std::optional<int64_t> holder;
        std::vector<std::pair<int64_t, int64_t>> take;  // (lot, points)
        if (!request.sold) {
          MYKEY_ASSIGN_OR_RETURN(auto found, LockHolderAccount(tx, programme.id, request.mykey_id));
          if (!found) {
            return Refuse(ErrorCode::kFailedPrecondition, LedgerReason::kInsufficientBalance,
                          "the balance is too low");
          }
          holder = *found;
          MYKEY_ASSIGN_OR_RETURN(auto lots,
                                 tx.Query("SELECT id, remaining, expires_at_ms FROM ledger_lots"
                                          " WHERE account_id = $1 AND remaining > 0"
                                          " ORDER BY expires_at_ms, id",
                                          {*holder}));
          int64_t needed = request.amount;
          for (const Row& lot : lots) {
            if (lot.Int(2) <= now) {
              MYKEY_TRY(ExpireLot(tx, lot.Int(0), *holder, programme.id, lot.Int(1), now));
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
        }
        MYKEY_ASSIGN_OR_RETURN(
            auto inserted,
            tx.QueryRow("INSERT INTO vouchers (serial, kind, programme_id, holder_account_id,"
                        " amount, issued_on, expires_on, expires_at_ms, key_id, token, state,"
                        " issuer_merchant_id, issuer_terminal, created_at_ms)"
                        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending_print',"
                        " $11, $12, $13) RETURNING id",
                        {serial, request.sold ? "sold" : "granted", programme.id,
                         holder ? SqlValue(*holder) : SqlValue(), request.amount, today, expires_on,
                         expires_at_ms, ByteView(key_id), *token, site, caller.terminal_id, now}));
        if (!inserted) return Fail(ErrorCode::kInternal, "INSERT RETURNING gave no row");
        const int64_t voucher_id = inserted->Int(0);
        TransferHeader header{"voucher_issue", programme.id, request.amount,          site,
                              std::nullopt,    scope,        request.idempotency_key, now};
        MYKEY_ASSIGN_OR_RETURN(int64_t transfer_id, InsertTransfer(tx, header));
        std::vector<Posting> postings;
        if (holder) {
          for (const auto& [lot_id, points] : take) {
            postings.push_back({*holder, lot_id, -points, true});
            MYKEY_TRY(
                tx.Execute("INSERT INTO voucher_lots (voucher_id, lot_id, amount)"
                           " VALUES ($1, $2, $3)",
                           {voucher_id, lot_id, points}));
          }
        } else {
          MYKEY_ASSIGN_OR_RETURN(int64_t issuance,
                                 AccountFor(tx, AccountKind::kIssuance, programme.id, "", now));
          postings.push_back({issuance, std::nullopt, -request.amount, false});
        }
        postings.push_back({liability, std::nullopt, request.amount, false});
        MYKEY_TRY(Post(tx, transfer_id, postings));
        MYKEY_ASSIGN_OR_RETURN(VoucherRow row, LoadById(tx, voucher_id));
        result = ViewOf(row, "issue");
        return StoreResult(tx, scope, request.idempotency_key, hash, kCreated,
                           voucher_codec::Encode(result), now, options_.idempotency_window.count());
      });
  if (!status) return Fail(status.error());
  return result;
}

namespace {

enum class IssuerAction { kConfirm, kVoid, kReprint };

const char* IssuerActionName(IssuerAction action) {
  switch (action) {
    case IssuerAction::kConfirm: return "confirm_printed";
    case IssuerAction::kVoid: return "void";
    case IssuerAction::kReprint: return "reprint";
  }
  return "void";
}

}  // namespace

// The three calls of the issuing site share one shape: the voucher of the
// caller's site, a state machine step, the stored answer.
static Result<Voucher> IssuerStep(Store& store, const VoucherOptions& options,
                                  const std::function<int64_t()>& clock, const Caller& caller,
                                  std::string_view idempotency_key, std::string_view serial_text,
                                  IssuerAction action) {
  MYKEY_ASSIGN_OR_RETURN(int64_t site, SiteOf(caller,
                                              "only the issuing site's terminal may"
                                              " confirm, void or reprint a voucher"));
  MYKEY_TRY(CheckKey(idempotency_key));
  MYKEY_ASSIGN_OR_RETURN(std::string serial, CanonicalSerial(serial_text));
  const std::string scope = IdempotencyScopeOf(caller);
  const char* operation = IssuerActionName(action);
  const Bytes hash = Canonical(operation).Add(site).Add(serial).Hash();
  Voucher result;
  const Status status =
      store.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
        const int64_t now = clock();
        MYKEY_ASSIGN_OR_RETURN(auto stored, FindStored(tx, scope, idempotency_key, hash, now));
        if (stored) {
          MYKEY_ASSIGN_OR_RETURN(result, voucher_codec::Decode(*stored));
          result.replayed = true;
          return Ok();
        }
        MYKEY_ASSIGN_OR_RETURN(auto found, LoadVoucher(tx, serial));
        if (!found || found->issuer_merchant_id != site) return UnknownVoucher();
        VoucherRow v = std::move(*found);
        const bool past_expiry = now >= v.expires_at_ms;
        switch (action) {
          case IssuerAction::kConfirm:
            if (v.state == "pending_print") {
              if (past_expiry) {
                return Refuse(ErrorCode::kFailedPrecondition, VoucherReason::kVoucherExpired,
                              "the voucher has expired: void it");
              }
              MYKEY_TRY(ChangeStateOnce(tx, v,
                                        "UPDATE vouchers SET state = 'issued', printed_at_ms = $1"
                                        " WHERE id = $2 AND state = 'pending_print'",
                                        {now, v.id}));
            } else if (v.state != "issued") {
              return RefuseFinal(v);
            }
            break;
          case IssuerAction::kVoid:
            if (v.state == "pending_print") {
              MYKEY_TRY(VoidVoucher(tx, v, now, options.return_grace.count(), scope,
                                    std::string(idempotency_key)));
            } else if (v.state == "issued") {
              return Refuse(ErrorCode::kFailedPrecondition, VoucherReason::kAlreadyIssued,
                            "the voucher was confirmed printed and is in circulation");
            } else if (v.state != "voided") {
              return RefuseFinal(v);
            }
            break;
          case IssuerAction::kReprint:
            if (!Outstanding(v)) return RefuseFinal(v);
            if (past_expiry) {
              return Refuse(ErrorCode::kFailedPrecondition, VoucherReason::kVoucherExpired,
                            "the voucher has expired");
            }
            MYKEY_TRY(
                tx.Execute("UPDATE vouchers SET reprints = reprints + 1 WHERE id = $1", {v.id}));
            break;
        }
        MYKEY_ASSIGN_OR_RETURN(VoucherRow now_row, LoadById(tx, v.id));
        result = ViewOf(now_row, operation);
        result.duplicate = action == IssuerAction::kReprint;
        return StoreResult(tx, scope, idempotency_key, hash, kOk, voucher_codec::Encode(result),
                           now, options.idempotency_window.count());
      });
  if (!status) return Fail(status.error());
  return result;
}

Result<Voucher> VoucherService::ConfirmPrinted(const Caller& caller,
                                               std::string_view idempotency_key,
                                               std::string_view serial) {
  return IssuerStep(
      store_, options_, [this] { return NowMs(); }, caller, idempotency_key, serial,
      IssuerAction::kConfirm);
}

Result<Voucher> VoucherService::Void(const Caller& caller, std::string_view idempotency_key,
                                     std::string_view serial) {
  return IssuerStep(
      store_, options_, [this] { return NowMs(); }, caller, idempotency_key, serial,
      IssuerAction::kVoid);
}

Result<Voucher> VoucherService::Reprint(const Caller& caller, std::string_view idempotency_key,
                                        std::string_view serial) {
  return IssuerStep(
      store_, options_, [this] { return NowMs(); }, caller, idempotency_key, serial,
      IssuerAction::kReprint);
}

Result<Voucher> VoucherService::Redeem(const Caller& caller, std::string_view idempotency_key,
                                       std::string_view serial_text) {
  MYKEY_ASSIGN_OR_RETURN(int64_t merchant_id,
                         SiteOf(caller, "only a merchant's terminal may redeem a voucher"));
  MYKEY_TRY(CheckKey(idempotency_key));
  MYKEY_ASSIGN_OR_RETURN(std::string serial, CanonicalSerial(serial_text));
  const std::string scope = IdempotencyScopeOf(caller);
  const Bytes hash = Canonical("voucher_redemption").Add(merchant_id).Add(serial).Hash();
  Voucher result;
  const Status status =
      store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
        const int64_t now = NowMs();
        MYKEY_ASSIGN_OR_RETURN(auto stored, FindStored(tx, scope, idempotency_key, hash, now));
        if (stored) {
          MYKEY_ASSIGN_OR_RETURN(result, voucher_codec::Decode(*stored));
          result.replayed = true;
          return Ok();
        }
        MYKEY_ASSIGN_OR_RETURN(auto found, LoadVoucher(tx, serial));
        if (!found) return UnknownVoucher();
        const VoucherRow& v = *found;
        MYKEY_ASSIGN_OR_RETURN(
            auto rules,
            tx.QueryRow("SELECT m.status, m.municipality_code, mu.cross_municipality_use,"
                        " CASE WHEN EXISTS (SELECT 1 FROM merchant_programmes mp"
                        "   WHERE mp.merchant_id = m.id AND mp.programme_id = $2) THEN 1 ELSE 0 END"
                        " FROM merchants m, municipalities mu WHERE m.id = $1 AND mu.code = $3",
                        {merchant_id, v.programme_id, v.municipality_code}));
        if (!rules) {
          return Refuse(ErrorCode::kNotFound, LedgerReason::kUnknownMerchant,
                        "the terminal's site is not a merchant");
        }
        if (rules->Text(0) != "active") {
          return Refuse(ErrorCode::kPermissionDenied, LedgerReason::kMerchantSuspended,
                        "the merchant is suspended");
        }
        if (rules->Int(3) == 0) {
          return Refuse(ErrorCode::kPermissionDenied, LedgerReason::kProgrammeNotAccepted,
                        "the merchant does not accept this programme");
        }
        if (rules->Text(1) != v.municipality_code && rules->Int(2) == 0) {
          return Refuse(ErrorCode::kPermissionDenied, LedgerReason::kCrossMunicipalityRefused,
                        "the programme's municipality does not allow use elsewhere");
        }
        if (!Outstanding(v)) return RefuseFinal(v);
        if (now >= v.expires_at_ms) {
          return Refuse(ErrorCode::kFailedPrecondition, VoucherReason::kVoucherExpired,
                        "the voucher has expired");
        }
        if (v.state == "pending_print") {
          return Refuse(ErrorCode::kFailedPrecondition, VoucherReason::kNotIssued,
                        "the voucher's print was never confirmed");
        }
        MYKEY_ASSIGN_OR_RETURN(int64_t liability, LiabilityAccount(tx, v.programme_id, "", now));
        MYKEY_ASSIGN_OR_RETURN(
            int64_t owed, LiabilityAccount(tx, v.programme_id, MerchantOwner(merchant_id), now));
        TransferHeader header{"voucher_redemption",
                              v.programme_id,
                              v.amount,
                              merchant_id,
                              std::nullopt,
                              scope,
                              std::string(idempotency_key),
                              now};
        MYKEY_ASSIGN_OR_RETURN(int64_t transfer_id, InsertTransfer(tx, header));
        MYKEY_TRY(Post(
            tx, transfer_id,
            {{liability, std::nullopt, -v.amount, false}, {owed, std::nullopt, v.amount, false}}));
        // Refused unless this redemption is the one that took it out of 'issued'.
        MYKEY_TRY(
            ChangeStateOnce(tx, v,
                            "UPDATE vouchers SET state = 'redeemed', redeemed_merchant_id = $1,"
                            " finished_at_ms = $2 WHERE id = $3 AND state = 'issued'",
                            {merchant_id, now, v.id}));
        MYKEY_ASSIGN_OR_RETURN(VoucherRow row, LoadById(tx, v.id));
        result = ViewOf(row, "redemption");
        return StoreResult(tx, scope, idempotency_key, hash, kOk, voucher_codec::Encode(result),
                           now, options_.idempotency_window.count());
      });
  if (!status) return Fail(status.error());
  return result;
}

Result<Voucher> VoucherService::Find(const Caller& caller, std::string_view serial_text) {
  MYKEY_ASSIGN_OR_RETURN(std::string serial, CanonicalSerial(serial_text));
  std::optional<int64_t> site;
  std::optional<std::string> municipality;
  if (caller.kind == CallerKind::kTerminal) {
    MYKEY_ASSIGN_OR_RETURN(site, SiteOf(caller, "only a site's terminal may read vouchers"));
  } else {
    municipality = OperatorMunicipality(caller);
    if (!municipality) return NotAllowed("this operator may not read vouchers");
  }
  Voucher result;
  const Status status =
      store_.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
        MYKEY_ASSIGN_OR_RETURN(auto found, LoadVoucher(tx, serial));
        if (!found) return UnknownVoucher();
        if (site && found->issuer_merchant_id != *site && found->redeemed_merchant_id != *site) {
          return UnknownVoucher();
        }
        if (municipality && !municipality->empty() && *municipality != found->municipality_code) {
          return UnknownVoucher();
        }
        result = ViewOf(*found, "lookup");
        return Ok();
      });
  if (!status) return Fail(status.error());
  return result;
}

Result<std::vector<VoucherKey>> VoucherService::PublicKeys() {
  const std::string current = ToHex(signing_key_.KeyId());
  std::vector<VoucherKey> keys;
  const Status status =
      store_.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
        keys.clear();
        MYKEY_ASSIGN_OR_RETURN(auto rows,
                               tx.Query("SELECT key_id, public_key, created_at_ms, retired_at_ms"
                                        " FROM cloud_keys WHERE purpose = 'voucher_signing'"
                                        " ORDER BY created_at_ms DESC, key_id"));
        for (const Row& row : rows) {
          VoucherKey key;
          key.key_id = ToHex(row.Blob(0));
          key.public_key = row.Blob(1);
          key.current = key.key_id == current;
          key.created_at_ms = row.Int(2);
          key.retired_at_ms = row.OptionalInt(3);
          keys.push_back(std::move(key));
        }
        return Ok();
      });
  if (!status) return Fail(status.error());
  std::stable_partition(keys.begin(), keys.end(), [](const VoucherKey& k) { return k.current; });
  return keys;
}

Status VoucherService::SetExpiryPolicy(const Caller& caller, int64_t programme_id,
                                       VoucherExpiryPolicy policy) {
  auto municipality = OperatorMunicipality(caller);
  if (!municipality) return NotAllowed("only a municipality's operator may set voucher policy");
  return store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
    MYKEY_ASSIGN_OR_RETURN(ProgrammeRules programme, LoadProgramme(tx, programme_id));
    if (!municipality->empty() && *municipality != programme.municipality_code) {
      return NotAllowed("the programme belongs to another municipality");
    }
    MYKEY_TRY(EnsureVoucherProgramme(tx, programme));
    MYKEY_TRY(tx.Execute("UPDATE voucher_programmes SET expiry_policy = $1 WHERE programme_id = $2",
                         {VoucherExpiryPolicyName(policy), programme_id}));
    return Ok();
  });
}

Result<std::vector<VoucherProgrammeSummary>> VoucherService::Summary(
    const Caller& caller, std::string_view municipality_code) {
  auto municipality = OperatorMunicipality(caller);
  if (!municipality) return NotAllowed("only a municipality's operator may read voucher reports");
  if (municipality_code.size() != 6 ||
      !std::all_of(municipality_code.begin(), municipality_code.end(),
                   [](char c) { return c >= '0' && c <= '9'; })) {
    return Invalid("a municipality code has 6 digits");
  }
  if (!municipality->empty() && *municipality != municipality_code) {
    return NotAllowed("another municipality's report");
  }
  std::vector<VoucherProgrammeSummary> out;
  const Status status =
      store_.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
        out.clear();
        MYKEY_ASSIGN_OR_RETURN(auto programmes,
                               tx.Query("SELECT id, code FROM programmes"
                                        " WHERE municipality_code = $1 ORDER BY id",
                                        {municipality_code}));
        MYKEY_ASSIGN_OR_RETURN(auto rows,
                               tx.Query("SELECT v.programme_id, v.state, COUNT(*), SUM(v.amount),"
                                        " SUM(v.reprints) FROM vouchers v JOIN programmes p"
                                        " ON p.id = v.programme_id WHERE p.municipality_code = $1"
                                        " GROUP BY v.programme_id, v.state",
                                        {municipality_code}));
        for (const Row& programme : programmes) {
          VoucherProgrammeSummary s;
          s.programme_id = programme.Int(0);
          s.programme_code = programme.Text(1);
          for (const Row& row : rows) {
            if (row.Int(0) != s.programme_id) continue;
            const std::string& state = row.Text(1);
            const int64_t count = row.Int(2), points = row.Int(3);
            s.reprints += row.Int(4);
            if (state == "pending_print") {
              s.pending_count += count;
              s.pending_points += points;
            } else if (state == "issued") {
              s.issued_count += count;
              s.issued_points += points;
            } else if (state == "redeemed") {
              s.redeemed_count += count;
              s.redeemed_points += points;
            } else if (state == "expired") {
              s.expired_count += count;
              s.expired_points += points;
            } else {
              s.voided_count += count;
              s.voided_points += points;
            }
          }
          out.push_back(std::move(s));
        }
        return Ok();
      });
  if (!status) return Fail(status.error());
  return out;
}

Result<std::string> VoucherService::SettlementCsv(const Caller& caller, int64_t merchant_id,
                                                  std::string_view from_day,
                                                  std::string_view to_day) {
  auto municipality = OperatorMunicipality(caller);
  if (!municipality) return NotAllowed("only a municipality's operator may read settlements");
  MYKEY_ASSIGN_OR_RETURN(const int64_t from_end, JapanDayEndMs(from_day));
  MYKEY_ASSIGN_OR_RETURN(const int64_t to_ms, JapanDayEndMs(to_day));
  constexpr int64_t kDayMs = 86'400'000;
  const int64_t from_ms = from_end - kDayMs;
  if (to_ms < from_end || to_ms - from_ms > 367 * kDayMs) {
    return Invalid("a settlement period is 1..367 days, from <= to");
  }
  std::string csv = "date,merchant_id,programme_id,programme_code,vouchers,points\n";
  const Status status =
      store_.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
        MYKEY_ASSIGN_OR_RETURN(
            auto merchant, tx.QueryRow("SELECT id FROM merchants WHERE id = $1", {merchant_id}));
        if (!merchant) {
          return Refuse(ErrorCode::kNotFound, LedgerReason::kUnknownMerchant, "no such merchant");
        }
        MYKEY_ASSIGN_OR_RETURN(
            auto rows,
            tx.Query("SELECT t.created_at_ms, t.programme_id, p.code, t.amount"
                     " FROM ledger_transfers t JOIN programmes p ON p.id = t.programme_id"
                     " WHERE t.kind = 'voucher_redemption' AND t.merchant_id = $1"
                     " AND t.created_at_ms >= $2 AND t.created_at_ms < $3"
                     " AND ($4 = '' OR p.municipality_code = $4)"
                     " ORDER BY t.created_at_ms, t.id",
                     {merchant_id, from_ms, to_ms, *municipality}));
        // (day, programme) -> (code, vouchers, points), in day order.
        std::map<std::pair<std::string, int64_t>, std::tuple<std::string, int64_t, int64_t>> lines;
        for (const Row& row : rows) {
          auto& line = lines[{JapanDayOf(row.Int(0)), row.Int(1)}];
          std::get<0>(line) = row.Text(2);
          std::get<1>(line) += 1;
          std::get<2>(line) += row.Int(3);
        }
        for (const auto& [key, line] : lines) {
          std::string code = std::get<0>(line);
          if (code.find_first_of(",\"\r\n") != std::string::npos) {
            std::string quoted = "\"";
            for (char c : code) {
              if (c == '"') quoted += '"';
              quoted += c;
            }
            code = quoted + "\"";
          }
          csv += key.first + ',' + std::to_string(merchant_id) + ',' + std::to_string(key.second) +
                 ',' + code + ',' + std::to_string(std::get<1>(line)) + ',' +
                 std::to_string(std::get<2>(line)) + '\n';
        }
        return Ok();
      });
  if (!status) return Fail(status.error());
  return csv;
}

Result<SweepReport> VoucherService::SweepExpiredVouchers() {
  SweepReport report;
  const int64_t batch = std::max(1, options_.sweep_batch);
  for (;;) {
    SweepReport step;
    const Status status =
        store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
          step = SweepReport{};
          const int64_t now = NowMs();
          MYKEY_ASSIGN_OR_RETURN(auto rows, tx.Query(std::string(kVoucherSelect) +
                                                         " WHERE v.state IN " + kStatesOutstanding +
                                                         " AND v.expires_at_ms <= $1"
                                                         " ORDER BY v.expires_at_ms, v.id LIMIT $2",
                                                     {now, batch}));
          for (const Row& row : rows) {
            const VoucherRow v = RowToVoucher(row);
            if (v.state == "pending_print") {
              // Never confirmed printed: nothing circulates, the holder gets
              // the points back.
              MYKEY_TRY(VoidVoucher(tx, v, now, options_.return_grace.count(), std::nullopt,
                                    std::nullopt));
            } else {
              MYKEY_ASSIGN_OR_RETURN(auto policy,
                                     tx.QueryRow("SELECT expiry_policy FROM voucher_programmes"
                                                 " WHERE programme_id = $1",
                                                 {v.programme_id}));
              const VoucherExpiryPolicy p = policy && policy->Text(0) == "return"
                                                ? VoucherExpiryPolicy::kReturn
                                                : VoucherExpiryPolicy::kSink;
              MYKEY_TRY(ExpireVoucher(tx, v, p, now, options_.return_grace.count()));
            }
            step.items += 1;
            step.points += v.amount;
          }
          return Ok();
        });
    if (!status) return Fail(status.error());
    report.items += step.items;
    report.points += step.points;
    if (step.items < batch) return report;
  }
}

Result<SweepReport> VoucherService::SweepPendingVouchers() {
  SweepReport report;
  const int64_t batch = std::max(1, options_.sweep_batch);
  for (;;) {
    SweepReport step;
    const Status status =
        store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
          step = SweepReport{};
          const int64_t now = NowMs();
          MYKEY_ASSIGN_OR_RETURN(
              auto rows, tx.Query(std::string(kVoucherSelect) +
                                      " WHERE v.state = 'pending_print' AND v.created_at_ms <= $1"
                                      " ORDER BY v.created_at_ms, v.id LIMIT $2",
                                  {now - options_.pending_timeout.count(), batch}));
          for (const Row& row : rows) {
            const VoucherRow v = RowToVoucher(row);
            MYKEY_TRY(
                VoidVoucher(tx, v, now, options_.return_grace.count(), std::nullopt, std::nullopt));
            step.items += 1;
            step.points += v.amount;
          }
          return Ok();
        });
    if (!status) return Fail(status.error());
    report.items += step.items;
    report.points += step.points;
    if (step.items < batch) return report;
  }
}

Result<VoucherReconcileReport> VoucherService::Reconcile() {
  VoucherReconcileReport report;
  MYKEY_ASSIGN_OR_RETURN(report.ledger, ledger_.Reconcile());
  const Status status =
      store_.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
        report.outstanding = 0;
        report.redeemed_unsettled = 0;
        report.problems = report.ledger.problems;
        auto problem = [&](std::string text) { report.problems.push_back(std::move(text)); };
        MYKEY_ASSIGN_OR_RETURN(
            auto accounts,
            tx.Query("SELECT a.programme_id, a.owner, COALESCE(SUM(p.amount), 0)"
                     " FROM ledger_accounts a LEFT JOIN ledger_postings p ON p.account_id = a.id"
                     " WHERE a.kind = 'voucher_liability'"
                     " GROUP BY a.id, a.programme_id, a.owner"));
        std::map<int64_t, int64_t> liability;                     // programme -> points
        std::map<std::pair<std::string, int64_t>, int64_t> owed;  // (owner, programme)
        for (const Row& a : accounts) {
          if (a.Text(1).empty()) {
            liability[a.Int(0)] += a.Int(2);
            report.outstanding += a.Int(2);
          } else {
            owed[{a.Text(1), a.Int(0)}] += a.Int(2);
            report.redeemed_unsettled += a.Int(2);
          }
        }
        MYKEY_ASSIGN_OR_RETURN(auto open, tx.Query("SELECT programme_id, SUM(amount) FROM vouchers"
                                                   " WHERE state IN ('pending_print', 'issued')"
                                                   " GROUP BY programme_id"));
        std::map<int64_t, int64_t> vouchers_open;
        for (const Row& row : open) vouchers_open[row.Int(0)] = row.Int(1);
        for (const auto& [programme, points] : liability) {
          if (vouchers_open[programme] != points) {
            problem("programme " + std::to_string(programme) + ": voucher liability " +
                    std::to_string(points) + " but outstanding vouchers " +
                    std::to_string(vouchers_open[programme]));
          }
        }
        for (const auto& [programme, points] : vouchers_open) {
          if (liability[programme] != points) {
            problem("programme " + std::to_string(programme) +
                    ": outstanding vouchers without liability");
          }
        }
        MYKEY_ASSIGN_OR_RETURN(auto redeemed,
                               tx.Query("SELECT redeemed_merchant_id, programme_id, SUM(amount)"
                                        " FROM vouchers WHERE state = 'redeemed'"
                                        " GROUP BY redeemed_merchant_id, programme_id"));
        std::map<std::pair<std::string, int64_t>, int64_t> vouchers_redeemed;
        for (const Row& row : redeemed) {
          vouchers_redeemed[{MerchantOwner(row.Int(0)), row.Int(1)}] = row.Int(2);
        }
        for (const auto& [key, points] : owed) {
          if (vouchers_redeemed[key] != points) {
            problem(key.first + " programme " + std::to_string(key.second) +
                    ": owed for vouchers differs from its redeemed vouchers");
          }
        }
        for (const auto& [key, points] : vouchers_redeemed) {
          if (owed[key] != points) problem(key.first + ": redeemed vouchers without liability");
        }
        MYKEY_ASSIGN_OR_RETURN(
            auto lots, tx.Query("SELECT v.serial FROM vouchers v WHERE v.kind = 'granted' AND"
                                " v.amount <> (SELECT COALESCE(SUM(vl.amount), 0)"
                                " FROM voucher_lots vl WHERE vl.voucher_id = v.id)"));
        for (const Row& row : lots) {
          problem("voucher " + row.Text(0) + ": its lots differ from its amount");
        }
        report.other = report.ledger.other - report.outstanding - report.redeemed_unsettled;
        const ReconcileReport& l = report.ledger;
        const int64_t accounted = l.holder_balances + l.held + l.spent + l.expired +
                                  report.outstanding + report.redeemed_unsettled + report.other;
        if (l.issued != accounted) {
          problem("issued " + std::to_string(l.issued) + " but accounted " +
                  std::to_string(accounted) + " with vouchers");
        }
        return Ok();
      });
  if (!status) return Fail(status.error());
  return report;
}

}  // namespace mykey::cloud
