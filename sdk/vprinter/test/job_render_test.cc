#include "mykey/vprinter/job_render.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <utility>

#include "mykey/receipt/escpos_encoder.h"
#include "mykey/receipt/qr.h"
#include "mykey/testing/catch.h"

namespace mykey::vprinter {
namespace {

using namespace std::string_literals;

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

TEST_CASE("Kanji text is drawn with the font: the glyphs of the characters, not boxes") {
  auto rasterizer = receipt::GlyphRasterizer::Open();
  REQUIRE(rasterizer);
  const Bytes job = {0x1C, 'C', 1, 0x1C, '&', 0x97, 0x4C, 0x8C, 0xF8, 0x1C, '.', '\n'};
  auto page = RenderJob(Printed(job), rasterizer->get());
  REQUIRE(page);
  // What the font draws for 有効 in the printer's cells, 24 x 24 dots each.
  receipt::TextRenderOptions cells;
  cells.pixel_height = 24;
  cells.pixel_width = 24;
  cells.column_dots = 12;
  auto expected = (*rasterizer)->RenderText("有効", cells);
  REQUIRE(expected);
  REQUIRE(expected->width() == 48);
  CHECK(page->Cropped(0, 0, 48, 24) == *expected);
  // A box (.notdef, or no font at all) is not that.
  auto boxes = RenderJob(Printed(job), nullptr);
  REQUIRE(boxes);
  CHECK_FALSE(boxes->Cropped(0, 0, 48, 24) == *expected);
  CHECK(page->Cropped(48, 0, 336, 30).CountBlack() == 0);
}

TEST_CASE("Job files are a PNG and a JSON summary named after the job number") {
  char dir_template[] = "/tmp/vprinter_test_XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  const std::string dir = dir_template;
  Bytes bytes = BytesOf("\x1b@Total 100\n");
  bytes.insert(bytes.end(), {0x1B, 'p', 0, 25, 25, 0x1D, 'V', 0});  // drawer kick, cut
  PrintedJob job = Printed(bytes);
  REQUIRE(WriteJobFiles(job, dir, nullptr));
  CHECK(std::filesystem::file_size(dir + "/job-0001.png") > 8);
  std::ifstream in(dir + "/job-0001.json");
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str().find("\"completed\": true") != std::string::npos);
  CHECK(text.str().find("\"Total 100\"") != std::string::npos);
  CHECK(text.str().find("\"ESC p\": 1") != std::string::npos);
  CHECK(text.str().find("\"cut\": true") != std::string::npos);
  std::filesystem::remove_all(dir);
}

// Runs zbarimg (an independent decoder) on the PNG of `page`; its raw output lines.
std::string Zbar(const receipt::Bitmap& page, const std::string& options = {}) {
  const std::string path = "/tmp/mykey-vprinter-" + std::to_string(::getpid()) + ".png";
  REQUIRE(receipt::WritePng(page, path, 2));
  const std::string command = "zbarimg --raw -q --nodbus " + options + " " + path;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[256];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  (void)::pclose(pipe);
  std::remove(path.c_str());
  while (!output.empty() && output.back() == '\n') output.pop_back();
  return output;
}

// A centred barcode (the paper around it is the quiet zone), HRI below.
Bytes BarcodeJob(uint8_t system, std::string_view data, uint8_t module) {
  Bytes job = {0x1B, '@',    0x1B, 'a', 1, 0x1D, 'h', 80,     0x1D,
               'w',  module, 0x1D, 'H', 2, 0x1D, 'k', system, static_cast<uint8_t>(data.size())};
  job.insert(job.end(), data.begin(), data.end());
  job.insert(job.end(), {0x1B, 'd', 2, 0x1D, 'V', 0});
  return job;
}

TEST_CASE("Barcodes render as their symbology and zbarimg reads them back") {
  struct Case {
    uint8_t system;
    const char* data;
    const char* decoded;
    const char* zbar_options;
  };
  const Case cases[] = {
      {67, "490123456789", "4901234567894", ""},             // EAN-13 / JAN-13, check digit added
      {68, "4901234", "49012347", ""},                       // EAN-8 / JAN-8
      {65, "01234567890", "012345678905", "-Supca.enable"},  // UPC-A
      {69, "MYKEY-42", "MYKEY-42", ""},                      // CODE39
      {70, "12345678", "12345678", ""},                      // ITF
      {71, "A40156B", "A40156B", ""},                        // CODABAR (NW-7)
      {73, "{BSB-0042", "SB-0042", ""},                      // CODE128 (sdk/receipt)
  };
  for (const Case& c : cases) {
    CAPTURE(c.data);
    const PrintedJob job = Printed(BarcodeJob(c.system, c.data, 2));
    REQUIRE(job.elements.size() >= 1);
    const auto* barcode = std::get_if<PrintedBarcode>(&job.elements[0]);
    REQUIRE(barcode != nullptr);
    CHECK(job.ignored.empty());
    auto page = RenderJob(job, nullptr);
    REQUIRE(page);
    CHECK(page->height() == AdvanceDots(job.elements[0]) + 2 * 30);
    CHECK(Zbar(*page, c.zbar_options) == c.decoded);
  }
}

TEST_CASE("The NUL-terminated GS k form prints the same barcode as the counted one") {
  Bytes nul = {0x1B, 'a', 1, 0x1D, 'k', 4, 'A', 'B', 'C', 0, 0x1D, 'V', 0};
  auto page = RenderJob(Printed(nul), nullptr);
  REQUIRE(page);
  CHECK(Zbar(*page) == "ABC");
}

TEST_CASE("ESC * bit images print their columns: 8-dot single density is 2 x 3 dots a bit") {
  // Two columns: the first with the top dot only, the second all eight.
  const Bytes job = {0x1B, '*', 0, 2, 0,    0x80, 0xFF, '\n', 0x1B,
                     '*',  33,  1, 0, 0xFF, 0x00, 0x01, '\n'};
  const PrintedJob printed = Printed(job);
  auto page = RenderJob(printed, nullptr);
  REQUIRE(page);
  // 8-dot single density: 24 dots tall, each bit 2 wide and 3 tall.
  CHECK(page->Cropped(0, 0, 2, 3).CountBlack() == 6);
  CHECK(page->Cropped(0, 3, 2, 21).CountBlack() == 0);
  CHECK(page->Cropped(2, 0, 2, 24).CountBlack() == 48);
  CHECK(page->Cropped(4, 0, 380, 30).CountBlack() == 0);
  // 24-dot double density: one dot a bit, three bytes a column.
  CHECK(page->Cropped(0, 30, 1, 8).CountBlack() == 8);
  CHECK(page->Cropped(0, 38, 1, 15).CountBlack() == 0);
  CHECK(page->Get(0, 53));
}

// The raster of an 16 x 16 dot square outline, packed rows.
Bytes Square() {
  Bytes rows;
  for (int y = 0; y < 16; ++y) {
    const bool edge = y == 0 || y == 15;
    rows.push_back(edge ? 0xFF : 0x80);
    rows.push_back(edge ? 0xFF : 0x01);
  }
  return rows;
}

TEST_CASE("GS ( L and GS 8 L store graphics (fn 112) and print them (fn 50)") {
  const Bytes square = Square();
  Bytes job = {
      0x1D, '(', 'L', static_cast<uint8_t>(10 + square.size()), 0, 48, 112, 48, 1, 1, 49, 16,
      0,    16,  0};
  job.insert(job.end(), square.begin(), square.end());
  job.insert(job.end(), {0x1D, '(', 'L', 2, 0, 48, 50});
  Bytes big = {
      0x1D, '8', 'L', static_cast<uint8_t>(10 + square.size()), 0, 0, 0, 48, 112, 48, 2, 2, 49, 16,
      0,    16,  0};
  big.insert(big.end(), square.begin(), square.end());
  big.insert(big.end(), {0x1D, '8', 'L', 2, 0, 0, 0, 48, 50});
  job.insert(job.end(), big.begin(), big.end());
  const PrintedJob printed = Printed(job);
  REQUIRE(printed.elements.size() == 2);
  auto page = RenderJob(printed, nullptr);
  REQUIRE(page);
  REQUIRE(page->height() == 16 + 32);
  CHECK(page->Cropped(0, 0, 16, 16).CountBlack() == 60);
  CHECK(page->Cropped(0, 16, 32, 32).CountBlack() == 4 * 60);
  CHECK(printed.ignored.empty());
}

TEST_CASE("FS q stores NV images that FS p prints; an image never stored prints a labelled box") {
  // Image 1: 8 x 8 dots, a filled square (columns of 0xFF).
  Bytes job = {0x1C, 'q',  1,    1,    0,   1, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
               0xFF, 0xFF, 0xFF, 0x1C, 'p', 1, 0, 0x1C, 'p',  2,    0};
  const PrintedJob printed = Printed(job);
  REQUIRE(printed.elements.size() == 2);
  CHECK(printed.text_lines.empty());  // no image data printed as text
  auto page = RenderJob(printed, nullptr);
  REQUIRE(page);
  CHECK(page->Cropped(0, 0, 8, 8).CountBlack() == 64);
  CHECK(page->Cropped(8, 0, 376, 8).CountBlack() == 0);
  const auto* box = std::get_if<PrintedPlaceholder>(&printed.elements[1]);
  REQUIRE(box != nullptr);
  CHECK(box->label == "NV image 2");
  CHECK(page->Cropped(0, 8, box->width_dots, box->height_dots).CountBlack() > 0);
  CHECK(JobSummaryJson(printed, "x.png").find("\"NV image 2\"") != std::string::npos);
}

TEST_CASE("GS g 0 prints nothing") {
  const PrintedJob printed = Printed(Bytes{0x1D, 'g', '0', 0, 20, 0, 'A', '\n'});
  CHECK(printed.text_lines == std::vector<std::string>{"A"});
}

// The leftmost and rightmost inked columns of rows [top, top + height).
std::pair<int, int> InkSpan(const receipt::Bitmap& page, int top, int height) {
  int left = page.width();
  int right = -1;
  for (int y = top; y < top + height && y < page.height(); ++y) {
    for (int x = 0; x < page.width(); ++x) {
      if (page.Get(x, y)) left = std::min(left, x), right = std::max(right, x);
    }
  }
  return {left, right};
}

TEST_CASE("Reverse is white on black; upside-down turns the line; ESC V turns characters") {
  const std::string job =
      "\x1d"
      "B\x01"
      "AB\x1d"
      "B\x00\n\x1b{\x01"
      "AB\n\x1b{\x00\x1bV\x01W\n"s;
  const PrintedJob printed = Printed(BytesOf(job));
  auto page = RenderJob(printed, nullptr);
  REQUIRE(page);
  // Reverse: the two cells are mostly black.
  CHECK(page->Cropped(0, 0, 24, 24).CountBlack() > 24 * 24 / 2);
  // Upside down: a left-justified line ends up at the right edge.
  const auto [left, right] = InkSpan(*page, 30, 30);
  CHECK(left >= 384 - 24);
  CHECK(right >= 380);
  // Rotated: the 12 x 24 cell lies 24 wide and 12 tall.
  const auto [rl, rr] = InkSpan(*page, 60, 30);
  CHECK(rr - rl + 1 > 12);
}

TEST_CASE("Job files carry 203 dpi and are written whole; numbering continues in a directory") {
  char dir_template[] = "/tmp/vprinter_test_XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  const std::string dir = dir_template;
  CHECK(NextJobNumber(dir) == 1);
  PrintedJob job = Printed(BytesOf("\x1b@dpi\n"));
  job.number = 12;
  REQUIRE(WriteJobFiles(job, dir, nullptr));
  std::ifstream in(dir + "/job-0012.png", std::ios::binary);
  const std::string png((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Right after IHDR: pHYs, 8000 pixels per metre both ways, unit metre, and its CRC.
  const std::string phys = png.substr(33, 21);
  CHECK(phys.substr(0, 8) == std::string("\0\0\0\x09pHYs", 8));
  CHECK(phys.substr(8, 9) == std::string("\0\0\x1f\x40\0\0\x1f\x40\x01", 9));
  CHECK(phys.substr(17, 4) == std::string("\x93\xa8\x5b\xa7", 4));
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    ++files;
    CHECK(entry.path().extension() != ".partial");
  }
  CHECK(files == 2);
  CHECK(NextJobNumber(dir) == 13);
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
