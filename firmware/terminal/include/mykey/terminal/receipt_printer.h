#pragma once

// EscPosReceiptPrinter: receipts and vouchers laid out by sdk/voucher,
// encoded by sdk/receipt for the configured printer profile and printed on a
// hal/printer port with proof of print (printer::PrintJob()).

#include <string>

#include "mykey/printer/print_job.h"
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
  /// @param job     how jobs are confirmed (printer::PrintJob()'s options)
  EscPosReceiptPrinter(printer::PrinterPort& port, receipt::PrinterProfile profile,
                       printer::PrintJobOptions job = {})
      : port_(port), profile_(std::move(profile)), job_(job) {}

 private:
  PrintState DoPrintRedemption(const voucher::RedemptionReceiptData& data) override;
  PrintState DoPrintRefund(const voucher::RefundReceiptData& data) override;
  PrintState DoPrintVoucher(const voucher::VoucherPrintData& data) override;
  Status DoCheckProofOfPrint() override;
  PrintState Print(const Result<receipt::Document>& document);

  printer::PrinterPort& port_;
  receipt::PrinterProfile profile_;
  printer::PrintJobOptions job_;
};

}  // namespace mykey::terminal
