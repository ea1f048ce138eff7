#pragma once

// Fixed sample vouchers and receipts for the tests, the golden renders and the scan bench: a
// voucher key derived from a seed (never a production key), vouchers whose names hold kanji
// outside Shift_JIS (𠮷, 髙, 﨑), and a way to print a document on the virtual printer
// in-process and get the page back.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "mykey/base/result.h"
#include "mykey/crypto/ecdsa.h"
#include "mykey/protocol/voucher_token.h"
#include "mykey/receipt/bitmap.h"
#include "mykey/receipt/document.h"
#include "mykey/receipt/glyph_rasterizer.h"
#include "mykey/receipt/printer_profile.h"
#include "mykey/voucher/voucher_layout.h"
#include "mykey/vprinter/virtual_printer.h"

namespace mykey::voucher::testing {

/// The voucher key of the samples: ECDSA P-256 from DeterministicRandom("mykey-voucher-sample",
/// "voucher-key-1"). Test only.
/// @returns kInternal if key generation fails.
Result<crypto::EcdsaPrivateKey> SampleVoucherKey();

/// A key ring holding SampleVoucherKey()'s public key.
Result<protocol::VoucherKeyRing> SampleKeyRing();

/// 2027-01-15 12:00 JST: a day on which the samples are valid.
std::chrono::sys_seconds SampleNow();

/// A premium voucher sold for cash: 髙﨑市 (102024) programme 3 "𠮷田まつりポイント", 500 points,
/// issued 2026-12-01, expires 2027-05-31 (the last day the 6-month rule allows), serial
/// 7KQ4-MX2P-R9 style fixed value.
protocol::VoucherFields SampleSoldFields();

/// A granted voucher: same programme, 1,000 points, issued 2026-12-01, expires 2027-11-30.
protocol::VoucherFields SampleGrantedFields();

/// The print data of `fields` signed with `key`: names with 𠮷, 髙, 﨑, three conditions, an
/// issuer for sold vouchers, and `reprint_of` as given.
Result<VoucherPrintData> SamplePrintData(const protocol::VoucherFields& fields,
                                         const crypto::EcdsaPrivateKey& key,
                                         std::optional<protocol::VoucherSerial> reprint_of = {});

/// The cloud's ids in the samples, as long as a national system's get (10 digits).
inline constexpr int64_t kSampleRedemptionId = 4'294'967'311;
inline constexpr int64_t kSampleRefundTransferId = 8'589'934'597;

/// A redemption of 300 points of the holder's account at "山﨑商店 駅前店", as the terminal
/// prints it: balance after, 取引番号 RedemptionNumber(kSampleRedemptionId), masked MyKey ID.
RedemptionReceiptData SampleRedemption();
/// SampleGrantedFields()'s voucher redeemed at the same shop: 券番号, no balance (a voucher has no
/// account), no MyKey ID, no 取引番号 (the 券番号 is its reference).
RedemptionReceiptData SampleVoucherRedemption();
/// A refund of 120 points of SampleRedemption(): 元の取引番号 is the redemption's 取引番号.
RefundReceiptData SampleRefund();

/// One golden render: a file stem ("voucher-58"), a printer profile name and the document.
struct GoldenRender {
  std::string name;
  std::string profile;
  receipt::Document document;
};

/// The golden renders: the sold voucher, a duplicate (再発行) of the granted voucher, the
/// redemption, the voucher redemption and the refund receipt, each on 58 mm and 80 mm paper
/// ("generic-58-kanji", "generic-80-kanji").
Result<std::vector<GoldenRender>> GoldenRenders();

/// Encodes `document` for `profile`, feeds the bytes to an in-process VirtualPrinter of the
/// profile's paper width and returns the finished job.
/// @returns the job; the encoder's errors; kInternal if the printer finished no job.
Result<vprinter::PrintedJob> PrintOnVirtualPrinter(const receipt::Document& document,
                                                   const receipt::PrinterProfile& profile,
                                                   receipt::GlyphRasterizer* rasterizer);

/// PrintOnVirtualPrinter() then vprinter::RenderJob(): the page as it comes out.
Result<receipt::Bitmap> RenderOnVirtualPrinter(const receipt::Document& document,
                                               const receipt::PrinterProfile& profile,
                                               receipt::GlyphRasterizer* rasterizer);

}  // namespace mykey::voucher::testing
