#include "mykey/iso7816/aid_firewall.h"

#include <algorithm>

#include "mykey/jpki_profile/jpki_profile.h"

namespace mykey::iso7816 {
namespace {

constexpr uint8_t kInsSelect = 0xA4;
constexpr uint8_t kInsManageChannel = 0x70;
constexpr uint8_t kInsEnvelope = 0xC2;
constexpr uint8_t kInsEnvelopeOdd = 0xC3;

constexpr uint8_t kSelectByDfName = 0x04;
constexpr uint8_t kSelectEfUnderCurrentDf = 0x02;

auto Refuse(const char* why) {
  return Fail(ErrorCode::kPermissionDenied, why);
}

Status CheckSelect(const CommandApdu& command) {
  if (command.cla() != 0x00) {
    return Refuse("AID firewall: SELECT with a CLA other than 00 refused");
  }
  // P2 bits 1-2 choose the occurrence (only "first or only" is allowed), bits
  // 3-4 the response template; the upper bits are RFU.
  if ((command.p2() & 0xF3) != 0x00) {
    return Refuse("AID firewall: SELECT occurrence or P2 form refused");
  }
  switch (command.p1()) {
    case kSelectByDfName:
      if (std::ranges::equal(command.data(), jpki::kJpkiAid)) return Ok();
      return Refuse("AID firewall: SELECT of an application other than the JPKI AP refused");
    case kSelectEfUnderCurrentDf:
      if (command.data().size() == 2) return Ok();
      return Refuse("AID firewall: SELECT EF needs exactly a 2-byte file identifier");
    default:
      return Refuse("AID firewall: SELECT form refused (only the JPKI AID or an EF identifier)");
  }
}

}  // namespace

Status AidFirewall::Check(const CommandApdu& command) {
  switch (command.ins()) {
    case kInsSelect: return CheckSelect(command);
    case kInsManageChannel: return Refuse("AID firewall: MANAGE CHANNEL refused");
    case kInsEnvelope:
    case kInsEnvelopeOdd: return Refuse("AID firewall: ENVELOPE refused");
    default: return Ok();
  }
}

Status AidFirewall::CheckEncoded(ByteView encoded) {
  auto command = CommandApdu::Parse(encoded);
  if (!command) return Refuse("AID firewall: malformed command APDU refused");
  return Check(*command);
}

}  // namespace mykey::iso7816
