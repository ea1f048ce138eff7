// A one-file consumer of the installed SDK through pkg-config only:
//   c++ -std=c++20 pkgconfig_consumer.cc $(pkg-config --cflags --libs mykey)
// It links the voucher scanner (ZXing, stb), the crypto (mbedTLS) and the protocol, so a missing
// library in mykey.pc fails the link. Prints the verified serial of the voucher in IMAGE and the
// outcome of a typed serial with a typo.

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "mykey/crypto/ecdsa.h"
#include "mykey/protocol/voucher_token.h"
#include "mykey/voucher/voucher_scanner.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fputs("usage: pkgconfig_consumer KEY.pem IMAGE YYYY-MM-DD\n", stderr);
    return 2;
  }
  std::ifstream in(argv[1]);
  std::stringstream pem;
  pem << in.rdbuf();
  mykey::Result<mykey::crypto::EcdsaPublicKey> key =
      mykey::crypto::EcdsaPublicKey::FromPem(pem.str());
  mykey::protocol::VoucherKeyRing keys;
  if (!key || !keys.Add(*key)) {
    std::fputs("bad key\n", stderr);
    return 1;
  }
  int y = 0;
  unsigned m = 0, d = 0;
  if (std::sscanf(argv[3], "%d-%u-%u", &y, &m, &d) != 3) return 2;
  const auto now = std::chrono::sys_seconds(std::chrono::sys_days(std::chrono::year_month_day(
      std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d})));

  mykey::Result<mykey::voucher::ScannedVoucher> scanned =
      mykey::voucher::ScanVoucher(std::string(argv[2]), keys, now);
  if (!scanned) {
    std::printf("refused: %s\n", scanned.error().ToString().c_str());
    return 1;
  }
  std::printf("serial %s\n", scanned->fields().serial.ToString().c_str());

  // The same serial typed with its last (check) character changed is refused as a typo.
  std::string typed = scanned->fields().serial.ToString();
  typed.back() = typed.back() == '2' ? '3' : '2';
  mykey::Result<mykey::protocol::VoucherSerial> serial = mykey::voucher::VerifyTypedSerial(typed);
  std::printf("typed %s: %s\n", typed.c_str(),
              serial
                  ? "accepted"
                  : mykey::voucher::ScanFailureName(mykey::voucher::ScanFailureOf(serial.error())));
  return 0;
}
