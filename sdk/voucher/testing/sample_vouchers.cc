#include "mykey/voucher_testing/sample_vouchers.h"

#include "mykey/base/bytes.h"
#include "mykey/crypto/random.h"
#include "mykey/receipt/escpos_encoder.h"
#include "mykey/vprinter/job_render.h"

namespace mykey::voucher::testing {

namespace {

using std::chrono::day;
using std::chrono::year;
using std::chrono::year_month_day;

constexpr uint32_t kTakasakiCode = 102024;  // 群馬県高崎市, printed with its variant kanji 髙﨑

protocol::VoucherSerial Serial(uint64_t value) {
  Result<protocol::VoucherSerial> serial = protocol::VoucherSerial::FromValue(value);
  return serial ? *serial : protocol::VoucherSerial();
}

}  // namespace

Result<crypto::EcdsaPrivateKey> SampleVoucherKey() {
  MYKEY_ASSIGN_OR_RETURN(auto random, crypto::DeterministicRandom::Create(
                                          ViewOf("mykey-voucher-sample"), ViewOf("voucher-key-1")));
  return crypto::EcdsaPrivateKey::Generate(*random);
}

Result<protocol::VoucherKeyRing> SampleKeyRing() {
  MYKEY_ASSIGN_OR_RETURN(crypto::EcdsaPrivateKey key, SampleVoucherKey());
  protocol::VoucherKeyRing ring;
  MYKEY_TRY(ring.Add(key.PublicKey()));
  return ring;
}

std::chrono::sys_seconds SampleNow() {
  // 2027-01-15 03:00 UTC = 12:00 JST.
  return std::chrono::sys_days(year_month_day(year{2027}, std::chrono::January, day{15})) +
         std::chrono::hours(3);
}

protocol::VoucherFields SampleSoldFields() {
  protocol::VoucherFields fields;
  fields.serial = Serial(13'579'246'801'357ULL);
  fields.kind = protocol::VoucherKind::kSold;
  fields.programme = {kTakasakiCode, 3};
  fields.amount = 500;
  fields.issued = year_month_day(year{2026}, std::chrono::December, day{1});
  fields.expires = year_month_day(year{2027}, std::chrono::May, day{31});
  return fields;
}

protocol::VoucherFields SampleGrantedFields() {
  protocol::VoucherFields fields;
  fields.serial = Serial(2'468'013'579'246ULL);
  fields.kind = protocol::VoucherKind::kGranted;
  fields.programme = {kTakasakiCode, 3};
  fields.amount = 1000;
  fields.issued = year_month_day(year{2026}, std::chrono::December, day{1});
  fields.expires = year_month_day(year{2027}, std::chrono::November, day{30});
  return fields;
}

Result<VoucherPrintData> SamplePrintData(const protocol::VoucherFields& fields,
                                         const crypto::EcdsaPrivateKey& key,
                                         std::optional<protocol::VoucherSerial> reprint_of) {
  VoucherPrintData data;
  MYKEY_ASSIGN_OR_RETURN(data.token, protocol::EncodeVoucherToken(fields, key));
  data.municipality_name = "髙﨑市";
  data.programme_name = "𠮷田まつりポイント";
  data.conditions = {"髙﨑市内の加盟店でご利用いただけます。",
                     "現金との引き換え、おつりの支払いはできません。",
                     "山﨑商店街では1回5枚までご利用いただけます。"};
  if (fields.kind == protocol::VoucherKind::kSold) {
    data.issuer = PrepaidIssuer{"髙﨑市商店街連合会", "027-000-0000"};
  }
  data.reprint_of = reprint_of;
  return data;
}

RedemptionReceiptData SampleRedemption() {
  RedemptionReceiptData data;
  data.merchant_name = "山﨑商店 駅前店";
  data.programme_name = "𠮷田まつり";
  data.time = SampleNow() + std::chrono::minutes(17);
  data.points = 300;
  data.balance_after = 1200;
  data.operation_id = RedemptionNumber(kSampleRedemptionId);
  data.mykey_id = "AB12CD34";
  return data;
}

RedemptionReceiptData SampleVoucherRedemption() {
  RedemptionReceiptData data;
  data.merchant_name = "山﨑商店 駅前店";
  data.programme_name = "𠮷田まつり";
  data.time = SampleNow() + std::chrono::minutes(21);
  data.points = SampleGrantedFields().amount;
  data.voucher_serial = SampleGrantedFields().serial;
  return data;
}

RefundReceiptData SampleRefund() {
  RefundReceiptData data;
  data.merchant_name = "山﨑商店 駅前店";
  data.programme_name = "𠮷田まつり";
  data.time = SampleNow() + std::chrono::minutes(45);
  data.points = 120;
  data.balance_after = 1320;
  data.operation_id = RefundNumber(kSampleRefundTransferId);
  data.original_operation_id = RedemptionNumber(kSampleRedemptionId);
  data.mykey_id = "AB12CD34";
  data.reason = "返品";
  return data;
}

Result<std::vector<GoldenRender>> GoldenRenders() {
  MYKEY_ASSIGN_OR_RETURN(crypto::EcdsaPrivateKey key, SampleVoucherKey());
  MYKEY_ASSIGN_OR_RETURN(VoucherPrintData sold, SamplePrintData(SampleSoldFields(), key));
  const protocol::VoucherFields granted = SampleGrantedFields();
  MYKEY_ASSIGN_OR_RETURN(VoucherPrintData duplicate, SamplePrintData(granted, key, granted.serial));
  std::vector<GoldenRender> renders;
  for (const char* paper : {"58", "80"}) {
    const std::string profile_name = std::string("generic-") + paper + "-kanji";
    MYKEY_ASSIGN_OR_RETURN(receipt::PrinterProfile profile,
                           receipt::PrinterProfile::Named(profile_name));
    MYKEY_ASSIGN_OR_RETURN(receipt::Document voucher, BuildVoucherDocument(sold, profile));
    MYKEY_ASSIGN_OR_RETURN(receipt::Document reprint, BuildVoucherDocument(duplicate, profile));
    MYKEY_ASSIGN_OR_RETURN(receipt::Document redemption,
                           BuildRedemptionReceipt(SampleRedemption(), profile));
    MYKEY_ASSIGN_OR_RETURN(receipt::Document voucher_redemption,
                           BuildRedemptionReceipt(SampleVoucherRedemption(), profile));
    MYKEY_ASSIGN_OR_RETURN(receipt::Document refund, BuildRefundReceipt(SampleRefund(), profile));
    renders.push_back({std::string("voucher-") + paper, profile_name, std::move(voucher)});
    renders.push_back(
        {std::string("voucher-duplicate-") + paper, profile_name, std::move(reprint)});
    renders.push_back({std::string("redemption-") + paper, profile_name, std::move(redemption)});
    renders.push_back(
        {std::string("voucher-redemption-") + paper, profile_name, std::move(voucher_redemption)});
    renders.push_back({std::string("refund-") + paper, profile_name, std::move(refund)});
  }
  return renders;
}

Result<vprinter::PrintedJob> PrintOnVirtualPrinter(const receipt::Document& document,
                                                   const receipt::PrinterProfile& profile,
                                                   receipt::GlyphRasterizer* rasterizer) {
  receipt::EscPosEncoder encoder(profile, rasterizer);
  MYKEY_ASSIGN_OR_RETURN(receipt::EncodedReceipt encoded, encoder.Encode(document));
  vprinter::VirtualPrinterOptions options;
  options.paper_dots = profile.printable_dots;
  vprinter::VirtualPrinter printer(options);
  (void)printer.Feed(encoded.bytes);
  printer.EndOfStream();
  std::vector<vprinter::PrintedJob> jobs = printer.jobs();
  if (jobs.empty()) return Fail(ErrorCode::kInternal, "the virtual printer finished no job");
  return jobs.front();
}

Result<receipt::Bitmap> RenderOnVirtualPrinter(const receipt::Document& document,
                                               const receipt::PrinterProfile& profile,
                                               receipt::GlyphRasterizer* rasterizer) {
  MYKEY_ASSIGN_OR_RETURN(vprinter::PrintedJob job,
                         PrintOnVirtualPrinter(document, profile, rasterizer));
  return vprinter::RenderJob(job, rasterizer);
}

}  // namespace mykey::voucher::testing
