#pragma once

// What a paper point voucher and the receipts of redemptions and refunds say, in Japanese, as
// receipt::Document values ready for receipt::EscPosEncoder. Pure code: no I/O, no clock.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mykey/base/result.h"
#include "mykey/protocol/voucher_serial.h"
#include "mykey/protocol/voucher_token.h"
#include "mykey/receipt/document.h"
#include "mykey/receipt/printer_profile.h"

namespace mykey::voucher {

/// Who sells a prepaid voucher and where holders can ask about it: the notes 資金決済法 wants on
/// a voucher bought with money (issuer, issue date and expiry; the dates come from the token).
///
/// Thread safety: a value type.
struct PrepaidIssuer {
  std::string name;  ///< 発行者: the municipality or its agent ("千代田区商店街連合会")
  std::string contact;  ///< お問い合わせ: a telephone number or counter; may be empty
};

/// Everything printed on a voucher. The amount, dates, serial and kind are not repeated here:
/// they are read from `token`, so the text can never disagree with the QR code.
///
/// Thread safety: a value type.
struct VoucherPrintData {
  /// The signed token from the cloud ("MKV:..."), printed as the QR code.
  std::string token;
  /// 自治体名 ("千代田区"); UTF-8, any characters (those outside Shift_JIS print as raster).
  std::string municipality_name;
  /// プログラム名 ("𠮷田まつりポイント").
  std::string programme_name;
  /// 利用条件 as the programme words them, each after a bullet "・"; a long one wraps with its
  /// further lines indented under the text (a hanging indent), never starting a line with
  /// closing punctuation (、。」…).
  std::vector<std::string> conditions;
  /// Required for a sold voucher (VoucherKind::kSold); ignored for a granted one.
  std::optional<PrepaidIssuer> issuer;
  /// Set on a reprint: the serial of the voucher this one replaces (the same serial when the
  /// cloud re-issues it unchanged). The voucher is marked 再発行 with 原券番号.
  std::optional<protocol::VoucherSerial> reprint_of;
};

/// The layout of a voucher, top to bottom: municipality (double size) and programme, the title
/// ポイント券, for a reprint 再発行 (double size, between two drawn rules) and 原券番号; the
/// amount ("500 ポイント", double size), 発行日 and 有効期限 as Japanese dates ("2027年5月31日"),
/// the QR code (level M, sized by the encoder to the paper), the serial under it at double size
/// (券番号), the 利用条件, for a sold voucher the prepaid notes (発行者, 発行日, 有効期限,
/// お問い合わせ), and a cut.
///
/// @param data    the voucher
/// @param profile the printer (its columns decide whether the amount fits at double width)
/// @returns the document, or
///   kInvalidArgument: the token does not decode (see protocol::DecodeVoucherToken(); its code
///                     kUnimplemented / kDataLoss is passed on as is), a name is empty, a text
///                     holds a control character, or a sold voucher has no issuer;
///   the profile's Validate() errors.
Result<receipt::Document> BuildVoucherDocument(const VoucherPrintData& data,
                                               const receipt::PrinterProfile& profile);

/// The longest operation number a receipt prints (取引番号, 元の取引番号): one line of 58 mm
/// paper with its label. RedemptionNumber() and RefundNumber() are at most 20 characters.
inline constexpr size_t kMaxOperationNumberSize = 20;

/// A redemption at a merchant: points paid out of a holder's account, or a paper voucher
/// redeemed.
///
/// Thread safety: a value type.
struct RedemptionReceiptData {
  std::string merchant_name;      ///< 加盟店名
  std::string programme_name;     ///< whose points ("千代田区ポイント"); empty: no line
  std::chrono::sys_seconds time;  ///< printed as the Japan date and time
  uint64_t points = 0;            ///< ご利用ポイント
  /// ご利用後残高: the holder's balance afterwards; unset when it is not known (a paper
  /// voucher has no account; offline) and then not printed.
  std::optional<uint64_t> balance_after;
  /// 取引番号: the short number a clerk types to look the redemption up or refund it
  /// (RedemptionNumber()), at most kMaxOperationNumberSize characters. May be empty only for a
  /// paper voucher, whose 券番号 is its reference.
  std::string operation_id;
  std::string mykey_id;  ///< printed masked: MaskIdentifier() ("******34"); empty: no line
  /// Set when the points came from a paper voucher: its serial is printed (券番号).
  std::optional<protocol::VoucherSerial> voucher_serial;
};

/// A refund: a redemption (or part of it) given back to the holder's account.
///
/// Thread safety: a value type.
struct RefundReceiptData {
  std::string merchant_name;
  std::string programme_name;
  std::chrono::sys_seconds time;
  uint64_t points = 0;  ///< 返還ポイント
  /// 返還後残高; unset when not known, then not printed.
  std::optional<uint64_t> balance_after;
  std::string operation_id;  ///< 取引番号: this refund's number (RefundNumber())
  /// 元の取引番号: the number printed as 取引番号 on the redemption's receipt
  /// (RedemptionNumber() of the same id).
  std::string original_operation_id;
  std::string mykey_id;  ///< printed masked
  std::string reason;    ///< 理由; may be empty
};

/// The receipt of a redemption: ポイントご利用明細, merchant, 日時 (JST), the programme, the
/// voucher serial if any (券番号), ご利用ポイント, ご利用後残高 when known, MyKey ID masked,
/// 取引番号 when given, cut. Amounts have thousands separators.
/// @returns the document; kInvalidArgument for an empty merchant, an empty operation id without
///          a voucher serial, an operation id over kMaxOperationNumberSize characters, zero
///          points, or a control character in a text; the profile's Validate() errors.
Result<receipt::Document> BuildRedemptionReceipt(const RedemptionReceiptData& data,
                                                 const receipt::PrinterProfile& profile);

/// The receipt of a refund: ポイント返還明細, merchant, 日時, 元の取引番号, 理由, 返還ポイント,
/// 返還後残高 when known, MyKey ID masked, 取引番号, cut.
/// @returns the document; kInvalidArgument as BuildRedemptionReceipt() (the operation id is
///          required), and for an empty or too long original operation id or one equal to the
///          refund's own; the profile's errors.
Result<receipt::Document> BuildRefundReceipt(const RefundReceiptData& data,
                                             const receipt::PrinterProfile& profile);

/// The 取引番号 of a point redemption: "R" and the cloud's redemption id ("R1042"): short, typed
/// by a clerk to refund it (ParseRedemptionNumber()), and the 元の取引番号 of its refunds.
std::string RedemptionNumber(int64_t redemption_id);

/// The 取引番号 of a refund: "H" (返還) and the cloud's transfer id ("H2051"). Not a redemption's
/// number: ParseRedemptionNumber() refuses it, so a refund is never refunded by mistake.
std::string RefundNumber(int64_t transfer_id);

/// A redemption number as a clerk types it: "R1042", "r1042", "R-1042" or just "1042"; typed
/// with a Japanese IME ("Ｒ１０４２") or with spaces or a line end around it.
/// @returns the redemption id (> 0); kInvalidArgument for anything else (a refund's "H..."
///          number, other letters, no digits, zero, beyond int64).
Result<int64_t> ParseRedemptionNumber(std::string_view typed);

/// A JST calendar day written the Japanese way: "2027年5月31日".
std::string JapaneseDate(std::chrono::year_month_day date);

/// An instant as a Japan date and time: "2025年4月1日 10:15".
std::string JapaneseDateTime(std::chrono::sys_seconds time);

/// Points with thousands separators and the unit: 1500 -> "1,500 ポイント".
std::string PointsText(uint64_t points);

}  // namespace mykey::voucher
