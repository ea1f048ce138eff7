#pragma once

// EscPosReceiptPrinter: receipts and vouchers laid out by sdk/voucher,
// encoded by sdk/receipt for the configured printer profile and printed on a
// hal/printer port with proof of print (DLE EOT status before and after).

#include <string>

#include "mykey/printer/printer_port.h"
#include "mykey/receipt/printer_profile.h"
#include "mykey/terminal/flow.h"

namespace mykey::terminal {

/// A ReceiptPrinter over a PrinterPort.
///
/// Thread safety: as ReceiptPrinter (one thread).
class EscPosReceiptPrinter final : public ReceiptPrinter {
 public:
  /// @param port    borrowed; must outlive the printer (opened on first use)
  /// @param profile the printer's profile (paper, kanji, native QR)
  EscPosReceiptPrinter(printer::PrinterPort& port, receipt::PrinterProfile profile)
      : port_(port), profile_(std::move(profile)) {}

 private:
  PrintState DoPrintRedemption(const voucher::RedemptionReceiptData& data) override;
  PrintState DoPrintRefund(const voucher::RefundReceiptData& data) override;
  PrintState DoPrintVoucher(const voucher::VoucherPrintData& data) override;
  Status DoCheckProofOfPrint() override;
  PrintState Print(const Result<receipt::Document>& document);

  printer::PrinterPort& port_;
  receipt::PrinterProfile profile_;
};

}  // namespace mykey::terminal
