#include "mykey/vprinter/job_render.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "mykey/receipt/escpos_encoder.h"
#include "mykey/receipt/qr.h"
#include "mykey/testing/catch.h"

namespace mykey::vprinter {
namespace {

PrintedJob Printed(const Bytes& bytes, int paper = 384) {
  VirtualPrinterOptions options;
  options.paper_dots = paper;
  VirtualPrinter printer(options);
  (void)printer.Feed(bytes);
  printer.EndOfStream();
  return printer.jobs().at(0);
}

TEST_CASE("A page is as wide as the paper: 384 or 576 dots") {
  const Bytes job = BytesOf("\x1b@A\n");
  auto page58 = RenderJob(Printed(job, 384), nullptr);
  auto page80 = RenderJob(Printed(job, 576), nullptr);
  REQUIRE(page58);
  REQUIRE(page80);
  CHECK(page58->width() == 384);
  CHECK(page80->width() == 576);
  CHECK(page58->height() == 30);
}

TEST_CASE("A printed QR code renders to a symbol that decodes to its payload") {
  const Bytes qr = {0x1B, 'a', 1,   0x1D, '(', 'k', 3,  0,   49,   67,  5,   0x1D,
                    '(',  'k', 8,   0,    49,  80,  48, 'M', 'Y',  'K', 'E', 'Y',
                    0x1D, '(', 'k', 3,    0,   49,  81, 48,  0x1B, 'd', 4};
  auto page = RenderJob(Printed(qr), nullptr);
  REQUIRE(page);
  auto decoded = receipt::DecodeQr(*page);
  REQUIRE(decoded);
  CHECK(*decoded == "MYKEY");
}

TEST_CASE("Kanji text is drawn with the font (ink inside the line)") {
  auto rasterizer = receipt::GlyphRasterizer::Open();
  REQUIRE(rasterizer);
  const Bytes job = {0x1C, 'C', 1, 0x1C, '&', 0x97, 0x4C, 0x8C, 0xF8, 0x1C, '.', '\n'};
  auto page = RenderJob(Printed(job), rasterizer->get());
  REQUIRE(page);
  CHECK(page->Cropped(0, 0, 48, 24).CountBlack() > 40);
  CHECK(page->Cropped(48, 0, 336, 30).CountBlack() == 0);
}

TEST_CASE("Job files are a PNG and a JSON summary named after the job number") {
  char dir_template[] = "/tmp/vprinter_test_XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  const std::string dir = dir_template;
  Bytes bytes = BytesOf("\x1b@Total 100\n\x1dV");
  bytes.push_back(0x00);
  PrintedJob job = Printed(bytes);
  REQUIRE(WriteJobFiles(job, dir, nullptr));
  CHECK(std::filesystem::file_size(dir + "/job-0001.png") > 8);
  std::ifstream in(dir + "/job-0001.json");
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str().find("\"completed\": true") != std::string::npos);
  CHECK(text.str().find("\"Total 100\"") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("The summary of a failed job says why") {
  PrintedJob job;
  job.number = 7;
  job.completed = false;
  job.failure = "paper end";
  const std::string json = JobSummaryJson(job, "job-0007.png");
  CHECK(json.find("\"failure\": \"paper end\"") != std::string::npos);
  CHECK(JobFileStem(7) == "job-0007");
}

// The horizontal middle of the ink in rows [top, top + height), or -1 when there is none.
int InkMiddle(const receipt::Bitmap& page, int top, int height) {
  int left = page.width();
  int right = -1;
  for (int y = top; y < top + height && y < page.height(); ++y) {
    for (int x = 0; x < page.width(); ++x) {
      if (!page.Get(x, y)) continue;
      left = std::min(left, x);
      right = std::max(right, x);
    }
  }
  return right < 0 ? -1 : (left + right) / 2;
}

TEST_CASE("A centred line drawn as a raster is centred once, after a centred text line too") {
  auto rasterizer = receipt::GlyphRasterizer::Open();
  REQUIRE(rasterizer);
  const receipt::TextStyle centred{1, 1, false, false, receipt::Alignment::kCenter};
  for (const char* name : {"generic-58-kanji", "generic-80-kanji"}) {
    CAPTURE(name);
    auto profile = receipt::PrinterProfile::Named(name);
    REQUIRE(profile);
    // The second line holds 﨑 (not in JIS X 0208), so it is sent as a GS v 0 raster after a
    // line that left the printer's justification at "centre".
    receipt::Document doc;
    doc.Text("ABCD", centred).Text("山﨑商店", centred).Text("EFGH", centred);
    receipt::EscPosEncoder encoder(*profile, rasterizer->get());
    auto encoded = encoder.Encode(doc);
    REQUIRE(encoded);
    REQUIRE(encoded->raster_text_lines == 1);
    auto page = RenderJob(Printed(encoded->bytes, profile->printable_dots), rasterizer->get());
    REQUIRE(page);
    const int line = profile->line_spacing_dots;
    const int middle = profile->printable_dots / 2;
    for (int row = 0; row < 3; ++row) {
      CAPTURE(row);
      CHECK(std::abs(InkMiddle(*page, row * line, line) - middle) <= 8);
    }
  }
}

}  // namespace
}  // namespace mykey::vprinter
