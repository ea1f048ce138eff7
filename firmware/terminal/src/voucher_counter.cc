#include "mykey/terminal/voucher_counter.h"

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <utility>

#include "mykey/base/bytes.h"
#include "mykey/base/file.h"
#include "mykey/base/log.h"
#include "mykey/base/mask.h"
#include "mykey/crypto/ecdsa.h"
#include "mykey/json/json.h"
#include "mykey/voucher/voucher_scanner.h"

namespace mykey::terminal {
namespace {

using counter::CounterErrorCode;
using counter::CounterErrorCodeOf;

std::chrono::sys_seconds SystemNow() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

/// "YYYY-MM-DD" of the Japan day `days` after `now`'s.
std::string JapanDayAfter(std::chrono::sys_seconds now, int days) {
  const std::chrono::year_month_day today = protocol::JapanDate(now);
  const std::chrono::year_month_day day{std::chrono::sys_days(today) + std::chrono::days(days)};
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(day.year()),
                static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
  return text;
}

/// Rounds of the confirmation of a printed voucher: voiding paper the customer
/// holds is the worst outcome, so it is asked harder.
constexpr int kConfirmRounds = 3;

/// The cloud did not take the call or its answer was lost: asking again may succeed.
bool NotReached(const Error& error) {
  const CounterErrorCode code = CounterErrorCodeOf(error);
  return code == CounterErrorCode::kCloudUnreachable || code == CounterErrorCode::kOutcomeUnknown;
}

std::string RefusalOfScan(const Error& error) {
  switch (voucher::ScanFailureOf(error)) {
    case voucher::ScanFailure::kExpired: return "voucher_expired";
    case voucher::ScanFailure::kUnreadableImage:
    case voucher::ScanFailure::kNoQrCode: return "voucher_unreadable";
    default: return "voucher_invalid";
  }
}

}  // namespace

std::string VoucherKeysPathFor(const std::string& id_file) {
  const size_t slash = id_file.rfind('/');
  if (slash == std::string::npos) return "voucher-keys.json";
  return id_file.substr(0, slash + 1) + "voucher-keys.json";
}

Status SaveVoucherKeys(const std::string& path,
                       const std::vector<cloud_client::VoucherPublicKey>& keys) {
  if (keys.empty()) return Fail(ErrorCode::kInvalidArgument, "no voucher keys to keep");
  json::Json out = json::Json::object();
  out["keys"] = json::Json::array();
  for (const auto& key : keys) {
    json::Json k = json::Json::object();
    k["key_id"] = key.key_id;
    k["public_key"] = ToHex(key.public_key);
    k["current"] = key.current;
    out["keys"].push_back(std::move(k));
  }
  return ReplaceFile(path, json::Dump(out, 2) + "\n", 0644);
}

Result<protocol::VoucherKeyRing> LoadVoucherKeys(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return Fail(Error(ErrorCode::kNotFound, "no voucher key file", ErrorDomain::kOs, errno));
  }
  std::ostringstream text;
  text << file.rdbuf();
  auto parsed = json::ParseJson(text.str());
  if (!parsed || !parsed->is_object() || !parsed->contains("keys") ||
      !(*parsed)["keys"].is_array()) {
    return Fail(ErrorCode::kDataLoss, "the voucher key file does not parse");
  }
  protocol::VoucherKeyRing ring;
  for (const json::Json& item : (*parsed)["keys"]) {
    if (!item.is_object() || !item.contains("public_key") || !item["public_key"].is_string()) {
      return Fail(ErrorCode::kDataLoss, "a voucher key entry has no public_key");
    }
    auto point = FromHex(item["public_key"].get<std::string>());
    if (!point) return Fail(ErrorCode::kDataLoss, "a voucher key is not hex");
    auto key = crypto::EcdsaPublicKey::FromUncompressedPoint(*point);
    if (!key) return Fail(ErrorCode::kDataLoss, "a voucher key is not a P-256 point");
    if (auto added = ring.Add(*key); !added && added.error().code() != ErrorCode::kAlreadyExists) {
      return Fail(added.error());
    }
  }
  if (ring.size() == 0) return Fail(ErrorCode::kDataLoss, "the voucher key file has no keys");
  return ring;
}

Result<size_t> RefreshVoucherKeys(counter::Counter& counter, const std::string& path) {
  MYKEY_ASSIGN_OR_RETURN(const auto keys, counter.VoucherKeys());
  MYKEY_TRY(SaveVoucherKeys(path, keys));
  return keys.size();
}

// --- Issuing ---------------------------------------------------------------------------

std::string PendingVouchersPathFor(const std::string& id_file) {
  const size_t slash = id_file.rfind('/');
  if (slash == std::string::npos) return "pending-vouchers.json";
  return id_file.substr(0, slash + 1) + "pending-vouchers.json";
}

Result<std::vector<PendingVoucher>> LoadPendingVouchers(const std::string& path) {
  std::vector<PendingVoucher> vouchers;
  std::ifstream file(path, std::ios::binary);
  if (!file) return vouchers;  // none kept yet
  std::ostringstream text;
  text << file.rdbuf();
  auto parsed = json::ParseJson(text.str());
  if (!parsed || !parsed->is_object() || !parsed->contains("vouchers") ||
      !(*parsed)["vouchers"].is_array()) {
    return Fail(ErrorCode::kDataLoss, "the pending voucher file does not parse");
  }
  for (const json::Json& item : (*parsed)["vouchers"]) {
    if (!item.is_object() || !item.contains("serial") || !item["serial"].is_string() ||
        !item.contains("issue_key") || !item["issue_key"].is_string() || !item.contains("amount") ||
        !item["amount"].is_number_integer()) {
      return Fail(ErrorCode::kDataLoss, "a pending voucher entry is incomplete");
    }
    PendingVoucher v;
    v.serial = item["serial"].get<std::string>();
    v.issue_key = item["issue_key"].get<std::string>();
    v.amount = item["amount"].get<int64_t>();
    if (item.contains("expires_on") && item["expires_on"].is_string()) {
      v.expires_on = item["expires_on"].get<std::string>();
    }
    if (item.contains("created_at_ms") && item["created_at_ms"].is_number_integer()) {
      v.created_at_ms = item["created_at_ms"].get<int64_t>();
    }
    if (item.contains("printed") && item["printed"].is_boolean()) {
      v.printed = item["printed"].get<bool>();
    }
    vouchers.push_back(std::move(v));
  }
  return vouchers;
}

Status SavePendingVouchers(const std::string& path, const std::vector<PendingVoucher>& vouchers) {
  json::Json out = json::Json::object();
  out["vouchers"] = json::Json::array();
  for (const PendingVoucher& v : vouchers) {
    json::Json item = {{"serial", v.serial},
                       {"issue_key", v.issue_key},
                       {"amount", v.amount},
                       {"expires_on", v.expires_on},
                       {"created_at_ms", v.created_at_ms}};
    if (v.printed) item["printed"] = true;
    out["vouchers"].push_back(std::move(item));
  }
  return ReplaceFile(path, json::Dump(out, 2) + "\n", 0600);
}

CounterVoucherIssuer::CounterVoucherIssuer(counter::Counter& counter,
                                           VoucherIssuerSettings settings,
                                           voucher::VoucherIssuer* reprinter)
    : counter_(counter), settings_(std::move(settings)), reprinter_(reprinter) {}

Result<IssuedVoucher> CounterVoucherIssuer::Issue(int64_t programme_id, int64_t amount) {
  std::optional<int64_t> balance_before;
  if (programme_id == 0) {
    MYKEY_ASSIGN_OR_RETURN(const cloud_client::Balances balances, counter_.Balances());
    for (const auto& programme : balances.programmes) {
      if (programme.balance >= amount) {
        programme_id = programme.programme_id;
        balance_before = programme.balance;
        break;
      }
    }
    if (programme_id == 0) {
      return Fail(counter::MakeCounterError(CounterErrorCode::kInsufficientBalance));
    }
  }
  counter::VoucherOrder order;
  order.programme_id = programme_id;
  order.amount = amount;
  order.expires_on =
      JapanDayAfter(settings_.now ? settings_.now() : SystemNow(), settings_.validity_days);
  MYKEY_ASSIGN_OR_RETURN(const cloud_client::CloudVoucher voucher, counter_.IssueVoucher(order));
  IssuedVoucher issued;
  issued.serial = voucher.serial;
  issued.print.token = voucher.token;
  issued.print.municipality_name =
      settings_.municipality_name.empty() ? voucher.municipality_code : settings_.municipality_name;
  issued.print.programme_name = settings_.programme_name;
  issued.print.conditions = settings_.conditions;
  if (balance_before) issued.balance = *balance_before - voucher.amount;
  PendingVoucher record;
  record.serial = voucher.serial;
  record.issue_key = voucher.idempotency_key;
  record.amount = voucher.amount;
  record.expires_on = voucher.expires_on;
  record.created_at_ms =
      voucher.created_at_ms != 0
          ? voucher.created_at_ms
          : std::chrono::duration_cast<std::chrono::milliseconds>(
                (settings_.now ? settings_.now() : SystemNow()).time_since_epoch())
                .count();
  last_issued_ = std::move(record);
  return issued;
}

Result<cloud_client::CloudVoucher> CounterVoucherIssuer::Confirm(std::string_view serial,
                                                                 std::string_view issue_key) {
  // The issue's key keeps the confirmation one operation however often it is asked.
  const std::string key = std::string(issue_key) + ".confirm";
  auto confirmed = counter_.ConfirmVoucherPrinted(serial, key);
  for (int round = 1; round < kConfirmRounds && !confirmed && NotReached(confirmed.error());
       ++round) {
    confirmed = counter_.ConfirmVoucherPrinted(serial, key);
  }
  return confirmed;
}

void CounterVoucherIssuer::KeepForStaff(std::string_view serial, bool printed) {
  if (settings_.pending_path.empty() || !last_issued_ || last_issued_->serial != serial) {
    log::Write(log::Level::kError, "terminal",
               "voucher " + MaskIdentifier(serial) +
                   " left pending with no list to keep it in (the cloud's sweep voids it)");
    return;
  }
  // A list that cannot be read or written loses no value: the voucher
  // stays pending at the cloud, whose sweep voids it and returns the points.
  PendingVoucher record = *last_issued_;
  record.printed = printed;
  auto kept = LoadPendingVouchers(settings_.pending_path);
  Status listed = kept ? Ok() : Status(Fail(kept.error()));
  if (kept) {
    kept->push_back(std::move(record));
    listed = SavePendingVouchers(settings_.pending_path, *kept);
  }
  if (!listed) {
    log::Write(log::Level::kError, "terminal",
               "pending voucher " + MaskIdentifier(serial) +
                   " not listed for a reprint: " + listed.error().ToString());
  }
}

Status CounterVoucherIssuer::ConfirmPrint(std::string_view serial, PrintState print) {
  if (print == PrintState::kPrinted) {
    const std::string issue_key =
        last_issued_ && last_issued_->serial == serial ? last_issued_->issue_key : "";
    auto confirmed =
        issue_key.empty() ? counter_.ConfirmVoucherPrinted(serial) : Confirm(serial, issue_key);
    if (confirmed) return Ok();
    if (!NotReached(confirmed.error())) return Fail(confirmed.error());
    // The customer holds a printed voucher the cloud has not recorded: never void it; list it
    // so that the next listing or a reprint confirms it.
    log::Write(log::Level::kWarning, "terminal",
               "voucher " + MaskIdentifier(serial) +
                   " printed but not recorded at the cloud: kept to be confirmed");
    KeepForStaff(serial, /*printed=*/true);
    return Fail(ErrorCode::kUnavailable, "the voucher printed but the cloud did not record it");
  }
  // Not confirmed by the printer (failed, one-way, or maybe printed): the
  // voucher does not circulate.
  if (settings_.void_unprinted) {
    MYKEY_TRY(counter_.VoidVoucher(serial));
  } else {
    KeepForStaff(serial, /*printed=*/false);  // for a reprint (or a void) by the staff
  }
  return Fail(ErrorCode::kAborted, "the voucher did not print");
}

Result<PendingVoucher> CounterVoucherIssuer::FindPending(std::string_view serial) {
  if (settings_.pending_path.empty()) {
    return Fail(ErrorCode::kUnimplemented, "pending vouchers are not kept");
  }
  MYKEY_ASSIGN_OR_RETURN(const auto kept, LoadPendingVouchers(settings_.pending_path));
  for (const PendingVoucher& v : kept) {
    if (v.serial == serial) return v;
  }
  return Fail(ErrorCode::kNotFound, "not a pending voucher of this terminal");
}

Status CounterVoucherIssuer::ForgetPending(std::string_view serial) {
  MYKEY_ASSIGN_OR_RETURN(auto kept, LoadPendingVouchers(settings_.pending_path));
  std::erase_if(kept, [&](const PendingVoucher& v) { return v.serial == serial; });
  return SavePendingVouchers(settings_.pending_path, kept);
}

Result<std::vector<PendingVoucher>> CounterVoucherIssuer::ListPending() {
  if (settings_.pending_path.empty()) {
    return Fail(ErrorCode::kUnimplemented, "pending vouchers are not kept");
  }
  MYKEY_ASSIGN_OR_RETURN(const auto kept, LoadPendingVouchers(settings_.pending_path));
  std::vector<PendingVoucher> still;
  for (const PendingVoucher& v : kept) {
    auto now = counter_.GetVoucher(v.serial);
    // Unreachable (or any other failure): keep it; the cloud decides at the reprint.
    if (now && now->state != "pending_print") continue;
    // Printed, only unrecorded: record it now if the cloud takes it.
    if (now && v.printed && Confirm(v.serial, v.issue_key)) continue;
    still.push_back(v);
  }
  if (still.size() != kept.size()) MYKEY_TRY(SavePendingVouchers(settings_.pending_path, still));
  return still;
}

Error CounterVoucherIssuer::RefusalAfter(const PendingVoucher& pending, const Error& cause) {
  // The cloud's refusal (a cloud client error) as a counter error. A voucher
  // that is no longer pending (voided by the sweep, redeemed, expired,
  // confirmed) leaves the list.
  if (cloud_client::CloudErrorCodeOf(cause) == cloud_client::CloudErrorCode::kUnreachable) {
    return counter::MakeCounterError(CounterErrorCode::kCloudUnreachable);
  }
  if (counter::CounterErrorCodeOf(cause) == CounterErrorCode::kCloudUnreachable) return cause;
  auto now = counter_.GetVoucher(pending.serial);
  if (now && now->state != "pending_print") {
    if (auto forgotten = ForgetPending(pending.serial); !forgotten) return forgotten.error();
    if (now->state == "redeemed") {
      return counter::MakeCounterError(CounterErrorCode::kVoucherAlreadyRedeemed);
    }
    if (now->state == "expired")
      return counter::MakeCounterError(CounterErrorCode::kVoucherExpired);
    return counter::MakeCounterError(CounterErrorCode::kVoucherVoided);
  }
  log::Write(log::Level::kWarning, "terminal", "pending voucher call failed: " + cause.ToString());
  if (counter::CounterErrorCodeOf(cause) != CounterErrorCode::kNone) return cause;
  return counter::MakeCounterError(CounterErrorCode::kCloudError);
}

Result<ReprintedVoucher> CounterVoucherIssuer::Reprint(std::string_view serial) {
  MYKEY_ASSIGN_OR_RETURN(const PendingVoucher pending, FindPending(serial));
  if (pending.printed) {
    // The customer has the paper: record it, print nothing.
    auto confirmed = Confirm(pending.serial, pending.issue_key);
    if (!confirmed) return Fail(RefusalAfter(pending, confirmed.error()));
    MYKEY_TRY(ForgetPending(serial));
    return ReprintedVoucher{pending.serial, pending.amount, PrintState::kNone, "issued"};
  }
  if (reprinter_ == nullptr) return Fail(ErrorCode::kUnimplemented, "no printer for reprints");
  voucher::VoucherPrintData look;
  look.municipality_name = settings_.municipality_name;
  look.programme_name = settings_.programme_name;
  look.conditions = settings_.conditions;
  if (look.municipality_name.empty()) {
    if (auto now = counter_.GetVoucher(pending.serial))
      look.municipality_name = now->municipality_code;
  }
  auto reprinted = reprinter_->Reprint(pending.issue_key, pending.serial, look,
                                       voucher::OnPrintFailure::kKeepPending);
  if (!reprinted) return Fail(RefusalAfter(pending, reprinted.error()));
  ReprintedVoucher out;
  out.serial = pending.serial;
  out.amount = pending.amount;
  out.state = voucher::IssueStateName(reprinted->state);
  switch (reprinted->job.result) {
    case printer::JobResult::kPrinted: out.print = PrintState::kPrinted; break;
    case printer::JobResult::kUnconfirmed: out.print = PrintState::kUnconfirmed; break;
    case printer::JobResult::kNotPrinted: out.print = PrintState::kNotPrinted; break;
  }
  if (reprinted->jobs == 0) out.print = PrintState::kNotPrinted;
  if (reprinted->state != voucher::IssueState::kPendingPrint) MYKEY_TRY(ForgetPending(serial));
  return out;
}

Result<PendingVoucher> CounterVoucherIssuer::Void(std::string_view serial) {
  MYKEY_ASSIGN_OR_RETURN(const PendingVoucher pending, FindPending(serial));
  if (pending.printed) {
    return Fail(ErrorCode::kFailedPrecondition,
                "the voucher printed (the customer holds it): reprint_voucher records it");
  }
  if (reprinter_ != nullptr) {
    auto voided = reprinter_->Void(pending.issue_key, pending.serial);
    if (!voided) return Fail(RefusalAfter(pending, voided.error()));
  } else {
    auto voided = counter_.VoidVoucher(pending.serial);
    if (!voided) return Fail(RefusalAfter(pending, voided.error()));
  }
  MYKEY_TRY(ForgetPending(serial));
  return pending;
}

// --- Redeeming -------------------------------------------------------------------------

std::string VoucherRefusalOf(const Error& error) {
  const CounterErrorCode code = CounterErrorCodeOf(error);
  switch (code) {
    case CounterErrorCode::kNone: return "internal";
    case CounterErrorCode::kVoucherAlreadyRedeemed: return "voucher_already_redeemed";
    case CounterErrorCode::kVoucherExpired: return "voucher_expired";
    case CounterErrorCode::kVoucherUnknown:
    case CounterErrorCode::kVoucherNotIssued:
    case CounterErrorCode::kVoucherVoided:
    case CounterErrorCode::kVoucherInvalid:
    case CounterErrorCode::kAlreadyVoided: return "voucher_invalid";
    case CounterErrorCode::kNotAccepted:
    case CounterErrorCode::kUnknownProgramme: return "voucher_not_accepted";
    default: return std::string(counter::CounterErrorCodeName(code));
  }
}

CounterVoucherRedeemer::CounterVoucherRedeemer(std::string keys_path, OnlineRedeem online,
                                               std::function<std::chrono::sys_seconds()> now)
    : keys_path_(std::move(keys_path)), online_(std::move(online)), now_(std::move(now)) {}

CounterVoucherRedeemer::OnlineRedeem CounterVoucherRedeemer::Through(counter::Counter& counter) {
  return [&counter](std::string_view text, std::string& key) -> Result<cloud_client::CloudVoucher> {
    auto redeemed = counter.RedeemVoucher(text);
    key = redeemed ? redeemed->idempotency_key : counter.last_failure().idempotency_key;
    return redeemed;
  };
}

VoucherCheck CounterVoucherRedeemer::Check(const PresentedVoucher& presented) {
  VoucherCheck check;
  if (!presented.serial.empty()) {
    // A typed serial proves nothing offline; its check symbol catches typos.
    auto serial = voucher::VerifyTypedSerial(presented.serial);
    if (!serial) {
      check.refusal = "voucher_invalid";
      return check;
    }
    check.serial = serial->ToString();
    check.text = check.serial;
    return check;
  }
  auto ring = LoadVoucherKeys(keys_path_);
  if (!ring) {
    check.refusal = "voucher_keys_missing";
    return check;
  }
  const std::chrono::sys_seconds now = now_ ? now_() : SystemNow();
  auto scanned = presented.image.empty() ? voucher::ScanVoucherText(presented.token, *ring, now)
                                         : voucher::ScanVoucher(presented.image, *ring, now);
  if (!scanned) {
    check.refusal = RefusalOfScan(scanned.error());
    return check;
  }
  check.serial = scanned->fields().serial.ToString();
  check.text = scanned->text;
  check.amount = static_cast<int64_t>(scanned->fields().amount);
  return check;
}

VoucherRedemption CounterVoucherRedeemer::Redeem(const VoucherCheck& checked) {
  VoucherRedemption redemption;
  redemption.serial = checked.serial;
  auto redeemed = online_(checked.text, redemption.idempotency_key);
  if (!redeemed) {
    redemption.refusal = VoucherRefusalOf(redeemed.error());
    return redemption;
  }
  redemption.serial = redeemed->serial;
  redemption.amount = redeemed->amount;
  redemption.programme_id = redeemed->programme_id;
  redemption.state = redeemed->state;
  redemption.idempotency_key = redeemed->idempotency_key;
  return redemption;
}

}  // namespace mykey::terminal
