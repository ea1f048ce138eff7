#include "mykey/ledger/conversion_service.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

#include "conversion_codec.h"
#include "conversion_ledger.h"
#include "ledger_store.h"
#include "mykey/base/mask.h"
#include "mykey/crypto/random.h"
#include "mykey/crypto/sha256.h"
#include "mykey/registry/mykey_id.h"
#include "premium.h"

namespace mykey::cloud {

using namespace ledger_store;  // NOLINT(google-build-using-namespace): this module's own helpers

namespace {

constexpr int kCreated = 201;
constexpr size_t kCouponSymbols = 16;
constexpr int kMaxCoupons = 1000;

internal::Unexpected Refuse(ErrorCode code, PointsReason reason, const char* message) {
  return Fail(Error(code, message, ErrorDomain::kNone, static_cast<int64_t>(reason)));
}

internal::Unexpected Refuse(ErrorCode code, LedgerReason reason, const char* message) {
  return Fail(Error(code, message, ErrorDomain::kNone, static_cast<int64_t>(reason)));
}

internal::Unexpected NotAllowed(const char* message) {
  return Refuse(ErrorCode::kPermissionDenied, LedgerReason::kNotAllowed, message);
}

internal::Unexpected Invalid(const char* message) {
  return Refuse(ErrorCode::kInvalidArgument, LedgerReason::kInvalidRequest, message);
}

/// A write whose row count does not matter.
Status Done(const Result<int64_t>& written) {
  if (!written) return Fail(written.error());
  return Ok();
}

bool IsAdmin(const Caller& caller) {
  return caller.kind == CallerKind::kOperator && caller.scope == OperatorScope::kAdmin;
}

bool IsPartner(const Caller& caller) {
  return caller.kind == CallerKind::kOperator && caller.scope == OperatorScope::kPartner &&
         !caller.scope_id.empty();
}

/// May the caller manage `municipality_code`'s programmes?
bool ManagesMunicipality(const Caller& caller, std::string_view municipality_code) {
  if (IsAdmin(caller)) return true;
  return caller.kind == CallerKind::kOperator && caller.scope == OperatorScope::kMunicipality &&
         caller.scope_id == municipality_code;
}

bool IsPrintable(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b >= 0x20 && b != 0x7F;
  });
}

int SymbolValue(char c) {
  const size_t at = kCouponAlphabet.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

/// The check symbol making sum((i + 1) * value_i) over all 16 symbols
/// divisible by 31: catches any one wrong symbol and any swap of two
/// neighbours (31 is prime and the weights differ).
char CheckSymbol(std::string_view fifteen) {
  int64_t sum = 0;
  for (size_t i = 0; i < fifteen.size(); ++i) {
    sum += static_cast<int64_t>(i + 2) * SymbolValue(fifteen[i]);
  }
  const auto alphabet_size = static_cast<int64_t>(kCouponAlphabet.size());
  return kCouponAlphabet[static_cast<size_t>((alphabet_size - sum % alphabet_size) %
                                             alphabet_size)];
}

std::string Grouped(std::string_view code) {
  std::string out;
  for (size_t i = 0; i < code.size(); ++i) {
    if (i > 0 && i % 4 == 0) out += '-';
    out += code[i];
  }
  return out;
}

Bytes CouponHash(std::string_view normalised) {
  std::string text = "mykey-coupon-1:";
  text += normalised;
  const auto digest = crypto::Sha256(
      ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()));  // NOLINT: text bytes
  return Bytes(digest.begin(), digest.end());
}

struct PartnerRow {
  std::string id;
  int64_t numerator = 1;
  int64_t denominator = 1;
  bool active = true;
};

Result<PartnerRow> LoadPartner(Transaction& tx, std::string_view partner_id) {
  MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow("SELECT id, rate_numerator, rate_denominator, status"
                                               " FROM conversion_partners WHERE id = $1",
                                               {partner_id}));
  if (!row) {
    return Refuse(ErrorCode::kNotFound, PointsReason::kUnknownPartner, "no such partner");
  }
  return PartnerRow{row->Text(0), row->Int(1), row->Int(2), row->Text(3) == "active"};
}

Result<PartnerRow> LoadActivePartner(Transaction& tx, std::string_view partner_id) {
  MYKEY_ASSIGN_OR_RETURN(PartnerRow partner, LoadPartner(tx, partner_id));
  if (!partner.active) {
    return Refuse(ErrorCode::kPermissionDenied, PointsReason::kPartnerSuspended,
                  "the partner is suspended");
  }
  return partner;
}

/// The programme a holder's conversions land in: their default
/// municipality's landing programme, else its points programme with the
/// lowest id.
Result<int64_t> LandingProgramme(Transaction& tx, std::string_view mykey_id) {
  MYKEY_ASSIGN_OR_RETURN(auto home, tx.QueryRow("SELECT municipality_code FROM"
                                                " conversion_holder_municipalities"
                                                " WHERE mykey_id = $1",
                                                {mykey_id}));
  if (!home) {
    return Refuse(ErrorCode::kFailedPrecondition, PointsReason::kNoDefaultMunicipality,
                  "the holder has not chosen a default municipality");
  }
  MYKEY_ASSIGN_OR_RETURN(auto chosen,
                         tx.QueryRow("SELECT programme_id FROM conversion_landing_programmes"
                                     " WHERE municipality_code = $1",
                                     {home->Text(0)}));
  if (chosen) return chosen->Int(0);
  MYKEY_ASSIGN_OR_RETURN(auto first, tx.QueryRow("SELECT id FROM programmes WHERE"
                                                 " municipality_code = $1 AND kind = 'points'"
                                                 " ORDER BY id LIMIT 1",
                                                 {home->Text(0)}));
  if (!first) {
    return Refuse(ErrorCode::kFailedPrecondition, PointsReason::kNoLandingProgramme,
                  "the municipality has no programme for conversions");
  }
  return first->Int(0);
}

Conversion ConversionFrom(const Row& row) {
  Conversion c;
  c.conversion_id = row.Int(0);
  c.partner_id = row.Text(1);
  c.mykey_id = row.Text(2);
  c.channel = row.Text(3);
  c.partner_points = row.Int(4);
  c.points = row.Int(5);
  c.programme_id = row.Int(6);
  c.state = row.Text(7);
  c.lands_at_ms = row.Int(8);
  c.premium = row.Int(9);
  c.created_at_ms = row.Int(10);
  return c;
}

constexpr std::string_view kConversionColumns =
    "id, partner_id, mykey_id, channel, partner_points, points, programme_id, state,"
    " lands_at_ms, premium, created_at_ms";

}  // namespace

PointsReason PointsReasonOf(const Error& error) noexcept {
  if (error.domain() != ErrorDomain::kNone) return PointsReason::kNone;
  const int64_t d = error.detail();
  if (d < static_cast<int64_t>(PointsReason::kUnknownPartner) ||
      d > static_cast<int64_t>(PointsReason::kUnknownMunicipality)) {
    return PointsReason::kNone;
  }
  return static_cast<PointsReason>(d);
}

const char* PointsReasonName(PointsReason reason) noexcept {
  switch (reason) {
    case PointsReason::kNone: return "none";
    case PointsReason::kUnknownPartner: return "unknown_partner";
    case PointsReason::kPartnerSuspended: return "partner_suspended";
    case PointsReason::kNoDefaultMunicipality: return "no_default_municipality";
    case PointsReason::kNoLandingProgramme: return "no_landing_programme";
    case PointsReason::kConversionTooSmall: return "conversion_too_small";
    case PointsReason::kUnknownConversion: return "unknown_conversion";
    case PointsReason::kCouponMalformed: return "coupon_malformed";
    case PointsReason::kCouponUnknown: return "coupon_unknown";
    case PointsReason::kCouponUsed: return "coupon_used";
    case PointsReason::kCouponExpired: return "coupon_expired";
    case PointsReason::kTooManyAttempts: return "too_many_attempts";
    case PointsReason::kNotAProject: return "not_a_project";
    case PointsReason::kNotAnEvent: return "not_an_event";
    case PointsReason::kUnknownMunicipality: return "unknown_municipality";
  }
  return "none";
}

Result<std::string> NormaliseCouponCode(std::string_view typed) {
  std::string code;
  for (char c : typed) {
    if (c == '-' || c == ' ') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (SymbolValue(c) < 0 || code.size() >= kCouponSymbols) {
      return Refuse(ErrorCode::kInvalidArgument, PointsReason::kCouponMalformed,
                    "a coupon code has 16 symbols of 23456789ABCDEFGHJKLMNPQRSTVWXYZ");
    }
    code += c;
  }
  if (code.size() != kCouponSymbols ||
      CheckSymbol(std::string_view(code).substr(0, kCouponSymbols - 1)) != code.back()) {
    return Refuse(ErrorCode::kInvalidArgument, PointsReason::kCouponMalformed,
                  "the coupon code is mistyped (its check symbol does not match)");
  }
  return code;
}

ConversionService::ConversionService(Store& store, ConversionOptions options)
    : store_(store), options_(std::move(options)) {}

int64_t ConversionService::NowMs() const {
  if (options_.clock) return options_.clock();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status ConversionService::AddPartner(const Caller& caller, const Partner& partner) {
  if (!IsAdmin(caller)) return NotAllowed("only the scheme operator registers partners");
  if (partner.id.empty() || partner.id.size() > 64 || !IsPrintable(partner.id) ||
      partner.id.find(' ') != std::string::npos) {
    return Invalid("a partner id has 1..64 printable characters, no spaces");
  }
  if (partner.name.empty() || partner.name.size() > 200) return Invalid("a name has 1..200 bytes");
  if (partner.rate_numerator < 1 || partner.rate_numerator > 1'000'000 ||
      partner.rate_denominator < 1 || partner.rate_denominator > 1'000'000) {
    return Invalid("a rate's numerator and denominator are 1..10^6");
  }
  return store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
    return Done(tx.Execute(
        "INSERT INTO conversion_partners (id, name, rate_numerator, rate_denominator, status,"
        " created_at_ms) VALUES ($1, $2, $3, $4, $5, $6)",
        {partner.id, partner.name, partner.rate_numerator, partner.rate_denominator,
         std::string_view(partner.active ? "active" : "suspended"), NowMs()}));
  });
}

Result<std::vector<Partner>> ConversionService::ListPartners(const Caller& caller) {
  if (!IsAdmin(caller)) return NotAllowed("only the scheme operator lists partners");
  std::vector<Partner> partners;
  const Status status =
      store_.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
        partners.clear();
        MYKEY_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id, name, rate_numerator,"
                                                   " rate_denominator, status, created_at_ms"
                                                   " FROM conversion_partners ORDER BY id"));
        for (const Row& row : rows) {
          partners.push_back(Partner{row.Text(0), row.Text(1), row.Int(2), row.Int(3),
                                     row.Text(4) == "active", row.Int(5)});
        }
        return Ok();
      });
  if (!status) return Fail(status.error());
  return partners;
}

Status ConversionService::SetDefaultMunicipality(const Caller& caller, std::string_view mykey_id,
                                                 std::string_view municipality_code) {
  if (caller.kind != CallerKind::kTerminal && !IsAdmin(caller)) {
    return NotAllowed("the holder chooses at a terminal (or the scheme operator)");
  }
  if (!IsValidMyKeyId(mykey_id)) return Invalid("not a MyKey ID");
  return store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
    const int64_t now = NowMs();
    MYKEY_ASSIGN_OR_RETURN(
        auto known,
        tx.QueryRow("SELECT code FROM municipalities WHERE code = $1", {municipality_code}));
    if (!known) {
      return Refuse(ErrorCode::kNotFound, PointsReason::kUnknownMunicipality,
                    "no such municipality");
    }
    MYKEY_ASSIGN_OR_RETURN(auto existing,
                           tx.QueryRow("SELECT mykey_id FROM conversion_holder_municipalities"
                                       " WHERE mykey_id = $1",
                                       {mykey_id}));
    if (existing) {
      return Done(
          tx.Execute("UPDATE conversion_holder_municipalities SET municipality_code = $1,"
                     " updated_at_ms = $2 WHERE mykey_id = $3",
                     {municipality_code, now, mykey_id}));
    }
    auto inserted = tx.Execute(
        "INSERT INTO conversion_holder_municipalities (mykey_id, municipality_code,"
        " updated_at_ms) VALUES ($1, $2, $3)",
        {mykey_id, municipality_code, now});
    if (!inserted && inserted.error().code() == ErrorCode::kAlreadyExists) {
      return Fail(ErrorCode::kAborted, "a concurrent request set the default municipality");
    }
    return Done(inserted);
  });
}

Status ConversionService::SetLandingProgramme(const Caller& caller,
                                              std::string_view municipality_code,
                                              int64_t programme_id) {
  if (!ManagesMunicipality(caller, municipality_code)) {
    return NotAllowed("only the municipality's operator chooses its landing programme");
  }
  return store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
    MYKEY_ASSIGN_OR_RETURN(auto programme, tx.QueryRow("SELECT id FROM programmes WHERE id = $1"
                                                       " AND municipality_code = $2",
                                                       {programme_id, municipality_code}));
    if (!programme) {
      return Refuse(ErrorCode::kNotFound, LedgerReason::kUnknownProgramme, "no such programme");
    }
    MYKEY_TRY(tx.Execute("DELETE FROM conversion_landing_programmes WHERE municipality_code = $1",
                         {municipality_code}));
    return Done(
        tx.Execute("INSERT INTO conversion_landing_programmes (municipality_code, programme_id)"
                   " VALUES ($1, $2)",
                   {municipality_code, programme_id}));
  });
}

Status ConversionService::SetPremium(const Caller& caller, int64_t programme_id,
                                     int bonus_percent) {
  if (caller.kind != CallerKind::kOperator) return NotAllowed("only an operator sets premiums");
  if (bonus_percent < 0 || bonus_percent > 100) return Invalid("a bonus is 0..100 percent");
  return store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
    MYKEY_ASSIGN_OR_RETURN(auto programme,
                           tx.QueryRow("SELECT municipality_code, kind FROM programmes"
                                       " WHERE id = $1",
                                       {programme_id}));
    if (!programme || !ManagesMunicipality(caller, programme->Text(0))) {
      return Refuse(ErrorCode::kNotFound, LedgerReason::kUnknownProgramme, "no such programme");
    }
    if (programme->Text(1) != "event") {
      return Refuse(ErrorCode::kFailedPrecondition, PointsReason::kNotAnEvent,
                    "premiums belong to event programmes");
    }
    MYKEY_TRY(tx.Execute("DELETE FROM premium_rates WHERE programme_id = $1", {programme_id}));
    if (bonus_percent == 0) return Ok();
    return Done(
        tx.Execute("INSERT INTO premium_rates (programme_id, bonus_percent, updated_at_ms)"
                   " VALUES ($1, $2, $3)",
                   {programme_id, bonus_percent, NowMs()}));
  });
}

Result<Conversion> ConversionService::Pend(const Caller& caller, std::string_view operation,
                                           const std::string& partner_id,
                                           const std::string& mykey_id, std::string_view channel,
                                           int64_t partner_points,
                                           std::optional<int64_t> fixed_points,
                                           std::string_view idempotency_key,
                                           std::optional<std::string> coupon_code) {
  const std::string scope = IdempotencyScopeOf(caller);
  conversion_ledger::Canonical canonical(operation);
  canonical.Add(partner_id).Add(mykey_id).Add(partner_points);
  if (coupon_code) canonical.Add(*coupon_code);
  const Bytes hash = canonical.Hash();
  Conversion result;
  const Status status =
      store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
        const int64_t now = NowMs();
        MYKEY_ASSIGN_OR_RETURN(
            auto stored, conversion_ledger::FindStored(tx, scope, idempotency_key, hash, now));
        if (stored) {
          MYKEY_ASSIGN_OR_RETURN(result, conversion_codec::DecodeConversion(*stored));
          result.replayed = true;
          return Ok();
        }
        // A locked terminal learns nothing about any code (a replay above
        // only repeats what it was told).
        if (coupon_code && caller.kind == CallerKind::kTerminal) {
          MYKEY_ASSIGN_OR_RETURN(auto lock, tx.QueryRow("SELECT locked_until_ms FROM"
                                                        " conversion_coupon_attempts"
                                                        " WHERE terminal_id = $1",
                                                        {caller.terminal_id}));
          if (lock && lock->Int(0) > now) {
            return Refuse(ErrorCode::kPermissionDenied, PointsReason::kTooManyAttempts,
                          "too many wrong coupon codes at this terminal; try again later");
          }
        }
        std::string partner = partner_id;
        int64_t points = 0;
        int64_t given = partner_points;
        std::optional<int64_t> coupon_id;
        if (coupon_code) {
          MYKEY_ASSIGN_OR_RETURN(auto coupon, tx.QueryRow("SELECT id, partner_id, amount,"
                                                          " expires_at_ms, used_at_ms"
                                                          " FROM conversion_coupons"
                                                          " WHERE code_hash = $1",
                                                          {CouponHash(*coupon_code)}));
          if (!coupon) {
            return Refuse(ErrorCode::kNotFound, PointsReason::kCouponUnknown,
                          "no such coupon code");
          }
          if (!coupon->IsNull(4)) {
            return Refuse(ErrorCode::kFailedPrecondition, PointsReason::kCouponUsed,
                          "the coupon has been converted already");
          }
          if (coupon->Int(3) <= now) {
            return Refuse(ErrorCode::kFailedPrecondition, PointsReason::kCouponExpired,
                          "the coupon has expired");
          }
          coupon_id = coupon->Int(0);
          partner = coupon->Text(1);
          points = coupon->Int(2);
          given = points;
        }
        MYKEY_ASSIGN_OR_RETURN(PartnerRow partner_row, LoadActivePartner(tx, partner));
        if (fixed_points) {
          points = *fixed_points;
        } else if (!coupon_code) {
          // partner_points <= 10^12 and numerator <= 10^6: inside int64.
          points = given * partner_row.numerator / partner_row.denominator;
          if (points < 1) {
            return Refuse(ErrorCode::kInvalidArgument, PointsReason::kConversionTooSmall,
                          "the partner's rate gives less than one point");
          }
          if (points > kMaxPoints) return Invalid("a conversion gives at most 10^12 points");
        }
        MYKEY_ASSIGN_OR_RETURN(int64_t programme_id, LandingProgramme(tx, mykey_id));
        MYKEY_ASSIGN_OR_RETURN(int64_t source,
                               AccountFor(tx, AccountKind::kIssuance, programme_id,
                                          conversion_ledger::PartnerOwner(partner), now));
        MYKEY_ASSIGN_OR_RETURN(int64_t pending,
                               conversion_ledger::SystemAccount(tx, "conversion_pending",
                                                                programme_id, mykey_id, now));
        TransferHeader header{"conversion",
                              programme_id,
                              points,
                              std::nullopt,
                              std::nullopt,
                              scope,
                              std::string(idempotency_key),
                              now};
        MYKEY_ASSIGN_OR_RETURN(int64_t transfer_id, InsertTransfer(tx, header));
        MYKEY_TRY(
            Post(tx, transfer_id,
                 {{source, std::nullopt, -points, false}, {pending, std::nullopt, points, false}}));
        const int64_t lands_at = now + options_.hold_period.count();
        MYKEY_ASSIGN_OR_RETURN(
            auto inserted,
            tx.QueryRow("INSERT INTO conversions (partner_id, mykey_id, programme_id, channel,"
                        " partner_points, points, premium, state, lands_at_ms,"
                        " pending_transfer_id, created_at_ms)"
                        " VALUES ($1, $2, $3, $4, $5, $6, 0, 'pending', $7, $8, $9) RETURNING id",
                        {partner, mykey_id, programme_id, channel, given, points, lands_at,
                         transfer_id, now}));
        if (!inserted) return Fail(ErrorCode::kInternal, "INSERT RETURNING gave no row");
        if (coupon_id) {
          MYKEY_TRY(
              tx.Execute("UPDATE conversion_coupons SET used_at_ms = $1, conversion_id = $2"
                         " WHERE id = $3 AND used_at_ms IS NULL",
                         {now, inserted->Int(0), *coupon_id}));
        }
        result = Conversion{};
        result.conversion_id = inserted->Int(0);
        result.partner_id = partner;
        result.mykey_id = mykey_id;
        result.channel = std::string(channel);
        result.partner_points = given;
        result.points = points;
        result.programme_id = programme_id;
        result.state = "pending";
        result.lands_at_ms = lands_at;
        result.created_at_ms = now;
        return conversion_ledger::StoreResult(tx, scope, idempotency_key, hash, kCreated,
                                              conversion_codec::Encode(result), now,
                                              options_.idempotency_window.count());
      });
  if (!status) return Fail(status.error());
  return result;
}

Result<Conversion> ConversionService::Convert(const Caller& caller,
                                              const ConversionRequest& request) {
  if (!IsPartner(caller)) return NotAllowed("only a partner's operator converts its points");
  MYKEY_TRY(conversion_ledger::CheckKey(request.idempotency_key));
  if (request.partner_points < 1 || request.partner_points > kMaxPoints) {
    return Invalid("partner points are 1..10^12");
  }
  if (!IsValidMyKeyId(request.mykey_id)) return Invalid("not a MyKey ID");
  return Pend(caller, "conversion", caller.scope_id, request.mykey_id, "online",
              request.partner_points, std::nullopt, request.idempotency_key, std::nullopt);
}

Result<Conversion> ConversionService::GetConversion(const Caller& caller, int64_t conversion_id) {
  if (!IsPartner(caller) && !IsAdmin(caller)) {
    return NotAllowed("only the partner (or the scheme operator) reads a conversion");
  }
  Conversion result;
  const Status status =
      store_.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
        MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow("SELECT " + std::string(kConversionColumns) +
                                                         " FROM conversions WHERE id = $1",
                                                     {conversion_id}));
        if (!row || (!IsAdmin(caller) && row->Text(1) != caller.scope_id)) {
          return Refuse(ErrorCode::kNotFound, PointsReason::kUnknownConversion,
                        "no such conversion");
        }
        result = ConversionFrom(*row);
        return Ok();
      });
  if (!status) return Fail(status.error());
  return result;
}

Result<std::vector<IssuedCoupon>> ConversionService::IssueCoupons(
    const Caller& caller, const CouponIssueRequest& request) {
  std::string partner_id;
  if (IsPartner(caller)) {
    if (!request.partner_id.empty() && request.partner_id != caller.scope_id) {
      return NotAllowed("a partner issues only its own coupons");
    }
    partner_id = caller.scope_id;
  } else if (IsAdmin(caller)) {
    partner_id = request.partner_id;
  } else {
    return NotAllowed("only a partner (or the scheme operator) issues coupons");
  }
  if (request.amount < 1 || request.amount > kMaxPoints) return Invalid("an amount is 1..10^12");
  if (request.count < 1 || request.count > kMaxCoupons) return Invalid("a count is 1..1000");
  MYKEY_ASSIGN_OR_RETURN(auto random, crypto::SystemRandom::Create());
  std::vector<IssuedCoupon> coupons;
  const Status status =
      store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
        coupons.clear();
        const int64_t now = NowMs();
        if (request.expires_at_ms <= now) return Invalid("the expiry must be in the future");
        MYKEY_ASSIGN_OR_RETURN(PartnerRow partner, LoadActivePartner(tx, partner_id));
        for (int i = 0; i < request.count; ++i) {
          std::string code;
          // Uniform symbols by rejection: 248 = 8 * 31.
          while (code.size() < kCouponSymbols - 1) {
            std::array<uint8_t, 32> bytes{};
            MYKEY_TRY(random->Fill(bytes));
            for (uint8_t b : bytes) {
              if (b >= 248 || code.size() == kCouponSymbols - 1) continue;
              code += kCouponAlphabet[b % kCouponAlphabet.size()];
            }
          }
          code += CheckSymbol(code);
          MYKEY_ASSIGN_OR_RETURN(
              auto row, tx.QueryRow("INSERT INTO conversion_coupons (partner_id, code_hash,"
                                    " amount, expires_at_ms, created_at_ms)"
                                    " VALUES ($1, $2, $3, $4, $5) RETURNING id",
                                    {partner.id, CouponHash(code), request.amount,
                                     request.expires_at_ms, now}));
          if (!row) return Fail(ErrorCode::kInternal, "INSERT RETURNING gave no row");
          coupons.push_back(IssuedCoupon{row->Int(0), Grouped(code)});
        }
        return Ok();
      });
  if (!status) return Fail(status.error());
  return coupons;
}

Status ConversionService::CountCouponFailure(const std::string& terminal_id) {
  return store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
    const int64_t now = NowMs();
    MYKEY_ASSIGN_OR_RETURN(auto row, tx.QueryRow("SELECT window_started_at_ms, failures"
                                                 " FROM conversion_coupon_attempts"
                                                 " WHERE terminal_id = $1",
                                                 {terminal_id}));
    int64_t started = now;
    int64_t failures = 1;
    if (row && row->Int(0) + options_.coupon_attempt_window.count() > now) {
      started = row->Int(0);
      failures = row->Int(1) + 1;
    }
    int64_t locked_until = 0;
    if (failures >= options_.coupon_failures_allowed) {
      locked_until = now + options_.coupon_lockout.count();
      failures = 0;
      started = now;
    }
    if (row) {
      return Done(tx.Execute(
          "UPDATE conversion_coupon_attempts SET window_started_at_ms = $1, failures = $2,"
          " locked_until_ms = $3 WHERE terminal_id = $4",
          {started, failures, locked_until, terminal_id}));
    }
    auto inserted = tx.Execute(
        "INSERT INTO conversion_coupon_attempts (terminal_id, window_started_at_ms, failures,"
        " locked_until_ms) VALUES ($1, $2, $3, $4)",
        {terminal_id, started, failures, locked_until});
    if (!inserted && inserted.error().code() == ErrorCode::kAlreadyExists) {
      return Fail(ErrorCode::kAborted, "a concurrent failure was counted");
    }
    return Done(inserted);
  });
}

Result<Conversion> ConversionService::RedeemCoupon(const Caller& caller,
                                                   const CouponRedemptionRequest& request) {
  if (caller.kind != CallerKind::kTerminal) return NotAllowed("coupons are typed at a terminal");
  MYKEY_TRY(conversion_ledger::CheckKey(request.idempotency_key));
  if (!IsValidMyKeyId(request.mykey_id)) return Invalid("not a MyKey ID");
  MYKEY_ASSIGN_OR_RETURN(std::string code, NormaliseCouponCode(request.code));
  auto result = Pend(caller, "coupon", "", request.mykey_id, "coupon", 0, std::nullopt,
                     request.idempotency_key, code);
  if (!result) {
    const PointsReason reason = PointsReasonOf(result.error());
    if (reason == PointsReason::kCouponUnknown || reason == PointsReason::kCouponUsed ||
        reason == PointsReason::kCouponExpired) {
      MYKEY_TRY(CountCouponFailure(caller.terminal_id));
    }
  }
  return result;
}

Result<SweepReport> ConversionService::SweepDueConversions() {
  SweepReport report;
  const int64_t batch = std::max(1, options_.sweep_batch);
  for (;;) {
    SweepReport step;
    const Status status =
        store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
          step = SweepReport{};
          const int64_t now = NowMs();
          MYKEY_ASSIGN_OR_RETURN(auto due, tx.Query("SELECT id, mykey_id, programme_id, points"
                                                    " FROM conversions WHERE state = 'pending'"
                                                    " AND lands_at_ms <= $1"
                                                    " ORDER BY lands_at_ms, id LIMIT $2",
                                                    {now, batch}));
          for (const Row& row : due) {
            const int64_t programme_id = row.Int(2);
            const int64_t points = row.Int(3);
            MYKEY_ASSIGN_OR_RETURN(
                int64_t pending, conversion_ledger::SystemAccount(tx, "conversion_pending",
                                                                  programme_id, row.Text(1), now));
            MYKEY_ASSIGN_OR_RETURN(int64_t holder, AccountFor(tx, AccountKind::kHolder,
                                                              programme_id, row.Text(1), now));
            const int64_t expires = now + options_.lot_lifetime.count();
            TransferHeader header{"conversion", programme_id, points, std::nullopt,
                                  std::nullopt, {},           {},     now};
            MYKEY_ASSIGN_OR_RETURN(int64_t transfer_id, InsertTransfer(tx, header));
            MYKEY_ASSIGN_OR_RETURN(
                int64_t lot_id, InsertLot(tx, {holder, "conversion", transfer_id, points, expires,
                                               std::nullopt, std::nullopt, now}));
            MYKEY_TRY(
                Post(tx, transfer_id,
                     {{pending, std::nullopt, -points, false}, {holder, lot_id, points, true}}));
            MYKEY_ASSIGN_OR_RETURN(int64_t premium, premium::AddPremium(tx, programme_id, holder,
                                                                        points, expires, now));
            MYKEY_TRY(
                tx.Execute("UPDATE conversions SET state = 'landed', lot_id = $1,"
                           " premium = $2, landed_at_ms = $3"
                           " WHERE id = $4 AND state = 'pending'",
                           {lot_id, premium, now, row.Int(0)}));
            step.items += 1;
            step.points += points + premium;
          }
          return Ok();
        });
    if (!status) return Fail(status.error());
    report.items += step.items;
    report.points += step.points;
    if (step.items < batch) return report;
  }
}

Result<Donation> ConversionService::Donate(const Caller& caller, const DonationRequest& request) {
  if (caller.kind != CallerKind::kTerminal) return NotAllowed("a holder donates at a terminal");
  MYKEY_TRY(conversion_ledger::CheckKey(request.idempotency_key));
  if (request.amount < 1 || request.amount > kMaxPoints) return Invalid("an amount is 1..10^12");
  if (!IsValidMyKeyId(request.mykey_id)) return Invalid("not a MyKey ID");
  if (request.display_name && (request.display_name->empty() || request.display_name->size() > 64 ||
                               !IsPrintable(*request.display_name))) {
    return Invalid("a display name has 1..64 printable bytes");
  }
  const std::string scope = IdempotencyScopeOf(caller);
  const Bytes hash = conversion_ledger::Canonical("donation")
                         .Add(request.mykey_id)
                         .Add(request.programme_id)
                         .Add(request.project_id)
                         .Add(request.amount)
                         .Add(request.display_name ? "1:" + *request.display_name : "0")
                         .Hash();
  Donation result;
  const Status status =
      store_.WithTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) -> Status {
        const int64_t now = NowMs();
        MYKEY_ASSIGN_OR_RETURN(auto stored, conversion_ledger::FindStored(
                                                tx, scope, request.idempotency_key, hash, now));
        if (stored) {
          MYKEY_ASSIGN_OR_RETURN(result, conversion_codec::DecodeDonation(*stored));
          result.replayed = true;
          return Ok();
        }
        MYKEY_ASSIGN_OR_RETURN(auto source,
                               tx.QueryRow("SELECT p.municipality_code, mu.cross_municipality_use"
                                           " FROM programmes p JOIN municipalities mu"
                                           " ON mu.code = p.municipality_code WHERE p.id = $1",
                                           {request.programme_id}));
        MYKEY_ASSIGN_OR_RETURN(auto project,
                               tx.QueryRow("SELECT municipality_code, kind FROM programmes"
                                           " WHERE id = $1",
                                           {request.project_id}));
        if (!source || !project) {
          return Refuse(ErrorCode::kNotFound, LedgerReason::kUnknownProgramme, "no such programme");
        }
        if (project->Text(1) != "project") {
          return Refuse(ErrorCode::kFailedPrecondition, PointsReason::kNotAProject,
                        "donations go to project programmes");
        }
        if (project->Text(0) != source->Text(0) && source->Int(1) == 0) {
          return Refuse(ErrorCode::kPermissionDenied, LedgerReason::kCrossMunicipalityRefused,
                        "the points' municipality does not allow use elsewhere");
        }
        MYKEY_ASSIGN_OR_RETURN(auto holder,
                               LockHolderAccount(tx, request.programme_id, request.mykey_id));
        if (!holder) {
          return Refuse(ErrorCode::kFailedPrecondition, LedgerReason::kInsufficientBalance,
                        "the balance is too low");
        }
        // Soonest-expiring first (then by lot id); expired lots are left to
        // the expiry sweep.
        MYKEY_ASSIGN_OR_RETURN(auto lots,
                               tx.Query("SELECT id, remaining FROM ledger_lots"
                                        " WHERE account_id = $1 AND remaining > 0"
                                        " AND expires_at_ms > $2 ORDER BY expires_at_ms, id",
                                        {*holder, now}));
        std::vector<Posting> postings;
        int64_t needed = request.amount;
        for (const Row& lot : lots) {
          if (needed == 0) break;
          const int64_t take = std::min(needed, lot.Int(1));
          postings.push_back({*holder, lot.Int(0), -take, true});
          needed -= take;
        }
        if (needed > 0) {
          return Refuse(ErrorCode::kFailedPrecondition, LedgerReason::kInsufficientBalance,
                        "the balance is too low");
        }
        MYKEY_ASSIGN_OR_RETURN(int64_t sink, conversion_ledger::SystemAccount(
                                                 tx, "donation", request.project_id, "", now));
        postings.push_back({sink, std::nullopt, request.amount, false});
        TransferHeader header{"donation",
                              request.project_id,
                              request.amount,
                              std::nullopt,
                              std::nullopt,
                              scope,
                              request.idempotency_key,
                              now};
        MYKEY_ASSIGN_OR_RETURN(int64_t transfer_id, InsertTransfer(tx, header));
        MYKEY_TRY(Post(tx, transfer_id, postings));
        MYKEY_ASSIGN_OR_RETURN(
            auto row, tx.QueryRow("INSERT INTO donations (project_id, source_programme_id,"
                                  " mykey_id, amount, display_name, transfer_id, created_at_ms)"
                                  " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                                  {request.project_id, request.programme_id, request.mykey_id,
                                   request.amount, request.display_name, transfer_id, now}));
        if (!row) return Fail(ErrorCode::kInternal, "INSERT RETURNING gave no row");
        result = Donation{};
        result.donation_id = row->Int(0);
        result.transfer_id = transfer_id;
        result.project_id = request.project_id;
        result.programme_id = request.programme_id;
        result.mykey_id = request.mykey_id;
        result.amount = request.amount;
        MYKEY_ASSIGN_OR_RETURN(result.balance, SpendableBalance(tx, *holder, now));
        result.created_at_ms = now;
        return conversion_ledger::StoreResult(tx, scope, request.idempotency_key, hash, kCreated,
                                              conversion_codec::Encode(result), now,
                                              options_.idempotency_window.count());
      });
  if (!status) return Fail(status.error());
  return result;
}

Result<DonorList> ConversionService::Donors(const Caller& caller, int64_t project_id) {
  if (caller.kind != CallerKind::kOperator ||
      (caller.scope != OperatorScope::kAdmin && caller.scope != OperatorScope::kMunicipality)) {
    return NotAllowed("only the municipality's operator reads a donor list");
  }
  DonorList list;
  const Status status =
      store_.WithTransaction(TransactionMode::kReadOnly, [&](Transaction& tx) -> Status {
        list = DonorList{};
        list.project_id = project_id;
        MYKEY_ASSIGN_OR_RETURN(auto project,
                               tx.QueryRow("SELECT municipality_code, kind FROM programmes"
                                           " WHERE id = $1",
                                           {project_id}));
        // Another municipality's project reads as absent.
        if (!project || !ManagesMunicipality(caller, project->Text(0))) {
          return Refuse(ErrorCode::kNotFound, LedgerReason::kUnknownProgramme, "no such programme");
        }
        if (project->Text(1) != "project") {
          return Refuse(ErrorCode::kFailedPrecondition, PointsReason::kNotAProject,
                        "donor lists belong to project programmes");
        }
        MYKEY_ASSIGN_OR_RETURN(
            auto rows,
            tx.Query("SELECT d.mykey_id, SUM(d.amount), COUNT(*),"
                     " (SELECT d2.display_name FROM donations d2 WHERE d2.project_id = $1"
                     "   AND d2.mykey_id = d.mykey_id ORDER BY d2.id DESC LIMIT 1)"
                     " FROM donations d WHERE d.project_id = $1"
                     " GROUP BY d.mykey_id ORDER BY SUM(d.amount) DESC, MIN(d.id)",
                     {project_id}));
        for (const Row& row : rows) {
          Donor donor;
          donor.donor = MaskIdentifier(row.Text(0));
          donor.display_name = row.OptionalText(3);
          donor.amount = row.Int(1);
          donor.donations = row.Int(2);
          list.total += donor.amount;
          list.donors.push_back(std::move(donor));
        }
        return Ok();
      });
  if (!status) return Fail(status.error());
  return list;
}

}  // namespace mykey::cloud

namespace mykey::cloud {

Status MoveConversionHolder(Transaction& tx, std::string_view old_id, std::string_view new_id) {
  for (const char* sql : {"UPDATE conversion_holder_municipalities SET mykey_id = $2"
                          " WHERE mykey_id = $1",
                          "UPDATE conversions SET mykey_id = $2 WHERE mykey_id = $1",
                          "UPDATE donations SET mykey_id = $2 WHERE mykey_id = $1"}) {
    MYKEY_TRY(tx.Execute(sql, {old_id, new_id}));
  }
  return Ok();
}

}  // namespace mykey::cloud
