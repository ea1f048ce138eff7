#pragma once

// Offline checking of a paper voucher from a picture: the QR code is decoded (ZXing, through
// sdk/receipt), then the token is decoded and verified against the published voucher keys
// (core/protocol). Online redemption, which marks the serial used, is the cloud's.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "mykey/base/error.h"
#include "mykey/base/result.h"
#include "mykey/protocol/voucher_serial.h"
#include "mykey/protocol/voucher_token.h"
#include "mykey/receipt/image.h"

namespace mykey::voucher {

/// `detail` values (domain ErrorDomain::kNone) of the scanner's own errors, next to
/// core/protocol's 101..199.
/// kNotFound: no QR code could be decoded in the image.
inline constexpr int64_t kScanNoQrCode = 201;
/// kInvalidArgument: the image holds QR codes, none of them a MyKey voucher (no "MKV:").
inline constexpr int64_t kScanNotAVoucher = 202;
/// kInvalidArgument / kDataLoss / kUnimplemented: a "MKV:" token that does not decode.
inline constexpr int64_t kScanMalformedToken = 203;
/// kNotFound: the token's key id is not in the key ring.
inline constexpr int64_t kScanUnknownKey = 204;
/// kUnauthenticated: the signature does not verify (forged or altered).
inline constexpr int64_t kScanBadSignature = 205;
/// kInvalidArgument: the file is not an image, or the frame has no pixels or a bad stride.
/// (A file that cannot be opened is kNotFound with domain kOs and its errno.)
inline constexpr int64_t kScanUnreadableImage = 206;
/// kInvalidArgument: a typed serial has the wrong number of characters. (A character outside
/// the alphabet is kInvalidArgument with domain kParse and its offset.)
inline constexpr int64_t kScanSerialMalformed = 207;

/// Why a scan or a typed serial was refused: what a counter UI branches on.
enum class ScanFailure : uint8_t {
  kOther,              ///< another error (kInternal: the decoder failed)
  kUnreadableImage,    ///< the file is missing or not a PNG/JPEG, or the frame is empty
  kNoQrCode,           ///< no QR code found: try again, or type the serial
  kNotAVoucher,        ///< a QR code, but not a MyKey voucher
  kMalformed,          ///< a voucher QR whose token is broken (or from a newer format)
  kUnknownKey,         ///< signed by a key this terminal does not know (update the key ring)
  kBadSignature,       ///< forged or altered
  kExpired,            ///< past its expiry date (Japan time)
  kNotYetValid,        ///< issued in the future (terminal clock more than a day behind?)
  kTermTooLong,        ///< a sold voucher running longer than 6 months (資金決済法)
  kSerialCheckFailed,  ///< typed serial: the check character does not match (a typo)
  kSerialMalformed,    ///< typed serial: a character outside the alphabet or a wrong length
};

/// The ScanFailure of an error returned by ScanVoucher(), ScanVoucherText() or
/// VerifyTypedSerial().
ScanFailure ScanFailureOf(const Error& error);

/// "no QR code", "not a voucher", ... (stable lower-case names for logs and JSON).
const char* ScanFailureName(ScanFailure failure);

/// A voucher that decoded and verified offline.
///
/// Thread safety: a value type.
struct ScannedVoucher {
  protocol::VoucherToken token;  ///< the verified token (fields, key id, signature)
  std::string text;  ///< the QR payload as scanned ("MKV:..."), without whitespace at its ends
  const protocol::VoucherFields& fields() const { return token.fields; }
};

/// Verifies the text of a scanned QR code: decode, then verify against `keys` at `now`.
/// @param text the QR payload, or a token pasted or typed by a keyboard scanner (ASCII
///             whitespace at either end, e.g. a CR/LF, is ignored)
/// @param keys the published voucher keys
/// @param now  the terminal's clock (turned into a JST day; see protocol::VerifyVoucherToken)
/// @returns the voucher, or
///   kInvalidArgument + kScanNotAVoucher: no "MKV:" prefix;
///   kInvalidArgument / kDataLoss / kUnimplemented + kScanMalformedToken: the token does not
///   decode; kNotFound + kScanUnknownKey: no key in `keys` has its key id; kUnauthenticated +
///   kScanBadSignature: the signature does not verify; kFailedPrecondition +
///   protocol::kVoucherExpired / protocol::kVoucherNotYetValid; kInvalidArgument +
///   protocol::kSoldVoucherTermTooLong: a sold voucher over 6 months.
Result<ScannedVoucher> ScanVoucherText(std::string_view text, const protocol::VoucherKeyRing& keys,
                                       std::chrono::sys_seconds now);

/// Scans a camera frame (grey or RGB, any row stride): decodes every QR code in it and verifies
/// the first one that is a MyKey voucher (a phone photo may hold other codes, e.g. a shop's).
/// @returns the voucher, or
///   kInvalidArgument + kScanUnreadableImage: the frame has no pixels or a bad stride;
///   kNotFound + kScanNoQrCode: no QR code decoded;
///   kInternal: the decoder failed;
///   the errors of ScanVoucherText() for the first "MKV:" code (kNotAVoucher if none has it).
Result<ScannedVoucher> ScanVoucher(const receipt::PixelView& frame,
                                   const protocol::VoucherKeyRing& keys,
                                   std::chrono::sys_seconds now);

/// Scans a PNG or JPEG file (a scanner's or a phone's picture, or the virtual printer's page).
/// @returns as ScanVoucher(frame); also kNotFound with domain kOs and the errno (the file cannot
///          be opened) and kInvalidArgument + kScanUnreadableImage (not an image).
Result<ScannedVoucher> ScanVoucher(const std::string& path, const protocol::VoucherKeyRing& keys,
                                   std::chrono::sys_seconds now);

/// Checks a serial a clerk typed because the QR code would not scan, before asking the cloud
/// (which holds the voucher by serial; a typed serial proves nothing offline).
/// @param text as typed: case, spaces and '-' are ignored; full-width characters, U+3000 and
///             dash look-alikes from a Japanese IME are folded, a trailing CR/LF trimmed
///             (protocol::VoucherSerial::Parse())
/// @returns the serial, or kInvalidArgument with detail protocol::kVoucherSerialCheckMismatch
///          (ScanFailure::kSerialCheckFailed: all characters valid, check character wrong —
///          "please check what you typed"), or kInvalidArgument otherwise
///          (ScanFailure::kSerialMalformed: a character outside the alphabet, domain kParse with
///          its offset; or detail kScanSerialMalformed: the wrong number of characters).
Result<protocol::VoucherSerial> VerifyTypedSerial(std::string_view text);

}  // namespace mykey::voucher
