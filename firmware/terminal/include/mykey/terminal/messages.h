#pragma once

// The console's words in Japanese and English: one catalogue, looked up by
// id, stage name or result reason. Pure data.

#include <cstdint>
#include <string>
#include <string_view>

#include "mykey/terminal/config.h"

namespace mykey::terminal {

/// The fixed phrases of the console.
enum class Phrase : uint8_t {
  kShopIdle,           ///< "金額を入力してください" (clerk: amount, or R for a refund)
  kLibraryIdle,        ///< "カードをかざしてください"
  kKioskIdle,          ///< the kiosk's menu title
  kFacilityIdle,       ///< the entrance fee screen
  kKioskMenu,          ///< the menu lines
  kEnterAmount,        ///< "ご利用ポイント数"
  kEnterRedemptionId,  ///< "返品する取引番号"
  kEnterRefundAmount,  ///< "返還ポイント数"
  kEnterServiceId,     ///< "連携するIDを入力"
  kEnterVoucherAmount,
  kEnterCoupon,
  kEnterVoucher,       ///< "ポイント券の番号、QR、または画像ファイル"
  kVoucherKey,         ///< "V: ポイント券" (shop and facility idle screens)
  kOfflinePending,     ///< "未送信の取引" (offline redemptions not yet forwarded)
  kServerUnreachable,  ///< "サーバー未接続"
  kKioskStaffMenu,     ///< the kiosk's staff keys (6-8: unprinted vouchers)
  kPresentCard,        ///< "マイナンバーカードをリーダーに置いてください"
  kEnterPin,           ///< "利用者証明用電子証明書の暗証番号（数字4桁）"
  kPinTriesLeft,       ///< "残り回数: "
  kLastTryWarning,  ///< "あと1回間違えるとロックされます。続けますか？ [y/N]"
  kPinHint,         ///< "Enter: 決定  Esc: 取消"
  kPleaseWait,
  kTakeCard,   ///< "カードをお取りください"
  kDone,       ///< "完了しました"
  kFailed,     ///< "できませんでした"
  kCancelled,  ///< "取り消しました"
  kPoints,     ///< "ポイント"
  kBalance,    ///< "残高"
  kReceiptPrinted,
  kReceiptNotPrinted,
  kLibraryNumber,  ///< "図書館利用者番号"
  kServiceId,      ///< "サービスID"
  kMyKeyId,        ///< "MyKey ID"
  kVoucherSerial,
  kCommandHelp,  ///< the clerk's keys ("q: 終了")
  kInvalidInput,
};

/// The phrase in `language`.
std::string_view Say(Language language, Phrase phrase);

/// What a flow stage means to the holder ("暗証番号を確認しています").
/// @param stage a FlowStageName() or counter::FlowStepName()
std::string_view StageText(Language language, std::string_view stage);

/// Why an operation failed, for the holder and the clerk ("残高が足りません").
/// @param reason an OperationResult::reason; unknown reasons get a general phrase
std::string ReasonText(Language language, std::string_view reason);

}  // namespace mykey::terminal
