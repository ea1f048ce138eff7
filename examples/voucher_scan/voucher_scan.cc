// voucher_scan: checks a paper MyKey point voucher offline, from a picture.
//
// A shop's phone or a counter scanner takes a photo of the voucher; this program finds the QR
// code in it, decodes the signed token and verifies it against the voucher keys the cloud
// publishes. Nothing is sent anywhere: the check is offline. Marking the voucher used (once) is
// the cloud's job at redemption.
//
//   voucher_scan --keys voucher-keys.pem [--now 2027-01-15T03:00:00Z] voucher.png
//
// Exit status: 0 the voucher verified, 1 it was refused (the reason is printed), 2 usage.
// Built against the installed SDK: find_package(mykey) and target mykey::voucher.

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "mykey/crypto/ecdsa.h"
#include "mykey/protocol/voucher_token.h"
#include "mykey/voucher/voucher_scanner.h"

namespace {

constexpr const char* kUsage =
    "usage: voucher_scan --keys KEYS.pem [--now YYYY-MM-DDTHH:MM:SSZ] IMAGE\n"
    "  Decodes the voucher QR code in IMAGE (PNG or JPEG) and verifies it offline.\n"
    "  --keys FILE  the published voucher keys: one or more PEM \"PUBLIC KEY\" blocks\n"
    "  --now TIME   check the dates as of TIME (UTC) instead of the clock\n"
    "  --help       this text\n"
    "exit status: 0 verified, 1 refused, 2 usage\n";

// Every "PUBLIC KEY" block of the file goes into the key ring: the cloud keeps old keys
// published while vouchers they signed may still be in circulation.
mykey::Result<mykey::protocol::VoucherKeyRing> LoadKeyRing(const std::string& path) {
  std::ifstream in(path);
  if (!in) return mykey::Fail(mykey::ErrorCode::kNotFound, "cannot open the key file");
  std::stringstream text;
  text << in.rdbuf();
  const std::string pem = text.str();
  constexpr std::string_view kEnd = "-----END PUBLIC KEY-----";
  mykey::protocol::VoucherKeyRing ring;
  for (size_t start = 0, end; (end = pem.find(kEnd, start)) != std::string::npos;) {
    end += kEnd.size();
    MYKEY_ASSIGN_OR_RETURN(auto key, mykey::crypto::EcdsaPublicKey::FromPem(
                                         std::string_view(pem).substr(start, end - start)));
    MYKEY_TRY(ring.Add(key));
    start = end;
  }
  if (ring.size() == 0) return mykey::Fail(mykey::ErrorCode::kNotFound, "no PUBLIC KEY in file");
  return ring;
}

// "2027-01-15T03:00:00Z" -> an instant; false if it is not in that form.
bool ParseUtc(const std::string& text, std::chrono::sys_seconds& out) {
  int y = 0;
  unsigned mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (std::sscanf(text.c_str(), "%d-%u-%uT%u:%u:%uZ", &y, &mo, &d, &h, &mi, &s) != 6) return false;
  const std::chrono::year_month_day day{std::chrono::year{y}, std::chrono::month{mo},
                                        std::chrono::day{d}};
  if (!day.ok() || h > 23 || mi > 59 || s > 59) return false;
  out = std::chrono::sys_days(day) + std::chrono::hours(h) + std::chrono::minutes(mi) +
        std::chrono::seconds(s);
  return true;
}

std::string DateText(const std::chrono::year_month_day& day) {
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(day.year()),
                static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  std::string keys_path, image_path;
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg == "--keys" && i + 1 < argc) {
      keys_path = argv[++i];
    } else if (arg == "--now" && i + 1 < argc) {
      if (!ParseUtc(argv[++i], now)) {
        std::fputs("voucher_scan: --now wants YYYY-MM-DDTHH:MM:SSZ\n", stderr);
        return 2;
      }
    } else if (!arg.starts_with("-") && image_path.empty()) {
      image_path = arg;
    } else {
      std::fputs(kUsage, stderr);
      return 2;
    }
  }
  if (keys_path.empty() || image_path.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }

  mykey::Result<mykey::protocol::VoucherKeyRing> keys = LoadKeyRing(keys_path);
  if (!keys) {
    std::fprintf(stderr, "voucher_scan: %s: %s\n", keys_path.c_str(),
                 keys.error().ToString().c_str());
    return 2;
  }

  // The one SDK call: find the QR code, decode the token, verify key, signature and dates.
  mykey::Result<mykey::voucher::ScannedVoucher> scanned =
      mykey::voucher::ScanVoucher(image_path, *keys, now);
  if (!scanned) {
    // ScanFailureOf() turns the error into what a counter UI branches on ("try again",
    // "expired", "forged", ...).
    const mykey::voucher::ScanFailure failure = mykey::voucher::ScanFailureOf(scanned.error());
    std::printf("refused: %s (%s)\n", mykey::voucher::ScanFailureName(failure),
                scanned.error().ToString().c_str());
    return 1;
  }

  const mykey::protocol::VoucherFields& fields = scanned->fields();
  std::printf("verified: serial %s\n", fields.serial.ToString().c_str());
  std::printf("  amount     %u points\n", fields.amount);
  std::printf("  kind       %s\n",
              fields.kind == mykey::protocol::VoucherKind::kSold ? "sold" : "granted");
  std::printf("  programme  %06u/%u\n", fields.programme.municipality_code,
              static_cast<unsigned>(fields.programme.number));
  std::printf("  issued     %s\n", DateText(fields.issued).c_str());
  std::printf("  expires    %s\n", DateText(fields.expires).c_str());
  return 0;
}
