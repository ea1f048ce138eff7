#include "mykey/protocol/voucher_token.h"

#include <string>

#include "mykey/base/base45.h"
#include "mykey/testing/catch.h"

namespace mykey::protocol {
namespace {

using std::chrono::April;
using std::chrono::December;
using std::chrono::January;
using std::chrono::July;
using std::chrono::June;
using std::chrono::September;
using std::chrono::sys_days;
using std::chrono::sys_seconds;
using std::chrono::year;
using std::chrono::year_month_day;

year_month_day Ymd(int y, unsigned m, unsigned d) {
  return year_month_day(year(y), std::chrono::month(m), std::chrono::day(d));
}

// An instant given as a Japan wall-clock time.
sys_seconds JapanTime(int y, unsigned m, unsigned d, int hour, int minute = 0, int second = 0) {
  return sys_seconds(sys_days(Ymd(y, m, d))) + std::chrono::hours(hour) +
         std::chrono::minutes(minute) + std::chrono::seconds(second) - kJapanUtcOffset;
}

crypto::EcdsaPrivateKey VoucherKey(std::string_view label) {
  auto random = crypto::DeterministicRandom::Create(ViewOf("voucher-test-seed"), ViewOf(label));
  REQUIRE(random);
  auto key = crypto::EcdsaPrivateKey::Generate(**random);
  REQUIRE(key);
  return std::move(*key);
}

VoucherKeyRing RingOf(const crypto::EcdsaPrivateKey& key) {
  VoucherKeyRing ring;
  REQUIRE(ring.Add(key.PublicKey()));
  return ring;
}

VoucherFields SampleFields() {
  VoucherFields fields;
  fields.serial = VoucherSerial::Parse("7KQ4-MX2P-R9").value();
  fields.kind = VoucherKind::kGranted;
  fields.programme = {131016, 3};  // 千代田区, programme 3
  fields.amount = 500;
  fields.issued = Ymd(2025, 4, 1);
  fields.expires = Ymd(2025, 9, 30);
  return fields;
}

// The binary form of a text token, and back, for building malformed tokens.
Bytes BinaryOf(const std::string& text) {
  return Base45Decode(std::string_view(text).substr(kVoucherTokenPrefix.size())).value();
}
std::string TextOf(ByteView binary) {
  return std::string(kVoucherTokenPrefix) + Base45Encode(binary);
}

// Signs arbitrary payload bytes as the cloud would, bypassing the field checks.
std::string SignRaw(Bytes payload, const crypto::EcdsaPrivateKey& key) {
  const Bytes signature = key.Sign(crypto::Sha256(payload)).value();
  payload.insert(payload.end(), signature.begin(), signature.end());
  return TextOf(payload);
}

TEST_CASE("a voucher token round-trips and verifies with the published key") {
  const auto key = VoucherKey("2025");
  const VoucherFields fields = SampleFields();
  const std::string text = EncodeVoucherToken(fields, key).value();
  CHECK(text.size() == kVoucherTokenTextSize);
  CHECK(text.rfind("MKV:", 0) == 0);
  CHECK(text.find_first_not_of(kBase45Alphabet) == std::string::npos);

  auto token = DecodeVoucherToken(text);
  REQUIRE(token);
  CHECK(token->version == kVoucherFormatVersion);
  CHECK(token->fields == fields);
  CHECK(token->key_id == key.KeyId());
  CHECK(token->signature.size() == 64);
  CHECK(VerifyVoucherToken(*token, RingOf(key), JapanTime(2025, 5, 10, 12)));
  CHECK(DecodeAndVerifyVoucherToken(text, RingOf(key), JapanTime(2025, 5, 10, 12)).value().fields ==
        fields);
}

TEST_CASE("a voucher token for fixed inputs and a seeded key is byte-for-byte stable") {
  // Golden: if this changes, the wire format changed; bump kVoucherFormatVersion.
  const auto key = VoucherKey("golden");
  CHECK(ToHex(key.KeyId()) == "0675B89F615F56DC");
  const std::string text = EncodeVoucherToken(SampleFields(), key).value();
  CHECK(text ==
        "MKV:W50X 0DFN.DC6:AQO00QBLJDGB0ZCP3H0100B%UD FEM6EXO*7PFZ134S-QBBEM9JA065$"
        "42QR7*94AKO MD64KEAF5POVYN3-D8LURL2:FA688AB70V2D*OVV5*WTHTFNLV-AQALLH0");
  CHECK(ToHex(ByteView(BinaryOf(text)).first(kVoucherPayloadSize)) ==
        "0101" + ToHex(key.KeyId()) +
            "04525B956A41"  // 7KQ4-MX2P-R9
            "01FFC8"        // 131016
            "0003"          // programme 3
            "000001F4"      // 500 points
            "077D"          // 2025-04-01 = day 1917
            "0833");        // 2025-09-30 = day 2099
}

TEST_CASE("encoding refuses fields the cloud must never sign") {
  const auto key = VoucherKey("2025");
  auto refused = [&](VoucherFields fields) {
    auto text = EncodeVoucherToken(fields, key);
    REQUIRE_FALSE(text);
    return text.error();
  };
  VoucherFields fields = SampleFields();
  fields.amount = 0;
  CHECK(refused(fields).code() == ErrorCode::kInvalidArgument);
  fields.amount = kMaxVoucherAmount + 1;
  CHECK(refused(fields).code() == ErrorCode::kInvalidArgument);
  fields = SampleFields();
  fields.programme.municipality_code = 131017;  // wrong check digit
  CHECK(refused(fields).code() == ErrorCode::kInvalidArgument);
  fields.programme.municipality_code = 481002;  // no prefecture 48
  CHECK(refused(fields).code() == ErrorCode::kInvalidArgument);
  fields = SampleFields();
  fields.expires = Ymd(2025, 3, 31);
  CHECK(refused(fields).code() == ErrorCode::kInvalidArgument);
  fields.issued = Ymd(2019, 12, 31);
  CHECK(refused(fields).code() == ErrorCode::kInvalidArgument);
  fields = SampleFields();
  fields.expires = Ymd(2025, 2, 30);
  CHECK(refused(fields).code() == ErrorCode::kInvalidArgument);
  fields.expires = Ymd(2200, 1, 1);
  CHECK(refused(fields).code() == ErrorCode::kInvalidArgument);
  fields = SampleFields();
  fields.kind = static_cast<VoucherKind>(3);
  CHECK(refused(fields).code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("a sold voucher must expire within 6 months of issue, at issue and at verification") {
  const auto key = VoucherKey("2025");
  VoucherFields fields = SampleFields();
  fields.kind = VoucherKind::kSold;
  fields.issued = Ymd(2025, 4, 1);
  fields.expires = Ymd(2025, 9, 30);
  CHECK(EncodeVoucherToken(fields, key));
  fields.expires = Ymd(2025, 10, 1);
  auto refused = EncodeVoucherToken(fields, key);
  REQUIRE_FALSE(refused);
  CHECK(IsSoldVoucherTermTooLong(refused.error()));
  CHECK(IsSoldVoucherTermTooLong(ValidateVoucherFields(fields).error()));

  // A validly signed token that breaks the rule (an old or faulty issuer) is refused too.
  VoucherToken token;
  token.key_id = key.KeyId();
  token.fields = fields;
  const std::string text = SignRaw(VoucherPayload(token).value(), key);
  auto decoded = DecodeVoucherToken(text);
  REQUIRE(decoded);
  auto verified = VerifyVoucherToken(*decoded, RingOf(key), JapanTime(2025, 5, 1, 12));
  REQUIRE_FALSE(verified);
  CHECK(IsSoldVoucherTermTooLong(verified.error()));

  // Granted vouchers have no such limit.
  fields.kind = VoucherKind::kGranted;
  fields.expires = Ymd(2027, 3, 31);
  CHECK(EncodeVoucherToken(fields, key));
}

TEST_CASE("the 6-month limit counts the issue day, as the Civil Code counts months") {
  CHECK(LatestSoldVoucherExpiry(Ymd(2024, 1, 15)) == Ymd(2024, 7, 14));
  CHECK(LatestSoldVoucherExpiry(Ymd(2024, 1, 1)) == Ymd(2024, 6, 30));
  CHECK(LatestSoldVoucherExpiry(Ymd(2024, 8, 31)) == Ymd(2025, 2, 28));
  CHECK(LatestSoldVoucherExpiry(Ymd(2024, 8, 28)) == Ymd(2025, 2, 27));
  CHECK(LatestSoldVoucherExpiry(Ymd(2023, 8, 30)) == Ymd(2024, 2, 29));
  CHECK(LatestSoldVoucherExpiry(Ymd(2024, 12, 31)) == Ymd(2025, 6, 30));
  CHECK(LatestSoldVoucherExpiry(Ymd(2025, 7, 1)) == Ymd(2025, 12, 31));
  CHECK(LatestSoldVoucherExpiry(Ymd(2025, 7, 2)) == Ymd(2026, 1, 1));
}

TEST_CASE("a voucher is valid through the end of its expiry day in Japan time") {
  const auto key = VoucherKey("2025");
  const VoucherToken token =
      DecodeVoucherToken(EncodeVoucherToken(SampleFields(), key).value()).value();
  const VoucherKeyRing ring = RingOf(key);
  // Expires 2025-09-30: 23:59:59 JST is 14:59:59 UTC the same day.
  CHECK(VerifyVoucherToken(token, ring, JapanTime(2025, 9, 30, 23, 59, 59)));
  auto expired = VerifyVoucherToken(token, ring, JapanTime(2025, 10, 1, 0, 0, 0));
  REQUIRE_FALSE(expired);
  CHECK(expired.error().code() == ErrorCode::kFailedPrecondition);
  CHECK(IsVoucherExpired(expired.error()));
  CHECK_FALSE(IsVoucherNotYetValid(expired.error()));
  // 2025-10-01 00:00 JST is still 2025-09-30 in UTC: the Japan date decides.
  CHECK(JapanDate(JapanTime(2025, 10, 1, 0)) == Ymd(2025, 10, 1));
  CHECK(JapanDate(sys_seconds(sys_days(Ymd(2025, 9, 30))) + std::chrono::hours(15)) ==
        Ymd(2025, 10, 1));
}

TEST_CASE("an issue date up to one day ahead of the clock is tolerated, more is refused") {
  const auto key = VoucherKey("2025");
  const VoucherToken token =
      DecodeVoucherToken(EncodeVoucherToken(SampleFields(), key).value()).value();
  const VoucherKeyRing ring = RingOf(key);
  // Issued 2025-04-01.
  CHECK(VerifyVoucherToken(token, ring, JapanTime(2025, 4, 1, 0)));
  CHECK(VerifyVoucherToken(token, ring, JapanTime(2025, 3, 31, 0)));
  auto early = VerifyVoucherToken(token, ring, JapanTime(2025, 3, 30, 23, 59, 59));
  REQUIRE_FALSE(early);
  CHECK(IsVoucherNotYetValid(early.error()));
}

TEST_CASE("a voucher signed by a key not in the ring is reported as not found") {
  const auto key = VoucherKey("2025");
  const VoucherToken token =
      DecodeVoucherToken(EncodeVoucherToken(SampleFields(), key).value()).value();
  const VoucherKeyRing ring = RingOf(VoucherKey("2024"));
  CHECK(VerifyVoucherToken(token, ring, JapanTime(2025, 5, 1, 12)).error().code() ==
        ErrorCode::kNotFound);
  CHECK(VerifyVoucherToken(token, VoucherKeyRing(), JapanTime(2025, 5, 1, 12)).error().code() ==
        ErrorCode::kNotFound);
}

TEST_CASE("a voucher with an altered field or signature fails as unauthenticated") {
  const auto key = VoucherKey("2025");
  const VoucherKeyRing ring = RingOf(key);
  const std::string text = EncodeVoucherToken(SampleFields(), key).value();
  const auto now = JapanTime(2025, 5, 1, 12);

  // The amount raised in the binary form: still well-formed, no longer signed.
  Bytes binary = BinaryOf(text);
  binary[24] = 0xF5;  // 500 -> 501 points
  auto altered = DecodeVoucherToken(TextOf(binary));
  REQUIRE(altered);
  CHECK(altered->fields.amount == 501);
  CHECK(VerifyVoucherToken(*altered, ring, now).error().code() == ErrorCode::kUnauthenticated);

  // A field changed after decoding.
  VoucherToken token = DecodeVoucherToken(text).value();
  token.fields.expires = Ymd(2026, 9, 30);
  CHECK(VerifyVoucherToken(token, ring, now).error().code() == ErrorCode::kUnauthenticated);

  // Every signature byte matters.
  for (size_t at = kVoucherPayloadSize; at < kVoucherTokenBinarySize; at += 7) {
    Bytes tampered = BinaryOf(text);
    tampered[at] ^= 0x01;
    INFO("byte " << at);
    auto decoded = DecodeVoucherToken(TextOf(tampered));
    REQUIRE(decoded);
    CHECK(VerifyVoucherToken(*decoded, ring, now).error().code() == ErrorCode::kUnauthenticated);
  }

  // Another key claiming the right key id.
  VoucherToken forged = DecodeVoucherToken(text).value();
  forged.signature =
      VoucherKey("attacker").Sign(crypto::Sha256(VoucherPayload(forged).value())).value();
  CHECK(VerifyVoucherToken(forged, ring, now).error().code() == ErrorCode::kUnauthenticated);
}

// The other valid signature of the same payload: s replaced by n - s (n the
// order of P-256's group), as anyone can compute from a printed token.
std::string Mauled(const std::string& text) {
  static constexpr uint8_t kOrder[32] = {0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00,
                                         0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                         0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84,
                                         0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51};
  Bytes binary = BinaryOf(text);
  const size_t s_at = kVoucherPayloadSize + 32;
  int borrow = 0;
  for (size_t i = 32; i-- > 0;) {
    const int digit = int{kOrder[i]} - int{binary[s_at + i]} - borrow;
    borrow = digit < 0 ? 1 : 0;
    binary[s_at + i] = static_cast<uint8_t>(digit + 256 * borrow);
  }
  return TextOf(binary);
}

TEST_CASE("a voucher has one valid text: the mauled signature (r, n - s) is refused") {
  const auto key = VoucherKey("golden");
  const VoucherKeyRing ring = RingOf(key);
  const auto now = JapanTime(2025, 5, 1, 12);
  const std::string golden = EncodeVoucherToken(SampleFields(), key).value();
  const std::string mauled = Mauled(golden);
  REQUIRE(mauled != golden);
  // The mauled copy is a valid ECDSA signature of the same payload...
  auto token = DecodeVoucherToken(mauled);
  REQUIRE(token);
  CHECK(token->fields == SampleFields());
  CHECK(key.PublicKey().Verify(crypto::Sha256(VoucherPayload(*token).value()), token->signature));
  // ...but not the voucher's.
  auto verified = VerifyVoucherToken(*token, ring, now);
  REQUIRE_FALSE(verified);
  CHECK(verified.error().code() == ErrorCode::kUnauthenticated);
  CHECK(DecodeAndVerifyVoucherToken(golden, ring, now));

  // Every token the cloud signs is low-S, whatever the raw signature was.
  int high_raw = 0;
  for (uint32_t amount = 1; amount <= 40; ++amount) {
    VoucherFields fields = SampleFields();
    fields.amount = amount;
    const std::string text = EncodeVoucherToken(fields, key).value();
    const VoucherToken decoded = DecodeVoucherToken(text).value();
    INFO(amount);
    CHECK(crypto::IsLowSEcdsaSignature(decoded.signature));
    CHECK(VerifyVoucherToken(decoded, ring, now));
    CHECK_FALSE(VerifyVoucherToken(DecodeVoucherToken(Mauled(text)).value(), ring, now));
    const Bytes raw = key.Sign(crypto::Sha256(VoucherPayload(decoded).value())).value();
    if (!crypto::IsLowSEcdsaSignature(raw)) ++high_raw;
  }
  CHECK(high_raw > 5);  // about half of mbedTLS's signatures are high-S before normalising
}

TEST_CASE("a token pasted with whitespace at the ends decodes; inside, it does not") {
  const auto key = VoucherKey("2025");
  const std::string text = EncodeVoucherToken(SampleFields(), key).value();
  for (const std::string& pasted : {text + "\n", text + "\r\n", " " + text + "\t"}) {
    auto token = DecodeVoucherToken(pasted);
    REQUIRE(token);
    CHECK(token->fields == SampleFields());
  }
  CHECK_FALSE(DecodeVoucherToken(text.substr(0, 50) + "\n" + text.substr(50)));
}

TEST_CASE("malformed token text is refused with a specific error") {
  const auto key = VoucherKey("2025");
  const std::string text = EncodeVoucherToken(SampleFields(), key).value();
  auto code_of = [](const std::string& candidate) {
    auto token = DecodeVoucherToken(candidate);
    REQUIRE_FALSE(token);
    return token.error().code();
  };
  CHECK(code_of("") == ErrorCode::kInvalidArgument);
  CHECK(code_of("HC1:" + text.substr(4)) == ErrorCode::kInvalidArgument);
  CHECK(code_of("mkv:" + text.substr(4)) == ErrorCode::kInvalidArgument);
  CHECK(code_of(text + "00") == ErrorCode::kInvalidArgument);  // length 1 mod 3
  CHECK(code_of(text.substr(0, 20) + "a" + text.substr(21)) == ErrorCode::kInvalidArgument);
  CHECK(code_of(text + std::string(1000, '0')) == ErrorCode::kInvalidArgument);  // far too long
  CHECK(code_of("MKV:") == ErrorCode::kDataLoss);                                // empty
  CHECK(code_of(text.substr(0, text.size() - 2)) == ErrorCode::kDataLoss);       // truncated
  CHECK(code_of(text + "000") == ErrorCode::kDataLoss);                          // extra bytes

  auto with_byte = [&](size_t at, uint8_t value) {
    Bytes binary = BinaryOf(text);
    binary[at] = value;
    return TextOf(binary);
  };
  CHECK(code_of(with_byte(0, 0x02)) == ErrorCode::kUnimplemented);  // a newer format
  CHECK(code_of(with_byte(0, 0x00)) == ErrorCode::kUnimplemented);
  CHECK(code_of(with_byte(1, 0x00)) == ErrorCode::kInvalidArgument);   // kind
  CHECK(code_of(with_byte(10, 0xFF)) == ErrorCode::kInvalidArgument);  // serial >= 31^9
  CHECK(code_of(with_byte(18, 0xC9)) == ErrorCode::kInvalidArgument);  // 131017
  Bytes zero_amount = BinaryOf(text);
  zero_amount[23] = zero_amount[24] = 0;
  CHECK(code_of(TextOf(zero_amount)) == ErrorCode::kInvalidArgument);
  CHECK(code_of(with_byte(21, 0x01)) == ErrorCode::kInvalidArgument);  // > 1,000,000
  CHECK(code_of(with_byte(27, 0x00)) == ErrorCode::kInvalidArgument);  // expires before issue
}

TEST_CASE("a key ring refuses the same key twice and finds keys by id") {
  const auto key = VoucherKey("2025");
  VoucherKeyRing ring;
  REQUIRE(ring.Add(key.PublicKey()));
  REQUIRE(ring.Add(VoucherKey("2024").PublicKey()));
  CHECK(ring.Add(key.PublicKey()).error().code() == ErrorCode::kAlreadyExists);
  CHECK(ring.size() == 2);
  REQUIRE(ring.Find(key.KeyId()) != nullptr);
  CHECK(*ring.Find(key.KeyId()) == key.PublicKey());
  CHECK(ring.Find(crypto::EcdsaKeyId{}) == nullptr);
}

TEST_CASE("local government codes need a prefecture and the right check digit") {
  for (uint32_t code : {131016u, 131041u, 11002u, 10006u, 130001u, 271004u, 472018u}) {
    INFO(code);
    CHECK(IsValidMunicipalityCode(code));
  }
  for (uint32_t code : {131017u, 131010u, 0u, 1u, 481009u, 1000000u, 999999u}) {
    INFO(code);
    CHECK_FALSE(IsValidMunicipalityCode(code));
  }
}

}  // namespace
}  // namespace mykey::protocol
