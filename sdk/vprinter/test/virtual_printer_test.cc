#include "mykey/vprinter/virtual_printer.h"

#include <algorithm>
#include <initializer_list>
#include <map>
#include <utility>
#include <variant>

#include "mykey/testing/catch.h"

namespace mykey::vprinter {
namespace {

using namespace std::string_literals;

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
  CHECK(text->placement.justification == Justification::kCenter);
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

// GS ( H fn 48: the process-ID request a host appends to a job, and its answer.
Bytes ProcessIdRequest(std::string_view digits) {
  Bytes out = {0x1D, '(', 'H', 6, 0, 48, 48};
  out.insert(out.end(), digits.begin(), digits.end());
  return out;
}
Bytes ProcessIdAnswer(std::string_view digits) {
  Bytes out = {0x37, 0x22};
  out.insert(out.end(), digits.begin(), digits.end());
  out.push_back(0x00);
  return out;
}
Bytes Concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}
const Bytes kClearBuffers = {0x10, 0x14, 8, 1, 3, 20, 1, 6, 2, 8};

TEST_CASE("Paper out mid-job keeps the rest; loading paper prints it and the job completes") {
  VirtualPrinter printer;
  printer.SetFaultAfter(Fault::kPaperOut, 10);
  const Bytes job = Concat({Job("0123456789ABCDEFGHIJ\nmore\n"), ProcessIdRequest("0042")});
  CHECK(printer.Feed(job).empty());  // no process ID: the job has not printed
  CHECK(printer.jobs_finished() == 0);
  CHECK(printer.status().paper_end);
  CHECK(printer.Feed(Bytes{0x10, 0x04, 4}) == Bytes{0x7E});
  CHECK(printer.Feed(Bytes{0x10, 0x04, 1}) == Bytes{0x1A});
  CHECK(printer.counters().bytes_buffered > 0);

  printer.SetFault(Fault::kNone);
  CHECK(printer.TakeReplies() == ProcessIdAnswer("0042"));
  REQUIRE(printer.jobs_finished() == 1);
  const PrintedJob printed = printer.jobs().at(0);
  CHECK(printed.completed);
  CHECK(printed.cut);
  CHECK(printed.text_lines == std::vector<std::string>{"0123456789ABCDEFGHIJ", "more"});
  REQUIRE(printed.events.size() == 2);
  CHECK(printed.events[0].kind == JobEvent::Kind::kInterrupted);
  CHECK(printed.events[0].reason == "paper end");
  CHECK(printed.events[0].job_bytes == 2);  // ESC @ printed, the text waited
  CHECK(printed.events[1].kind == JobEvent::Kind::kResumed);
}

TEST_CASE("With the discard policy a fault fails the job in progress with the reason") {
  VirtualPrinterOptions options;
  options.fault_policy = FaultPolicy::kDiscard;
  VirtualPrinter printer(options);
  printer.SetFaultAfter(Fault::kPaperOut, 10);
  (void)printer.Feed(Job("0123456789ABCDEFGHIJ\nmore\n"));
  REQUIRE(printer.jobs_finished() == 1);
  const PrintedJob job = printer.jobs().at(0);
  CHECK_FALSE(job.completed);
  CHECK_FALSE(job.cut);  // the cut was thrown away with the rest
  CHECK(job.failure == "paper end");
  CHECK(job.bytes_dropped > 0);
  REQUIRE(job.events.size() == 1);
  CHECK(job.events[0].kind == JobEvent::Kind::kDiscarded);
  CHECK(printer.Feed(Bytes{0x10, 0x04, 4}) == Bytes{0x7E});
}

TEST_CASE("A job sent while the cover is open waits; closing it prints the job") {
  VirtualPrinter printer;
  printer.SetFault(Fault::kCoverOpen);
  (void)printer.Feed(Job("waited\n"));
  CHECK(printer.jobs_finished() == 0);
  printer.SetFault(Fault::kNone);
  REQUIRE(printer.jobs_finished() == 1);
  const PrintedJob job = printer.jobs().at(0);
  CHECK(job.completed);
  CHECK(job.text_lines == std::vector<std::string>{"waited"});
  REQUIRE(job.events.size() == 2);
  CHECK(job.events[0].reason == "cover open");
  CHECK(job.events[0].page_dots == 0);
}

TEST_CASE("With the discard policy a job sent while the cover is open is failed") {
  VirtualPrinterOptions options;
  options.fault_policy = FaultPolicy::kDiscard;
  VirtualPrinter printer(options);
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

TEST_CASE("DLE DC4 fn 8 clears the buffers: answered at once, the unprinted tail is dropped") {
  VirtualPrinter printer;
  printer.SetFaultAfter(Fault::kPaperOut, 12);
  const Bytes job = Concat({Job("first line\nsecond line\n"), ProcessIdRequest("0007")});
  CHECK(printer.Feed(job).empty());
  CHECK(printer.Feed(kClearBuffers) == Bytes{0x37, 0x25, 0x00});
  REQUIRE(printer.jobs_finished() == 1);
  const PrintedJob cleared = printer.jobs().at(0);
  CHECK_FALSE(cleared.completed);
  CHECK_FALSE(cleared.cut);
  CHECK(cleared.failure == "paper end");
  CHECK(cleared.text_lines.empty());
  CHECK(cleared.bytes_dropped > 0);
  CHECK(cleared.bytes_received == job.size());
  REQUIRE(cleared.events.size() == 2);
  CHECK(cleared.events[1].kind == JobEvent::Kind::kCleared);
  CHECK(cleared.events[1].reason == "DLE DC4 fn 8");
  CHECK(cleared.events[1].bytes_dropped == cleared.bytes_dropped);
  CHECK(printer.counters().bytes_buffered == 0);

  // Paper loaded: nothing of the cleared job prints and its process ID is never answered.
  printer.SetFault(Fault::kNone);
  CHECK(printer.TakeReplies().empty());
  CHECK(printer.jobs_finished() == 1);
  CHECK(printer.Feed(Concat({Job("next\n"), ProcessIdRequest("0008")})) == ProcessIdAnswer("0008"));
  REQUIRE(printer.jobs_finished() == 2);
  CHECK(printer.jobs().at(1).text_lines == std::vector<std::string>{"next"});
  CHECK(printer.jobs().at(1).number == 2);
}

TEST_CASE("Clearing empty buffers changes nothing and still answers") {
  VirtualPrinter printer;
  (void)printer.Feed(Job("a\n"));
  CHECK(printer.Feed(kClearBuffers) == Bytes{0x37, 0x25, 0x00});
  CHECK(printer.jobs_finished() == 1);
  CHECK(printer.jobs().at(0).completed);
}

TEST_CASE("A clear with nothing waiting keeps the end of the connection that came") {
  VirtualPrinter printer;
  (void)printer.Feed(BytesOf("\x1b@abc\n"));
  printer.SetFault(Fault::kPaperOut);
  printer.EndOfStream();
  CHECK(printer.Feed(kClearBuffers) == Bytes{0x37, 0x25, 0x00});
  printer.SetFault(Fault::kNone);
  REQUIRE(printer.jobs_finished() == 1);
  CHECK(printer.jobs().at(0).completed);
  CHECK(printer.jobs().at(0).text_lines == std::vector<std::string>{"abc"});
}

TEST_CASE("A process ID is answered in order, once the data before it has printed") {
  VirtualPrinter printer;
  const Bytes stream = Concat({Job("x\n"), ProcessIdRequest("1234"), Bytes{0x10, 0x04, 1}});
  CHECK(printer.Feed(stream) == Concat({ProcessIdAnswer("1234"), Bytes{0x12}}));
  CHECK(printer.counters().last_process_id == "1234");
  // After the cut it starts no job of its own; within a job it is listed there.
  (void)printer.Feed(Concat({BytesOf("\x1b@z\n"), ProcessIdRequest("0005"), Job("w\n")}));
  const auto jobs = printer.jobs();
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[0].process_ids.empty());
  CHECK(jobs[0].bytes_received == Job("x\n").size());
  CHECK(jobs[1].process_ids == std::vector<std::string>{"0005"});
  // A request that is not four digits is not answered.
  CHECK(printer.Feed(Concat({Job("y\n"), ProcessIdRequest("12a4")})).empty());
}

TEST_CASE("An auto-cutter error waits for DLE ENQ 1 and then prints the rest") {
  VirtualPrinter printer;
  printer.SetFault(Fault::kError);
  CHECK(printer.Feed(Bytes{0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 3}) ==
        Bytes{0x1A, 0x52, 0x1A});
  CHECK(printer.Feed(Concat({Job("after the error\n"), ProcessIdRequest("0001")})).empty());
  // DLE ENQ on a printer without a recoverable error changes nothing.
  CHECK(printer.Feed(Bytes{0x10, 0x05, 3}).empty());
  CHECK(printer.status().autocutter_error);
  CHECK(printer.Feed(Bytes{0x10, 0x05, 1}) == ProcessIdAnswer("0001"));
  CHECK(printer.status().ready());
  REQUIRE(printer.jobs_finished() == 1);
  CHECK(printer.jobs().at(0).text_lines == std::vector<std::string>{"after the error"});
}

TEST_CASE("DLE ENQ 2 recovers after clearing the buffers; paper end is not recoverable by it") {
  VirtualPrinter printer;
  printer.SetFault(Fault::kError);
  (void)printer.Feed(Concat({Job("dropped\n"), ProcessIdRequest("0002")}));
  CHECK(printer.Feed(Bytes{0x10, 0x05, 2}).empty());
  CHECK(printer.status().ready());
  REQUIRE(printer.jobs_finished() == 1);
  CHECK_FALSE(printer.jobs().at(0).completed);
  CHECK(printer.jobs().at(0).failure == "auto-cutter error");

  printer.SetFault(Fault::kPaperOut);
  (void)printer.Feed(Bytes{0x10, 0x05, 2});
  CHECK(printer.status().paper_end);
}

TEST_CASE("ESC d n feeds n lines, counting the printed line") {
  VirtualPrinter printer;
  (void)printer.Feed(
      Job("\x1b"
          "d\x03"));
  (void)printer.Feed(
      Job("A\x1b"
          "d\x03"));
  (void)printer.Feed(
      Job("B\x1b"
          "d\x01"));
  REQUIRE(printer.jobs_finished() == 3);
  CHECK(printer.jobs().at(0).page_dots == 3 * 30);
  CHECK(printer.jobs().at(0).text_lines.empty());
  CHECK(printer.jobs().at(1).page_dots == 3 * 30);
  CHECK(printer.jobs().at(1).text_lines == std::vector<std::string>{"A"});
  CHECK(printer.jobs().at(2).page_dots == 30);
}

TEST_CASE("What follows a cut without printing or cutting paper is no job") {
  VirtualPrinter printer;
  (void)printer.Feed(Concat({Job("one\n"),
                             BytesOf("\x1b@\x1b"
                                     "d\x02"),
                             ProcessIdRequest("0003")}));
  printer.EndOfStream();
  (void)printer.Feed(Bytes{0x1B, '@', 0x1D, 'V', 0});  // init and cut: no paper moved
  (void)printer.Feed(BytesOf("\x1b@\n\n\x1dV"));       // two blank lines cut off: a blank slip
  (void)printer.Feed(Bytes{0});
  REQUIRE(printer.jobs_finished() == 2);
  CHECK(printer.jobs().at(0).text_lines == std::vector<std::string>{"one"});
  CHECK(printer.jobs().at(1).number == 2);
  CHECK(printer.jobs().at(1).page_dots == 60);
}

TEST_CASE("Job numbers start where the options say") {
  VirtualPrinterOptions options;
  options.first_job_number = 17;
  VirtualPrinter printer(options);
  (void)printer.Feed(Job("a\n"));
  CHECK(printer.jobs().at(0).number == 17);
}

TEST_CASE("GS I, GS r and GS a answer in order; status back follows status changes") {
  VirtualPrinter printer;
  CHECK(printer.Feed(Bytes{0x1D, 'I', 1, 0x1D, 'I', 2, 0x1D, 'r', 1}) == Bytes{0x20, 0x03, 0x00});
  CHECK(printer.Feed(Bytes{0x1D, 'I', 66}) == Bytes{0x5F, 'M', 'Y', 'K', 'E', 'Y', 0x00});
  CHECK(printer.Feed(Bytes{0x1D, 'a', 0x0F}) == Bytes{0x10, 0x00, 0x00, 0x00});
  printer.SetFault(Fault::kPaperNearEnd);
  CHECK(printer.TakeReplies() == Bytes{0x10, 0x00, 0x03, 0x00});
  CHECK(printer.Feed(Bytes{0x1D, 'r', 49}) == Bytes{0x03});
  printer.SetFault(Fault::kCoverOpen);
  CHECK(printer.TakeReplies() == Bytes{0x38, 0x00, 0x03, 0x00});
  printer.SetFault(Fault::kNone);
  CHECK(printer.TakeReplies() == Bytes{0x10, 0x00, 0x00, 0x00});
  // The end of the connection switches status back off.
  printer.EndOfStream();
  printer.SetFault(Fault::kPaperOut);
  CHECK(printer.TakeReplies().empty());
}

TEST_CASE("ESC R 8 prints yen and overline; ESC t 16 is WPC1252; ESC t 1 katakana") {
  VirtualPrinter printer;
  (void)printer.Feed(Job("\x1bR\x08\\~\n\x1bR\x00\\~\n\x1bt\x10\x80\xe9\n\x1bt\x01\xb1\n"s));
  const PrintedJob job = printer.jobs().at(0);
  CHECK(job.text_lines ==
        std::vector<std::string>{"\u00a5\u203e", "\\~", "\u20ac\u00e9", "\uff71"});
  CHECK(job.ignored.empty());
  (void)printer.Feed(Job("\x1bR\x03\x1bt\x05x\n"));
  CHECK(printer.jobs().back().ignored.count("ESC R (set 3, printed as USA)") == 1);
}

TEST_CASE("Font B is 9 dots wide: 42 columns on 58 mm, 64 on 80 mm") {
  for (const auto& [paper, columns] : {std::pair{384, 42}, std::pair{576, 64}}) {
    CAPTURE(paper);
    VirtualPrinterOptions options;
    options.paper_dots = paper;
    VirtualPrinter printer(options);
    (void)printer.Feed(
        Job("\x1bM\x01" + std::string(100, 'b') + "\n\x1b!\x00"s + std::string(100, 'a') + "\n"));
    const PrintedJob job = printer.jobs().at(0);
    REQUIRE(job.text_lines.size() >= 2);
    CHECK(job.text_lines[0].size() == static_cast<size_t>(columns));
    const auto* text = std::get_if<PrintedText>(&job.elements.at(0));
    REQUIRE(text != nullptr);
    CHECK(text->spans.at(0).font == 1);
    CHECK(text->spans.at(0).height_dots == 17);
    const size_t font_a = static_cast<size_t>(paper / 12);
    CHECK(std::find(job.text_lines.begin(), job.text_lines.end(), std::string(font_a, 'a')) !=
          job.text_lines.end());
  }
}

TEST_CASE("Reverse, upside-down, rotation and right spacing are recorded as printed") {
  VirtualPrinter printer;
  (void)printer.Feed(
      Job("\x1d"
          "B\x01R\x1d"
          "B\x00\x1bV\x01V\x1bV\x00\x1b \x04S\n\x1b{\x01U\n"s));
  const PrintedJob job = printer.jobs().at(0);
  const auto* first = std::get_if<PrintedText>(&job.elements.at(0));
  REQUIRE(first != nullptr);
  REQUIRE(first->spans.size() == 3);
  CHECK(first->spans[0].reverse);
  CHECK(first->spans[1].rotated);
  CHECK(first->spans[1].width_dots == 24);  // the 12 x 24 cell turned
  CHECK(first->spans[1].height_dots == 12);
  CHECK(first->spans[2].right_spacing == 4);
  CHECK(first->spans[2].width_dots == 16);
  const auto* second = std::get_if<PrintedText>(&job.elements.at(1));
  REQUIRE(second != nullptr);
  CHECK(second->upside_down);
}

TEST_CASE("GS L and GS W narrow the print area: lines wrap at its width") {
  VirtualPrinter printer;
  (void)printer.Feed(Job(std::string("\x1dL\x30\x00\x1dW\xf0\x00"s) + std::string(30, 'x') + "\n"));
  const PrintedJob job = printer.jobs().at(0);
  REQUIRE(job.text_lines.size() == 2);
  CHECK(job.text_lines[0].size() == 20);  // 240 dots / 12
  const auto* text = std::get_if<PrintedText>(&job.elements.at(0));
  REQUIRE(text != nullptr);
  CHECK(text->placement.left == 48);
  CHECK(text->placement.width == 240);
}

TEST_CASE("HT goes to the ESC D tab stops; ESC $ to an absolute position") {
  VirtualPrinter printer;
  (void)printer.Feed(
      Job("\x1b"
          "D\x04\x0a\x00"s
          "ab\tc\td\n\x1b$\x64\x00z\n"s));
  const PrintedJob job = printer.jobs().at(0);
  const auto* tabs = std::get_if<PrintedText>(&job.elements.at(0));
  REQUIRE(tabs != nullptr);
  REQUIRE(tabs->spans.size() == 5);
  CHECK(tabs->spans[1].blank);
  CHECK(tabs->spans[1].width_dots == 4 * 12 - 2 * 12);
  CHECK(tabs->spans[3].width_dots == 10 * 12 - 5 * 12);
  const auto* position = std::get_if<PrintedText>(&job.elements.at(1));
  REQUIRE(position != nullptr);
  CHECK(position->spans.at(0).blank);
  CHECK(position->spans.at(0).width_dots == 100);
}

TEST_CASE("Commands not modelled are listed by name with their counts") {
  VirtualPrinter printer;
  (void)printer.Feed(
      Job("\x1bp\x00\x19\xfa\x1bp\x00\x19\xfa\x1b\x01\x1d(E\x03\x00\x01\x02\x03text\n"s));
  const PrintedJob job = printer.jobs().at(0);
  CHECK(job.ignored == std::map<std::string, size_t>{{"ESC p", 2}, {"GS ( E fn 1", 1}});
  CHECK(job.unknown == std::map<std::string, size_t>{{"ESC 0x01", 1}});
}

TEST_CASE("A QR code wider than the paper is printed clipped and reported") {
  VirtualPrinter printer;
  const std::string payload(300, 'A');
  Bytes qr = {0x1D, '(', 'k', 3, 0, 49, 67, 16};
  const size_t store = payload.size() + 3;
  qr.insert(qr.end(), {0x1D, '(', 'k', static_cast<uint8_t>(store & 0xFF),
                       static_cast<uint8_t>(store >> 8), 49, 80, 48});
  qr.insert(qr.end(), payload.begin(), payload.end());
  qr.insert(qr.end(), {0x1D, '(', 'k', 3, 0, 49, 81, 48, 0x1D, 'V', 0});
  (void)printer.Feed(qr);
  const PrintedJob job = printer.jobs().at(0);
  REQUIRE(job.clipped.size() == 1);
  CHECK(job.clipped[0].what == "QR code");
  CHECK(job.clipped[0].width_dots > 384);
  CHECK(job.clipped[0].area_dots == 384);
}

TEST_CASE("EAN-13 HRI carries the check digit; a wrong check digit prints nothing") {
  VirtualPrinter printer;
  (void)printer.Feed(Bytes{0x1D, 'H', 2,   0x1D, 'k', 2,   '4',  '9', '0', '1', '2',  '3', '4',
                           '5',  '6', '7', '8',  '9', 0,   0x1D, 'k', 67,  13,  '4',  '9', '0',
                           '1',  '2', '3', '4',  '5', '6', '7',  '8', '9', '0', 0x1D, 'V', 0});
  const PrintedJob job = printer.jobs().at(0);
  REQUIRE(job.elements.size() == 1);
  const auto* barcode = std::get_if<PrintedBarcode>(&job.elements[0]);
  REQUIRE(barcode != nullptr);
  CHECK(barcode->symbology == "EAN13");
  CHECK(barcode->hri_text == "4901234567894");
  CHECK(job.ignored.count("GS k (invalid EAN13 data)") == 1);
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
