// Fuzzes the voucher QR payload path: DecodeVoucherToken (and behind it
// Base45Decode), VerifyVoucherToken against a key ring holding the golden test
// key, and VoucherSerial::Parse for the serial a clerk types.
//
// Checks: decoding never fails with an unexpected code; a decoded token
// re-serialises to exactly the input text, less the ASCII whitespace around it (the format is
// canonical); a verified token's dates hold on the fixed test day; a parsed serial prints back to a
// text that parses to the same serial.
//
// Seeds (corpus/fuzz_voucher_token/): the golden token of
// core/protocol/test/voucher_token_test.cc and variants of it (truncated,
// padded, other version, bad kind, flipped signature, lower case, another
// prefix), plain Base45, and typed serials.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mykey/base/base45.h"
#include "mykey/crypto/ecdsa.h"
#include "mykey/crypto/random.h"
#include "mykey/protocol/typed_text.h"
#include "mykey/protocol/voucher_serial.h"
#include "mykey/protocol/voucher_token.h"

namespace {

using mykey::ErrorCode;
namespace protocol = mykey::protocol;

const protocol::VoucherKeyRing& Ring() {
  static const protocol::VoucherKeyRing ring = [] {
    protocol::VoucherKeyRing keys;
    auto random = mykey::crypto::DeterministicRandom::Create(mykey::ViewOf("voucher-test-seed"),
                                                             mykey::ViewOf("golden"));
    if (!random) std::abort();
    auto key = mykey::crypto::EcdsaPrivateKey::Generate(**random);
    if (!key || !keys.Add(key->PublicKey())) std::abort();
    return keys;
  }();
  return ring;
}

void CheckToken(std::string_view text) {
  const auto token = protocol::DecodeVoucherToken(text);
  if (!token) {
    const ErrorCode code = token.error().code();
    if (code != ErrorCode::kInvalidArgument && code != ErrorCode::kDataLoss &&
        code != ErrorCode::kUnimplemented) {
      std::abort();
    }
    return;
  }
  // Canonical: the token's own bytes give back the input exactly, but for the ASCII whitespace
  // around it that decoding trims (a token pasted with its line end).
  auto payload = protocol::VoucherPayload(*token);
  if (!payload || token->signature.size() != 64) std::abort();
  payload->insert(payload->end(), token->signature.begin(), token->signature.end());
  if (std::string(protocol::kVoucherTokenPrefix) + mykey::Base45Encode(*payload) !=
      protocol::TrimAsciiWhitespace(text)) {
    std::abort();
  }

  // Before the golden token's issue date, inside its validity, after its expiry.
  for (const int64_t unix_seconds : {1'740'798'000, 1'748'746'800, 1'767'236'400}) {
    const std::chrono::sys_seconds now{std::chrono::seconds{unix_seconds}};
    const auto verified = protocol::VerifyVoucherToken(*token, Ring(), now);
    if (verified) {
      const auto today = std::chrono::sys_days(protocol::JapanDate(now));
      if (std::chrono::sys_days(token->fields.expires) < today) std::abort();
      if (std::chrono::sys_days(token->fields.issued) > today + protocol::kIssueDateToleranceDays) {
        std::abort();
      }
      if (!protocol::ValidateVoucherFields(token->fields)) std::abort();
    } else {
      switch (verified.error().code()) {
        case ErrorCode::kNotFound:
        case ErrorCode::kUnauthenticated:
        case ErrorCode::kInvalidArgument:
        case ErrorCode::kFailedPrecondition: break;
        default: std::abort();
      }
    }
  }
}

void CheckSerial(std::string_view text) {
  const auto serial = protocol::VoucherSerial::Parse(text);
  if (!serial) {
    if (serial.error().code() != ErrorCode::kInvalidArgument) std::abort();
    return;
  }
  const auto again = protocol::VoucherSerial::Parse(serial->ToString());
  if (!again || *again != *serial || serial->value() >= protocol::VoucherSerial::kValueLimit) {
    std::abort();
  }
}

void CheckBase45(std::string_view text) {
  const auto bytes = mykey::Base45Decode(text);
  if (bytes && mykey::Base45Encode(*bytes) != text) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckToken(text);
  CheckSerial(text);
  CheckBase45(text);
  return 0;
}
