#include "mykey/iso7816/command_apdu.h"

#include "mykey/testing/catch.h"

namespace mykey::iso7816 {
namespace {

Bytes Hex(std::string_view hex) {
  auto bytes = FromHex(hex);
  REQUIRE(bytes);
  return *bytes;
}

Bytes Encoded(const Result<CommandApdu>& apdu) {
  REQUIRE(apdu);
  return apdu->Encode();
}

TEST_CASE("case 1 encodes only the header", "[apdu]") {
  CHECK(Encoded(CommandApdu::Create(0x00, 0x20, 0x00, 0x80)) == Hex("00200080"));
}

TEST_CASE("case 2 short encodes Le, with 256 as 00", "[apdu]") {
  CHECK(Encoded(CommandApdu::Create(0x00, 0xB0, 0x01, 0x00, {}, 256)) == Hex("00B0010000"));
  CHECK(Encoded(CommandApdu::Create(0x00, 0xB0, 0x00, 0x00, {}, 32)) == Hex("00B0000020"));
}

TEST_CASE("case 3 short encodes Lc and data", "[apdu]") {
  const Bytes fid = Hex("000A");
  CHECK(Encoded(CommandApdu::Create(0x00, 0xA4, 0x02, 0x0C, fid)) == Hex("00A4020C02000A"));
}

TEST_CASE("case 4 short encodes Lc, data and Le", "[apdu]") {
  const Bytes data(51, 0xAB);
  Bytes expected = Hex("802A008033");
  expected.insert(expected.end(), data.begin(), data.end());
  expected.push_back(0x00);
  CHECK(Encoded(CommandApdu::Create(0x80, 0x2A, 0x00, 0x80, data, 256)) == expected);
}

TEST_CASE("data longer than 255 bytes switches to extended form", "[apdu]") {
  const Bytes data(300, 0x11);
  auto apdu = CommandApdu::Create(0x00, 0xD6, 0x00, 0x00, data);
  REQUIRE(apdu);
  CHECK(apdu->extended());
  const Bytes encoded = apdu->Encode();
  REQUIRE(encoded.size() == 4 + 3 + 300);
  CHECK(Bytes(encoded.begin(), encoded.begin() + 7) == Hex("00D60000 00012C"));
}

TEST_CASE("Ne above 256 switches to extended form, with 65536 as 0000", "[apdu]") {
  CHECK(Encoded(CommandApdu::Create(0x00, 0xB0, 0x00, 0x00, {}, 1024)) == Hex("00B00000 000400"));
  CHECK(Encoded(CommandApdu::Create(0x00, 0xB0, 0x00, 0x00, {}, 65536)) == Hex("00B00000 000000"));
}

TEST_CASE("extended form can be forced for a short command", "[apdu]") {
  CHECK(Encoded(CommandApdu::Create(0x00, 0xA4, 0x02, 0x0C, Hex("000A"), std::nullopt,
                                    ApduForm::kExtended)) == Hex("00A4020C 000002 000A"));
  CHECK(Encoded(CommandApdu::Create(0x80, 0x2A, 0x00, 0x80, Hex("01"), 256, ApduForm::kExtended)) ==
        Hex("802A0080 000001 01 0100"));
}

TEST_CASE("invalid commands are refused by the factory", "[apdu]") {
  const Bytes too_long(65536, 0);
  CHECK(CommandApdu::Create(0, 0xD6, 0, 0, too_long).error().code() == ErrorCode::kInvalidArgument);
  CHECK(CommandApdu::Create(0, 0xB0, 0, 0, {}, 0).error().code() == ErrorCode::kInvalidArgument);
  CHECK(CommandApdu::Create(0, 0xB0, 0, 0, {}, 65537).error().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(CommandApdu::Create(0, 0xB0, 0, 0, {}, 257, ApduForm::kShort).error().code() ==
        ErrorCode::kInvalidArgument);
  const Bytes data(256, 0);
  CHECK(CommandApdu::Create(0, 0xD6, 0, 0, data, std::nullopt, ApduForm::kShort).error().code() ==
        ErrorCode::kInvalidArgument);
}

TEST_CASE("parsing gives back every case in both forms", "[apdu]") {
  for (std::string_view hex :
       {"00200080", "00B0000000", "00B0000020", "00A4020C02000A", "802A00800301020300",
        "00B00000000400", "00B00000000000", "00A4020C000002000A", "802A0080000001010100"}) {
    const Bytes bytes = Hex(hex);
    auto parsed = CommandApdu::Parse(bytes);
    INFO(hex);
    REQUIRE(parsed);
    CHECK(parsed->Encode() == bytes);
  }
}

TEST_CASE("parsing refuses malformed commands", "[apdu]") {
  for (std::string_view hex : {"00A404", "00A4040C0A0102", "00A4040C020102030405", "00A4040C0000",
                               "00A4040C000000FF01", "00A4040C00000001"}) {
    INFO(hex);
    auto parsed = CommandApdu::Parse(Hex(hex));
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code() == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("WithLe keeps the command and changes Ne", "[apdu]") {
  auto apdu = CommandApdu::Create(0x00, 0xB0, 0x00, 0x10, {}, 256);
  REQUIRE(apdu);
  auto again = apdu->WithLe(0x20);
  REQUIRE(again);
  CHECK(again->Encode() == Hex("00B0001020"));
}

}  // namespace
}  // namespace mykey::iso7816
