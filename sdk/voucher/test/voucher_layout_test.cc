#include "mykey/voucher/voucher_layout.h"

#include <algorithm>
#include <string>
#include <vector>

#include "mykey/receipt/escpos_encoder.h"
#include "mykey/testing/catch.h"
#include "mykey/voucher_testing/sample_vouchers.h"

namespace mykey::voucher {
namespace {

using receipt::Document;
using receipt::PrinterProfile;
using receipt::QrCode;
using receipt::TextLine;

PrinterProfile Profile(const char* name) {
  auto profile = PrinterProfile::Named(name);
  REQUIRE(profile);
  return *profile;
}

crypto::EcdsaPrivateKey Key() {
  auto key = testing::SampleVoucherKey();
  REQUIRE(key);
  return std::move(*key);
}

VoucherPrintData Sold() {
  auto data = testing::SamplePrintData(testing::SampleSoldFields(), Key());
  REQUIRE(data);
  return *data;
}

VoucherPrintData Granted(std::optional<protocol::VoucherSerial> reprint_of = {}) {
  auto data = testing::SamplePrintData(testing::SampleGrantedFields(), Key(), reprint_of);
  REQUIRE(data);
  return *data;
}

std::vector<TextLine> Lines(const Document& doc) {
  std::vector<TextLine> lines;
  for (const receipt::Element& element : doc.elements()) {
    if (const auto* line = std::get_if<TextLine>(&element)) lines.push_back(*line);
  }
  return lines;
}

bool HasLine(const Document& doc, const std::string& text) {
  const std::vector<TextLine> lines = Lines(doc);
  return std::any_of(lines.begin(), lines.end(),
                     [&](const TextLine& line) { return line.utf8 == text; });
}

// A line holding every one of the parts, in order.
bool HasLineWith(const Document& doc, std::initializer_list<std::string> parts) {
  for (const TextLine& line : Lines(doc)) {
    size_t at = 0;
    bool all = true;
    for (const std::string& part : parts) {
      at = line.utf8.find(part, at);
      if (at == std::string::npos) {
        all = false;
        break;
      }
      at += part.size();
    }
    if (all) return true;
  }
  return false;
}

Result<Document> Build(const VoucherPrintData& data, const char* profile) {
  auto doc = BuildVoucherDocument(data, Profile(profile));
  REQUIRE(doc);
  return doc;
}

TEST_CASE("A voucher shows municipality, programme, amount, Japanese dates, QR and serial") {
  const VoucherPrintData data = Sold();
  auto doc = BuildVoucherDocument(data, Profile("generic-58-kanji"));
  REQUIRE(doc);
  CHECK(HasLine(*doc, "髙﨑市"));
  CHECK(HasLine(*doc, "𠮷田まつりポイント"));
  CHECK(HasLine(*doc, "500 ポイント"));
  CHECK(HasLineWith(*doc, {"発行日", "2026年12月1日"}));
  CHECK(HasLineWith(*doc, {"有効期限", "2027年5月31日"}));
  // 58 mm: 15 full-width characters after the bullet, the rest hanging under the text.
  CHECK(HasLine(*doc, "・髙﨑市内の加盟店でご利用いただ"));
  CHECK(HasLine(*doc, "  けます。"));
  CHECK(HasLine(*Build(data, "generic-80-kanji"), "・髙﨑市内の加盟店でご利用いただけます。"));
  CHECK_FALSE(HasLine(*doc, "再発行"));

  // The QR carries the token; the serial follows it, large enough to type from.
  const auto& elements = doc->elements();
  auto qr = std::find_if(elements.begin(), elements.end(), [](const receipt::Element& e) {
    return std::holds_alternative<QrCode>(e);
  });
  REQUIRE(qr != elements.end());
  CHECK(std::get<QrCode>(*qr).payload == data.token);
  CHECK(std::get<QrCode>(*qr).error_correction == receipt::QrErrorCorrection::kM);
  REQUIRE(std::distance(qr, elements.end()) > 2);
  const auto& label = std::get<TextLine>(*(qr + 1));
  const auto& serial = std::get<TextLine>(*(qr + 2));
  CHECK(label.utf8 == "券番号");
  CHECK(serial.utf8 == testing::SampleSoldFields().serial.ToString());
  CHECK(serial.style.width_scale == 2);
  CHECK(serial.style.height_scale == 2);
  CHECK(std::holds_alternative<receipt::Cut>(elements.back()));
}

TEST_CASE("A sold voucher carries the prepaid-instrument notes and a granted one does not") {
  auto sold = BuildVoucherDocument(Sold(), Profile("generic-80-kanji"));
  REQUIRE(sold);
  CHECK(HasLine(*sold, "前払式支払手段の表示"));
  CHECK(HasLineWith(*sold, {"発行者", "髙﨑市商店街連合会"}));
  CHECK(HasLineWith(*sold, {"お問い合わせ", "027-000-0000"}));
  auto granted = BuildVoucherDocument(Granted(), Profile("generic-80-kanji"));
  REQUIRE(granted);
  CHECK_FALSE(HasLine(*granted, "前払式支払手段の表示"));
  CHECK(HasLine(*granted, "1,000 ポイント"));
}

TEST_CASE("A sold voucher without an issuer is refused") {
  VoucherPrintData data = Sold();
  data.issuer.reset();
  auto doc = BuildVoucherDocument(data, Profile("generic-58-kanji"));
  REQUIRE_FALSE(doc);
  CHECK(doc.error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("A reprint is marked 再発行 with the original serial") {
  const protocol::VoucherSerial original = testing::SampleSoldFields().serial;
  auto doc = BuildVoucherDocument(Granted(original), Profile("generic-58-kanji"));
  REQUIRE(doc);
  const std::vector<TextLine> lines = Lines(*doc);
  auto mark = std::find_if(lines.begin(), lines.end(),
                           [](const TextLine& line) { return line.utf8 == "再発行"; });
  REQUIRE(mark != lines.end());
  CHECK(mark->style.width_scale == 2);
  CHECK(mark->style.bold);
  CHECK(HasLine(*doc, "原券番号 " + original.ToString()));
}

TEST_CASE("A token that does not decode, an empty name or a control character is refused") {
  VoucherPrintData bad_token = Sold();
  bad_token.token = "MKV:NOT A TOKEN";
  CHECK_FALSE(BuildVoucherDocument(bad_token, Profile("generic-58-kanji")));
  VoucherPrintData no_name = Sold();
  no_name.municipality_name.clear();
  auto empty = BuildVoucherDocument(no_name, Profile("generic-58-kanji"));
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code() == ErrorCode::kInvalidArgument);
  VoucherPrintData injected = Sold();
  injected.conditions.push_back("ok\x1b@");
  auto control = BuildVoucherDocument(injected, Profile("generic-58-kanji"));
  REQUIRE_FALSE(control);
  CHECK(control.error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("A voucher's QR is version 6 with 7-dot modules on 58 mm and 8-dot on 80 mm") {
  for (const auto& [name, dots] : {std::pair{"generic-58-kanji", 7},
                                   {"generic-80-kanji", 8},
                                   {"generic-58-kanji-raster-qr", 7}}) {
    auto doc = BuildVoucherDocument(Sold(), Profile(name));
    REQUIRE(doc);
    receipt::EscPosEncoder encoder(Profile(name));
    auto encoded = encoder.Encode(*doc);
    REQUIRE(encoded);
    REQUIRE(encoded->qr_codes.size() == 1);
    const receipt::QrPlacement& qr = encoded->qr_codes.front();
    INFO(name);
    CHECK(qr.version == 6);
    CHECK(qr.module_dots == dots);
    CHECK(qr.mode == receipt::QrMode::kAlphanumeric);
    CHECK(qr.verified);
    CHECK(qr.side_dots <= encoder.profile().printable_dots);
  }
}

TEST_CASE("Dates and amounts are written the Japanese way, times in Japan time") {
  using namespace std::chrono;
  CHECK(JapaneseDate(year_month_day(year{2027}, May, day{31})) == "2027年5月31日");
  // 15:30 UTC on the 14th is 00:30 JST on the 15th.
  const sys_seconds t =
      sys_days(year_month_day(year{2027}, January, day{14})) + hours(15) + minutes(30);
  CHECK(JapaneseDateTime(t) == "2027年1月15日 00:30");
  CHECK(PointsText(500) == "500 ポイント");
  CHECK(PointsText(1000) == "1,000 ポイント");
  CHECK(PointsText(1234567) == "1,234,567 ポイント");
}

TEST_CASE("A redemption receipt shows merchant, time, points, balance, operation id, masked ID") {
  const RedemptionReceiptData data = testing::SampleRedemption();
  auto doc = BuildRedemptionReceipt(data, Profile("generic-58-kanji"));
  REQUIRE(doc);
  CHECK(HasLine(*doc, "ポイントご利用明細"));
  CHECK(HasLine(*doc, "山﨑商店 駅前店"));
  CHECK(HasLineWith(*doc, {"日時", "2027年1月15日 12:17"}));
  CHECK(HasLineWith(*doc, {"ご利用ポイント", "300 ポイント"}));
  CHECK(HasLineWith(*doc, {"ご利用後残高", "1,200 ポイント"}));
  CHECK(HasLineWith(*doc, {"取引番号", "R4294967311"}));
  CHECK(HasLineWith(*doc, {"MyKey ID", "******34"}));
  CHECK_FALSE(HasLineWith(*doc, {"券番号"}));
  CHECK_FALSE(HasLineWith(*doc, {"AB12CD34"}));
}

TEST_CASE("A voucher redemption receipt shows the serial and no balance it does not know") {
  const RedemptionReceiptData data = testing::SampleVoucherRedemption();
  for (const char* name : {"generic-58-kanji", "generic-80-kanji"}) {
    auto doc = BuildRedemptionReceipt(data, Profile(name));
    REQUIRE(doc);
    CHECK(HasLineWith(*doc, {"券番号", data.voucher_serial->ToString()}));
    CHECK(HasLineWith(*doc, {"ご利用ポイント", "1,000 ポイント"}));
    // Never "ご利用後残高 0 ポイント": a voucher has no account.
    CHECK_FALSE(HasLineWith(*doc, {"残高"}));
    CHECK_FALSE(HasLineWith(*doc, {"取引番号"}));
    CHECK_FALSE(HasLineWith(*doc, {"MyKey ID"}));
  }
  // A redemption of points without its balance leaves the line out too.
  RedemptionReceiptData unknown = testing::SampleRedemption();
  unknown.balance_after.reset();
  auto doc = BuildRedemptionReceipt(unknown, Profile("generic-58-kanji"));
  REQUIRE(doc);
  CHECK_FALSE(HasLineWith(*doc, {"残高"}));
  // A zero balance that is known is printed.
  unknown.balance_after = 0;
  doc = BuildRedemptionReceipt(unknown, Profile("generic-58-kanji"));
  REQUIRE(doc);
  CHECK(HasLineWith(*doc, {"ご利用後残高", "0 ポイント"}));
}

TEST_CASE("A refund receipt's 元の取引番号 is the 取引番号 printed on the redemption's receipt") {
  auto redemption =
      BuildRedemptionReceipt(testing::SampleRedemption(), Profile("generic-58-kanji"));
  auto doc = BuildRefundReceipt(testing::SampleRefund(), Profile("generic-58-kanji"));
  REQUIRE(redemption);
  REQUIRE(doc);
  CHECK(HasLine(*doc, "ポイント返還明細"));
  const std::string number = RedemptionNumber(testing::kSampleRedemptionId);
  CHECK(HasLineWith(*redemption, {"取引番号", number}));
  CHECK(HasLineWith(*doc, {"元の取引番号", number}));
  CHECK(HasLineWith(*doc, {"返還ポイント", "120 ポイント"}));
  CHECK(HasLineWith(*doc, {"返還後残高", "1,320 ポイント"}));
  CHECK(HasLineWith(*doc, {"取引番号", "H8589934597"}));
  CHECK(HasLineWith(*doc, {"理由", "返品"}));
  CHECK_FALSE(HasLineWith(*doc, {"AB12CD34"}));
  // What the clerk reads off the redemption receipt refunds that redemption.
  CHECK(ParseRedemptionNumber(number).value() == testing::kSampleRedemptionId);
}

TEST_CASE("Operation numbers are short and typed back the way a clerk types them") {
  CHECK(RedemptionNumber(1042) == "R1042");
  CHECK(RefundNumber(2051) == "H2051");
  CHECK(RedemptionNumber(INT64_MAX).size() == kMaxOperationNumberSize);
  CHECK(RefundNumber(INT64_MAX).size() == kMaxOperationNumberSize);
  for (std::string_view typed :
       {"R1042", "r1042", "R-1042", "R 1042", "1042", "Ｒ１０４２", "ｒ－１０４２", " R1042\r\n"}) {
    INFO(typed);
    auto id = ParseRedemptionNumber(typed);
    REQUIRE(id);
    CHECK(*id == 1042);
  }
  CHECK(ParseRedemptionNumber(RedemptionNumber(INT64_MAX)).value() == INT64_MAX);
  for (std::string_view bad :
       {"", "R", "H2051", "R10a2", "R0", "0", "-5", "R9223372036854775808", "R1042R", "RR1042"}) {
    INFO(bad);
    auto id = ParseRedemptionNumber(bad);
    REQUIRE_FALSE(id);
    CHECK(id.error().code() == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("Receipts with zero points, no operation id or a refund of itself are refused") {
  RedemptionReceiptData zero = testing::SampleRedemption();
  zero.points = 0;
  CHECK_FALSE(BuildRedemptionReceipt(zero, Profile("generic-58-kanji")));
  RedemptionReceiptData no_id = testing::SampleRedemption();
  no_id.operation_id.clear();
  CHECK_FALSE(BuildRedemptionReceipt(no_id, Profile("generic-58-kanji")));
  RefundReceiptData self = testing::SampleRefund();
  self.original_operation_id = self.operation_id;
  auto refused = BuildRefundReceipt(self, Profile("generic-58-kanji"));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == ErrorCode::kInvalidArgument);
  RefundReceiptData no_number = testing::SampleRefund();
  no_number.operation_id.clear();
  CHECK_FALSE(BuildRefundReceipt(no_number, Profile("generic-58-kanji")));
}

TEST_CASE("An idempotency key is refused as an operation number: it would wrap on 58 mm") {
  const std::string key = "mk-0123456789abcdef0123456789abcdef";  // what the terminal sends
  RedemptionReceiptData redemption = testing::SampleRedemption();
  redemption.operation_id = key;
  CHECK(BuildRedemptionReceipt(redemption, Profile("generic-58-kanji")).error().code() ==
        ErrorCode::kInvalidArgument);
  RefundReceiptData refund = testing::SampleRefund();
  refund.original_operation_id = key;
  CHECK(BuildRefundReceipt(refund, Profile("generic-80-kanji")).error().code() ==
        ErrorCode::kInvalidArgument);
}

int DashedRules(const Document& doc) {
  int rules = 0;
  for (const receipt::Element& element : doc.elements()) {
    const auto* rule = std::get_if<receipt::Rule>(&element);
    if (rule != nullptr && rule->kind == receipt::Rule::Kind::kDashes) ++rules;
  }
  return rules;
}

// Printed lines of a receipt: text lines plus any the encoder wrapped.
int PrintedLines(const Document& doc, const PrinterProfile& profile) {
  receipt::EscPosEncoder encoder(profile);
  auto encoded = encoder.Encode(doc);
  REQUIRE(encoded);
  return encoded->native_text_lines + encoded->raster_text_lines;
}

TEST_CASE(
    "Every line of every receipt fits the paper: labels and real-length numbers on one line") {
  for (const char* name : {"generic-58-kanji", "generic-80-kanji"}) {
    const PrinterProfile profile = Profile(name);
    INFO(name);
    RedemptionReceiptData longest = testing::SampleRedemption();
    longest.operation_id = RedemptionNumber(INT64_MAX);
    longest.balance_after = 999'999'999;
    RefundReceiptData refund = testing::SampleRefund();
    refund.original_operation_id = RedemptionNumber(INT64_MAX);
    refund.operation_id = RefundNumber(INT64_MAX);
    std::vector<Document> docs;
    for (const auto& built : {BuildRedemptionReceipt(testing::SampleRedemption(), profile),
                              BuildRedemptionReceipt(testing::SampleVoucherRedemption(), profile),
                              BuildRedemptionReceipt(longest, profile),
                              BuildRefundReceipt(testing::SampleRefund(), profile),
                              BuildRefundReceipt(refund, profile)}) {
      REQUIRE(built);
      docs.push_back(*built);
    }
    for (const Document& doc : docs) {
      // Wrapping would add printed lines beyond the document's text lines and dashed rules.
      CHECK(PrintedLines(doc, profile) == static_cast<int>(Lines(doc).size()) + DashedRules(doc));
    }
    // The sample numbers (10-digit ids) share their line with the label.
    CHECK(HasLineWith(docs[0], {"取引番号", " ", "R4294967311"}));
    CHECK(HasLineWith(docs[3], {"元の取引番号", " ", "R4294967311"}));
    CHECK(HasLineWith(docs[3], {"取引番号", " ", "H8589934597"}));
  }
}

TEST_CASE(
    "A long condition wraps with a hanging indent, fitting the paper, no line starting 、。") {
  VoucherPrintData data = Sold();
  const std::string condition =
      "現金との引き換え、おつりの支払いはできません。髙﨑市内の加盟店で、有効期限まで何度でも"
      "ご利用いただけます。詳しくは www.city.takasaki.example.jp をご覧ください。";
  data.conditions = {condition, "短い条件"};
  for (const char* name : {"generic-58-kanji", "generic-80-kanji"}) {
    INFO(name);
    const PrinterProfile profile = Profile(name);
    auto doc = BuildVoucherDocument(data, profile);
    REQUIRE(doc);
    std::vector<std::string> wrapped;
    bool in_condition = false;
    for (const TextLine& line : Lines(*doc)) {
      if (line.utf8.starts_with("・")) in_condition = line.utf8 != "・短い条件";
      if (in_condition && (line.utf8.starts_with("・") || line.utf8.starts_with("  "))) {
        wrapped.push_back(line.utf8);
      }
    }
    REQUIRE(wrapped.size() >= 3);  // too long for one line on either paper
    std::string joined;
    for (size_t i = 0; i < wrapped.size(); ++i) {
      INFO(wrapped[i]);
      CHECK(wrapped[i].starts_with(i == 0 ? "・" : "  "));  // the hanging indent
      const std::string text = wrapped[i].substr(i == 0 ? std::string("・").size() : 2);
      CHECK_FALSE(text.starts_with("、"));
      CHECK_FALSE(text.starts_with("。"));
      joined += text;
    }
    // Nothing lost but the space the line broke at.
    std::string expected = condition;
    std::erase(expected, ' ');
    std::erase(joined, ' ');
    CHECK(joined == expected);
    CHECK(HasLine(*doc, "・短い条件"));
    // The encoder wraps nothing more: every line fits.
    CHECK(PrintedLines(*doc, profile) == static_cast<int>(Lines(*doc).size()) + DashedRules(*doc));
  }
}

}  // namespace
}  // namespace mykey::voucher
