#include "mykey/terminal/voucher_counter.h"

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <utility>

#include "mykey/base/bytes.h"
#include "mykey/base/file.h"
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

CounterVoucherIssuer::CounterVoucherIssuer(counter::Counter& counter,
                                           VoucherIssuerSettings settings)
    : counter_(counter), settings_(std::move(settings)) {}

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
  return issued;
}

Status CounterVoucherIssuer::ConfirmPrint(std::string_view serial, PrintState print) {
  if (print == PrintState::kPrinted) {
    MYKEY_TRY(counter_.ConfirmVoucherPrinted(serial));
    return Ok();
  }
  // Not confirmed by the printer (failed, one-way, or maybe printed): the
  // voucher does not circulate.
  if (settings_.void_unprinted) MYKEY_TRY(counter_.VoidVoucher(serial));
  return Fail(ErrorCode::kAborted, "the voucher did not print");
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
