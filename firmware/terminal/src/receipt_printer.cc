#include "mykey/terminal/receipt_printer.h"

#include "mykey/base/log.h"
#include "mykey/printer/print_job.h"
#include "mykey/receipt/escpos_encoder.h"

namespace mykey::terminal {

PrintState EscPosReceiptPrinter::Print(const Result<receipt::Document>& document) {
  if (!document) {
    log::Write(log::Level::kError, "terminal",
               "receipt layout failed: " + document.error().ToString());
    return PrintState::kNotPrinted;
  }
  auto bytes = receipt::EncodeEscPos(*document, profile_);
  if (!bytes) {
    log::Write(log::Level::kError, "terminal",
               "receipt encoding failed: " + bytes.error().ToString());
    return PrintState::kNotPrinted;
  }
  auto outcome = printer::PrintJob(port_, *bytes, job_);
  if (!outcome) {
    // The printer could not be reached: no byte of the receipt was written.
    log::Write(log::Level::kWarning, "terminal", "printer: " + outcome.error().ToString());
    (void)port_.Close();
    return PrintState::kNotPrinted;
  }
  switch (outcome->result) {
    case printer::JobResult::kPrinted: return PrintState::kPrinted;
    case printer::JobResult::kUnconfirmed:
      if (outcome->error) {
        // The transport failed mid-job: the paper may or may not have come out.
        log::Write(log::Level::kWarning, "terminal", "printer: " + outcome->error->ToString());
        return PrintState::kUnknown;
      }
      // A one-way printer cannot say; a two-way one that did not answer the job's process ID
      // in time may or may not have printed it.
      if (outcome->before) {  // the status was read: a two-way printer
        log::Write(log::Level::kWarning, "terminal", "printer: the job was not confirmed in time");
        return PrintState::kUnknown;
      }
      return PrintState::kUnconfirmed;
    case printer::JobResult::kNotPrinted:
      log::Write(log::Level::kWarning, "terminal",
                 std::string("printer: not printed (") + printer::FaultName(outcome->fault) + ")");
      return PrintState::kNotPrinted;
  }
  return PrintState::kUnknown;
}

Status EscPosReceiptPrinter::DoCheckProofOfPrint() {
  MYKEY_TRY(port_.Open());
  if (!port_.two_way()) {
    return Fail(ErrorCode::kFailedPrecondition,
                "the printer cannot report its status (a one-way port): no print can be proven");
  }
  return Ok();
}

PrintState EscPosReceiptPrinter::DoPrintRedemption(const voucher::RedemptionReceiptData& data) {
  return Print(voucher::BuildRedemptionReceipt(data, profile_));
}

PrintState EscPosReceiptPrinter::DoPrintRefund(const voucher::RefundReceiptData& data) {
  return Print(voucher::BuildRefundReceipt(data, profile_));
}

PrintState EscPosReceiptPrinter::DoPrintVoucher(const voucher::VoucherPrintData& data) {
  return Print(voucher::BuildVoucherDocument(data, profile_));
}

}  // namespace mykey::terminal
