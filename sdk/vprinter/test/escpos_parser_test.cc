#include "mykey/vprinter/escpos_parser.h"

#include <vector>

#include "mykey/testing/catch.h"

namespace mykey::vprinter {
namespace {

struct Collected {
  CommandKind kind;
  int m, n, x, y;
  Bytes data;
  size_t size;
  std::string name;
};

class Collector final : public CommandSink {
 public:
  void OnCommand(const Command& c) override {
    commands.push_back(
        {c.kind, c.m, c.n, c.x, c.y, Bytes(c.data.begin(), c.data.end()), c.size, CommandName(c)});
  }
  std::vector<Collected> commands;
};

std::vector<Collected> ParseAll(const Bytes& bytes) {
  EscposParser parser;
  Collector sink;
  parser.Feed(bytes, sink);
  return sink.commands;
}

TEST_CASE("Text, LF, ESC @ and a cut become separate commands") {
  auto commands = ParseAll(Bytes{0x1B, '@', 'H', 'i', '\n', 0x1D, 'V', 0x00});
  REQUIRE(commands.size() == 4);
  CHECK(commands[0].kind == CommandKind::kInit);
  CHECK(commands[1].kind == CommandKind::kText);
  CHECK(commands[1].data == BytesOf("Hi"));
  CHECK(commands[2].kind == CommandKind::kLineFeed);
  CHECK(commands[3].kind == CommandKind::kCut);
  CHECK(commands[3].m == 0);
}

TEST_CASE("GS V 65 n takes a feed parameter; GS V 0 does not") {
  auto commands = ParseAll(Bytes{0x1D, 'V', 65, 3, 'A'});
  REQUIRE(commands.size() == 2);
  CHECK(commands[0].kind == CommandKind::kCut);
  CHECK(commands[0].n == 3);
  CHECK(commands[1].data == BytesOf("A"));
}

TEST_CASE("A raster image split across feeds is parsed once whole") {
  const Bytes image = {0x1D, 'v', '0', 0, 2, 0, 3, 0, 1, 2, 3, 4, 5, 6, 'x'};
  EscposParser parser;
  Collector sink;
  for (uint8_t b : image) parser.Feed(ByteView(&b, 1), sink);
  REQUIRE(sink.commands.size() == 2);
  CHECK(sink.commands[0].kind == CommandKind::kRasterImage);
  CHECK(sink.commands[0].x == 2);
  CHECK(sink.commands[0].y == 3);
  CHECK(sink.commands[0].data == Bytes{1, 2, 3, 4, 5, 6});
  CHECK(sink.commands[0].size == 14);
}

TEST_CASE("GS ( k gives the QR function and its data") {
  auto commands = ParseAll(Bytes{0x1D, '(', 'k', 5, 0, 49, 80, 48, 'A', 'B'});
  REQUIRE(commands.size() == 1);
  CHECK(commands[0].kind == CommandKind::kQr);
  CHECK(commands[0].m == 49);
  CHECK(commands[0].n == 80);
  CHECK(commands[0].data == Bytes{48, 'A', 'B'});
}

TEST_CASE("GS k in both forms: NUL-terminated and with a length") {
  auto commands = ParseAll(Bytes{0x1D, 'k', 4, 'A', 'B', 0, 0x1D, 'k', 73, 3, '{', 'B', 'Z'});
  REQUIRE(commands.size() == 2);
  CHECK(commands[0].kind == CommandKind::kBarcode);
  CHECK(commands[0].data == BytesOf("AB"));
  CHECK(commands[1].m == 73);
  CHECK(commands[1].data == BytesOf("{BZ"));
}

TEST_CASE("DLE EOT n is a status request") {
  auto commands = ParseAll(Bytes{0x10, 0x04, 2});
  REQUIRE(commands.size() == 1);
  CHECK(commands[0].kind == CommandKind::kStatusRequest);
  CHECK(commands[0].n == 2);
}

TEST_CASE("Unknown escapes are skipped with their code and text goes on") {
  auto commands = ParseAll(Bytes{0x1B, 0x01, 'O', 'K'});
  REQUIRE(commands.size() == 2);
  CHECK(commands[0].kind == CommandKind::kUnknown);
  CHECK(commands[1].data == BytesOf("OK"));
}

TEST_CASE("Commands with lengths are taken whole (ESC *, GS ( L, ESC D)") {
  auto commands = ParseAll(Bytes{0x1B, '*', 0,    2,    0,    0xFF, 0xFF, 0x1D, '(', 'L',
                                 2,    0,   0x30, 0x45, 0x1B, 'D',  8,    16,   0,   'Z'});
  REQUIRE(commands.size() == 4);
  CHECK(commands[0].kind == CommandKind::kBitImage);
  CHECK(commands[0].size == 7);
  CHECK(commands[0].x == 2);
  CHECK(commands[0].data == Bytes{0xFF, 0xFF});
  CHECK(commands[1].kind == CommandKind::kGraphics);
  CHECK(commands[1].n == 0x45);
  CHECK(commands[2].kind == CommandKind::kTabStops);
  CHECK(commands[2].data == Bytes{8, 16});
  CHECK(commands[3].data == BytesOf("Z"));
}

// Text runs split with the feed: joined, the commands of any split are those of the whole.
std::vector<Collected> JoinText(const std::vector<Collected>& commands) {
  std::vector<Collected> out;
  for (const Collected& c : commands) {
    if (c.kind == CommandKind::kText && !out.empty() && out.back().kind == CommandKind::kText) {
      out.back().data.insert(out.back().data.end(), c.data.begin(), c.data.end());
      out.back().size += c.size;
      continue;
    }
    out.push_back(c);
  }
  return out;
}

// Feeding `bytes` one at a time gives the commands of the whole.
void CheckSplitInvariant(const Bytes& bytes) {
  const auto whole = JoinText(ParseAll(bytes));
  EscposParser parser;
  Collector sink;
  for (uint8_t b : bytes) parser.Feed(ByteView(&b, 1), sink);
  const auto split = JoinText(sink.commands);
  REQUIRE(split.size() == whole.size());
  for (size_t i = 0; i < whole.size(); ++i) {
    CHECK(split[i].kind == whole[i].kind);
    CHECK(split[i].size == whole[i].size);
    CHECK(split[i].data == whole[i].data);
  }
}

TEST_CASE("FS q NV image definitions are taken whole: the image data never prints as text") {
  // One image of 1 x 1 units (8 x 8 dots): 8 bytes of columns, then text.
  const Bytes bytes = {0x1C, 'q',  1,    1,    0,    1,    0,   0x18, 0x3C,
                       0x7E, 0xFF, 0xFF, 0x7E, 0x3C, 0x18, 'O', 'K'};
  auto commands = ParseAll(bytes);
  REQUIRE(commands.size() == 2);
  CHECK(commands[0].kind == CommandKind::kNvImageDefine);
  CHECK(commands[0].n == 1);
  CHECK(commands[0].size == 15);
  CHECK(commands[1].kind == CommandKind::kText);
  CHECK(commands[1].data == BytesOf("OK"));
  CheckSplitInvariant(bytes);
}

TEST_CASE("FS p, GS g 0 and GS 8 L are single commands, not text") {
  const Bytes bytes = {0x1C, 'p', 1, 0, 0x1D, 'g', '0', 0,  20, 0, 0x1D,
                       '8',  'L', 4, 0, 0,    0,   48,  50, 1,  2, 'A'};
  auto commands = ParseAll(bytes);
  REQUIRE(commands.size() == 4);
  CHECK(commands[0].kind == CommandKind::kNvImagePrint);
  CHECK(commands[0].n == 1);
  CHECK(commands[1].kind == CommandKind::kMaintenanceCounter);
  CHECK(commands[1].m == '0');
  CHECK(commands[1].n == 20);
  CHECK(commands[2].kind == CommandKind::kGraphics);
  CHECK(commands[2].m == 48);
  CHECK(commands[2].n == 50);
  CHECK(commands[2].data == Bytes{1, 2});
  CHECK(commands[3].data == BytesOf("A"));
  CheckSplitInvariant(bytes);
}

TEST_CASE("GS ( H fn 48 is a process-ID request with its four digits") {
  auto commands = ParseAll(Bytes{0x1D, '(', 'H', 6, 0, 48, 48, '1', '2', '3', '4'});
  REQUIRE(commands.size() == 1);
  CHECK(commands[0].kind == CommandKind::kProcessIdRequest);
  CHECK(commands[0].data == BytesOf("1234"));
  CHECK(ParseAll(Bytes{0x1D, '(', 'H', 2, 0, 49, 48})[0].name == "GS ( H fn 49");
}

TEST_CASE("DLE DC4 fn 8 with its fixed parameters clears buffers; other parameters do not") {
  auto commands =
      ParseAll(Bytes{0x10, 0x14, 8, 1, 3, 20,   1,    6, 2,    8,    0x10, 0x14, 8, 1,  3,
                     20,   1,    6, 2, 9, 0x10, 0x05, 2, 0x10, 0x14, 1,    0,    1, 'A'});
  REQUIRE(commands.size() == 5);
  CHECK(commands[0].kind == CommandKind::kClearBuffers);
  CHECK(commands[0].size == 10);
  CHECK(commands[1].kind == CommandKind::kRealTimeOther);
  CHECK(commands[1].size == 10);
  CHECK(commands[2].kind == CommandKind::kRecoverRequest);
  CHECK(commands[2].n == 2);
  CHECK(commands[3].kind == CommandKind::kRealTimeOther);
  CHECK(commands[3].size == 5);
  CHECK(commands[4].data == BytesOf("A"));
  for (const auto& c : commands) {
    if (c.kind != CommandKind::kText) CHECK(IsRealTime(c.kind));
  }
}

TEST_CASE("Positions, margins and modes carry their values") {
  auto commands =
      ParseAll(Bytes{0x1B, '$',  0x2C, 0x01, 0x1B, '\\', 0xF6, 0xFF, 0x1D, 'L', 40,   0,
                     0x1D, 'W',  0x00, 0x01, 0x1B, 'M',  1,    0x1B, 'R',  8,   0x1B, ' ',
                     4,    0x1D, 'B',  1,    0x1B, '{',  1,    0x1B, 'V',  1});
  REQUIRE(commands.size() == 10);
  CHECK(commands[0].kind == CommandKind::kAbsolutePosition);
  CHECK(commands[0].x == 300);
  CHECK(commands[1].kind == CommandKind::kRelativePosition);
  CHECK(commands[1].x == -10);
  CHECK(commands[2].kind == CommandKind::kLeftMargin);
  CHECK(commands[2].x == 40);
  CHECK(commands[3].kind == CommandKind::kPrintAreaWidth);
  CHECK(commands[3].x == 256);
  CHECK(commands[4].kind == CommandKind::kFont);
  CHECK(commands[5].kind == CommandKind::kInternationalSet);
  CHECK(commands[5].n == 8);
  CHECK(commands[6].kind == CommandKind::kRightSpacing);
  CHECK(commands[7].kind == CommandKind::kReverse);
  CHECK(commands[8].kind == CommandKind::kUpsideDown);
  CHECK(commands[9].kind == CommandKind::kRotate);
}

TEST_CASE("Commands are named for reports") {
  CHECK(ParseAll(Bytes{0x1B, 'p', 0, 25, 250})[0].name == "ESC p");
  CHECK(ParseAll(Bytes{0x1B, 0x01})[0].name == "ESC 0x01");
  CHECK(ParseAll(Bytes{0x1D, '(', 'E', 3, 0, 1, 2, 3})[0].name == "GS ( E fn 1");
  CHECK(ParseAll(Bytes{0x1D, '8', 'L', 2, 0, 0, 0, 48, 67})[0].name == "GS 8 L fn 67");
  CHECK(ParseAll(Bytes{0x1B, ' ', 0})[0].name == "ESC SP");
  CHECK(ParseAll(Bytes{0x07})[0].name == "0x07");
}

TEST_CASE("An oversized raster is dropped without buffering and the stream resumes after it") {
  // 0xFFFF bytes x 0x0100 rows: 16 MiB, over the buffer limit.
  Bytes header = {0x1D, 'v', '0', 0, 0xFF, 0xFF, 0x00, 0x01};
  EscposParser parser;
  Collector sink;
  parser.Feed(header, sink);
  REQUIRE(sink.commands.size() == 1);
  CHECK(sink.commands[0].kind == CommandKind::kOversized);
  CHECK(parser.pending() == 0);
  const size_t body = size_t{0xFFFF} * 0x100;
  Bytes chunk(65536, 0xAA);
  size_t sent = 0;
  while (sent < body) {
    const size_t n = std::min(chunk.size(), body - sent);
    parser.Feed(ByteView(chunk).first(n), sink);
    sent += n;
  }
  size_t accounted = 0;
  for (const auto& c : sink.commands) {
    CHECK((c.kind == CommandKind::kOversized || c.kind == CommandKind::kSkippedData));
    accounted += c.size;
  }
  CHECK(accounted == header.size() + body);
  parser.Feed(BytesOf("ok"), sink);
  CHECK(sink.commands.back().kind == CommandKind::kText);
  CHECK(sink.commands.back().data == BytesOf("ok"));
}

TEST_CASE("Reset drops an incomplete command") {
  EscposParser parser;
  Collector sink;
  parser.Feed(Bytes{0x1D, 'v', '0', 0, 1, 0}, sink);
  CHECK(sink.commands.empty());
  CHECK(parser.pending() == 6);
  CHECK(parser.Reset() == 6);
  parser.Feed(BytesOf("A"), sink);
  REQUIRE(sink.commands.size() == 1);
  CHECK(sink.commands[0].kind == CommandKind::kText);
}

}  // namespace
}  // namespace mykey::vprinter
