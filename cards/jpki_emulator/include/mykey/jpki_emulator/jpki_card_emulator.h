#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/card_reader/virtual_card.h"
#include "mykey/crypto/rsa.h"
#include "mykey/jpki_emulator/personalisation.h"

namespace mykey::jpki {

/// Status words the emulator answers (ISO 7816-4).
namespace sw {
inline constexpr uint16_t kOk = 0x9000;
inline constexpr uint16_t kEndOfFile = 0x6282;        ///< fewer bytes than Le: end of the EF
inline constexpr uint16_t kMemoryFailure = 0x6581;    ///< the counter file could not be written
inline constexpr uint16_t kWrongLength = 0x6700;      ///< malformed APDU, Lc/Le wrong
inline constexpr uint16_t kNotAllowedForEf = 0x6986;  ///< no (suitable) current EF
inline constexpr uint16_t kSecurityStatus = 0x6982;   ///< PIN not verified
inline constexpr uint16_t kPinBlocked = 0x6984;       ///< reference data blocked
inline constexpr uint16_t kConditionsOfUse = 0x6985;  ///< refused (INTERNAL AUTHENTICATE)
inline constexpr uint16_t kWrongData = 0x6A80;        ///< new PIN breaks the format
inline constexpr uint16_t kFileNotFound = 0x6A82;     ///< unknown AID or EF
inline constexpr uint16_t kWrongP1P2 = 0x6A86;        ///< unsupported P1/P2
inline constexpr uint16_t kReferencedDataNotFound = 0x6A88;  ///< no signature key on this card
inline constexpr uint16_t kOffsetOutOfRange = 0x6B00;        ///< READ BINARY offset past the end
inline constexpr uint16_t kInsNotSupported = 0x6D00;         ///< unknown INS (for this CLA)
inline constexpr uint16_t kClaNotSupported = 0x6E00;         ///< unknown CLA
inline constexpr uint16_t kWrongPinBase = 0x63C0;            ///< | tries left
inline constexpr uint16_t kNoPreciseDiagnosis = 0x6F00;      ///< the key operation failed
}  // namespace sw

/// The byte after the certificate in a certificate EF, up to the EF's end.
inline constexpr uint8_t kCertificateFiller = 0xFF;
/// Size of EF 0006 (the space-padded token label).
inline constexpr size_t kTokenInfoSize = kTokenLabelSize;

/// A behavioural model of the My Number Card's JPKI applet (jpki-card.md
/// §2-§5), built from a personalisation, good enough to run the product and
/// other middleware (OpenSC) against. Decisions where the real card's
/// behaviour is not known are listed in this module's README.md.
///
/// Only the JPKI AP exists: SELECT of any other DF name (the other My Number
/// APs included) or of the MF answers 6A 82. Security state (selected AP and
/// EF, verified PINs) is dropped on PowerOn(), PowerOff(), Reset() and on a
/// re-SELECT of the AP. PIN counters persist in `counter_file` when it is
/// set: written durably before the VERIFY that changed them is answered.
///
/// Thread safety: not thread-safe; the host (SimCardReader, mykey-vcard)
/// serialises calls.
class JpkiCardEmulator final : public hal::VirtualCard {
 public:
  /// Builds a card. Counters come from `card.counter_file` if that file
  /// exists, else from `card.counters`.
  /// @returns kInvalidArgument if the personalisation breaks a rule
  /// (ValidatePersonalisation); kDataLoss if the counter file is corrupt;
  /// kUnavailable/kPermissionDenied if it cannot be read.
  static Result<std::unique_ptr<JpkiCardEmulator>> Create(JpkiPersonalisation card);

  ~JpkiCardEmulator() override;

  /// @returns kContactAtr.
  Bytes PowerOn() override;
  void PowerOff() override;
  Bytes Reset() override;
  /// Processes one command APDU (short or extended length); never fails:
  /// every input gets a response ending in a status word.
  Bytes Process(ByteView command) override;

  /// PIN tries left now.
  const PinCounters& counters() const { return counters_; }
  bool auth_pin_verified() const { return auth_verified_; }
  bool sign_password_verified() const { return sign_verified_; }
  /// The auth certificate (DER) the card holds in EF 000A.
  const Bytes& auth_certificate() const { return auth_certificate_; }

 private:
  struct Apdu;

  JpkiCardEmulator(JpkiPersonalisation card, crypto::RsaPrivateKey auth_key,
                   std::optional<crypto::RsaPrivateKey> sign_key, PinCounters counters);

  void DropSecurityState();
  Bytes Select(const Apdu& apdu);
  Bytes ReadBinary(const Apdu& apdu);
  Bytes Verify(const Apdu& apdu);
  Bytes ChangeReferenceData(const Apdu& apdu);
  Bytes Sign(const Apdu& apdu);
  /// Writes the counters to the counter file (if any). False if that failed.
  bool PersistCounters();

  JpkiPersonalisation card_;
  crypto::RsaPrivateKey auth_key_;
  std::optional<crypto::RsaPrivateKey> sign_key_;
  Bytes auth_certificate_;
  std::map<uint16_t, Bytes> readable_efs_;  ///< EF contents with filler
  PinCounters counters_;

  bool ap_selected_ = false;
  std::optional<uint16_t> current_ef_;
  bool auth_verified_ = false;
  bool sign_verified_ = false;
};

}  // namespace mykey::jpki
