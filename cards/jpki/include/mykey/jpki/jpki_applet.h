#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "mykey/base/bytes.h"
#include "mykey/base/result.h"
#include "mykey/crypto/sha256.h"
#include "mykey/iso7816/card_channel.h"
#include "mykey/iso7816/command_apdu.h"
#include "mykey/iso7816/response_apdu.h"
#include "mykey/jpki/pin.h"
#include "mykey/jpki_profile/jpki_profile.h"

namespace mykey::jpki {

/// The auth PIN's state as the card reports it.
struct PinStatus {
  /// Tries left before the PIN blocks (0..3); kAuthPinMaxTries when the card
  /// reports the PIN as verified.
  int tries_left = 0;
  /// The card answered 9000 to the empty VERIFY: already verified this session.
  bool verified = false;
  /// No tries left (6984 or 63C0): only the municipal office can unblock it.
  bool blocked = false;
};

/// The tries left that a failed VERIFY reported (its 63Cx status word), or
/// nullopt for any other error.
std::optional<int> TriesLeftFromError(const Error& error);

/// How long SIGN may take: over contactless the card needs hundreds of
/// milliseconds (jpki-card.md §3), so this one command gets seconds.
inline constexpr std::chrono::milliseconds kSignTimeout{10000};

/// The driver of the JPKI applet (jpki-card.md §3), a thin client of
/// iso7816::CardChannel: every byte it sends passes the channel's AID firewall.
///
/// It offers only what this product needs. There is deliberately no way to
/// read EF 0001, the signature certificate (it holds name, address, birth date
/// and sex).
///
/// Status words map through the iso7816 table (ErrorDomain::kCardStatus,
/// detail = the SW); errors of the channel (kAborted card removed,
/// kUnavailable, kPermissionDenied by the firewall, ...) pass through unchanged.
/// A command other than Select() before a successful Select() fails with
/// kFailedPrecondition and sends nothing; a kAborted error forgets the selection.
///
/// Thread safety: not thread-safe; one owner drives the applet and its channel.
class JpkiApplet {
 public:
  /// @param channel borrowed; must outlive the applet
  explicit JpkiApplet(iso7816::CardChannel& channel) : channel_(channel) {}
  JpkiApplet(const JpkiApplet&) = delete;
  JpkiApplet& operator=(const JpkiApplet&) = delete;

  /// SELECT the JPKI AP: `00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01`.
  /// Re-selecting drops the card's verified PIN state.
  /// @returns kNotFound "no JPKI applet" for 6A82; the table's error for any
  /// other status word.
  Status Select();

  /// Reads the token type from EF 0006 (the first 32 bytes, a space-padded label).
  /// @returns kUnimplemented for a label this driver does not know;
  /// kDataLoss if fewer than 32 bytes come back; card errors as above.
  Result<TokenType> ReadTokenType();

  /// Reads the user-authentication certificate (EF 000A), DER, exactly as
  /// long as its DER header says (never the EF's filler).
  /// @returns kPermissionDenied for 6982 (a phone token before the auth PIN);
  /// kNotFound for 6A82; kDataLoss if the EF does not start with a DER
  /// SEQUENCE, is larger than 32 KiB, or a read returns nothing; kOutOfRange
  /// for 6B00 (EF shorter than the header says); kAborted if the card is
  /// removed mid-read.
  Result<Bytes> ReadAuthCertificate();
  /// Reads the user-authentication CA certificate (EF 000B); errors as above.
  Result<Bytes> ReadAuthCaCertificate();
  /// Reads the signature CA certificate (EF 0002); errors as above.
  Result<Bytes> ReadSignCaCertificate();

  /// The auth PIN's tries left, read without using a try: SELECT EF 0018,
  /// then an empty VERIFY `00 20 00 80`.
  /// @returns the status (63Cx -> x tries; 9000 -> verified; 6984 or 63C0 ->
  /// blocked); the table's error for any other status word.
  Result<PinStatus> AuthPinTriesLeft();

  /// VERIFY the auth PIN: SELECT EF 0018, then `00 20 00 80 04 <4 ASCII digits>`.
  /// The PIN is consumed: wiped before this returns, whatever the outcome.
  /// @param pin an auth PIN (Pin::AuthPin)
  /// @returns Ok for 9000; kUnauthenticated for 63Cx, x >= 1 (wrong PIN; tries
  /// left via TriesLeftFromError()); kResourceExhausted "PIN blocked" for 63C0
  /// (this try blocked it) and for 6984 (was already blocked);
  /// kInvalidArgument for a signature password (nothing sent).
  Status VerifyAuthPin(Pin pin);

  /// Signs with the user-authentication key: SELECT EF 0017, then
  /// `80 2A 00 80 33 <DER DigestInfo of the SHA-256 digest, 51 bytes> 00`,
  /// with a kSignTimeout timeout for the SIGN command.
  /// @returns the 256-byte PKCS#1 v1.5 signature; kPermissionDenied "PIN not
  /// verified" for 6982; kDataLoss if the signature is not 256 bytes.
  Result<Bytes> SignWithAuthKey(const crypto::Sha256Digest& digest);

  /// Changes the auth PIN after a successful VerifyAuthPin() in this session:
  /// SELECT EF 0018, then `00 24 01 80 04 <new PIN>`. The new PIN is consumed.
  /// @returns kFailedPrecondition (nothing sent) if the PIN was not verified
  /// since the last Select(); kPermissionDenied for 6982; kInvalidArgument for
  /// a signature password.
  Status ChangeAuthPin(Pin new_pin);

  /// True after a successful Select() (until kAborted or the next Select()).
  bool selected() const { return selected_; }
  /// True after a successful VerifyAuthPin() since the last Select().
  bool auth_pin_verified() const { return auth_pin_verified_; }

 private:
  Result<iso7816::ResponseApdu> Send(const iso7816::CommandApdu& command,
                                     std::chrono::milliseconds timeout);
  Status RequireSelected() const;
  Status SelectEf(Ef ef);
  Result<Bytes> ReadBinary(size_t offset, size_t length);
  Result<Bytes> ReadCertificate(Ef ef);

  iso7816::CardChannel& channel_;
  bool selected_ = false;
  bool auth_pin_verified_ = false;
};

}  // namespace mykey::jpki
