#include "mykey/voucher/voucher_scanner.h"

#include <utility>
#include <vector>

#include "mykey/protocol/errors.h"
#include "mykey/protocol/typed_text.h"

namespace mykey::voucher {

namespace {

bool HasVoucherPrefix(std::string_view text) {
  return text.substr(0, protocol::kVoucherTokenPrefix.size()) == protocol::kVoucherTokenPrefix;
}

// The same code, with the scanner's detail, so that callers can tell e.g. an unknown key
// (kNotFound) from no QR code (kNotFound) without reading messages.
Error WithDetail(const Error& error, int64_t detail) {
  return Error(error.code(), error.message(), ErrorDomain::kNone, detail);
}

}  // namespace

ScanFailure ScanFailureOf(const Error& error) {
  if (error.domain() == ErrorDomain::kOs) return ScanFailure::kUnreadableImage;
  if (error.domain() == ErrorDomain::kParse) return ScanFailure::kSerialMalformed;
  if (protocol::IsVoucherExpired(error)) return ScanFailure::kExpired;
  if (protocol::IsVoucherNotYetValid(error)) return ScanFailure::kNotYetValid;
  if (protocol::IsSoldVoucherTermTooLong(error)) return ScanFailure::kTermTooLong;
  if (protocol::IsVoucherSerialCheckMismatch(error)) return ScanFailure::kSerialCheckFailed;
  if (error.domain() != ErrorDomain::kNone) return ScanFailure::kOther;
  switch (error.detail()) {
    case kScanNoQrCode: return ScanFailure::kNoQrCode;
    case kScanNotAVoucher: return ScanFailure::kNotAVoucher;
    case kScanMalformedToken: return ScanFailure::kMalformed;
    case kScanUnknownKey: return ScanFailure::kUnknownKey;
    case kScanBadSignature: return ScanFailure::kBadSignature;
    case kScanUnreadableImage: return ScanFailure::kUnreadableImage;
    case kScanSerialMalformed: return ScanFailure::kSerialMalformed;
    default: return ScanFailure::kOther;
  }
}

const char* ScanFailureName(ScanFailure failure) {
  switch (failure) {
    case ScanFailure::kOther: return "other";
    case ScanFailure::kUnreadableImage: return "unreadable image";
    case ScanFailure::kNoQrCode: return "no QR code";
    case ScanFailure::kNotAVoucher: return "not a voucher";
    case ScanFailure::kMalformed: return "malformed voucher";
    case ScanFailure::kUnknownKey: return "unknown key";
    case ScanFailure::kBadSignature: return "bad signature";
    case ScanFailure::kExpired: return "expired";
    case ScanFailure::kNotYetValid: return "not yet valid";
    case ScanFailure::kTermTooLong: return "term too long";
    case ScanFailure::kSerialCheckFailed: return "serial check failed";
    case ScanFailure::kSerialMalformed: return "serial malformed";
  }
  return "other";
}

Result<ScannedVoucher> ScanVoucherText(std::string_view text, const protocol::VoucherKeyRing& keys,
                                       std::chrono::sys_seconds now) {
  text = protocol::TrimAsciiWhitespace(text);  // pasted with a CR/LF
  if (!HasVoucherPrefix(text)) {
    return Fail(ErrorCode::kInvalidArgument, "the QR code is not a MyKey voucher",
                ErrorDomain::kNone, kScanNotAVoucher);
  }
  Result<protocol::VoucherToken> token = protocol::DecodeVoucherToken(text);
  if (!token) return Fail(WithDetail(token.error(), kScanMalformedToken));
  Status verified = protocol::VerifyVoucherToken(*token, keys, now);
  if (!verified) {
    const Error& error = verified.error();
    switch (error.code()) {
      case ErrorCode::kNotFound: return Fail(WithDetail(error, kScanUnknownKey));
      case ErrorCode::kUnauthenticated: return Fail(WithDetail(error, kScanBadSignature));
      case ErrorCode::kFailedPrecondition:  // expired / not yet valid: keep protocol's detail
        return Fail(error);
      default:
        if (protocol::IsSoldVoucherTermTooLong(error)) return Fail(error);
        return Fail(WithDetail(error, kScanMalformedToken));
    }
  }
  return ScannedVoucher{std::move(*token), std::string(text)};
}

Result<ScannedVoucher> ScanVoucher(const receipt::PixelView& frame,
                                   const protocol::VoucherKeyRing& keys,
                                   std::chrono::sys_seconds now) {
  Result<std::vector<std::string>> payloads = receipt::DecodeQrCodes(frame);
  if (!payloads) {
    const Error& error = payloads.error();
    if (error.code() == ErrorCode::kNotFound) return Fail(WithDetail(error, kScanNoQrCode));
    if (error.code() == ErrorCode::kInvalidArgument) {
      return Fail(WithDetail(error, kScanUnreadableImage));
    }
    return Fail(error);
  }
  for (const std::string& payload : *payloads) {
    if (HasVoucherPrefix(payload)) return ScanVoucherText(payload, keys, now);
  }
  return ScanVoucherText(payloads->front(), keys, now);
}

Result<ScannedVoucher> ScanVoucher(const std::string& path, const protocol::VoucherKeyRing& keys,
                                   std::chrono::sys_seconds now) {
  Result<receipt::GreyImage> image = receipt::LoadGreyImage(path);
  if (!image) {
    const Error& error = image.error();
    if (error.domain() == ErrorDomain::kOs) return Fail(error);
    return Fail(WithDetail(error, kScanUnreadableImage));
  }
  return ScanVoucher(image->view(), keys, now);
}

Result<protocol::VoucherSerial> VerifyTypedSerial(std::string_view text) {
  Result<protocol::VoucherSerial> serial = protocol::VoucherSerial::Parse(text);
  if (serial) return serial;
  const Error& error = serial.error();
  if (protocol::IsVoucherSerialCheckMismatch(error) || error.domain() == ErrorDomain::kParse) {
    return Fail(error);
  }
  return Fail(WithDetail(error, kScanSerialMalformed));
}

}  // namespace mykey::voucher
