#include "mykey/jpki/jpki_applet.h"

#include <algorithm>
#include <string_view>

#include "mykey/base/der.h"
#include "mykey/iso7816/status_word.h"

namespace mykey::jpki {
namespace {

using iso7816::ApduForm;
using iso7816::CommandApdu;
using iso7816::ErrorFromStatusWord;
using iso7816::ErrorFromVerifyStatusWord;
using iso7816::ResponseApdu;

constexpr uint8_t kInsSelect = 0xA4;
constexpr uint8_t kInsReadBinary = 0xB0;
constexpr uint8_t kInsVerify = 0x20;
constexpr uint8_t kInsChangeReferenceData = 0x24;
constexpr uint8_t kInsSign = 0x2A;
constexpr uint8_t kClaProprietary = 0x80;
constexpr uint8_t kPinReference = 0x80;

constexpr uint16_t kSwFileNotFound = 0x6A82;
constexpr uint16_t kSwSecurityStatusNotSatisfied = 0x6982;
constexpr uint16_t kSwReferenceDataNotUsable = 0x6984;
constexpr uint16_t kSwAuthenticationBlocked = 0x6983;

// READ BINARY with P1 bit 8 clear addresses offsets 0..0x7FFF (P1 bit 8 set
// would mean a short EF identifier).
constexpr size_t kMaxReadOffset = 0x7FFF;
// A certificate must end within what the last READ BINARY can reach.
constexpr size_t kMaxCertificateSize = 0x8000;
constexpr uint8_t kDerSequence = 0x30;
constexpr size_t kRsa2048SignatureSize = 256;

Status SwStatus(const ResponseApdu& response) {
  if (response.ok()) return Ok();
  return Fail(ErrorFromStatusWord(response.sw()));
}

}  // namespace

std::optional<int> TriesLeftFromError(const Error& error) {
  if (error.domain() != ErrorDomain::kCardStatus) return std::nullopt;
  return iso7816::TriesLeftFromStatusWord(static_cast<uint16_t>(error.detail() & 0xFFFF));
}

Result<ResponseApdu> JpkiApplet::Send(const CommandApdu& command,
                                      std::chrono::milliseconds timeout) {
  auto response = channel_.Transmit(command, timeout);
  if (!response && response.error().code() == ErrorCode::kAborted) {
    // The card was removed or reset: its selection and security state are gone.
    selected_ = false;
    auth_pin_verified_ = false;
  }
  return response;
}

Status JpkiApplet::RequireSelected() const {
  if (!selected_) return Fail(ErrorCode::kFailedPrecondition, "JPKI applet not selected");
  return Ok();
}

Status JpkiApplet::Select() {
  selected_ = false;
  auth_pin_verified_ = false;
  MYKEY_ASSIGN_OR_RETURN(CommandApdu command,
                         CommandApdu::Create(0x00, kInsSelect, 0x04, 0x0C, kJpkiAid));
  MYKEY_ASSIGN_OR_RETURN(ResponseApdu response, Send(command, hal::kDefaultTransmitTimeout));
  if (response.sw() == kSwFileNotFound) {
    return Fail(ErrorCode::kNotFound, "no JPKI applet", ErrorDomain::kCardStatus, kSwFileNotFound);
  }
  MYKEY_TRY(SwStatus(response));
  selected_ = true;
  return Ok();
}

Status JpkiApplet::SelectEf(Ef ef) {
  const auto fid = static_cast<uint16_t>(ef);
  const uint8_t data[2] = {static_cast<uint8_t>(fid >> 8), static_cast<uint8_t>(fid & 0xFF)};
  MYKEY_ASSIGN_OR_RETURN(CommandApdu command,
                         CommandApdu::Create(0x00, kInsSelect, 0x02, 0x0C, data));
  MYKEY_ASSIGN_OR_RETURN(ResponseApdu response, Send(command, hal::kDefaultTransmitTimeout));
  return SwStatus(response);
}

Result<Bytes> JpkiApplet::ReadBinary(size_t offset, size_t length) {
  if (offset > kMaxReadOffset) {
    return Fail(ErrorCode::kOutOfRange, "READ BINARY offset beyond 0x7FFF");
  }
  MYKEY_ASSIGN_OR_RETURN(
      CommandApdu command,
      CommandApdu::Create(0x00, kInsReadBinary, static_cast<uint8_t>(offset >> 8),
                          static_cast<uint8_t>(offset & 0xFF), {}, length, ApduForm::kShort));
  MYKEY_ASSIGN_OR_RETURN(ResponseApdu response, Send(command, hal::kDefaultTransmitTimeout));
  MYKEY_TRY(SwStatus(response));
  if (response.data().empty()) return Fail(ErrorCode::kDataLoss, "READ BINARY returned no data");
  if (response.data().size() > length) {
    return Fail(ErrorCode::kDataLoss, "READ BINARY returned more than asked");
  }
  return response.TakeData();
}

Result<TokenType> JpkiApplet::ReadTokenType() {
  MYKEY_TRY(RequireSelected());
  MYKEY_TRY(SelectEf(Ef::kTokenInfo));
  MYKEY_ASSIGN_OR_RETURN(Bytes info, ReadBinary(0, kTokenLabelSize));
  if (info.size() < kTokenLabelSize) return Fail(ErrorCode::kDataLoss, "token info truncated");
  std::string_view label(reinterpret_cast<const char*>(info.data()), kTokenLabelSize);
  while (!label.empty() && (label.back() == ' ' || label.back() == '\0')) label.remove_suffix(1);
  const std::optional<TokenType> type = TokenTypeFromLabel(label);
  if (!type) return Fail(ErrorCode::kUnimplemented, "unknown JPKI token label");
  return *type;
}

Result<Bytes> JpkiApplet::ReadCertificate(Ef ef) {
  MYKEY_TRY(RequireSelected());
  MYKEY_TRY(SelectEf(ef));
  Bytes out;
  std::optional<size_t> total;
  while (!total || out.size() < *total) {
    const size_t want = total ? std::min(kReadChunkSize, *total - out.size()) : kReadChunkSize;
    MYKEY_ASSIGN_OR_RETURN(Bytes chunk, ReadBinary(out.size(), want));
    out.insert(out.end(), chunk.begin(), chunk.end());
    if (total) continue;
    if (out[0] != kDerSequence) return Fail(ErrorCode::kDataLoss, "EF holds no certificate");
    auto size = DerElementSize(out);
    if (!size) {
      // Too short to hold the header yet: read on.
      if (size.error().code() == ErrorCode::kOutOfRange) continue;
      return Fail(size.error());
    }
    if (*size > kMaxCertificateSize) {
      return Fail(ErrorCode::kDataLoss, "certificate larger than READ BINARY can address");
    }
    total = *size;
  }
  out.resize(*total);  // the first chunk may run into the EF's filler
  return out;
}

Result<Bytes> JpkiApplet::ReadAuthCertificate() {
  return ReadCertificate(Ef::kAuthCertificate);
}
Result<Bytes> JpkiApplet::ReadAuthCaCertificate() {
  return ReadCertificate(Ef::kAuthCaCertificate);
}
Result<Bytes> JpkiApplet::ReadSignCaCertificate() {
  return ReadCertificate(Ef::kSignCaCertificate);
}

Result<PinStatus> JpkiApplet::AuthPinTriesLeft() {
  MYKEY_TRY(RequireSelected());
  MYKEY_TRY(SelectEf(Ef::kAuthPin));
  MYKEY_ASSIGN_OR_RETURN(CommandApdu command,
                         CommandApdu::Create(0x00, kInsVerify, 0x00, kPinReference));
  MYKEY_ASSIGN_OR_RETURN(ResponseApdu response, Send(command, hal::kDefaultTransmitTimeout));
  const uint16_t sw = response.sw();
  if (sw == iso7816::kSwOk) return PinStatus{kAuthPinMaxTries, true, false};
  if (sw == kSwReferenceDataNotUsable || sw == kSwAuthenticationBlocked) {
    return PinStatus{0, false, true};
  }
  if (std::optional<int> tries = iso7816::TriesLeftFromStatusWord(sw)) {
    return PinStatus{*tries, false, *tries == 0};
  }
  return Fail(ErrorFromStatusWord(sw));
}

Status JpkiApplet::VerifyAuthPin(Pin pin) {
  Pin consumed(std::move(pin));  // wiped when this returns, whatever happens
  if (consumed.kind() != Pin::Kind::kAuthPin) {
    return Fail(ErrorCode::kInvalidArgument, "not an auth PIN");
  }
  MYKEY_TRY(RequireSelected());
  MYKEY_TRY(SelectEf(Ef::kAuthPin));
  auto command = CommandApdu::Create(0x00, kInsVerify, 0x00, kPinReference, consumed.secret());
  consumed.Clear();  // the command holds the only copy now, and wipes it itself
  if (!command) return Fail(command.error());
  MYKEY_ASSIGN_OR_RETURN(ResponseApdu response, Send(*command, hal::kDefaultTransmitTimeout));
  if (!response.ok()) return Fail(ErrorFromVerifyStatusWord(response.sw()));
  auth_pin_verified_ = true;
  return Ok();
}

Result<Bytes> JpkiApplet::SignWithAuthKey(const crypto::Sha256Digest& digest) {
  MYKEY_TRY(RequireSelected());
  MYKEY_TRY(SelectEf(Ef::kAuthPrivateKey));
  const Bytes digest_info = crypto::Sha256DigestInfo(digest);
  MYKEY_ASSIGN_OR_RETURN(CommandApdu command,
                         CommandApdu::Create(kClaProprietary, kInsSign, 0x00, kPinReference,
                                             digest_info, kRsa2048SignatureSize, ApduForm::kShort));
  MYKEY_ASSIGN_OR_RETURN(ResponseApdu response, Send(command, kSignTimeout));
  if (response.sw() == kSwSecurityStatusNotSatisfied) {
    return Fail(ErrorCode::kPermissionDenied, "PIN not verified", ErrorDomain::kCardStatus,
                kSwSecurityStatusNotSatisfied);
  }
  MYKEY_TRY(SwStatus(response));
  if (response.data().size() != kRsa2048SignatureSize) {
    return Fail(ErrorCode::kDataLoss, "signature is not 256 bytes");
  }
  return response.TakeData();
}

Status JpkiApplet::ChangeAuthPin(Pin new_pin) {
  Pin consumed(std::move(new_pin));
  if (consumed.kind() != Pin::Kind::kAuthPin) {
    return Fail(ErrorCode::kInvalidArgument, "not an auth PIN");
  }
  MYKEY_TRY(RequireSelected());
  if (!auth_pin_verified_) {
    return Fail(ErrorCode::kFailedPrecondition, "VERIFY the auth PIN before changing it");
  }
  MYKEY_TRY(SelectEf(Ef::kAuthPin));
  auto command =
      CommandApdu::Create(0x00, kInsChangeReferenceData, 0x01, kPinReference, consumed.secret());
  consumed.Clear();
  if (!command) return Fail(command.error());
  MYKEY_ASSIGN_OR_RETURN(ResponseApdu response, Send(*command, hal::kDefaultTransmitTimeout));
  if (!response.ok()) return Fail(ErrorFromVerifyStatusWord(response.sw()));
  return Ok();
}

}  // namespace mykey::jpki
