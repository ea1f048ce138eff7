#include "mykey/voucher/voucher_layout.h"

#include <cstdint>
#include <cstdio>
#include <string_view>
#include <utility>

#include "mykey/base/mask.h"
#include "mykey/protocol/typed_text.h"
#include "mykey/receipt/text.h"

namespace mykey::voucher {

namespace {

using receipt::Alignment;
using receipt::Document;
using receipt::PrinterProfile;
using receipt::TextStyle;

TextStyle Style(Alignment alignment, int width = 1, int height = 1, bool bold = false) {
  TextStyle style;
  style.alignment = alignment;
  style.width_scale = width;
  style.height_scale = height;
  style.bold = bold;
  return style;
}

// Half-width columns the text takes on paper (full-width characters count two).
int Columns(std::string_view utf8) {
  Result<std::u32string> chars = receipt::DecodeUtf8(utf8);
  if (!chars) return static_cast<int>(utf8.size());
  int columns = 0;
  for (char32_t c : *chars) columns += receipt::EastAsianWidth(c);
  return columns;
}

// Texts from the programme or the caller must stay one printed paragraph each: no control
// characters (the encoder would refuse them later; here the error names the field).
Status CheckText(std::string_view text, bool required, const char* empty_message,
                 const char* control_message) {
  if (required && text.empty()) return Fail(ErrorCode::kInvalidArgument, empty_message);
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) return Fail(ErrorCode::kInvalidArgument, control_message);
  }
  return Ok();
}

// "ラベル      値" on one line when both fit, else the value on its own line, right-aligned.
void LabelValue(Document& doc, std::string_view label, std::string_view value, int columns,
                bool bold = false) {
  const int used = Columns(label) + Columns(value);
  if (used + 1 <= columns) {
    std::string line(label);
    line.append(static_cast<size_t>(columns - used), ' ');
    line.append(value);
    doc.Text(std::move(line), Style(Alignment::kLeft, 1, 1, bold));
    return;
  }
  doc.Text(std::string(label), Style(Alignment::kLeft, 1, 1, bold));
  doc.Text(std::string(value), Style(Alignment::kRight, 1, 1, bold));
}

// The largest width scale (2 or 1) at which the text fits one line.
int FittingWidthScale(std::string_view text, int columns) {
  return Columns(text) * 2 <= columns ? 2 : 1;
}

// Characters that may not start a line (行頭禁則): closing brackets and punctuation, small kana,
// the prolonged sound mark.
bool NoLineStart(char32_t c) {
  static constexpr std::u32string_view kClosing =
      U"、。，．,.）」』】〕〉》］｝)]}！？!?：；:;ー・ぁぃぅぇぉっゃゅょァィゥェォッャュョ…‥";
  return kClosing.find(c) != std::u32string_view::npos;
}

// `utf8` in lines of at most `columns` half-width columns: broken at the last space when a line
// has one, else between characters, never before a character that may not start a line (it
// moves down with the one before it). Text that does not decode is one line (the encoder
// refuses it later).
std::vector<std::string> WrapColumns(std::string_view utf8, int columns) {
  Result<std::u32string> chars = receipt::DecodeUtf8(utf8);
  if (!chars) return {std::string(utf8)};
  std::vector<std::u32string> lines(1);
  int used = 0;
  for (char32_t c : *chars) {
    const int width = receipt::EastAsianWidth(c);
    std::u32string& line = lines.back();
    if (used + width > columns && !line.empty()) {
      std::u32string next;
      const size_t space = line.rfind(U' ');
      if (c != U' ' && space != std::u32string::npos && space > 0) {
        next = line.substr(space + 1);
        line.erase(space);
      } else if (NoLineStart(c) && line.size() > 1) {
        // The character before goes down too, so that this one does not start the line.
        next = line.substr(line.size() - 1);
        line.pop_back();
      }
      lines.push_back(std::move(next));
      used = 0;
      for (char32_t d : lines.back()) used += receipt::EastAsianWidth(d);
      if (c == U' ') continue;
    }
    lines.back().push_back(c);
    used += width;
  }
  std::vector<std::string> out;
  for (const std::u32string& line : lines) out.push_back(receipt::EncodeUtf8(line));
  return out;
}

std::string WithSeparators(uint64_t value) {
  std::string digits = std::to_string(value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

}  // namespace

std::string JapaneseDate(std::chrono::year_month_day date) {
  return std::to_string(static_cast<int>(date.year())) + "年" +
         std::to_string(static_cast<unsigned>(date.month())) + "月" +
         std::to_string(static_cast<unsigned>(date.day())) + "日";
}

std::string JapaneseDateTime(std::chrono::sys_seconds time) {
  const std::chrono::sys_seconds japan = time + protocol::kJapanUtcOffset;
  const std::chrono::sys_days day = std::chrono::floor<std::chrono::days>(japan);
  const std::chrono::hh_mm_ss clock(japan - day);
  char hhmm[8];
  std::snprintf(hhmm, sizeof hhmm, "%02d:%02d", static_cast<int>(clock.hours().count()),
                static_cast<int>(clock.minutes().count()));
  return JapaneseDate(std::chrono::year_month_day(day)) + " " + hhmm;
}

std::string PointsText(uint64_t points) {
  return WithSeparators(points) + " ポイント";
}

Result<Document> BuildVoucherDocument(const VoucherPrintData& data, const PrinterProfile& profile) {
  MYKEY_TRY(profile.Validate());
  MYKEY_ASSIGN_OR_RETURN(protocol::VoucherToken token, protocol::DecodeVoucherToken(data.token));
  MYKEY_TRY(CheckText(data.municipality_name, true, "voucher: municipality name is empty",
                      "voucher: control character in the municipality name"));
  MYKEY_TRY(CheckText(data.programme_name, true, "voucher: programme name is empty",
                      "voucher: control character in the programme name"));
  for (const std::string& condition : data.conditions) {
    MYKEY_TRY(CheckText(condition, false, "", "voucher: control character in a condition"));
  }
  const protocol::VoucherFields& fields = token.fields;
  const bool sold = fields.kind == protocol::VoucherKind::kSold;
  if (sold) {
    if (!data.issuer) {
      return Fail(ErrorCode::kInvalidArgument, "voucher: a sold voucher needs its issuer printed");
    }
    MYKEY_TRY(CheckText(data.issuer->name, true, "voucher: issuer name is empty",
                        "voucher: control character in the issuer name"));
    MYKEY_TRY(CheckText(data.issuer->contact, false, "",
                        "voucher: control character in the issuer contact"));
  }
  const int columns = profile.columns;
  const std::string issued = JapaneseDate(fields.issued);
  const std::string expires = JapaneseDate(fields.expires);
  const std::string amount = PointsText(fields.amount);
  const std::string serial = fields.serial.ToString();

  Document doc;
  doc.Text(data.municipality_name,
           Style(Alignment::kCenter, FittingWidthScale(data.municipality_name, columns), 2, true));
  doc.Text(data.programme_name, Style(Alignment::kCenter));
  doc.Text("ポイント券", Style(Alignment::kCenter, 1, 2, true));
  if (data.reprint_of) {
    doc.AddRule(receipt::Rule{receipt::Rule::Kind::kDrawn, 4});
    doc.Text("再発行", Style(Alignment::kCenter, 2, 2, true));
    doc.Text("原券番号 " + data.reprint_of->ToString(), Style(Alignment::kCenter, 1, 1, true));
    doc.AddRule(receipt::Rule{receipt::Rule::Kind::kDrawn, 4});
  } else {
    doc.AddRule();
  }
  doc.Text(amount, Style(Alignment::kCenter, FittingWidthScale(amount, columns), 2, true));
  LabelValue(doc, "発行日", issued, columns);
  LabelValue(doc, "有効期限", expires, columns, true);
  doc.AddQr(receipt::QrCode{data.token, receipt::QrErrorCorrection::kM, 0, Alignment::kCenter});
  doc.Text("券番号", Style(Alignment::kCenter));
  doc.Text(serial, Style(Alignment::kCenter, FittingWidthScale(serial, columns), 2, true));
  doc.AddRule();
  if (!data.conditions.empty()) {
    doc.Text("利用条件", Style(Alignment::kLeft, 1, 1, true));
    // Wrapped here, not by the encoder, so that the lines after the first hang under the text
    // and not under the bullet.
    for (const std::string& condition : data.conditions) {
      const std::vector<std::string> lines = WrapColumns(condition, columns - Columns("・"));
      for (size_t i = 0; i < lines.size(); ++i) doc.Text((i == 0 ? "・" : "  ") + lines[i]);
    }
  }
  if (sold) {
    // 資金決済法: a voucher sold for cash shows who issued it, when, and until when it can be
    // used (it stays outside registration only if that is within 6 months of issue).
    doc.AddRule();
    doc.Text("前払式支払手段の表示", Style(Alignment::kLeft, 1, 1, true));
    LabelValue(doc, "発行者", data.issuer->name, columns);
    LabelValue(doc, "発行日", issued, columns);
    LabelValue(doc, "有効期限", expires, columns);
    doc.Text("有効期限を過ぎると使えません。");
    if (!data.issuer->contact.empty())
      LabelValue(doc, "お問い合わせ", data.issuer->contact, columns);
  }
  doc.AddFeed(3);
  doc.AddCut();
  return doc;
}

namespace {

Status CheckOperationNumber(std::string_view number, const char* control_message) {
  MYKEY_TRY(CheckText(number, false, "", control_message));
  if (number.size() > kMaxOperationNumberSize) {
    return Fail(ErrorCode::kInvalidArgument,
                "receipt: an operation number has at most 20 characters (RedemptionNumber())");
  }
  return Ok();
}

Status CheckReceiptTexts(std::string_view merchant, std::string_view programme,
                         std::string_view operation_id, std::string_view mykey_id,
                         uint64_t points) {
  MYKEY_TRY(CheckText(merchant, true, "receipt: merchant name is empty",
                      "receipt: control character in the merchant name"));
  MYKEY_TRY(CheckText(programme, false, "", "receipt: control character in the programme name"));
  MYKEY_TRY(CheckOperationNumber(operation_id, "receipt: control character in the operation id"));
  MYKEY_TRY(CheckText(mykey_id, false, "", "receipt: control character in the MyKey ID"));
  if (points == 0) return Fail(ErrorCode::kInvalidArgument, "receipt: zero points");
  return Ok();
}

void ReceiptHeader(Document& doc, const char* title, std::string_view merchant,
                   std::string_view programme, std::chrono::sys_seconds time, int columns) {
  doc.Text(title, Style(Alignment::kCenter, 1, 2, true));
  doc.Text(std::string(merchant), Style(Alignment::kCenter));
  doc.AddRule();
  LabelValue(doc, "日時", JapaneseDateTime(time), columns);
  if (!programme.empty()) LabelValue(doc, "ポイント", programme, columns);
}

void ReceiptFooter(Document& doc, std::string_view mykey_id, std::string_view operation_id,
                   int columns) {
  if (!mykey_id.empty() || !operation_id.empty()) doc.AddRule();
  if (!mykey_id.empty()) LabelValue(doc, "MyKey ID", MaskIdentifier(mykey_id), columns);
  if (!operation_id.empty()) LabelValue(doc, "取引番号", operation_id, columns);
  doc.AddFeed(3);
  doc.AddCut();
}

// "R1042": a letter for the kind and the cloud's id.
std::string OperationNumber(char kind, int64_t id) {
  return kind + std::to_string(id);
}

}  // namespace

Result<Document> BuildRedemptionReceipt(const RedemptionReceiptData& data,
                                        const PrinterProfile& profile) {
  MYKEY_TRY(profile.Validate());
  MYKEY_TRY(CheckReceiptTexts(data.merchant_name, data.programme_name, data.operation_id,
                              data.mykey_id, data.points));
  if (data.operation_id.empty() && !data.voucher_serial) {
    return Fail(ErrorCode::kInvalidArgument, "receipt: operation id is empty");
  }
  const int columns = profile.columns;
  Document doc;
  ReceiptHeader(doc, "ポイントご利用明細", data.merchant_name, data.programme_name, data.time,
                columns);
  if (data.voucher_serial) LabelValue(doc, "券番号", data.voucher_serial->ToString(), columns);
  doc.AddRule();
  LabelValue(doc, "ご利用ポイント", PointsText(data.points), columns, true);
  if (data.balance_after) LabelValue(doc, "ご利用後残高", PointsText(*data.balance_after), columns);
  ReceiptFooter(doc, data.mykey_id, data.operation_id, columns);
  return doc;
}

Result<Document> BuildRefundReceipt(const RefundReceiptData& data, const PrinterProfile& profile) {
  MYKEY_TRY(profile.Validate());
  MYKEY_TRY(CheckReceiptTexts(data.merchant_name, data.programme_name, data.operation_id,
                              data.mykey_id, data.points));
  if (data.operation_id.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "receipt: operation id is empty");
  }
  MYKEY_TRY(CheckText(data.original_operation_id, true, "refund: original operation id is empty",
                      "refund: control character in the original operation id"));
  MYKEY_TRY(CheckOperationNumber(data.original_operation_id,
                                 "refund: control character in the original operation id"));
  MYKEY_TRY(CheckText(data.reason, false, "", "refund: control character in the reason"));
  if (data.original_operation_id == data.operation_id) {
    return Fail(ErrorCode::kInvalidArgument, "refund: must reference another operation");
  }
  const int columns = profile.columns;
  Document doc;
  ReceiptHeader(doc, "ポイント返還明細", data.merchant_name, data.programme_name, data.time,
                columns);
  LabelValue(doc, "元の取引番号", data.original_operation_id, columns);
  if (!data.reason.empty()) LabelValue(doc, "理由", data.reason, columns);
  doc.AddRule();
  LabelValue(doc, "返還ポイント", PointsText(data.points), columns, true);
  if (data.balance_after) LabelValue(doc, "返還後残高", PointsText(*data.balance_after), columns);
  ReceiptFooter(doc, data.mykey_id, data.operation_id, columns);
  return doc;
}

std::string RedemptionNumber(int64_t redemption_id) {
  return OperationNumber('R', redemption_id);
}

std::string RefundNumber(int64_t transfer_id) {
  return OperationNumber('H', transfer_id);
}

Result<int64_t> ParseRedemptionNumber(std::string_view typed) {
  const std::string text = protocol::NormalizeTypedText(typed);
  std::string_view rest = text;
  if (!rest.empty() && (rest.front() == 'R' || rest.front() == 'r')) {
    rest.remove_prefix(1);
    if (!rest.empty() && (rest.front() == '-' || rest.front() == ' ')) rest.remove_prefix(1);
  }
  if (rest.empty() || rest.size() > 19) {
    return Fail(ErrorCode::kInvalidArgument, "not a redemption number (R and its digits)");
  }
  int64_t id = 0;
  for (char c : rest) {
    if (c < '0' || c > '9') {
      return Fail(ErrorCode::kInvalidArgument, "not a redemption number (R and its digits)");
    }
    const int digit = c - '0';
    if (id > (INT64_MAX - digit) / 10) {
      return Fail(ErrorCode::kInvalidArgument, "redemption number out of range");
    }
    id = id * 10 + digit;
  }
  if (id == 0) return Fail(ErrorCode::kInvalidArgument, "redemption number out of range");
  return id;
}

}  // namespace mykey::voucher
