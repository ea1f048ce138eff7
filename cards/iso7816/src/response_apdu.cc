#include "mykey/iso7816/response_apdu.h"

#include "mykey/iso7816/status_word.h"

namespace mykey::iso7816 {

Result<ResponseApdu> ResponseApdu::Parse(ByteView raw) {
  if (raw.size() < 2) {
    return Fail(ErrorCode::kDataLoss, "response APDU shorter than a status word",
                ErrorDomain::kParse, static_cast<int64_t>(raw.size()));
  }
  const size_t n = raw.size() - 2;
  return ResponseApdu(Bytes(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(n)),
                      LoadBe16(raw, n));
}

Status ResponseApdu::ToStatus() const {
  if (ok()) return Ok();
  return Fail(ErrorFromStatusWord(sw_));
}

}  // namespace mykey::iso7816
