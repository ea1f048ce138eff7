#include "mykey/iso7816/aid_firewall.h"

#include <array>
#include <initializer_list>
#include <string>

#include "mykey/iso7816/card_channel.h"
#include "mykey/jpki_profile/jpki_profile.h"
#include "mykey/scripted/scripted_card_reader.h"
#include "mykey/testing/catch.h"

namespace mykey::iso7816 {
namespace {

Bytes Hex(std::string_view hex) {
  auto bytes = FromHex(hex);
  REQUIRE(bytes);
  return *bytes;
}

const Bytes kJpki(jpki::kJpkiAid.begin(), jpki::kJpkiAid.end());

const std::array<std::array<uint8_t, 10>, 4> kForbiddenAids = {
    jpki::kCardFaceTextAid, jpki::kCardFaceImageAid, jpki::kResidentRegistryAid,
    jpki::kUnknownApAid};

// A deliberately buggy driver: it only knows how to build SELECT commands and
// pushes them through the channel as any driver would.
class BuggyDriver {
 public:
  explicit BuggyDriver(CardChannel& channel) : channel_(channel) {}
  Result<ResponseApdu> Select(uint8_t cla, uint8_t p1, uint8_t p2, ByteView data,
                              ApduForm form = ApduForm::kAuto) {
    MYKEY_ASSIGN_OR_RETURN(CommandApdu command,
                           CommandApdu::Create(cla, 0xA4, p1, p2, data, std::nullopt, form));
    return channel_.Transmit(command);
  }

 private:
  CardChannel& channel_;
};

void CheckRefused(const Result<ResponseApdu>& result) {
  REQUIRE_FALSE(result);
  CHECK(result.error().code() == ErrorCode::kPermissionDenied);
}

TEST_CASE("a buggy driver cannot select any forbidden application through the channel",
          "[firewall]") {
  hal::ScriptedCardReader reader;  // no steps: any command reaching it is a failure
  REQUIRE(reader.Connect());
  CardChannel channel(reader);
  ApduTrace trace;
  channel.set_trace(&trace);
  BuggyDriver driver(channel);

  size_t attempts = 0;
  for (const auto& aid : kForbiddenAids) {
    for (const uint8_t cla : std::initializer_list<uint8_t>{0x00, 0x01, 0x02, 0x03, 0x04, 0x0C,
                                                            0x10, 0x40, 0x80, 0x84}) {
      for (const uint8_t p2 : std::initializer_list<uint8_t>{0x00, 0x02, 0x04, 0x0C, 0x0E}) {
        for (ApduForm form : {ApduForm::kShort, ApduForm::kExtended}) {
          INFO("cla " << int{cla} << " p2 " << int{p2});
          CheckRefused(driver.Select(cla, 0x04, p2, aid, form));
          ++attempts;
        }
      }
    }
  }
  CHECK(reader.transmissions().empty());
  CHECK(reader.mismatches().empty());
  CHECK(trace.apdu_count() == 0);
  CHECK(trace.refused_count() == attempts);
}

TEST_CASE("partial AID matches and next-occurrence selects are refused", "[firewall]") {
  const Bytes prefix(kJpki.begin(), kJpki.begin() + 5);
  Bytes longer = kJpki;
  longer.push_back(0x00);
  CHECK_FALSE(AidFirewall::Check(*CommandApdu::Create(0x00, 0xA4, 0x04, 0x0C, prefix)));
  CHECK_FALSE(AidFirewall::Check(*CommandApdu::Create(0x00, 0xA4, 0x04, 0x0C, longer)));
  CHECK_FALSE(AidFirewall::Check(*CommandApdu::Create(0x00, 0xA4, 0x04, 0x0C, Bytes{})));
  for (const uint8_t p2 :
       std::initializer_list<uint8_t>{0x01, 0x02, 0x03, 0x0D, 0x0E, 0x0F, 0x10, 0x8C}) {
    INFO("p2 " << int{p2});
    auto status = AidFirewall::Check(*CommandApdu::Create(0x00, 0xA4, 0x04, p2, kJpki));
    REQUIRE_FALSE(status);
    CHECK(status.error().code() == ErrorCode::kPermissionDenied);
  }
}

TEST_CASE("SELECT forms this product never needs are refused", "[firewall]") {
  for (const uint8_t p1 :
       std::initializer_list<uint8_t>{0x00, 0x01, 0x03, 0x08, 0x09, 0x05, 0x44}) {
    INFO("p1 " << int{p1});
    CHECK_FALSE(AidFirewall::Check(*CommandApdu::Create(0x00, 0xA4, p1, 0x0C, Hex("3F00"))));
    CHECK_FALSE(AidFirewall::Check(*CommandApdu::Create(0x00, 0xA4, p1, 0x0C, Hex("000A"))));
  }
  // Select the MF (P1 00, no data).
  CHECK_FALSE(AidFirewall::Check(*CommandApdu::Create(0x00, 0xA4, 0x00, 0x00)));
  // An EF select needs exactly a two-byte file identifier.
  CHECK_FALSE(AidFirewall::Check(*CommandApdu::Create(0x00, 0xA4, 0x02, 0x0C, Hex("00"))));
  CHECK_FALSE(AidFirewall::Check(*CommandApdu::Create(0x00, 0xA4, 0x02, 0x0C, Hex("000A00"))));
}

TEST_CASE("MANAGE CHANNEL and ENVELOPE are refused under every CLA", "[firewall]") {
  for (const uint8_t cla : std::initializer_list<uint8_t>{0x00, 0x01, 0x80}) {
    CHECK_FALSE(AidFirewall::Check(*CommandApdu::Create(cla, 0x70, 0x00, 0x00, {}, 1)));
    CHECK_FALSE(AidFirewall::Check(*CommandApdu::Create(cla, 0x70, 0x80, 0x01)));
    CHECK_FALSE(AidFirewall::Check(*CommandApdu::Create(cla, 0xC2, 0x00, 0x00, Hex("00A40400"))));
    CHECK_FALSE(AidFirewall::Check(*CommandApdu::Create(cla, 0xC3, 0x00, 0x00, Hex("00A40400"))));
  }
}

TEST_CASE("the JPKI AP select and EF selects are allowed", "[firewall]") {
  CHECK(AidFirewall::Check(*CommandApdu::Create(0x00, 0xA4, 0x04, 0x0C, kJpki)));
  CHECK(AidFirewall::Check(*CommandApdu::Create(0x00, 0xA4, 0x04, 0x00, kJpki, 256)));
  CHECK(AidFirewall::Check(*CommandApdu::Create(0x00, 0xA4, 0x02, 0x0C, Hex("000A"))));
  CHECK(AidFirewall::CheckEncoded(Hex("00A4040C0AD392F000260100000001")));
  CHECK(AidFirewall::CheckEncoded(Hex("00A4020C020017")));
}

TEST_CASE("commands other than SELECT pass the firewall", "[firewall]") {
  CHECK(AidFirewall::CheckEncoded(Hex("00B0000000")));
  CHECK(AidFirewall::CheckEncoded(Hex("00200080")));
  CHECK(AidFirewall::CheckEncoded(Hex("00C0000010")));
}

TEST_CASE("encoded SELECTs of forbidden AIDs are refused in short and extended form",
          "[firewall]") {
  CHECK_FALSE(AidFirewall::CheckEncoded(Hex("00A4040C0AD3921000310001010408")));
  CHECK_FALSE(AidFirewall::CheckEncoded(Hex("00A4040C00000AD3921000310001010408")));
  CHECK_FALSE(AidFirewall::CheckEncoded(Hex("00A4040C00000AD39210003100010104080000")));
  CHECK_FALSE(AidFirewall::CheckEncoded(Hex("0CA4040C0AD3921000310001010402")));
}

TEST_CASE("bytes that are not a well-formed APDU are refused", "[firewall]") {
  auto status = AidFirewall::CheckEncoded(Hex("00A4040C0AD39210"));
  REQUIRE_FALSE(status);
  CHECK(status.error().code() == ErrorCode::kPermissionDenied);
  CHECK_FALSE(AidFirewall::CheckEncoded(Hex("00A4")));
}

TEST_CASE("an allowed JPKI select does reach the reader", "[firewall]") {
  hal::ScriptedCardReader reader;
  reader.Expect("00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01", "90 00");
  REQUIRE(reader.Connect());
  CardChannel channel(reader);
  BuggyDriver driver(channel);
  auto response = driver.Select(0x00, 0x04, 0x0C, kJpki);
  REQUIRE(response);
  CHECK(response->ok());
  CHECK(reader.AllConsumed());
}

}  // namespace
}  // namespace mykey::iso7816
