// VoucherIssuer before it asks the cloud: a printer that cannot prove a print
// (one-way, absent) issues nothing. The cloud flows (lost confirmation, a
// printer dropping mid-voucher) run against the real cloud in
// tests/integration/voucher/voucher_cloud_test.cc.
#include "mykey/voucher/voucher_issuer.h"

#include "mykey/printer_fake/fake_printer_port.h"
#include "mykey/receipt/printer_profile.h"
#include "mykey/testing/catch.h"

namespace mykey::voucher {
namespace {

/// Counts the calls; answers none (the tests expect none).
class CountingTransport final : public http_client::HttpTransport {
 public:
  int calls = 0;

 private:
  Result<http_client::HttpResponse> DoRoundTrip(const http_client::HttpRequest&) override {
    ++calls;
    return Fail(ErrorCode::kUnavailable, "no cloud in this test");
  }
};

struct Rig {
  CountingTransport transport;
  std::unique_ptr<cloud_client::CloudClient> cloud;

  Rig() {
    cloud_client::CloudClientOptions options;
    options.base_url = "https://cloud.example.jp";
    options.retry_backoff = std::chrono::milliseconds(0);
    auto made = cloud_client::CloudClient::Create(transport, options, std::nullopt);
    REQUIRE(made);
    cloud = std::move(*made);
  }

  VoucherIssuer Issuer(printer::PrinterPort& port) {
    VoucherIssuerOptions options;
    options.profile = receipt::PrinterProfile::Named("generic-58-kanji").value();
    return VoucherIssuer(*cloud, port, options);
  }
};

cloud_client::VoucherIssueRequest Request() {
  cloud_client::VoucherIssueRequest request;
  request.mykey_id = "AB23CD45";
  request.programme_id = 1;
  request.amount = 500;
  request.expires_on = "2099-12-31";
  request.idempotency_key = "kiosk-1";
  return request;
}

VoucherPrintData Look() {
  VoucherPrintData look;
  look.municipality_name = "千代田区";
  look.programme_name = "健康ポイント";
  return look;
}

TEST_CASE("On a one-way printer no voucher is issued: refused before the cloud is asked") {
  Rig rig;
  printer::FakePrinterPort one_way(/*two_way=*/false);
  auto issuer = rig.Issuer(one_way);
  for (OnPrintFailure on_failure : {OnPrintFailure::kVoid, OnPrintFailure::kKeepPending}) {
    auto issued = issuer.Issue(Request(), Look(), on_failure);
    REQUIRE_FALSE(issued);
    CHECK(issued.error().code() == ErrorCode::kFailedPrecondition);
    CHECK(std::string(issued.error().message()).find("status") != std::string::npos);
  }
  auto reprinted = issuer.Reprint("kiosk-1", "7KQ4-MX2P-R9", Look(), OnPrintFailure::kKeepPending);
  REQUIRE_FALSE(reprinted);
  CHECK(reprinted.error().code() == ErrorCode::kFailedPrecondition);
  CHECK(rig.transport.calls == 0);
  CHECK(one_way.job_bytes().empty());
}

TEST_CASE("An absent printer issues nothing: the port's error, before the cloud is asked") {
  Rig rig;
  printer::FakePrinterPort absent;
  absent.set_absent(true);
  auto issuer = rig.Issuer(absent);
  auto issued = issuer.Issue(Request(), Look(), OnPrintFailure::kVoid);
  REQUIRE_FALSE(issued);
  CHECK(issued.error().code() == ErrorCode::kUnavailable);
  CHECK(rig.transport.calls == 0);
}

}  // namespace
}  // namespace mykey::voucher
