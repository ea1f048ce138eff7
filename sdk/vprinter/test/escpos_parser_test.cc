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
};

class Collector final : public CommandSink {
 public:
  void OnCommand(const Command& c) override {
    commands.push_back({c.kind, c.m, c.n, c.x, c.y, Bytes(c.data.begin(), c.data.end()), c.size});
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

TEST_CASE("Known commands with lengths are skipped whole (ESC *, GS ( L, ESC D)") {
  auto commands = ParseAll(Bytes{0x1B, '*', 0,    2,    0,    0xFF, 0xFF, 0x1D, '(', 'L',
                                 2,    0,   0x30, 0x45, 0x1B, 'D',  8,    16,   0,   'Z'});
  REQUIRE(commands.size() == 4);
  CHECK(commands[0].kind == CommandKind::kIgnored);
  CHECK(commands[0].size == 7);
  CHECK(commands[1].kind == CommandKind::kIgnored);
  CHECK(commands[2].kind == CommandKind::kIgnored);
  CHECK(commands[3].data == BytesOf("Z"));
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
