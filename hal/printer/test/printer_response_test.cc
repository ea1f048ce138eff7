#include "mykey/printer/printer_response.h"

#include <vector>

#include "mykey/printer/printer_status.h"
#include "mykey/testing/catch.h"

namespace mykey::printer {
namespace {

std::vector<Response> DecodeAll(ResponseDecoder& decoder, const Bytes& bytes) {
  std::vector<Response> out;
  for (uint8_t byte : bytes) {
    if (auto response = decoder.Feed(byte)) out.push_back(*response);
  }
  return out;
}

TEST_CASE("The process-ID request is GS ( H fn 48 m 48 with the four digits") {
  const auto request = ProcessIdRequest(ProcessId::FromNumber(42));
  CHECK(Bytes(request.begin(), request.end()) ==
        Bytes{0x1D, 0x28, 0x48, 0x06, 0x00, 0x30, 0x30, '0', '0', '4', '2'});
  const auto answer = ProcessIdAnswer(ProcessId::FromNumber(9876));
  CHECK(Bytes(answer.begin(), answer.end()) == Bytes{0x37, 0x22, '9', '8', '7', '6', 0x00});
}

TEST_CASE("The clear-buffers request is DLE DC4 fn 8 and its answer 37 25 00") {
  CHECK(Bytes(kClearBuffersRequest.begin(), kClearBuffersRequest.end()) ==
        Bytes{0x10, 0x14, 0x08, 0x01, 0x03, 0x14, 0x01, 0x06, 0x02, 0x08});
  CHECK(Bytes(kBuffersClearedAnswer.begin(), kBuffersClearedAnswer.end()) ==
        Bytes{0x37, 0x25, 0x00});
}

TEST_CASE("Process IDs are four digits, numbers wrap at 10000, other bytes are refused") {
  CHECK(ProcessId::FromNumber(7).ToString() == "0007");
  CHECK(ProcessId::FromNumber(12345).ToString() == "2345");
  CHECK(ProcessId::FromNumber(2345).number() == 2345);
  CHECK(ProcessId().ToString() == "0000");
  auto id = ProcessId::FromDigits({'1', '2', '3', '4'});
  REQUIRE(id);
  CHECK(id->number() == 1234);
  auto bad = ProcessId::FromDigits({'1', '2', 'A', '4'});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("A process-ID answer whose digits look like status bytes is taken whole") {
  // '2' (32h) and '6' (36h) have the fixed bits of a DLE EOT answer.
  REQUIRE(IsStatusByte('2'));
  REQUIRE(IsStatusByte('6'));
  ResponseDecoder decoder;
  const auto answer = ProcessIdAnswer(ProcessId::FromNumber(2626));
  auto responses = DecodeAll(decoder, Bytes(answer.begin(), answer.end()));
  REQUIRE(responses.size() == 1);
  CHECK(responses[0].kind == ResponseKind::kProcessId);
  CHECK(responses[0].process_id == ProcessId::FromNumber(2626));
  CHECK_FALSE(decoder.in_response());
}

TEST_CASE("Status answers, ASB blocks, process-ID and clear answers are told apart") {
  ResponseDecoder decoder;
  // status, ASB (4 bytes), process ID, status, clear answer, an unknown byte, status
  const Bytes stream = {0x12, 0x10, 0x00, 0x0F, 0x00, 0x37, 0x22, '0',  '0',
                        '1',  '7',  0x00, 0x1E, 0x37, 0x25, 0x00, 0xFF, 0x7E};
  auto responses = DecodeAll(decoder, stream);
  REQUIRE(responses.size() == 7);
  CHECK(responses[0].kind == ResponseKind::kStatus);
  CHECK(responses[0].status_byte == 0x12);
  CHECK(responses[1].kind == ResponseKind::kAutoStatus);
  CHECK(responses[1].auto_status == std::array<uint8_t, 4>{0x10, 0x00, 0x0F, 0x00});
  CHECK(responses[2].kind == ResponseKind::kProcessId);
  CHECK(responses[2].process_id.ToString() == "0017");
  CHECK(responses[3].kind == ResponseKind::kStatus);
  CHECK(responses[3].status_byte == 0x1E);
  CHECK(responses[4].kind == ResponseKind::kBuffersCleared);
  CHECK(responses[5].kind == ResponseKind::kUnknown);
  CHECK(responses[6].kind == ResponseKind::kStatus);
  CHECK(responses[6].status_byte == 0x7E);
}

TEST_CASE("A response split across reads completes with the later bytes") {
  ResponseDecoder decoder;
  CHECK_FALSE(decoder.Feed(0x37));
  CHECK_FALSE(decoder.Feed(0x22));
  CHECK_FALSE(decoder.Feed('4'));
  CHECK(decoder.in_response());
  CHECK_FALSE(decoder.Feed('3'));
  CHECK_FALSE(decoder.Feed('2'));
  CHECK_FALSE(decoder.Feed('1'));
  auto response = decoder.Feed(0x00);
  REQUIRE(response);
  CHECK(response->kind == ResponseKind::kProcessId);
  CHECK(response->process_id.ToString() == "4321");
}

TEST_CASE("A byte that cannot continue an ASB block is decoded on its own") {
  ResponseDecoder decoder;
  CHECK_FALSE(decoder.Feed(0x18));     // an ASB first byte
  auto response = decoder.Feed(0x12);  // bit 4 set: a status answer, not ASB byte 2
  REQUIRE(response);
  CHECK(response->kind == ResponseKind::kStatus);
  CHECK_FALSE(decoder.in_response());
}

TEST_CASE("A stray 37 or a broken answer never swallows the status answer after it") {
  ResponseDecoder decoder;
  // 37 then a status byte; 37 22 with a digit then a status byte; 37 25 then
  // a status byte; a whole answer but for its 00.
  auto responses = DecodeAll(decoder, Bytes{0x37, 0x12, 0x37, 0x22, '1', 0x16, 0x37, 0x25, 0x1A,
                                            0x37, 0x22, '1', '2', '3', '4', 0x1E});
  REQUIRE(responses.size() == 4);
  for (const Response& response : responses) CHECK(response.kind == ResponseKind::kStatus);
  CHECK(responses[3].status_byte == 0x1E);
  CHECK_FALSE(decoder.in_response());
}

TEST_CASE("An answer after a broken one is found though its 37 was taken for a digit") {
  ResponseDecoder decoder;
  const auto answer = ProcessIdAnswer(ProcessId::FromNumber(5));
  Bytes stream = {0x37, 0x22, '2', '6', '2'};  // broken: the rest never came
  stream.insert(stream.end(), kBuffersClearedAnswer.begin(), kBuffersClearedAnswer.end());
  stream.insert(stream.end(), {0x37, 0x22, '1'});  // broken again
  stream.insert(stream.end(), answer.begin(), answer.end());
  auto responses = DecodeAll(decoder, stream);
  REQUIRE(responses.size() == 2);
  CHECK(responses[0].kind == ResponseKind::kBuffersCleared);
  CHECK(responses[1].kind == ResponseKind::kProcessId);
  CHECK(responses[1].process_id.ToString() == "0005");
}

TEST_CASE("Answers to requests we never send are no responses, byte by byte") {
  ResponseDecoder decoder;
  // A GS I answer "_AB\0".
  auto responses = DecodeAll(decoder, Bytes{0x5F, 'A', 'B', 0x00});
  REQUIRE(responses.size() == 4);
  for (const Response& response : responses) CHECK(response.kind == ResponseKind::kUnknown);
  // 37 with another identifier: the 37 is dropped, the identifier decoded.
  responses = DecodeAll(decoder, Bytes{0x37, 0x21, 0x00});
  REQUIRE(responses.size() == 2);
  CHECK(responses[0].kind == ResponseKind::kUnknown);
  CHECK(responses[1].kind == ResponseKind::kUnknown);
}

TEST_CASE("A process-ID answer with a byte that is not a digit is no process-ID answer") {
  ResponseDecoder decoder;
  auto responses = DecodeAll(decoder, Bytes{0x37, 0x22, '1', 'x', '3', '4', 0x00});
  for (const Response& response : responses) CHECK(response.kind != ResponseKind::kProcessId);
}

}  // namespace
}  // namespace mykey::printer
