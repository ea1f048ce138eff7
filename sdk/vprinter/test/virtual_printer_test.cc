#include "mykey/vprinter/virtual_printer.h"

#include <variant>

#include "mykey/testing/catch.h"

namespace mykey::vprinter {
namespace {

Bytes Job(std::string_view body) {
  Bytes out = BytesOf("\x1b@");
  Bytes b = BytesOf(body);
  out.insert(out.end(), b.begin(), b.end());
  out.push_back(0x1D);
  out.push_back('V');
  out.push_back(0x00);
  return out;
}

TEST_CASE("A job from ESC @ to the cut is one completed job with its text lines") {
  VirtualPrinter printer;
  CHECK(printer.Feed(Job("Hello\nWorld\n")).empty());
  REQUIRE(printer.jobs_finished() == 1);
  const PrintedJob job = printer.jobs().at(0);
  CHECK(job.number == 1);
  CHECK(job.completed);
  CHECK(job.cut);
  CHECK(job.text_lines == std::vector<std::string>{"Hello", "World"});
  CHECK(job.bytes_received == Job("Hello\nWorld\n").size());
}

TEST_CASE("DLE EOT is answered at once, also mid-job, and does not start a job") {
  VirtualPrinter printer;
  CHECK(printer.Feed(Bytes{0x10, 0x04, 1, 0x10, 0x04, 4}) == Bytes{0x12, 0x12});
  CHECK(printer.jobs_finished() == 0);
  CHECK(printer.Feed(BytesOf("\x1b@abc")).empty());
  printer.SetFault(Fault::kPaperNearEnd);
  CHECK(printer.Feed(Bytes{0x10, 0x04, 4}) == Bytes{0x1E});
  CHECK(printer.jobs_finished() == 0);
}

TEST_CASE("Kanji mode decodes Shift_JIS and JIS, and half-width katakana") {
  VirtualPrinter printer;
  // FS C 1 (Shift_JIS), FS & ; 有効期限 ; FS . ; newline
  Bytes body = {0x1C, 'C',  1,    0x1C, '&', 0x97, 0x4C, 0x8C, 0xF8,
                0x8A, 0xFA, 0x8C, 0xC0, 'A', 0xB1, 0x1C, '.',  '\n'};
  // JIS mode: FS C 0, FS & ; 0x30 0x21 = 亜 ; FS .
  Bytes jis = {0x1C, 'C', 0, 0x1C, '&', 0x30, 0x21, 0x1C, '.', '\n', 0x1D, 'V', 0};
  body.insert(body.end(), jis.begin(), jis.end());
  (void)printer.Feed(body);
  REQUIRE(printer.jobs_finished() == 1);
  const PrintedJob job = printer.jobs().at(0);
  REQUIRE(job.text_lines.size() == 2);
  CHECK(job.text_lines[0] == "有効期限Aｱ");
  CHECK(job.text_lines[1] == "亜");
}

TEST_CASE("Long lines wrap at the paper width: 32 half-width characters on 58 mm") {
  VirtualPrinter printer;
  (void)printer.Feed(Job(std::string(40, 'x') + "\n"));
  const PrintedJob job = printer.jobs().at(0);
  REQUIRE(job.text_lines.size() == 2);
  CHECK(job.text_lines[0].size() == 32);
  CHECK(job.text_lines[1].size() == 8);
}

TEST_CASE("Styles are recorded per span: GS ! size, ESC E bold, ESC a alignment") {
  VirtualPrinter printer;
  (void)printer.Feed(
      Job("\x1b\x61\x01\x1d!\x11\x1b\x45\x01"
          "Big\n"));
  const PrintedJob job = printer.jobs().at(0);
  const auto* text = std::get_if<PrintedText>(&job.elements.at(0));
  REQUIRE(text != nullptr);
  CHECK(text->justification == Justification::kCenter);
  REQUIRE(text->spans.size() == 1);
  CHECK(text->spans[0].width_scale == 2);
  CHECK(text->spans[0].height_scale == 2);
  CHECK(text->spans[0].bold);
  CHECK(text->spans[0].width_dots == 3 * 24);
}

TEST_CASE("A QR code stored and printed with GS ( k becomes a printed QR element") {
  VirtualPrinter printer;
  const Bytes qr = {0x1D, '(',  'k', 3,    0,   49,  67, 6,  0x1D, '(',  'k', 3,   0,
                    49,   69,   49,  0x1D, '(', 'k', 6,  0,  49,   80,   48,  'A', 'B',
                    'C',  0x1D, '(', 'k',  3,   0,   49, 81, 48,   0x1D, 'V', 0};
  (void)printer.Feed(qr);
  const PrintedJob job = printer.jobs().at(0);
  REQUIRE(job.elements.size() == 1);
  const auto* printed = std::get_if<PrintedQr>(&job.elements[0]);
  REQUIRE(printed != nullptr);
  CHECK(printed->payload == "ABC");
  CHECK(printed->module_dots == 6);
  CHECK(printed->level == 'M');
}

TEST_CASE("Paper out after N bytes fails the job in progress with the reason") {
  VirtualPrinter printer;
  printer.SetFaultAfter(Fault::kPaperOut, 10);
  (void)printer.Feed(Job("0123456789ABCDEFGHIJ\nmore\n"));
  REQUIRE(printer.jobs_finished() == 1);
  const PrintedJob job = printer.jobs().at(0);
  CHECK_FALSE(job.completed);
  CHECK(job.failure == "paper end");
  CHECK(printer.status().paper_end);
  CHECK(printer.Feed(Bytes{0x10, 0x04, 4}) == Bytes{0x7E});
  CHECK(printer.Feed(Bytes{0x10, 0x04, 1}) == Bytes{0x1A});
}

TEST_CASE("A job sent while the cover is open is failed; ok makes the next job print") {
  VirtualPrinter printer;
  printer.SetFault(Fault::kCoverOpen);
  (void)printer.Feed(Job("lost\n"));
  printer.SetFault(Fault::kNone);
  (void)printer.Feed(Job("printed\n"));
  const auto jobs = printer.jobs();
  REQUIRE(jobs.size() == 2);
  CHECK_FALSE(jobs[0].completed);
  CHECK(jobs[0].failure == "cover open");
  CHECK(jobs[0].text_lines.empty());
  CHECK(jobs[1].completed);
  CHECK(jobs[1].text_lines == std::vector<std::string>{"printed"});
}

TEST_CASE("The end of the connection ends a job without a cut") {
  VirtualPrinter printer;
  (void)printer.Feed(BytesOf("\x1b@tail"));
  CHECK(printer.jobs_finished() == 0);
  printer.EndOfStream();
  REQUIRE(printer.WaitForJobs(1, std::chrono::milliseconds(0)));
  const PrintedJob job = printer.jobs().at(0);
  CHECK_FALSE(job.cut);
  CHECK(job.text_lines == std::vector<std::string>{"tail"});
}

TEST_CASE("The job listener sees every finished job") {
  VirtualPrinter printer;
  std::vector<int> seen;
  printer.set_job_listener([&](const PrintedJob& job) { seen.push_back(job.number); });
  (void)printer.Feed(Job("a\n"));
  (void)printer.Feed(Job("b\n"));
  CHECK(seen == std::vector<int>{1, 2});
}

TEST_CASE("CODE128 barcode data loses its code-set selectors") {
  VirtualPrinter printer;
  (void)printer.Feed(Bytes{0x1D, 'k', 73, 6, '{', 'B', 'A', '1', '{', '{', 0x1D, 'V', 0});
  const PrintedJob job = printer.jobs().at(0);
  const auto* barcode = std::get_if<PrintedBarcode>(&job.elements.at(0));
  REQUIRE(barcode != nullptr);
  CHECK(barcode->data == "A1{");
}

}  // namespace
}  // namespace mykey::vprinter
