// Fuzzes everything that reads a card's answers: ResponseApdu::Parse, the
// status-word table, and the JPKI driver (SELECT, token info, certificate
// reads, PIN status and VERIFY through the PinGuard, SIGN, CHANGE PIN) over a
// "fuzzing reader" (OpenSC's idea): a ScriptedCardReader that answers every
// command with the next fuzzer-provided response.
//
// Input: byte 0 chooses the driver operations (one bit each); then responses,
// each a length byte L followed by L bytes (L = 0xFF: a 2-byte big-endian
// length follows, capped at 4096).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "mykey/base/der.h"
#include "mykey/iso7816/apdu_trace.h"
#include "mykey/iso7816/card_channel.h"
#include "mykey/iso7816/response_apdu.h"
#include "mykey/iso7816/status_word.h"
#include "mykey/jpki/jpki_applet.h"
#include "mykey/jpki/pin_guard.h"
#include "mykey/scripted/scripted_card_reader.h"

namespace {

using mykey::Bytes;
using mykey::ByteView;

constexpr size_t kMaxResponse = 4096;
constexpr size_t kMaxResponses = 512;

// Parses the response and checks the status-word table's invariants.
void CheckResponse(ByteView raw) {
  auto response = mykey::iso7816::ResponseApdu::Parse(raw);
  if (!response) {
    if (raw.size() >= 2) std::abort();
    return;
  }
  if (response->data().size() + 2 != raw.size()) std::abort();
  const auto meaning = mykey::iso7816::StatusWordInfo(response->sw());
  if (meaning.text == nullptr) std::abort();
  if (meaning.success != response->ok()) std::abort();
  if (!response->ok()) {
    const mykey::Error error = mykey::iso7816::ErrorFromStatusWord(response->sw());
    if (!error.Is(mykey::ErrorDomain::kCardStatus, response->sw())) std::abort();
    (void)error.ToString();
    (void)mykey::iso7816::ErrorFromVerifyStatusWord(response->sw());
  }
}

void CheckCertificate(const mykey::Result<Bytes>& cert) {
  if (!cert) return;
  auto size = mykey::DerElementSize(*cert);
  if (!size || *size != cert->size()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ByteView input(data, size);
  CheckResponse(input);
  if (input.empty()) return 0;

  const uint8_t operations = input[0];
  mykey::hal::ScriptedCardReader reader;
  size_t at = 1;
  for (size_t n = 0; at < input.size() && n < kMaxResponses; ++n) {
    size_t length = input[at++];
    if (length == 0xFF && at + 2 <= input.size()) {
      length = std::min<size_t>(mykey::LoadBe16(input, at), kMaxResponse);
      at += 2;
    }
    length = std::min(length, input.size() - at);
    const ByteView response = input.subspan(at, length);
    at += length;
    CheckResponse(response);
    reader.ExpectAnyCommand(Bytes(response.begin(), response.end()));
  }
  if (!reader.Connect()) return 0;

  mykey::iso7816::CardChannel channel(reader);
  mykey::iso7816::ApduTrace trace;
  channel.set_trace(&trace);
  mykey::jpki::JpkiApplet applet(channel);
  mykey::jpki::PinGuard guard(applet);

  (void)applet.Select();
  if (operations & 0x01) (void)applet.ReadTokenType();
  if (operations & 0x02) CheckCertificate(applet.ReadAuthCertificate());
  if (operations & 0x04) CheckCertificate(applet.ReadAuthCaCertificate());
  if (operations & 0x08) {
    if (guard.Check()) {
      auto pin = mykey::jpki::Pin::AuthPin("9876");
      if (!pin) std::abort();
      (void)guard.Verify(std::move(*pin), (operations & 0x80)
                                              ? mykey::jpki::LastTryConfirmation::kConfirmed
                                              : mykey::jpki::LastTryConfirmation::kNotConfirmed);
    }
  }
  if (operations & 0x10) {
    auto signature = applet.SignWithAuthKey(mykey::crypto::Sha256Digest{});
    if (signature && signature->size() != 256) std::abort();
  }
  if (operations & 0x20) {
    auto pin = mykey::jpki::Pin::AuthPin("5432");
    if (!pin) std::abort();
    (void)applet.ChangeAuthPin(std::move(*pin));
  }
  if (operations & 0x40) CheckCertificate(applet.ReadSignCaCertificate());

  // The PINs never reach the trace, whatever the card answered.
  const std::string text = trace.ToString({.response_data = false, .timing = false});
  if (std::getenv("MYKEY_FUZZ_TRACE") != nullptr) std::fprintf(stderr, "%s\n", text.c_str());
  if (text.find("39 38 37 36") != std::string::npos) std::abort();
  if (text.find("35 34 33 32") != std::string::npos) std::abort();
  // Only the JPKI AID and EF selects ever reach the reader.
  for (const auto& sent : reader.transmissions()) {
    if (!mykey::iso7816::AidFirewall::CheckEncoded(sent.command)) std::abort();
  }
  return 0;
}
