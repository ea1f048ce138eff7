#include "mykey/terminal/messages.h"

#include <array>
#include <utility>

namespace mykey::terminal {
namespace {

struct Entry {
  std::string_view ja;
  std::string_view en;
};

constexpr std::array<Entry, 36> kPhrases{{
    {"金額を入力してください（R: 返品）", "Enter the amount (R: refund)"},
    {"カードをかざしてください", "Please tap your card"},
    {"ご希望のサービスを選んでください", "Please choose a service"},
    {"入館料をポイントでお支払いいただけます", "Pay the entrance fee with points"},
    {"1: MyKey ID 作成  2: サービス連携  3: ポイント券  4: クーポン  5: 紛失届",
     "1: create MyKey ID  2: link service  3: voucher  4: coupon  5: report lost"},
    {"ご利用ポイント数", "Points to redeem"},
    {"返品する取引番号（レシートの R…）", "Redemption number to refund (R… on its receipt)"},
    {"返還ポイント数", "Points to refund"},
    {"連携するIDを入力してください", "Enter the ID to link"},
    {"ポイント券の金額", "Voucher amount"},
    {"クーポンコード", "Coupon code"},
    {"ポイント券の番号、QRコードの文字列、または画像ファイル（/…）",
     "Voucher serial, QR text, or image file (/...)"},
    {"V: ポイント券のご利用", "V: redeem a voucher"},
    {"未送信の取引", "Offline redemptions not yet sent"},
    {"サーバー未接続", "server unreachable"},
    {"係員: 6: 未印刷の券  7: 再発行  8: 券の取消",
     "Staff: 6: unprinted vouchers  7: reprint  8: void"},
    {"マイナンバーカードをリーダーに置いてください", "Place your My Number Card on the reader"},
    {"暗証番号（数字4桁）を入力してください", "Enter your 4-digit PIN"},
    {"残り回数", "Tries left"},
    {"あと1回間違えるとカードがロックされます。続けますか？ [y/N]",
     "One try left: a wrong PIN locks the card. Continue? [y/N]"},
    {"Enter: 決定   Esc: 取消", "Enter: OK   Esc: cancel"},
    {"しばらくお待ちください", "Please wait"},
    {"カードをお取りください", "Please take your card"},
    {"完了しました", "Done"},
    {"お手続きできませんでした", "Could not complete"},
    {"取り消しました", "Cancelled"},
    {"ポイント", "points"},
    {"残高", "Balance"},
    {"レシートを印刷しました", "Receipt printed"},
    {"レシートを印刷できませんでした（係員にお知らせください）",
     "The receipt did not print (please tell the staff)"},
    {"図書館利用者番号", "Library number"},
    {"サービスID", "Service ID"},
    {"MyKey ID", "MyKey ID"},
    {"券番号", "Voucher serial"},
    {"q: 終了", "q: quit"},
    {"入力が正しくありません", "That input is not valid"},
}};

constexpr std::array<std::pair<std::string_view, Entry>, 30> kStages{{
    {"checking_request", {"確認しています", "Checking"}},
    {"waiting_for_card", {"カードをお待ちしています", "Waiting for the card"}},
    {"authenticating", {"本人確認をしています", "Checking who you are"}},
    {"looking_up_service", {"番号を照会しています", "Looking up your number"}},
    {"delivering_number", {"番号を送信しています", "Sending the number"}},
    {"reading_balances", {"残高を確認しています", "Reading your balance"}},
    {"redeeming", {"ポイントを利用しています", "Redeeming points"}},
    {"refunding", {"ポイントを返還しています", "Refunding points"}},
    {"creating_mykey_id", {"MyKey ID を作成しています", "Creating your MyKey ID"}},
    {"linking_service", {"サービスを連携しています", "Linking the service"}},
    {"reporting_lost", {"紛失を届け出ています", "Reporting the card lost"}},
    {"issuing_voucher", {"ポイント券を発行しています", "Issuing the voucher"}},
    {"converting_coupon", {"クーポンをポイントに交換しています", "Converting the coupon"}},
    {"donating", {"ポイントを寄付しています", "Donating points"}},
    {"checking_voucher", {"ポイント券を確認しています", "Checking the voucher"}},
    {"redeeming_voucher", {"ポイント券を利用しています", "Redeeming the voucher"}},
    {"listing_vouchers", {"未印刷のポイント券を確認しています", "Looking up unprinted vouchers"}},
    {"reprinting_voucher", {"ポイント券を再発行しています", "Reprinting the voucher"}},
    {"voiding_voucher", {"ポイント券を取り消しています", "Voiding the voucher"}},
    {"printing", {"印刷しています", "Printing"}},
    {"finished", {"終了しました", "Finished"}},
    {"reading_card", {"カードを読んでいます", "Reading the card"}},
    {"reading_pin_tries", {"暗証番号の残り回数を確認しています", "Reading the PIN tries left"}},
    {"waiting_for_pin", {"暗証番号を入力してください", "Please enter your PIN"}},
    {"verifying_pin", {"暗証番号を確認しています", "Checking the PIN"}},
    {"requesting_challenge", {"サーバーに接続しています", "Contacting the server"}},
    {"signing", {"カードで署名しています", "The card is signing"}},
    {"opening_session", {"本人確認をしています", "Checking who you are"}},
    {"checking_revocation", {"カードの有効性を確認しています", "Checking the card is valid"}},
    {"recovering", {"結果を確認しています", "Confirming the result"}},
}};

constexpr std::array<std::pair<std::string_view, Entry>, 49> kReasons{{
    {"cancelled", {"取り消しました", "Cancelled"}},
    {"timeout", {"カードが置かれませんでした", "No card was presented"}},
    {"card_removed",
     {"カードが離れました。最初からやり直してください",
      "The card was removed. Please start again"}},
    {"reader_unavailable", {"カードリーダーが使えません", "The card reader is not available"}},
    {"not_jpki_card", {"マイナンバーカードではありません", "This is not a My Number Card"}},
    {"card_error", {"カードを読めませんでした", "The card could not be read"}},
    {"wrong_pin", {"暗証番号が違います", "Wrong PIN"}},
    {"pin_blocked",
     {"暗証番号がロックされています。市区町村窓口へお越しください",
      "The PIN is locked. Please visit your municipal office"}},
    {"last_try_needs_confirmation",
     {"最後の1回のため中止しました", "Stopped: only one PIN try was left"}},
    {"card_revoked", {"このカードは失効しています", "This card has been revoked"}},
    {"card_suspended", {"このカードは利用停止中です", "This card is suspended"}},
    {"certificate_expired", {"電子証明書の有効期限が切れています", "The certificate has expired"}},
    {"certificate_untrusted", {"カードを確認できませんでした", "The card could not be verified"}},
    {"no_mykey_id", {"MyKey ID がまだありません", "You have no MyKey ID yet"}},
    {"has_mykey_id", {"MyKey ID は作成済みです", "You already have a MyKey ID"}},
    {"mykey_id_taken", {"その MyKey ID は使われています", "That MyKey ID is taken"}},
    {"no_service_link",
     {"このサービスのIDが登録されていません", "No ID is linked for this service"}},
    {"insufficient_balance", {"ポイント残高が足りません", "Not enough points"}},
    {"not_accepted", {"このポイントはここでは使えません", "These points are not accepted here"}},
    {"no_programme", {"使えるポイントがありません", "No points to use"}},
    {"invalid_amount", {"金額が正しくありません", "The amount is not valid"}},
    {"invalid_request", {"入力が正しくありません", "The request is not valid"}},
    {"not_allowed_in_mode", {"この端末では扱えません", "Not offered at this terminal"}},
    {"unsupported", {"この機能はまだ使えません", "This service is not available yet"}},
    {"output_failed",
     {"図書館システムに送信できませんでした", "The library system did not take the number"}},
    {"voucher_not_printed",
     {"ポイント券を印刷できませんでした（係員にお知らせください）",
      "The voucher did not print (please tell the staff)"}},
    {"outcome_unknown",
     {"結果を確認できませんでした（係員にお知らせください）",
      "The result is not known (please tell the staff)"}},
    {"cloud_unreachable", {"サーバーに接続できません", "The server cannot be reached"}},
    {"session_expired", {"時間切れです。やり直してください", "Timed out. Please start again"}},
    {"unknown_redemption", {"その取引は見つかりません", "No such redemption"}},
    {"refund_exceeds_captured", {"返還できるポイントを超えています", "More than can be refunded"}},
    {"coupon_malformed", {"クーポン番号が正しくありません", "The coupon code is mistyped"}},
    {"not_a_project", {"寄付先のプロジェクトではありません", "That is not a project to donate to"}},
    {"coupon_unknown", {"そのクーポンは見つかりません", "No such coupon"}},
    {"coupon_used", {"このクーポンは交換済みです", "This coupon was converted already"}},
    {"coupon_expired", {"このクーポンは期限切れです", "This coupon has expired"}},
    {"too_many_attempts",
     {"誤りが多いため、しばらくお待ちください", "Too many attempts; please wait a while"}},
    {"unknown_holder",
     {"サーバーに接続できず、このカードを確認できません",
      "The server cannot be reached and this card is not known here"}},
    {"offline_refused",
     {"サーバーに接続できないため、ご利用いただけません",
      "The server cannot be reached; this cannot be approved now"}},
    {"voucher_already_redeemed",
     {"このポイント券は使用済みです", "This voucher has been used already"}},
    {"voucher_expired", {"このポイント券は有効期限切れです", "This voucher has expired"}},
    {"voucher_invalid", {"このポイント券は使えません", "This voucher is not valid"}},
    {"voucher_not_accepted",
     {"このポイント券はここでは使えません", "This voucher is not accepted here"}},
    {"voucher_unreadable", {"ポイント券を読み取れませんでした", "The voucher could not be read"}},
    {"voucher_not_pending",
     {"この端末の未印刷のポイント券ではありません", "Not an unprinted voucher of this terminal"}},
    {"printer_cannot_confirm",
     {"プリンターの状態を確認できないため、ポイント券を発行できません",
      "The printer cannot report its status, so no voucher can be issued"}},
    {"printer_unavailable",
     {"プリンターに接続できないため、ポイント券を発行できません",
      "The printer cannot be reached, so no voucher can be issued"}},
    {"voucher_not_confirmed",
     {"ポイント券は印刷されましたが、登録を確認できませんでした（係員にお知らせください）",
      "The voucher printed but its record did not reach the server (please tell the staff)"}},
    {"voucher_printed",
     {"このポイント券は印刷済みです。取り消さずに登録してください",
      "This voucher printed; record it (reprint) instead of voiding it"}},
}};

std::string_view Pick(Language language, const Entry& entry) {
  return language == Language::kEnglish ? entry.en : entry.ja;
}

}  // namespace

std::string_view Say(Language language, Phrase phrase) {
  auto index = static_cast<size_t>(phrase);
  return index < kPhrases.size() ? Pick(language, kPhrases[index]) : std::string_view("?");
}

std::string_view StageText(Language language, std::string_view stage) {
  for (const auto& [name, entry] : kStages) {
    if (name == stage) return Pick(language, entry);
  }
  return Say(language, Phrase::kPleaseWait);
}

std::string ReasonText(Language language, std::string_view reason) {
  for (const auto& [name, entry] : kReasons) {
    if (name == reason) return std::string(Pick(language, entry));
  }
  std::string general(Say(language, Phrase::kFailed));
  return general + " (" + std::string(reason) + ")";
}

}  // namespace mykey::terminal
