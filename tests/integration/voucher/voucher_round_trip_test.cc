// The whole voucher path over the real transport: layout, ESC/POS for 58 and 80 mm (native and
// raster QR), TCP to the virtual printer on an ephemeral loopback port, the job's PNG and JSON,
// scanning the PNG, verifying the token. Kanji outside Shift_JIS (𠮷, 髙, 﨑) must print, never
// as '?'. Paper out mid-voucher: the job is not printed, and the reprint is a marked duplicate.
#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "mykey/json/json.h"
#include "mykey/printer/print_job.h"
#include "mykey/printer_tcp/tcp_printer_port.h"
#include "mykey/receipt/escpos_encoder.h"
#include "mykey/receipt/glyph_rasterizer.h"
#include "mykey/testing/catch.h"
#include "mykey/testing/temp_dir.h"
#include "mykey/voucher/voucher_layout.h"
#include "mykey/voucher/voucher_scanner.h"
#include "mykey/voucher_testing/sample_vouchers.h"
#include "mykey/vprinter/job_render.h"
#include "mykey/vprinter/printer_server.h"
#include "mykey/vprinter/virtual_printer.h"

namespace mykey::voucher {
namespace {

using std::chrono::milliseconds;

receipt::PrinterProfile Profile(const std::string& name) {
  if (name == "generic-80-kanji-raster-qr") {
    auto p = receipt::PrinterProfile::Named("generic-80-kanji");
    REQUIRE(p);
    p->name = name;
    p->native_qr = false;
    return *p;
  }
  auto p = receipt::PrinterProfile::Named(name);
  REQUIRE(p);
  return *p;
}

// A virtual printer of the profile's paper width behind a TCP server on an ephemeral loopback
// port, and the terminal's port to it.
struct LoopbackPrinter {
  // A faulted job's rest waits in the printer's buffer, as on a real printer, until PrintJob()
  // clears it.
  explicit LoopbackPrinter(const receipt::PrinterProfile& profile) : printer(Options(profile)) {
    vprinter::ServerOptions options;
    options.port = 0;
    auto listening = vprinter::PrinterServer::ListenTcp(printer, options);
    REQUIRE(listening);
    server = std::move(*listening);
    printer::TcpPrinterOptions port_options;
    port_options.port = server->port();
    port = std::make_unique<printer::TcpPrinterPort>(port_options);
  }
  ~LoopbackPrinter() {
    (void)port->Close();
    server->Stop();
  }
  // Sends one job, closes the connection (which ends a job that never reached its cut) and
  // waits for the printer to finish it.
  printer::JobOutcome Print(const Bytes& job) {
    const size_t before = printer.jobs_finished();
    auto outcome = printer::PrintJob(*port, job, {});
    REQUIRE(outcome);
    REQUIRE(port->Close());
    REQUIRE(printer.WaitForJobs(before + 1, milliseconds(5000)));
    return *outcome;
  }

  static vprinter::VirtualPrinterOptions Options(const receipt::PrinterProfile& profile) {
    vprinter::VirtualPrinterOptions options;
    options.paper_dots = profile.printable_dots;
    return options;
  }

  vprinter::VirtualPrinter printer;
  std::unique_ptr<vprinter::PrinterServer> server;
  std::unique_ptr<printer::TcpPrinterPort> port;
};

struct Samples {
  Samples() {
    auto k = testing::SampleVoucherKey();
    REQUIRE(k);
    key = std::make_unique<crypto::EcdsaPrivateKey>(std::move(*k));
    auto r = testing::SampleKeyRing();
    REQUIRE(r);
    ring = *r;
    auto fonts = receipt::GlyphRasterizer::Open();
    REQUIRE(fonts);
    rasterizer = std::move(*fonts);
  }
  VoucherPrintData Sold(std::optional<protocol::VoucherSerial> reprint_of = {}) {
    auto data = testing::SamplePrintData(testing::SampleSoldFields(), *key, reprint_of);
    REQUIRE(data);
    return *data;
  }
  Bytes Encode(const VoucherPrintData& data, const receipt::PrinterProfile& profile,
               receipt::QrPlacement* qr = nullptr) {
    auto doc = BuildVoucherDocument(data, profile);
    REQUIRE(doc);
    receipt::EscPosEncoder encoder(profile, rasterizer.get());
    auto encoded = encoder.Encode(*doc);
    REQUIRE(encoded);
    REQUIRE(encoded->qr_codes.size() == 1);
    if (qr != nullptr) *qr = encoded->qr_codes.front();
    return encoded->bytes;
  }

  std::unique_ptr<crypto::EcdsaPrivateKey> key;
  protocol::VoucherKeyRing ring;
  std::unique_ptr<receipt::GlyphRasterizer> rasterizer;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool SameRaster(const vprinter::PrintedRaster& a, const vprinter::PrintedRaster& b) {
  return a.width_bytes == b.width_bytes && a.height == b.height && a.packed == b.packed;
}

// What one line of text prints as on this profile (through the same encoder and printer model,
// in-process): the lines the printer decodes and the raster images of the fallback.
vprinter::PrintedJob PrintedLine(const std::string& text, const receipt::TextStyle& style,
                                 const receipt::PrinterProfile& profile,
                                 receipt::GlyphRasterizer* rasterizer) {
  receipt::Document doc;
  doc.Text(text, style);
  auto job = testing::PrintOnVirtualPrinter(doc, profile, rasterizer);
  REQUIRE(job);
  return *job;
}

// Every element `line` printed as is somewhere in `job`: its decoded text among the job's text
// lines, its raster images among the job's rasters.
void CheckPrinted(const vprinter::PrintedJob& job, const vprinter::PrintedJob& line) {
  for (const vprinter::PrintedElement& element : line.elements) {
    if (const auto* text = std::get_if<vprinter::PrintedText>(&element)) {
      INFO("native line: " << text->utf8());
      CHECK(std::find(job.text_lines.begin(), job.text_lines.end(), text->utf8()) !=
            job.text_lines.end());
    } else if (const auto* raster = std::get_if<vprinter::PrintedRaster>(&element)) {
      const bool found = std::any_of(job.elements.begin(), job.elements.end(),
                                     [&](const vprinter::PrintedElement& e) {
                                       const auto* r = std::get_if<vprinter::PrintedRaster>(&e);
                                       return r != nullptr && SameRaster(*r, *raster);
                                     });
      CHECK(found);
    }
  }
}

size_t RasterCount(const vprinter::PrintedJob& job) {
  return static_cast<size_t>(std::count_if(
      job.elements.begin(), job.elements.end(), [](const vprinter::PrintedElement& e) {
        return std::holds_alternative<vprinter::PrintedRaster>(e);
      }));
}

TEST_CASE("A voucher printed over TCP on the virtual printer scans back to its signed fields") {
  Samples samples;
  const VoucherPrintData data = samples.Sold();
  for (const std::string name : {"generic-58-kanji", "generic-58-kanji-raster-qr",
                                 "generic-80-kanji", "generic-80-kanji-raster-qr"}) {
    INFO("profile " << name);
    const receipt::PrinterProfile profile = Profile(name);
    receipt::QrPlacement qr;
    const Bytes job_bytes = samples.Encode(data, profile, &qr);
    CHECK(qr.version == 6);
    CHECK(qr.native == profile.native_qr);

    LoopbackPrinter loopback(profile);
    const printer::JobOutcome outcome = loopback.Print(job_bytes);
    CHECK(outcome.result == printer::JobResult::kPrinted);
    CHECK(outcome.bytes_written == job_bytes.size());
    const vprinter::PrintedJob job = loopback.printer.jobs().back();
    CHECK(job.completed);
    CHECK(job.cut);
    CHECK(job.bytes_received == job_bytes.size());

    mykey::testing::TempDir dir("voucher-round-trip");
    REQUIRE(vprinter::WriteJobFiles(job, dir.path(), samples.rasterizer.get()));
    const std::string png = dir.File(vprinter::JobFileStem(job.number) + ".png");
    auto scanned = ScanVoucher(png, samples.ring, testing::SampleNow());
    REQUIRE(scanned);
    CHECK(scanned->text == data.token);
    CHECK(scanned->fields() == testing::SampleSoldFields());
    CHECK(scanned->token.key_id == samples.key->KeyId());

    // The JSON sidecar: the decoded text lines hold the Japanese text, none a '?'.
    auto summary = json::ParseJson(ReadFile(dir.File(vprinter::JobFileStem(job.number) + ".json")));
    REQUIRE(summary);
    std::vector<std::string> lines;
    for (const auto& line : (*summary)["text_lines"]) lines.push_back(line.get<std::string>());
    CHECK(lines == job.text_lines);
    for (const std::string& line : lines) {
      INFO("printed line: " << line);
      CHECK(line.find('?') == std::string::npos);
    }
    auto has = [&](const std::string& part) {
      return std::any_of(lines.begin(), lines.end(),
                         [&](const std::string& l) { return l.find(part) != std::string::npos; });
    };
    CHECK(has("ポイント券"));
    CHECK(has("500 ポイント"));
    CHECK(has("2027年5月31日"));
    CHECK(has("2026年12月1日"));
    CHECK(has(testing::SampleSoldFields().serial.ToString()));
    CHECK(has("前払式支払手段の表示"));
  }
}

TEST_CASE("Kanji outside Shift_JIS print through the raster fallback, never as '?'") {
  Samples samples;
  const VoucherPrintData data = samples.Sold();
  for (const char32_t c : {U'𠮷', U'髙', U'﨑'}) CHECK(samples.rasterizer->HasGlyph(c));
  for (const std::string name : {"generic-58-kanji", "generic-80-kanji"}) {
    INFO("profile " << name);
    const receipt::PrinterProfile profile = Profile(name);
    LoopbackPrinter loopback(profile);
    REQUIRE(loopback.Print(samples.Encode(data, profile)).printed());
    const vprinter::PrintedJob job = loopback.printer.jobs().back();

    // Each line with 𠮷, 髙 or 﨑 went out as exactly the raster the encoder draws for it.
    receipt::TextStyle title;
    title.alignment = receipt::Alignment::kCenter;
    title.width_scale = 2;
    title.height_scale = 2;
    title.bold = true;
    receipt::TextStyle centre;
    centre.alignment = receipt::Alignment::kCenter;
    const vprinter::PrintedJob municipality =
        PrintedLine(data.municipality_name, title, profile, samples.rasterizer.get());
    const vprinter::PrintedJob programme =
        PrintedLine(data.programme_name, centre, profile, samples.rasterizer.get());
    REQUIRE(RasterCount(municipality) == 1);
    REQUIRE(RasterCount(programme) == 1);
    CheckPrinted(job, municipality);
    CheckPrinted(job, programme);
    // The conditions, line by line as the layout wrapped them (with a hanging indent).
    auto document = BuildVoucherDocument(data, profile);
    REQUIRE(document);
    bool in_conditions = false;
    int condition_lines = 0;
    for (const receipt::Element& element : document->elements()) {
      const auto* line = std::get_if<receipt::TextLine>(&element);
      if (line == nullptr) {
        if (in_conditions) break;  // the rule after them
        continue;
      }
      if (line->utf8 == "利用条件") {
        in_conditions = true;
        continue;
      }
      if (!in_conditions) continue;
      INFO("condition line " << line->utf8);
      ++condition_lines;
      CheckPrinted(job, PrintedLine(line->utf8, line->style, profile, samples.rasterizer.get()));
    }
    CHECK(condition_lines >= static_cast<int>(data.conditions.size()));
    CheckPrinted(job, PrintedLine("発行者" + std::string(profile.columns == 32 ? 8 : 24, ' ') +
                                      data.issuer->name,
                                  {}, profile, samples.rasterizer.get()));

    // Had 𠮷 been replaced by '?', the raster would differ: the glyph is really drawn.
    const vprinter::PrintedJob question =
        PrintedLine("?田まつりポイント", centre, profile, samples.rasterizer.get());
    for (const vprinter::PrintedElement& element : question.elements) {
      CHECK_FALSE(std::holds_alternative<vprinter::PrintedRaster>(element));
    }
    for (const std::string& line : job.text_lines) CHECK(line.find('?') == std::string::npos);
  }
}

TEST_CASE("Paper out mid-voucher: not printed, and the reprint is a duplicate that scans") {
  Samples samples;
  const receipt::PrinterProfile profile = Profile("generic-58-kanji");
  const VoucherPrintData data = samples.Sold();
  const Bytes job_bytes = samples.Encode(data, profile);
  LoopbackPrinter loopback(profile);

  loopback.printer.SetFaultAfter(vprinter::Fault::kPaperOut, job_bytes.size() / 2);
  const printer::JobOutcome failed = loopback.Print(job_bytes);
  CHECK(failed.result == printer::JobResult::kNotPrinted);
  CHECK(failed.fault == printer::PrinterFault::kPaperEnd);
  CHECK_FALSE(failed.refused_before_write);
  REQUIRE(loopback.printer.jobs_finished() == 1);
  const vprinter::PrintedJob torn = loopback.printer.jobs().back();
  CHECK_FALSE(torn.completed);
  CHECK(torn.failure == "paper end");

  // While the paper is out, the next job is refused before a byte is written.
  auto refused = printer::PrintJob(*loopback.port, job_bytes, {});
  REQUIRE(refused);
  CHECK(refused->result == printer::JobResult::kNotPrinted);
  CHECK(refused->refused_before_write);
  CHECK(refused->bytes_written == 0);
  REQUIRE(loopback.port->Close());
  CHECK(loopback.printer.jobs_finished() == 1);

  // Paper replaced: the voucher is printed again as a marked duplicate of the same serial.
  loopback.printer.SetFault(vprinter::Fault::kNone);
  const VoucherPrintData reprint = samples.Sold(testing::SampleSoldFields().serial);
  const printer::JobOutcome printed = loopback.Print(samples.Encode(reprint, profile));
  CHECK(printed.printed());
  const vprinter::PrintedJob job = loopback.printer.jobs().back();
  CHECK(job.completed);
  CHECK(std::find(job.text_lines.begin(), job.text_lines.end(), "再発行") != job.text_lines.end());
  CHECK(std::find(job.text_lines.begin(), job.text_lines.end(),
                  "原券番号 " + testing::SampleSoldFields().serial.ToString()) !=
        job.text_lines.end());
  auto page = vprinter::RenderJob(job, samples.rasterizer.get());
  REQUIRE(page);
  auto scanned =
      ScanVoucher(receipt::GreyImage::FromBitmap(*page).view(), samples.ring, testing::SampleNow());
  REQUIRE(scanned);
  CHECK(scanned->fields() == testing::SampleSoldFields());
}

TEST_CASE("Cover opened mid-voucher: the job is reported not printed") {
  Samples samples;
  const receipt::PrinterProfile profile = Profile("generic-80-kanji");
  const Bytes job_bytes = samples.Encode(samples.Sold(), profile);
  LoopbackPrinter loopback(profile);
  loopback.printer.SetFaultAfter(vprinter::Fault::kCoverOpen, job_bytes.size() / 3);
  const printer::JobOutcome outcome = loopback.Print(job_bytes);
  CHECK(outcome.result == printer::JobResult::kNotPrinted);
  CHECK(outcome.fault == printer::PrinterFault::kCoverOpen);
  CHECK_FALSE(loopback.printer.jobs().back().completed);
}

}  // namespace
}  // namespace mykey::voucher
