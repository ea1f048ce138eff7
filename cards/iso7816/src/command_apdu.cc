#include "mykey/iso7816/command_apdu.h"

namespace mykey::iso7816 {

Result<CommandApdu> CommandApdu::Create(uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2,
                                        ByteView data, std::optional<size_t> le, ApduForm form) {
  if (data.size() > kMaxExtendedDataSize) {
    return Fail(ErrorCode::kInvalidArgument, "command data longer than 65535 bytes");
  }
  if (le && (*le == 0 || *le > kMaxExtendedLe)) {
    return Fail(ErrorCode::kInvalidArgument, "Ne must be 1..65536");
  }
  const bool needs_extended = data.size() > kMaxShortDataSize || (le && *le > kMaxShortLe);
  if (form == ApduForm::kShort && needs_extended) {
    return Fail(ErrorCode::kInvalidArgument, "command does not fit the short APDU form");
  }
  CommandApdu apdu;
  apdu.cla_ = cla;
  apdu.ins_ = ins;
  apdu.p1_ = p1;
  apdu.p2_ = p2;
  apdu.data_.assign(data.begin(), data.end());
  apdu.le_ = le;
  // Case 1 has no length field at all, so it has no extended form.
  apdu.extended_ = (needs_extended || form == ApduForm::kExtended) && (!data.empty() || le);
  return apdu;
}

Result<CommandApdu> CommandApdu::Parse(ByteView encoded) {
  if (encoded.size() < 4) return Fail(ErrorCode::kInvalidArgument, "APDU shorter than 4 bytes");
  const uint8_t cla = encoded[0];
  const uint8_t ins = encoded[1];
  const uint8_t p1 = encoded[2];
  const uint8_t p2 = encoded[3];
  const ByteView body = encoded.subspan(4);
  if (body.empty()) return Create(cla, ins, p1, p2);  // case 1
  if (body.size() == 1) {                             // case 2S
    return Create(cla, ins, p1, p2, {}, body[0] == 0 ? 256 : body[0], ApduForm::kShort);
  }
  if (body[0] != 0) {  // short Lc
    const size_t lc = body[0];
    if (body.size() == 1 + lc) {  // case 3S
      return Create(cla, ins, p1, p2, body.subspan(1, lc), std::nullopt, ApduForm::kShort);
    }
    if (body.size() == 2 + lc) {  // case 4S
      const size_t le = body[1 + lc] == 0 ? 256 : body[1 + lc];
      return Create(cla, ins, p1, p2, body.subspan(1, lc), le, ApduForm::kShort);
    }
    return Fail(ErrorCode::kInvalidArgument, "short Lc inconsistent with the APDU length");
  }
  // Extended form: 00 followed by two length bytes.
  if (body.size() < 3) return Fail(ErrorCode::kInvalidArgument, "truncated extended length");
  const size_t n = LoadBe16(body, 1);
  if (body.size() == 3) {  // case 2E
    return Create(cla, ins, p1, p2, {}, n == 0 ? 65536 : n, ApduForm::kExtended);
  }
  if (n == 0) return Fail(ErrorCode::kInvalidArgument, "extended Lc of zero");
  if (body.size() == 3 + n) {  // case 3E
    return Create(cla, ins, p1, p2, body.subspan(3, n), std::nullopt, ApduForm::kExtended);
  }
  if (body.size() == 5 + n) {  // case 4E
    const size_t le = LoadBe16(body, 3 + n);
    return Create(cla, ins, p1, p2, body.subspan(3, n), le == 0 ? 65536 : le, ApduForm::kExtended);
  }
  return Fail(ErrorCode::kInvalidArgument, "extended Lc inconsistent with the APDU length");
}

CommandApdu& CommandApdu::operator=(const CommandApdu& other) {
  if (this != &other) {
    Wipe();
    cla_ = other.cla_;
    ins_ = other.ins_;
    p1_ = other.p1_;
    p2_ = other.p2_;
    data_ = other.data_;
    le_ = other.le_;
    extended_ = other.extended_;
  }
  return *this;
}

CommandApdu& CommandApdu::operator=(CommandApdu&& other) noexcept {
  if (this != &other) {
    Wipe();
    cla_ = other.cla_;
    ins_ = other.ins_;
    p1_ = other.p1_;
    p2_ = other.p2_;
    data_ = std::move(other.data_);
    other.data_.clear();
    le_ = other.le_;
    extended_ = other.extended_;
  }
  return *this;
}

CommandApdu::~CommandApdu() {
  Wipe();
}

void CommandApdu::Wipe() noexcept {
  SecureWipe(data_.data(), data_.capacity());
  data_.clear();
}

Result<CommandApdu> CommandApdu::WithLe(size_t le) const {
  return Create(cla_, ins_, p1_, p2_, data_, le, extended_ ? ApduForm::kExtended : ApduForm::kAuto);
}

Bytes CommandApdu::Encode() const {
  Bytes out;
  out.reserve(4 + 3 + data_.size() + 3);
  // The header byte by byte: GCC 12 at -O3 misreads an initializer-list insert into the
  // reserved vector as an overflow (-Wstringop-overflow).
  for (uint8_t b : {cla_, ins_, p1_, p2_}) out.push_back(b);
  if (extended_) {
    out.push_back(0x00);
    if (!data_.empty()) {
      AppendBe16(out, static_cast<uint16_t>(data_.size()));
      out.insert(out.end(), data_.begin(), data_.end());
    }
    if (le_) AppendBe16(out, static_cast<uint16_t>(*le_ == kMaxExtendedLe ? 0 : *le_));
  } else {
    if (!data_.empty()) {
      out.push_back(static_cast<uint8_t>(data_.size()));
      out.insert(out.end(), data_.begin(), data_.end());
    }
    if (le_) out.push_back(static_cast<uint8_t>(*le_ == kMaxShortLe ? 0 : *le_));
  }
  return out;
}

}  // namespace mykey::iso7816
