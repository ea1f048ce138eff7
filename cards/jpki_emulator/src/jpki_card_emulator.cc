#include "mykey/jpki_emulator/jpki_card_emulator.h"

#include <algorithm>
#include <utility>

#include "mykey/base/log.h"

namespace mykey::jpki {
namespace {

constexpr uint8_t kClaIso = 0x00;
constexpr uint8_t kClaProprietary = 0x80;
constexpr uint8_t kInsSelect = 0xA4;
constexpr uint8_t kInsReadBinary = 0xB0;
constexpr uint8_t kInsVerify = 0x20;
constexpr uint8_t kInsChangeReferenceData = 0x24;
constexpr uint8_t kInsInternalAuthenticate = 0x88;
constexpr uint8_t kInsSign = 0x2A;

constexpr uint8_t kSelectByDfName = 0x04;
constexpr uint8_t kSelectEfUnderCurrentDf = 0x02;
constexpr uint8_t kP2NoResponseData = 0x0C;
constexpr uint8_t kP2FirstOccurrenceFci = 0x00;
constexpr uint8_t kP2CurrentEf = 0x80;

// Largest DigestInfo PKCS#1 v1.5 type-1 padding leaves room for (RSA-2048).
constexpr size_t kMaxDigestInfoSize = 256 - 11;
constexpr size_t kSignatureSize = 256;

Bytes Sw(uint16_t status_word) {
  return {static_cast<uint8_t>(status_word >> 8), static_cast<uint8_t>(status_word & 0xFF)};
}

Bytes WithStatus(Bytes data, uint16_t status_word) {
  AppendBe16(data, status_word);
  return data;
}

Bytes WrongPin(int tries_left) {
  return Sw(static_cast<uint16_t>(sw::kWrongPinBase | (tries_left & 0x0F)));
}

bool IsKnownEf(uint16_t fid) {
  switch (static_cast<Ef>(fid)) {
    case Ef::kSignCertificate:
    case Ef::kSignCaCertificate:
    case Ef::kTokenInfo:
    case Ef::kAuthCertificate:
    case Ef::kAuthCaCertificate:
    case Ef::kAuthPrivateKey:
    case Ef::kAuthPin:
    case Ef::kSignPrivateKey:
    case Ef::kSignPassword: return true;
  }
  return false;
}

bool IsValidPin(Ef pin_ef, ByteView pin) {
  if (pin_ef == Ef::kAuthPin) {
    return pin.size() == kAuthPinLength &&
           std::all_of(pin.begin(), pin.end(), [](uint8_t c) { return c >= '0' && c <= '9'; });
  }
  return pin.size() >= kSignPasswordMinLength && pin.size() <= kSignPasswordMaxLength &&
         std::all_of(pin.begin(), pin.end(),
                     [](uint8_t c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); });
}

Bytes CertificateEf(const Bytes& certificate, size_t ef_size) {
  Bytes ef(certificate);
  ef.resize(std::max(ef_size, certificate.size()), kCertificateFiller);
  return ef;
}

}  // namespace

// A command APDU split into its fields (ISO 7816-3 §12.1: cases 1-4, short
// and extended length).
struct JpkiCardEmulator::Apdu {
  uint8_t cla = 0;
  uint8_t ins = 0;
  uint8_t p1 = 0;
  uint8_t p2 = 0;
  ByteView data;
  bool has_le = false;
  size_t ne = 0;  ///< expected response length (Le 00 = 256, extended 0000 = 65536)

  static std::optional<Apdu> Parse(ByteView c) {
    if (c.size() < 4) return std::nullopt;
    Apdu a;
    a.cla = c[0];
    a.ins = c[1];
    a.p1 = c[2];
    a.p2 = c[3];
    const size_t body = c.size() - 4;
    if (body == 0) return a;  // case 1
    const uint8_t b1 = c[4];
    if (body == 1) {  // case 2 short
      a.has_le = true;
      a.ne = b1 == 0 ? 256 : b1;
      return a;
    }
    if (b1 != 0) {  // short Lc
      const size_t lc = b1;
      if (body == 1 + lc) {  // case 3 short
        a.data = c.subspan(5, lc);
        return a;
      }
      if (body == 2 + lc) {  // case 4 short
        a.data = c.subspan(5, lc);
        a.has_le = true;
        a.ne = c[5 + lc] == 0 ? 256 : c[5 + lc];
        return a;
      }
      return std::nullopt;
    }
    // b1 == 0 and more follows: extended length.
    if (body == 3) {  // case 2 extended
      const size_t le = LoadBe16(c, 5);
      a.has_le = true;
      a.ne = le == 0 ? 65536 : le;
      return a;
    }
    if (body < 3) return std::nullopt;
    const size_t lc = LoadBe16(c, 5);
    if (lc == 0) return std::nullopt;
    if (body == 3 + lc) {  // case 3 extended
      a.data = c.subspan(7, lc);
      return a;
    }
    if (body == 5 + lc) {  // case 4 extended
      a.data = c.subspan(7, lc);
      const size_t le = LoadBe16(c, 7 + lc);
      a.has_le = true;
      a.ne = le == 0 ? 65536 : le;
      return a;
    }
    return std::nullopt;
  }
};

Result<std::unique_ptr<JpkiCardEmulator>> JpkiCardEmulator::Create(JpkiPersonalisation card) {
  MYKEY_TRY(ValidatePersonalisation(card));
  auto auth_key = crypto::RsaPrivateKey::FromDer(card.auth_private_key.view());
  if (!auth_key) return Fail(ErrorCode::kInvalidArgument, "auth private key does not parse");
  std::optional<crypto::RsaPrivateKey> sign_key;
  if (!card.sign_private_key.empty()) {
    auto parsed = crypto::RsaPrivateKey::FromDer(card.sign_private_key.view());
    if (!parsed) return Fail(ErrorCode::kInvalidArgument, "signature private key does not parse");
    sign_key.emplace(std::move(*parsed));
  }
  PinCounters counters = card.counters;
  if (!card.counter_file.empty()) {
    MYKEY_ASSIGN_OR_RETURN(std::optional<PinCounters> stored, LoadPinCounters(card.counter_file));
    if (stored) counters = *stored;
  }
  return std::unique_ptr<JpkiCardEmulator>(
      new JpkiCardEmulator(std::move(card), std::move(*auth_key), std::move(sign_key), counters));
}

JpkiCardEmulator::JpkiCardEmulator(JpkiPersonalisation card, crypto::RsaPrivateKey auth_key,
                                   std::optional<crypto::RsaPrivateKey> sign_key,
                                   PinCounters counters)
    : card_(std::move(card)),
      auth_key_(std::move(auth_key)),
      sign_key_(std::move(sign_key)),
      auth_certificate_(card_.auth_certificate),
      counters_(counters) {
  const size_t ef_size = card_.certificate_ef_size;
  readable_efs_[static_cast<uint16_t>(Ef::kSignCertificate)] =
      CertificateEf(card_.sign_certificate, ef_size);
  readable_efs_[static_cast<uint16_t>(Ef::kSignCaCertificate)] =
      CertificateEf(card_.sign_ca_certificate, ef_size);
  readable_efs_[static_cast<uint16_t>(Ef::kAuthCertificate)] =
      CertificateEf(card_.auth_certificate, ef_size);
  readable_efs_[static_cast<uint16_t>(Ef::kAuthCaCertificate)] =
      CertificateEf(card_.auth_ca_certificate, ef_size);
  // The label, padded with spaces to the EF's size (filled first and copied
  // over: GCC 12 at -O3 misreads a resize() of the short label as an overflow).
  const Bytes label = BytesOf(TokenLabel(card_.token_type));
  Bytes token_info(kTokenInfoSize, static_cast<uint8_t>(' '));
  std::copy_n(label.begin(), std::min(label.size(), token_info.size()), token_info.begin());
  readable_efs_[static_cast<uint16_t>(Ef::kTokenInfo)] = std::move(token_info);
}

JpkiCardEmulator::~JpkiCardEmulator() = default;

void JpkiCardEmulator::DropSecurityState() {
  ap_selected_ = false;
  current_ef_.reset();
  auth_verified_ = false;
  sign_verified_ = false;
}

Bytes JpkiCardEmulator::PowerOn() {
  DropSecurityState();
  return Bytes(kContactAtr.begin(), kContactAtr.end());
}

void JpkiCardEmulator::PowerOff() {
  DropSecurityState();
}

Bytes JpkiCardEmulator::Reset() {
  DropSecurityState();
  return Bytes(kContactAtr.begin(), kContactAtr.end());
}

Bytes JpkiCardEmulator::Process(ByteView command) {
  if (command.size() < 4) return Sw(sw::kWrongLength);
  const uint8_t cla = command[0];
  const uint8_t ins = command[1];
  if (cla != kClaIso && cla != kClaProprietary) return Sw(sw::kClaNotSupported);
  const bool known_ins = cla == kClaIso
                             ? (ins == kInsSelect || ins == kInsReadBinary || ins == kInsVerify ||
                                ins == kInsChangeReferenceData || ins == kInsInternalAuthenticate)
                             : ins == kInsSign;
  if (!known_ins) return Sw(sw::kInsNotSupported);
  std::optional<Apdu> apdu = Apdu::Parse(command);
  if (!apdu) return Sw(sw::kWrongLength);
  switch (ins) {
    case kInsSelect: return Select(*apdu);
    case kInsReadBinary: return ReadBinary(*apdu);
    case kInsVerify: return Verify(*apdu);
    case kInsChangeReferenceData: return ChangeReferenceData(*apdu);
    case kInsSign: return Sign(*apdu);
    default:
      // INTERNAL AUTHENTICATE: JPKI keys refuse it (jpki-card.md §3).
      return Sw(sw::kConditionsOfUse);
  }
}

Bytes JpkiCardEmulator::Select(const Apdu& apdu) {
  if (apdu.p2 != kP2NoResponseData && apdu.p2 != kP2FirstOccurrenceFci) {
    return Sw(sw::kWrongP1P2);
  }
  switch (apdu.p1) {
    case kSelectByDfName: {
      if (!std::equal(apdu.data.begin(), apdu.data.end(), kJpkiAid.begin(), kJpkiAid.end())) {
        return Sw(sw::kFileNotFound);
      }
      // A re-SELECT of the AP starts a new session: PINs must be verified again.
      DropSecurityState();
      ap_selected_ = true;
      return Sw(sw::kOk);
    }
    case kSelectEfUnderCurrentDf: {
      if (!ap_selected_ || apdu.data.size() != 2) return Sw(sw::kFileNotFound);
      const uint16_t fid = LoadBe16(apdu.data, 0);
      if (!IsKnownEf(fid)) return Sw(sw::kFileNotFound);
      current_ef_ = fid;
      return Sw(sw::kOk);
    }
    case 0x00:  // MF/DF/EF by identifier (3F00 included): the card has no MF
    case 0x01:  // child DF
    case 0x08:  // path from the MF
    case 0x09:  // path from the current DF
      return Sw(sw::kFileNotFound);
    default: return Sw(sw::kWrongP1P2);
  }
}

Bytes JpkiCardEmulator::ReadBinary(const Apdu& apdu) {
  if (!apdu.data.empty() || !apdu.has_le) return Sw(sw::kWrongLength);
  // Short EF identifiers (P1 bit 8) are not supported.
  if ((apdu.p1 & 0x80) != 0) return Sw(sw::kWrongP1P2);
  if (!ap_selected_ || !current_ef_) return Sw(sw::kNotAllowedForEf);
  const Ef ef = static_cast<Ef>(*current_ef_);
  auto file = readable_efs_.find(*current_ef_);
  if (file == readable_efs_.end()) return Sw(sw::kNotAllowedForEf);  // keys and PINs
  if (ef == Ef::kSignCertificate && !sign_verified_) return Sw(sw::kSecurityStatus);
  if (ef == Ef::kAuthCertificate && AuthCertificateNeedsPin(card_.token_type) && !auth_verified_) {
    return Sw(sw::kSecurityStatus);
  }
  const Bytes& content = file->second;
  const size_t offset = static_cast<size_t>((apdu.p1 << 8) | apdu.p2);
  if (offset >= content.size()) return Sw(sw::kOffsetOutOfRange);
  const size_t available = content.size() - offset;
  const size_t n = std::min(apdu.ne, available);
  Bytes data(content.begin() + static_cast<std::ptrdiff_t>(offset),
             content.begin() + static_cast<std::ptrdiff_t>(offset + n));
  return WithStatus(std::move(data), n < apdu.ne ? sw::kEndOfFile : sw::kOk);
}

bool JpkiCardEmulator::PersistCounters() {
  if (card_.counter_file.empty()) return true;
  Status saved = SavePinCounters(counters_, card_.counter_file);
  if (!saved) {
    log::Write(log::Level::kError, "jpki_emulator",
               "cannot write the PIN counter file: " + saved.error().ToString());
    return false;
  }
  return true;
}

Bytes JpkiCardEmulator::Verify(const Apdu& apdu) {
  if (apdu.p1 != 0x00 || apdu.p2 != kP2CurrentEf) return Sw(sw::kWrongP1P2);
  if (apdu.has_le) return Sw(sw::kWrongLength);
  if (!ap_selected_ || !current_ef_ ||
      (*current_ef_ != static_cast<uint16_t>(Ef::kAuthPin) &&
       *current_ef_ != static_cast<uint16_t>(Ef::kSignPassword))) {
    return Sw(sw::kNotAllowedForEf);
  }
  const bool is_auth = *current_ef_ == static_cast<uint16_t>(Ef::kAuthPin);
  int& tries = is_auth ? counters_.auth_pin_tries_left : counters_.sign_password_tries_left;
  bool& verified = is_auth ? auth_verified_ : sign_verified_;
  const SecretBytes& reference = is_auth ? card_.auth_pin : card_.sign_password;
  const int max_tries = is_auth ? kAuthPinMaxTries : kSignPasswordMaxTries;

  // No data: report the tries left without using one (also when verified,
  // and 63 C0 when blocked: OpenSC's JPKI driver accepts only 63 Cx here).
  if (apdu.data.empty()) return WrongPin(tries);
  if (tries <= 0) return Sw(sw::kPinBlocked);

  // Like a real card: the try is spent (durably) before the comparison, and
  // given back only by a success. A crash in between costs a try, never gives one.
  verified = false;
  const int before = tries;
  tries = before - 1;
  if (!PersistCounters()) return Sw(sw::kMemoryFailure);
  // A PIN of the wrong length or alphabet is compared like any other and fails.
  if (!ConstantTimeEqual(apdu.data, reference.view())) return WrongPin(tries);
  tries = max_tries;
  if (!PersistCounters()) {
    tries = before - 1;
    return Sw(sw::kMemoryFailure);
  }
  verified = true;
  return Sw(sw::kOk);
}

Bytes JpkiCardEmulator::ChangeReferenceData(const Apdu& apdu) {
  // P1 01: the data field holds the new reference data only.
  if (apdu.p1 != 0x01 || apdu.p2 != kP2CurrentEf) return Sw(sw::kWrongP1P2);
  if (apdu.has_le || apdu.data.empty()) return Sw(sw::kWrongLength);
  if (!ap_selected_ || !current_ef_ ||
      (*current_ef_ != static_cast<uint16_t>(Ef::kAuthPin) &&
       *current_ef_ != static_cast<uint16_t>(Ef::kSignPassword))) {
    return Sw(sw::kNotAllowedForEf);
  }
  const Ef ef = static_cast<Ef>(*current_ef_);
  const bool is_auth = ef == Ef::kAuthPin;
  if (!(is_auth ? auth_verified_ : sign_verified_)) return Sw(sw::kSecurityStatus);
  if (!IsValidPin(ef, apdu.data)) return Sw(sw::kWrongData);
  (is_auth ? card_.auth_pin : card_.sign_password) = SecretBytes(apdu.data);
  return Sw(sw::kOk);
}

Bytes JpkiCardEmulator::Sign(const Apdu& apdu) {
  if (apdu.p1 != 0x00 || apdu.p2 != kP2CurrentEf) return Sw(sw::kWrongP1P2);
  if (apdu.data.empty() || apdu.data.size() > kMaxDigestInfoSize) {
    return Sw(sw::kWrongLength);
  }
  if (apdu.has_le && apdu.ne < kSignatureSize) return Sw(sw::kWrongLength);
  if (!ap_selected_ || !current_ef_ ||
      (*current_ef_ != static_cast<uint16_t>(Ef::kAuthPrivateKey) &&
       *current_ef_ != static_cast<uint16_t>(Ef::kSignPrivateKey))) {
    return Sw(sw::kNotAllowedForEf);
  }
  const bool is_auth = *current_ef_ == static_cast<uint16_t>(Ef::kAuthPrivateKey);
  if (!(is_auth ? auth_verified_ : sign_verified_)) return Sw(sw::kSecurityStatus);
  const crypto::RsaPrivateKey* key = is_auth ? &auth_key_ : nullptr;
  if (!is_auth) {
    if (!sign_key_) return Sw(sw::kReferencedDataNotFound);
    key = &*sign_key_;
  }
  auto signature = key->SignDigestInfo(apdu.data);
  if (!signature) return Sw(sw::kNoPreciseDiagnosis);
  return WithStatus(std::move(*signature), sw::kOk);
}

}  // namespace mykey::jpki
