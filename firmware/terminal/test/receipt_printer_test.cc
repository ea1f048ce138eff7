#include "mykey/terminal/receipt_printer.h"

#include "mykey/printer_fake/fake_printer_port.h"
#include "mykey/testing/catch.h"

namespace mykey::terminal {
namespace {

voucher::RedemptionReceiptData Receipt() {
  voucher::RedemptionReceiptData data;
  data.merchant_name = "さくら商店";
  data.programme_name = "千代田区ポイント";
  data.time = std::chrono::sys_seconds(std::chrono::seconds(1'743'470'100));
  data.points = 500;
  data.balance_after = 4500;
  data.operation_id = "R42";
  data.mykey_id = "HANAKO1234";
  return data;
}

receipt::PrinterProfile Profile() {
  auto profile = receipt::PrinterProfile::Named("generic-58-kanji");
  REQUIRE(profile.has_value());
  return *profile;
}

TEST_CASE("a receipt on a two-way printer is printed with proof") {
  printer::FakePrinterPort port;
  EscPosReceiptPrinter printer(port, Profile());
  CHECK(printer.PrintRedemption(Receipt()) == PrintState::kPrinted);
  CHECK_FALSE(port.job_bytes().empty());
  CHECK(port.status_reads() >= 2);
}

TEST_CASE("a receipt on a printer without paper is not printed") {
  printer::FakePrinterPort port;
  printer::PrinterStatus status;
  status.paper_end = true;
  port.set_status(status);
  EscPosReceiptPrinter printer(port, Profile());
  CHECK(printer.PrintRedemption(Receipt()) == PrintState::kNotPrinted);
  CHECK(port.job_bytes().empty());
}

TEST_CASE("a receipt on a one-way printer is unconfirmed") {
  printer::FakePrinterPort port(false);
  EscPosReceiptPrinter printer(port, Profile());
  CHECK(printer.PrintRedemption(Receipt()) == PrintState::kUnconfirmed);
}

TEST_CASE("a printer that cannot be reached has not printed the receipt") {
  printer::FakePrinterPort port;
  port.set_absent(true);
  EscPosReceiptPrinter printer(port, Profile());
  CHECK(printer.PrintRedemption(Receipt()) == PrintState::kNotPrinted);
  CHECK(port.job_bytes().empty());
}

TEST_CASE("a two-way printer that does not confirm the job in time leaves its fate unknown") {
  printer::FakePrinterPort port;
  port.set_answers_process_id(false);
  printer::PrintJobOptions job;
  job.completion_base = std::chrono::milliseconds(50);
  job.status_poll_interval = std::chrono::milliseconds(10);
  job.clear_timeout = std::chrono::milliseconds(50);
  EscPosReceiptPrinter printer(port, Profile(), job);
  CHECK(printer.PrintRedemption(Receipt()) == PrintState::kUnknown);
}

TEST_CASE("a receipt the layout refuses is not printed") {
  printer::FakePrinterPort port;
  EscPosReceiptPrinter printer(port, Profile());
  auto data = Receipt();
  data.points = 0;
  CHECK(printer.PrintRedemption(data) == PrintState::kNotPrinted);
  CHECK(port.job_bytes().empty());
}

TEST_CASE("only a printer that reports its status can prove a voucher's print") {
  printer::FakePrinterPort two_way;
  CHECK(EscPosReceiptPrinter(two_way, Profile()).CheckProofOfPrint());
  printer::FakePrinterPort one_way(false);
  auto refused = EscPosReceiptPrinter(one_way, Profile()).CheckProofOfPrint();
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == ErrorCode::kFailedPrecondition);
  printer::FakePrinterPort absent;
  absent.set_absent(true);
  auto gone = EscPosReceiptPrinter(absent, Profile()).CheckProofOfPrint();
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code() == ErrorCode::kUnavailable);
  CHECK(two_way.job_bytes().empty());  // nothing printed by asking
}

}  // namespace
}  // namespace mykey::terminal
