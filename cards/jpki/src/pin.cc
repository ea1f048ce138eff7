#include "mykey/jpki/pin.h"

#include "mykey/jpki_profile/jpki_profile.h"

namespace mykey::jpki {
namespace {

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsUpperOrDigit(char c) {
  return IsDigit(c) || (c >= 'A' && c <= 'Z');
}

}  // namespace

Result<Pin> Pin::AuthPin(std::string_view digits) {
  if (digits.size() != kAuthPinLength) {
    return Fail(ErrorCode::kInvalidArgument, "the auth PIN must be exactly 4 digits");
  }
  for (char c : digits) {
    if (!IsDigit(c)) return Fail(ErrorCode::kInvalidArgument, "the auth PIN must be 4 digits");
  }
  return Pin(Kind::kAuthPin, ViewOf(digits));
}

Result<Pin> Pin::SignPassword(std::string_view text) {
  if (text.size() < kSignPasswordMinLength || text.size() > kSignPasswordMaxLength) {
    return Fail(ErrorCode::kInvalidArgument, "the signature password must be 6-16 characters");
  }
  for (char c : text) {
    if (!IsUpperOrDigit(c)) {
      return Fail(ErrorCode::kInvalidArgument,
                  "the signature password must be upper-case letters and digits");
    }
  }
  return Pin(Kind::kSignPassword, ViewOf(text));
}

}  // namespace mykey::jpki
